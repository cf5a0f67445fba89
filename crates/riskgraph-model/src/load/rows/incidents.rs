//! The reader of `incidents.csv`: past incidents, with the threat behind each and the nodes
//! they affected.

use crate::load::table::Table;
use crate::records::Incident;
use crate::values::{Date, Id, Rating};

use super::{RowReader, define, parse_threat_ref, report_unknown_node};

pub(super) fn incident_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let date = table.column("date");
    let threat = table.column("threat");
    let affected = table.column("affected");
    let severity = table.column("severity");
    let summary = table.column("summary");
    let lessons = table.column("lessons");
    Box::new(move |c, state, inventory| {
        let Some(incident_id) = define(c, state, id, "incident") else {
            return;
        };
        let date = c.required(date, Date::parse);
        let known = std::mem::take(&mut state.threat_ids);
        let threat = c.parse(threat, |item| parse_threat_ref(item, &known));
        state.threat_ids = known;
        let mut nodes = Vec::new();
        for item in c.list(affected, Id::parse) {
            match state.node_index.get(item.as_str()) {
                Some(idx) => nodes.push(idx),
                None => report_unknown_node(c, state, inventory, affected, item.as_str()),
            }
        }
        let Some(date) = date else {
            return;
        };
        inventory.incidents.push(Incident {
            id: incident_id,
            date,
            threat,
            affected: nodes,
            severity: c.parse(severity, Rating::parse),
            summary: c.string(summary),
            lessons: c.string(lessons),
            row: c.row_ref(),
        });
    })
}
