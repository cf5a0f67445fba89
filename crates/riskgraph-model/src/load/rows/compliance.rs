//! The readers of the files that state what the organization must do and why: commitments,
//! obligations, context (ISO 27001 clause 4) and objectives.

use crate::load::table::Table;
use crate::records::{Commitment, ContextItem, ContextLink, Objective, Obligation};
use crate::selector::Selector;
use crate::values::{Date, Rating, ValueError};
use crate::vocabulary::{RiskCategory, Vocabulary};

use super::{RowReader, check_selector, define, selector};

pub(super) fn commitment_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let statement = table.column("statement");
    let category = table.column("category");
    let target = table.column("target");
    let covers = table.column("covers");
    let source = table.column("source");
    Box::new(move |c, state, inventory| {
        let Some(commitment_id) = define(c, state, id, "commitment") else {
            return;
        };
        let commitment = Commitment {
            id: commitment_id,
            statement: c
                .required(statement, |s| Ok(Box::from(s)))
                .unwrap_or_default(),
            category: c.vocab(category),
            target: c.string(target),
            covers: selector(c, state, inventory, covers, false),
            source: c.string(source),
            row: c.row_ref(),
        };
        inventory.commitments.push(commitment);
    })
}

pub(super) fn obligation_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let name = table.column("name");
    let obligation_type = table.column("type");
    let jurisdiction = table.column("jurisdiction");
    let applies_to = table.column("applies_to");
    let owner = table.column("owner");
    let severity = table.column("severity");
    Box::new(move |c, state, inventory| {
        let Some(obligation_id) = define(c, state, id, "obligation") else {
            return;
        };
        let obligation = Obligation {
            id: obligation_id,
            name: c.required(name, |s| Ok(Box::from(s))).unwrap_or_default(),
            obligation_type: c.vocab(obligation_type),
            jurisdiction: c.string(jurisdiction),
            applies_to: selector(c, state, inventory, applies_to, false),
            owner: c.shared(owner),
            severity: c.parse(severity, Rating::parse),
            row: c.row_ref(),
        };
        inventory.obligations.push(obligation);
    })
}

pub(super) fn context_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let kind = table.column("kind");
    let description = table.column("description");
    let expectation = table.column("expectation");
    let related = table.column("related");
    Box::new(move |c, state, inventory| {
        let Some(context_id) = define(c, state, id, "context") else {
            return;
        };
        let links = c.list(related, |item| {
            let category = item.strip_prefix("category:").unwrap_or(item);
            match RiskCategory::parse(category) {
                Ok(category) => Ok(ContextLink::Category(category)),
                Err(_) => Selector::parse(item).map(ContextLink::Nodes).map_err(|_| {
                    ValueError::new(format!("`{item}` is neither a risk category nor a selector"))
                        .with_help("relate context to risk categories such as `supply-chain`, or to nodes with selectors such as `tag:pci`")
                }),
            }
        });
        for link in &links {
            if let ContextLink::Nodes(selector) = link {
                check_selector(c, state, inventory, related, selector);
            }
        }
        let item = ContextItem {
            id: context_id,
            kind: c
                .required(kind, crate::vocabulary::ContextKind::parse)
                .unwrap_or(crate::vocabulary::ContextKind::InternalIssue),
            description: c
                .required(description, |s| Ok(Box::from(s)))
                .unwrap_or_default(),
            expectation: c.string(expectation),
            related: links,
            row: c.row_ref(),
        };
        inventory.context.push(item);
    })
}

pub(super) fn objective_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let objective = table.column("objective");
    let metric = table.column("metric");
    let target = table.column("target");
    let owner = table.column("owner");
    let due = table.column("due");
    Box::new(move |c, state, inventory| {
        let Some(objective_id) = define(c, state, id, "objective") else {
            return;
        };
        let item = Objective {
            id: objective_id,
            objective: c
                .required(objective, |s| Ok(Box::from(s)))
                .unwrap_or_default(),
            metric: c.string(metric),
            target: c.string(target),
            owner: c.shared(owner),
            due: c.parse(due, Date::parse),
            row: c.row_ref(),
        };
        inventory.objectives.push(item);
    })
}
