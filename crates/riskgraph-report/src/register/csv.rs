//! The register as CSV, one row per risk, safe to open in a spreadsheet.

use std::io::Write;

use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;
use riskgraph_engine::assess::{Risk, Source};
use riskgraph_model::NodeDetail;
use riskgraph_model::vocabulary::Vocabulary;

use super::{Register, RiskView};

pub const HEADER: [&str; 37] = [
    "id",
    "threat_id",
    "threat",
    "category",
    "node_id",
    "node_kind",
    "node_type",
    "node_name",
    "node_owner",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_score",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_level",
    "within_appetite",
    "controls",
    "soc2",
    "iso27001",
    "vulnerabilities",
    "incidents",
    "reached_nodes",
    "reached_processes",
    "reached_commitments",
    "treatment",
    "treatment_source",
    "treatment_status",
    "owner",
    "justification",
    "approved_by",
    "approved_on",
    "expires",
    "ticket",
    "next_review",
    "findings",
];

/// Writes the shown risks as CSV with a header row. Every cell goes through [`neutralize`].
///
/// Rows are rendered in parallel, a run of [`ROWS_PER_PIECE`] rows into each piece of text, and
/// the pieces written in order: the same bytes as one row after the other, whatever the thread
/// count, with memory for a few pieces per thread however many rows there are. Each row is
/// written straight from the risk (the cells [`cells`] gives, without a [`RiskView`]), and the
/// list cells a list of controls, vulnerabilities and incidents gives are worked out once per
/// list.
pub fn write_csv(out: &mut impl Write, register: &Register<'_>) -> std::io::Result<()> {
    write_pieces(out, register, ROWS_PER_PIECE)
}

/// [`write_csv`] with `rows_per_piece` rows in each piece.
fn write_pieces(
    out: &mut impl Write,
    register: &Register<'_>,
    rows_per_piece: usize,
) -> std::io::Result<()> {
    let mut header = csv::Writer::from_writer(&mut *out);
    header.write_record(HEADER)?;
    header.flush()?;
    drop(header);
    let rows = Rows::new(register);
    let pieces_per_batch = 4 * rayon::current_num_threads();
    let render = |batch: &[&Risk]| -> Vec<std::io::Result<Vec<u8>>> {
        batch
            .par_chunks(rows_per_piece)
            .map(|risks| rows.piece(risks))
            .collect()
    };
    let write = |out: &mut dyn Write, pieces: Vec<std::io::Result<Vec<u8>>>| {
        pieces.into_iter().try_for_each(|piece| {
            let piece = piece?;
            out.write_all(&piece)?;
            rows.give_back(piece);
            Ok(())
        })
    };
    // While one batch is written out on this thread, the pool renders the next.
    let mut ready = Vec::new();
    for batch in register.shown.chunks(rows_per_piece * pieces_per_batch) {
        let mut next = Vec::new();
        let mut written = Ok(());
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| next = render(batch));
            written = write(out, std::mem::take(&mut ready));
        });
        written?;
        ready = next;
    }
    write(out, ready)
}

/// Rows rendered into one piece of CSV text.
const ROWS_PER_PIECE: usize = 4096;

/// The register's rows as CSV.
struct Rows<'r, 'a> {
    register: &'r Register<'a>,
    /// Per list of what applies (`Assessment::list_index`), its five list cells: controls,
    /// SOC 2 criteria, Annex A controls, vulnerabilities, incidents.
    lists: Vec<OnceLock<[String; 5]>>,
    /// Buffers of pieces already written, for the next ones.
    spare: Mutex<Vec<Vec<u8>>>,
}

impl<'r, 'a> Rows<'r, 'a> {
    fn new(register: &'r Register<'a>) -> Self {
        let lists = (0..register.assessment.list_count())
            .map(|_| OnceLock::new())
            .collect();
        Self {
            register,
            lists,
            spare: Mutex::new(Vec::new()),
        }
    }

    /// Keeps a written piece's buffer for a later piece: a fresh buffer of megabytes costs the
    /// system a page fault per page.
    fn give_back(&self, buffer: Vec<u8>) {
        if let Ok(mut spare) = self.spare.lock() {
            spare.push(buffer);
        }
    }

    /// The CSV rows of `risks`, without a header.
    fn piece(&self, risks: &[&Risk]) -> std::io::Result<Vec<u8>> {
        let spare = self.spare.lock().ok().and_then(|mut spare| spare.pop());
        let mut buffer = spare.unwrap_or_else(|| Vec::with_capacity(risks.len() * 512));
        buffer.clear();
        let mut writer = csv::Writer::from_writer(buffer);
        let mut scratch = String::new();
        for risk in risks {
            self.row(risk, &mut scratch, &mut |cell| {
                writer.write_field(neutralize(cell).as_bytes())
            })?;
            writer.write_record(std::iter::empty::<&[u8]>())?;
        }
        writer.into_inner().map_err(csv::IntoInnerError::into_error)
    }

    /// Calls `cell` with each of `risk`'s cells, in the order of [`HEADER`], as [`cells`] gives
    /// them.
    fn row(
        &self,
        risk: &Risk,
        scratch: &mut String,
        cell: &mut impl FnMut(&str) -> csv::Result<()>,
    ) -> csv::Result<()> {
        let register = self.register;
        let inventory = register.inventory;
        let assessment = register.assessment;
        let (threat_id, threat_name, category) = match risk.source {
            Source::Threat(t) => {
                let threat = &inventory.threats[t as usize];
                (threat.id.as_str(), &*threat.name, threat.category.as_str())
            }
            Source::Fraud => Source::FRAUD,
        };
        let node = inventory.node(risk.node);
        let mut number = |n: u32, cell: &mut dyn FnMut(&str) -> csv::Result<()>| {
            scratch.clear();
            let _ = write!(scratch, "{n}");
            cell(scratch)
        };
        let mut cell = |text: &str| cell(text);
        cell(&risk.id(inventory))?;
        cell(threat_id)?;
        cell(threat_name)?;
        cell(category)?;
        cell(node.id.as_str())?;
        cell(node.kind().as_str())?;
        cell(match &node.detail {
            NodeDetail::Asset(asset) => asset.asset_type.as_str(),
            _ => "",
        })?;
        cell(&node.name)?;
        cell(node.owner.as_deref().unwrap_or_default())?;
        for rated in [risk.inherent(), risk.residual()] {
            number(rated.likelihood, &mut cell)?;
            number(rated.impact, &mut cell)?;
            number(rated.score, &mut cell)?;
            cell(register.level_name(rated.level))?;
        }
        cell(if risk.within_appetite { "yes" } else { "no" })?;
        let lists = self.lists[assessment.list_index(risk)].get_or_init(|| {
            let view = register.view(risk);
            [
                list(&view.controls),
                list(&view.soc2),
                list(&view.iso27001),
                list(&view.vulnerabilities),
                list(&view.incidents),
            ]
        });
        for list in lists {
            cell(list)?;
        }
        let reach = assessment.reach(risk);
        number(reach.nodes, &mut cell)?;
        number(reach.processes, &mut cell)?;
        number(reach.commitments, &mut cell)?;
        let row = risk
            .treatment
            .row
            .map(|t| &inventory.treatments[t as usize]);
        let text = |t: Option<&'a str>| t.unwrap_or_default();
        cell(risk.treatment.decision.as_str())?;
        cell(if row.is_some() {
            "treatments.csv"
        } else {
            "default"
        })?;
        cell(row.and_then(|t| t.status).map_or("", Vocabulary::as_str))?;
        cell(text(risk.owner(inventory)))?;
        cell(text(row.and_then(|t| t.justification.as_deref())))?;
        cell(text(row.and_then(|t| t.approved_by.as_deref())))?;
        for date in [row.and_then(|t| t.approved_on), row.and_then(|t| t.expires)] {
            match date {
                Some(date) => cell(&date.civil().to_string())?,
                None => cell("")?,
            }
        }
        cell(text(row.and_then(|t| t.ticket.as_deref())))?;
        cell(&risk.next_review.to_string())?;
        let findings: Vec<&str> = assessment
            .findings(inventory, risk)
            .iter()
            .map(riskgraph_engine::assess::Finding::code)
            .collect();
        cell(&findings.join("; "))
    }
}

/// Items joined by `; `, as a cell lists them.
fn list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    items.join("; ")
}

/// One risk's cells, in the order of [`HEADER`], as text (formula-looking cells as they are).
pub fn cells(view: &RiskView<'_>) -> [String; 37] {
    let text = |s: &str| s.to_owned();
    let number = |n: u32| n.to_string();
    let treatment = &view.treatment;
    [
        text(&view.id),
        text(&view.threat.id),
        text(&view.threat.name),
        text(&view.threat.category),
        text(&view.node.id),
        text(&view.node.kind),
        text(&view.node.node_type),
        text(&view.node.name),
        text(&view.node.owner),
        number(view.inherent.likelihood),
        number(view.inherent.impact),
        number(view.inherent.score),
        text(&view.inherent.level),
        number(view.residual.likelihood),
        number(view.residual.impact),
        number(view.residual.score),
        text(&view.residual.level),
        (if view.within_appetite { "yes" } else { "no" }).to_owned(),
        list(&view.controls),
        list(&view.soc2),
        list(&view.iso27001),
        list(&view.vulnerabilities),
        list(&view.incidents),
        number(view.exposure.nodes),
        number(view.exposure.processes),
        number(view.exposure.commitments),
        text(&treatment.decision),
        text(&treatment.source),
        text(&treatment.status),
        text(&view.owner),
        text(&treatment.justification),
        text(&treatment.approved_by),
        text(&treatment.approved_on),
        text(&treatment.expires),
        text(&treatment.ticket),
        text(&view.next_review),
        list(
            &view
                .findings
                .iter()
                .map(|f| f.code.as_str())
                .collect::<Vec<_>>(),
        ),
    ]
}

/// A cell a spreadsheet will show as text: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be read as a formula (and could run commands), so it gets a leading
/// apostrophe, which spreadsheets hide and treat as "this is text".
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize;

    /// The rows written in parallel pieces, straight from each risk, are the cells of each risk's
    /// view, one row after the other.
    #[test]
    fn pieces_written_in_parallel_are_the_views_cells_in_order() {
        use super::{HEADER, Register, cells, write_pieces};
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
        let print = riskgraph_engine::rules::discard_print();
        let session = riskgraph_engine::session::Session::open(
            &root,
            None,
            jiff::civil::date(2026, 11, 1),
            print,
        )
        .unwrap_or_else(|_| panic!("the bundled dataset opens"));
        let assessment = session.assess(&|_, _| {}).expect("the built-in rules run");
        let register = Register::new(&session, &assessment, assessment.risks.iter().collect());
        let mut expected = csv::Writer::from_writer(Vec::new());
        expected.write_record(HEADER).unwrap();
        for risk in &register.shown {
            let cells = cells(&register.view(risk));
            expected
                .write_record(cells.iter().map(|c| neutralize(c).into_owned()))
                .unwrap();
        }
        let expected = expected.into_inner().unwrap();
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut written = Vec::new();
            pool.install(|| write_pieces(&mut written, &register, 7))
                .unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(expected.clone()).unwrap()
            );
        }
        assert!(
            register.shown.len() > 7 * 3 * 4,
            "more than one batch of pieces"
        );
    }

    #[test]
    fn formula_cells_become_text() {
        assert_eq!(neutralize("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(neutralize("+1"), "'+1");
        assert_eq!(neutralize("-2+3"), "'-2+3");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("\rx"), "'\rx");
        assert_eq!(neutralize("okta"), "okta");
        assert_eq!(neutralize(""), "");
    }
}
