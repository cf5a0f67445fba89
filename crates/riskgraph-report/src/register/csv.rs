//! The register as CSV, one row per risk, safe to open in a spreadsheet.

use std::io::Write;

use super::{Register, RiskView};

pub const HEADER: [&str; 37] = [
    "id",
    "threat_id",
    "threat",
    "category",
    "node_id",
    "node_kind",
    "node_type",
    "node_name",
    "node_owner",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_score",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_level",
    "within_appetite",
    "controls",
    "soc2",
    "iso27001",
    "vulnerabilities",
    "incidents",
    "reached_nodes",
    "reached_processes",
    "reached_commitments",
    "treatment",
    "treatment_source",
    "treatment_status",
    "owner",
    "justification",
    "approved_by",
    "approved_on",
    "expires",
    "ticket",
    "next_review",
    "findings",
];

/// Writes the shown risks as CSV with a header row. Every cell goes through [`neutralize`].
pub fn write_csv(out: &mut impl Write, register: &Register<'_>) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for risk in &register.shown {
        writer.write_record(
            cells(&register.view(risk))
                .iter()
                .map(|c| neutralize(c).into_owned()),
        )?;
    }
    writer.flush()?;
    Ok(())
}

/// Items joined by `; `, as a cell lists them.
fn list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    items.join("; ")
}

/// One risk's cells, in the order of [`HEADER`], as text (formula-looking cells as they are).
pub fn cells(view: &RiskView<'_>) -> [String; 37] {
    let text = |s: &str| s.to_owned();
    let number = |n: u32| n.to_string();
    let treatment = &view.treatment;
    [
        text(&view.id),
        text(&view.threat.id),
        text(&view.threat.name),
        text(&view.threat.category),
        text(&view.node.id),
        text(&view.node.kind),
        text(&view.node.node_type),
        text(&view.node.name),
        text(&view.node.owner),
        number(view.inherent.likelihood),
        number(view.inherent.impact),
        number(view.inherent.score),
        text(&view.inherent.level),
        number(view.residual.likelihood),
        number(view.residual.impact),
        number(view.residual.score),
        text(&view.residual.level),
        (if view.within_appetite { "yes" } else { "no" }).to_owned(),
        list(&view.controls),
        list(&view.soc2),
        list(&view.iso27001),
        list(&view.vulnerabilities),
        list(&view.incidents),
        number(view.exposure.nodes),
        number(view.exposure.processes),
        number(view.exposure.commitments),
        text(&treatment.decision),
        text(&treatment.source),
        text(&treatment.status),
        text(&view.owner),
        text(&treatment.justification),
        text(&treatment.approved_by),
        text(&treatment.approved_on),
        text(&treatment.expires),
        text(&treatment.ticket),
        text(&view.next_review),
        list(
            &view
                .findings
                .iter()
                .map(|f| f.code.as_str())
                .collect::<Vec<_>>(),
        ),
    ]
}

/// A cell a spreadsheet will show as text: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be read as a formula (and could run commands), so it gets a leading
/// apostrophe, which spreadsheets hide and treat as "this is text".
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize;

    #[test]
    fn formula_cells_become_text() {
        assert_eq!(neutralize("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(neutralize("+1"), "'+1");
        assert_eq!(neutralize("-2+3"), "'-2+3");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("\rx"), "'\rx");
        assert_eq!(neutralize("okta"), "okta");
        assert_eq!(neutralize(""), "");
    }
}
