//! The HTML report for management and auditors: one self-contained file (styles and script
//! inline, no network) with the management summary, the risk matrices as SVG heat maps, the
//! register with filters and sorting, the supply chain, fraud risks, SOC 2 coverage, the
//! Statement of Applicability, forgotten risk categories, context and evidence.
//!
//! Every string from the inventory or the rules goes through [`esc`]: a vendor named
//! `<script>alert(1)</script>` is shown as text, never run.

use std::fmt::Write as _;

use riskgraph_engine::assess::{Source, level_of};
use riskgraph_engine::compliance::{Coverage, SoaEntry, Verdict};
use riskgraph_engine::exposure::{Exposure, Reached};
use riskgraph_engine::propagation::Limits;
use riskgraph_engine::rank::VendorRank;
use riskgraph_engine::session::Session;
use riskgraph_model::manifest::ApprovalState;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::Vocabulary;
use riskgraph_model::{Inventory, NodeIdx};

use crate::diff::Changes;
use crate::palette;
use crate::register::{Checksum, Register};
use crate::text::count;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// The most register rows the report lists; larger registers list their highest risks and say
/// where the whole register is.
pub const MAX_ROWS: usize = 5000;
/// The most nodes a vendor's tree shows.
const MAX_TREE: usize = 150;

/// What the report shows.
pub struct Report<'a> {
    /// The whole register (`shown` is every risk).
    pub register: &'a Register<'a>,
    pub coverage: &'a Coverage,
    pub soa: &'a [SoaEntry],
    /// The vendors with the widest blast radius, highest first, each with what it reaches.
    pub vendors: &'a [(VendorRank, Exposure)],
    /// The changes since a previous register, when one was given.
    pub changes: Option<&'a Changes<'a>>,
}

/// Text made safe for HTML content and attribute values: markup characters escaped, control
/// characters shown as spaces with newlines kept ([`crate::text::printable`]).
pub fn esc(text: &str) -> String {
    let text = crate::text::printable(text, crate::text::Newlines::Kept);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report as one HTML document.
pub fn html(report: &Report<'_>) -> String {
    let inventory = report.register.inventory;
    let manifest = &inventory.manifest;
    let mut out = String::with_capacity(256 * 1024);
    let title = format!("Risk assessment: {}", manifest.organization);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"riskgraph {}\">\n<title>{}</title>\n<style>\n{STYLE}{}</style>\n</head>\n\
         <body data-script=\"pending\">\n",
        env!("CARGO_PKG_VERSION"),
        esc(&title),
        level_styles(inventory),
    );
    cover(&mut out, report, &title);
    out.push_str("<main>\n");
    summary(&mut out, report);
    matrices(&mut out, report);
    register(&mut out, report);
    supply_chain(&mut out, report);
    fraud(&mut out, report);
    soc2(&mut out, report);
    soa(&mut out, report);
    forgotten(&mut out, report);
    context(&mut out, report);
    evidence(&mut out, report);
    let _ = write!(
        out,
        "</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

/// One CSS class per level, `.lv-0` (lowest) up, in the palette's colours.
fn level_styles(inventory: &Inventory) -> String {
    let count = inventory.manifest.levels.len();
    let mut css = String::new();
    for i in 0..count {
        let (fill, text) = palette::level(i, count);
        let _ = writeln!(
            css,
            ".lv-{i} {{ background: #{fill:06x}; color: #{text:06x}; }}"
        );
    }
    css
}

fn level_badge(inventory: &Inventory, level: usize) -> String {
    let name = inventory
        .manifest
        .levels
        .get(level)
        .map_or("", |l| l.name.as_str());
    format!("<span class=\"lv lv-{level}\">{}</span>", esc(name))
}

fn cover(out: &mut String, report: &Report<'_>, title: &str) {
    let manifest = &report.register.inventory.manifest;
    let _ = write!(
        out,
        "<header class=\"cover\">\n<h1>{}</h1>\n<p>Assessment as of <strong>{}</strong>.</p>\n",
        esc(title),
        report.register.assessment.as_of
    );
    if let Some(scope) = &manifest.scope_statement {
        let _ = writeln!(out, "<p>Scope: {}</p>", esc(scope));
    }
    let as_of = report.register.assessment.as_of;
    match manifest.approval_state(as_of) {
        ApprovalState::Approved { by, on } => {
            let _ = writeln!(
                out,
                "<p class=\"approval ok\" id=\"approval\">Approved by {} on {on}</p>",
                esc(by)
            );
        }
        ApprovalState::Earlier { by, on } => {
            let _ = writeln!(
                out,
                "<p class=\"approval pending\" id=\"approval\">Management approval pending: the approval in riskgraph.toml (by {} on {on}) predates this assessment (ISO 27001 9.3)</p>",
                esc(by)
            );
        }
        ApprovalState::Pending => out.push_str(
            "<p class=\"approval pending\" id=\"approval\">Management approval pending: no \
             <code>[approval]</code> with an approver and a date in riskgraph.toml (ISO 27001 9.3)</p>\n",
        ),
    }
    out.push_str(
        "<nav class=\"no-print\"><a href=\"#summary\">Summary</a><a href=\"#matrices\">Matrices</a>\
         <a href=\"#register\">Register</a><a href=\"#supply-chain\">Supply chain</a>\
         <a href=\"#fraud\">Fraud</a><a href=\"#soc2\">SOC 2</a><a href=\"#soa\">Statement of \
         Applicability</a><a href=\"#forgotten\">Forgotten risks</a><a href=\"#context\">Context</a>\
         <a href=\"#evidence\">Evidence</a></nav>\n</header>\n",
    );
}

fn summary(out: &mut String, report: &Report<'_>) {
    let register = report.register;
    let inventory = register.inventory;
    // A card with a filter links to the register showing those risks.
    let card = |n: String, what: &str, id: &str, filter: Option<&str>| {
        let body = format!(
            "<div class=\"n\">{n}</div><div class=\"what\">{}</div>",
            esc(what)
        );
        match filter {
            Some(filter) => {
                format!("<a class=\"card\" id=\"{id}\" href=\"#{filter}\">{body}</a>\n")
            }
            None => format!("<div class=\"card\" id=\"{id}\">{body}</div>\n"),
        }
    };
    out.push_str("<section id=\"summary\">\n<h2>Management summary</h2>\n<div class=\"cards\">\n");
    out.push_str(&card(
        register.assessment.risks.len().to_string(),
        "risks assessed",
        "count-risks",
        None,
    ));
    out.push_str(&card(
        register.above_appetite().to_string(),
        &format!("above the appetite ({})", inventory.manifest.appetite),
        "count-above-appetite",
        Some("appetite=above"),
    ));
    out.push_str(&card(
        register.overdue().to_string(),
        "reviews overdue",
        "count-overdue",
        Some("overdue=yes"),
    ));
    out.push_str(&card(
        register.with_findings().to_string(),
        "risks with findings",
        "count-findings",
        None,
    ));
    out.push_str("</div>\n<h3>Risks by residual level</h3>\n<table id=\"by-level\"><thead><tr><th>level</th><th class=\"num\">inherent</th><th class=\"num\">residual</th></tr></thead><tbody>\n");
    let inherent = register.by_level(false);
    for (i, ((_, before), (_, after))) in inherent
        .iter()
        .zip(register.by_level(true))
        .enumerate()
        .rev()
    {
        let _ = writeln!(
            out,
            "<tr data-level-index=\"{i}\"><td>{}</td><td class=\"num\">{before}</td><td class=\"num\" data-residual-count>{after}</td></tr>",
            level_badge(inventory, i)
        );
    }
    out.push_str("</tbody></table>\n");
    if let Some(changes) = report.changes {
        changes_since(out, changes);
    }
    out.push_str("</section>\n");
}

fn changes_since(out: &mut String, c: &Changes<'_>) {
    const SHOWN: usize = 20;
    let up = c.rerated_count(crate::diff::Direction::Up);
    let _ = write!(
        out,
        "<h3 id=\"changes\">Changes since the assessment of {}</h3>\n<p>{} added, {} removed, {} rated higher ({} to a higher level), {} lower; {} changed status; {} expired or were approved; {}.</p>\n",
        esc(&c.old.as_of),
        count(c.added.len(), "risk"),
        c.removed.len(),
        up,
        c.increases().count(),
        c.rerated.len() - up,
        count(c.controls.len(), "control"),
        count(c.treatments.len(), "treatment"),
        count(c.vendors.len(), "new vendor")
    );
    if !c.rerated.is_empty() {
        out.push_str("<table><thead><tr><th>risk</th><th>direction</th><th>was</th><th>now</th></tr></thead><tbody>\n");
        for r in c.rerated.iter().take(SHOWN) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{} ({})</td><td>{} ({})</td></tr>",
                esc(r.id),
                r.direction.as_str(),
                esc(&r.old.level),
                r.old.score,
                esc(&r.new.level),
                r.new.score
            );
        }
        out.push_str("</tbody></table>\n");
    }
    for (what, risks) in [("Added", &c.added), ("Removed", &c.removed)] {
        if risks.is_empty() {
            continue;
        }
        let ids: Vec<String> = risks.iter().take(SHOWN).map(|r| esc(&r.id)).collect();
        let more = risks.len().saturating_sub(SHOWN);
        let _ = writeln!(
            out,
            "<p><strong>{what}:</strong> {}{}</p>",
            ids.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
}

/// Both risk matrices as SVG heat maps: each cell in its level's colour with its count; a click
/// filters the register to the cell.
fn matrices(out: &mut String, report: &Report<'_>) {
    out.push_str("<section id=\"matrices\">\n<h2>Risk matrices</h2>\n<p class=\"muted\">Risks per likelihood and impact; each cell is coloured by the level of that score. Click a cell to list its risks in the register.</p>\n<div class=\"heat\">\n");
    for (residual, caption) in [(false, "Inherent risk"), (true, "Residual risk")] {
        heat_map(out, report.register, residual, caption);
    }
    out.push_str("</div>\n</section>\n");
}

fn heat_map(out: &mut String, register: &Register<'_>, residual: bool, caption: &str) {
    const CELL: usize = 56;
    const LEFT: usize = 44;
    const BOTTOM: usize = 40;
    let manifest = &register.inventory.manifest;
    let scale = usize::from(manifest.scale);
    let counts = register.matrix(residual);
    let side = if residual { "r" } else { "i" };
    let (width, height) = (LEFT + scale * CELL + 4, scale * CELL + BOTTOM);
    let _ = write!(
        out,
        "<figure><figcaption>{caption}</figcaption>\n<svg id=\"heat-{side}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{caption} matrix\">\n"
    );
    for (row, cells) in counts.iter().enumerate() {
        let likelihood = scale - row;
        for (column, &count) in cells.iter().enumerate() {
            let impact = column + 1;
            let level = level_of(manifest, likelihood as u32, impact as u32);
            let (fill, text) = palette::level(level, manifest.levels.len());
            let (x, y) = (LEFT + column * CELL, row * CELL);
            let _ = writeln!(
                out,
                "<g class=\"cell\" data-side=\"{side}\" data-l=\"{likelihood}\" data-i=\"{impact}\" data-count=\"{count}\" tabindex=\"0\" role=\"button\" aria-label=\"likelihood {likelihood}, impact {impact}: {count} risks\">\
                 <rect x=\"{x}\" y=\"{y}\" width=\"{CELL}\" height=\"{CELL}\" fill=\"#{fill:06x}\" stroke=\"#ffffff\" stroke-width=\"2\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"700\" fill=\"#{text:06x}\"{}>{}</text></g>",
                x + CELL / 2,
                y + CELL / 2 + 6,
                if count == 0 {
                    " fill-opacity=\"0.45\""
                } else {
                    ""
                },
                count
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{likelihood}</text>",
            LEFT - 8,
            row * CELL + CELL / 2 + 4
        );
    }
    for impact in 1..=scale {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{impact}</text>",
            LEFT + (impact - 1) * CELL + CELL / 2,
            scale * CELL + 16
        );
    }
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">impact</text>\n\
         <text x=\"12\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 12 {})\">likelihood</text>\n</svg></figure>\n",
        LEFT + scale * CELL / 2,
        scale * CELL + 34,
        scale * CELL / 2,
        scale * CELL / 2
    );
}

fn options(values: impl IntoIterator<Item = String>) -> String {
    let mut html = String::new();
    for value in values {
        let _ = write!(html, "<option value=\"{0}\">{0}</option>", esc(&value));
    }
    html
}

/// The register's filter controls, with the values the listed risks have.
fn filters(out: &mut String, inventory: &Inventory, views: &[crate::register::RiskView<'_>]) {
    let mut categories: Vec<String> = views
        .iter()
        .map(|v| v.threat.category.to_string())
        .collect();
    categories.sort();
    categories.dedup();
    let mut owners: Vec<String> = views
        .iter()
        .map(|v| v.owner.to_string())
        .filter(|o| !o.is_empty())
        .collect();
    owners.sort();
    owners.dedup();
    let mut frameworks: Vec<String> = views
        .iter()
        .flat_map(crate::register::RiskView::frameworks)
        .collect();
    frameworks.sort_by(|a, b| crate::register::natural(a, b));
    frameworks.dedup();
    let levels: Vec<String> = inventory
        .manifest
        .levels
        .iter()
        .rev()
        .map(|l| l.name.clone())
        .collect();

    let _ = writeln!(
        out,
        "<div class=\"filters\">\
         <label>Residual level<select data-filter=\"level\"><option value=\"\">all</option>{}</select></label>\
         <label>Category<select data-filter=\"category\"><option value=\"\">all</option>{}</select></label>\
         <label>Owner<select data-filter=\"owner\"><option value=\"\">all</option>{}</select></label>\
         <label>Framework<select data-filter=\"frameworks\"><option value=\"\">all</option>{}</select></label>\
         <label>Appetite<select data-filter=\"appetite\"><option value=\"\">all</option><option value=\"above\">above</option><option value=\"within\">within</option></select></label>\
         <label>Review<select data-filter=\"overdue\"><option value=\"\">all</option><option value=\"yes\">overdue</option><option value=\"no\">not overdue</option></select></label>\
         <label>Search<input type=\"search\" data-filter=\"text\" placeholder=\"id, threat, node...\"></label></div>",
        options(levels),
        options(categories),
        options(owners),
        options(frameworks)
    );
}

fn register(out: &mut String, report: &Report<'_>) {
    let register = report.register;
    let inventory = register.inventory;
    let risks = &register.assessment.risks;
    let listed = &risks[..risks.len().min(MAX_ROWS)];
    let views: Vec<_> = listed.iter().map(|risk| register.view(risk)).collect();

    let _ = write!(
        out,
        "<section id=\"register\">\n<h2>Risk register</h2>\n<p><span id=\"shown\">{}</span> of {} risks shown <span id=\"cell-filter\" class=\"muted\"></span></p>\n",
        listed.len(),
        listed.len()
    );
    // `listed` is `risks` unless the register is too long for a page.
    if risks.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"muted\">The register has {} risks: the {MAX_ROWS} highest are listed, and filters and matrix cells apply to them; <code>riskgraph assess --format xlsx</code> or <code>csv</code> has them all.</p>",
            risks.len()
        );
    }
    filters(out, inventory, &views);
    out.push_str(
        "<table id=\"register-table\"><thead><tr><th data-sort=\"number\" class=\"num\">#</th><th>risk</th><th>category</th><th>node</th>\
         <th data-sort=\"number\">inherent</th><th data-sort=\"number\">residual</th><th>appetite</th><th>treatment</th><th>owner</th>\
         <th>next review</th><th>frameworks</th><th>findings</th></tr></thead>\n<tbody>\n",
    );
    for (n, (risk, view)) in listed.iter().zip(&views).enumerate() {
        let frameworks: Vec<String> = view.frameworks().collect();
        let findings: Vec<&str> = view.findings.iter().map(|f| f.code.as_str()).collect();
        let _ = writeln!(
            out,
            "<tr data-id=\"{id}\" data-level=\"{level}\" data-category=\"{category}\" data-owner=\"{owner}\" data-frameworks=\"{fw}\" data-appetite=\"{appetite_key}\" data-overdue=\"{overdue}\" data-rl=\"{rl}\" data-ri=\"{ri}\" data-il=\"{il}\" data-ii=\"{ii}\">\
             <td class=\"num\" data-value=\"{number}\">{number}</td><td><strong>{id}</strong><br><span class=\"muted\">{threat}</span></td><td>{category}</td>\
             <td>{node}<br><span class=\"muted\">{kind}</span></td>\
             <td data-value=\"{iscore}\">{ibadge} {iscore}</td><td data-value=\"{rscore}\">{rbadge} {rscore}</td>\
             <td>{appetite}</td><td>{treatment}</td><td>{owner}</td><td>{review}</td><td class=\"mono\">{fw}</td><td class=\"mono\">{findings}</td></tr>",
            id = esc(&view.id),
            level = esc(&view.residual.level),
            category = esc(&view.threat.category),
            owner = esc(&view.owner),
            fw = esc(&frameworks.join(" ")),
            rl = view.residual.likelihood,
            ri = view.residual.impact,
            il = view.inherent.likelihood,
            ii = view.inherent.impact,
            number = n + 1,
            threat = esc(&view.threat.name),
            node = esc(&view.node.name),
            kind = esc(&view.node.kind),
            iscore = view.inherent.score,
            rscore = view.residual.score,
            ibadge = level_badge(inventory, risk.inherent.level),
            rbadge = level_badge(inventory, risk.residual.level),
            appetite = if view.within_appetite {
                "within"
            } else {
                "<strong>above</strong>"
            },
            appetite_key = if view.within_appetite {
                "within"
            } else {
                "above"
            },
            overdue = if risk.review_overdue(register.assessment.as_of) {
                "yes"
            } else {
                "no"
            },
            treatment = esc(&view.treatment.decision),
            review = esc(&view.next_review),
            findings = esc(&findings.join(" ")),
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn supply_chain(out: &mut String, report: &Report<'_>) {
    let inventory = report.register.inventory;
    out.push_str("<section id=\"supply-chain\">\n<h2>Supply chain: vendors by blast radius</h2>\n<p class=\"muted\">The score sums, over the in-scope nodes a vendor's failure or breach reaches, each node's value times its attenuated impact (as <code>riskgraph blast-radius --rank vendors</code>). Open a vendor to see what it reaches, through which dependency.</p>\n");
    if report.vendors.is_empty() {
        out.push_str("<p>No vendors in the inventory.</p>\n</section>\n");
        return;
    }
    out.push_str("<table id=\"vendors\"><thead><tr><th>vendor</th><th class=\"num\">score</th><th class=\"num\">nodes</th><th class=\"num\">processes</th><th class=\"num\">commitments</th><th class=\"num\">in-scope assets</th><th>fourth parties</th><th>single points of failure</th></tr></thead><tbody>\n");
    let ids = |nodes: &[NodeIdx]| -> String {
        nodes
            .iter()
            .map(|&n| esc(inventory.node(n).id.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (rank, _) in report.vendors {
        let node = inventory.node(rank.vendor);
        let _ = writeln!(
            out,
            "<tr><td><strong>{}</strong> <span class=\"muted\">{}</span></td><td class=\"num\">{:.1}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(node.id.as_str()),
            esc(&node.name),
            rank.score,
            rank.reached,
            rank.processes,
            rank.commitments,
            rank.in_scope_assets,
            ids(&rank.fourth_parties),
            ids(&rank.single_points_of_failure)
        );
    }
    out.push_str("</tbody></table>\n");
    for (rank, exposure) in report.vendors {
        let node = inventory.node(rank.vendor);
        let _ = writeln!(
            out,
            "<details><summary>{} reaches {}</summary>",
            esc(node.id.as_str()),
            count(exposure.dependents().count(), "node")
        );
        tree(out, inventory, exposure);
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

/// An exposure as nested lists along the strongest paths, at most [`MAX_TREE`] nodes.
fn tree(out: &mut String, inventory: &Inventory, exposure: &Exposure) {
    let mut children: std::collections::BTreeMap<NodeIdx, Vec<&Reached>> =
        std::collections::BTreeMap::new();
    // Strongest first; a node joins the tree when its parent on the strongest path is there.
    let mut attached: std::collections::BTreeSet<NodeIdx> =
        exposure.origins.iter().copied().collect();
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
    let shown = attached.len() - exposure.origins.len();
    for origin in exposure.nodes.iter().filter(|r| r.is_origin()) {
        tree_walk(out, inventory, &children, origin.node, 0);
    }
    let total = exposure.dependents().count();
    if total > shown {
        let _ = writeln!(
            out,
            "<p class=\"muted\">{shown} of the {total} nodes reached are drawn, the most affected first; <code>riskgraph blast-radius --from {}</code> lists them all.</p>",
            exposure
                .origins
                .first()
                .map(|&o| esc(inventory.node(o).id.as_str()))
                .unwrap_or_default()
        );
    }
}

/// The children of `node` in a vendor's tree, and theirs, as nested lists.
fn tree_walk(
    out: &mut String,
    inventory: &Inventory,
    children: &std::collections::BTreeMap<NodeIdx, Vec<&Reached>>,
    node: NodeIdx,
    depth: usize,
) {
    let Some(list) = children.get(&node) else {
        return;
    };
    if depth > 64 {
        return;
    }
    out.push_str("<ul class=\"tree\">");
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
        let _ = write!(
            out,
            "<li>{} <span class=\"muted\">({}, via {via}) {}</span>",
            esc(n.id.as_str()),
            n.kind().as_str(),
            impacts.join(" ")
        );
        tree_walk(out, inventory, children, reached.node, depth + 1);
        out.push_str("</li>");
    }
    out.push_str("</ul>\n");
}

fn fraud(out: &mut String, report: &Report<'_>) {
    let register = report.register;
    let inventory = register.inventory;
    out.push_str("<section id=\"fraud\">\n<h2>Fraud risks (SOC 2 CC3.3)</h2>\n<p class=\"muted\">The fraud risk of each in-scope business process, from incentive and pressure, opportunity and rationalization, scored by the organization's <code>fraud.rhai</code>.</p>\n");
    let frauds: Vec<_> = register
        .assessment
        .risks
        .iter()
        .filter(|r| r.source == Source::Fraud)
        .collect();
    if frauds.is_empty() {
        out.push_str("<p>No in-scope business processes, so no fraud risks.</p>\n</section>\n");
        return;
    }
    out.push_str("<table id=\"fraud-risks\"><thead><tr><th>risk</th><th>process</th><th>residual</th><th>factors</th><th>controls</th></tr></thead><tbody>\n");
    for risk in frauds {
        let view = register.view(risk);
        let factors: Vec<String> = view
            .fraud_factors
            .iter()
            .map(|(name, value)| format!("{}: {}", esc(name), esc(value)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
            esc(&view.id),
            esc(&view.node.name),
            level_badge(inventory, risk.residual.level),
            view.residual.score,
            factors.join("<br>"),
            esc(&view.controls.join(", "))
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn verdict(v: Verdict) -> String {
    format!("<span class=\"verdict-{0}\">{0}</span>", v.as_str())
}

fn soc2(out: &mut String, report: &Report<'_>) {
    let inventory = report.register.inventory;
    let c = report.coverage;
    let tsc: Vec<&str> = c.tsc.iter().map(|t| t.as_str()).collect();
    let _ = write!(
        out,
        "<section id=\"soc2\">\n<h2>SOC 2 coverage</h2>\n<p class=\"muted\">The Trust Services Criteria in scope ({}): covered when an implemented control cites the criterion, partial when only partially implemented ones do, a gap otherwise.</p>\n\
         <table id=\"soc2-coverage\"><thead><tr><th>criterion</th><th>title</th><th>verdict</th><th>controls</th><th class=\"num\">risks treated</th></tr></thead><tbody>\n",
        tsc.join(", ")
    );
    for r in &c.soc2 {
        let controls: Vec<String> = r
            .controls
            .iter()
            .map(|&i| {
                let control = &inventory.controls[i as usize];
                format!("{} ({})", esc(control.id.as_str()), control.status.as_str())
            })
            .collect();
        let _ = writeln!(
            out,
            "<tr data-verdict=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            r.verdict.as_str(),
            esc(&r.id),
            esc(r.title),
            verdict(r.verdict),
            controls.join(", "),
            r.risks.len()
        );
    }
    out.push_str("</tbody></table>\n");
    if !c.crosswalk.is_empty() {
        out.push_str("<h3>Controls citing one framework but not the other</h3>\n<table><thead><tr><th>control</th><th>cites</th><th>but none of</th></tr></thead><tbody>\n");
        for f in &c.crosswalk {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(inventory.controls[f.control as usize].id.as_str()),
                esc(&f.cites),
                esc(&f.corresponds_to.join(", "))
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
}

fn soa(out: &mut String, report: &Report<'_>) {
    let inventory = report.register.inventory;
    let applicable = report.soa.iter().filter(|e| e.applicable).count();
    let _ = write!(
        out,
        "<section id=\"soa\">\n<h2>Statement of Applicability (ISO/IEC 27001:2022 Annex A)</h2>\n<p>{} controls: {applicable} applicable, {} excluded.</p>\n\
         <table id=\"soa-table\"><thead><tr><th>control</th><th>title</th><th>applicable</th><th>status</th><th>implemented by</th><th>justification</th></tr></thead><tbody>\n",
        report.soa.len(),
        report.soa.len() - applicable
    );
    for e in report.soa {
        let by: Vec<String> = e
            .controls
            .iter()
            .map(|&c| esc(inventory.controls[c as usize].id.as_str()))
            .collect();
        let status = e.status_name();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{status}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.id),
            esc(e.title),
            if e.applicable { "yes" } else { "no" },
            by.join(", "),
            esc(&e.justification)
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn forgotten(out: &mut String, report: &Report<'_>) {
    out.push_str("<section id=\"forgotten\">\n<h2>Forgotten risk categories</h2>\n");
    if report.coverage.forgotten.is_empty() {
        out.push_str(
            "<p>Every risk category has at least one threat in the inventory.</p>\n</section>\n",
        );
        return;
    }
    out.push_str("<p class=\"muted\">Categories no threat of the inventory belongs to: worth a deliberate decision.</p>\n<table id=\"forgotten-table\"><thead><tr><th>category</th><th>what it usually means</th><th>example threat to add</th></tr></thead><tbody>\n");
    for g in &report.coverage.forgotten {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            g.category.as_str(),
            esc(&g.meaning),
            esc(&g.example_threat)
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn context(out: &mut String, report: &Report<'_>) {
    let inventory = report.register.inventory;
    let c = report.coverage;
    out.push_str(
        "<section id=\"context\">\n<h2>Context, objectives, obligations and commitments</h2>\n",
    );
    let row = |cells: &[String]| cells_html("tr", "td", cells);
    let head = |cells: &[&str]| {
        let cells: Vec<String> = cells.iter().map(|c| (*c).to_owned()).collect();
        format!(
            "<table><thead>{}</thead><tbody>\n",
            cells_html("tr", "th", &cells)
        )
    };

    out.push_str("<h3>Issues and interested parties (ISO 27001 4.1, 4.2)</h3>\n");
    out.push_str(&head(&[
        "id",
        "kind",
        "description",
        "expectation",
        "linked to a risk",
    ]));
    for (i, item) in inventory.context.iter().enumerate() {
        let linked = !c.unlinked_context.contains(&(i as u32));
        out.push_str(&row(&[
            esc(item.id.as_str()),
            item.kind.as_str().to_owned(),
            esc(&item.description),
            esc(item.expectation.as_deref().unwrap_or("")),
            String::from(if linked { "yes" } else { "<strong>no</strong>" }),
        ]));
    }
    out.push_str("</tbody></table>\n<h3>Objectives (ISO 27001 6.2)</h3>\n");
    out.push_str(&head(&[
        "id",
        "objective",
        "metric",
        "target",
        "owner",
        "due",
    ]));
    for o in &inventory.objectives {
        out.push_str(&row(&[
            esc(o.id.as_str()),
            esc(&o.objective),
            esc(o.metric.as_deref().unwrap_or("(missing)")),
            esc(o.target.as_deref().unwrap_or("")),
            esc(o.owner.as_deref().unwrap_or("(missing)")),
            o.due.map(|d| d.to_string()).unwrap_or_default(),
        ]));
    }
    out.push_str("</tbody></table>\n<h3>Obligations</h3>\n");
    out.push_str(&head(&["id", "name", "type", "risks affecting it"]));
    for (o, risks) in inventory.obligations.iter().zip(&c.obligations) {
        out.push_str(&row(&[
            esc(o.id.as_str()),
            esc(&o.name),
            o.obligation_type.map_or("", Vocabulary::as_str).to_owned(),
            risks.len().to_string(),
        ]));
    }
    out.push_str("</tbody></table>\n<h3>Commitments</h3>\n");
    out.push_str(&head(&[
        "id",
        "statement",
        "category",
        "risks threatening it",
    ]));
    for (commitment, risks) in inventory.commitments.iter().zip(&c.commitments) {
        out.push_str(&row(&[
            esc(commitment.id.as_str()),
            esc(&commitment.statement),
            commitment
                .category
                .map_or("", Vocabulary::as_str)
                .to_owned(),
            risks.len().to_string(),
        ]));
    }
    out.push_str("</tbody></table>\n</section>\n");
}

/// `<tr><td>a</td>...</tr>` and a newline, the cells already HTML.
fn cells_html(row: &str, cell: &str, cells: &[String]) -> String {
    let mut html = format!("<{row}>");
    for c in cells {
        let _ = write!(html, "<{cell}>{c}</{cell}>");
    }
    let _ = writeln!(html, "</{row}>");
    html
}

fn checksum_rows(out: &mut String, checksums: &[Checksum]) {
    for c in checksums {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"hash\">{}</td></tr>",
            esc(&c.file),
            esc(c.origin.as_deref().unwrap_or("")),
            esc(&c.sha256)
        );
    }
}

fn evidence(out: &mut String, report: &Report<'_>) {
    let register = report.register;
    let _ = write!(
        out,
        "<section id=\"evidence\">\n<h2>Evidence</h2>\n<p>Produced by riskgraph {} for the assessment as of {}. The same inputs, rules and date give the same report.</p>\n\
         <h3>Rules</h3>\n<table id=\"rules\"><thead><tr><th>hook</th><th>from</th><th>SHA-256</th></tr></thead><tbody>\n",
        env!("CARGO_PKG_VERSION"),
        register.assessment.as_of
    );
    checksum_rows(out, &register.rules);
    out.push_str("</tbody></table>\n<h3>Inputs</h3>\n<table id=\"inputs\"><thead><tr><th>file</th><th></th><th>SHA-256</th></tr></thead><tbody>\n");
    checksum_rows(out, &register.inputs);
    out.push_str("</tbody></table>\n</section>\n");
}

/// How many vendors the supply chain section shows.
const TOP_VENDORS: usize = 10;

/// The report of `register`, assessed in `session`, as HTML, with the changes since `previous`
/// when given.
pub fn build(
    register: &Register<'_>,
    session: &Session,
    previous: Option<&crate::register::OwnedDocument>,
) -> String {
    let compliance = session.compliance(register.assessment);
    let coverage = compliance.coverage();
    let soa = compliance.statement_of_applicability();

    let limits = Limits::default();
    let mut ranks = session.rank_vendors(&Property::ALL, limits);
    ranks.truncate(TOP_VENDORS);
    let origins: Vec<_> = ranks.iter().map(|rank| rank.vendor).collect();
    let exposures = session.exposures(&origins, &Property::ALL, limits);
    let vendors: Vec<_> = ranks.into_iter().zip(exposures).collect();

    // The changes compare register documents: the previous one, read, and this one, viewed.
    let current = previous.map(|_| register.to_document());
    let changes = previous
        .zip(current.as_ref())
        .map(|(old, new)| crate::diff::compare(old, new));
    html(&Report {
        register,
        coverage: &coverage,
        soa: &soa,
        vendors: &vendors,
        changes: changes.as_ref(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(esc("a\u{1b}[31mb\tc\nd"), "a [31mb c\nd");
    }
}
