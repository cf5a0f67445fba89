//! What `riskgraph simulate` writes: the distribution of annual loss, the tolerance check, the
//! loss exceedance curves, and the loss per risk, per vendor and per control, as a terminal
//! table, Markdown, CSV, a workbook or a JSON document (see the README's "Simulation JSON").

use std::io::Write;

use riskgraph_engine::session::Checksum;
use riskgraph_engine::simulate::{ControlReturn, Distribution, RiskLoss, Simulation, VendorLoss};
use riskgraph_model::Inventory;
use riskgraph_model::vocabulary::Vocabulary;
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::Format;
use crate::sheets::{self, Sheet};
use crate::text::{Newlines, printable};
use crate::xlsx::{self, Kind};

/// The formats `simulate` writes.
pub const FORMATS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Csv,
    Format::Md,
    Format::Xlsx,
];

/// Risks a table or Markdown lists; the others formats list them all.
pub const HUMAN_RISKS: usize = 20;

/// The version of the JSON document's shape.
pub const SCHEMA_VERSION: u32 = 1;

/// A simulation with what its outputs name: the inventory, the assessment date and the
/// checksums of the inputs and rules.
pub struct Report<'a> {
    pub inventory: &'a Inventory,
    pub simulation: &'a Simulation,
    pub as_of: jiff::civil::Date,
    pub inputs: Vec<Checksum>,
    pub rules: Vec<Checksum>,
}

/// Writes `report` in `format`; a table is laid out `width` characters wide.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    report: &Report<'_>,
    width: usize,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Table | Format::Md => {
            let sheets = report.sheets(true);
            let text = if format == Format::Table {
                format!(
                    "{}\n{}",
                    report.preface(false),
                    sheets::table(&sheets, width)
                )
            } else {
                let mut text = sheets::markdown(&report.title(), &sheets);
                let at = text.find('\n').map_or(0, |at| at + 1);
                text.insert_str(at, &format!("\n{}", report.preface(true)));
                text
            };
            out.write_all(text.as_bytes())?;
        }
        Format::Csv => {
            let sheets = report.sheets(false);
            let keyed: Vec<(&str, &Sheet)> = SECTIONS.iter().copied().zip(&sheets).collect();
            sheets::write_csv_sections(&mut out, &keyed)?;
        }
        Format::Xlsx => {
            let sheets = report.sheets(false);
            let tabs: Vec<xlsx::Tab<'_>> = TABS
                .iter()
                .zip(&sheets)
                .map(|(name, sheet)| {
                    xlsx::Tab::of(name, sheet, vec![Kind::Auto; sheet.columns.len()])
                })
                .collect();
            out.write_all(&xlsx::workbook(&tabs, &[], report.as_of).map_err(xlsx::to_io)?)?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report.json())?;
            out.write_all(b"\n")?;
        }
        Format::Tree | Format::Html | Format::Dot | Format::Sarif => {
            return Err(crate::coverage::unsupported(format));
        }
    }
    out.flush()
}

/// The `section` of each sheet in CSV.
const SECTIONS: [&str; 6] = [
    "annual-loss",
    "tolerance",
    "exceedance",
    "risks",
    "vendors",
    "controls",
];

/// The worksheet of each sheet.
const TABS: [&str; 6] = [
    "Annual loss",
    "Tolerance",
    "Loss exceedance",
    "Risks",
    "Vendors",
    "Controls",
];

impl Report<'_> {
    fn title(&self) -> String {
        let organization = printable(&self.inventory.manifest.organization, Newlines::Replaced);
        format!("Annual loss simulation: {organization}")
    }

    /// The lines above the tables: what was simulated, and the verdict on tolerance.
    fn preface(&self, markdown: bool) -> String {
        let s = self.simulation;
        let currency = printable(&s.currency, Newlines::Replaced);
        let mut text = String::new();
        if !markdown {
            text.push_str(&self.title());
            text.push('\n');
        }
        let verdict = if s.tolerance.is_empty() {
            "No tolerance curve: add `tolerance` points to `[quant]` in riskgraph.toml."
        } else if s.within_tolerance {
            "The residual loss exceedance curve is within the tolerance curve."
        } else {
            "The residual loss exceedance curve crosses the tolerance curve."
        };
        let escape = |t: String| {
            if markdown {
                crate::register::markdown_cell(&t)
            } else {
                t
            }
        };
        text.push_str(&escape(format!(
            "As of {}: {} simulated years, seed {}, amounts in {currency} per year. {verdict}",
            self.as_of,
            group_digits(s.years),
            s.seed
        )));
        text.push('\n');
        text
    }

    /// The six sheets; `human` formats amounts and probabilities for reading and lists the top
    /// risks and part of the curve, otherwise every row with plain numbers.
    fn sheets(&self, human: bool) -> Vec<Sheet> {
        let s = self.simulation;
        let money = |x: f64| {
            if human {
                human_amount(x)
            } else {
                plain_amount(x)
            }
        };
        let chance = |p: f64| if human { percent(p) } else { format!("{p}") };
        let share = |p: f64| {
            if human {
                percent(p)
            } else {
                format!("{}", (p * 1e6).round() / 1e6)
            }
        };
        let rate = |r: f64| format!("{}", (r * 1e4).round() / 1e4);
        vec![
            summary_sheet(s, &money, &chance),
            Sheet {
                title: String::from("Loss tolerance"),
                columns: vec![
                    "annual loss above",
                    "tolerated",
                    "inherent",
                    "residual",
                    "within",
                ],
                rows: s
                    .tolerance
                    .iter()
                    .map(|t| {
                        vec![
                            money(t.loss),
                            chance(t.tolerated),
                            chance(t.inherent),
                            chance(t.residual),
                            String::from(if t.within { "yes" } else { "no" }),
                        ]
                    })
                    .collect(),
                empty: "no tolerance curve in [quant]",
            },
            Sheet {
                title: String::from("Loss exceedance: the chance of a larger annual loss"),
                columns: vec!["annual loss above", "inherent", "residual", "tolerated"],
                rows: s
                    .curve
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !human || i % 9 == 0 || i + 1 == s.curve.len())
                    .map(|(_, p)| {
                        vec![
                            money(p.loss),
                            chance(p.inherent),
                            chance(p.residual),
                            p.tolerance.map_or_else(String::new, &chance),
                        ]
                    })
                    .collect(),
                empty: "no simulated year has a loss",
            },
            self.risks_sheet(human, &money, &share, &rate),
            self.vendors_sheet(&money),
            self.controls_sheet(human, &money),
        ]
    }

    fn risks_sheet(
        &self,
        human: bool,
        money: &dyn Fn(f64) -> String,
        share: &dyn Fn(f64) -> String,
        rate: &dyn Fn(f64) -> String,
    ) -> Sheet {
        let s = self.simulation;
        let shown = if human {
            HUMAN_RISKS.min(s.risks.len())
        } else {
            s.risks.len()
        };
        let title = if shown < s.risks.len() {
            format!(
                "Risks by residual annual loss: the top {shown} of {}",
                group_digits(s.risks.len() as u64)
            )
        } else {
            String::from("Risks by residual annual loss")
        };
        Sheet {
            title,
            columns: vec![
                "risk",
                "events per year",
                "inherent mean",
                "mean",
                "P95",
                "share",
            ],
            rows: s.risks[..shown]
                .iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        if human {
                            format!("{} -> {}", rate(r.frequency[0]), rate(r.frequency[1]))
                        } else {
                            rate(r.frequency[1])
                        },
                        money(r.inherent_mean),
                        money(r.mean),
                        money(r.p95),
                        share(r.share),
                    ]
                })
                .collect(),
            empty: "no risks",
        }
    }

    fn vendors_sheet(&self, money: &dyn Fn(f64) -> String) -> Sheet {
        let inventory = self.inventory;
        Sheet {
            title: String::from(
                "Vendors: residual annual loss of the risks on them and of the events through them",
            ),
            columns: vec!["vendor", "name", "on it", "through it", "total"],
            rows: self
                .simulation
                .vendors
                .iter()
                .map(|v| {
                    let node = inventory.node(v.node);
                    vec![
                        node.id.to_string(),
                        node.name.to_string(),
                        money(v.on),
                        money(v.through),
                        money(v.on + v.through),
                    ]
                })
                .collect(),
            empty: "no vendors",
        }
    }

    fn controls_sheet(&self, human: bool, money: &dyn Fn(f64) -> String) -> Sheet {
        let inventory = self.inventory;
        Sheet {
            title: String::from("Controls by residual annual loss avoided"),
            columns: vec![
                "control",
                "name",
                "status",
                "loss avoided",
                "cost",
                "return",
            ],
            rows: self
                .simulation
                .controls
                .iter()
                .map(|c| {
                    let control = &inventory.controls[c.control as usize];
                    vec![
                        control.id.to_string(),
                        control.name.to_string(),
                        control.status.as_str().to_owned(),
                        money(c.avoided),
                        c.cost.map_or_else(String::new, money),
                        c.return_on_cost.map_or_else(String::new, |r| {
                            if human {
                                percent(r)
                            } else {
                                format!("{}", (r * 1e4).round() / 1e4)
                            }
                        }),
                    ]
                })
                .collect(),
            empty: "no controls",
        }
    }

    /// The JSON document, whose lists of risks, vendors and controls are written as they are
    /// serialized, never held as a document: a million risks would take gigabytes as values.
    fn json(&self) -> Document<'_> {
        let s = self.simulation;
        Document {
            schema_version: SCHEMA_VERSION,
            tool: json!({ "name": "riskgraph", "version": env!("CARGO_PKG_VERSION") }),
            organization: &self.inventory.manifest.organization,
            as_of: self.as_of.to_string(),
            currency: &s.currency,
            years: s.years,
            seed: s.seed,
            inputs: &self.inputs,
            rules: &self.rules,
            summary: json!({
                "inherent": distribution_json(&s.inherent),
                "residual": distribution_json(&s.residual),
            }),
            within_tolerance: s.within_tolerance,
            tolerance: s
                .tolerance
                .iter()
                .map(|t| {
                    json!({
                        "loss": cents(t.loss),
                        "tolerated": t.tolerated,
                        "inherent": t.inherent,
                        "residual": t.residual,
                        "within": t.within,
                    })
                })
                .collect(),
            curve: s
                .curve
                .iter()
                .map(|p| {
                    json!({
                        "loss": cents(p.loss),
                        "inherent": p.inherent,
                        "residual": p.residual,
                        "tolerance": p.tolerance,
                    })
                })
                .collect(),
            risks: Risks(&s.risks),
            vendors: Vendors(&s.vendors, self.inventory),
            controls: Controls(&s.controls, self.inventory),
        }
    }
}

/// The JSON document of a simulation.
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Value,
    organization: &'a str,
    as_of: String,
    currency: &'a str,
    years: u64,
    seed: u64,
    inputs: &'a [Checksum],
    rules: &'a [Checksum],
    summary: Value,
    within_tolerance: bool,
    tolerance: Vec<Value>,
    curve: Vec<Value>,
    risks: Risks<'a>,
    vendors: Vendors<'a>,
    controls: Controls<'a>,
}

/// The risks, serialized one by one as they are written.
struct Risks<'a>(&'a [RiskLoss]);

impl Serialize for Risks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|r| RiskJson {
            id: &r.id,
            frequency: Runs {
                inherent: r.frequency[0],
                residual: r.frequency[1],
            },
            inherent_mean: cents(r.inherent_mean),
            mean: cents(r.mean),
            p95: cents(r.p95),
            share: r.share,
        }))
    }
}

#[derive(Serialize)]
struct RiskJson<'a> {
    id: &'a str,
    frequency: Runs,
    inherent_mean: f64,
    mean: f64,
    p95: f64,
    share: f64,
}

#[derive(Serialize)]
struct Runs {
    inherent: f64,
    residual: f64,
}

/// The vendors, serialized one by one.
struct Vendors<'a>(&'a [VendorLoss], &'a Inventory);

impl Serialize for Vendors<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|v| {
            let node = self.1.node(v.node);
            VendorJson {
                id: node.id.as_str(),
                name: &node.name,
                on: cents(v.on),
                through: cents(v.through),
            }
        }))
    }
}

#[derive(Serialize)]
struct VendorJson<'a> {
    id: &'a str,
    name: &'a str,
    on: f64,
    through: f64,
}

/// The controls, serialized one by one.
struct Controls<'a>(&'a [ControlReturn], &'a Inventory);

impl Serialize for Controls<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|c| {
            let control = &self.1.controls[c.control as usize];
            ControlJson {
                id: control.id.as_str(),
                name: &control.name,
                status: control.status.as_str(),
                avoided: cents(c.avoided),
                cost: c.cost,
                return_on_cost: c.return_on_cost,
            }
        }))
    }
}

#[derive(Serialize)]
struct ControlJson<'a> {
    id: &'a str,
    name: &'a str,
    status: &'a str,
    avoided: f64,
    cost: Option<f64>,
    return_on_cost: Option<f64>,
}

fn summary_sheet(
    s: &Simulation,
    money: &dyn Fn(f64) -> String,
    chance: &dyn Fn(f64) -> String,
) -> Sheet {
    /// A row: its name, its figure, and whether the figure is an amount (else a chance).
    type Row = (&'static str, fn(&Distribution) -> f64, bool);
    let rows: [Row; 8] = [
        ("mean", |d| d.mean, true),
        ("P50", |d| d.p50, true),
        ("P90", |d| d.p90, true),
        ("P95", |d| d.p95, true),
        ("P99", |d| d.p99, true),
        ("P99.9", |d| d.p999, true),
        ("maximum", |d| d.max, true),
        ("chance of any loss", |d| d.probability_of_loss, false),
    ];
    Sheet {
        title: String::from("Annual loss"),
        columns: vec!["measure", "inherent", "residual"],
        rows: rows
            .iter()
            .map(|&(name, get, is_money)| {
                let shown = |d: &Distribution| {
                    if is_money {
                        money(get(d))
                    } else {
                        chance(get(d))
                    }
                };
                vec![name.to_owned(), shown(&s.inherent), shown(&s.residual)]
            })
            .collect(),
        empty: "",
    }
}

fn distribution_json(d: &Distribution) -> Value {
    json!({
        "mean": cents(d.mean),
        "p50": cents(d.p50),
        "p90": cents(d.p90),
        "p95": cents(d.p95),
        "p99": cents(d.p99),
        "p99_9": cents(d.p999),
        "max": cents(d.max),
        "probability_of_loss": d.probability_of_loss,
    })
}

/// An amount rounded to cents.
fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// An amount with two decimals: `1234567.89`.
fn plain_amount(amount: f64) -> String {
    format!("{amount:.2}")
}

/// An amount to three significant digits with its unit: `980`, `12.3k`, `4.56M`, `1.2B`.
pub fn human_amount(amount: f64) -> String {
    let units = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")];
    for (unit, suffix) in units {
        if amount.abs() >= unit * 0.9995 {
            return format!("{}{suffix}", three_digits(amount / unit));
        }
    }
    three_digits(amount)
}

fn three_digits(x: f64) -> String {
    let decimals = if x.abs() >= 99.95 {
        0
    } else if x.abs() >= 9.995 {
        1
    } else {
        2
    };
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A probability as a percentage, to three significant digits: `12.3%`, `0.05%`, `0%`.
pub fn percent(p: f64) -> String {
    let value = p * 100.0;
    if value == 0.0 {
        return String::from("0%");
    }
    let decimals = if value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else if value.abs() >= 1.0 {
        2
    } else {
        (2 - value.abs().log10().floor() as i32).clamp(2, 6) as usize
    };
    let text = format!("{value:.decimals$}");
    let text = if decimals > 0 {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}%")
}

/// `1234567` as `1,234,567`.
fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_chances_for_reading() {
        assert_eq!(human_amount(980.0), "980");
        assert_eq!(human_amount(12_345.0), "12.3k");
        assert_eq!(human_amount(4_560_000.0), "4.56M");
        assert_eq!(human_amount(999_999.0), "1M");
        assert_eq!(human_amount(0.0), "0");
        assert_eq!(human_amount(2.5e9), "2.5B");
        assert_eq!(percent(0.123), "12.3%");
        assert_eq!(percent(0.0123), "1.23%");
        assert_eq!(percent(0.0005), "0.05%");
        assert_eq!(percent(0.00001), "0.001%");
        assert_eq!(percent(0.003_803), "0.38%");
        assert_eq!(percent(3964.2), "396420%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(group_digits(100_000), "100,000");
        assert_eq!(group_digits(999), "999");
        assert_eq!(plain_amount(1234.5), "1234.50");
    }
}
