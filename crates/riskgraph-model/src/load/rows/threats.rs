//! The readers of `threats.csv` and `vulnerabilities.csv`. Threats are read before the files
//! that refer to them, which check their references against `LoadState::threat_ids`.

use crate::load::table::Table;
use crate::money::{Frequency, Magnitude};
use crate::records::{Threat, Vulnerability};
use crate::selector::Selector;
use crate::values::{Date, Properties, Rating, ValueError};
use crate::vocabulary::{RiskCategory, Vocabulary, VulnerabilityStatus};

use super::{RowReader, define, parse_properties, parse_threat_ref, selector};

pub(super) fn threat_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let name = table.column("name");
    let category = table.column("category");
    let source = table.column("source");
    let affects = table.column("affects");
    let targets = table.column("targets");
    let likelihood = table.column("likelihood");
    let description = table.column("description");
    let tags = table.column("tags");
    let frequency = table.column("frequency");
    let loss = table.column("loss");
    Box::new(move |c, state, inventory| {
        let Some(threat_id) = define(c, state, id, "threat") else {
            return;
        };
        if threat_id.as_str() == "fraud" {
            // `fraud@<process>` is the id of each process's fraud risk.
            c.invalid(
                id,
                "fraud",
                ValueError::new("`fraud` is reserved for the fraud risk of each process")
                    .with_help("give the threat another id, such as `T-FRAUD`"),
            );
            return;
        }
        let threat = Threat {
            id: threat_id.clone(),
            name: c.required(name, |s| Ok(Box::from(s))).unwrap_or_default(),
            category: c
                .required(category, RiskCategory::parse)
                .unwrap_or(RiskCategory::CyberAttack),
            source: c.vocab(source),
            affects: c
                .parse(affects, parse_properties)
                .unwrap_or(Properties::ALL),
            targets: selector(c, state, inventory, targets, true).unwrap_or_else(Selector::all),
            likelihood: c.parse(likelihood, Rating::parse),
            description: c.string(description),
            tags: c.shared_list(tags),
            frequency: c.parse(frequency, Frequency::parse),
            loss: c.parse(loss, Magnitude::parse),
            attributes: c.attributes(),
            row: c.row_ref(),
        };
        state.threat_ids.push(threat_id);
        inventory.threats.push(threat);
    })
}

pub(super) fn vulnerability_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let name = table.column("name");
    let targets = table.column("targets");
    let threats = table.column("threats");
    let severity = table.column("severity");
    let cve = table.column("cve");
    let status = table.column("status");
    let found = table.column("found");
    Box::new(move |c, state, inventory| {
        let Some(vulnerability_id) = define(c, state, id, "vulnerability") else {
            return;
        };
        let known = std::mem::take(&mut state.threat_ids);
        let vulnerability = Vulnerability {
            id: vulnerability_id,
            name: c.required(name, |s| Ok(Box::from(s))).unwrap_or_default(),
            targets: selector(c, state, inventory, targets, true).unwrap_or_else(Selector::all),
            threats: c.list(threats, |item| parse_threat_ref(item, &known)),
            severity: c.parse(severity, Rating::parse),
            cve: c.string(cve),
            status: c.vocab(status).unwrap_or(VulnerabilityStatus::Open),
            found: c.parse(found, Date::parse),
            attributes: c.attributes(),
            row: c.row_ref(),
        };
        state.threat_ids = known;
        inventory.vulnerabilities.push(vulnerability);
    })
}
