//! The `nodes` of `blast-radius --from`'s JSON document written by hand: a million nodes with
//! their paths are most of a 600 MB document, and building each node's strings and vectors to
//! hand them to `serde_json`'s pretty printer cost several times what writing the bytes does.
//!
//! The rest of the document still goes through `serde_json`, with an empty `nodes` list whose
//! `[]` the nodes are written into. The bytes are those `serde_json`'s pretty printer writes for
//! [`super::NodeReached`] (two spaces an indentation level, `"key": value`, `[]` for an empty
//! list): strings and numbers are written by `serde_json` itself, so escapes and the shortest
//! form of each number cannot differ. The tests of the JSON document compare both ways.

use std::io::Write;

use rayon::prelude::*;

use riskgraph_engine::exposure::Reached;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::Vocabulary as _;

use super::{View, asset_type, round4, write_json};

/// What `serde_json` writes for the empty `nodes` list of the document, at its top level.
const EMPTY_NODES: &[u8] = b"\n  \"nodes\": []";

/// Writes the JSON document of `view`, an exposure (not an upstream), and a newline.
pub(super) fn write_document(out: &mut impl Write, view: &View<'_>) -> std::io::Result<()> {
    write_document_in(out, view, BLOCK, WINDOW)
}

/// [`write_document`], the nodes written `block` to a job and `window` jobs at a time.
fn write_document_in(
    out: &mut impl Write,
    view: &View<'_>,
    block: usize,
    window: usize,
) -> std::io::Result<()> {
    let mut document = view.json();
    let n_nodes = document.nodes.len();
    document.nodes = super::Stream::new(0, |i| view.node_json(&view.exposure.nodes[i]));
    let frame = serde_json::to_vec_pretty(&document)?;
    let Some(at) = frame
        .windows(EMPTY_NODES.len())
        .position(|w| w == EMPTY_NODES)
    else {
        // Not expected; `serde_json` then writes it all.
        return write_json(out, &view.json());
    };
    let (head, tail) = frame.split_at(at + EMPTY_NODES.len());
    if n_nodes == 0 {
        out.write_all(head)?;
    } else {
        // Up to the list's `[`, the nodes, then the list's end.
        out.write_all(&head[..head.len() - 1])?;
        write_nodes(out, view, block, window)?;
        out.write_all(b"\n  ]")?;
    }
    out.write_all(tail)?;
    writeln!(out)
}

/// The id of every reached node as a JSON string, one after the other in the exposure's order:
/// the ids of a million paths (whose every step is a reached node) are copied from here rather
/// than found in each node and escaped again.
struct Ids {
    text: Vec<u8>,
    /// Where each reached node's id starts in `text`, and after the last, where it ends.
    starts: Vec<usize>,
}

impl Ids {
    fn of(view: &View<'_>) -> std::io::Result<Self> {
        let reached = &view.exposure.nodes;
        // Each block's ids escaped on any thread, then joined in order.
        let blocks: Vec<std::io::Result<(Vec<u8>, Vec<usize>)>> = reached
            .par_chunks(IDS_BLOCK)
            .map(|block| {
                let mut text = Vec::with_capacity(block.len() * 16);
                let mut starts = Vec::with_capacity(block.len());
                for r in block {
                    starts.push(text.len());
                    string(&mut text, view.inventory.node(r.node).id.as_str())?;
                }
                Ok((text, starts))
            })
            .collect();
        let mut ids = Ids {
            text: Vec::new(),
            starts: Vec::with_capacity(reached.len() + 1),
        };
        for block in blocks {
            let (text, starts) = block?;
            let offset = ids.text.len();
            ids.starts.extend(starts.iter().map(|start| start + offset));
            ids.text.extend_from_slice(&text);
        }
        ids.starts.push(ids.text.len());
        Ok(ids)
    }

    /// Appends the id of the node at `position` in the exposure as a JSON string to `buf`.
    fn write_at(&self, buf: &mut Vec<u8>, position: usize) {
        buf.extend_from_slice(&self.text[self.starts[position]..self.starts[position + 1]]);
    }
}

/// Every impact the document can show, rounded to four places as [`round4`] rounds it: the
/// 10,001 values from 0 to 1, each written once, then copied three times a node instead of
/// formatted again.
struct Impacts {
    text: Vec<u8>,
    /// Where the value `k / 10,000` starts in `text`, and after the last, where it ends.
    starts: Vec<usize>,
}

impl Impacts {
    const STEPS: u32 = 10_000;

    fn new() -> std::io::Result<Self> {
        let mut impacts = Impacts {
            text: Vec::with_capacity(7 * (Self::STEPS as usize + 1)),
            starts: Vec::with_capacity(Self::STEPS as usize + 2),
        };
        for k in 0..=Self::STEPS {
            impacts.starts.push(impacts.text.len());
            value(&mut impacts.text, &(f64::from(k) / f64::from(Self::STEPS)))?;
        }
        impacts.starts.push(impacts.text.len());
        Ok(impacts)
    }

    /// Appends `impact` rounded to four places, or `null`, as `serde_json` writes it.
    fn write(&self, buf: &mut Vec<u8>, impact: Option<f64>) -> std::io::Result<()> {
        // `round4` divides the same whole number by the same 10,000: the same value.
        match impact.map(|x| (x * f64::from(Self::STEPS)).round()) {
            Some(k) if (0.0..=f64::from(Self::STEPS)).contains(&k) => {
                let k = k as usize;
                buf.extend_from_slice(&self.text[self.starts[k]..self.starts[k + 1]]);
                Ok(())
            }
            _ => value(buf, &impact.map(round4)),
        }
    }
}

/// Reached nodes whose ids a job escapes at a time.
const IDS_BLOCK: usize = 1 << 16;

/// Each reached node's step towards the origins, per property, by its position in the exposure:
/// a million paths are walked through these 8-byte links rather than through each node's
/// record and the lookup by node (the same steps as [`riskgraph_engine::exposure::Lookup::path`]).
struct Links {
    /// Per property (confidentiality, integrity, availability); empty for one not asked for.
    of: [Vec<Link>; 3],
}

#[derive(Clone, Copy)]
struct Link {
    /// The parent's position, or one of the markers below.
    next: u32,
    /// The dependency row of the step to the parent.
    row: u32,
}

/// The node has no hit of the property: a walk stops before it.
const NO_HIT: u32 = u32::MAX;
/// The node is an origin: a walk ends with it.
const ORIGIN: u32 = u32::MAX - 1;
/// The node's parent was not reached (not expected): a walk ends with the node.
const UNREACHED: u32 = u32::MAX - 2;

impl Links {
    fn of(view: &View<'_>) -> Self {
        let nodes = &view.exposure.nodes;
        let of = Property::ALL.map(|property| {
            if !view.exposure.properties.contains(&property) {
                return Vec::new();
            }
            nodes
                .par_iter()
                .map(|reached| match reached.hit(property) {
                    None => Link {
                        next: NO_HIT,
                        row: 0,
                    },
                    Some(hit) => match hit.parent {
                        None => Link {
                            next: ORIGIN,
                            row: 0,
                        },
                        Some((parent, row)) => Link {
                            next: view
                                .lookup
                                .position(parent)
                                .and_then(|at| u32::try_from(at).ok())
                                .filter(|&at| at < UNREACHED)
                                .unwrap_or(UNREACHED),
                            row,
                        },
                    },
                })
                .collect()
        });
        Self { of }
    }

    /// The strongest path of `property` from an origin to the node at `position` (origin first),
    /// as positions, with the dependency row of each step after the origin, into `steps`.
    fn path_into(
        &self,
        position: usize,
        property: Property,
        steps: &mut Vec<(usize, Option<u32>)>,
    ) {
        steps.clear();
        let links = &self.of[property as usize];
        let mut at = position;
        // Hops fall by one at each step, so the walk ends at an origin.
        while let Some(link) = links.get(at) {
            match link.next {
                NO_HIT => break,
                ORIGIN => {
                    steps.push((at, None));
                    break;
                }
                UNREACHED => {
                    steps.push((at, Some(link.row)));
                    break;
                }
                next => {
                    steps.push((at, Some(link.row)));
                    at = next as usize;
                }
            }
        }
        steps.reverse();
    }
}

/// Nodes a job writes at a time, and jobs written out together: the nodes of a window are
/// written on every thread, each block into its own buffer, then the buffers in order while the
/// next window is written (about 600 bytes a node, so a window holds some tens of megabytes).
const BLOCK: usize = 2048;
const WINDOW: usize = 16;

/// The nodes, each as `\n    {...}`, separated by commas.
fn write_nodes(
    out: &mut impl Write,
    view: &View<'_>,
    block: usize,
    window: usize,
) -> std::io::Result<()> {
    let ids = Ids::of(view)?;
    let links = Links::of(view);
    let impacts = Impacts::new()?;
    let nodes = &view.exposure.nodes;
    // The nodes of window `w`, one buffer a block, written on the pool's threads.
    let format = |w: usize, nodes_of_window: &[Reached]| -> Vec<std::io::Result<Vec<u8>>> {
        nodes_of_window
            .par_chunks(block)
            .enumerate()
            .map_init(Vec::new, |path, (b, nodes_of_block)| {
                let mut buf = Vec::with_capacity(nodes_of_block.len() * 640);
                let first = (w * window + b) * block;
                for (i, reached) in (first..).zip(nodes_of_block) {
                    if i > 0 {
                        buf.push(b',');
                    }
                    write_node(&mut buf, view, (&ids, &links, &impacts), (i, reached), path)?;
                }
                Ok(buf)
            })
            .collect()
    };
    // Each window goes out on this thread while the pool writes the next.
    let mut formatted: Option<Vec<std::io::Result<Vec<u8>>>> = None;
    for (w, nodes_of_window) in nodes.chunks(block * window).enumerate() {
        let next = match formatted.take() {
            None => format(w, nodes_of_window),
            Some(blocks) => {
                let mut next = Vec::new();
                rayon::in_place_scope(|scope| {
                    scope.spawn(|_| next = format(w, nodes_of_window));
                    write_blocks(out, blocks)
                })?;
                next
            }
        };
        formatted = Some(next);
    }
    if let Some(blocks) = formatted {
        write_blocks(out, blocks)?;
    }
    Ok(())
}

/// Writes the buffers of a window's blocks in order, or the first block's error.
fn write_blocks(
    out: &mut impl Write,
    blocks: Vec<std::io::Result<Vec<u8>>>,
) -> std::io::Result<()> {
    for block in blocks {
        out.write_all(&block?)?;
    }
    Ok(())
}

/// The node `reached`, at `position` in the exposure, with its path walked through `links`.
fn write_node(
    buf: &mut Vec<u8>,
    view: &View<'_>,
    (ids, links, impacts): (&Ids, &Links, &Impacts),
    (position, reached): (usize, &Reached),
    path: &mut Vec<(usize, Option<u32>)>,
) -> std::io::Result<()> {
    let inv = view.inventory;
    let node = inv.node(reached.node);
    buf.extend_from_slice(b"\n    {\n      \"id\": ");
    ids.write_at(buf, position);
    buf.extend_from_slice(b",\n      \"name\": ");
    string(buf, &node.name)?;
    buf.extend_from_slice(b",\n      \"kind\": ");
    string(buf, node.kind().as_str())?;
    buf.extend_from_slice(b",\n      \"type\": ");
    value(buf, &asset_type(node))?;
    buf.extend_from_slice(b",\n      \"owner\": ");
    value(buf, &node.owner.as_deref())?;
    buf.extend_from_slice(b",\n      \"in_scope\": ");
    buf.extend_from_slice(if node.in_scope { b"true" } else { b"false" });
    buf.extend_from_slice(b",\n      \"impact\": {");
    for (i, &property) in view.exposure.properties.iter().enumerate() {
        buf.extend_from_slice(if i == 0 {
            b"\n        "
        } else {
            b",\n        "
        });
        string(buf, property.name())?;
        buf.extend_from_slice(b": ");
        impacts.write(buf, reached.impact(property))?;
    }
    buf.extend_from_slice(if view.exposure.properties.is_empty() {
        b"}"
    } else {
        b"\n      }"
    });
    buf.extend_from_slice(b",\n      \"property\": ");
    string(buf, reached.property.name())?;
    buf.extend_from_slice(b",\n      \"hops\": ");
    value(buf, &reached.headline().hops)?;
    links.path_into(position, reached.property, path);
    buf.extend_from_slice(b",\n      \"path\": ");
    let mut empty = true;
    for &(step, _) in path.iter() {
        buf.extend_from_slice(if empty {
            b"[\n        "
        } else {
            b",\n        "
        });
        ids.write_at(buf, step);
        empty = false;
    }
    buf.extend_from_slice(if empty { b"[]" } else { b"\n      ]" });
    buf.extend_from_slice(b",\n      \"via\": ");
    list(
        buf,
        path.iter()
            .filter_map(|&(_, row)| row.map(|r| inv.dependencies[r as usize].kind.as_str())),
    )?;
    buf.extend_from_slice(b"\n    }");
    Ok(())
}

/// A list of strings at the nodes' field level: `[]`, or one string a line.
fn list<'a>(buf: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
    let mut empty = true;
    for item in items {
        buf.extend_from_slice(if empty {
            b"[\n        "
        } else {
            b",\n        "
        });
        string(buf, item)?;
        empty = false;
    }
    buf.extend_from_slice(if empty { b"[]" } else { b"\n      ]" });
    Ok(())
}

/// `text` as a JSON string, as `serde_json` writes it: as it is between quotes when it has
/// nothing to escape, else through `serde_json`.
fn string(buf: &mut Vec<u8>, text: &str) -> std::io::Result<()> {
    if !needs_escape(text) {
        buf.push(b'"');
        buf.extend_from_slice(text.as_bytes());
        buf.push(b'"');
        return Ok(());
    }
    value(buf, &text)
}

/// Whether `text` has a byte JSON escapes: a control character, a quote, a backslash.
fn needs_escape(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
}

/// A scalar (a string, a number, a null) as `serde_json` writes it.
fn value(buf: &mut Vec<u8>, scalar: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *buf, scalar).map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    use riskgraph_engine::propagation::Limits;
    use riskgraph_engine::session::Session;
    use riskgraph_model::values::Property;

    use super::super::{Query, View, write_json};

    /// Both writers of the document of `--from origins`, on the bundled dataset with one
    /// vendor's name full of characters JSON escapes.
    fn both_ways(origins: &[&str], properties: &[Property], min: f64, depth: Option<u32>) {
        let source =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
        let dir = std::env::temp_dir().join(format!(
            "riskgraph-json-nodes-{}-{}",
            std::process::id(),
            origins.join("-")
        ));
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&source).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
            }
        }
        let vendors = std::fs::read_to_string(dir.join("vendors.csv")).unwrap();
        let vendors = vendors.replacen(
            ",Amazon Web Services,",
            ",\"Amazon \"\"Web\"\" \\ Services\u{7}\tÉté\",",
            1,
        );
        std::fs::write(dir.join("vendors.csv"), vendors).unwrap();
        let as_of = jiff::civil::date(2026, 11, 1);
        let session = Session::open(&dir, None, as_of, riskgraph_engine::rules::discard_print())
            .unwrap_or_else(|_| panic!("the dataset opens"));
        std::fs::remove_dir_all(&dir).unwrap();
        let inventory = session.inventory();
        let ids: Vec<String> = origins.iter().map(|&id| id.to_owned()).collect();
        let origins = inventory.resolve(&ids).unwrap();
        let exposure = session.exposure(&origins, properties, Limits::new(min, depth));
        let summary = exposure.summary(inventory, session.facts());
        let query = Query {
            properties: properties.to_vec(),
            min,
            depth,
        };
        let view = View {
            inventory,
            graph: session.graph(),
            exposure: &exposure,
            lookup: exposure.lookup(),
            summary: &summary,
            query: &query,
            upstream: None,
        };
        let (mut by_hand, mut by_serde) = (Vec::new(), Vec::new());
        super::write_document(&mut by_hand, &view).unwrap();
        write_json(&mut by_serde, &view.json()).unwrap();
        assert!(by_hand.len() > 1000);
        let by_serde = String::from_utf8(by_serde).unwrap();
        assert_eq!(String::from_utf8(by_hand).unwrap(), by_serde);
        // Nodes are written in blocks on every thread: the same bytes whatever the blocks.
        for (block, window) in [(1, 1), (2, 3), (5, 2), (64, 1)] {
            let mut in_blocks = Vec::new();
            super::write_document_in(&mut in_blocks, &view, block, window).unwrap();
            assert_eq!(String::from_utf8(in_blocks).unwrap(), by_serde);
        }
        // A write that fails, in any window, fails the document, even when later writes would
        // go through: no error is lost.
        for cut in [0, by_serde.len() / 3, by_serde.len() - 2] {
            let mut out = FailsOnce {
                room: cut,
                failed: false,
            };
            let error = super::write_document_in(&mut out, &view, 1, 2).unwrap_err();
            assert_eq!(
                error.kind(),
                std::io::ErrorKind::StorageFull,
                "cut at {cut}"
            );
        }
    }

    /// A writer that takes `room` bytes, fails once as a full disk does, then takes the rest.
    struct FailsOnce {
        room: usize,
        failed: bool,
    }

    impl std::io::Write for FailsOnce {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.failed {
                return Ok(buf.len());
            }
            if self.room == 0 {
                self.failed = true;
                return Err(std::io::ErrorKind::StorageFull.into());
            }
            let taken = buf.len().min(self.room);
            self.room -= taken;
            Ok(taken)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn impacts_are_copied_as_serde_json_writes_them_rounded() {
        let impacts = super::Impacts::new().unwrap();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut samples = vec![
            None,
            Some(0.0),
            Some(1.0),
            Some(0.05),
            Some(0.999_95),
            Some(1.5),
        ];
        samples.extend(
            std::iter::repeat_with(|| {
                // xorshift: reproducible values spread over 0..=1.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                Some((state >> 11) as f64 / (1u64 << 53) as f64)
            })
            .take(100_000),
        );
        for impact in samples {
            let mut copied = Vec::new();
            impacts.write(&mut copied, impact).unwrap();
            let written = serde_json::to_vec(&impact.map(super::round4)).unwrap();
            assert_eq!(copied, written, "{impact:?}");
        }
    }

    #[test]
    fn the_bytes_json_escapes_are_found_anywhere_in_a_string() {
        for (text, escape) in [
            ("plain text, Été", false),
            ("a\"b", true),
            ("back\\", true),
            ("\u{1f}", true),
            ("tab\t", true),
            ("\u{7f}", false),
        ] {
            assert_eq!(super::needs_escape(text), escape, "{text:?}");
        }
    }

    #[test]
    fn the_nodes_written_by_hand_are_the_bytes_serde_json_writes() {
        both_ways(&["aws"], &Property::ALL, 0.05, None);
        both_ways(
            &["okta", "app-web"],
            &[Property::Availability],
            0.0,
            Some(2),
        );
        both_ways(
            &["aws"],
            &[Property::Confidentiality, Property::Integrity],
            0.5,
            Some(1),
        );
    }
}
