//! The reader of `treatments.csv`: one decision per risk pattern (`<threat>@<node>`, with `*`
//! wildcards), whose literal parts are checked against the threats and nodes.

use crate::diagnostic::Diagnostic;
use crate::inventory::Inventory;
use crate::load::LoadState;
use crate::load::table::{Cells, Col, Table};
use crate::records::{RiskPattern, Treatment};
use crate::values::{Date, Id, ValueError, closest, is_id_char};
use crate::vocabulary::Vocabulary;

use super::{RowReader, report_unknown_node};

fn parse_pattern_part(part: &str, what: &str) -> Result<Box<str>, ValueError> {
    if part.is_empty() || !part.chars().all(|ch| ch == '*' || is_id_char(ch)) {
        return Err(
            ValueError::new(format!("`{part}` is not a {what} id or pattern")).with_help(
                "ids use letters, digits and `.`, `_`, `:`, `-`; `*` matches any run of characters",
            ),
        );
    }
    Ok(Box::from(part))
}

fn parse_risk_pattern(text: &str) -> Result<RiskPattern, ValueError> {
    let Some((threat, node)) = text.split_once('@') else {
        return Err(ValueError::new(format!("`{text}` is not a risk id"))
            .with_help("risk ids are `<threat-id>@<node-id>`, such as `T-PHISH@okta`; `*` matches any run of characters, as in `T-PHISH@*`"));
    };
    Ok(RiskPattern {
        threat: parse_pattern_part(threat.trim(), "threat")?,
        node: parse_pattern_part(node.trim(), "node")?,
    })
}

/// Checks the literal parts of a treatment's risk pattern against the inventory.
fn check_pattern(
    c: &mut Cells<'_, '_>,
    state: &mut LoadState,
    inventory: &Inventory,
    col: Col,
    pattern: &RiskPattern,
) {
    let threat_literal = !pattern.threat.contains('*');
    let node_literal = !pattern.node.contains('*');
    let is_fraud = &*pattern.threat == "fraud";
    if threat_literal
        && !is_fraud
        && !state
            .threat_ids
            .iter()
            .any(|t| t.as_str() == &*pattern.threat)
    {
        let help = match closest(&pattern.threat, state.threat_ids.iter().map(Id::as_str)) {
            Some(near) => {
                format!("did you mean `{near}`? the part before `@` is a threat id, or `fraud`")
            }
            None => String::from(
                "the part before `@` is a threat id from threats.csv, or `fraud` for fraud risks",
            ),
        };
        c.report(
            col,
            Diagnostic::error(
                "unknown-id",
                format!("risk `{pattern}` names unknown threat `{}`", pattern.threat),
            )
            .with_value(pattern.to_string())
            .with_help(help),
        );
        return;
    }
    if !node_literal {
        return;
    }
    let Some(node_idx) = state.node_index.get(&pattern.node) else {
        report_unknown_node(c, state, inventory, col, &pattern.node);
        return;
    };
    let node = &inventory.nodes[node_idx as usize];
    let no_scenario = if is_fraud {
        (node.kind() != crate::vocabulary::NodeKind::Process).then(|| {
            format!(
                "fraud risks exist for processes only, and `{}` is not one",
                node.id
            )
        })
    } else if threat_literal {
        inventory
            .threats
            .iter()
            .find(|t| t.id.as_str() == &*pattern.threat)
            .filter(|t| !t.targets.matches(node))
            .map(|t| {
                format!(
                    "threat `{}` targets `{}`, which does not select `{}`",
                    t.id, t.targets, node.id
                )
            })
    } else {
        None
    };
    if let Some(reason) = no_scenario {
        c.report(
            col,
            Diagnostic::warning("no-such-risk", format!("risk `{pattern}` does not exist"))
                .with_value(pattern.to_string())
                .with_help(reason),
        );
    }
}

pub(super) fn treatment_reader(table: &Table<'_>) -> RowReader {
    let risk = table.column("risk");
    let decision = table.column("decision");
    let status = table.column("status");
    let owner = table.column("owner");
    let justification = table.column("justification");
    let approved_by = table.column("approved_by");
    let approved_on = table.column("approved_on");
    let expires = table.column("expires");
    let ticket = table.column("ticket");
    Box::new(move |c, state, inventory| {
        let pattern = c.required(risk, parse_risk_pattern);
        if let Some(pattern) = &pattern {
            check_pattern(c, state, inventory, risk, pattern);
            let key = pattern.to_string();
            if let Some(&first) = state.treatment_patterns.get(&key) {
                let first_location = first.location();
                let first_place = c.diagnostics.describe(&first_location);
                c.report(
                    risk,
                    Diagnostic::error(
                        "duplicate-treatment",
                        format!("risk `{key}` has two treatments"),
                    )
                    .with_help(format!(
                        "keep one row per risk pattern; the other is at {first_place}"
                    ))
                    .with_related("other treatment", first_location),
                );
            } else {
                state.treatment_patterns.insert(key, c.row_ref());
            }
        }
        let decision = c.required(decision, crate::vocabulary::TreatmentDecision::parse);
        let treatment = Treatment {
            risk: pattern.unwrap_or(RiskPattern {
                threat: Box::from("*"),
                node: Box::from("*"),
            }),
            decision: decision.unwrap_or(crate::vocabulary::TreatmentDecision::Mitigate),
            status: c.vocab(status),
            owner: c.shared(owner),
            justification: c.string(justification),
            approved_by: c.string(approved_by),
            approved_on: c.parse(approved_on, Date::parse),
            expires: c.parse(expires, Date::parse),
            ticket: c.string(ticket),
            row: c.row_ref(),
        };
        if !c.failed {
            inventory.treatments.push(treatment);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_patterns() {
        assert!(parse_risk_pattern("T-1@okta").is_ok());
        assert!(parse_risk_pattern("*@legacy-*").is_ok());
        assert!(parse_risk_pattern("T-1").is_err());
        assert!(parse_risk_pattern("T 1@x").is_err());
    }
}
