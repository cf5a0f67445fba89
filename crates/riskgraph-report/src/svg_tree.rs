//! A vendor's strongest-path tree as inline SVG, for the supply chain section of the report: the
//! vendor at the top, what its failure reaches below it, one layer deeper per dependency, each
//! node shaded by its impact on the colour ramp of [`crate::palette`], each edge labelled with its
//! dependency kind and factor, and the nodes the caller names (single points of failure) outlined.
//!
//! The layout is riskgraph's own, with no Graphviz: the tree is drawn as an indented outline, a
//! row per node in depth-first order, each layer indented one step to the right of its parent and
//! joined to it by an elbow. A layout with layers side by side grows as wide as the widest layer
//! (a cloud provider has dozens of direct dependents) and shrinks out of legibility on a printed
//! page; this one grows only by depth in width and by node count in height, so it prints at full
//! size. At most [`MAX_NODES`] nodes are drawn, the most affected first (a node's path always
//! comes before it), and each node whose dependents were left out says how many (`+N more`).
//!
//! Every text from the inventory is escaped and made printable; the picture has no script, no
//! link and no id, so several can sit in one page.

use std::collections::HashMap;
use std::fmt::Write as _;

use riskgraph_engine::exposure::{Exposure, Reached};
use riskgraph_engine::propagation::ImpactGraph;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::Vocabulary;
use riskgraph_model::{Inventory, Node, NodeDetail, NodeIdx};

use crate::palette;
use crate::text::markup_line;

/// The most nodes drawn.
pub const MAX_NODES: usize = 60;

// The geometry, in SVG user units (pixels at 100 %).
/// The height of a row.
const ROW: u32 = 38;
const BOX_W: u32 = 236;
const BOX_H: u32 = 30;
/// One layer deeper.
const INDENT: u32 = 28;
const MARGIN: u32 = 12;
/// Where a node's elbow to its children leaves its box, from the box's left side.
const TRUNK: u32 = 12;
/// Between a box and the label of the edge into it.
const LABEL_GAP: u32 = 10;
/// Room for the edge label and the single point of failure mark.
const LABEL_W: u32 = 170;
const LEGEND: u32 = 44;
/// Characters that fit on a box's lines: the id in bold 12 px, the details in 10 px.
const ID_CHARS: usize = 30;
const DETAIL_CHARS: usize = 38;

const FONT: &str = "Helvetica, Arial, sans-serif";

/// The strongest-path tree of `exposure` (what a vendor's failure reaches, from
/// [`riskgraph_engine::session::Session::exposure`]) as an `<svg>` element, with the edge factors
/// of `graph` and the nodes of `outlined` (any order) drawn with a heavy outline and marked as
/// single points of failure.
pub fn render(
    inventory: &Inventory,
    graph: &ImpactGraph,
    exposure: &Exposure,
    outlined: &[NodeIdx],
) -> String {
    let tree = Tree::new(exposure, MAX_NODES);
    let rows = tree.rows();
    let depth = rows.iter().map(|row| row.depth).max().unwrap_or(0);
    let width = 2 * MARGIN + depth * INDENT + BOX_W + LABEL_GAP + LABEL_W;
    let height = 2 * MARGIN + rows.len() as u32 * ROW + LEGEND;
    let origins: Vec<&str> = exposure
        .origins
        .iter()
        .map(|&o| inventory.node(o).id.as_str())
        .collect();
    let mut out = String::with_capacity(512 + rows.len() * 700);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" font-family=\"{FONT}\">\
         <title>What a failure of {} reaches, along the strongest paths ({} of {} nodes drawn)</title>",
        markup_line(&origins.join(", ")),
        tree.kept,
        exposure.nodes.len()
    );
    let mut outlined = outlined.to_vec();
    outlined.sort_unstable();
    let drawing = Drawing {
        inventory,
        graph,
        outlined: &outlined,
    };
    for (i, row) in rows.iter().enumerate() {
        if let Some(parent) = row.parent {
            elbow(&mut out, &rows[parent], parent, row, i);
        }
    }
    for (i, row) in rows.iter().enumerate() {
        match row.content {
            Content::Node(at) => drawing.node(&mut out, &exposure.nodes[at], row.depth, i),
            Content::More(count) => more(&mut out, count, row.depth, i),
        }
    }
    legend(&mut out, height - MARGIN - LEGEND + 8);
    out.push_str("</svg>\n");
    out
}

/// The part of an exposure that is drawn, as a tree of headline parents.
struct Tree<'a> {
    exposure: &'a Exposure,
    /// The first `kept` nodes of the exposure are drawn: the origins, then the strongest.
    kept: usize,
    /// Per drawn node, the positions of its drawn children, strongest first.
    children: HashMap<NodeIdx, Vec<usize>>,
    /// Per drawn node, how many nodes beyond it (whose nearest drawn ancestor it is) are not.
    cut: HashMap<NodeIdx, usize>,
}

/// One row of the picture.
struct Row {
    depth: u32,
    /// The row of the node it hangs from.
    parent: Option<usize>,
    content: Content,
}

enum Content {
    /// The node at this position of the exposure.
    Node(usize),
    /// How many nodes below the parent are left out.
    More(usize),
}

impl<'a> Tree<'a> {
    fn new(exposure: &'a Exposure, max_nodes: usize) -> Self {
        // Every origin is drawn; a node's parent comes before it in the exposure's order
        // (smaller cost, or as small with fewer hops), so the first nodes make a whole tree.
        let origins = exposure.nodes.iter().filter(|r| r.is_origin()).count();
        let kept = exposure.nodes.len().min(max_nodes.max(origins));
        let mut children: HashMap<NodeIdx, Vec<usize>> = HashMap::new();
        let mut cut: HashMap<NodeIdx, usize> = HashMap::new();
        // The drawn node each node hangs under: itself when drawn.
        let mut anchor: HashMap<NodeIdx, NodeIdx> = HashMap::new();
        for (at, reached) in exposure.nodes.iter().enumerate() {
            let parent = reached.headline().parent.map(|(parent, _)| parent);
            if at < kept {
                anchor.insert(reached.node, reached.node);
                if let Some(parent) = parent {
                    children.entry(parent).or_default().push(at);
                }
            } else if let Some(&above) = parent.and_then(|parent| anchor.get(&parent)) {
                anchor.insert(reached.node, above);
                *cut.entry(above).or_default() += 1;
            }
        }
        Self {
            exposure,
            kept,
            children,
            cut,
        }
    }

    /// The rows, depth first: each node, then its children, then how many are left out below it.
    fn rows(&self) -> Vec<Row> {
        enum Step {
            Enter(usize, u32, Option<usize>),
            More(NodeIdx, u32, usize),
        }
        let mut rows = Vec::new();
        let mut stack: Vec<Step> = (0..self.kept)
            .rev()
            .filter(|&at| self.exposure.nodes[at].is_origin())
            .map(|at| Step::Enter(at, 0, None))
            .collect();
        while let Some(step) = stack.pop() {
            match step {
                Step::Enter(at, depth, parent) => {
                    let node = self.exposure.nodes[at].node;
                    let row = rows.len();
                    rows.push(Row {
                        depth,
                        parent,
                        content: Content::Node(at),
                    });
                    stack.push(Step::More(node, depth + 1, row));
                    for &child in self.children.get(&node).into_iter().flatten().rev() {
                        stack.push(Step::Enter(child, depth + 1, Some(row)));
                    }
                }
                Step::More(node, depth, parent) => {
                    if let Some(&count) = self.cut.get(&node) {
                        rows.push(Row {
                            depth,
                            parent: Some(parent),
                            content: Content::More(count),
                        });
                    }
                }
            }
        }
        rows
    }
}

/// What a node's box and labels are drawn from.
struct Drawing<'a> {
    inventory: &'a Inventory,
    graph: &'a ImpactGraph,
    /// Sorted.
    outlined: &'a [NodeIdx],
}

impl Drawing<'_> {
    /// A node's box, its two lines of text and the label of the edge into it.
    fn node(&self, out: &mut String, reached: &Reached, depth: u32, row: usize) {
        let node = self.inventory.node(reached.node);
        let (x, y) = (x_of(depth), y_of(row));
        let impact = reached.headline().impact();
        let (fill, ink) = palette::impact(impact);
        let spof = self.outlined.binary_search(&reached.node).is_ok();
        let stroke = match (reached.is_origin(), spof) {
            (_, true) => "stroke=\"#000000\" stroke-width=\"3\"",
            (true, false) => "stroke=\"#000000\" stroke-width=\"2\"",
            (false, false) => "stroke=\"#6b6b6b\" stroke-width=\"1\"",
        };
        let impacts = impacts(reached);
        let _ = write!(
            out,
            "<g><title>{}: {}, {}{}</title>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"4\" fill=\"{}\" {stroke}/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\" fill=\"{}\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{}\">{}</text>",
            markup_line(node.id.as_str()),
            markup_line(&node.name),
            markup_line(&impacts),
            if spof {
                ", single point of failure"
            } else {
                ""
            },
            palette::hex(fill),
            x + 6,
            y + 13,
            palette::hex(ink),
            markup_line(&cut(node.id.as_str(), ID_CHARS)),
            x + 6,
            y + 25,
            palette::hex(ink),
            markup_line(&cut(
                &format!("{} · {impacts}", kind_label(node)),
                DETAIL_CHARS
            )),
        );
        let label_x = x + BOX_W + LABEL_GAP;
        if let Some((_, row)) = reached.headline().parent {
            let kind = self.inventory.dependencies[row as usize].kind;
            let factor = self
                .graph
                .factors
                .get(row)
                .map_or(1.0, |f| f[reached.property as usize]);
            let _ = write!(
                out,
                "<text x=\"{label_x}\" y=\"{}\" font-size=\"10\" fill=\"#333333\">{} {factor:.2}</text>",
                y + 12,
                markup_line(kind.as_str()),
            );
        }
        if spof {
            let _ = write!(
                out,
                "<text x=\"{label_x}\" y=\"{}\" font-size=\"10\" font-weight=\"bold\" fill=\"#000000\">single point of failure</text>",
                y + 25
            );
        }
        out.push_str("</g>\n");
    }
}

/// The elbow from `parent`'s box down to `child`'s row; dashed to a `+N more` row.
fn elbow(out: &mut String, parent: &Row, parent_at: usize, child: &Row, at: usize) {
    let x = x_of(parent.depth) + TRUNK;
    let (from, to) = (y_of(parent_at) + BOX_H, y_of(at) + BOX_H / 2);
    let dash = if matches!(child.content, Content::More(_)) {
        " stroke-dasharray=\"3 3\""
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<path d=\"M{x} {from}V{to}H{}\" fill=\"none\" stroke=\"#6b6b6b\" stroke-width=\"1.2\"{dash}/>",
        x_of(child.depth)
    );
}

/// The `+N more` row under a node whose dependents were not all drawn.
fn more(out: &mut String, count: usize, depth: u32, row: usize) {
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" font-style=\"italic\" fill=\"#333333\">+{count} more</text>",
        x_of(depth) + 4,
        y_of(row) + BOX_H / 2 + 4
    );
}

/// The key: the impact ramp from 0 to 1, the outline of a single point of failure, the labels.
fn legend(out: &mut String, y: u32) {
    let _ = write!(
        out,
        "<g font-size=\"10\" fill=\"#333333\"><text x=\"{MARGIN}\" y=\"{}\">impact</text>",
        y + 12
    );
    for step in 0..=8u32 {
        let (fill, _) = palette::impact(f64::from(step) / 8.0);
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{y}\" width=\"16\" height=\"16\" fill=\"{}\" stroke=\"#6b6b6b\" stroke-width=\"0.5\"/>",
            MARGIN + 44 + step * 16,
            palette::hex(fill)
        );
    }
    let after = MARGIN + 44 + 9 * 16;
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\">0 to 1</text>\
         <rect x=\"{}\" y=\"{y}\" width=\"28\" height=\"16\" rx=\"3\" fill=\"#ffffff\" stroke=\"#000000\" stroke-width=\"3\"/>\
         <text x=\"{}\" y=\"{}\">single point of failure</text>\
         <text x=\"{MARGIN}\" y=\"{}\">Each node hangs from the node its impact comes through; edges are labelled with the dependency kind and its factor.</text></g>",
        after + 6,
        y + 12,
        after + 50,
        after + 84,
        y + 12,
        y + 34
    );
}

fn x_of(depth: u32) -> u32 {
    MARGIN + depth * INDENT
}

fn y_of(row: usize) -> u32 {
    MARGIN + row as u32 * ROW
}

/// `C 0.80 I 0.80 A 1.00`, a dash where a property is not reached.
fn impacts(reached: &Reached) -> String {
    Property::ALL
        .iter()
        .map(|&p| match reached.impact(p) {
            Some(impact) => format!("{} {impact:.2}", p.letter()),
            None => format!("{} -", p.letter()),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `asset/data`, `process`, `vendor`.
fn kind_label(node: &Node) -> String {
    match &node.detail {
        NodeDetail::Asset(asset) => format!("asset/{}", asset.asset_type.as_str()),
        _ => node.kind().as_str().to_owned(),
    }
}

/// `text` cut to `chars` characters, ending with `…` when cut.
fn cut(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut kept: String = text.chars().take(chars.saturating_sub(1)).collect();
    kept.push('…');
    kept
}

#[cfg(test)]
mod tests {
    use riskgraph_engine::exposure::Workspace;
    use riskgraph_engine::propagation::Limits;
    use riskgraph_model::{Source, load_sources};

    use super::*;

    /// A vendor `v` with `fan` direct dependents `a0`, `a1`..., each with one dependent `b0`,
    /// `b1`... through a weaker dependency; `names` overrides the name of some ids.
    fn fan_out(fan: usize, names: &[(&str, &str)]) -> (Inventory, ImpactGraph, Exposure) {
        let name = |id: &str| {
            names
                .iter()
                .find(|(of, _)| *of == id)
                .map_or(id.to_owned(), |(_, name)| {
                    format!("\"{}\"", name.replace('"', "\"\""))
                })
        };
        let mut assets = String::from("id,name,type\n");
        let mut rows = String::from("from,to,kind,strength,redundant,propagates\n");
        for i in 0..fan {
            for (id, to, kind, strength) in [
                (format!("a{i}"), "v".to_owned(), "provided-by", "1"),
                (format!("b{i}"), format!("a{i}"), "uses", "0.5"),
            ] {
                let _ = writeln!(assets, "{id},{},software", name(&id));
                let _ = writeln!(rows, "{id},{to},{kind},{strength},,");
            }
        }
        let loaded = load_sources(vec![
            Source::new("assets.csv", assets),
            Source::new("vendors.csv", format!("id,name\nv,{}\n", name("v"))),
            Source::new("dependencies.csv", rows),
        ]);
        assert_eq!(
            loaded.diagnostics.n_errors(),
            0,
            "{:?}",
            loaded.diagnostics.items
        );
        let inventory = loaded.inventory;
        let graph = ImpactGraph::build(&inventory);
        let vendor = inventory.node_idx("v").unwrap();
        let mut workspace = Workspace::new(inventory.nodes.len());
        let exposure = Exposure::compute(
            &graph,
            &mut workspace,
            &[vendor],
            &Property::ALL,
            Limits::default(),
        );
        (inventory, graph, exposure)
    }

    fn check_well_formed(svg: &str) {
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg}"
        );
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<g>").count(), svg.matches("</g>").count() - 1);
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        assert_eq!(
            svg.matches("<title>").count(),
            svg.matches("</title>").count()
        );
        assert!(!svg.contains("<script") && !svg.contains(" id=\""));
    }

    #[test]
    fn a_small_tree_is_drawn_whole_in_layers() {
        let (inventory, graph, exposure) = fan_out(2, &[]);
        let b1 = inventory.node_idx("b1").unwrap();
        let svg = render(&inventory, &graph, &exposure, &[b1]);
        check_well_formed(&svg);
        assert_eq!(
            svg.matches("<rect").count(),
            5 + 10,
            "five nodes and the legend's ten"
        );
        assert!(!svg.contains("more</text>"));
        // The vendor first, at the left; its dependents one layer deeper, theirs two.
        let at = |id: &str| {
            let text = format!(">{id}</text>");
            let end = svg.find(&text).unwrap_or_else(|| panic!("{id} in {svg}"));
            let start = svg[..end].rfind("<text x=\"").unwrap() + "<text x=\"".len();
            let x: u32 = svg[start..].split('"').next().unwrap().parse().unwrap();
            (end, x)
        };
        let (v, a0, b0, a1, b1_at) = (at("v"), at("a0"), at("b0"), at("a1"), at("b1"));
        assert!(v.0 < a0.0 && a0.0 < b0.0 && b0.0 < a1.0 && a1.0 < b1_at.0);
        assert_eq!((a0.1 - v.1, b0.1 - a0.1), (INDENT, INDENT));
        assert_eq!(a1.1, a0.1);
        // Edges carry their kind and factor; shades follow the impact.
        assert!(svg.contains(">provided-by 1.00</text>") && svg.contains(">uses 0.45</text>"));
        assert!(svg.contains(&format!(
            "fill=\"{}\"",
            palette::hex(palette::impact(1.0).0)
        )));
        // Only b1 is outlined as a single point of failure.
        assert_eq!(
            svg.matches("stroke-width=\"3\"/>").count(),
            2,
            "b1 and the legend"
        );
        assert_eq!(svg.matches(">single point of failure</text>").count(), 2);
        assert!(
            svg.contains("<title>b1: b1, C 0.24 I 0.28 A 0.45, single point of failure</title>")
        );
    }

    #[test]
    fn a_big_tree_is_cut_with_a_count_of_what_is_left_out() {
        // 81 nodes: the vendor, 40 direct dependents (impact 1) and 40 weaker ones (0.45).
        let (inventory, graph, exposure) = fan_out(40, &[]);
        let svg = render(&inventory, &graph, &exposure, &[]);
        check_well_formed(&svg);
        assert_eq!(svg.matches("<g><title>").count(), MAX_NODES);
        // The 40 strongest and 19 of the weaker ones are drawn; each of the 21 direct dependents
        // whose own dependent is left out says so.
        assert_eq!(svg.matches(">+1 more</text>").count(), 21);
        assert!(svg.contains("(60 of 81 nodes drawn)"));
        assert!(svg.contains("stroke-dasharray"));
    }

    #[test]
    fn inventory_text_is_escaped() {
        let hostile = "<script>alert('x')</script> & \"quotes\"\u{1b}[31m";
        let (inventory, graph, exposure) = fan_out(1, &[("v", hostile), ("a0", hostile)]);
        let svg = render(&inventory, &graph, &exposure, &[]);
        check_well_formed(&svg);
        assert!(!svg.contains("<script>") && !svg.contains('\u{1b}'));
        assert!(svg.contains(
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot; [31m"
        ));
    }

    #[test]
    fn long_ids_are_cut_to_their_box() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdefg", 6), "abcde…");
        assert_eq!(cut("ééééééé", 3), "éé…");
    }
}
