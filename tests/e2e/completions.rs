//! `riskgraph completions SHELL`: a script for each shell clap knows, naming every command.

use crate::{output, riskgraph};

#[test]
fn completions_name_the_commands_and_their_options_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, stdout, stderr) = output(riskgraph().args(["completions", shell]));
        assert_eq!(code, Some(0), "{shell}: {stderr}");
        // Fish names long options without their dashes.
        for word in ["blast-radius", "coverage", "fail-on", "error-format"] {
            assert!(stdout.contains(word), "{shell}: no `{word}` in the script");
        }
    }
}

#[test]
fn the_bash_script_is_valid_bash() {
    let (_, script, _) = output(riskgraph().args(["completions", "bash"]));
    let path = crate::validate::tempdir("completions").join("riskgraph.bash");
    std::fs::write(&path, script).unwrap();
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let (code, _, stderr) = output(riskgraph().args(["completions", "nosh"]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("possible values"), "{stderr}");
}
