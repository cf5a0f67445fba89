//! The register as CSV, one row per risk, safe to open in a spreadsheet.

use std::io::Write;

use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;
use riskgraph_engine::assess::{Risk, Source, push_risk_id};
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
    let render = |batch: &[&Risk]| -> Vec<Vec<u8>> {
        batch
            .par_chunks(rows_per_piece)
            .map(|risks| rows.piece(risks))
            .collect()
    };
    let write = |out: &mut dyn Write, pieces: Vec<Vec<u8>>| {
        pieces.into_iter().try_for_each(|piece| {
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
///
/// A row is put together from runs of cells already written as CSV: those of its threat (id,
/// name, category), of its node (id, kind, type, name, owner), of its list of what applies and
/// of its levels are each written once and copied into every row that has them. The other cells
/// go through [`Cells`]. At tens of millions of rows, writing each cell through `csv::Writer` was
/// most of the cost of the CSV.
struct Rows<'r, 'a> {
    register: &'r Register<'a>,
    /// Per threat, then for fraud, its three cells.
    threats: Vec<Vec<u8>>,
    /// Per node, its five cells, written when a row first needs them.
    nodes: Vec<OnceLock<Box<[u8]>>>,
    /// Per list of what applies (`Assessment::list_index`), its five list cells: controls,
    /// SOC 2 criteria, Annex A controls, vulnerabilities, incidents.
    lists: Vec<OnceLock<Box<[u8]>>>,
    /// Per level, its name as a cell.
    levels: Vec<Vec<u8>>,
    /// Buffers of pieces already written, for the next ones.
    spare: Mutex<Vec<Vec<u8>>>,
}

impl<'r, 'a> Rows<'r, 'a> {
    fn new(register: &'r Register<'a>) -> Self {
        let inventory = register.inventory;
        let threats = inventory
            .threats
            .iter()
            .map(|threat| (threat.id.as_str(), &*threat.name, threat.category.as_str()))
            .chain(std::iter::once(Source::FRAUD))
            .map(|(id, name, category)| Cells::run(&[id, name, category]))
            .collect();
        let levels = (0..inventory.manifest.levels.len())
            .map(|level| Cells::run(&[register.level_name(level)]))
            .collect();
        Self {
            register,
            threats,
            nodes: (0..inventory.nodes.len())
                .map(|_| OnceLock::new())
                .collect(),
            lists: (0..register.assessment.list_count())
                .map(|_| OnceLock::new())
                .collect(),
            levels,
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
    fn piece(&self, risks: &[&Risk]) -> Vec<u8> {
        let spare = self.spare.lock().ok().and_then(|mut spare| spare.pop());
        let mut buffer = spare.unwrap_or_else(|| Vec::with_capacity(risks.len() * 512));
        buffer.clear();
        let mut cells = Cells::default();
        for risk in risks {
            self.row(risk, &mut cells, &mut buffer);
        }
        buffer
    }

    /// Appends `risk`'s row to `out`: its cells in the order of [`HEADER`], as [`cells`] gives
    /// them, each through [`neutralize`], as `csv::Writer` writes them.
    fn row(&self, risk: &Risk, cells: &mut Cells, out: &mut Vec<u8>) {
        let register = self.register;
        let inventory = register.inventory;
        let assessment = register.assessment;
        let threat = match risk.source {
            Source::Threat(t) => t as usize,
            Source::Fraud => inventory.threats.len(),
        };
        let node = inventory.node(risk.node);
        cells.scratch.clear();
        push_risk_id(&mut cells.scratch, inventory, risk.source, risk.node);
        cells.push_scratch(out);
        out.extend_from_slice(&self.threats[threat]);
        out.push(b',');
        out.extend_from_slice(self.nodes[risk.node as usize].get_or_init(|| {
            let node_type = match &node.detail {
                NodeDetail::Asset(asset) => asset.asset_type.as_str(),
                _ => "",
            };
            let owner = node.owner.as_deref().unwrap_or_default();
            let cells = [
                node.id.as_str(),
                node.kind().as_str(),
                node_type,
                &node.name,
                owner,
            ];
            Cells::run(&cells).into()
        }));
        out.push(b',');
        let mut number = itoa::Buffer::new();
        for rated in [risk.inherent(), risk.residual()] {
            // Digits are never quoted or neutralized.
            for n in [rated.likelihood, rated.impact, rated.score] {
                out.extend_from_slice(number.format(n).as_bytes());
                out.push(b',');
            }
            out.extend_from_slice(&self.levels[rated.level]);
            out.push(b',');
        }
        out.extend_from_slice(if risk.within_appetite {
            b"yes,"
        } else {
            b"no,"
        });
        out.extend_from_slice(self.lists[assessment.list_index(risk)].get_or_init(|| {
            let view = register.view(risk);
            Cells::run(&[
                &list(&view.controls),
                &list(&view.soc2),
                &list(&view.iso27001),
                &list(&view.vulnerabilities),
                &list(&view.incidents),
            ])
            .into()
        }));
        out.push(b',');
        let reach = assessment.reach(risk);
        for n in [reach.nodes, reach.processes, reach.commitments] {
            out.extend_from_slice(number.format(n).as_bytes());
            out.push(b',');
        }
        self.treatment(risk, cells, out);
        cells.scratch.clear();
        for (i, finding) in assessment.findings(inventory, risk).iter().enumerate() {
            if i > 0 {
                cells.scratch.push_str("; ");
            }
            cells.scratch.push_str(finding.code());
        }
        cells.last_scratch(out);
    }

    /// Appends the treatment's cells, `treatment` to `next_review`, to `risk`'s row.
    fn treatment(&self, risk: &Risk, cells: &mut Cells, out: &mut Vec<u8>) {
        let inventory = self.register.inventory;
        let row = risk
            .treatment
            .row
            .map(|t| &inventory.treatments[t as usize]);
        let text = |t: Option<&'a str>| t.unwrap_or_default();
        cells.push(out, risk.treatment.decision.as_str());
        cells.push(
            out,
            if row.is_some() {
                "treatments.csv"
            } else {
                "default"
            },
        );
        cells.push(
            out,
            row.and_then(|t| t.status).map_or("", Vocabulary::as_str),
        );
        cells.push(out, text(risk.owner(inventory)));
        cells.push(out, text(row.and_then(|t| t.justification.as_deref())));
        cells.push(out, text(row.and_then(|t| t.approved_by.as_deref())));
        for date in [row.and_then(|t| t.approved_on), row.and_then(|t| t.expires)] {
            cells.scratch.clear();
            if let Some(date) = date {
                let _ = write!(cells.scratch, "{}", date.civil());
            }
            cells.push_scratch(out);
        }
        cells.push(out, text(row.and_then(|t| t.ticket.as_deref())));
        cells.scratch.clear();
        let _ = write!(cells.scratch, "{}", risk.next_review);
        cells.push_scratch(out);
    }
}

/// Cells appended to a row's bytes as `csv::Writer` writes them, after [`neutralize`]: most
/// need neither quotes nor an apostrophe, and are copied as they are; `csv`'s own writer quotes
/// the others.
#[derive(Default)]
struct Cells {
    /// `csv`'s writer in its default configuration (that of the header's writer): it decides
    /// which fields need quotes, and writes those.
    core: csv_core::Writer,
    /// A cell being put together.
    scratch: String,
}

impl Cells {
    /// Appends `text` as a cell and a comma.
    fn push(&mut self, out: &mut Vec<u8>, text: &str) {
        cell(&mut self.core, out, text, false);
    }

    /// [`Cells::push`] for the scratch cell.
    fn push_scratch(&mut self, out: &mut Vec<u8>) {
        cell(&mut self.core, out, &self.scratch, false);
    }

    /// Appends the scratch cell as the row's last, and the end of the row.
    fn last_scratch(&mut self, out: &mut Vec<u8>) {
        cell(&mut self.core, out, &self.scratch, true);
    }

    /// `cells` written as CSV, separated by commas, without a comma after the last.
    fn run(cells: &[&str]) -> Vec<u8> {
        let mut core = csv_core::Writer::new();
        let mut run = Vec::new();
        for text in cells {
            cell(&mut core, &mut run, text, false);
        }
        run.pop();
        run
    }
}

/// Appends `text` as a cell to `out`, then a comma, or the end of the row when `last`.
fn cell(core: &mut csv_core::Writer, out: &mut Vec<u8>, text: &str, last: bool) {
    let text = neutralize(text);
    let bytes = text.as_bytes();
    if !core.should_quote(bytes) {
        out.extend_from_slice(bytes);
        // The default terminator of `csv`'s writer.
        out.push(if last { b'\n' } else { b',' });
        return;
    }
    // Room for the quotes, every byte doubled and the longest end of a field.
    let at = out.len();
    out.resize(at + 2 * bytes.len() + 4, 0);
    let (written, read, field) = core.field(bytes, &mut out[at..]);
    debug_assert!(written == csv_core::WriteResult::InputEmpty && read == bytes.len());
    let rest = &mut out[at + field..];
    let (ended, end) = if last {
        core.terminator(rest)
    } else {
        core.delimiter(rest)
    };
    debug_assert!(ended == csv_core::WriteResult::InputEmpty);
    out.truncate(at + field + end);
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

    /// Cells copied as they are, quoted by `csv`'s writer or given an apostrophe are the bytes
    /// `csv::Writer` writes for the same record, wherever they fall in it.
    #[test]
    fn cells_are_the_bytes_csv_writes() {
        use super::{Cells, cell};
        let texts = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "\"",
            ",",
            "line\nbreak",
            "cr\rlf",
            "=1+2",
            "-3",
            "+x",
            "@SUM(A1)",
            "\tx",
            "'quoted",
            "Zürich, CH",
            "; ",
        ];
        let record = |cells: &[&str]| {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer
                .write_record(cells.iter().map(|c| neutralize(c).into_owned()))
                .unwrap();
            writer.into_inner().unwrap()
        };
        for last in texts {
            let mut cells = vec!["risk@node"];
            cells.extend(texts);
            cells.push(last);
            let mut core = csv_core::Writer::new();
            let mut row = Vec::new();
            for (i, text) in cells.iter().enumerate() {
                cell(&mut core, &mut row, text, i == cells.len() - 1);
            }
            assert_eq!(
                String::from_utf8(row).unwrap(),
                String::from_utf8(record(&cells)).unwrap()
            );
            let mut run = Cells::run(&[last, "x", last]);
            run.push(b'\n');
            assert_eq!(run, record(&[last, "x", last]), "{last:?}");
        }
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
