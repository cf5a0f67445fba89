//! `riskgraph completions SHELL`: the completion script for a shell, generated from the same
//! argument definitions the binary parses with.

use clap::CommandFactory;

use crate::error;

#[derive(clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, powershell or elvish
    pub shell: clap_complete::Shell,
}

pub fn run(args: &Args) -> error::Result {
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut crate::Cli::command(),
        "riskgraph",
        &mut script,
    );
    crate::output::emit(None, |out| out.write_all(&script))
}
