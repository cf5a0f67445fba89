//! What `rules check` and `rules test` print: a line per script checked, a line per test case run.

use std::fmt::Write as _;

use riskgraph_engine::rules::Rules;
use riskgraph_engine::rules::testing::Outcome;

/// A line per script of `rules`: its file and where it comes from.
pub fn checked(rules: &Rules) -> String {
    let mut text = String::new();
    for (file, origin) in rules.origins() {
        let _ = writeln!(text, "ok  {file:<20} {origin}");
    }
    text
}

/// A line per test case, `ok` or `FAIL` with what differed, then the counts.
pub fn tested(outcomes: &[Outcome]) -> String {
    let mut text = String::new();
    for outcome in outcomes {
        let _ = match &outcome.failure {
            None => writeln!(text, "ok    {}", outcome.case),
            Some(failure) => writeln!(text, "FAIL  {}\n      {failure}", outcome.case),
        };
    }
    let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
    let _ = writeln!(text, "{} passed, {failed} failed", outcomes.len() - failed);
    text
}
