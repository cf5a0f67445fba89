//! The loss exceedance curves of a simulation as an SVG chart: the chance of a larger annual loss
//! (linear, 0 to 100%) against the annual loss (logarithmic, a tick per power of ten), inherent
//! and residual, with the organization's tolerance curve and its points.
//!
//! Two steps, so that a template can lay the chart out itself: [`geometry`] computes what is
//! drawn (path data, ticks and their labels as plain text, never markup), and [`render`] writes
//! it as one `<svg>` element, every text escaped. The curves differ in lightness and in stroke
//! (solid, solid and heavier, dashed), not only in hue, so they read in grey and with any common
//! colour blindness (see [`crate::palette`]).

use std::fmt::Write as _;

use riskgraph_engine::simulate::Simulation;

use crate::palette;
use crate::simulate::{human_amount, percent};
use crate::text::{Newlines, markup_line, printable};

/// The chart's size in SVG units, and the plot area's margins.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 32.0;
const BOTTOM: f64 = 52.0;

/// What the chart draws, in SVG units.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    pub width: f64,
    pub height: f64,
    /// The plot area: x, y, width, height.
    pub plot: [f64; 4],
    /// The chart's title, as plain text.
    pub title: String,
    /// The x axis's caption, such as `Annual loss (USD, log scale)`.
    pub x_caption: String,
    pub y_caption: String,
    /// Path data (`M x y L x y ...`) of the inherent, residual and tolerance curves; empty when
    /// there is nothing to draw.
    pub inherent: String,
    pub residual: String,
    pub tolerance: String,
    /// The tolerance points: x, y and a label such as `5M: 25%`.
    pub tolerance_points: Vec<(f64, f64, String)>,
    /// Ticks of the x axis (a power of ten) and of the y axis: position and label.
    pub x_ticks: Vec<(f64, String)>,
    pub y_ticks: Vec<(f64, String)>,
    /// Shown instead of curves when no simulated year has a loss.
    pub empty: Option<String>,
}

/// What [`render`] draws for `simulation`, titled `title`.
pub fn geometry(simulation: &Simulation, title: &str) -> Geometry {
    let currency = printable(&simulation.currency, Newlines::Replaced);
    let plot = [LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM];
    let mut geometry = Geometry {
        width: WIDTH,
        height: HEIGHT,
        plot,
        title: printable(title, Newlines::Replaced).into_owned(),
        x_caption: format!("Annual loss ({currency}, log scale)"),
        y_caption: String::from("Chance of a larger annual loss"),
        inherent: String::new(),
        residual: String::new(),
        tolerance: String::new(),
        tolerance_points: Vec::new(),
        x_ticks: Vec::new(),
        y_ticks: (0..=4)
            .map(|i| {
                let p = f64::from(i) / 4.0;
                (plot[1] + plot[3] * (1.0 - p), percent(p))
            })
            .collect(),
        empty: None,
    };
    let losses = simulation
        .curve
        .iter()
        .map(|p| p.loss)
        .chain(simulation.tolerance.iter().map(|t| t.loss))
        .filter(|&loss| loss > 0.0);
    let (low, high) = losses.fold((f64::INFINITY, 0.0f64), |(low, high), loss| {
        (low.min(loss), high.max(loss))
    });
    if simulation.curve.is_empty() || high <= 0.0 {
        geometry.empty = Some(String::from("No simulated year has a loss"));
        return geometry;
    }
    let (first, last) = (
        low.log10().floor(),
        high.log10().ceil().max(low.log10().floor() + 1.0),
    );
    let x = |loss: f64| plot[0] + plot[2] * (loss.log10() - first) / (last - first);
    let y = |p: f64| plot[1] + plot[3] * (1.0 - p.clamp(0.0, 1.0));
    geometry.x_ticks = (first as i32..=last as i32)
        .map(|power| {
            let loss = 10f64.powi(power);
            (x(loss), human_amount(loss))
        })
        .collect();
    let path = |points: &mut dyn Iterator<Item = (f64, f64)>| {
        let mut d = String::new();
        for (i, (px, py)) in points.enumerate() {
            let _ = write!(d, "{}{px:.1} {py:.1}", if i == 0 { "M" } else { " L" });
        }
        d
    };
    geometry.inherent = path(&mut simulation.curve.iter().map(|p| (x(p.loss), y(p.inherent))));
    geometry.residual = path(&mut simulation.curve.iter().map(|p| (x(p.loss), y(p.residual))));
    geometry.tolerance = path(
        &mut simulation
            .curve
            .iter()
            .filter_map(|p| p.tolerance.map(|t| (x(p.loss), y(t)))),
    );
    geometry.tolerance_points = simulation
        .tolerance
        .iter()
        .map(|t| {
            let label = format!("{}: {}", human_amount(t.loss), percent(t.tolerated));
            (x(t.loss), y(t.tolerated), label)
        })
        .collect();
    geometry
}

/// `simulation`'s curves as an `<svg>` element titled `title`.
pub fn render(simulation: &Simulation, title: &str) -> String {
    svg(&geometry(simulation, title))
}

/// The `<svg>` element of `geometry`.
pub fn svg(g: &Geometry) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" font-family="sans-serif" font-size="11"><title>{}</title>"#,
        g.width,
        g.height,
        markup_line(&g.title)
    );
    axes(&mut out, g);
    let [px, py, pw, ph] = g.plot;
    if let Some(empty) = &g.empty {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text></svg>"#,
            px + pw / 2.0,
            py + ph / 2.0,
            markup_line(empty)
        );
        return out;
    }
    curves(&mut out, g);
    out.push_str("</svg>");
    out
}

/// The title, the plot's frame, the grid lines with their labels and the axes' captions.
fn axes(out: &mut String, g: &Geometry) {
    let [px, py, pw, ph] = g.plot;
    let _ = write!(
        out,
        r#"<text x="{px}" y="18" font-size="13" font-weight="bold">{}</text>"#,
        markup_line(&g.title)
    );
    let _ = write!(
        out,
        r##"<rect x="{px}" y="{py}" width="{pw}" height="{ph}" fill="none" stroke="#B0B0B0"/>"##
    );
    for (ty, label) in &g.y_ticks {
        let _ = write!(
            out,
            r##"<line x1="{px}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="#E0E0E0"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            px + pw,
            px - 6.0,
            ty + 4.0,
            markup_line(label)
        );
    }
    for (tx, label) in &g.x_ticks {
        let _ = write!(
            out,
            r##"<line x1="{tx:.1}" y1="{py}" x2="{tx:.1}" y2="{:.1}" stroke="#E0E0E0"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            py + ph,
            py + ph + 16.0,
            markup_line(label)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text x="14" y="{:.1}" text-anchor="middle" transform="rotate(-90 14 {:.1})">{}</text>"#,
        px + pw / 2.0,
        g.height - 10.0,
        markup_line(&g.x_caption),
        py + ph / 2.0,
        py + ph / 2.0,
        markup_line(&g.y_caption)
    );
}

/// The three curves, the tolerance points and the legend.
fn curves(out: &mut String, g: &Geometry) {
    let hex = |c: u32| format!("#{c:06X}");
    let dashed = |dash: &str| {
        if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        }
    };
    let [px, py, pw, _] = g.plot;
    let curves = [
        (&g.inherent, palette::INHERENT_CURVE, "2", "", "inherent"),
        (&g.residual, palette::RESIDUAL_CURVE, "3", "", "residual"),
        (
            &g.tolerance,
            palette::TOLERANCE_CURVE,
            "1.5",
            "6 4",
            "tolerance",
        ),
    ];
    for (d, colour, stroke, dash, _) in curves {
        if !d.is_empty() {
            let _ = write!(
                out,
                r#"<path d="{d}" fill="none" stroke="{}" stroke-width="{stroke}"{}/>"#,
                hex(colour),
                dashed(dash)
            );
        }
    }
    for (tx, ty, label) in &g.tolerance_points {
        let _ = write!(
            out,
            r#"<circle cx="{tx:.1}" cy="{ty:.1}" r="3.5" fill="{}"><title>{}</title></circle>"#,
            hex(palette::TOLERANCE_CURVE),
            markup_line(label)
        );
    }
    for (i, (_, colour, stroke, dash, name)) in curves.iter().enumerate() {
        let (lx, ly) = (px + pw - 150.0, py + 14.0 + 16.0 * i as f64);
        let _ = write!(
            out,
            r#"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{}" stroke-width="{stroke}"{}/><text x="{:.1}" y="{:.1}">{name}</text>"#,
            lx + 24.0,
            hex(*colour),
            dashed(dash),
            lx + 30.0,
            ly + 4.0
        );
    }
}

#[cfg(test)]
mod tests {
    use riskgraph_engine::simulate::{CurvePoint, Distribution, ToleranceCheck};

    use super::*;

    fn simulation(currency: &str, curve: Vec<CurvePoint>) -> Simulation {
        Simulation {
            years: 1000,
            seed: 1,
            currency: currency.to_owned(),
            inherent: Distribution::default(),
            residual: Distribution::default(),
            curve,
            tolerance: vec![ToleranceCheck {
                loss: 1e6,
                tolerated: 0.1,
                inherent: 0.5,
                residual: 0.05,
                within: true,
            }],
            within_tolerance: true,
            risks: Vec::new(),
            vendors: Vec::new(),
            controls: Vec::new(),
            residual_years: Vec::new(),
            inherent_years: Vec::new(),
        }
    }

    fn curve() -> Vec<CurvePoint> {
        (0..100)
            .map(|i| {
                let loss = 1e3 * 10f64.powf(f64::from(i) * 5.0 / 99.0);
                let residual = (-(loss / 1e6)).exp();
                CurvePoint {
                    loss,
                    inherent: (residual * 2.0).min(1.0),
                    residual,
                    tolerance: (1e6..=1e7).contains(&loss).then_some(0.1 / (loss / 1e6)),
                }
            })
            .collect()
    }

    #[test]
    fn the_loss_axis_is_logarithmic_with_a_tick_per_power_of_ten() {
        let g = geometry(&simulation("USD", curve()), "Acme");
        let labels: Vec<&str> = g.x_ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["1k", "10k", "100k", "1M", "10M", "100M"]);
        let steps: Vec<f64> = g.x_ticks.windows(2).map(|w| w[1].0 - w[0].0).collect();
        assert!(
            steps.iter().all(|s| (s - steps[0]).abs() < 1e-9),
            "{steps:?}"
        );
        let y: Vec<&str> = g.y_ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(y, ["0%", "25%", "50%", "75%", "100%"]);
        assert_eq!(g.x_caption, "Annual loss (USD, log scale)");
    }

    #[test]
    fn curves_run_left_to_right_inside_the_plot() {
        let g = geometry(&simulation("USD", curve()), "Acme");
        let [px, py, pw, ph] = g.plot;
        for d in [&g.inherent, &g.residual, &g.tolerance] {
            let points: Vec<(f64, f64)> = d
                .split(['M', 'L'])
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    let mut xy = p.split_whitespace().map(|v| v.parse::<f64>().unwrap());
                    (xy.next().unwrap(), xy.next().unwrap())
                })
                .collect();
            assert!(!points.is_empty());
            assert!(points.windows(2).all(|w| w[1].0 >= w[0].0));
            assert!(points.iter().all(|&(x, y)| {
                x >= px - 0.1 && x <= px + pw + 0.1 && y >= py - 0.1 && y <= py + ph + 0.1
            }));
        }
        // The tolerance curve spans its points only.
        assert!(g.tolerance.matches('L').count() < g.residual.matches('L').count());
        assert_eq!(g.tolerance_points.len(), 1);
        assert_eq!(g.tolerance_points[0].2, "1M: 10%");
    }

    #[test]
    fn every_text_is_escaped() {
        let hostile = "<script>alert('x')</script>\u{1b}[31m&";
        let svg = render(&simulation(hostile, curve()), hostile);
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.contains('\u{1b}'));
        assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; [31m&amp;"));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<path ").count(), 3);
        let opened = svg.matches("<text").count();
        assert_eq!(opened, svg.matches("</text>").count());
        // The palette's colours: lightness tells the curves apart, and the tolerance is dashed.
        assert!(svg.contains("#FE9929") && svg.contains("#993404"));
        assert!(svg.contains("stroke-dasharray=\"6 4\""));
    }

    #[test]
    fn without_a_loss_the_chart_says_so() {
        let svg = render(&simulation("USD", Vec::new()), "Acme");
        assert!(svg.contains("No simulated year has a loss"));
        assert!(!svg.contains("<path"));
    }
}
