//! Figures from the roles' JSON lines: rates, medians, paired ratios.

/// A number from a role's one-line JSON output (`{"count":12,"wall":2.0}`).
pub fn field(json: &str, key: &str) -> Option<f64> {
    let at = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &json[at..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

/// Datagrams per CPU-second of the measuring process and per wall-clock second.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rate {
    /// Datagrams per CPU-second (getrusage of the measured process).
    pub per_cpu: f64,
    /// Datagrams per wall-clock second.
    pub per_wall: f64,
}

impl Rate {
    /// The rate a role reported (`count`, `wall`, `cpu`), if it did.
    pub fn of(json: &str) -> Option<Rate> {
        let (n, w, c) = (field(json, "count")?, field(json, "wall")?, field(json, "cpu")?);
        Some(Rate { per_cpu: if c > 0.0 { n / c } else { f64::NAN }, per_wall: n / w })
    }

    /// A rate of no run: both figures NaN.
    pub fn none() -> Rate {
        Rate { per_cpu: f64::NAN, per_wall: f64::NAN }
    }
}

/// The median of the finite values (NaN when there is none).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Medians of runs' rates, each figure on its own.
pub fn median_rate(v: &[Rate]) -> Rate {
    Rate {
        per_cpu: median(v.iter().map(|r| r.per_cpu).collect()),
        per_wall: median(v.iter().map(|r| r.per_wall).collect()),
    }
}

/// The lowest and highest of `v` (infinities when it is empty).
pub fn lowest_highest(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| (lo.min(r), hi.max(r)))
}

/// Run-by-run ratios `a[i] / b[i]` of what `f` takes of each (runs that alternated).
pub fn paired<T>(a: &[T], b: &[T], f: impl Fn(&T) -> f64) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| f(x) / f(y)).filter(|r| r.is_finite()).collect()
}

/// `x` with one decimal as a JSON number, or `null`.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "null".into()
    }
}
