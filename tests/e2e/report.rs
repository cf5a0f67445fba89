//! `riskgraph report`: the HTML report's structure for the bundled dataset, escaping of hostile
//! inventory text, approval, changes since a previous register, and rendering in a real browser
//! (Chromium, headless) where the inline script must run and filter the register.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::validate::tempdir;
use crate::{output, riskgraph};

const AS_OF: &str = "2026-11-01";

/// Writes the report of `inventory` to `<dir>/report.html` and returns its path and text.
fn report(name: &str, inventory: &str, extra: &[&str]) -> (PathBuf, String) {
    let path = tempdir(&format!("report-{name}")).join("report.html");
    let (code, _, stderr) = output(
        riskgraph()
            .args(["report", inventory, "--as-of", AS_OF, "-o"])
            .arg(&path)
            .args(extra),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

fn register_json(inventory: &str) -> serde_json::Value {
    let (code, stdout, stderr) =
        output(riskgraph().args(["assess", inventory, "--as-of", AS_OF, "--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// The report's outline: sections, headings, and each table's id and number of body rows.
fn outline(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let tag_end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..tag_end];
        if let Some(id) = tag.strip_prefix("<section id=\"") {
            let _ = writeln!(out, "section {}", &id[..id.find('"').unwrap()]);
        } else if tag.starts_with("<h2") || tag.starts_with("<h3") {
            let close = if tag.starts_with("<h2") {
                "</h2>"
            } else {
                "</h3>"
            };
            let text = &rest[tag_end..rest.find(close).unwrap()];
            let _ = writeln!(out, "  {} {text}", &tag[1..3]);
        } else if tag.starts_with("<table") {
            let end = rest.find("</table>").unwrap();
            let rows = rest[..end].matches("<tr").count() - 1;
            let id = tag
                .split("id=\"")
                .nth(1)
                .map_or("", |s| &s[..s.find('"').unwrap()]);
            let _ = writeln!(out, "    table {id} {rows} rows");
        } else if tag.starts_with("<svg") {
            let end = rest.find("</svg>").unwrap();
            let cells = rest[..end].matches("class=\"cell\"").count();
            let _ = writeln!(out, "    svg {cells} cells");
        }
        rest = &rest[tag_end..];
    }
    out
}

#[test]
fn golden_structure_of_the_bundled_report() {
    let (_, html) = report("acme", "datasets/acme-saas", &[]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Self-contained: no address outside the file.
    for needle in ["http://", "https://", "src=", "<link"] {
        let allowed = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        let found = html.matches(needle).count();
        if needle == "http://" {
            assert_eq!(found, allowed, "{needle}");
        } else {
            assert_eq!(found, 0, "{needle}");
        }
    }
    insta::assert_snapshot!("acme-report-outline", outline(&html));

    // The same report from `assess --format html`.
    let (code, stdout, _) = output(riskgraph().args([
        "assess",
        "datasets/acme-saas",
        "--as-of",
        AS_OF,
        "--format",
        "html",
    ]));
    assert_eq!(code, Some(0));
    assert_eq!(stdout, html);
}

#[test]
fn counts_agree_with_the_json_register() {
    let (_, html) = report("acme-counts", "datasets/acme-saas", &[]);
    let json = register_json("datasets/acme-saas");
    let card = |id: &str| -> u64 {
        let at = html.find(&format!("id=\"{id}\"")).unwrap();
        let rest = &html[at..];
        let start = rest.find("class=\"n\">").unwrap() + 10;
        rest[start..start + rest[start..].find('<').unwrap()]
            .parse()
            .unwrap()
    };
    let summary = &json["summary"];
    assert_eq!(card("count-risks"), summary["risks"].as_u64().unwrap());
    assert_eq!(
        card("count-above-appetite"),
        summary["above_appetite"].as_u64().unwrap()
    );
    assert_eq!(
        card("count-overdue"),
        summary["review_overdue"].as_u64().unwrap()
    );
    assert_eq!(
        html.matches("<tr data-id=").count() as u64,
        summary["risks"].as_u64().unwrap()
    );
    // Every heat map cell holds the JSON matrix's count.
    let scale = json["method"]["scale"].as_u64().unwrap();
    for (side, matrix) in [
        ("i", &json["matrix"]["inherent"]),
        ("r", &json["matrix"]["residual"]),
    ] {
        for l in 1..=scale {
            for i in 1..=scale {
                let expected = &matrix[(scale - l) as usize][(i - 1) as usize];
                let needle = format!(
                    "data-side=\"{side}\" data-l=\"{l}\" data-i=\"{i}\" data-count=\"{expected}\""
                );
                assert!(html.contains(&needle), "{needle}");
            }
        }
    }
    // The register's rows per residual level agree with the summary.
    for (level, count) in summary["residual"].as_object().unwrap() {
        let rows = html.matches(&format!("data-level=\"{level}\" ")).count() as u64;
        assert_eq!(rows, count.as_u64().unwrap(), "{level}");
    }
}

#[test]
fn hostile_inventory_text_is_shown_never_run() {
    let dir = tempdir("report-hostile-inventory");
    std::fs::write(
        dir.join("riskgraph.toml"),
        r#"[organization]
name = "<b>Evil</b> Corp"
[scope]
statement = "</p><script>alert(6)</script>"
[method]
appetite = "mid\" onfocus=\"alert(7)"
levels = [ { name = "lo' onmouseover='alert(8)", max = 4 }, { name = "mid\" onfocus=\"alert(7)", max = 12 }, { name = "hi", max = 25 } ]
[review]
hi = 30
"mid\" onfocus=\"alert(7)" = 90
"lo' onmouseover='alert(8)" = 365
[approval]
approved_by = "<img src=x onerror=alert(9)>"
approved_on = 2026-12-01
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("vendors.csv"),
        "id,name,criticality\nevil,<script>alert(1)</script>,5\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("assets.csv"),
        "id,name,type,owner\napp,\"\"\"><img src=x onerror=alert(2)>\",software,\"\"\" autofocus onfocus=alert(5) x=\"\"\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("dependencies.csv"), "from,to\napp,evil\n").unwrap();
    std::fs::write(
        dir.join("threats.csv"),
        "id,name,category,targets\nT-1,<iframe src=javascript:alert(4)>,cyber-attack,*\n",
    )
    .unwrap();
    let (_, html) = report("hostile", dir.to_str().unwrap(), &[]);
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the report's own script"
    );
    for bad in [
        "<img",
        "<iframe",
        "<b>Evil",
        "alert(1)</script>",
        "alert(6)</script>",
        "\" onfocus",
        "\" autofocus",
        "' onmouseover",
    ] {
        assert!(!html.contains(bad), "{bad} reached the page");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;Evil&lt;/b&gt; Corp"));
    assert!(html.contains("Approved by &lt;img src=x onerror=alert(9)&gt; on 2026-12-01"));

    // An approval dated before the assessment, or none, is flagged on the first page.
    let manifest = dir.join("riskgraph.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let earlier = text.replace("approved_on = 2026-12-01", "approved_on = 2026-01-01");
    std::fs::write(&manifest, earlier).unwrap();
    let (_, html) = report("hostile-earlier", dir.to_str().unwrap(), &[]);
    assert!(html.contains("Management approval pending: the approval in riskgraph.toml"));
    std::fs::write(&manifest, &text[..text.find("[approval]").unwrap()]).unwrap();
    let (_, html) = report("hostile-none", dir.to_str().unwrap(), &[]);
    assert!(html.contains("Management approval pending: no <code>[approval]</code>"));
}

#[test]
fn html_and_only_do_not_mix() {
    let (code, stdout, stderr) = output(riskgraph().args([
        "assess",
        "datasets/acme-saas",
        "--format",
        "html",
        "--only",
        "overdue",
    ]));
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(stderr.contains("--only"), "{stderr}");
}

#[test]
fn changes_since_a_previous_register() {
    let dir = tempdir("report-previous-register");
    let previous = dir.join("before.json");
    // The same inventory assessed half a year earlier: reviews and acceptances move.
    let (code, _, stderr) = output(
        riskgraph()
            .args([
                "assess",
                "datasets/acme-saas",
                "--as-of",
                "2026-05-01",
                "--format",
                "json",
                "-o",
            ])
            .arg(&previous),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let (_, html) = report(
        "previous",
        "datasets/acme-saas",
        &["--previous", previous.to_str().unwrap()],
    );
    assert!(html.contains("<h3 id=\"changes\">Changes since the assessment of 2026-05-01</h3>"));

    let (code, _, stderr) =
        output(riskgraph().args(["report", "datasets/acme-saas", "--previous", "no/such.json"]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot read no/such.json"), "{stderr}");
}

/// Chromium, or `None` when it is missing and `RISKGRAPH_SKIP_BROWSER` is set. Without the
/// variable a missing browser fails the test: CI installs it (`.ci/run`).
fn chromium() -> Option<&'static str> {
    for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(candidate).exists() {
            return Some(candidate);
        }
    }
    assert!(
        std::env::var_os("RISKGRAPH_SKIP_BROWSER").is_some(),
        "Chromium is needed to render the report: apt-get install chromium (or set RISKGRAPH_SKIP_BROWSER=1)"
    );
    None
}

/// Runs headless Chromium on the report at `path` (with `fragment` after `#`) with `args`, and
/// returns its standard output.
fn headless(browser: &str, path: &Path, fragment: &str, args: &[&str]) -> String {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = tempdir(&format!("chromium-profile-{run}"));
    let url = format!("file://{}#{fragment}", path.display());
    let output = std::process::Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Register rows the script left visible in a dumped DOM: rows without the `hidden` attribute
/// (values are quoted and escaped, so `" hidden=""` can only be the attribute).
fn visible_rows(dom: &str) -> usize {
    dom.split("<tr data-id=")
        .skip(1)
        .filter(|row| !row[..row.find('>').unwrap()].contains("\" hidden=\"\""))
        .count()
}

#[test]
fn the_report_renders_in_a_browser_and_its_script_filters() {
    let Some(browser) = chromium() else {
        return;
    };
    let (path, _) = report("browser", "datasets/acme-saas", &[]);
    let json = register_json("datasets/acme-saas");
    let total = json["summary"]["risks"].as_u64().unwrap() as usize;

    let dom = headless(browser, &path, "", &["--dump-dom"]);
    assert!(dom.contains("data-script=\"ran\""), "the inline script ran");
    assert_eq!(visible_rows(&dom), total);
    assert!(dom.contains(&format!("<span id=\"shown\">{total}</span>")));

    // A level filter from the address shows exactly the risks of that residual level.
    let high = json["summary"]["residual"]["high"].as_u64().unwrap() as usize;
    let dom = headless(browser, &path, "level=high", &["--dump-dom"]);
    assert_eq!(visible_rows(&dom), high);
    assert!(dom.contains(&format!("<span id=\"shown\">{high}</span>")));

    // A heat map cell: residual likelihood 3, impact 4, as the JSON matrix counts it (rows run
    // from the top likelihood down, columns from impact 1).
    let scale = json["method"]["scale"].as_u64().unwrap() as usize;
    let cell = json["matrix"]["residual"][scale - 3][4 - 1]
        .as_u64()
        .unwrap() as usize;
    let dom = headless(browser, &path, "cell=r:3:4", &["--dump-dom"]);
    assert_eq!(visible_rows(&dom), cell);

    // The summary's card links to the register filtered to the risks above appetite.
    let above = json["summary"]["above_appetite"].as_u64().unwrap() as usize;
    let dom = headless(browser, &path, "appetite=above", &["--dump-dom"]);
    assert_eq!(visible_rows(&dom), above);
    assert!(dom.contains("href=\"#appetite=above\""));

    // An address the script cannot read leaves the register whole and the script running.
    let dom = headless(
        browser,
        &path,
        "level=%ZZ&no%22such=1&level=nonsense",
        &["--dump-dom"],
    );
    assert!(dom.contains("data-script=\"ran\""));
    assert_eq!(visible_rows(&dom), total);

    // And it draws: a screenshot of the first screen. `RISKGRAPH_UPDATE_SCREENSHOT=1` writes it
    // to docs/report.png, the README's picture.
    let shot = if std::env::var_os("RISKGRAPH_UPDATE_SCREENSHOT").is_some() {
        crate::root().join("docs/report.png")
    } else {
        tempdir("report-screenshot").join("report.png")
    };
    headless(
        browser,
        &path,
        "",
        &[
            "--hide-scrollbars",
            "--window-size=1280,1500",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn the_supply_chain_section_draws_each_vendor_and_names_single_points_of_failure() {
    let (_, html) = report("supply-chain", "datasets/acme-saas", &[]);
    let section = &html[html.find("<section id=\"supply-chain\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    // A picture per vendor of the table, drawn without a script.
    let vendors = section.matches("<tr><td><strong>").count();
    let figures = section.matches("<figure class=\"supply-tree\"").count();
    assert!(figures >= 5, "{figures} pictures");
    assert_eq!(section.matches("<svg ").count(), figures);
    assert!(
        vendors > figures,
        "the critical processes' rows follow the vendors'"
    );
    assert!(section.contains("id=\"tree-parallax-dns\""));
    assert!(section.contains("single point of failure"));
    // The hidden DNS provider alone takes software delivery down; incident management has a
    // fallback for everything.
    let critical = &section[section.find("id=\"critical-processes\"").unwrap()..];
    let row = |id: &str| {
        let at = critical.find(&format!("<strong>{id}</strong>")).unwrap();
        &critical[at..at + critical[at..].find("</tr>").unwrap()]
    };
    assert!(
        row("proc-sdlc").contains("parallax-dns (0.81)"),
        "{}",
        row("proc-sdlc")
    );
    assert!(row("proc-incident-mgmt").contains("none: every path has an alternative"));

    let Some(browser) = chromium() else {
        return;
    };
    // The section on its own page, as a reader prints it: `RISKGRAPH_UPDATE_SCREENSHOT=1` writes
    // it to docs/supply-chain.png.
    let dir = tempdir("supply-chain-page");
    let page = dir.join("supply-chain.html");
    let head = &html[..html.find("<body").unwrap()];
    std::fs::write(
        &page,
        format!("{head}<body>{section}</section></body></html>"),
    )
    .unwrap();
    let shot = if std::env::var_os("RISKGRAPH_UPDATE_SCREENSHOT").is_some() {
        crate::root().join("docs/supply-chain.png")
    } else {
        dir.join("supply-chain.png")
    };
    headless(
        browser,
        &page,
        "",
        &[
            "--hide-scrollbars",
            "--window-size=1280,1800",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn edge_inventories_still_report() {
    // A 2-point scale, no vendors, no threats: no risks at all.
    let dir = tempdir("report-edge-inventory");
    std::fs::write(
        dir.join("riskgraph.toml"),
        "[method]\nscale = 2\nappetite = \"low\"\nlevels = [ { name = \"low\", max = 2 }, { name = \"high\", max = 4 } ]\n[review]\nlow = 365\nhigh = 30\n",
    )
    .unwrap();
    std::fs::write(dir.join("assets.csv"), "id,name,type\napp,App,software\n").unwrap();
    let (_, html) = report("edge", dir.to_str().unwrap(), &[]);
    assert!(html.contains("<span id=\"shown\">0</span> of 0 risks shown"));
    assert_eq!(
        html.matches("class=\"cell\"").count(),
        2 * 4,
        "two 2x2 matrices"
    );
    assert!(html.contains("No vendors in the inventory."));
    assert!(html.contains("No in-scope business processes, so no fraud risks."));

    // A 10-point scale: 100 cells per matrix.
    std::fs::write(
        dir.join("riskgraph.toml"),
        "[method]\nscale = 10\nappetite = \"low\"\nlevels = [ { name = \"low\", max = 30 }, { name = \"high\", max = 100 } ]\n[review]\nlow = 365\nhigh = 30\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("threats.csv"),
        "id,name,category,targets\nT-1,Outage,service-outage,*\n",
    )
    .unwrap();
    let (_, html) = report("edge-10", dir.to_str().unwrap(), &[]);
    assert_eq!(html.matches("class=\"cell\"").count(), 2 * 100);
    assert!(html.contains("of 1 risks shown"));
}

#[test]
fn the_report_does_not_depend_on_the_thread_count() {
    let (_, one) = report("threads-1", "datasets/acme-saas", &["--threads", "1"]);
    let (_, four) = report("threads-4", "datasets/acme-saas", &["--threads", "4"]);
    assert_eq!(one, four);
}

#[test]
fn the_report_shows_the_annual_loss_when_the_inventory_has_money_data() {
    let (_, html) = report("loss", "datasets/acme-saas", &[]);
    let section = &html[html.find("<section id=\"loss\">").expect("a loss section")..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(html.contains("<a href=\"#loss\">Loss</a>"));
    assert!(section.contains("<title>Annual loss exceedance</title>"));
    assert!(section.contains("The residual loss is within the tolerance curve."));
    // The costliest risk is the one `simulate` lists first.
    let mut command = riskgraph();
    command.args([
        "simulate",
        "datasets/acme-saas",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    let (code, stdout, stderr) = output(&mut command);
    assert_eq!(code, Some(0), "{stderr}");
    let simulation: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let first = simulation["risks"][0]["id"].as_str().unwrap();
    let risks = &section[section.find("id=\"loss-risks\"").unwrap()..];
    let row = &risks[risks.find("<tr><td>").unwrap()..];
    assert!(
        row.starts_with(&format!("<tr><td>{first}</td>")),
        "{}",
        &row[..80]
    );
    // Without money data, no section and no link.
    let (_, html) = report("no-loss", "tests/data/assess/small", &[]);
    assert!(!html.contains("id=\"loss\""));
    assert!(!html.contains("href=\"#loss\""));
}
