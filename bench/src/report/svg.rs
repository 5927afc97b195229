//! The chart (`bench/results.svg`): a grouped bar chart of datagrams per CPU-second, one panel
//! per direction and payload size.

use crate::suite::{Results, Row};

const COLORS: [&str; 7] = ["#9e9e9e", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#c62828", "#00838f"];
const WIDTH: f64 = 460.0;
const BAR: f64 = 18.0;
const GAP: f64 = 6.0;

/// The chart of every rates table's rows.
pub fn svg(r: &Results) -> String {
    let rows: Vec<&Row> =
        r.rows.iter().chain(&r.js_rows).chain(&r.plain).chain(&r.plain_send).chain(&r.plain_gso).collect();
    let mut panels: Vec<(&str, usize)> = Vec::new();
    for x in &rows {
        if !panels.contains(&(x.group.as_str(), x.size)) {
            panels.push((&x.group, x.size));
        }
    }
    let mut y = 50.0;
    let mut body = String::new();
    for (group, size) in panels {
        let items: Vec<&Row> = rows.iter().copied().filter(|x| x.group == group && x.size == size).collect();
        body += &panel(group, size, &items, &mut y);
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"{:.0}\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"20\" y=\"25\" font-size=\"17\">node-dgram vs Node's dgram ({}), loopback, longer is better</text>\n{body}</svg>\n",
        y + 10.0,
        r.node_version
    )
}

/// One panel's title and bars, from height `y` down (which it moves past them).
fn panel(group: &str, size: usize, items: &[&Row], y: &mut f64) -> String {
    let max = items.iter().map(|x| x.rate.per_cpu).filter(|v| v.is_finite()).fold(1.0, f64::max);
    let mut body = format!(
        "<text x=\"20\" y=\"{y}\" font-size=\"15\" font-weight=\"bold\">{group}, {size}-byte datagrams (datagrams per CPU-second)</text>\n"
    );
    *y += 10.0;
    for (k, x) in items.iter().enumerate() {
        let v = if x.rate.per_cpu.is_finite() { x.rate.per_cpu } else { 0.0 };
        let w = (v / max * WIDTH).max(1.0);
        let c = COLORS[k % COLORS.len()];
        body += &format!(
            "<text x=\"20\" y=\"{:.0}\" font-size=\"12\">{}</text><rect x=\"230\" y=\"{:.0}\" width=\"{w:.0}\" height=\"{BAR}\" fill=\"{c}\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\">{:.0}k</text>\n",
            *y + 13.0,
            x.name,
            *y,
            236.0 + w,
            *y + 13.0,
            v / 1000.0
        );
        *y += BAR + GAP;
    }
    *y += 24.0;
    body
}
