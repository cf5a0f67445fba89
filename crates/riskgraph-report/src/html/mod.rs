//! The HTML report for management and auditors: one self-contained file (styles and script
//! inline, no network) with the management summary, the risk matrices as SVG heat maps, the
//! register with filters and sorting, the supply chain, fraud risks, SOC 2 coverage, the
//! Statement of Applicability, forgotten risk categories, context and evidence.
//!
//! The page is written by askama templates: `templates/report.html` and one template per
//! section in `templates/report/`. [`build`] gathers what the report shows, `sections` turns it
//! into what each section lists, and the templates lay that out. Every value a template writes
//! goes through [`Escaper`] (`askama.toml` makes it the escaper of `.html` templates), so a
//! vendor named `<script>alert(1)</script>` is shown as text, never run; only riskgraph's own
//! stylesheet and script are written as they are (`|safe`).

mod sections;

use std::fmt;

use askama::Template;
use jiff::civil::Date;
use riskgraph_engine::compliance::{Coverage, SoaEntry};
use riskgraph_engine::propagation::Limits;
use riskgraph_engine::rank::VendorRank;
use riskgraph_engine::session::Session;
use riskgraph_engine::simulate::Simulation;
use riskgraph_engine::supply_chain::{self, SinglePoint};
use riskgraph_model::manifest::ApprovalState;
use riskgraph_model::records::ContextItem;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::Vocabulary as _;
use riskgraph_model::{Inventory, Manifest, NodeDetail, NodeIdx};

use crate::diff::Changes;
use crate::register::{Checksum, Register};
use crate::text::Newlines;
pub use sections::MAX_ROWS;
pub use sections::VendorTree;
use sections::{
    Colour, CriticalProcess, FraudRow, HeatMap, Loss, RegisterTable, Soa, Soc2, Summary, TreeStep,
    Vendor,
};

/// How many vendors the supply chain section shows.
const TOP_VENDORS: usize = 10;

/// What the report shows.
pub struct Report<'a> {
    /// The whole register (`shown` is every risk).
    pub register: &'a Register<'a>,
    pub coverage: &'a Coverage,
    pub soa: &'a [SoaEntry],
    /// The vendors with the widest blast radius, highest first, each with the drawing of what
    /// it reaches.
    pub vendors: &'a [(VendorRank, VendorTree<'a>)],
    /// Every critical process (criticality 4 or 5) with its single points of failure.
    pub critical: &'a [(NodeIdx, Vec<SinglePoint>)],
    /// The annual loss simulation, when the inventory has money data.
    pub loss: Option<&'a Simulation>,
    /// When the inventory has money data but the register has more than
    /// [`MAX_SIMULATED_RISKS`] risks: how many, and the simulation is left out.
    pub loss_left_out: Option<usize>,
    /// The changes since a previous register, when one was given.
    pub changes: Option<&'a Changes<'a>>,
}

/// The report of `register`, assessed in `session`, as HTML, with the changes since `previous`
/// when given.
pub fn build(
    register: &Register<'_>,
    session: &Session,
    previous: Option<&crate::diff::Snapshot<'_>>,
) -> String {
    let compliance = session.compliance(register.assessment);
    let coverage = compliance.coverage();
    let soa = compliance.statement_of_applicability();

    let limits = Limits::default();
    let mut ranks = session.rank_vendors(&Property::ALL, limits);
    ranks.truncate(TOP_VENDORS);
    let (inventory, graph) = (session.inventory(), session.graph());
    // One vendor at a time: what a vendor reaches can be most of the estate, and the section
    // keeps only its drawing.
    let vendors: Vec<_> = ranks
        .into_iter()
        .map(|rank| {
            let exposure = session.exposures(&[rank.vendor], &Property::ALL, limits);
            let drawn = sections::vendor_tree(inventory, graph, &rank, &exposure[0]);
            (rank, drawn)
        })
        .collect();
    let critical: Vec<_> = (0..inventory.nodes.len() as NodeIdx)
        .filter(|&node| {
            let node = inventory.node(node);
            matches!(node.detail, NodeDetail::Process(_))
                && node.criticality().is_some_and(|c| c.get() >= 4)
        })
        .map(|node| {
            (
                node,
                supply_chain::of_critical_process(inventory, graph, node),
            )
        })
        .collect();
    let risks = register.assessment.risks.len();
    let has_money = riskgraph_engine::simulate::has_money_data(session.inventory());
    let loss_left_out = (has_money && risks > MAX_SIMULATED_RISKS).then_some(risks);
    let loss = loss_left_out
        .is_none()
        .then(|| simulation(session, risks))
        .flatten();

    // The changes compare registers: the previous one, read, and this one, viewed.
    let current = previous.map(|_| crate::diff::Snapshot::of(register));
    let changes = previous
        .zip(current.as_ref())
        .map(|(old, new)| crate::diff::compare(old, new));
    html(&Report {
        register,
        coverage: &coverage,
        soa: &soa,
        vendors: &vendors,
        critical: &critical,
        loss: loss.as_ref(),
        loss_left_out,
        changes: changes.as_ref(),
    })
}

/// The most simulated years the report runs for a register of more than 10,000 risks (the
/// manifest's `[quant] years` otherwise), so a large estate's report stays quick.
const LARGE_REGISTER_YEARS: u64 = 1_000;

/// The most risks the report simulates: each risk is planned with the `loss` rule and drawn
/// for every simulated year, which at tens of millions of risks would take hours and more memory
/// than the register. `riskgraph simulate` runs it on any register.
pub const MAX_SIMULATED_RISKS: usize = 1_000_000;

/// The annual loss simulation the report shows: none without money data, or when the simulation
/// fails (`riskgraph simulate` says why).
fn simulation(session: &Session, risks: usize) -> Option<Simulation> {
    let inventory = session.inventory();
    if !riskgraph_engine::simulate::has_money_data(inventory) {
        return None;
    }
    let quant = &inventory.manifest.quant;
    let years = if risks > 10_000 {
        quant.years.min(LARGE_REGISTER_YEARS)
    } else {
        quant.years
    };
    session.simulate(years, quant.seed).ok()
}

/// The report as one HTML document.
pub fn html(report: &Report<'_>) -> String {
    let page = Page::new(report);
    let mut out = String::with_capacity(256 * 1024);
    // Writing to a `String` fails only when a value's `Display` fails, and none of the page's do.
    let _ = page.render_into(&mut out);
    out
}

/// The escaper of the report's templates: control characters are shown as spaces, newlines
/// kept ([`printable`], the one sanitizer), then `&`, `<`, `>`, `"` and `'` are escaped, so a
/// value is text in element content and in quoted attribute values alike.
#[derive(Debug, Clone, Copy)]
pub struct Escaper;

impl askama::filters::Escaper for Escaper {
    fn write_escaped_str<W: fmt::Write>(&self, mut out: W, text: &str) -> fmt::Result {
        crate::text::write_markup(&mut out, text, Newlines::Kept)
    }
}

/// The page: `templates/report.html`, which includes one template per section. The sections'
/// templates read the fields below by name.
#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    version: &'static str,
    /// riskgraph's own stylesheet and script, compiled in.
    style: &'static str,
    script: &'static str,
    level_colours: Vec<(Colour, Colour)>,
    manifest: &'a Manifest,
    as_of: Date,
    approval: ApprovalState<'a>,
    summary: Summary<'a>,
    matrices: [HeatMap; 2],
    register: RegisterTable<'a>,
    vendors: Vec<Vendor<'a>>,
    critical: Vec<CriticalProcess<'a>>,
    loss: Option<Loss<'a>>,
    /// How many risks the register has, when the loss simulation is left out for them.
    loss_left_out: Option<usize>,
    fraud: Vec<FraudRow<'a>>,
    soc2: Soc2<'a>,
    soa: Soa<'a>,
    coverage: &'a Coverage,
    inventory: &'a Inventory,
    /// The issues and interested parties, each with whether a risk is linked to it.
    context: Vec<(&'a ContextItem, bool)>,
    rules: &'a [Checksum],
    inputs: &'a [Checksum],
}

impl<'a> Page<'a> {
    fn new(report: &Report<'a>) -> Self {
        let register = report.register;
        let inventory = register.inventory;
        let as_of = register.assessment.as_of;
        Page {
            version: env!("CARGO_PKG_VERSION"),
            style: include_str!("report.css"),
            script: include_str!("report.js"),
            level_colours: sections::level_colours(inventory),
            manifest: &inventory.manifest,
            as_of,
            approval: inventory.manifest.approval_state(as_of),
            summary: sections::summary(report),
            matrices: sections::matrices(register),
            register: sections::register_table(register),
            vendors: sections::vendors(report),
            critical: sections::critical(report),
            loss: sections::loss(report),
            loss_left_out: report.loss_left_out,
            fraud: sections::fraud(register),
            soc2: sections::soc2(report),
            soa: sections::soa(report),
            coverage: report.coverage,
            inventory,
            context: sections::context(report),
            rules: &register.rules,
            inputs: &register.inputs,
        }
    }
}

#[cfg(test)]
mod tests {
    use askama::filters::Escaper as _;

    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        Escaper.write_escaped_str(&mut out, text).unwrap();
        out
    }

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escaped("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(escaped("a\u{1b}[31mb\tc\nd"), "a [31mb c\nd");
    }

    /// The report of tests/data/assess/small with a hostile vendor name and organization.
    fn hostile_report() -> String {
        let small =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/assess/small");
        let dir = std::env::temp_dir().join(format!("riskgraph-html-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&small).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
        std::fs::write(
            dir.join("vendors.csv"),
            "id,name,owner,criticality\nhost,\"Hosting <script>alert('x')</script>\u{7}Co\",,3\n",
        )
        .unwrap();
        let manifest = std::fs::read_to_string(dir.join("riskgraph.toml")).unwrap();
        let manifest = manifest.replace("\"Small Co\"", r#""Small <b>Co</b> \u001B[31m""#);
        std::fs::write(dir.join("riskgraph.toml"), manifest).unwrap();

        let print = riskgraph_engine::rules::discard_print();
        let as_of = jiff::civil::date(2026, 11, 1);
        let session = Session::open(&dir, None, as_of, print)
            .unwrap_or_else(|_| panic!("the hostile inventory opens"));
        std::fs::remove_dir_all(&dir).unwrap();
        let assessment = session.assess(&|_, _| {}).unwrap();
        let register = Register::new(&session, &assessment, assessment.risks.iter().collect());
        build(&register, &session, None)
    }

    #[test]
    fn a_register_too_large_to_simulate_says_so_in_the_loss_section() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
        let print = riskgraph_engine::rules::discard_print();
        let as_of = jiff::civil::date(2026, 11, 1);
        let session = Session::open(&dir, None, as_of, print).unwrap();
        let assessment = session.assess(&|_, _| {}).unwrap();
        let register = Register::new(&session, &assessment, assessment.risks.iter().collect());
        let compliance = session.compliance(&assessment);
        let (coverage, soa) = (
            compliance.coverage(),
            compliance.statement_of_applicability(),
        );
        let page = html(&Report {
            register: &register,
            coverage: &coverage,
            soa: &soa,
            vendors: &[],
            critical: &[],
            loss: None,
            loss_left_out: Some(MAX_SIMULATED_RISKS + 1),
            changes: None,
        });
        let section = &page[page.find("<section id=\"loss\">").expect("a loss section")..];
        let section = &section[..section.find("</section>").unwrap()];
        assert!(
            section.contains("The register has 1000001 risks"),
            "{section}"
        );
        assert!(section.contains("<code>riskgraph simulate</code>"));
        assert!(page.contains("<a href=\"#loss\">Loss</a>"));
    }

    #[test]
    fn hostile_inventory_text_is_escaped_in_the_report() {
        let page = hostile_report();
        let vendor = "Hosting &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Co";
        // The vendor's name in the supply chain and in the register (risk T2@host).
        assert!(page.contains(&format!("<span class=\"muted\">{vendor}</span>")));
        assert!(page.contains(&format!("<td>{vendor}<br>")));
        assert!(page.contains("<title>Risk assessment: Small &lt;b&gt;Co&lt;/b&gt;  [31m</title>"));
        // The only script is the report's own, and no control character is left.
        assert_eq!(page.matches("<script").count(), 1);
        assert!(!page.contains("alert('x')"));
        assert!(!page.contains(['\u{7}', '\u{1b}']));
    }
}
