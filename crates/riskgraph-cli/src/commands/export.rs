//! `riskgraph export oscal DIR -o OUT_DIR`: the assessment for other tools, one subcommand per
//! format. All files are rendered before any is written, and each is written atomically.

use std::io::Write as _;

use riskgraph_report::oscal;

use crate::error::{self, Error};

#[derive(clap::Subcommand)]
pub enum Command {
    /// NIST OSCAL 1.1 JSON: assessment-plan.json, assessment-results.json and
    /// plan-of-action-and-milestones.json, in the folder given with -o
    Oscal(Args),
}

#[derive(clap::Args)]
#[command(mut_arg("output", |arg| arg.value_name("OUT_DIR")
    .help("The folder to write the documents to, created if missing (each file all or nothing)")))]
pub struct Args {
    #[command(flatten)]
    pub inventory: super::Assessing,
}

pub fn run(command: &Command) -> error::Result {
    let Command::Oscal(args) = command;
    let Some(folder) = args.inventory.output.as_deref() else {
        return Err(super::usage(
            "export oscal writes three files: give it a folder with -o OUT_DIR",
        ));
    };
    let (session, assessment) = args.inventory.assess()?;
    let export = oscal::export(&session, &assessment);
    let files = export
        .files()
        .map_err(|err| Error::message(err.to_string()))?;
    let written = std::fs::create_dir_all(folder).and_then(|()| {
        files.iter().try_for_each(|(name, bytes)| {
            crate::output::write_atomically(&folder.join(name), |out| out.write_all(bytes))
        })
    });
    written
        .map_err(|err| Error::message(format!("cannot write into {}: {err}", folder.display())))?;
    if export.poam.is_none() {
        // OSCAL wants at least one POA&M item; an earlier POA&M in the folder would be stale.
        let removed = std::fs::remove_file(folder.join(oscal::POAM_FILE)).is_ok();
        let note = if removed {
            "; the earlier one was removed"
        } else {
            ""
        };
        let _ = writeln!(
            std::io::stderr(),
            "no risk is being mitigated: no {}{note}",
            oscal::POAM_FILE
        );
    }
    Ok(crate::Outcome::Success)
}
