//! `riskgraph schema DOCUMENT`: the JSON Schema of a JSON document riskgraph writes, or of
//! `riskgraph.toml`.

use riskgraph_report::schema::Schema;

use crate::error;

#[derive(clap::Args)]
pub struct Args {
    /// The document: register (assess --format json), coverage, soa, blast-radius, diff,
    /// diagnostics (validate --error-format json) or manifest (riskgraph.toml)
    #[arg(value_parser = super::one_of(&Schema::ALL, Schema::name))]
    pub document: Schema,
}

pub fn run(args: &Args) -> error::Result {
    let text = args.document.text();
    crate::output::emit(None, |out| out.write_all(text.as_bytes()))
}
