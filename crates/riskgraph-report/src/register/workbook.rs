//! The register as an Excel workbook: the risks, a summary, and the two risk matrices.

use super::Register;
use super::csv::{HEADER, cells};
use crate::sheets::Sheet;
use crate::xlsx::{self, Kind, Rows, Tab};

/// Column names of the matrices: the likelihood, then one per impact (the scale runs up to 10).
const MATRIX_COLUMNS: [&str; 11] = [
    "likelihood \\ impact",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
];

/// Writes the workbook to `out`: `Register` (the shown risks, as the CSV has them), `Summary`,
/// and the `Inherent` and `Residual` matrices. The register's rows are made as they are written
/// and streamed through a temporary file, so memory does not grow with them.
pub fn write_workbook(
    out: impl std::io::Write + Send,
    register: &Register<'_>,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let row = |at: usize| cells(&register.view(register.shown[at])).to_vec();
    let kinds: Vec<Kind> = HEADER
        .iter()
        .map(|column| match *column {
            "inherent_level" | "residual_level" => Kind::Level,
            "approved_on" | "expires" | "next_review" => Kind::Date,
            c if c.ends_with("_likelihood")
                || c.ends_with("_impact")
                || c.ends_with("_score")
                || c.starts_with("reached_") =>
            {
                Kind::Number
            }
            _ => Kind::Text,
        })
        .collect();
    let summary = summary(register);
    let inherent = matrix(register, false);
    let residual = matrix(register, true);
    let numbers = vec![Kind::Number; MATRIX_COLUMNS.len()];
    let levels: Vec<&str> = register
        .inventory
        .manifest
        .levels
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    xlsx::write_workbook(
        out,
        &[
            Tab {
                name: "Register",
                columns: &HEADER,
                rows: Rows::Made {
                    count: register.shown.len(),
                    row: &row,
                },
                kinds,
            },
            Tab::of("Summary", &summary, vec![Kind::Text, Kind::Auto]),
            Tab::of("Inherent matrix", &inherent, numbers.clone()),
            Tab::of("Residual matrix", &residual, numbers),
        ],
        &levels,
        register.assessment.as_of,
    )
}

fn summary(register: &Register<'_>) -> Sheet {
    let manifest = &register.inventory.manifest;
    let mut rows = vec![
        vec![String::from("organization"), manifest.organization.clone()],
        vec![String::from("as of"), register.assessment.as_of.to_string()],
        vec![
            String::from("risks"),
            register.assessment.risks.len().to_string(),
        ],
        vec![
            String::from("above appetite"),
            register.above_appetite().to_string(),
        ],
        vec![
            String::from("review overdue"),
            register.overdue().to_string(),
        ],
        vec![
            String::from("with findings"),
            register.with_findings().to_string(),
        ],
    ];
    for (level, count) in register.by_level(true) {
        rows.push(vec![format!("residual {level}"), count.to_string()]);
    }
    Sheet {
        title: String::from("Summary"),
        columns: vec!["measure", "value"],
        rows,
        empty: "",
    }
}

fn matrix(register: &Register<'_>, residual: bool) -> Sheet {
    let scale = usize::from(register.inventory.manifest.scale);
    let rows = register
        .matrix(residual)
        .into_iter()
        .enumerate()
        .map(|(i, counts)| {
            std::iter::once((scale - i).to_string())
                .chain(counts.iter().map(ToString::to_string))
                .collect()
        })
        .collect();
    Sheet {
        title: String::from(if residual { "Residual" } else { "Inherent" }),
        columns: MATRIX_COLUMNS[..=scale].to_vec(),
        rows,
        empty: "",
    }
}
