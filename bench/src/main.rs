//! `dgram-bench`: the benchmark harness's command (see the library's docs).
//!
//! `dgram-bench all [--seconds S] [--runs N] [--rss-seconds S] [--sizes 64,1200,8192]
//! [--plain-count N] [--only rust,multicore,addon,latency,memory,plain] [--json FILE]
//! [--svg FILE]` runs the tables; any other first argument is a role (`node_dgram_bench::roles`),
//! which prints one JSON line.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("all") | None => node_dgram_bench::all(args.get(1..).unwrap_or(&[])),
        Some(_) => {
            if let Err(e) = node_dgram_bench::roles::dispatch(&args) {
                eprintln!("{e}; see the crate docs");
                std::process::exit(2);
            }
        }
    }
}
