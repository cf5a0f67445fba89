//! `riskgraph explain`: every input and rule result behind one risk's scores, as text.

use std::fmt::Write as _;

use riskgraph_engine::assess::{Explanation, Source};
use riskgraph_engine::exposure::DEFAULT_RATING;
use riskgraph_engine::supply_chain::DEFAULT_SPOF;
use riskgraph_model::values::Rating;
use riskgraph_model::vocabulary::Vocabulary;
use riskgraph_model::{Inventory, Node, NodeDetail};

/// How many reached nodes the exposure section lists, strongest first.
const PATHS_SHOWN: usize = 15;

/// The explanation of one risk as of `as_of`, naming the rules scripts `rules` (file and origin)
/// it was scored with. Control characters of the inventory's text are shown as spaces (newlines
/// kept: see [`crate::text::printable`]), so they cannot move the cursor or change colours.
pub fn render(
    inventory: &Inventory,
    explanation: &Explanation,
    as_of: jiff::civil::Date,
    rules: &[String],
) -> String {
    let text = Text {
        inventory,
        explanation,
        as_of,
    }
    .render(rules);
    crate::text::printable(&text, crate::text::Newlines::Kept).into_owned()
}

/// The rules scripts as an explanation names them: an organization's by its path, a built-in
/// one as `file (built-in)`.
pub fn rules_named(rules: &riskgraph_engine::rules::Rules) -> Vec<String> {
    rules
        .assessment_origins()
        .map(|(file, origin)| {
            if origin.starts_with("built-in") {
                format!("{file} (built-in)")
            } else {
                origin.to_owned()
            }
        })
        .collect()
}

struct Text<'a> {
    inventory: &'a Inventory,
    explanation: &'a Explanation,
    as_of: jiff::civil::Date,
}

/// A list of text, or `-` when empty.
fn or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(", ")
    }
}

/// A 1..5 rating the rules read, with the value they use when the cell is empty.
fn scored_rating(value: Option<Rating>) -> String {
    value.map_or_else(|| format!("- ({DEFAULT_RATING})"), |r| r.get().to_string())
}

/// A 1..5 rating as written, `-` when empty.
fn rating(value: Option<Rating>) -> String {
    value.map_or_else(|| "-".to_owned(), |r| r.get().to_string())
}

fn date(value: Option<riskgraph_model::values::Date>) -> String {
    value.map_or_else(|| "-".to_owned(), |d| d.civil().to_string())
}

fn count(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn text(value: Option<&str>) -> &str {
    value.filter(|v| !v.is_empty()).unwrap_or("-")
}

impl Text<'_> {
    fn render(&self, rules: &[String]) -> String {
        let risk = self.explanation.risk();
        let node = self.inventory.node(risk.node);
        let mut out = String::new();
        let threat_name = match risk.source {
            Source::Threat(t) => self.inventory.threats[t as usize].name.to_string(),
            Source::Fraud => Source::FRAUD.1.to_owned(),
        };
        let _ = writeln!(
            out,
            "Risk {}: {threat_name} on {}",
            risk.id(self.inventory),
            node.name
        );
        let _ = writeln!(out, "As of {}; rules: {}\n", self.as_of, rules.join(", "));
        self.scenario(&mut out, node);
        self.applicable(&mut out);
        self.exposure(&mut out);
        self.single_points_of_failure(&mut out, node);
        self.scores(&mut out);
        self.evaluation(&mut out);
        out
    }

    fn scenario(&self, out: &mut String, node: &Node) {
        let risk = self.explanation.risk();
        out.push_str("Scenario\n");
        match risk.source {
            Source::Threat(t) => {
                let threat = &self.inventory.threats[t as usize];
                let affects: Vec<String> =
                    threat.affects.iter().map(|p| p.name().to_owned()).collect();
                let _ = writeln!(
                    out,
                    "  threat  {} \"{}\": category {}, source {}, affects {}, base likelihood {}, targets `{}`",
                    threat.id,
                    threat.name,
                    threat.category.as_str(),
                    threat.source.map_or("-", Vocabulary::as_str),
                    affects.join(", "),
                    scored_rating(threat.likelihood),
                    threat.targets
                );
            }
            Source::Fraud => {
                out.push_str(
                    "  threat  fraud: the fraud risk of a business process (SOC 2 CC3.3), scored by the fraud rule\n",
                );
            }
        }
        let _ = writeln!(out, "  node    {}", describe_node(node));
        out.push('\n');
    }

    fn applicable(&self, out: &mut String) {
        let inventory = self.inventory;
        let risk = self.explanation.risk();
        let _ = writeln!(
            out,
            "Vulnerabilities that apply ({})",
            self.explanation.assessment.vulnerabilities(risk).len()
        );
        for &v in self.explanation.assessment.vulnerabilities(risk) {
            let v = &inventory.vulnerabilities[v as usize];
            let _ = writeln!(
                out,
                "  {} \"{}\": severity {}, {}, cve {}, found {}",
                v.id,
                v.name,
                scored_rating(v.severity),
                v.status.as_str(),
                text(v.cve.as_deref()),
                date(v.found)
            );
        }
        let _ = writeln!(
            out,
            "Incidents of the year before {} that apply ({})",
            self.as_of,
            self.explanation.assessment.incidents(risk).len()
        );
        for &i in self.explanation.assessment.incidents(risk) {
            let i = &inventory.incidents[i as usize];
            let _ = writeln!(
                out,
                "  {} on {}: severity {}, {}",
                i.id,
                i.date.civil(),
                scored_rating(i.severity),
                text(i.summary.as_deref())
            );
        }
        let obligations = &self.explanation.obligations;
        let _ = writeln!(out, "Obligations that apply ({})", obligations.len());
        for &o in obligations {
            let o = &inventory.obligations[o as usize];
            let _ = writeln!(
                out,
                "  {} \"{}\": {}, severity {}",
                o.id,
                o.name,
                o.obligation_type.map_or("-", Vocabulary::as_str),
                scored_rating(o.severity)
            );
        }
        out.push('\n');
    }

    fn exposure(&self, out: &mut String) {
        let explanation = self.explanation;
        let reach = explanation.assessment.reach(explanation.risk());
        let properties: Vec<&str> = explanation.properties.iter().map(|p| p.name()).collect();
        let _ = writeln!(
            out,
            "Exposure ({}): {}, {}, {}",
            properties.join(", "),
            count(reach.nodes, "node reached", "nodes reached"),
            count(reach.processes, "business process", "business processes"),
            count(reach.commitments, "commitment", "commitments")
        );
        if let Some(seen) = &explanation.exposure_seen {
            let _ = writeln!(
                out,
                "  the impact rule sees: max_value {:.3}, highest_classification {}, personal_data {}, max_process_criticality {}, commitment_reached {}",
                seen.max_value,
                text(Some(&seen.highest_classification)),
                seen.personal_data,
                seen.max_process_criticality,
                seen.commitment_reached
            );
        }
        let lookup = explanation.exposure.lookup();
        let dependents: Vec<_> = explanation.exposure.dependents().collect();
        if !dependents.is_empty() {
            let _ = writeln!(
                out,
                "  strongest paths, from the node to what depends on it{}:",
                if dependents.len() > PATHS_SHOWN {
                    format!(" (the {PATHS_SHOWN} strongest of {})", dependents.len())
                } else {
                    String::new()
                }
            );
        }
        for reached in dependents.iter().take(PATHS_SHOWN) {
            let property = reached.property;
            let path: Vec<String> = lookup
                .path(reached.node, property)
                .iter()
                .map(|&(node, _)| self.inventory.node(node).id.to_string())
                .collect();
            let _ = writeln!(
                out,
                "    {:.2} {}  {}",
                reached.impact(property).unwrap_or_default(),
                property.letter(),
                path.join(" -> ")
            );
        }
        out.push('\n');
    }

    /// What alone takes a critical process down: the nodes whose failure reaches its
    /// availability at the threshold or more, with nothing on the way to take over.
    fn single_points_of_failure(&self, out: &mut String, node: &Node) {
        let critical = matches!(node.detail, NodeDetail::Process(_))
            && node
                .criticality()
                .is_some_and(|c| c.get() >= riskgraph_engine::rank::CRITICAL_PROCESS);
        if !critical {
            return;
        }
        let points = &self.explanation.single_points_of_failure;
        let _ = writeln!(
            out,
            "Single points of failure of this critical process (availability impact {DEFAULT_SPOF} or more, no alternative on the way): {}",
            if points.is_empty() {
                "none".to_owned()
            } else {
                points.len().to_string()
            }
        );
        for point in points {
            let failing = self.inventory.node(point.node);
            let _ = writeln!(
                out,
                "    {:.2} A  {} ({}, {})",
                point.impact(),
                failing.id,
                describe_kind(failing),
                count(point.hops, "hop", "hops")
            );
        }
        out.push('\n');
    }

    fn scores(&self, out: &mut String) {
        let explanation = self.explanation;
        let risk = explanation.risk();
        let levels = &self.inventory.manifest.levels;
        match risk.source {
            Source::Threat(_) => {
                let _ = writeln!(
                    out,
                    "likelihood(threat, node, ctx)           = {}",
                    explanation.inherent.likelihood
                );
                let _ = writeln!(
                    out,
                    "impact(threat, node, exposure, ctx)     = {}",
                    explanation.inherent.impact
                );
            }
            Source::Fraud => {
                let factors: Vec<String> = explanation
                    .assessment
                    .fraud_factors(risk)
                    .iter()
                    .map(|(name, value)| format!("{name} {value}"))
                    .collect();
                let _ = writeln!(
                    out,
                    "fraud(process, ctx)                     = likelihood {}, impact {} ({})",
                    explanation.inherent.likelihood,
                    explanation.inherent.impact,
                    or_dash(&factors)
                );
            }
        }
        let _ = writeln!(
            out,
            "inherent: {} x {} = {} {}\n",
            risk.inherent().likelihood,
            risk.inherent().impact,
            risk.inherent().score,
            levels[risk.inherent().level].name
        );
        let _ = writeln!(
            out,
            "Controls that mitigate the threat and apply to the node ({})",
            self.explanation.assessment.controls(risk).len()
        );
        for &c in self.explanation.assessment.controls(risk) {
            let c = &self.inventory.controls[c as usize];
            let mut frameworks: Vec<String> = c.soc2.iter().map(ToString::to_string).collect();
            frameworks.extend(c.iso27001.iter().map(|id| format!("A.{id}")));
            let _ = writeln!(
                out,
                "  {} \"{}\": {}, effectiveness {}, reduces {}, due {}; {}",
                c.id,
                c.name,
                c.status.as_str(),
                c.effectiveness
                    .map_or_else(|| "- (0)".to_owned(), |e| e.get().to_string()),
                c.reduces.as_str(),
                date(c.due),
                or_dash(&frameworks)
            );
        }
        let _ = writeln!(
            out,
            "residual(inherent, controls, ctx)       = likelihood {}, impact {}",
            explanation.residual.likelihood, explanation.residual.impact
        );
        let _ = writeln!(
            out,
            "residual: {} x {} = {} {}\n",
            risk.residual().likelihood,
            risk.residual().impact,
            risk.residual().score,
            levels[risk.residual().level].name
        );
    }

    fn evaluation(&self, out: &mut String) {
        let inventory = self.inventory;
        let manifest = &inventory.manifest;
        let risk = self.explanation.risk();
        let _ = writeln!(
            out,
            "Appetite: {} ({} is {} the appetite, {})",
            if risk.within_appetite {
                "within"
            } else {
                "above"
            },
            manifest.levels[risk.residual().level].name,
            if risk.within_appetite {
                "at or below"
            } else {
                "above"
            },
            manifest.appetite
        );
        match risk.treatment.row {
            Some(row) => {
                let t = &inventory.treatments[row as usize];
                let _ = writeln!(
                    out,
                    "Treatment: {} (treatments.csv pattern `{}`), status {}, owner {}, justification {}, approved by {} on {}, expires {}, ticket {}",
                    risk.treatment.decision.as_str(),
                    t.risk,
                    t.status.map_or("-", Vocabulary::as_str),
                    text(t.owner.as_deref()),
                    text(t.justification.as_deref()),
                    text(t.approved_by.as_deref()),
                    date(t.approved_on),
                    date(t.expires),
                    text(t.ticket.as_deref()),
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "Treatment: {} (default: no row of treatments.csv matches; mitigate above appetite, accept within)",
                    risk.treatment.decision.as_str()
                );
            }
        }
        let _ = writeln!(
            out,
            "Owner: {}; next review {}",
            text(risk.owner(inventory)),
            risk.next_review
        );
        let findings = self.explanation.assessment.findings(inventory, risk);
        if findings.is_empty() {
            out.push_str("Findings: none\n");
        } else {
            out.push_str("Findings:\n");
            for finding in &findings {
                let _ = writeln!(out, "  {}: {}", finding.code(), finding.message(inventory));
            }
        }
    }
}

/// `asset/data`, `process`, `vendor`.
fn describe_kind(node: &Node) -> String {
    match &node.detail {
        NodeDetail::Asset(asset) => format!("asset/{}", asset.asset_type.as_str()),
        _ => node.kind().as_str().to_owned(),
    }
}

fn describe_node(node: &Node) -> String {
    let mut parts = vec![node.kind().as_str().to_owned()];
    match &node.detail {
        NodeDetail::Asset(a) => {
            parts.push(a.asset_type.as_str().to_owned());
            parts.push(format!(
                "C{} I{} A{}",
                rating(a.confidentiality),
                rating(a.integrity),
                rating(a.availability)
            ));
            parts.push(format!(
                "classification {}",
                a.classification.map_or("-", Vocabulary::as_str)
            ));
            if a.personal_data {
                parts.push("personal data".to_owned());
            }
            parts.push(format!(
                "environment {}",
                a.environment.map_or("-", Vocabulary::as_str)
            ));
            parts.push(format!(
                "lifecycle {}",
                a.lifecycle.map_or("-", Vocabulary::as_str)
            ));
        }
        NodeDetail::Process(p) => {
            parts.push(format!("criticality {}", rating(p.criticality)));
            parts.push(format!(
                "financial {}",
                if p.financial { "yes" } else { "no" }
            ));
            parts.push(format!(
                "segregation of duties {}",
                p.segregation_of_duties.map_or("-", Vocabulary::as_str)
            ));
            parts.push(format!(
                "manual override {}",
                if p.manual_override { "yes" } else { "no" }
            ));
        }
        NodeDetail::Vendor(v) => {
            parts.push(format!("criticality {}", rating(v.criticality)));
            parts.push(format!(
                "data access {}",
                v.data_access.map_or("-", Vocabulary::as_str)
            ));
        }
    }
    let tags: Vec<String> = node.tags.iter().map(ToString::to_string).collect();
    parts.push(format!("tags {}", or_dash(&tags)));
    parts.push(format!("owner {}", text(node.owner.as_deref())));
    format!("{} \"{}\": {}", node.id, node.name, parts.join(", "))
}
