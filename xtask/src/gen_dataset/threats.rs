//! `threats.csv` and `vulnerabilities.csv`.
//!
//! One threat per risk category, then per-domain variants (`tag:payments&type:data`) until there
//! are about 200. Their targets are narrow on purpose: together they select about one
//! (node, threat) pair per node, as a curated register does.
//!
//! [`Breadth::Broad`] writes the threat lists many organizations start from instead: after the
//! core threats, four in five target a whole class of nodes ("ransomware on every server", "a
//! breach of any data asset"), so a million nodes give tens of millions of risks.

use std::io::Write;
use std::path::Path;

use fastrand::Rng;

use super::nodes::Inventory;
use super::selector::Counter;
use super::vocab::DOMAINS;
use super::{Date, Layer, Stream, Text, chance, create, finish, rng_for, weighted};
use crate::Result;

struct ThreatTemplate {
    category: &'static str,
    name: &'static str,
    source: &'static str,
    affects: &'static str,
    /// Selectors; `{d}` stands for a domain tag.
    targets: &'static str,
    /// Used instead of `targets` when they select nothing in a small inventory (core threats only).
    fallback: &'static str,
    likelihood: u8,
    description: &'static str,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one argument per column of a table row"
)]
const fn threat(
    category: &'static str,
    name: &'static str,
    source: &'static str,
    affects: &'static str,
    targets: &'static str,
    fallback: &'static str,
    likelihood: u8,
    description: &'static str,
) -> ThreatTemplate {
    ThreatTemplate {
        category,
        name,
        source,
        affects,
        targets,
        fallback,
        likelihood,
        description,
    }
}

/// One threat per category, in the order of `CATEGORIES`.
#[rustfmt::skip] // A table: one row per line reads better.
const CORE_THREATS: [ThreatTemplate; 20] = [
    threat("cyber-attack", "Ransomware on internet-facing applications", "adversarial", "C;I;A",
        "type:software&tag:internet-facing; type:service&tag:internet-facing", "type:software", 3,
        "A criminal group encrypts systems reachable from the internet and demands a ransom"),
    threat("data-breach", "Exfiltration of restricted data", "adversarial", "C",
        "type:data&classification:restricted", "type:data", 3,
        "An attacker or a leaky integration copies restricted records out of the estate"),
    threat("natural-disaster", "Flood, fire or power loss at a site", "environmental", "A",
        "type:facility", "type:facility", 2,
        "A site becomes unusable for days, taking down what is hosted or worked on there"),
    threat("service-outage", "Prolonged outage of a critical vendor", "structural", "A",
        "kind:vendor&tag:critical", "kind:vendor", 3,
        "A vendor the business relies on is unavailable for more than a day"),
    threat("supply-chain", "Compromise of a vendor that processes personal data", "adversarial", "C;I",
        "kind:vendor&tag:subprocessor", "kind:vendor", 2,
        "An attacker reaches customer data through a subprocessor's systems or software updates"),
    threat("insider", "Misuse of privileged access by an insider", "adversarial", "C;I",
        "type:personnel&tag:privileged", "type:personnel", 2,
        "An administrator abuses standing access to read or change data"),
    threat("data-integrity", "Silent corruption of financial records", "accidental", "I",
        "type:data&tag:financial", "type:data", 2,
        "A faulty job or migration corrupts records that feed financial reporting"),
    threat("configuration", "Misconfigured internet-facing cloud network", "accidental", "C;A",
        "env:cloud&type:network&tag:internet-facing", "type:network", 3,
        "Configuration drift opens a management port or a private subnet to the internet"),
    threat("physical", "Theft or loss of a personal device", "adversarial", "C;A",
        "type:hardware&tag:byod", "type:hardware", 3,
        "A laptop or phone with company data is stolen or left behind"),
    threat("application-security", "Injection flaw in a customer-facing application", "adversarial", "C;I",
        "type:software&tag:customer-facing", "type:software", 3,
        "An injection or access-control flaw lets a user read or change other customers' data"),
    threat("legal-compliance", "Breach of PCI DSS obligations", "structural", "C",
        "type:data&tag:pci", "type:data", 2,
        "Card data is stored or handled outside the controls PCI DSS requires"),
    threat("privacy", "Personal data processed without a lawful basis", "structural", "C",
        "type:data&tag:pii&env:saas", "type:data", 2,
        "Personal data flows to a SaaS tool without a processing agreement or a lawful basis"),
    threat("incident-response", "Late detection of an attack on a crown jewel", "structural", "C;I;A",
        "tag:crown-jewel", "type:data", 2,
        "An intrusion goes unnoticed for weeks because alerts are missing or ignored"),
    threat("business-continuity", "Loss of a critical business process", "structural", "A",
        "kind:process&tag:critical", "kind:process", 2,
        "A critical process stops and cannot be restored within its recovery time objective"),
    threat("cloud", "Shared-responsibility gap on restricted cloud data", "accidental", "C",
        "env:cloud&type:data&classification:restricted", "type:data", 3,
        "The team assumes the provider secures what the customer must configure, such as bucket policies"),
    threat("legacy", "Exploitation of an unsupported system", "adversarial", "C;I;A",
        "tag:legacy&type:software; tag:legacy&type:hardware", "type:software", 3,
        "A system past end of support has known, unpatchable vulnerabilities"),
    threat("remote-work", "Compromise of a remote worker's home setup", "adversarial", "C",
        "type:personnel&tag:remote", "type:personnel", 3,
        "An unmanaged home network or shared device exposes company sessions"),
    threat("social-engineering", "Business email compromise of the finance team", "adversarial", "C;I",
        "type:personnel&tag:finance-team", "type:personnel", 4,
        "A spoofed executive or supplier convinces staff to change bank details or pay an invoice"),
    threat("emerging-technology", "Abuse of AI features and IoT devices", "adversarial", "C;I",
        "tag:ai; tag:iot", "type:software", 2,
        "Prompt injection, model data leakage or takeover of connected devices"),
    threat("fraud", "Fraudulent payment through a financial process", "adversarial", "I",
        "kind:process&tag:financial", "kind:process", 2,
        "Someone with access to a financial process diverts money, alone or in collusion"),
];

/// Per-domain threats; `{d}` stands for the domain.
#[rustfmt::skip] // A table: one row per line reads better.
const DOMAIN_THREATS: [ThreatTemplate; 10] = [
    threat("cyber-attack", "Credential stuffing against {d} applications", "adversarial", "C;I",
        "tag:{d}&type:software", "", 3, "Reused passwords are replayed against {d} logins"),
    threat("data-breach", "Leak of {d} data", "adversarial", "C",
        "tag:{d}&type:data", "", 2, "Data of the {d} domain ends up outside the company"),
    threat("service-outage", "Outage of {d} infrastructure", "accidental", "A",
        "tag:{d}&type:hardware", "", 3, "Hosts of the {d} domain fail or are exhausted"),
    threat("configuration", "Misconfiguration of {d} networks", "accidental", "C;A",
        "tag:{d}&type:network", "", 3, "A rule change in {d} networks exposes or cuts off services"),
    threat("insider", "Insider abuse in the {d} team", "adversarial", "C;I",
        "tag:{d}&type:personnel", "", 2, "Someone in the {d} team misuses their access"),
    threat("data-integrity", "Corruption of confidential {d} records", "accidental", "I",
        "tag:{d}&type:data&classification:confidential", "", 2,
        "A bad deployment or script corrupts {d} records"),
    threat("application-security", "Vulnerable third-party component in {d} services", "adversarial",
        "C;I;A", "tag:{d}&type:service", "", 3, "A library or plugin used by {d} services is exploited"),
    threat("business-continuity", "Disruption of {d} processes", "structural", "A",
        "tag:{d}&kind:process", "", 2, "The {d} processes stop for longer than the business tolerates"),
    threat("privacy", "Over-collection of personal data in {d}", "structural", "C",
        "tag:{d}&tag:pii", "", 2, "The {d} domain keeps more personal data, or longer, than it needs"),
    threat("cloud", "Publicly exposed {d} storage in the cloud", "accidental", "C",
        "tag:{d}&env:cloud&type:data", "", 3, "A {d} bucket or snapshot is made public by mistake"),
];

/// Threats on whole classes of nodes, for [`Breadth::Broad`]; `{d}` stands for the variant's number.
#[rustfmt::skip] // A table: one row per line reads better.
const BROAD_THREATS: [ThreatTemplate; 10] = [
    threat("cyber-attack", "Ransomware on any server ({d})", "adversarial", "I;A",
        "type:hardware", "", 3, "Criminals encrypt whatever host they reach and demand a ransom"),
    threat("data-breach", "Breach of any data asset ({d})", "adversarial", "C",
        "type:data", "", 3, "Records of any kind are copied out of the estate"),
    threat("service-outage", "Outage of any cloud asset ({d})", "structural", "A",
        "kind:asset&env:cloud", "", 3, "A provider's region or service fails and takes its tenants down"),
    threat("business-continuity", "Disruption of any business process ({d})", "structural", "A",
        "kind:process", "", 2, "A process stops for longer than the business tolerates"),
    threat("application-security", "Exploited flaw in any application ({d})", "adversarial", "C;I;A",
        "type:software; type:service", "", 3, "A known flaw in code or a dependency is exploited"),
    threat("configuration", "Misconfiguration of any network ({d})", "accidental", "C;A",
        "type:network", "", 3, "A change opens or cuts off a network segment"),
    threat("social-engineering", "Phishing of any employee ({d})", "adversarial", "C;I",
        "type:personnel", "", 4, "A convincing message gets credentials or a payment"),
    threat("supply-chain", "Compromise of any vendor ({d})", "adversarial", "C;I",
        "kind:vendor", "", 2, "An attacker reaches the company through a supplier"),
    threat("insider", "Misuse of any asset by an insider ({d})", "adversarial", "C;I",
        "kind:asset", "", 2, "Someone with legitimate access uses it against the company"),
    threat("cloud", "Exposed cloud data ({d})", "accidental", "C",
        "env:cloud&type:data; env:saas&type:data", "", 3,
        "Storage is shared more widely than intended"),
];

/// What the threats target: narrow selectors (about one risk per node) or whole classes of nodes
/// (tens of risks per node).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Breadth {
    #[default]
    Narrow,
    Broad,
}

/// About 200 threats for large inventories, 20 (one per category) for small ones.
fn threat_count(nodes: usize) -> usize {
    (CORE_THREATS.len() + nodes / 5_000).min(200)
}

fn threat_id(number: usize) -> String {
    format!("threat-{number:03}")
}

/// Writes `threats.csv`; returns the number of threats and of (in-scope node, threat) pairs.
pub fn write_threats(
    dir: &Path,
    in_scope: &Counter,
    nodes: usize,
    breadth: Breadth,
    seed: u64,
) -> Result<(usize, u64)> {
    let mut rng = rng_for(seed, Stream::Threats);
    let mut out = create(dir, "threats.csv")?;
    writeln!(
        out,
        "id,name,category,source,affects,targets,likelihood,description,tags"
    )?;
    let mut written = 0;
    let mut pairs = 0;
    for template in &CORE_THREATS {
        // Small inventories may lack what a narrow selector asks for.
        let (targets, selected) = [template.targets, template.fallback, "*"]
            .into_iter()
            .map(|targets| (targets, in_scope.count(targets)))
            .find(|&(_, selected)| selected > 0)
            .unwrap_or(("*", 0));
        written += 1;
        pairs += selected;
        write_threat(
            &mut out,
            &threat_id(written),
            template,
            targets,
            "",
            &mut rng,
        )?;
    }
    // Walk (domain, template) combinations so that consecutive threats cover every domain and
    // each domain gets different templates; skip combinations that select nothing.
    let combinations = DOMAINS.len() * DOMAIN_THREATS.len();
    for index in 0..combinations {
        if written == threat_count(nodes) {
            break;
        }
        // Broad lists: four in five of the threats after the core ones target a class of nodes.
        if breadth == Breadth::Broad && index % 5 != 4 {
            let template = &BROAD_THREATS[index % BROAD_THREATS.len()];
            let variant = (index / BROAD_THREATS.len() + 1).to_string();
            let selected = in_scope.count(template.targets);
            if selected > 0 {
                written += 1;
                pairs += selected;
                let id = threat_id(written);
                write_threat(
                    &mut out,
                    &id,
                    template,
                    template.targets,
                    &variant,
                    &mut rng,
                )?;
                continue;
            }
        }
        let domain = DOMAINS[index % DOMAINS.len()];
        let template = &DOMAIN_THREATS[(index / DOMAINS.len() * 3 + index) % DOMAIN_THREATS.len()];
        let targets = template.targets.replace("{d}", domain);
        let selected = in_scope.count(&targets);
        if selected == 0 {
            continue;
        }
        written += 1;
        pairs += selected;
        write_threat(
            &mut out,
            &threat_id(written),
            template,
            &targets,
            domain,
            &mut rng,
        )?;
    }
    finish(out)?;
    Ok((written, pairs))
}

fn write_threat(
    out: &mut impl Write,
    id: &str,
    template: &ThreatTemplate,
    targets: &str,
    // A domain tag, or a broad threat's variant number; empty for core threats.
    domain: &str,
    rng: &mut Rng,
) -> Result<()> {
    let name = template.name.replace("{d}", domain);
    let description = template.description.replace("{d}", domain);
    let likelihood = (template.likelihood + rng.u8(0..=2)).clamp(2, 6) - 1;
    let tags = if domain.is_empty() || domain.starts_with(|c: char| c.is_ascii_digit()) {
        "baseline"
    } else {
        domain
    };
    writeln!(
        out,
        "{id},{},{},{},{},{targets},{likelihood},{},{tags}",
        Text(&name),
        template.category,
        template.source,
        template.affects,
        Text(&description),
    )?;
    Ok(())
}

/// Writes `vulnerabilities.csv`, about one per 200 nodes; returns how many.
pub fn write_vulnerabilities(
    inventory: &Inventory,
    dir: &Path,
    in_scope: &Counter,
    seed: u64,
) -> Result<usize> {
    /// Flaws of applications and of infrastructure: name, category, and threats they feed.
    const APP_FLAWS: [(&str, &str); 6] = [
        (
            "SQL injection in search endpoint",
            "category:application-security",
        ),
        ("Exposed debug endpoint", "category:application-security"),
        (
            "Server-side request forgery",
            "category:application-security",
        ),
        ("Hard-coded API key in repository", "category:data-breach"),
        ("Outdated TLS library", "category:cyber-attack"),
        ("Missing MFA on admin console", "category:cyber-attack"),
    ];
    const INFRA_FLAWS: [(&str, &str); 6] = [
        ("Unpatched hypervisor", "category:legacy"),
        ("Weak TLS configuration", "category:configuration"),
        ("Default administrator credentials", "category:cyber-attack"),
        ("Unsupported operating system", "category:legacy"),
        ("Overly permissive firewall rule", "category:configuration"),
        ("Publicly readable storage snapshot", "category:cloud"),
    ];
    /// Flaws found on a whole class of nodes at once.
    const WIDESPREAD: [(&str, &str, &str); 4] = [
        (
            "tag:legacy&type:software",
            "Unsupported runtime in legacy applications",
            "category:legacy",
        ),
        (
            "tag:legacy&type:hardware",
            "Unsupported firmware on legacy hosts",
            "category:legacy",
        ),
        (
            "type:network&tag:internet-facing",
            "Exposed management interface",
            "category:cyber-attack",
        ),
        (
            "tag:iot",
            "Default credentials on IoT devices",
            "category:emerging-technology",
        ),
    ];
    let mut rng = rng_for(seed, Stream::Vulnerabilities);
    let mut out = create(dir, "vulnerabilities.csv")?;
    writeln!(out, "id,name,targets,threats,severity,cve,status,found")?;
    let count = (inventory.nodes.len() / 200).max(5);
    let width = count.to_string().len().max(5);
    let plan = &inventory.plan;
    for number in 1..=count {
        // Vulnerabilities live in applications, hardware and networks.
        let (layers, flaws, known_threats) = if chance(&mut rng, 0.5) {
            (plan.range(Layer::App), &APP_FLAWS, "threat-001;threat-010")
        } else {
            (
                plan.span(Layer::Hardware, Layer::Network),
                &INFRA_FLAWS,
                "threat-008;threat-016",
            )
        };
        let first = inventory.id(rng.usize(layers.clone()));
        let second = inventory.id(rng.usize(layers));
        let (mut name, mut category) = flaws[rng.usize(..flaws.len())];
        let (selector, widespread_name, widespread_category) =
            WIDESPREAD[rng.usize(..WIDESPREAD.len())];
        let targets = match weighted(&mut rng, &[45, 40, 10, 5]) {
            0 => format!("id:{first}"),
            1 => first.to_string(),
            2 => format!("id:{first}; id:{second}"),
            _ if in_scope.count(selector) > 0 => {
                (name, category) = (widespread_name, widespread_category);
                selector.to_owned()
            }
            _ => first.to_string(),
        };
        let threats = match weighted(&mut rng, &[40, 40, 20]) {
            0 => "",
            1 => category,
            _ => known_threats,
        };
        let severity = 1 + weighted(&mut rng, &[10, 20, 35, 25, 10]);
        let cve = if chance(&mut rng, 0.6) {
            format!("CVE-{}-{}", rng.u16(2019..=2025), rng.u32(1_000..50_000))
        } else {
            String::new()
        };
        let status = if chance(&mut rng, 0.65) {
            "open"
        } else {
            "remediated"
        };
        let found = Date::random(&mut rng, 2024..2026);
        writeln!(
            out,
            "vuln-{number:0width$},{name},{targets},{threats},{severity},{cve},{status},{found}"
        )?;
    }
    finish(out)?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen_dataset::vocab::CATEGORIES;

    #[test]
    fn core_threats_cover_every_category_in_order() {
        let categories: Vec<&str> = CORE_THREATS.iter().map(|t| t.category).collect();
        assert_eq!(categories, CATEGORIES);
    }

    #[test]
    fn templates_use_known_selector_terms() {
        let counter = Counter::new(std::iter::empty());
        for template in CORE_THREATS
            .iter()
            .chain(&DOMAIN_THREATS)
            .chain(&BROAD_THREATS)
        {
            counter.count(&template.targets.replace("{d}", DOMAINS[0]));
        }
    }
}
