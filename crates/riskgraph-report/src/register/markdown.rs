//! The register as Markdown, for pasting into a management review.

use std::fmt::Write as _;

use super::{Register, RiskView};

/// The summary, level counts, both matrices and the register table.
pub fn markdown(register: &Register<'_>) -> String {
    let manifest = &register.inventory.manifest;
    let assessment = register.assessment;
    let mut out = String::new();
    let _ = writeln!(out, "# Risk register: {}\n", cell(&manifest.organization));
    let _ = writeln!(
        out,
        "As of {}: {}, {} above appetite ({}), {} with a review overdue, {} with findings.\n",
        assessment.as_of,
        crate::text::count(assessment.risks.len(), "risk"),
        register.above_appetite(),
        cell(&manifest.appetite),
        register.overdue(),
        register.with_findings()
    );
    if let Some(scope) = &manifest.scope_statement {
        let _ = writeln!(out, "Scope: {}\n", cell(scope));
    }

    out.push_str("## Risks by level\n\n| Level | Inherent | Residual |\n|---|--:|--:|\n");
    let inherent = register.by_level(false);
    let residual = register.by_level(true);
    for ((level, before), (_, after)) in inherent.iter().zip(&residual).rev() {
        let _ = writeln!(out, "| {} | {before} | {after} |", cell(level));
    }

    for (title, residual) in [("Inherent", false), ("Residual", true)] {
        let _ = writeln!(
            out,
            "\n## {title} risk matrix\n\nRisks per cell: likelihood down the side, impact across.\n"
        );
        let scale = usize::from(manifest.scale);
        out.push_str("| Likelihood \\ Impact |");
        for impact in 1..=scale {
            let _ = write!(out, " {impact} |");
        }
        out.push_str("\n|---|");
        out.push_str(&"--:|".repeat(scale));
        out.push('\n');
        for (row, counts) in register.matrix(residual).iter().enumerate() {
            let _ = write!(out, "| {} |", scale - row);
            for count in counts {
                let _ = write!(out, " {count} |");
            }
            out.push('\n');
        }
    }

    let _ = writeln!(out, "\n## Register\n");
    if let Some(note) = register.shown_note() {
        let _ = writeln!(out, "{note}.\n");
    }
    out.push_str(
        "| # | Risk | Threat | Node | Inherent | Residual | Appetite | Treatment | Owner | Next review | Findings |\n",
    );
    out.push_str("|--:|---|---|---|---|---|---|---|---|---|---|\n");
    for (i, risk) in register.shown.iter().enumerate() {
        let view = register.view(risk);
        let _ = writeln!(out, "{}", row(i + 1, &view));
    }
    out
}

fn row(number: usize, view: &RiskView<'_>) -> String {
    let rated = |r: &super::RatedView<'_>| {
        format!(
            "{}×{} = {} {}",
            r.likelihood,
            r.impact,
            r.score,
            cell(&r.level)
        )
    };
    let node_kind = if view.node.node_type.is_empty() {
        view.node.kind.to_string()
    } else {
        format!("{}, {}", view.node.kind, view.node.node_type)
    };
    let treatment = if view.treatment.status.is_empty() {
        view.treatment.decision.to_string()
    } else {
        format!("{} ({})", view.treatment.decision, view.treatment.status)
    };
    let findings: Vec<&str> = view.findings.iter().map(|f| f.code.as_str()).collect();
    format!(
        "| {number} | `{}` | {} ({}) | {} ({node_kind}) | {} | {} | {} | {} | {} | {} | {} |",
        view.id.replace('`', "'"),
        cell(&view.threat.name),
        view.threat.category,
        cell(&view.node.name),
        rated(&view.inherent),
        rated(&view.residual),
        if view.within_appetite {
            "within"
        } else {
            "**above**"
        },
        treatment,
        cell(&view.owner),
        view.next_review,
        findings.join(", ")
    )
}

/// Inventory text made safe inside a table cell: pipes escaped, control characters (line breaks
/// among them) shown as spaces ([`crate::text::printable`]), and markup characters that would
/// turn into HTML or formatting escaped.
pub fn cell(text: &str) -> String {
    let text = crate::text::printable(text, crate::text::Newlines::Replaced);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("a\u{1b}[31mb\r\nc"), "a \\[31mb  c");
        assert_eq!(cell("<script>"), "&lt;script&gt;");
        assert_eq!(cell("*x*"), "\\*x\\*");
    }
}
