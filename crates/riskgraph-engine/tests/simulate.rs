//! The simulation against closed forms, its dependence structure (one event reaches many nodes;
//! unrelated risks are independent), its reproducibility, and the built-in loss rule against its
//! script.

use std::path::Path;

use riskgraph_engine::rules::discard_print;
use riskgraph_engine::session::Session;
use riskgraph_engine::simulate::{SimulateError, Simulation};
use riskgraph_model::money::lognormal;

const AS_OF: jiff::civil::Date = jiff::civil::date(2026, 11, 1);

/// An inventory folder of `files` (name, content).
fn inventory(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

fn simulate_with(
    path: &Path,
    rules: Option<&Path>,
    years: u64,
    seed: u64,
    threads: usize,
) -> Result<Simulation, SimulateError> {
    let session = Session::open(path, rules, AS_OF, discard_print())
        .unwrap_or_else(|_| panic!("{} opens", path.display()));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| session.simulate(years, seed))
}

fn simulate(path: &Path, years: u64) -> Simulation {
    simulate_with(path, None, years, 1, 2).unwrap()
}

const ONE_ASSET: &str = "id,name,type\nweb,Web application,software\n";

/// One risk: the threat `T` on `web`, at `frequency` events a year, each losing `loss`.
fn one_risk(frequency: &str, loss: &str) -> tempfile::TempDir {
    inventory(&[
        ("assets.csv", ONE_ASSET),
        (
            "threats.csv",
            &format!(
                "id,name,category,targets,frequency,loss\nT,Outage,service-outage,web,{frequency},{loss}\n"
            ),
        ),
    ])
}

fn share_without_loss(years: &[u64]) -> f64 {
    years.iter().filter(|&&c| c == 0).count() as f64 / years.len() as f64
}

#[test]
fn poisson_and_lognormal_match_the_closed_form() {
    let dir = one_risk("0.3", "50k..2M");
    let simulation = simulate(dir.path(), 1_000_000);
    let (mu, sigma) = lognormal(50_000.0, 2_000_000.0);
    let expected = 0.3 * (mu + sigma * sigma / 2.0).exp();
    let mean = simulation.residual.mean;
    assert!((mean / expected - 1.0).abs() < 0.01, "{mean} vs {expected}");
    let no_loss = share_without_loss(&simulation.residual_years);
    assert!((no_loss - (-0.3f64).exp()).abs() < 0.005, "{no_loss}");
    assert_eq!(simulation.risks.len(), 1);
    assert!((simulation.risks[0].share - 1.0).abs() < 1e-12);
    assert_eq!(simulation.risks[0].frequency.to_vec(), [0.3, 0.3]);
}

#[test]
fn pert_matches_its_mean() {
    let dir = one_risk("2", "10k..100k..1M");
    let simulation = simulate(dir.path(), 1_000_000);
    let expected = 2.0 * (10_000.0 + 4.0 * 100_000.0 + 1_000_000.0) / 6.0;
    let mean = simulation.residual.mean;
    assert!((mean / expected - 1.0).abs() < 0.01, "{mean} vs {expected}");
    let no_loss = share_without_loss(&simulation.residual_years);
    assert!((no_loss - (-2f64).exp()).abs() < 0.005, "{no_loss}");
}

#[test]
fn a_rate_range_is_a_rate_drawn_each_year() {
    let dir = one_risk("0.1..2", "100k");
    let simulation = simulate(dir.path(), 400_000);
    let (mu, sigma) = lognormal(0.1, 2.0);
    let expected = (mu + sigma * sigma / 2.0).exp() * 100_000.0;
    let mean = simulation.residual.mean;
    assert!((mean / expected - 1.0).abs() < 0.02, "{mean} vs {expected}");
}

/// A vendor whose outage reaches two processes, each with a loss of its own (or none).
fn outage(p1: &str, p2: &str) -> tempfile::TempDir {
    inventory(&[
        ("vendors.csv", "id,name\ncloud,Cloud provider\n"),
        (
            "processes.csv",
            &format!("id,name,in_scope,loss\nbilling,Billing,no,{p1}\nsupport,Support,no,{p2}\n"),
        ),
        (
            "dependencies.csv",
            "from,to,kind\nbilling,cloud,hosted-by\nsupport,cloud,hosted-by\n",
        ),
        (
            "threats.csv",
            "id,name,category,affects,targets,frequency,loss\nT-OUT,Outage,service-outage,A,cloud,0.5,0\n",
        ),
    ])
}

#[test]
fn one_outage_reaches_both_processes_in_the_same_years() {
    let years = 100_000;
    let billing = simulate(outage("100k..1M", "").path(), years).residual_years;
    let support = simulate(outage("", "2M").path(), years).residual_years;
    let both = simulate(outage("100k..1M", "2M").path(), years).residual_years;
    let with_loss =
        |series: &[u64]| -> Vec<usize> { (0..series.len()).filter(|&y| series[y] > 0).collect() };
    assert!(with_loss(&billing).len() > 30_000);
    assert_eq!(with_loss(&billing), with_loss(&support));
    assert_eq!(with_loss(&billing), with_loss(&both));
    for y in 0..years as usize {
        // The same events, drawn once: the parts add up, but for the rounding to cents.
        assert!(both[y].abs_diff(billing[y] + support[y]) <= 4, "year {y}");
    }
    // Independent boxes would give a correlation of about 0; one event per outage, well above.
    let r = correlation(&billing, &support);
    assert!(r > 0.5, "correlation {r}");
}

#[test]
fn unrelated_risks_are_independent_and_do_not_reshuffle_each_other() {
    let assets = "id,name,type\nweb,Web,software\ndb,Database,data\n";
    let threat = |id: &str, target: &str| {
        format!("{id},Outage of {target},service-outage,{target},0.4,100k..1M\n")
    };
    let header = "id,name,category,targets,frequency,loss\n";
    let only_web = inventory(&[
        ("assets.csv", assets),
        (
            "threats.csv",
            &format!("{header}{}", threat("T-WEB", "web")),
        ),
    ]);
    let only_db = inventory(&[
        ("assets.csv", assets),
        ("threats.csv", &format!("{header}{}", threat("T-DB", "db"))),
    ]);
    let both = inventory(&[
        ("assets.csv", assets),
        (
            "threats.csv",
            &format!("{header}{}{}", threat("T-DB", "db"), threat("T-WEB", "web")),
        ),
    ]);
    let years = 200_000;
    let web = simulate(only_web.path(), years).residual_years;
    let db = simulate(only_db.path(), years).residual_years;
    let together = simulate(both.path(), years).residual_years;
    for y in 0..years as usize {
        assert_eq!(together[y], web[y] + db[y], "year {y}");
    }
    let r = correlation(&web, &db);
    assert!(r.abs() < 0.01, "correlation {r}");
}

fn correlation(a: &[u64], b: &[u64]) -> f64 {
    let n = a.len() as f64;
    let mean = |x: &[u64]| x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let (ma, mb) = (mean(a), mean(b));
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x as f64 - ma, y as f64 - mb);
        ab += dx * dy;
        aa += dx * dx;
        bb += dy * dy;
    }
    ab / (aa * bb).sqrt()
}

fn acme() -> &'static Path {
    static ROOT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas"))
}

#[test]
fn the_same_figures_on_any_thread_count_and_others_with_another_seed() {
    let one = simulate_with(acme(), None, 20_000, 1, 1).unwrap();
    let two = simulate_with(acme(), None, 20_000, 1, 2).unwrap();
    assert_eq!(one, two);
    let other = simulate_with(acme(), None, 20_000, 2, 2).unwrap();
    assert_ne!(one.residual_years, other.residual_years);
    assert!(one.residual.mean > 0.0);
    assert!(one.residual.mean < one.inherent.mean);
}

#[test]
fn the_builtin_loss_rule_is_its_script() {
    let rules = tempfile::tempdir().unwrap();
    let script = riskgraph_engine::rules::default_scripts()
        .find(|(file, _)| *file == "loss.rhai")
        .unwrap()
        .1;
    std::fs::write(rules.path().join("loss.rhai"), script).unwrap();
    let builtin = simulate_with(acme(), None, 5_000, 1, 2).unwrap();
    let scripted = simulate_with(acme(), Some(rules.path()), 5_000, 1, 2).unwrap();
    assert_eq!(builtin, scripted);
}

#[test]
fn a_control_avoids_what_its_absence_would_cost() {
    let dir = inventory(&[
        ("assets.csv", ONE_ASSET),
        (
            "threats.csv",
            "id,name,category,targets,likelihood,frequency,loss\nT,Outage,service-outage,web,4,1,50k..2M\n",
        ),
        (
            "controls.csv",
            "id,name,status,effectiveness,reduces,mitigates,cost\nC-1,Failover,implemented,0.6,likelihood,T,20k\nC-2,Plan,planned,0.9,likelihood,T,5k\n",
        ),
    ]);
    let simulation = simulate(dir.path(), 200_000);
    let risk = &simulation.risks[0];
    assert!(
        risk.frequency[1] < risk.frequency[0],
        "{:?}",
        risk.frequency
    );
    let c1 = &simulation.controls[0];
    assert_eq!(c1.control, 0);
    let saved = risk.inherent_mean - risk.mean;
    assert!(saved > 0.0);
    assert!(
        (c1.avoided - saved).abs() < 1e-6 * saved,
        "{} vs {saved}",
        c1.avoided
    );
    assert_eq!(c1.cost, Some(20_000.0));
    assert!((c1.return_on_cost.unwrap() - (saved - 20_000.0) / 20_000.0).abs() < 1e-9);
    // A planned control avoids nothing yet.
    assert!(simulation.controls[1].avoided.abs() < f64::EPSILON);
}

#[test]
fn without_money_data_there_is_nothing_to_simulate() {
    let dir = inventory(&[("assets.csv", ONE_ASSET)]);
    assert_eq!(
        simulate_with(dir.path(), None, 100, 1, 1),
        Err(SimulateError::NoMoneyData)
    );
    // A [quant] table is enough: the defaults put the scores in money.
    let dir = inventory(&[
        ("assets.csv", ONE_ASSET),
        (
            "threats.csv",
            "id,name,category,targets,likelihood\nT,Outage,service-outage,web,3\n",
        ),
        ("riskgraph.toml", "[quant]\n"),
    ]);
    let simulation = simulate(dir.path(), 10_000);
    assert!(simulation.residual.mean > 0.0);
}
