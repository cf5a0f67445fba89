//! `riskgraph init`: write a new inventory to fill in, never overwriting a file.

use std::path::PathBuf;

use crate::error::{self, Error};

#[derive(clap::Args)]
pub struct Args {
    /// The folder to create the inventory in (created if missing)
    pub dir: PathBuf,
}

pub fn run(args: &Args) -> error::Result {
    let files = riskgraph_engine::new_inventory_files();
    let existing: Vec<String> = files
        .iter()
        .map(|(name, _)| args.dir.join(name))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(Error::with_help(
            format!(
                "refusing to overwrite existing files: {}",
                existing.join(", ")
            ),
            "choose an empty folder, or move those files away first",
        ));
    }
    if let Err(err) = std::fs::create_dir_all(args.dir.join("rules").join("tests")) {
        return Err(Error::message(format!(
            "cannot create `{}`: {err}",
            args.dir.display()
        )));
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
            return Err(Error::message(format!(
                "cannot write `{}`: {err}",
                path.display()
            )));
        }
    }
    let dir = args.dir.display();
    crate::output::emit(None, |out| {
        write!(
            out,
            "Created a new inventory in {dir} ({} files).\nFill in the CSV files, then run: riskgraph validate {dir}\n",
            files.len()
        )
    })
}
