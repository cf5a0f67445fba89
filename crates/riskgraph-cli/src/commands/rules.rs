//! `riskgraph rules check [DIR]`: compile every rules script and check its hook.

use std::io::Write;
use std::path::PathBuf;

use riskgraph_engine::rules::{Limits, Rules};

use crate::Outcome;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Compile every script of a rules folder (the built-in rules without DIR) and check that
    /// each defines its hook; report every problem
    Check {
        /// The rules folder; files it lacks fall back to the built-in ones
        dir: Option<PathBuf>,
    },
}

pub fn run(command: &Command) -> Outcome {
    match command {
        Command::Check { dir } => check(dir.as_deref()),
    }
}

fn check(dir: Option<&std::path::Path>) -> Outcome {
    match Rules::load(dir, Limits::default()) {
        Ok(rules) => {
            let mut stdout = std::io::stdout().lock();
            for (file, origin) in rules.origins() {
                let _ = writeln!(stdout, "ok  {file:<20} {origin}");
            }
            Outcome::Success
        }
        Err(errors) => {
            super::print_rule_errors(&errors);
            Outcome::Invalid
        }
    }
}
