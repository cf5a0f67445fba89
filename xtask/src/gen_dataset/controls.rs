//! `controls.csv`: baseline controls mapped to SOC 2 criteria and ISO 27001:2022 Annex A, then
//! the same controls scoped to one business domain each, as large organizations run them.

use std::io::Write;
use std::path::Path;

use fastrand::Rng;

use super::selector::Counter;
use super::vocab::{CONTROL_OWNERS, DOMAINS};
use super::{Date, Stream, Text, chance, create, finish, rng_for, weighted};
use crate::Result;

struct ControlTemplate {
    name: &'static str,
    reduces: &'static str,
    mitigates: &'static str,
    applies_to: &'static str,
    soc2: &'static str,
    iso27001: &'static str,
}

const fn control(
    name: &'static str,
    reduces: &'static str,
    mitigates: &'static str,
    applies_to: &'static str,
    soc2: &'static str,
    iso27001: &'static str,
) -> ControlTemplate {
    ControlTemplate {
        name,
        reduces,
        mitigates,
        applies_to,
        soc2,
        iso27001,
    }
}

/// Baseline controls with their SOC 2 criteria and ISO 27001:2022 Annex A controls.
#[rustfmt::skip] // A table: one row per line reads better.
const CONTROLS: [ControlTemplate; 30] = [
    control("Multi-factor authentication", "likelihood",
        "category:cyber-attack;category:social-engineering;category:remote-work", "kind:asset",
        "CC6.1;CC6.2", "5.17;8.5"),
    control("Quarterly access reviews", "likelihood", "category:insider;category:fraud", "*",
        "CC6.2;CC6.3", "5.15;5.18;8.2"),
    control("Vulnerability scanning and patching", "likelihood",
        "category:cyber-attack;category:application-security;category:legacy",
        "type:software; type:hardware; type:network", "CC7.1", "8.8"),
    control("Change management with peer review", "likelihood",
        "category:configuration;category:data-integrity", "type:software; type:network", "CC8.1",
        "8.32;8.9"),
    control("Vendor due diligence and annual review", "likelihood",
        "category:supply-chain;category:service-outage", "kind:vendor", "CC9.2", "5.19;5.20;5.21;5.22"),
    control("Encrypted and tested backups", "impact",
        "category:business-continuity;category:data-integrity;category:service-outage", "type:data",
        "A1.2;A1.3", "8.13"),
    control("Disaster recovery plan and failover", "impact",
        "category:natural-disaster;category:business-continuity;category:service-outage", "*",
        "A1.2;A1.3;CC7.5", "5.29;5.30;8.14"),
    control("Centralized logging and alerting", "both",
        "category:cyber-attack;category:insider;category:incident-response", "kind:asset",
        "CC7.2;CC7.3", "8.15;8.16"),
    control("Incident response plan and exercises", "impact",
        "category:incident-response;category:cyber-attack;category:data-breach", "*",
        "CC7.3;CC7.4;CC7.5", "5.24;5.25;5.26;5.27"),
    control("Encryption at rest", "impact", "category:data-breach;category:privacy;category:physical",
        "type:data; type:hardware", "CC6.1;CC6.7;C1.1", "8.24"),
    control("Network segmentation and firewalls", "likelihood",
        "category:cyber-attack;category:configuration", "type:network", "CC6.6", "8.20;8.22"),
    control("Secure development lifecycle", "likelihood", "category:application-security",
        "type:software", "CC8.1", "8.25;8.28;8.29"),
    control("Security awareness training", "likelihood",
        "category:social-engineering;category:insider;category:remote-work", "type:personnel",
        "CC1.4;CC2.2", "6.3"),
    control("Background screening", "likelihood", "category:insider;category:fraud", "type:personnel",
        "CC1.4", "6.1;6.2"),
    control("Physical access control", "likelihood", "category:physical;category:natural-disaster",
        "type:facility; type:hardware", "CC6.4", "7.1;7.2;7.4"),
    control("Cloud security posture management", "likelihood", "category:cloud;category:configuration",
        "env:cloud", "CC6.6;CC7.1", "5.23;8.9"),
    control("Data retention and deletion", "impact", "category:privacy;category:legal-compliance",
        "type:data", "C1.2", "5.33;5.34;8.10"),
    control("Legal and regulatory register", "likelihood", "category:legal-compliance", "*",
        "CC2.3;CC3.1", "5.31;5.32"),
    control("Endpoint protection and device management", "likelihood",
        "category:remote-work;category:physical;category:cyber-attack", "env:endpoint; env:mobile",
        "CC6.8", "8.1;8.7"),
    control("Segregation of duties", "likelihood", "category:fraud", "kind:process", "CC5.1;CC6.3", "5.3"),
    control("Fraud risk assessment", "likelihood", "category:fraud", "kind:process&tag:financial",
        "CC3.3", "5.1"),
    control("Capacity and availability monitoring", "impact", "category:service-outage", "kind:asset",
        "A1.1;CC7.2", "8.6;8.16"),
    control("AI and emerging technology review", "likelihood", "category:emerging-technology",
        "tag:ai; tag:iot", "CC3.4", "5.7;5.8"),
    control("Legacy system isolation and replacement plan", "likelihood", "category:legacy",
        "tag:legacy", "CC6.6;CC7.1", "8.8;8.22"),
    control("Configuration baselines and drift detection", "likelihood", "category:configuration",
        "type:hardware; type:network", "CC7.1;CC8.1", "8.9"),
    control("Reconciliations and data integrity checks", "both",
        "category:data-integrity;category:fraud", "type:data&tag:financial; kind:process&tag:financial",
        "CC4.1;CC5.2", "5.37;8.16"),
    control("Business continuity plan", "impact",
        "category:business-continuity;category:natural-disaster", "kind:process", "CC9.1;A1.3",
        "5.29;5.30"),
    control("Information security policies and governance", "likelihood",
        "category:legal-compliance;category:insider", "*", "CC1.1;CC1.2;CC1.3;CC5.3", "5.1;5.2;5.4"),
    control("Subprocessor and data processing agreements", "impact",
        "category:privacy;category:supply-chain", "kind:vendor&tag:subprocessor", "CC9.2;C1.1",
        "5.20;5.34"),
    control("Threat intelligence and risk assessment", "likelihood",
        "category:cyber-attack;category:emerging-technology", "*", "CC2.1;CC3.1;CC3.2;CC4.2", "5.7"),
];

/// Writes `controls.csv`: the baseline controls, then per-domain variants, about one per 1,000
/// nodes (at most one per template and domain, 1,230); returns how many.
pub fn write_controls(dir: &Path, in_scope: &Counter, nodes: usize, seed: u64) -> Result<usize> {
    let mut rng = rng_for(seed, Stream::Controls);
    let mut out = create(dir, "controls.csv")?;
    writeln!(
        out,
        "id,name,owner,status,effectiveness,reduces,mitigates,applies_to,soc2,iso27001,due,last_tested,tags"
    )?;
    let count = (nodes / 1_000).max(20);
    let width = count.to_string().len().max(4);
    let mut written = 0;
    for index in 0..CONTROLS.len() * (1 + DOMAINS.len()) {
        if written == count {
            break;
        }
        let template = &CONTROLS[index % CONTROLS.len()];
        let round = index / CONTROLS.len();
        let (name, applies_to, tags) = if round == 0 {
            let applies_to = template.applies_to.to_owned();
            (template.name.to_owned(), applies_to, "baseline".to_owned())
        } else {
            // 11 and 40 are coprime: over 40 rounds each template is scoped to every domain.
            let domain = DOMAINS[(round * 11 + index % CONTROLS.len() * 7) % DOMAINS.len()];
            let scoped = scope_to_domain(template.applies_to, domain);
            (
                format!("{} ({domain})", template.name),
                scoped,
                domain.to_owned(),
            )
        };
        if in_scope.count(&applies_to) == 0 {
            continue;
        }
        written += 1;
        let id = format!("ctl-{written:0width$}");
        write_control(&mut out, &id, &name, template, &applies_to, &tags, &mut rng)?;
    }
    finish(out)?;
    Ok(written)
}

/// `applies_to` narrowed to one domain: each alternative gets `&tag:<domain>`.
fn scope_to_domain(applies_to: &str, domain: &str) -> String {
    let mut scoped = String::new();
    for alternative in applies_to.split(';').map(str::trim) {
        if !scoped.is_empty() {
            scoped.push_str("; ");
        }
        if alternative != "*" {
            scoped.push_str(alternative);
            scoped.push('&');
        }
        scoped.push_str("tag:");
        scoped.push_str(domain);
    }
    scoped
}

fn write_control(
    out: &mut impl Write,
    id: &str,
    name: &str,
    template: &ControlTemplate,
    applies_to: &str,
    tags: &str,
    rng: &mut Rng,
) -> Result<()> {
    let status =
        ["implemented", "partial", "planned", "not-implemented"][weighted(rng, &[60, 20, 15, 5])];
    let effectiveness = match status {
        "implemented" => f64::from(rng.u8(12..=19)) * 0.05,
        "partial" => f64::from(rng.u8(6..=12)) * 0.05,
        "planned" => 0.7,
        _ => 0.0,
    };
    let owner = CONTROL_OWNERS[rng.usize(..CONTROL_OWNERS.len())];
    // Both spellings of Annex A ids occur in real registers.
    let iso27001 = if chance(rng, 0.2) {
        template
            .iso27001
            .split(';')
            .map(|id| format!("A.{id}"))
            .collect::<Vec<_>>()
            .join(";")
    } else {
        template.iso27001.to_owned()
    };
    let due = match status {
        "planned" | "not-implemented" => Date::random(rng, 2025..2028).to_string(),
        _ => String::new(),
    };
    let last_tested = match status {
        "implemented" | "partial" => Date::random(rng, 2024..2026).to_string(),
        _ => String::new(),
    };
    writeln!(
        out,
        "{id},{},{owner},{status},{effectiveness:.2},{},{},{applies_to},{},{iso27001},{due},{last_tested},{tags}",
        Text(name),
        template.reduces,
        template.mitigates,
        template.soc2,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoping_to_a_domain_narrows_every_alternative() {
        assert_eq!(scope_to_domain("*", "hr"), "tag:hr");
        assert_eq!(
            scope_to_domain("type:data; kind:vendor", "hr"),
            "type:data&tag:hr; kind:vendor&tag:hr"
        );
    }

    #[test]
    fn templates_use_known_selector_terms() {
        let counter = Counter::new(std::iter::empty());
        for template in &CONTROLS {
            counter.count(template.applies_to);
        }
    }
}
