//! `riskgraph explain`: every input and rule result behind one risk's scores.

use crate::error::{self, Error};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: super::Assessing,
    /// The risk: `<threat-id>@<node-id>`, or `fraud@<process-id>`
    pub risk: String,
}

pub fn run(args: &Args) -> error::Result {
    let loaded = args.inventory.load()?;
    let (source, node) = loaded.find(&args.risk).map_err(|unknown| Error::Message {
        message: unknown.to_string(),
        help: unknown.help.clone(),
    })?;
    let session = args.inventory.open(loaded)?;
    let explanation = session.explain(source, node)?;
    let origins = riskgraph_report::explain::rules_named(session.rules());
    let text = riskgraph_report::explain::render(
        session.inventory(),
        &explanation,
        session.as_of(),
        &origins,
    );
    crate::output::emit(args.inventory.output.as_deref(), |out| {
        out.write_all(text.as_bytes())
    })
}
