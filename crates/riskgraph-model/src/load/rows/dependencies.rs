//! The reader of `dependencies.csv`: the edges between nodes, whose two ends must be known,
//! different nodes.

use crate::diagnostic::Diagnostic;
use crate::load::table::{Cells, Col, Table};
use crate::node::NodeIdx;
use crate::records::Dependency;
use crate::values::{Factor, Properties};
use crate::vocabulary::DependencyKind;

use super::{RowReader, node_ref, parse_properties};

/// The columns of `dependencies.csv`.
#[derive(Clone, Copy)]
pub(in crate::load) struct DependencyColumns {
    pub from: Col,
    pub to: Col,
    kind: Col,
    strength: Col,
    redundant: Col,
    propagates: Col,
}

impl DependencyColumns {
    pub fn bind(table: &Table<'_>) -> Self {
        Self {
            from: table.column("from"),
            to: table.column("to"),
            kind: table.column("kind"),
            strength: table.column("strength"),
            redundant: table.column("redundant"),
            propagates: table.column("propagates"),
        }
    }

    /// The dependency of the row `c` between nodes `from` and `to`; bad optional cells are
    /// reported and take their defaults.
    pub fn dependency(self, c: &mut Cells<'_, '_>, from: NodeIdx, to: NodeIdx) -> Dependency {
        Dependency {
            from,
            to,
            kind: c.vocab(self.kind).unwrap_or(DependencyKind::Other),
            strength: c.parse(self.strength, Factor::parse).unwrap_or(Factor::ONE),
            redundant: c.flag(self.redundant, false),
            propagates: c
                .parse(self.propagates, parse_properties)
                .unwrap_or(Properties::ALL),
            row: c.row_ref(),
        }
    }
}

pub(super) fn dependency_reader(table: &Table<'_>) -> RowReader {
    let columns = DependencyColumns::bind(table);
    Box::new(move |c, state, inventory| {
        let from_idx = node_ref(c, state, inventory, columns.from);
        let to_idx = node_ref(c, state, inventory, columns.to);
        let dependency =
            columns.dependency(c, from_idx.unwrap_or_default(), to_idx.unwrap_or_default());
        if let (Some(f), Some(t)) = (from_idx, to_idx) {
            if f == t {
                c.report(
                    columns.to,
                    Diagnostic::error(
                        "self-dependency",
                        format!("`{}` depends on itself", inventory.nodes[f as usize].id),
                    )
                    .with_help("a dependency joins two different nodes"),
                );
                return;
            }
            inventory.dependencies.push(dependency);
        }
    })
}
