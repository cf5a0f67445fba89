//! `riskgraph init`: write a new inventory to fill in, never overwriting a file.

use std::io::Write;
use std::path::PathBuf;

use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// The folder to create the inventory in (created if missing)
    pub dir: PathBuf,
}

#[expect(
    clippy::print_stderr,
    reason = "a command reports its errors on the terminal"
)]
pub fn run(args: &Args) -> Outcome {
    let mut files = riskgraph_model::template::files();
    // The built-in rules, to edit: the manifest points `[method] rules` at this folder.
    for (file, source) in riskgraph_engine::rules::default_scripts() {
        files.push((format!("rules/{file}"), source.to_owned()));
    }
    for (file, content) in riskgraph_engine::rules::testing::DEFAULT_TESTS {
        files.push((format!("rules/tests/{file}"), (*content).to_owned()));
    }
    let existing: Vec<String> = files
        .iter()
        .map(|(name, _)| args.dir.join(name))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "error: refusing to overwrite existing files: {}",
            existing.join(", ")
        );
        eprintln!("  help: choose an empty folder, or move those files away first");
        return Outcome::Invalid;
    }
    if let Err(err) = std::fs::create_dir_all(args.dir.join("rules").join("tests")) {
        eprintln!("error: cannot create `{}`: {err}", args.dir.display());
        return Outcome::Invalid;
    }
    for (name, content) in &files {
        let path = args.dir.join(name);
        // `create_new` keeps the no-overwrite promise even if a file appears after the check.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, content.as_bytes()));
        if let Err(err) = written {
            eprintln!("error: cannot write `{}`: {err}", path.display());
            return Outcome::Invalid;
        }
    }
    let dir = args.dir.display();
    Outcome::of_stdout(write!(
        std::io::stdout().lock(),
        "Created a new inventory in {dir} ({} files).\nFill in the CSV files, then run: riskgraph validate {dir}\n",
        files.len()
    ))
}
