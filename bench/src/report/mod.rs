//! The results as a Markdown report (stdout, kept in `bench/results.md`), JSON
//! (`bench/results.json`) and a chart (`bench/results.svg`).

mod json;
mod markdown;
mod svg;

pub use json::json;
pub use markdown::markdown;
pub use svg::svg;

use crate::stats::Rate;

/// `a` against what `f` takes of `b`, as `1.23x`, or `-` without `b`.
fn ratio(a: f64, b: Option<Rate>, f: fn(&Rate) -> f64) -> String {
    b.map(|b| format!("{:.2}x", a / f(&b))).unwrap_or("-".into())
}
