//! The JSON document (`bench/results.json`).

use crate::stats::{field, num, Rate};
use crate::suite::{Options, Results, Row};

/// The results as one JSON object.
pub fn json(r: &Results, o: &Options) -> String {
    let mut j = format!("{{\"node\":\"{}\",\"seconds\":{},\"runs\":{},\"rates\":[", r.node_version, o.seconds, o.runs);
    j += &r.rows.iter().chain(&r.js_rows).map(rate_row).collect::<Vec<_>>().join(",");
    let (one, two) = r.multicore.unwrap_or((Rate::none(), Rate::none()));
    j += &format!(
        "],\"multicore\":{{\"threads1\":{{\"per_cpu\":{},\"per_wall\":{}}},\"threads2\":{{\"per_cpu\":{},\"per_wall\":{}}}}}",
        num(one.per_cpu),
        num(one.per_wall),
        num(two.per_cpu),
        num(two.per_wall)
    );
    let sp: Vec<String> = r
        .sat_pairs
        .iter()
        .map(|(who, size, med, lo, hi)| {
            format!(
                "{{\"receiver\":\"{who}\",\"size\":{size},\"median\":{},\"min\":{},\"max\":{}}}",
                num(*med),
                num(*lo),
                num(*hi)
            )
        })
        .collect();
    j += &format!(",\"on_message_vs_raw_paired\":[{}]", sp.join(","));
    j += &format!(",\"multicore_drain\":[{}]", drain(r));
    j += &format!(",\"latency\":[{}]", latency(r));
    j += &format!(",\"addon_latency\":[{}]", addon_latency(r));
    j += &format!(",\"rss_mib\":{}", rss(r));
    j += &format!(",\"bounds\":{}", bounds(r));
    j += &format!(",\"plain_flood\":{}}}\n", plain(r, o));
    j
}

fn rate_row(r: &Row) -> String {
    format!(
        "{{\"direction\":\"{}\",\"implementation\":\"{}\",\"size\":{},\"per_cpu\":{},\"per_wall\":{}}}",
        r.group,
        r.name,
        r.size,
        num(r.rate.per_cpu),
        num(r.rate.per_wall)
    )
}

fn drain(r: &Results) -> String {
    let d: Vec<String> = r.drain.iter().map(|(name, one, two, (lo, hi))| {
        format!(
            "{{\"server\":\"{name}\",\"threads1_per_wall\":{},\"threads2_per_wall\":{},\"paired_ratio_min\":{},\"paired_ratio_max\":{}}}",
            num(one.per_wall),
            num(two.per_wall),
            num(*lo),
            num(*hi)
        )
    }).collect();
    d.join(",")
}

fn latency(r: &Results) -> String {
    let l: Vec<String> = r
        .lat
        .iter()
        .map(|(same, (a, b), nd)| {
            let (c, d) = nd.unwrap_or((f64::NAN, f64::NAN));
            format!(
                "{{\"same_core\":{same},\"ndg_p50\":{},\"ndg_p99\":{},\"node_p50\":{},\"node_p99\":{}}}",
                num(*a),
                num(*b),
                num(c),
                num(d)
            )
        })
        .collect();
    l.join(",")
}

fn addon_latency(r: &Results) -> String {
    let l: Vec<String> = r.js_lat.iter().map(|(ver, same, (a, b), (c, d), paired)| {
        format!(
            "{{\"node\":\"{ver}\",\"same_core\":{same},\"addon_p50\":{},\"addon_p99\":{},\"builtin_p50\":{},\"builtin_p99\":{},\"paired_p50_ratio\":{}}}",
            num(*a),
            num(*b),
            num(*c),
            num(*d),
            num(*paired)
        )
    }).collect();
    l.join(",")
}

fn rss(r: &Results) -> String {
    let (ndg, node) = r.rss.clone().unwrap_or_default();
    let mb = |line: Option<&str>, k: &str| line.and_then(|j| field(j, k)).map(|b| b / 1048576.0).unwrap_or(f64::NAN);
    let (a, b) = (ndg.line.as_deref(), node.as_ref().and_then(|n| n.line.as_deref()));
    format!(
        "{{\"ndg_start\":{},\"ndg_end\":{},\"node_start\":{},\"node_end\":{}}}",
        num(mb(a, "rss_start")),
        num(mb(a, "rss")),
        num(mb(b, "rss_start")),
        num(mb(b, "rss"))
    )
}

/// Issue 19's rows, each with its ratios to Node's built-in and (receive) to the C loop.
fn plain(r: &Results, o: &Options) -> String {
    let row = |x: &Row, floor: Option<Rate>| {
        let vs = |b: Option<Rate>| {
            let v = b.map(|b| x.rate.per_cpu / b.per_cpu).unwrap_or(f64::NAN);
            if v.is_finite() {
                format!("{v:.3}")
            } else {
                "null".into()
            }
        };
        format!(
            "{{\"implementation\":\"{}\",\"per_cpu\":{},\"per_wall\":{},\"vs_node_cpu\":{},\"vs_floor_cpu\":{}}}",
            x.name,
            num(x.rate.per_cpu),
            num(x.rate.per_wall),
            vs(x.base),
            vs(floor)
        )
    };
    let recv: Vec<String> = r.plain.iter().map(|x| row(x, r.floor)).collect();
    let send: Vec<String> = r.plain_send.iter().map(|x| row(x, None)).collect();
    let gso: Vec<String> = r.plain_gso.iter().map(|x| row(x, None)).collect();
    format!(
        "{{\"count\":{},\"node\":\"{}\",\"receive\":[{}],\"send\":[{}],\"receive_gso\":[{}]}}",
        o.plain_count,
        r.plain_node,
        recv.join(","),
        send.join(","),
        gso.join(",")
    )
}

/// Issue 19's bounds (`--only bounds`), or null.
fn bounds(r: &Results) -> String {
    let Some(b) = &r.bounds else { return "null".into() };
    // Rows of rates with their two figures, named `a` and `b`.
    let rows = |rows: &[crate::bounds::RowWith], a: &str, b: &str| -> String {
        let row = |(n, r, x): &crate::bounds::RowWith| {
            let extra = x.map(|(p, q)| format!(",\"{a}\":{},\"{b}\":{}", num(p), num(q))).unwrap_or_default();
            format!("{{\"name\":\"{n}\",\"per_cpu\":{},\"per_wall\":{}{extra}}}", num(r.per_cpu), num(r.per_wall))
        };
        rows.iter().map(row).collect::<Vec<_>>().join(",")
    };
    let recv = rows(&b.recv, "per_wake", "wake_us");
    let send = rows(&b.send, "user_us", "system_us");
    let rtt: Vec<String> = b
        .rtt
        .iter()
        .map(|(n, (p50, p99), cpu)| {
            format!("{{\"name\":\"{n}\",\"p50\":{},\"p99\":{},\"cpu_us\":{}}}", num(*p50), num(*p99), num(*cpu))
        })
        .collect();
    format!(
        "{{\"node\":\"{}\",\"count\":{},\"runs\":{},\"receive\":[{}],\"send\":[{}],\"round_trip\":[{}]}}",
        b.node,
        b.count,
        b.runs,
        recv,
        send,
        rtt.join(",")
    )
}
