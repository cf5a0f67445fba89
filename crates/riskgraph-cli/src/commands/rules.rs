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
    let rules = match Rules::load_printing_to(dir, Limits::default(), super::print_to_stderr()) {
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
    if outcomes.is_empty() {
        let where_ = dir.map_or_else(String::new, |d| d.join("tests").display().to_string());
        return print(&format!("no test cases in {where_}\n"));
    }
    let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
    let lines: Vec<String> = outcomes
        .iter()
        .map(|outcome| match &outcome.failure {
            None => format!("ok    {}\n", outcome.case),
            Some(failure) => format!("FAIL  {}\n      {failure}\n", outcome.case),
        })
        .chain([format!(
            "{} passed, {failed} failed\n",
            outcomes.len() - failed
        )])
        .collect();
    let text = lines.concat();
    match print(&text) {
        Outcome::Success if failed > 0 => Outcome::GateTripped,
        printed => printed,
    }
}

fn check(dir: Option<&std::path::Path>) -> Outcome {
    match Rules::load_printing_to(dir, Limits::default(), super::print_to_stderr()) {
        Ok(rules) => {
            let lines: Vec<String> = rules
                .origins()
                .map(|(file, origin)| format!("ok  {file:<20} {origin}\n"))
                .collect();
            print(&lines.concat())
        }
        Err(errors) => {
            super::print_rule_errors(&errors);
            Outcome::Invalid
        }
    }
}

/// Prints `text` on the standard output.
fn print(text: &str) -> Outcome {
    Outcome::of_stdout(std::io::stdout().lock().write_all(text.as_bytes()))
}
