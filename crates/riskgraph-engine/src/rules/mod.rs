//! The organization's scoring rules: Rhai scripts, one file per hook, compiled once and run in a
//! sandbox.
//!
//! `rules/default/` holds the built-in scripts, embedded in the binary. An organization's rules
//! folder (`[method] rules` in the manifest, or `--rules DIR`) overrides any of them; the files it
//! lacks fall back to the built-in ones.
//!
//! The sandbox: no file system or network access (Rhai has none unless a package adds it), no
//! `eval`, `import` only of scripts inside the rules folder, no clock, and limits on operations, call depth, expression depth and string, array
//! and map sizes, so a runaway script stops with an error instead of hanging the assessment.

use std::fmt;
use std::path::{Path, PathBuf};

use rhai::{AST, Dynamic, Engine, EvalAltResult, Position, Scope};
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::Vocabulary;

use crate::propagation::EdgeProfile;
use crate::simulate::loss::Loss;

pub mod memo;
pub mod money;
pub mod testing;
pub mod views;

use views::{Context, Control, ControlData, Exposure, Node, Scores, ScoresData, Threat};

/// One hook: the file that holds it, the function it must define and its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hook {
    pub file: &'static str,
    pub function: &'static str,
    pub params: &'static [&'static str],
    /// Whether the assessment calls it (`loss` is the simulation's alone): the register and
    /// explanations name the scripts that made them.
    pub assessment: bool,
    /// The built-in script.
    default_source: &'static str,
}

/// The hooks riskgraph calls.
pub const HOOKS: &[Hook] = &[
    Hook {
        file: "likelihood.rhai",
        function: "likelihood",
        assessment: true,
        params: &["threat", "node", "ctx"],
        default_source: include_str!("../../../../rules/default/likelihood.rhai"),
    },
    Hook {
        file: "impact.rhai",
        function: "impact",
        assessment: true,
        params: &["threat", "node", "exposure", "ctx"],
        default_source: include_str!("../../../../rules/default/impact.rhai"),
    },
    Hook {
        file: "fraud.rhai",
        function: "fraud",
        assessment: true,
        params: &["process", "ctx"],
        default_source: include_str!("../../../../rules/default/fraud.rhai"),
    },
    Hook {
        file: "residual.rhai",
        function: "residual",
        assessment: true,
        params: &["inherent", "controls", "ctx"],
        default_source: include_str!("../../../../rules/default/residual.rhai"),
    },
    Hook {
        file: "propagation.rhai",
        function: "edge_factor",
        assessment: true,
        params: &["edge", "property"],
        default_source: include_str!("../../../../rules/default/propagation.rhai"),
    },
    Hook {
        file: "loss.rhai",
        function: "loss",
        assessment: false,
        params: &["threat", "node", "exposure", "ctx"],
        default_source: include_str!("../../../../rules/default/loss.rhai"),
    },
];

/// The built-in scripts: (file name, source), as `riskgraph init` copies them.
pub fn default_scripts() -> impl Iterator<Item = (&'static str, &'static str)> {
    HOOKS.iter().map(|hook| (hook.file, hook.default_source))
}

/// The sandbox's limits, as the manifest's `[sandbox]` section sets them.
pub use riskgraph_model::manifest::SandboxLimits as Limits;

/// A problem with a rules script, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The script, as a path for an organization's file or `built-in <file>` for a default one.
    pub script: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    /// What riskgraph was doing, such as the hook and the risk it was scoring.
    pub context: Option<String>,
}

impl RuleError {
    /// The text of the script the error points into: the organization's file read again, or the
    /// built-in source; `None` when the file cannot be read any more.
    pub fn script_text(&self) -> Option<String> {
        match self.script.strip_prefix("built-in ") {
            Some(file) => default_scripts()
                .find(|(name, _)| *name == file)
                .map(|(_, source)| source.to_owned()),
            None => std::fs::read_to_string(&self.script).ok(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.script)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(context) = &self.context {
            write!(f, " ({context})")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleError {}

/// One compiled script.
#[derive(Debug)]
struct Script {
    hook: Hook,
    /// Where it came from, for messages.
    origin: String,
    source: String,
    ast: AST,
    /// What the script can read of its arguments, for reusing results.
    reads: memo::ReadSet,
}

/// The compiled rules and the sandboxed engine that runs them. `Sync`: calls may run from many
/// threads at once.
pub struct Rules {
    engine: Engine,
    scripts: Vec<Script>,
    limits: Limits,
    folder: Option<PathBuf>,
    print: PrintSink,
}

/// Where what a script writes with `print` or `debug` goes, one line at a time (for `debug`,
/// prefixed with the script and position). The caller chooses: the CLI writes it to stderr; by
/// default it is dropped, since the engine writes to no terminal.
pub type PrintSink = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// A sink that drops what scripts print.
pub fn discard_print() -> PrintSink {
    std::sync::Arc::new(|_| {})
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rules")
            .field("scripts", &self.scripts)
            .finish_non_exhaustive()
    }
}

/// What an edge looks like to `edge_factor`.
#[derive(Debug, Clone)]
struct EdgeView {
    kind: &'static str,
    strength: f64,
    redundant: bool,
    propagates: bool,
}

impl Rules {
    /// The built-in rules.
    pub fn builtin() -> Result<Self, Vec<RuleError>> {
        Self::load(None, Limits::default())
    }

    /// The rules of `folder` (each hook's file when it has one, the built-in script otherwise),
    /// compiled; every problem in every script is reported. What scripts print is dropped.
    pub fn load(folder: Option<&Path>, limits: Limits) -> Result<Self, Vec<RuleError>> {
        Self::load_printing_to(folder, limits, discard_print())
    }

    /// [`Rules::load`], with what scripts print going to `print`.
    pub fn load_printing_to(
        folder: Option<&Path>,
        limits: Limits,
        print: PrintSink,
    ) -> Result<Self, Vec<RuleError>> {
        let engine = sandboxed_engine(limits, folder, &print);
        let mut scripts = Vec::new();
        let mut errors = Vec::new();
        if let Some(folder) = folder
            && !folder.is_dir()
        {
            errors.push(RuleError {
                script: folder.display().to_string(),
                line: None,
                column: None,
                message: "the rules folder does not exist or is not a folder".to_owned(),
                context: None,
            });
            return Err(errors);
        }
        for &hook in HOOKS {
            let path: Option<PathBuf> = folder.map(|f| f.join(hook.file)).filter(|p| p.is_file());
            let (origin, source) = match &path {
                Some(path) => match std::fs::read_to_string(path) {
                    Ok(source) => (path.display().to_string(), source),
                    Err(err) => {
                        errors.push(RuleError {
                            script: path.display().to_string(),
                            line: None,
                            column: None,
                            message: format!("cannot read the script: {err}"),
                            context: None,
                        });
                        continue;
                    }
                },
                None => (
                    format!("built-in {}", hook.file),
                    hook.default_source.to_owned(),
                ),
            };
            match compile(&engine, hook, &origin, &source) {
                Ok(ast) => scripts.push(Script {
                    hook,
                    origin,
                    reads: memo::ReadSet::of(&ast),
                    source,
                    ast,
                }),
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(Self {
                engine,
                scripts,
                limits,
                folder: folder.map(Path::to_path_buf),
                print,
            })
        } else {
            Err(errors)
        }
    }

    /// An independent copy: its own engine and compiled scripts, from the same sources. Calls on
    /// one `Rules` from several threads share the compiled scripts' reference counts, and the
    /// cache line they sit on bounces between cores on every call; one copy per thread does not.
    pub fn fork(&self) -> Result<Self, RuleError> {
        let engine = sandboxed_engine(self.limits, self.folder.as_deref(), &self.print);
        let mut scripts = Vec::with_capacity(self.scripts.len());
        for script in &self.scripts {
            let ast = compile(&engine, script.hook, &script.origin, &script.source)?;
            scripts.push(Script {
                hook: script.hook,
                origin: script.origin.clone(),
                source: script.source.clone(),
                ast,
                reads: script.reads.clone(),
            });
        }
        Ok(Self {
            engine,
            scripts,
            limits: self.limits,
            folder: self.folder.clone(),
            print: self.print.clone(),
        })
    }

    /// Where each hook's script comes from: (file, path or `built-in <file>`).
    pub fn origins(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.scripts
            .iter()
            .map(|script| (script.hook.file, script.origin.as_str()))
    }

    /// The scripts the assessment runs, as [`Rules::origins`]: every hook but `loss`.
    pub fn assessment_origins(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.origins()
            .filter(|(file, _)| HOOKS.iter().any(|h| h.file == *file && h.assessment))
    }

    /// Whether the `loss` hook is the built-in script.
    pub fn builtin_loss(&self) -> bool {
        self.script("loss").origin.starts_with("built-in")
    }

    /// Each hook's script: (file, path or `built-in <file>`, source text), for checksums.
    pub fn sources(&self) -> impl Iterator<Item = (&'static str, &str, &str)> {
        self.scripts.iter().map(|script| {
            (
                script.hook.file,
                script.origin.as_str(),
                script.source.as_str(),
            )
        })
    }

    fn script(&self, function: &str) -> &Script {
        self.scripts
            .iter()
            .find(|script| script.hook.function == function)
            .expect("every hook has a compiled script")
    }

    /// Calls `function` of its script with `args`; errors name the script, the position and
    /// `context`.
    fn call(
        &self,
        function: &str,
        args: impl rhai::FuncArgs,
        context: &dyn Fn() -> String,
    ) -> Result<(Dynamic, &Script), RuleError> {
        let script = self.script(function);
        let result: Dynamic = self
            .engine
            .call_fn(&mut Scope::new(), &script.ast, function, args)
            .map_err(|err| runtime_error(script, &err, self.limits, context()))?;
        Ok((result, script))
    }

    /// The `likelihood` hook: an integer from 1 to the context's scale.
    pub fn likelihood(
        &self,
        threat: &Threat,
        node: &Node,
        ctx: &Context,
    ) -> Result<i64, RuleError> {
        let context = || format!("likelihood of {}", risk_name(ctx, threat, node));
        let (result, script) = self.call(
            "likelihood",
            (threat.clone(), node.clone(), ctx.clone()),
            &context,
        )?;
        score(
            &self.engine,
            script,
            "likelihood",
            &result,
            ctx.0.scale,
            &context,
        )
    }

    /// The `impact` hook: an integer from 1 to the context's scale.
    pub fn impact(
        &self,
        threat: &Threat,
        node: &Node,
        exposure: &Exposure,
        ctx: &Context,
    ) -> Result<i64, RuleError> {
        let context = || format!("impact of {}", risk_name(ctx, threat, node));
        let args = (threat.clone(), node.clone(), exposure.clone(), ctx.clone());
        let (result, script) = self.call("impact", args, &context)?;
        score(
            &self.engine,
            script,
            "impact",
            &result,
            ctx.0.scale,
            &context,
        )
    }

    /// The `fraud` hook: likelihood and impact from 1 to the scale, and the factors the script
    /// reports (every other entry of its map, as text, in key order).
    pub fn fraud(&self, process: &Node, ctx: &Context) -> Result<Fraud, RuleError> {
        let context = || {
            let risk = if ctx.0.risk.is_empty() {
                format!("fraud@{}", process.0.id)
            } else {
                ctx.0.risk.clone()
            };
            format!("fraud of {risk}")
        };
        let (result, script) = self.call("fraud", (process.clone(), ctx.clone()), &context)?;
        let (likelihood, impact, map) = scores_map(
            &self.engine,
            script,
            "fraud",
            &result,
            ctx.0.scale,
            &context,
        )?;
        let mut factors: Vec<(String, String)> = map
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "likelihood" | "impact"))
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        factors.sort();
        Ok(Fraud {
            likelihood,
            impact,
            factors,
        })
    }

    /// What the script of hook `function` (`likelihood`, `impact`, `fraud`, `residual`) can read
    /// of its arguments, for reusing its results (see [`memo`]).
    pub fn reads(&self, function: &str) -> &memo::ReadSet {
        &self.script(function).reads
    }

    /// The `residual` hook: residual likelihood and impact from 1 to the scale.
    pub fn residual(
        &self,
        inherent: ScoresData,
        controls: &[std::sync::Arc<ControlData>],
        ctx: &Context,
    ) -> Result<ScoresData, RuleError> {
        let context = || {
            if ctx.0.risk.is_empty() {
                "residual".to_owned()
            } else {
                format!("residual of {}", ctx.0.risk)
            }
        };
        let controls: rhai::Array = controls
            .iter()
            .map(|c| Dynamic::from(Control(std::sync::Arc::clone(c), ctx.0.as_of)))
            .collect();
        let (result, script) = self.call(
            "residual",
            (Scores(inherent), controls, ctx.clone()),
            &context,
        )?;
        let (likelihood, impact, _) = scores_map(
            &self.engine,
            script,
            "residual",
            &result,
            ctx.0.scale,
            &context,
        )?;
        Ok(ScoresData { likelihood, impact })
    }

    /// The `edge_factor` hook: the share of `property`'s impact that crosses an edge of this
    /// profile, checked to be a number from 0 to 1.
    pub fn edge_factor(&self, edge: &EdgeProfile, property: Property) -> Result<f64, RuleError> {
        let script = self.script("edge_factor");
        let view = EdgeView {
            kind: edge.kind.as_str(),
            strength: edge.strength(),
            redundant: edge.redundant,
            propagates: edge.propagates,
        };
        let property_name = property.name();
        let context = || {
            format!(
                "edge_factor for a {} dependency of strength {}{}, {property_name}",
                view.kind,
                view.strength,
                if view.redundant { ", redundant" } else { "" }
            )
        };
        let result: Dynamic = self
            .engine
            .call_fn(
                &mut Scope::new(),
                &script.ast,
                "edge_factor",
                (view.clone(), property_name.to_owned()),
            )
            .map_err(|err| runtime_error(script, &err, self.limits, context()))?;
        let factor = result
            .as_float()
            .or_else(|_| result.as_int().map(|i| i as f64))
            .map_err(|type_name| RuleError {
                script: script.origin.clone(),
                line: None,
                column: None,
                message: format!(
                    "edge_factor must return a number from 0 to 1, not a {}",
                    self.engine.map_type_name(type_name)
                ),
                context: Some(context()),
            })?;
        if !(0.0..=1.0).contains(&factor) {
            return Err(RuleError {
                script: script.origin.clone(),
                line: None,
                column: None,
                message: format!("edge_factor returned {factor}; a factor is from 0 to 1"),
                context: Some(context()),
            });
        }
        Ok(factor)
    }
}

impl Rules {
    /// The `loss` hook: the loss of one event of the risk in `ctx`, checked to be a `Loss`, an
    /// amount of 0 or more, or `()` (nothing).
    pub fn loss(
        &self,
        threat: &Threat,
        node: &Node,
        exposure: &Exposure,
        ctx: &Context,
    ) -> Result<Loss, RuleError> {
        let context = || {
            format!(
                "loss of {} ({} run)",
                risk_name(ctx, threat, node),
                ctx.0.run
            )
        };
        let args = (threat.clone(), node.clone(), exposure.clone(), ctx.clone());
        let (result, script) = self.call("loss", args, &context)?;
        let loss = if result.is_unit() {
            Loss::ZERO
        } else if let Some(loss) = result.read_lock::<Loss>() {
            loss.clone()
        } else if let Ok(amount) = result
            .as_float()
            .or_else(|_| result.as_int().map(|i| i as f64))
        {
            Loss::fixed(amount)
        } else {
            return Err(wrong(
                script,
                format!(
                    "loss must return a Loss (`loss(\"50k..2M\")`, `node.loss`...), an amount or `()`, not a {}",
                    self.engine.map_type_name(result.type_name())
                ),
                &context,
            ));
        };
        if !loss.is_valid() {
            return Err(wrong(
                script,
                format!("loss returned {loss}; amounts of money are 0 or more"),
                &context,
            ));
        }
        Ok(loss)
    }
}

/// What the `fraud` hook returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fraud {
    pub likelihood: i64,
    pub impact: i64,
    /// The factors the script reported, by name, as text.
    pub factors: Vec<(String, String)>,
}

/// The risk a call scores, for messages: the context's risk id, or `threat@node`.
fn risk_name(ctx: &Context, threat: &Threat, node: &Node) -> String {
    if ctx.0.risk.is_empty() {
        format!("{}@{}", threat.0.id, node.0.id)
    } else {
        ctx.0.risk.clone()
    }
}

fn wrong(script: &Script, message: String, context: &dyn Fn() -> String) -> RuleError {
    RuleError {
        script: script.origin.clone(),
        line: None,
        column: None,
        message,
        context: Some(context()),
    }
}

/// `value` as a score: an integer from 1 to `scale`.
fn score(
    engine: &Engine,
    script: &Script,
    what: &str,
    value: &Dynamic,
    scale: i64,
    context: &dyn Fn() -> String,
) -> Result<i64, RuleError> {
    let Ok(n) = value.as_int() else {
        return Err(wrong(
            script,
            format!(
                "{what} must be an integer from 1 to {scale}, not a {} ({value})",
                engine.map_type_name(value.type_name())
            ),
            context,
        ));
    };
    if !(1..=scale).contains(&n) {
        return Err(wrong(
            script,
            format!("{what} is {n}; it must be from 1 to {scale}"),
            context,
        ));
    }
    Ok(n)
}

/// `value` as a map with `likelihood` and `impact` scores.
fn scores_map(
    engine: &Engine,
    script: &Script,
    hook: &str,
    value: &Dynamic,
    scale: i64,
    context: &dyn Fn() -> String,
) -> Result<(i64, i64, rhai::Map), RuleError> {
    let Some(map) = value.read_lock::<rhai::Map>().map(|m| m.clone()) else {
        return Err(wrong(
            script,
            format!(
                "{hook} must return a map #{{ likelihood: .., impact: .. }}, not a {}",
                engine.map_type_name(value.type_name())
            ),
            context,
        ));
    };
    let get = |key: &str| -> Result<i64, RuleError> {
        let Some(entry) = map.get(key) else {
            return Err(wrong(
                script,
                format!("the map {hook} returned has no `{key}`"),
                context,
            ));
        };
        score(
            engine,
            script,
            &format!("{hook}'s {key}"),
            entry,
            scale,
            context,
        )
    };
    let likelihood = get("likelihood")?;
    let impact = get("impact")?;
    Ok((likelihood, impact, map))
}

/// An engine with the standard library (strings, maths, arrays, maps) and nothing that reaches
/// outside: no `eval`, `import` only of scripts inside `folder`, and the limits of `limits`.
fn sandboxed_engine(limits: Limits, folder: Option<&Path>, print: &PrintSink) -> Engine {
    let mut engine = Engine::new();
    engine.disable_symbol("eval");
    // `print` and `debug` go to the caller's sink, never into a command's output.
    let sink = print.clone();
    engine.on_print(move |text| sink(text));
    let sink = print.clone();
    engine.on_debug(move |text, source, pos| {
        let at = source.map_or_else(String::new, |s| format!("{s} "));
        sink(&format!("{at}{pos:?}: {text}"));
    });
    engine.set_module_resolver(FolderResolver::new(folder));
    engine.set_max_modules(if folder.is_some() { 16 } else { 0 });
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_depth as usize);
    engine.set_max_expr_depths(64, 64);
    engine.set_max_string_size(limits.max_string_size as usize);
    engine.set_max_array_size(limits.max_array_size as usize);
    engine.set_max_map_size(limits.max_map_size as usize);
    views::register(&mut engine);
    engine
        .register_type_with_name::<EdgeView>("Edge")
        .register_get("kind", |e: &mut EdgeView| e.kind.to_owned())
        .register_get("strength", |e: &mut EdgeView| e.strength)
        .register_get("redundant", |e: &mut EdgeView| e.redundant)
        .register_get("propagates", |e: &mut EdgeView| e.propagates);
    engine
}

/// Resolves `import "helpers" as h;` to `helpers.rhai` in the rules folder, and refuses any path
/// that would leave it (absolute paths, `..`, links pointing outside).
struct FolderResolver {
    root: Option<PathBuf>,
    files: Option<rhai::module_resolvers::FileModuleResolver>,
}

impl FolderResolver {
    fn new(folder: Option<&Path>) -> Self {
        let root = folder.and_then(|f| f.canonicalize().ok());
        let files = root
            .as_ref()
            .map(rhai::module_resolvers::FileModuleResolver::new_with_path);
        Self { root, files }
    }
}

impl rhai::ModuleResolver for FolderResolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<rhai::Shared<rhai::Module>, Box<EvalAltResult>> {
        let refuse = |why: &str| {
            Box::new(EvalAltResult::ErrorModuleNotFound(
                format!("{path} ({why})"),
                pos,
            ))
        };
        // Helpers importing each other would import forever: each import runs in a fresh state
        // that no limit carries over, so count the nesting here.
        let Some(_nesting) = ImportNesting::enter() else {
            return Err(refuse(
                "imports nest too deeply; do helpers import each other?",
            ));
        };
        let (Some(root), Some(files)) = (&self.root, &self.files) else {
            return Err(refuse("the built-in rules import nothing"));
        };
        let relative = Path::new(path);
        let plain = !relative.is_absolute()
            && relative
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain {
            return Err(refuse(
                "only scripts inside the rules folder can be imported",
            ));
        }
        let file = root.join(relative).with_extension("rhai");
        match file.canonicalize() {
            Ok(real) if real.starts_with(root) => files.resolve(engine, source, path, pos),
            Ok(_) => Err(refuse("it leads outside the rules folder")),
            Err(_) => Err(refuse("no such script in the rules folder")),
        }
    }
}

/// How deeply imports nest on this thread.
struct ImportNesting;

thread_local! {
    static IMPORT_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

impl ImportNesting {
    const MAX: u32 = 8;

    fn enter() -> Option<Self> {
        IMPORT_DEPTH.with(|depth| {
            (depth.get() < Self::MAX).then(|| {
                depth.set(depth.get() + 1);
                Self
            })
        })
    }
}

impl Drop for ImportNesting {
    fn drop(&mut self) {
        IMPORT_DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

/// Compiles `source` and checks that it defines the hook's function with the right arity.
fn compile(engine: &Engine, hook: Hook, origin: &str, source: &str) -> Result<AST, RuleError> {
    // Imports are resolved now, once: a missing helper is reported by `rules check`, and calls
    // read the helpers from the compiled script instead of the disk.
    let ast = engine
        .compile_into_self_contained(&Scope::new(), source)
        .map_err(|err| {
            let (line, column) = position(err.position());
            let message = match *err {
                EvalAltResult::ErrorParsing(ref kind, _) => format!("syntax error: {kind}"),
                EvalAltResult::ErrorModuleNotFound(ref what, _) => format!("cannot import {what}"),
                EvalAltResult::ErrorInModule(ref module, ref inner, _) => {
                    format!("error in the imported script `{module}`: {inner}")
                }
                ref other => other.to_string(),
            };
            RuleError {
                script: origin.to_owned(),
                line,
                column,
                message,
                context: None,
            }
        })?;
    let defined: Vec<usize> = ast
        .iter_functions()
        .filter(|f| f.name == hook.function)
        .map(|f| f.params.len())
        .collect();
    let arity = hook.params.len();
    if !defined.contains(&arity) {
        let message = if defined.is_empty() {
            format!(
                "the script does not define `{}`; it must define `fn {}({})`",
                hook.function,
                hook.function,
                hook.params.join(", ")
            )
        } else {
            format!(
                "`{}` takes {} parameter(s) here; riskgraph calls it with {}: `fn {}({})`",
                hook.function,
                defined[0],
                arity,
                hook.function,
                hook.params.join(", ")
            )
        };
        return Err(RuleError {
            script: origin.to_owned(),
            line: None,
            column: None,
            message,
            context: None,
        });
    }
    Ok(ast)
}

fn position(position: Position) -> (Option<usize>, Option<usize>) {
    (position.line(), position.position())
}

fn runtime_error(
    script: &Script,
    err: &EvalAltResult,
    limits: Limits,
    context: String,
) -> RuleError {
    let (line, column) = position(err.position());
    let message = match err {
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "the script ran more than {} operations in one call (an endless loop?)",
            limits.max_operations
        ),
        EvalAltResult::ErrorStackOverflow(_) => format!(
            "the script nested more than {} function calls (runaway recursion?)",
            limits.max_call_depth
        ),
        EvalAltResult::ErrorTooManyModules(_) => {
            "too many imports (the built-in rules import nothing; a rules folder, 16)".to_owned()
        }
        EvalAltResult::ErrorModuleNotFound(what, _) => format!("cannot import {what}"),
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            format!("the script built a value too large ({what})")
        }
        other => other.to_string(),
    };
    RuleError {
        script: script.origin.clone(),
        line,
        column,
        message,
        context: Some(context),
    }
}
