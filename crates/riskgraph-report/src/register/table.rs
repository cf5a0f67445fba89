//! The register as a terminal table that fits the width, followed by both risk matrices and the
//! ten highest residual risks.

use std::fmt::Write as _;

use super::Register;
use crate::layout::{Fit, Table};
use crate::text::{Newlines, printable};

const HEADER: [&str; 9] = [
    "#",
    "RISK",
    "CATEGORY",
    "INHERENT",
    "RESIDUAL",
    "TREATMENT",
    "OWNER",
    "NEXT REVIEW",
    "FINDINGS",
];
/// Columns that may be cut to fit, with the narrowest (in columns of the terminal) each may
/// become, in tiers: the risk id is cut only when the others are as narrow as they go.
const FLEXIBLE: [&[(usize, usize)]; 2] = [&[(2, 10), (5, 10), (6, 10), (8, 12)], &[(1, 16)]];
const RIGHT: [usize; 1] = [0];
/// Columns left out, in this order, on a terminal too narrow for all: category, next review,
/// inherent, owner, treatment.
const HIDE: [usize; 5] = [2, 7, 3, 6, 5];
const INHERENT: usize = 3;
const RESIDUAL: usize = 4;
const TOP: usize = 10;

/// How to lay the table out.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Columns per line (display width).
    pub width: usize,
    /// ANSI colours on the level names.
    pub color: bool,
}

/// The register table, the matrices and the top risks.
pub fn table(register: &Register<'_>, style: Style) -> String {
    let mut rows: Vec<[String; 9]> = Vec::with_capacity(register.shown.len());
    let mut levels: Vec<[usize; 2]> = Vec::with_capacity(register.shown.len());
    for (i, risk) in register.shown.iter().enumerate() {
        let view = register.view(risk);
        let rated = |r: &super::RatedView<'_>| format!("{:>2} {}", r.score, r.level);
        let treatment = if view.treatment.status.is_empty() {
            view.treatment.decision.to_string()
        } else {
            format!("{} ({})", view.treatment.decision, view.treatment.status)
        };
        let findings: Vec<&str> = view.findings.iter().map(|f| f.code.as_str()).collect();
        rows.push([
            (i + 1).to_string(),
            view.id.to_string(),
            view.threat.category.to_string(),
            rated(&view.inherent),
            rated(&view.residual),
            treatment,
            view.owner.to_string(),
            view.next_review.clone(),
            findings.join(", "),
        ]);
        levels.push([risk.inherent().level, risk.residual().level]);
    }
    let mut out = String::new();
    let assessment = register.assessment;
    let manifest = &register.inventory.manifest;
    let _ = writeln!(
        out,
        "Risk register of {} as of {}: {}, {} above appetite ({}), {} with findings\n",
        printable(&manifest.organization, Newlines::Replaced),
        assessment.as_of,
        crate::text::count(assessment.risks.len(), "risk"),
        register.above_appetite(),
        manifest.appetite,
        register.with_findings()
    );
    if let Some(note) = register.shown_note() {
        let _ = writeln!(out, "{note}\n");
    }
    out.push_str(&layout(register, &rows, &levels, style));
    out.push('\n');
    out.push_str(&matrices(register, style));
    let _ = writeln!(out, "\nTop {TOP} by residual score\n");
    let top = rows.len().min(TOP);
    out.push_str(&layout(register, &rows[..top], &levels[..top], style));
    out
}

/// Lays out rows under the header to fit `style.width` ([`Table`] with [`Fit`]): the flexible
/// columns are cut first, and when even their narrowest does not fit, the columns of [`HIDE`]
/// are left out in turn. With `style.color`, the inherent and residual levels of each row
/// (`levels`, one pair per row) are painted.
fn layout(
    register: &Register<'_>,
    rows: &[[String; 9]],
    levels: &[[usize; 2]],
    style: Style,
) -> String {
    let table = Table::new(&HEADER, rows).right(&RIGHT).fit(Fit {
        width: style.width,
        flexible: &FLEXIBLE,
        hide: &HIDE,
        ellipsis: "…",
    });
    if !style.color {
        return table.render();
    }
    table.render_painted(|row, column, text, line| match column {
        INHERENT => line.push_str(&paint(text, levels[row][0], register)),
        RESIDUAL => line.push_str(&paint(text, levels[row][1], register)),
        _ => line.push_str(text),
    })
}

/// `text` in the colour of `level`: green for the lowest, red for the highest, yellow between.
fn paint(text: &str, level: usize, register: &Register<'_>) -> String {
    let top = register.inventory.manifest.levels.len().saturating_sub(1);
    let code = if level == 0 {
        "32"
    } else if level >= top {
        "1;31"
    } else if level + 1 == top {
        "31"
    } else {
        "33"
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The inherent and residual matrices side by side.
fn matrices(register: &Register<'_>, style: Style) -> String {
    let scale = usize::from(register.inventory.manifest.scale);
    let inherent = register.matrix(false);
    let residual = register.matrix(true);
    let cell_width = inherent
        .iter()
        .chain(&residual)
        .flatten()
        .map(|n| n.to_string().len())
        .max()
        .unwrap_or(1)
        .max(3);
    let block = 6 + (cell_width + 1) * scale;
    let mut out =
        String::from("Risk matrix: risks per cell, likelihood (L) down, impact (I) across\n\n");
    let _ = writeln!(out, "{:<block$}     Residual", "Inherent");
    let mut axis = String::from("  L\\I ");
    for impact in 1..=scale {
        let _ = write!(axis, " {impact:>cell_width$}");
    }
    let _ = writeln!(out, "{axis:<block$}     {axis}");
    for row in 0..scale {
        let mut line = String::new();
        for matrix in [&inherent, &residual] {
            if !line.is_empty() {
                line.push_str("     ");
            }
            let _ = write!(line, "{:>5} ", scale - row);
            for (column, &count) in matrix[row].iter().enumerate() {
                let text = if count == 0 {
                    ".".to_owned()
                } else {
                    count.to_string()
                };
                let text = format!("{text:>cell_width$}");
                let level = riskgraph_engine::assess::level_of(
                    &register.inventory.manifest,
                    (scale - row) as u32,
                    column as u32 + 1,
                );
                line.push(' ');
                if style.color && count > 0 {
                    line.push_str(&paint(&text, level, register));
                } else {
                    line.push_str(&text);
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
