//! One session of work on an inventory: the pipeline in one place.
//!
//! A command opens a [`Session`] from an inventory (a folder or a workbook), its rules folder and
//! the assessment date, and then asks it what it needs: the assessment, an exposure, the vendor
//! ranking, coverage, the Statement of Applicability, the explanation of one risk. The session
//! loads and checks the inventory, compiles the rules and builds the impact graph once; what it
//! derives from them is built at most once and shared: its [`Indexes`] (the node index
//! selectors select through, the node facts, the obligations of each node) serve the
//! assessment, the explanation of a risk, the ranking, coverage and the Statement of
//! Applicability alike, and [`Session::compliance`] indexes an assessment once for coverage and
//! the Statement of Applicability.
//!
//! Opening happens in two steps, [`Session::load`] then [`Loaded::open`], so that a command can
//! check its own arguments against the inventory (a `--fail-on` level, a risk id) before the
//! rules are compiled.

use std::path::{Path, PathBuf};

use riskgraph_model::diagnostic::{Diagnostics, Severity, SourceFile};
use riskgraph_model::node::RowRef;
use riskgraph_model::selector::NodeIndex;
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, NodeIdx};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::assess::{self, Assessment, Explanation, Settings, Source, UnknownRisk};
use crate::compliance::{self, Coverage, SoaEntry};
use crate::exposure::{Exposure, NodeFacts, Workspace};
use crate::indexes::{Indexed, Indexes};
use crate::propagation::{ImpactGraph, Limits};
use crate::rank::{self, VendorRank};
use crate::rules::{PrintSink, RuleError, Rules};
use crate::simulate::{SimulateError, Simulation};
use crate::snapshot;
use crate::supply_chain::{self, FourthParty, Upstream};
use riskgraph_model::selector::NodeLists;

/// Why a session could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The inventory has errors: only the errors are kept, warnings are `validate`'s.
    Inventory(Diagnostics),
    /// The rules folder has broken scripts.
    Rules(Vec<RuleError>),
    /// The propagation rule failed on a dependency while the impact graph was built.
    Graph(RuleError),
}

/// The inventory of a session, read and checked, before its rules are compiled.
pub struct Loaded {
    path: PathBuf,
    inventory: Inventory,
    /// The files the inventory was read from.
    inputs: Vec<PathBuf>,
    /// The lists selectors select through, when loading built them.
    node_lists: Option<NodeLists>,
    /// The files (and sheets) rows were read from, by [`riskgraph_model::diagnostic::FileIdx`].
    sources: Vec<SourceFile>,
}

/// An inventory opened with its rules and impact graph, at an assessment date.
pub struct Session {
    path: PathBuf,
    inventory: Inventory,
    inputs: Vec<PathBuf>,
    sources: Vec<SourceFile>,
    rules: Rules,
    graph: ImpactGraph,
    as_of: jiff::civil::Date,
    /// Of `inventory`, each built on first use.
    indexes: Indexes,
}

/// A file's checksum in a register: an input file of the inventory, or a rules script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Checksum {
    /// Inputs: the path relative to the inventory. Rules: the hook's file name.
    pub file: String,
    /// Rules only: where the script came from, a path or `built-in`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    pub sha256: String,
}

/// How [`Session::open_with_snapshot`] used the snapshot, for the command to finish with
/// [`Session::while_saving`].
#[derive(Default)]
pub struct SnapshotUse {
    /// Why a snapshot that was there could not be used.
    pub warnings: Vec<String>,
    /// The snapshot to write, when the one there is missing, stale or unusable.
    save: Option<Save>,
}

/// A session opened from a snapshot, the key of its rules, and whether the snapshot's graph was
/// built with them.
type FromSnapshot = (Session, [u8; 32], bool);

/// Where a snapshot goes, and its keys.
struct Save {
    file: PathBuf,
    inputs: snapshot::InputsKey,
    rules: [u8; 32],
}

impl Session {
    /// Reads and checks the inventory at `path`. Warnings are `validate`'s: graph warnings
    /// (cycles, isolated nodes) and the loader's check of the whole inventory that can only warn
    /// are not looked for, and the others are dropped.
    pub fn load(path: &Path) -> Result<Loaded, OpenError> {
        let loaded = riskgraph_model::load_for_use(path);
        if loaded.diagnostics.n_errors() > 0 {
            let mut errors = loaded.diagnostics;
            errors.items.retain(|d| d.severity == Severity::Error);
            return Err(OpenError::Inventory(errors));
        }
        Ok(Self::loaded(path, loaded))
    }

    /// The [`Loaded`] of `loaded`, read without errors from `path`.
    fn loaded(path: &Path, loaded: riskgraph_model::Loaded) -> Loaded {
        let mut sources = loaded.diagnostics.files;
        for source in &mut sources {
            source.text = None;
        }
        Loaded {
            path: path.to_path_buf(),
            inventory: loaded.inventory,
            inputs: loaded.inputs,
            node_lists: loaded.node_lists,
            sources,
        }
    }

    /// [`Session::open`] through the inventory's compiled snapshot ([`crate::snapshot`]) as
    /// `policy` allows: a snapshot of these very files and rules stands in for reading the node
    /// and dependency files and building the graph; one that is missing, stale or unusable is
    /// written again by [`Session::while_saving`] (under [`snapshot::Policy::Auto`], from the
    /// second run on the same files: [`snapshot::seen_before`]). The warnings say why a snapshot there could
    /// not be used. The errors, and the session, are those of [`Session::open`].
    pub fn open_with_snapshot(
        path: &Path,
        rules: Option<&Path>,
        as_of: jiff::civil::Date,
        print: PrintSink,
        policy: snapshot::Policy,
    ) -> Result<(Self, SnapshotUse), OpenError> {
        let mut used = SnapshotUse::default();
        if policy == snapshot::Policy::Never || !path.is_dir() {
            return Ok((Self::open(path, rules, as_of, print)?, used));
        }
        let file = snapshot::location(path);
        // The snapshot's tables are read while the inputs are hashed: when it turns out to be
        // stale, the inputs changed and this run reads them all anyway.
        let (inputs, found) = rayon::join(|| snapshot::inputs_key(path), || snapshot::read(&file));
        let Ok(inputs) = inputs else {
            return Ok((Self::open(path, rules, as_of, print)?, used));
        };
        if policy == snapshot::Policy::Auto && inputs.bytes < snapshot::AUTO_MIN_BYTES {
            return Ok((Self::open(path, rules, as_of, print)?, used));
        }
        let shown = file.display();
        match found.of(&inputs) {
            snapshot::Found::Fresh(fresh) => {
                match Self::from_snapshot(path, fresh, rules, as_of, print.clone()) {
                    Ok(Ok((session, rules_key, rules_match))) => {
                        if !rules_match {
                            used.save = Some(Save {
                                file,
                                inputs,
                                rules: rules_key,
                            });
                        }
                        return Ok((session, used));
                    }
                    Err(error) => return Err(error),
                    Ok(Err(why)) => used.warnings.push(format!(
                        "ignored the snapshot `{shown}`: {why}; it is written again"
                    )),
                }
            }
            snapshot::Found::Unusable(why) => used.warnings.push(format!(
                "ignored the snapshot `{shown}`: {why}; it is written again"
            )),
            snapshot::Found::Missing | snapshot::Found::Stale => {}
        }
        let session = Self::open(path, rules, as_of, print)?;
        if policy == snapshot::Policy::Always || snapshot::seen_before(&file, &inputs) {
            used.save = Some(Save {
                file,
                inputs,
                rules: snapshot::rules_key(&session.rules),
            });
        }
        Ok((session, used))
    }

    /// The session of `fresh`, a snapshot of the files at `path`, with the key of its rules and
    /// whether the snapshot's graph was built with them; or why the snapshot cannot be used
    /// (damaged, or not fitting the files).
    fn from_snapshot(
        path: &Path,
        mut fresh: snapshot::Fresh,
        rules: Option<&Path>,
        as_of: jiff::civil::Date,
        print: PrintSink,
    ) -> Result<Result<FromSnapshot, &'static str>, OpenError> {
        const NOT_FITTING: &str = "it does not match the inventory's files";
        let tables = fresh.tables();
        let (node_count, row_failing, row_dependent) = match &tables {
            Some(tables) => (
                tables.nodes.len(),
                tables.dependencies.iter().map(|d| d.to).collect(),
                tables.dependencies.iter().map(|d| d.from).collect(),
            ),
            None => (0, Vec::new(), Vec::new()),
        };
        // The graph is read and the checksum checked while the other files load; the graph is
        // dropped if the rules changed.
        let (loaded, (graph, whole)) = rayon::join(
            || tables.map(|tables| riskgraph_model::load_with_tables(path, tables)),
            || fresh.graph_and_check(node_count, row_failing, row_dependent),
        );
        if !whole {
            return Ok(Err(snapshot::DAMAGED));
        }
        let Some(loaded) = loaded else {
            return Ok(Err(NOT_FITTING));
        };
        if loaded.diagnostics.n_errors() > 0 || loaded.inventory.nodes.len() != node_count {
            return Ok(Err(NOT_FITTING));
        }
        let loaded = Self::loaded(path, loaded);
        let compiled = loaded.compile_rules(rules, print)?;
        let rules_key = snapshot::rules_key(&compiled);
        let rules_match = fresh.rules_match(rules_key);
        drop(fresh);
        let graph = match graph {
            Some(graph) if rules_match => graph,
            Some(_) => {
                ImpactGraph::with_rules(&loaded.inventory, &compiled).map_err(OpenError::Graph)?
            }
            None => return Ok(Err(NOT_FITTING)),
        };
        Ok(Ok((
            loaded.with(compiled, graph, as_of),
            rules_key,
            rules_match,
        )))
    }

    /// Runs `work`, writing meanwhile on another thread the snapshot that `used` says is due;
    /// returns what `work` returned, and a warning when the snapshot could not be written (the
    /// command goes on without it).
    pub fn while_saving<T: Send>(
        &self,
        used: SnapshotUse,
        work: impl FnOnce() -> T + Send,
    ) -> (T, Option<String>) {
        let Some(save) = used.save else {
            return (work(), None);
        };
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                snapshot::write(
                    &save.file,
                    &save.inputs,
                    save.rules,
                    &self.inventory,
                    &self.graph,
                )
            });
            let result = work();
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the snapshot writer stopped")));
            let warning = written.err().map(|err| {
                format!(
                    "could not write the snapshot `{}`: {err}; the next run reads the files again",
                    save.file.display()
                )
            });
            (result, warning)
        })
    }

    /// [`Session::load`], then [`Loaded::open`].
    pub fn open(
        path: &Path,
        rules: Option<&Path>,
        as_of: jiff::civil::Date,
        print: PrintSink,
    ) -> Result<Self, OpenError> {
        Self::load(path)?.open(rules, as_of, print)
    }

    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    pub fn graph(&self) -> &ImpactGraph {
        &self.graph
    }

    pub fn as_of(&self) -> jiff::civil::Date {
        self.as_of
    }

    /// The path of the inventory, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file (with its sheet, for a workbook) that `row` is a row of.
    pub fn source_of(&self, row: RowRef) -> Option<&SourceFile> {
        self.sources.get(row.file as usize)
    }

    /// The inventory with its indexes, each built once (on first use) for the whole session.
    pub fn indexed(&self) -> Indexed<'_> {
        self.indexes.of(&self.inventory)
    }

    /// The index selectors select through, built once.
    pub fn node_index(&self) -> NodeIndex<'_> {
        self.indexed().nodes()
    }

    /// What each node is worth to an exposure summary, built once.
    pub fn facts(&self) -> &NodeFacts {
        self.indexed().facts()
    }

    /// Every risk scored, evaluated and treated; `progress` is told how many scenarios are done
    /// of how many.
    pub fn assess(&self, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Assessment, RuleError> {
        assess::assess_with(
            self.indexed(),
            &self.graph,
            &self.rules,
            self.settings(),
            progress,
        )
    }

    /// The annual loss of every risk in money, simulated over `years` from `seed` (see
    /// [`crate::simulate`]).
    pub fn simulate(&self, years: u64, seed: u64) -> Result<Simulation, SimulateError> {
        crate::simulate::simulate(
            self.indexed(),
            &self.graph,
            &self.rules,
            crate::simulate::Settings {
                years,
                seed,
                as_of: self.as_of,
                limits: Limits::default(),
            },
        )
    }

    /// Everything behind the risk `source` on `node` (from [`Loaded::find`]).
    pub fn explain(&self, source: Source, node: NodeIdx) -> Result<Explanation, RuleError> {
        assess::explain_with(
            self.indexed(),
            &self.graph,
            &self.rules,
            self.settings(),
            source,
            node,
        )
    }

    /// What a failure or breach of `origins` together reaches, over `properties`.
    pub fn exposure(
        &self,
        origins: &[NodeIdx],
        properties: &[Property],
        limits: Limits,
    ) -> Exposure {
        let mut workspace = Workspace::for_one_query(self.inventory.nodes.len());
        Exposure::compute(&self.graph, &mut workspace, origins, properties, limits)
    }

    /// The exposure of each origin in turn, sharing one workspace.
    pub fn exposures(
        &self,
        origins: &[NodeIdx],
        properties: &[Property],
        limits: Limits,
    ) -> Vec<Exposure> {
        let mut workspace = Workspace::for_one_query(self.inventory.nodes.len());
        origins
            .iter()
            .map(|&origin| {
                Exposure::compute(&self.graph, &mut workspace, &[origin], properties, limits)
            })
            .collect()
    }

    /// Every vendor ranked by its transitive blast radius over `properties`.
    pub fn rank_vendors(&self, properties: &[Property], limits: Limits) -> Vec<VendorRank> {
        rank::rank_vendors(
            &self.inventory,
            &self.graph,
            self.facts(),
            properties,
            limits,
        )
    }

    /// What can take `targets` down: every node whose failure or breach reaches one of them over
    /// `properties`, with its impact on them, and the single points of failure at `spof`.
    pub fn upstream(
        &self,
        targets: &[NodeIdx],
        properties: &[Property],
        limits: Limits,
        spof: f64,
    ) -> Upstream {
        let mut workspace = Workspace::for_one_query(self.inventory.nodes.len());
        Upstream::compute(
            &self.graph,
            &mut workspace,
            targets,
            properties,
            limits,
            spof,
        )
    }

    /// Every fourth party (a provider other vendors depend on), ranked by the critical processes
    /// its failure over `properties` reaches, then by the vendors that depend on it.
    pub fn fourth_parties(&self, properties: &[Property], limits: Limits) -> Vec<FourthParty> {
        let indexed = self.indexed();
        supply_chain::fourth_parties(
            &self.inventory,
            &self.graph,
            indexed.facts(),
            indexed.vendor_ties(),
            properties,
            limits,
        )
    }

    /// What coverage and the Statement of Applicability of `assessment` (from
    /// [`Session::assess`]) start from: build it once to ask for both.
    pub fn compliance<'a>(&'a self, assessment: &'a Assessment) -> compliance::Index<'a> {
        compliance::Index::new(self.indexed(), assessment).with_graph(&self.graph)
    }

    /// SOC 2 and Annex A coverage of `assessment` (from [`Session::assess`]).
    pub fn coverage(&self, assessment: &Assessment) -> Coverage {
        self.compliance(assessment).coverage()
    }

    /// The Statement of Applicability of `assessment`.
    pub fn statement_of_applicability(&self, assessment: &Assessment) -> Vec<SoaEntry> {
        self.compliance(assessment).statement_of_applicability()
    }

    /// The SHA-256 of every file the inventory was read from, by path relative to the inventory
    /// folder (the workbook's file name for a workbook), in path order.
    pub fn input_checksums(&self) -> Vec<Checksum> {
        let mut paths: Vec<&PathBuf> = self.inputs.iter().collect();
        paths.sort();
        paths.dedup();
        paths
            .into_iter()
            .map(|path| {
                let shown = path
                    .strip_prefix(&self.path)
                    .ok()
                    .filter(|p| !p.as_os_str().is_empty())
                    .or_else(|| path.file_name().map(Path::new))
                    .unwrap_or(path);
                Checksum {
                    file: shown.to_string_lossy().replace('\\', "/"),
                    origin: None,
                    sha256: file_sha256(path).unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The SHA-256 of the script of each hook the assessment calls (every hook but `loss`), with
    /// where it came from.
    pub fn rule_checksums(&self) -> Vec<Checksum> {
        let assessment = |file: &str| {
            crate::rules::HOOKS
                .iter()
                .any(|hook| hook.file == file && hook.assessment)
        };
        self.all_rule_checksums()
            .into_iter()
            .filter(|checksum| assessment(&checksum.file))
            .collect()
    }

    /// The SHA-256 of every hook's script, `loss` included: what a simulation depends on.
    pub fn all_rule_checksums(&self) -> Vec<Checksum> {
        self.rules
            .sources()
            .map(|(file, origin, source)| Checksum {
                file: file.to_owned(),
                origin: Some(if origin.starts_with("built-in") {
                    "built-in".to_owned()
                } else {
                    origin.replace('\\', "/")
                }),
                sha256: sha256(source.as_bytes()),
            })
            .collect()
    }

    fn settings(&self) -> Settings {
        Settings {
            as_of: self.as_of,
            limits: Limits::default(),
        }
    }
}

impl Loaded {
    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// The scenario and node of the risk `id` (`<threat-id>@<node-id>` or `fraud@<process-id>`).
    pub fn find(&self, id: &str) -> Result<(Source, NodeIdx), UnknownRisk> {
        assess::find(&self.inventory, id)
    }

    /// Compiles the rules (the folder `rules` when given, else the manifest's `[method] rules`
    /// relative to the inventory's folder, else the built-in rules), with what their scripts
    /// print going to `print`, and builds the impact graph.
    pub fn open(
        self,
        rules: Option<&Path>,
        as_of: jiff::civil::Date,
        print: PrintSink,
    ) -> Result<Session, OpenError> {
        let rules = self.compile_rules(rules, print)?;
        let graph = ImpactGraph::with_rules(&self.inventory, &rules).map_err(OpenError::Graph)?;
        Ok(self.with(rules, graph, as_of))
    }

    /// The session of this inventory with `rules` compiled and its `graph` built.
    fn with(self, rules: Rules, graph: ImpactGraph, as_of: jiff::civil::Date) -> Session {
        Session {
            path: self.path,
            inventory: self.inventory,
            inputs: self.inputs,
            sources: self.sources,
            rules,
            graph,
            as_of,
            indexes: Indexes::with_node_lists(self.node_lists),
        }
    }

    /// Compiles the rules, as [`Loaded::open`] does.
    fn compile_rules(&self, rules: Option<&Path>, print: PrintSink) -> Result<Rules, OpenError> {
        let base = if self.path.is_dir() {
            self.path.as_path()
        } else {
            self.path.parent().unwrap_or(Path::new("."))
        };
        let manifest = &self.inventory.manifest;
        let from_manifest = rules.is_none() && manifest.rules.is_some();
        let folder = rules
            .map(Path::to_path_buf)
            .or_else(|| manifest.rules.as_ref().map(|rules| base.join(rules)));
        Rules::load_printing_to(folder.as_deref(), manifest.sandbox, print).map_err(|mut errors| {
            if from_manifest {
                for error in &mut errors {
                    error.context.get_or_insert_with(|| {
                        String::from("the rules folder named by `[method] rules` in riskgraph.toml")
                    });
                }
            }
            OpenError::Rules(errors)
        })
    }
}

/// `bytes`' SHA-256 in lower-case hexadecimal.
fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The SHA-256 of the file at `path` in lower-case hexadecimal.
fn file_sha256(path: &Path) -> std::io::Result<String> {
    file_digest(path).map(|(digest, _)| hex(&digest))
}

/// The SHA-256 of the file at `path` and its length, read a buffer at a time: inventories run to
/// hundreds of megabytes.
pub(crate) fn file_digest(path: &Path) -> std::io::Result<([u8; 32], u64)> {
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok((hasher.finalize().into(), bytes))
}

fn hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}
