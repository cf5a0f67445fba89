//! `riskgraph rules check [DIR]`: compile every rules script and check its hook;
//! `riskgraph rules test [DIR]`: run the rules' test cases.

use std::path::PathBuf;

use riskgraph_engine::rules::{Limits, Rules, testing};

use crate::Outcome;
use crate::error::{self, Error};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Compile every script of a rules folder (the built-in rules without DIR) and check that
    /// each defines its hook; report every problem
    Check {
        /// The rules folder; files it lacks fall back to the built-in ones
        dir: Option<PathBuf>,
    },
    /// Run the test cases in DIR/tests/*.toml against the rules of DIR (without DIR: the
    /// built-in rules and their tests); exit 1 when a case fails
    Test {
        /// The rules folder
        dir: Option<PathBuf>,
    },
}

pub fn run(command: &Command) -> error::Result {
    match command {
        Command::Check { dir } => check(dir.as_deref()),
        Command::Test { dir } => test(dir.as_deref()),
    }
}

fn test(dir: Option<&std::path::Path>) -> error::Result {
    let rules = Rules::load_printing_to(dir, Limits::default(), super::print_to_stderr())
        .map_err(Error::Rules)?;
    let files = match dir {
        Some(dir) => testing::read_folder(dir)?,
        None => testing::DEFAULT_TESTS
            .iter()
            .map(|(name, content)| (format!("built-in {name}"), (*content).to_owned()))
            .collect(),
    };
    let outcomes = testing::run(&rules, &files)?;
    if outcomes.is_empty() {
        let where_ = dir.map_or_else(String::new, |d| d.join("tests").display().to_string());
        return print(&format!("no test cases in {where_}\n"));
    }
    let failed = outcomes.iter().any(|o| o.failure.is_some());
    Ok(match print(&riskgraph_report::rules::tested(&outcomes))? {
        Outcome::Success if failed => Outcome::GateTripped,
        printed => printed,
    })
}

fn check(dir: Option<&std::path::Path>) -> error::Result {
    let rules = Rules::load_printing_to(dir, Limits::default(), super::print_to_stderr())
        .map_err(Error::Rules)?;
    print(&riskgraph_report::rules::checked(&rules))
}

/// Prints `text` on the standard output.
fn print(text: &str) -> error::Result {
    crate::output::emit(None, |out| out.write_all(text.as_bytes()))
}
