//! The readers of `controls.csv` and `soa.csv` (the Statement of Applicability), with the
//! parsing of the framework ids they cite: SOC 2 criteria and ISO 27001 Annex A controls of
//! either edition, checked against the embedded catalogs.

use crate::catalog;
use crate::diagnostic::Diagnostic;
use crate::load::table::Table;
use crate::manifest::IsoEdition;
use crate::records::{Applicability, Control};
use crate::selector::Selector;
use crate::values::{Date, Factor, Id, ValueError};
use crate::vocabulary::{ControlStatus, Reduces};

use super::{RowReader, define, parse_threat_ref, report_duplicate, selector};

/// `CC6.1`, `A1.2`, `C1.1`, `PI1.3`, `P4.2`: the shape of a SOC 2 criterion id.
fn parse_soc2(text: &str) -> Result<Box<str>, ValueError> {
    let upper = text.trim().to_ascii_uppercase();
    let letters_end = upper
        .find(|ch: char| ch.is_ascii_digit())
        .unwrap_or(upper.len());
    let (series, number) = upper.split_at(letters_end);
    let numeric = number.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|x| x.is_ascii_digit())
    });
    if matches!(series, "CC" | "A" | "C" | "PI" | "P") && numeric {
        Ok(Box::from(upper))
    } else {
        Err(ValueError::new(format!("`{text}` is not a SOC 2 criterion id"))
            .with_help("SOC 2 Trust Services Criteria ids look like `CC6.1`, `A1.2`, `C1.1`, `PI1.3` or `P4.2`"))
    }
}

/// `items` without repeats, in first-seen order.
fn unique(mut items: Vec<Box<str>>) -> Vec<Box<str>> {
    let mut seen = Vec::with_capacity(items.len());
    items.retain(|item| {
        let new = !seen.contains(item);
        if new {
            seen.push(item.clone());
        }
        new
    });
    items
}

/// A SOC 2 criterion of the catalog, upper-cased.
fn parse_criterion(text: &str) -> Result<Box<str>, ValueError> {
    let id = parse_soc2(text)?;
    if catalog::soc2_criterion(&id).is_some() {
        return Ok(id);
    }
    let help = match catalog::closest_soc2(&id) {
        Some(near) => format!("did you mean {near}? `riskgraph catalog list soc2` lists them all"),
        None => String::from("`riskgraph catalog list soc2` lists the criteria"),
    };
    Err(ValueError::new(format!("{id} is not a SOC 2 criterion")).with_help(help))
}

/// An Annex A control of the manifest's edition, as the 2022 controls it stands for (itself, or
/// the controls a 2013 one corresponds to), without the `A.` prefix.
fn parse_annex_a(text: &str, edition: IsoEdition) -> Result<Vec<Box<str>>, ValueError> {
    let bare = parse_iso(text)?;
    match edition {
        IsoEdition::Iso2022 => {
            if catalog::annex_a_2022(&bare).is_some() {
                return Ok(vec![bare]);
            }
            if catalog::annex_a_2013(&bare).is_some() {
                let ids: Vec<String> = catalog::to_2022(&bare).map(|c| c.iso2022.clone()).collect();
                return Err(ValueError::new(format!(
                    "A.{bare} is an ISO 27001:2013 id, and riskgraph.toml uses the 2022 edition"
                ))
                .with_help(format!(
                    "in 2022 it is {}; set [scope] iso27001 = \"2013\" in riskgraph.toml or use \
                     those ids",
                    ids.join(", ")
                )));
            }
            let help = match catalog::closest_2022(&bare) {
                Some(near) => format!(
                    "did you mean {near}? 2022 controls run 5.1-5.37, 6.1-6.8, 7.1-7.14 and 8.1-8.34"
                ),
                None => String::from("2022 controls run 5.1-5.37, 6.1-6.8, 7.1-7.14 and 8.1-8.34"),
            };
            Err(
                ValueError::new(format!("A.{bare} is not an ISO 27001:2022 Annex A control"))
                    .with_help(help),
            )
        }
        IsoEdition::Iso2013 => {
            if catalog::annex_a_2013(&bare).is_some() {
                return Ok(catalog::to_2022(&bare)
                    .map(|c| Box::from(c.iso2022.as_str()))
                    .collect());
            }
            if catalog::annex_a_2022(&bare).is_some() {
                return Err(ValueError::new(format!(
                    "A.{bare} is an ISO 27001:2022 id, and riskgraph.toml sets iso27001 = \"2013\""
                ))
                .with_help(
                    "write 2013 ids (A.5.1.1 to A.18.2.3), or set [scope] iso27001 = \"2022\" when \
                     the whole file uses 2022 ids",
                ));
            }
            let help = match catalog::closest_2013(&bare) {
                Some(near) => format!(
                    "did you mean {near}? `riskgraph catalog list iso27001:2013` lists them all"
                ),
                None => String::from("`riskgraph catalog list iso27001:2013` lists the controls"),
            };
            Err(
                ValueError::new(format!("A.{bare} is not an ISO 27001:2013 Annex A control"))
                    .with_help(help),
            )
        }
    }
}

/// `A.5.15` or `5.15` (2022), `A.9.2.1` (2013): the shape of an Annex A control id.
fn parse_iso(text: &str) -> Result<Box<str>, ValueError> {
    let trimmed = text.trim();
    let bare = trimmed
        .strip_prefix("A.")
        .or_else(|| trimmed.strip_prefix("a."))
        .unwrap_or(trimmed);
    let parts: Vec<&str> = bare.split('.').collect();
    let numeric = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|x| x.is_ascii_digit()));
    if numeric {
        Ok(Box::from(bare))
    } else {
        Err(
            ValueError::new(format!("`{text}` is not an ISO 27001 Annex A control id"))
                .with_help("Annex A ids look like `A.5.15` or `5.15` (2022) or `A.9.2.1` (2013)"),
        )
    }
}

pub(super) fn control_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let name = table.column("name");
    let owner = table.column("owner");
    let status = table.column("status");
    let effectiveness = table.column("effectiveness");
    let reduces = table.column("reduces");
    let mitigates = table.column("mitigates");
    let applies_to = table.column("applies_to");
    let soc2 = table.column("soc2");
    let iso27001 = table.column("iso27001");
    let due = table.column("due");
    let last_tested = table.column("last_tested");
    let tags = table.column("tags");
    let cost = table.column("cost");
    Box::new(move |c, state, inventory| {
        let Some(control_id) = define(c, state, id, "control") else {
            return;
        };
        let status = match c.text(status) {
            None => {
                c.report(
                    status,
                    Diagnostic::warning(
                        "missing-status",
                        format!(
                            "control `{control_id}` has no status; it counts as not implemented"
                        ),
                    )
                    .with_help("set status to implemented, partial, planned or not-implemented"),
                );
                ControlStatus::NotImplemented
            }
            Some(_) => c.vocab(status).unwrap_or(ControlStatus::NotImplemented),
        };
        let known = std::mem::take(&mut state.threat_ids);
        let edition = inventory.manifest.iso27001;
        let cited = c.list(iso27001, |item| {
            Ok((parse_iso(item)?, parse_annex_a(item, edition)?))
        });
        // Reports speak 2022: ids of 2013 stand for the 2022 controls they correspond to.
        let mut iso27001: Vec<Box<str>> = Vec::new();
        let mut iso27001_2013: Vec<Box<str>> = Vec::new();
        for (bare, ids) in cited {
            let written: Box<str> = format!("A.{bare}").into();
            if edition == IsoEdition::Iso2013 && !iso27001_2013.contains(&written) {
                iso27001_2013.push(written);
            }
            for id in ids {
                if !iso27001.contains(&id) {
                    iso27001.push(id);
                }
            }
        }
        let control = Control {
            id: control_id,
            name: c.required(name, |s| Ok(Box::from(s))).unwrap_or_default(),
            owner: c.shared(owner),
            status,
            effectiveness: c.parse(effectiveness, Factor::parse),
            reduces: c.vocab(reduces).unwrap_or(Reduces::Both),
            mitigates: c.list(mitigates, |item| parse_threat_ref(item, &known)),
            applies_to: selector(c, state, inventory, applies_to, false)
                .unwrap_or_else(Selector::all),
            soc2: unique(c.list(soc2, parse_criterion)),
            iso27001,
            iso27001_2013,
            due: c.parse(due, Date::parse),
            last_tested: c.parse(last_tested, Date::parse),
            tags: c.shared_list(tags),
            cost: c.parse(cost, crate::money::parse_amount),
            attributes: c.attributes(),
            row: c.row_ref(),
        };
        state.threat_ids = known;
        inventory.controls.push(control);
    })
}

pub(super) fn soa_reader(table: &Table<'_>) -> RowReader {
    let control = table.column("control");
    let applicable = table.column("applicable");
    let justification = table.column("justification");
    Box::new(move |c, state, inventory| {
        // The Statement of Applicability lists the 2022 controls, whatever the manifest's edition.
        let Some(id) = c.required(control, |text| {
            let bare = parse_iso(text)?;
            if catalog::annex_a_2013(&bare).is_some() {
                let ids: Vec<String> = catalog::to_2022(&bare).map(|c| c.iso2022.clone()).collect();
                return Err(ValueError::new(format!(
                    "A.{bare} is an ISO 27001:2013 id; the Statement of Applicability lists the 2022 controls"
                ))
                .with_help(format!("in 2022 it is {}", ids.join(", "))));
            }
            let ids = parse_annex_a(text, IsoEdition::Iso2022)?;
            Id::parse(&ids[0])
        }) else {
            return;
        };
        if let Some(&first) = state.seen_ids.get(&id) {
            report_duplicate(c, control, "Annex A control", &id, first);
            return;
        }
        state.seen_ids.insert(id.clone(), c.row_ref());
        let Some(applicable) = c.required(applicable, crate::values::parse_bool) else {
            return;
        };
        let justification = c.string(justification);
        if !applicable && justification.is_none() {
            c.report(
                control,
                Diagnostic::warning(
                    "exclusion-without-justification",
                    format!("Annex A {id} is excluded without a justification"),
                )
                .with_help("ISO 27001 6.1.3 asks for the reason of every exclusion; write it in `justification`"),
            );
        }
        inventory.soa.push(Applicability {
            control: Box::from(id.as_str()),
            applicable,
            justification,
            row: c.row_ref(),
        });
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_id_shapes() {
        assert_eq!(parse_soc2("cc6.1").as_deref(), Ok("CC6.1"));
        assert_eq!(parse_soc2("PI1.3").as_deref(), Ok("PI1.3"));
        assert!(parse_soc2("CC6").is_err());
        assert!(parse_soc2("XX1.1").is_err());
        assert_eq!(parse_iso("A.5.15").as_deref(), Ok("5.15"));
        assert_eq!(parse_iso("8.8").as_deref(), Ok("8.8"));
        assert_eq!(parse_iso("A.9.2.1").as_deref(), Ok("9.2.1"));
        assert!(parse_iso("A.5").is_err());
    }
}
