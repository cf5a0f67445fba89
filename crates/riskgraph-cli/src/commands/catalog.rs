//! `riskgraph catalog`: the framework catalogs and the crosswalks between them.

use riskgraph_model::catalog::{self, Entry};
use riskgraph_report::Format;
use riskgraph_report::catalog::{Catalog, list, mappings, show};
use riskgraph_report::sheets::{self, Sheet};

use crate::error;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Every entry of a catalog
    List {
        /// soc2, iso27001 (2022 Annex A), iso27001:2013 (with the 2022 controls of each),
        /// clauses (ISO 27001 clauses 4-10 an assessment evidences), categories (the risk
        /// categories, with example threats) or crosswalk (SOC 2 <-> ISO 27001:2022)
        #[arg(value_parser = super::one_of(&Catalog::ALL, Catalog::name))]
        catalog: Catalog,
        #[arg(long, value_parser = super::formats(FORMATS), default_value = "table")]
        format: Format,
    },
    /// One entry, with what it corresponds to in the other catalogs
    Show {
        /// `CC6.1`, `A.5.15` (or `5.15`), `A.9.2.1` (2013), `clause:9.3`
        id: String,
        #[arg(long, value_parser = super::formats(FORMATS), default_value = "table")]
        format: Format,
    },
    /// What an entry corresponds to: SOC 2 -> ISO 27001:2022, ISO 27001:2022 -> SOC 2 and 2013,
    /// ISO 27001:2013 -> 2022
    Map {
        /// `CC6.1`, `A.5.15` (or `5.15`), `A.9.2.1`
        id: String,
        #[arg(long, value_parser = super::formats(FORMATS), default_value = "table")]
        format: Format,
    },
}

/// How a catalog is printed.
const FORMATS: &[Format] = &[Format::Table, Format::Json, Format::Csv, Format::Md];

pub fn run(command: &Command) -> error::Result {
    match command {
        Command::List { catalog, format } => {
            let (title, sheet) = list(*catalog);
            print(&title, &[sheet], *format)
        }
        Command::Show { id, format } => {
            let entry = find(id)?;
            let (title, sheets) = show(entry);
            print(&title, &sheets, *format)
        }
        Command::Map { id, format } => {
            let entry = find(id)?;
            if let Entry::Clause(_) = entry {
                return Err(super::usage(&format!(
                    "{} is a management-system clause: clauses have no counterpart to map to",
                    entry.display_id()
                )));
            }
            let sheet = mappings(entry);
            print(
                &format!("{} corresponds to", entry.display_id()),
                &[sheet],
                *format,
            )
        }
    }
}

/// The entry `id` names, or a usage error with the closest id.
fn find(id: &str) -> error::Result<Entry> {
    catalog::lookup(id).ok_or_else(|| {
        let hint = catalog::closest_id(id)
            .map_or_else(String::new, |near| format!("; did you mean {near}?"));
        super::usage(&format!(
            "`{id}` is not a SOC 2 criterion, an ISO 27001 Annex A control (2022 or 2013) or a clause (`clause:9.3`){hint}"
        ))
    })
}

fn print(title: &str, sheets: &[Sheet], format: Format) -> error::Result {
    let width = super::width(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    crate::output::emit(None, |out| {
        sheets::write_titled(out, format, title, sheets, width)
    })
}
