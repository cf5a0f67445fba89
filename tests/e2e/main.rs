//! End-to-end tests of the `riskgraph` binary: the bundled dataset, the corpus of invalid
//! inventories with golden diagnostics, and `init`.

mod assess;
mod blast_radius;
mod completions;
mod compliance;
mod diff;
mod explain;
mod hostile;
mod init;
mod invalid;
mod layering;
mod report;
mod rules;
mod validate;
mod xlsx;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The workspace root, where `datasets/` and `tests/` are.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `riskgraph` binary, with colour off and the working directory at the workspace root.
pub fn riskgraph() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_riskgraph"));
    command
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    command
}

/// A command's standard output and error as text.
pub fn output(command: &mut Command) -> (Option<i32>, String, String) {
    let output = command.output().expect("the riskgraph binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
