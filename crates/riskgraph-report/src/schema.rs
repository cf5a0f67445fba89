//! `riskgraph schema`: the JSON Schema (draft 2020-12) of each JSON document riskgraph writes and
//! of `riskgraph.toml`, derived from the Rust types that write or read them (schemars), never
//! written by hand, so a schema cannot drift from the output it describes.

use schemars::schema_for;

/// A document that has a schema, named as `riskgraph schema` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `assess --format json`, which `diff` and `report --previous` read.
    Register,
    /// `coverage --format json`.
    Coverage,
    /// `soa --format json`.
    Soa,
    /// `blast-radius --format json`: an exposure (`--from`), what can take nodes down (`--into`),
    /// the vendor ranking (`--rank vendors`) or the fourth parties (`--rank fourth-parties`).
    BlastRadius,
    /// `diff --format json`.
    Diff,
    /// `validate --error-format json`.
    Diagnostics,
    /// `riskgraph.toml`.
    Manifest,
}

impl Schema {
    pub const ALL: [Self; 7] = [
        Self::Register,
        Self::Coverage,
        Self::Soa,
        Self::BlastRadius,
        Self::Diff,
        Self::Diagnostics,
        Self::Manifest,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Coverage => "coverage",
            Self::Soa => "soa",
            Self::BlastRadius => "blast-radius",
            Self::Diff => "diff",
            Self::Diagnostics => "diagnostics",
            Self::Manifest => "manifest",
        }
    }

    /// The schema, as a JSON value.
    pub fn schema(self) -> schemars::Schema {
        match self {
            Self::Register => schema_for!(crate::register::Document<'static>),
            Self::Coverage => schema_for!(crate::coverage::Document<'static>),
            Self::Soa => schema_for!(crate::soa::Document<'static>),
            Self::BlastRadius => schema_for!(crate::blast_radius::BlastRadiusDocument<'static>),
            Self::Diff => schema_for!(crate::diff::DiffDocument<'static>),
            Self::Diagnostics => schema_for!(crate::diagnostics::Document<'static>),
            Self::Manifest => riskgraph_model::manifest::json_schema(),
        }
    }

    /// The schema as pretty-printed JSON, ending with a newline.
    pub fn text(self) -> String {
        let mut text = serde_json::to_string_pretty(&self.schema()).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::Schema;

    #[test]
    fn every_schema_is_a_valid_draft_2020_12_schema() {
        for schema in Schema::ALL {
            let value = schema.schema().to_value();
            assert_eq!(
                value["$schema"],
                "https://json-schema.org/draft/2020-12/schema",
                "{}",
                schema.name()
            );
            let meta = jsonschema::draft202012::meta::validate(&value);
            assert!(meta.is_ok(), "{}: {meta:?}", schema.name());
            assert!(
                jsonschema::draft202012::new(&value).is_ok(),
                "{}",
                schema.name()
            );
        }
    }
}
