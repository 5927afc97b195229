//! A horizontal bar chart in SVG, written by hand: one panel per measurement, one bar per
//! implementation, each panel scaled to its own largest value.

use std::fmt::Write as _;

/// One measurement: a bar per implementation.
pub struct Panel {
    /// The measurement's name and unit: `Throughput (datagrams/s)`.
    pub title: String,
    /// Whether a longer bar is better (shown in the panel's caption).
    pub higher_is_better: bool,
    /// The bars: implementation name, value (`None`: not measured), and the value as shown.
    pub bars: Vec<(String, Option<f64>, String)>,
    /// A note on the right of the title, e.g. `node-dgram 1.7x faster`.
    pub note: Option<String>,
}

/// The bar colours, in the order of the bars.
const COLOURS: [&str; 4] = ["#c2410c", "#3c873a", "#2563eb", "#7c3aed"];

const WIDTH: f64 = 760.0;
const LEFT: f64 = 130.0;
const BAR_MAX: f64 = 470.0;
const BAR_H: f64 = 24.0;
const GAP: f64 = 8.0;

/// Escapes text for XML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The chart as an SVG document.
pub fn chart(title: &str, subtitles: &[&str], panels: &[Panel]) -> String {
    let mut body = String::new();
    let mut y = 54.0;
    for line in subtitles {
        let _ = writeln!(body, r#"<text x="20" y="{y}" class="subtitle">{}</text>"#, esc(line));
        y += 18.0;
    }
    y += 14.0;
    for p in panels {
        let caption = if p.higher_is_better { "higher is better" } else { "lower is better" };
        let _ = writeln!(
            body,
            r#"<text x="20" y="{y}" class="panel">{} <tspan class="muted">({caption})</tspan></text>"#,
            esc(&p.title)
        );
        if let Some(note) = &p.note {
            let _ = writeln!(
                body,
                r#"<text x="{}" y="{y}" class="note" text-anchor="end">{}</text>"#,
                WIDTH - 20.0,
                esc(note)
            );
        }
        y += 12.0;
        let max = p.bars.iter().filter_map(|b| b.1).filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
        for (i, (name, value, shown)) in p.bars.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let mid = y + BAR_H / 2.0 + 5.0;
            let _ = writeln!(
                body,
                r#"<text x="{}" y="{mid}" class="label" text-anchor="end">{}</text>"#,
                LEFT - 10.0,
                esc(name)
            );
            match value.filter(|v| v.is_finite() && max > 0.0) {
                Some(v) => {
                    let w = (v / max * BAR_MAX).max(2.0);
                    let _ = writeln!(
                        body,
                        r#"<rect x="{LEFT}" y="{y}" width="{w:.1}" height="{BAR_H}" rx="3" fill="{colour}"/>"#
                    );
                    let _ = writeln!(
                        body,
                        r#"<text x="{:.1}" y="{mid}" class="value">{}</text>"#,
                        LEFT + w + 8.0,
                        esc(shown)
                    );
                }
                None => {
                    let _ = writeln!(body, r#"<text x="{LEFT}" y="{mid}" class="muted">not measured</text>"#);
                }
            }
            y += BAR_H + GAP;
        }
        y += 30.0;
    }
    let height = y;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">
<style>
  .title {{ font-size: 20px; font-weight: 600; fill: #111827; }}
  .subtitle {{ font-size: 13px; fill: #4b5563; }}
  .panel {{ font-size: 15px; font-weight: 600; fill: #111827; }}
  .note {{ font-size: 14px; font-weight: 600; fill: #111827; }}
  .label {{ font-size: 14px; fill: #111827; }}
  .value {{ font-size: 13px; fill: #111827; }}
  .muted {{ font-size: 13px; font-weight: 400; fill: #6b7280; }}
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="20" y="32" class="title">{}</text>
{body}</svg>
"##,
        esc(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_well_formed_and_scaled() {
        let svg = chart(
            "t <1>",
            &["s"],
            &[Panel {
                title: "Throughput".into(),
                higher_is_better: true,
                bars: vec![("a".into(), Some(200.0), "200".into()), ("b".into(), Some(100.0), "100".into())],
                note: Some("a 2.00x faster".into()),
            }],
        );
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("t &lt;1&gt;"));
        assert!(svg.contains(&format!(r#"width="{BAR_MAX:.1}""#)));
        assert!(svg.contains(&format!(r#"width="{:.1}""#, BAR_MAX / 2.0)));
        let empty = chart(
            "t",
            &["s"],
            &[Panel {
                title: "x".into(),
                higher_is_better: false,
                bars: vec![("a".into(), None, "-".into())],
                note: None,
            }],
        );
        assert!(empty.contains("not measured"));
    }
}
