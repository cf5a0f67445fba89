//! `riskgraph rules check [DIR]`: compile every rules script and check its hook;
//! `riskgraph rules test [DIR]`: run the rules' test cases.

use std::io::Write;
use std::path::PathBuf;

use riskgraph_engine::rules::{Limits, Rules, testing};

use crate::Outcome;

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

pub fn run(command: &Command) -> Outcome {
    match command {
        Command::Check { dir } => check(dir.as_deref()),
        Command::Test { dir } => test(dir.as_deref()),
    }
}

fn test(dir: Option<&std::path::Path>) -> Outcome {
    let rules = match Rules::load(dir, Limits::default()) {
        Ok(rules) => rules,
        Err(errors) => {
            super::print_rule_errors(&errors);
            return Outcome::Invalid;
        }
    };
    let files = match dir {
        Some(dir) => match testing::read_folder(dir) {
            Ok(files) => files,
            Err(error) => {
                super::print_rule_errors(&[error]);
                return Outcome::Invalid;
            }
        },
        None => testing::DEFAULT_TESTS
            .iter()
            .map(|(name, content)| (format!("built-in {name}"), (*content).to_owned()))
            .collect(),
    };
    let outcomes = match testing::run(&rules, &files) {
        Ok(outcomes) => outcomes,
        Err(error) => {
            super::print_rule_errors(&[error]);
            return Outcome::Invalid;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if outcomes.is_empty() {
        let where_ = dir.map_or_else(String::new, |d| d.join("tests").display().to_string());
        let _ = writeln!(stdout, "no test cases in {where_}");
        return Outcome::Success;
    }
    let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
    for outcome in &outcomes {
        match &outcome.failure {
            None => {
                let _ = writeln!(stdout, "ok    {}", outcome.case);
            }
            Some(failure) => {
                let _ = writeln!(stdout, "FAIL  {}\n      {failure}", outcome.case);
            }
        }
    }
    let _ = writeln!(
        stdout,
        "{} passed, {failed} failed",
        outcomes.len() - failed
    );
    if failed > 0 {
        Outcome::GateTripped
    } else {
        Outcome::Success
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
