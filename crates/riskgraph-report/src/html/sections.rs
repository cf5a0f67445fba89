//! What each section of the HTML report shows, gathered from the report for its template in
//! `templates/report/`: counts, rows and SVG geometry, never markup. The templates lay them out
//! and escape every value.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use riskgraph_engine::assess::{Source, level_of};
use riskgraph_engine::compliance::{CrosswalkFinding, Requirement, SoaEntry};
use riskgraph_engine::exposure::{Exposure, Reached};
use riskgraph_engine::rank::VendorRank;
use riskgraph_model::records::ContextItem;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::Vocabulary as _;
use riskgraph_model::{Inventory, NodeIdx};

use super::Report;
use crate::diff::{Changes, Direction, Rerated};
use crate::palette;
use crate::register::{Register, RiskView};
use crate::text::count;

/// The most register rows the report lists; larger registers list their highest risks and say
/// where the whole register is.
pub const MAX_ROWS: usize = 5000;
/// The most nodes a vendor's tree shows.
const MAX_TREE: usize = 150;
/// The most risks each list of changes since a previous register shows.
const MAX_CHANGES: usize = 20;

/// A colour as CSS and SVG write it: `#rrggbb`.
#[derive(Debug, Clone, Copy)]
pub struct Colour(u32);

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:06x}", self.0)
    }
}

/// Per level, lowest first, its fill and text colours (the classes `.lv-0` up).
pub fn level_colours(inventory: &Inventory) -> Vec<(Colour, Colour)> {
    let count = inventory.manifest.levels.len();
    (0..count)
        .map(|level| {
            let (fill, text) = palette::level(level, count);
            (Colour(fill), Colour(text))
        })
        .collect()
}

/// A level, shown as a badge in its colour.
pub struct Badge<'a> {
    pub index: usize,
    pub name: &'a str,
}

impl<'a> Badge<'a> {
    fn of(inventory: &'a Inventory, index: usize) -> Self {
        let name = inventory
            .manifest
            .levels
            .get(index)
            .map_or("", |level| level.name.as_str());
        Self { index, name }
    }
}

/// The management summary's cards and counts per level.
pub struct Summary<'a> {
    pub risks: usize,
    pub above_appetite: usize,
    pub overdue: usize,
    pub with_findings: usize,
    pub appetite: &'a str,
    /// Per level, highest first: the risks at that level before and after controls.
    pub by_level: Vec<(Badge<'a>, u64, u64)>,
    pub changes: Option<ChangesSince<'a>>,
}

pub fn summary<'a>(report: &Report<'a>) -> Summary<'a> {
    let register = report.register;
    let inventory = register.inventory;
    let inherent = register.by_level(false);
    let residual = register.by_level(true);
    let by_level = inherent
        .iter()
        .zip(residual)
        .enumerate()
        .rev()
        .map(|(level, ((_, before), (_, after)))| (Badge::of(inventory, level), *before, after))
        .collect();
    Summary {
        risks: register.assessment.risks.len(),
        above_appetite: register.above_appetite(),
        overdue: register.overdue(),
        with_findings: register.with_findings(),
        appetite: &inventory.manifest.appetite,
        by_level,
        changes: report.changes.map(changes_since),
    }
}

/// The changes since a previous register, as the summary tells them.
pub struct ChangesSince<'a> {
    pub since: &'a str,
    pub added: String,
    pub removed: usize,
    pub higher: usize,
    pub to_higher_level: usize,
    pub lower: usize,
    pub controls: String,
    pub treatments: String,
    pub vendors: String,
    /// The first risks rated differently.
    pub rerated: &'a [Rerated<'a>],
    /// "Added" and "Removed", when not empty: the first ids and how many more there are.
    pub lists: Vec<(&'static str, Vec<&'a str>, usize)>,
}

fn changes_since<'a>(c: &'a Changes<'a>) -> ChangesSince<'a> {
    let higher = c.rerated_count(Direction::Up);
    let lists = [("Added", &c.added), ("Removed", &c.removed)]
        .into_iter()
        .filter(|(_, risks)| !risks.is_empty())
        .map(|(what, risks)| {
            let ids = risks.iter().take(MAX_CHANGES).map(|r| r.id).collect();
            (what, ids, risks.len().saturating_sub(MAX_CHANGES))
        })
        .collect();
    ChangesSince {
        since: &c.old.as_of,
        added: count(c.added.len(), "risk"),
        removed: c.removed.len(),
        higher,
        to_higher_level: c.increases().count(),
        lower: c.rerated.len() - higher,
        controls: count(c.controls.len(), "control"),
        treatments: count(c.treatments.len(), "treatment"),
        vendors: count(c.vendors.len(), "new vendor"),
        rerated: &c.rerated[..c.rerated.len().min(MAX_CHANGES)],
        lists,
    }
}

/// A risk matrix as an SVG heat map: where each cell, label and axis title goes.
pub struct HeatMap {
    /// `i` (inherent) or `r` (residual), as the script's filters name the matrices.
    pub side: &'static str,
    pub caption: &'static str,
    pub width: usize,
    pub height: usize,
    pub cell: usize,
    /// Highest likelihood first.
    pub rows: Vec<HeatRow>,
    pub impact_labels: Vec<AxisLabel>,
    /// Where the axis titles go: `impact` below the columns, `likelihood` left of the rows.
    pub impact_title_x: usize,
    pub impact_title_y: usize,
    pub likelihood_title_y: usize,
}

pub struct HeatRow {
    pub cells: Vec<HeatCell>,
    pub label: AxisLabel,
}

pub struct HeatCell {
    pub likelihood: usize,
    pub impact: usize,
    pub count: u64,
    pub x: usize,
    pub y: usize,
    /// Where the count is written: the middle of the cell.
    pub text_x: usize,
    pub text_y: usize,
    pub fill: Colour,
    pub text: Colour,
}

/// A number on an axis, at (x, y).
pub struct AxisLabel {
    pub x: usize,
    pub y: usize,
    pub value: usize,
}

/// Both risk matrices: inherent, then residual.
pub fn matrices(register: &Register<'_>) -> [HeatMap; 2] {
    [
        heat_map(register, false, "Inherent risk"),
        heat_map(register, true, "Residual risk"),
    ]
}

fn heat_map(register: &Register<'_>, residual: bool, caption: &'static str) -> HeatMap {
    const CELL: usize = 56;
    const LEFT: usize = 44;
    const BOTTOM: usize = 40;
    let manifest = &register.inventory.manifest;
    let scale = usize::from(manifest.scale);
    let rows = register
        .matrix(residual)
        .into_iter()
        .enumerate()
        .map(|(row, counts)| {
            let likelihood = scale - row;
            let cells = counts
                .into_iter()
                .enumerate()
                .map(|(column, count)| {
                    let impact = column + 1;
                    let level = level_of(manifest, likelihood as u32, impact as u32);
                    let (fill, text) = palette::level(level, manifest.levels.len());
                    let (x, y) = (LEFT + column * CELL, row * CELL);
                    HeatCell {
                        likelihood,
                        impact,
                        count,
                        x,
                        y,
                        text_x: x + CELL / 2,
                        text_y: y + CELL / 2 + 6,
                        fill: Colour(fill),
                        text: Colour(text),
                    }
                })
                .collect();
            let label = AxisLabel {
                x: LEFT - 8,
                y: row * CELL + CELL / 2 + 4,
                value: likelihood,
            };
            HeatRow { cells, label }
        })
        .collect();
    let impact_labels = (1..=scale)
        .map(|impact| AxisLabel {
            x: LEFT + (impact - 1) * CELL + CELL / 2,
            y: scale * CELL + 16,
            value: impact,
        })
        .collect();
    HeatMap {
        side: if residual { "r" } else { "i" },
        caption,
        width: LEFT + scale * CELL + 4,
        height: scale * CELL + BOTTOM,
        cell: CELL,
        rows,
        impact_labels,
        impact_title_x: LEFT + scale * CELL / 2,
        impact_title_y: scale * CELL + 34,
        likelihood_title_y: scale * CELL / 2,
    }
}

/// The register section: its filters' choices and its rows.
pub struct RegisterTable<'a> {
    /// How many risks the register has; the first [`MAX_ROWS`] are listed.
    pub total: usize,
    pub max_rows: usize,
    pub levels: Vec<&'a str>,
    pub categories: Vec<String>,
    pub owners: Vec<String>,
    pub frameworks: Vec<String>,
    pub rows: Vec<RegisterRow<'a>>,
}

pub struct RegisterRow<'a> {
    pub view: RiskView<'a>,
    pub inherent: Badge<'a>,
    pub residual: Badge<'a>,
    pub frameworks: String,
    pub findings: String,
    pub overdue: bool,
}

pub fn register_table<'a>(register: &Register<'a>) -> RegisterTable<'a> {
    let inventory = register.inventory;
    let risks = &register.assessment.risks;
    let as_of = register.assessment.as_of;
    let rows: Vec<_> = risks[..risks.len().min(MAX_ROWS)]
        .iter()
        .map(|risk| {
            let view = register.view(risk);
            let frameworks: Vec<String> = view.frameworks().collect();
            let findings: Vec<&str> = view.findings.iter().map(|f| f.code.as_str()).collect();
            RegisterRow {
                inherent: Badge::of(inventory, risk.inherent().level),
                residual: Badge::of(inventory, risk.residual().level),
                frameworks: frameworks.join(" "),
                findings: findings.join(" "),
                overdue: risk.review_overdue(as_of),
                view,
            }
        })
        .collect();
    // The filters offer the values the listed risks have.
    let mut categories: Vec<String> = rows
        .iter()
        .map(|row| row.view.threat.category.to_string())
        .collect();
    categories.sort();
    categories.dedup();
    let mut owners: Vec<String> = rows
        .iter()
        .map(|row| row.view.owner.to_string())
        .filter(|owner| !owner.is_empty())
        .collect();
    owners.sort();
    owners.dedup();
    let mut frameworks: Vec<String> = rows.iter().flat_map(|row| row.view.frameworks()).collect();
    frameworks.sort_by(|a, b| crate::register::natural(a, b));
    frameworks.dedup();
    let levels = inventory.manifest.levels.iter().rev();
    RegisterTable {
        total: risks.len(),
        max_rows: MAX_ROWS,
        levels: levels.map(|level| level.name.as_str()).collect(),
        categories,
        owners,
        frameworks,
        rows,
    }
}

/// A vendor of the supply chain section: its ranking and what its failure or breach reaches.
pub struct Vendor<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub rank: &'a VendorRank,
    pub fourth_parties: Vec<&'a str>,
    pub single_points_of_failure: Vec<&'a str>,
    /// `n nodes`, the dependents reached.
    pub reaches: String,
    pub tree: &'a [TreeStep<'a>],
    /// How many nodes the tree draws of the `reached`.
    pub drawn: usize,
    pub reached: usize,
    /// The strongest-path tree as an SVG element, every inventory text in it escaped.
    pub picture: &'a str,
}

/// What the supply chain section draws of a vendor's exposure: its strongest-path tree as
/// steps and as a picture, and how many dependents it reaches.
pub struct VendorTree<'a> {
    pub tree: Vec<TreeStep<'a>>,
    /// How many nodes the tree draws of the `reached`.
    pub drawn: usize,
    pub reached: usize,
    /// The strongest-path tree as an SVG element ([`crate::svg_tree::render`]).
    pub picture: String,
}

/// The drawing of `exposure`, what the vendor of `rank` reaches.
pub fn vendor_tree<'a>(
    inventory: &'a Inventory,
    graph: &riskgraph_engine::propagation::ImpactGraph,
    rank: &VendorRank,
    exposure: &Exposure,
) -> VendorTree<'a> {
    let (tree, drawn) = tree(inventory, exposure);
    VendorTree {
        tree,
        drawn,
        reached: exposure.dependents().count(),
        picture: crate::svg_tree::render(
            inventory,
            graph,
            exposure,
            &rank.single_points_of_failure,
        ),
    }
}

pub fn vendors<'a>(report: &Report<'a>) -> Vec<Vendor<'a>> {
    let inventory = report.register.inventory;
    let ids = |nodes: &[NodeIdx]| -> Vec<&'a str> {
        nodes
            .iter()
            .map(|&n| inventory.node(n).id.as_str())
            .collect()
    };
    report
        .vendors
        .iter()
        .map(|(rank, drawn)| {
            let node = inventory.node(rank.vendor);
            Vendor {
                id: node.id.as_str(),
                name: &node.name,
                rank,
                fourth_parties: ids(&rank.fourth_parties),
                single_points_of_failure: ids(&rank.single_points_of_failure),
                reaches: count(drawn.reached, "node"),
                tree: &drawn.tree,
                drawn: drawn.drawn,
                reached: drawn.reached,
                picture: &drawn.picture,
            }
        })
        .collect()
}

/// A critical process of the supply chain section and what alone can take it down.
pub struct CriticalProcess<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub criticality: u8,
    /// `id (impact)` of each single point of failure, strongest first.
    pub single_points: Vec<String>,
}

pub fn critical<'a>(report: &Report<'a>) -> Vec<CriticalProcess<'a>> {
    let inventory = report.register.inventory;
    report
        .critical
        .iter()
        .map(|(process, points)| {
            let node = inventory.node(*process);
            CriticalProcess {
                id: node.id.as_str(),
                name: &node.name,
                criticality: node
                    .criticality()
                    .map_or(0, riskgraph_model::values::Rating::get),
                single_points: points
                    .iter()
                    .map(|point| {
                        let id = inventory.node(point.node).id.as_str();
                        format!("{id} ({:.2})", point.impact())
                    })
                    .collect(),
            }
        })
        .collect()
}

/// One step of writing a vendor's tree as nested lists: a template cannot recurse, so the tree
/// is walked here and the template writes each step.
pub enum TreeStep<'a> {
    /// A list of children begins.
    Open,
    /// A node, with its kind, the kind of dependency it is reached through and its impacts.
    Item {
        id: &'a str,
        kind: &'static str,
        via: &'static str,
        impacts: String,
    },
    /// The node's children are done.
    EndItem,
    /// The list is done.
    Close,
}

/// An exposure as nested lists along the strongest paths, at most [`MAX_TREE`] nodes, and how
/// many nodes it draws.
fn tree<'a>(inventory: &'a Inventory, exposure: &Exposure) -> (Vec<TreeStep<'a>>, usize) {
    let mut children: BTreeMap<NodeIdx, Vec<&Reached>> = BTreeMap::new();
    // Strongest first; a node joins the tree when its parent on the strongest path is there.
    let mut attached: BTreeSet<NodeIdx> = exposure.origins.iter().copied().collect();
    for reached in exposure.dependents() {
        if attached.len() - exposure.origins.len() == MAX_TREE {
            break;
        }
        if let Some((parent, _)) = reached.headline().parent
            && attached.contains(&parent)
        {
            children.entry(parent).or_default().push(reached);
            attached.insert(reached.node);
        }
    }
    let mut steps = Vec::new();
    for origin in exposure.nodes.iter().filter(|r| r.is_origin()) {
        tree_walk(&mut steps, inventory, &children, origin.node, 0);
    }
    (steps, attached.len() - exposure.origins.len())
}

/// The steps writing the children of `node` in a vendor's tree, and theirs.
fn tree_walk<'a>(
    steps: &mut Vec<TreeStep<'a>>,
    inventory: &'a Inventory,
    children: &BTreeMap<NodeIdx, Vec<&Reached>>,
    node: NodeIdx,
    depth: usize,
) {
    let Some(list) = children.get(&node) else {
        return;
    };
    if depth > 64 {
        return;
    }
    steps.push(TreeStep::Open);
    for reached in list {
        let n = inventory.node(reached.node);
        let impacts: Vec<String> = Property::ALL
            .iter()
            .filter_map(|&p| reached.impact(p).map(|x| format!("{} {x:.2}", p.letter())))
            .collect();
        let via = reached
            .headline()
            .parent
            .map(|(_, row)| inventory.dependencies[row as usize].kind.as_str())
            .unwrap_or_default();
        steps.push(TreeStep::Item {
            id: n.id.as_str(),
            kind: n.kind().as_str(),
            via,
            impacts: impacts.join(" "),
        });
        tree_walk(steps, inventory, children, reached.node, depth + 1);
        steps.push(TreeStep::EndItem);
    }
    steps.push(TreeStep::Close);
}

/// A fraud risk of the fraud section.
pub struct FraudRow<'a> {
    pub view: RiskView<'a>,
    pub residual: Badge<'a>,
}

pub fn fraud<'a>(register: &Register<'a>) -> Vec<FraudRow<'a>> {
    register
        .assessment
        .risks
        .iter()
        .filter(|risk| risk.source == Source::Fraud)
        .map(|risk| FraudRow {
            view: register.view(risk),
            residual: Badge::of(register.inventory, risk.residual().level),
        })
        .collect()
}

/// The SOC 2 section: the criteria in scope with the controls citing them, and the controls
/// citing one framework but not the other.
pub struct Soc2<'a> {
    pub tsc: String,
    /// Each criterion with its controls' ids and statuses.
    pub criteria: Vec<(&'a Requirement, Vec<(&'a str, &'static str)>)>,
    /// Each finding with its control's id.
    pub crosswalk: Vec<(&'a str, &'a CrosswalkFinding)>,
}

pub fn soc2<'a>(report: &Report<'a>) -> Soc2<'a> {
    let inventory = report.register.inventory;
    let coverage = report.coverage;
    let tsc: Vec<&str> = coverage.tsc.iter().map(|t| t.as_str()).collect();
    let criteria = coverage
        .soc2
        .iter()
        .map(|criterion| {
            let controls = criterion
                .controls
                .iter()
                .map(|&i| {
                    let control = &inventory.controls[i as usize];
                    (control.id.as_str(), control.status.as_str())
                })
                .collect();
            (criterion, controls)
        })
        .collect();
    let crosswalk = coverage
        .crosswalk
        .iter()
        .map(|f| (inventory.controls[f.control as usize].id.as_str(), f))
        .collect();
    Soc2 {
        tsc: tsc.join(", "),
        criteria,
        crosswalk,
    }
}

/// The Statement of Applicability: each Annex A control with the ids of the controls
/// implementing it.
pub struct Soa<'a> {
    pub applicable: usize,
    pub excluded: usize,
    pub entries: Vec<(&'a SoaEntry, Vec<&'a str>)>,
}

pub fn soa<'a>(report: &Report<'a>) -> Soa<'a> {
    let inventory = report.register.inventory;
    let applicable = report.soa.iter().filter(|e| e.applicable).count();
    let entries = report
        .soa
        .iter()
        .map(|entry| {
            let by = entry.controls.iter();
            let by = by.map(|&c| inventory.controls[c as usize].id.as_str());
            (entry, by.collect())
        })
        .collect();
    Soa {
        applicable,
        excluded: report.soa.len() - applicable,
        entries,
    }
}

/// The issues and interested parties, each with whether a risk is linked to it.
pub fn context<'a>(report: &Report<'a>) -> Vec<(&'a ContextItem, bool)> {
    let unlinked = &report.coverage.unlinked_context;
    let items = report.register.inventory.context.iter().enumerate();
    items
        .map(|(i, item)| (item, !unlinked.contains(&(i as u32))))
        .collect()
}

/// The annual loss section: the loss exceedance curves, the distribution, the risks that cost the
/// most and the controls by return.
pub struct Loss<'a> {
    pub currency: &'a str,
    pub years: u64,
    /// `lec_svg`'s picture, every text in it escaped.
    pub picture: String,
    /// (measure, inherent, residual), amounts shown as `1.2M`.
    pub distribution: Vec<(&'static str, String, String)>,
    pub within_tolerance: bool,
    /// (risk id, mean annual loss, P95, share of the total), the costliest first.
    pub risks: Vec<(&'a str, String, String, String)>,
    /// (control id, name, loss avoided, cost, return), the best return first.
    pub controls: Vec<(&'a str, &'a str, String, String, String)>,
}

/// How many risks and controls the loss section lists.
const LOSS_ROWS: usize = 10;

pub fn loss<'a>(report: &Report<'a>) -> Option<Loss<'a>> {
    use crate::simulate::{human_amount as amount, percent};
    let simulation = report.loss?;
    let inventory = report.register.inventory;
    let (inherent, residual) = (&simulation.inherent, &simulation.residual);
    let distribution = vec![
        ("mean", amount(inherent.mean), amount(residual.mean)),
        ("P50", amount(inherent.p50), amount(residual.p50)),
        ("P90", amount(inherent.p90), amount(residual.p90)),
        ("P95", amount(inherent.p95), amount(residual.p95)),
        ("P99", amount(inherent.p99), amount(residual.p99)),
    ];
    let risks = simulation
        .risks
        .iter()
        .take(LOSS_ROWS)
        .map(|r| {
            (
                r.id.as_str(),
                amount(r.mean),
                amount(r.p95),
                percent(r.share),
            )
        })
        .collect();
    let mut controls: Vec<_> = simulation.controls.iter().collect();
    controls.sort_by(|a, b| {
        let key = |c: &&riskgraph_engine::simulate::ControlReturn| c.return_on_cost;
        key(b)
            .partial_cmp(&key(a))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.avoided.total_cmp(&a.avoided))
            .then(a.control.cmp(&b.control))
    });
    let controls = controls
        .into_iter()
        .take(LOSS_ROWS)
        .map(|c| {
            let control = &inventory.controls[c.control as usize];
            (
                control.id.as_str(),
                &*control.name,
                amount(c.avoided),
                c.cost.map_or_else(|| "-".to_owned(), amount),
                c.return_on_cost
                    .map_or_else(|| "-".to_owned(), |r| format!("{r:.1}x")),
            )
        })
        .collect();
    Some(Loss {
        currency: &simulation.currency,
        years: simulation.years,
        picture: crate::lec_svg::render(simulation, "Annual loss exceedance"),
        distribution,
        within_tolerance: simulation.within_tolerance,
        risks,
        controls,
    })
}
