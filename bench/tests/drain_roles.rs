//! The multi-core drain roles of `dgram-bench` work: every server thread drains its share of
//! the filled queues, and the figures add up. (No timing is asserted: only what was counted.)

use std::process::Command;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dgram-bench")).args(args).output().expect("run dgram-bench");
    assert!(out.status.success(), "dgram-bench {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn field(json: &str, name: &str) -> f64 {
    let at = json.find(&format!("\"{name}\":")).unwrap_or_else(|| panic!("no {name} in {json}"));
    let rest = &json[at + name.len() + 3..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].parse().unwrap_or_else(|_| panic!("{name} is not a number in {json}"))
}

fn per_thread(json: &str) -> Vec<u64> {
    let at = json.find("\"per_thread\":[").expect("per_thread") + "\"per_thread\":[".len();
    let end = at + json[at..].find(']').expect("]");
    json[at..end].split(',').map(|n| n.parse().expect("count")).collect()
}

#[test]
fn node_dgram_server_threads_each_drain_their_queue() {
    // reusePort: each thread has a queue of its own, filled from 256 source ports.
    let j = run(&["multicore-drain", "2", "1", "2"]);
    let counts = per_thread(&j);
    assert_eq!(counts.len(), 2, "{j}");
    assert!(counts.iter().all(|&n| n > 100), "every thread drained datagrams: {j}");
    // The timed drains cannot count more than the threads handled in all.
    assert!(counts.iter().sum::<u64>() as f64 >= field(&j, "count"), "{j}");
    assert!(field(&j, "count") > 0.0 && field(&j, "wall") > 0.0, "{j}");
}

#[test]
fn pinned_server_threads_each_drain_their_queue() {
    let j = run(&["multicore-drain", "2", "1", "2", "pin"]);
    let counts = per_thread(&j);
    assert_eq!(counts.len(), 2, "{j}");
    assert!(counts.iter().all(|&n| n > 100), "every thread drained datagrams: {j}");
    assert!(field(&j, "count") > 0.0 && field(&j, "cpu") > 0.0, "{j}");
}

#[test]
fn a_shared_descriptor_server_drains_what_was_queued() {
    let j = run(&["multicore-drain", "1", "0", "2"]);
    // The queue (4 MiB asked for) holds thousands of 64-byte datagrams.
    assert!(per_thread(&j).iter().sum::<u64>() > 1000, "{j}");
    assert!(field(&j, "count") > 0.0, "{j}");
}

#[test]
fn raw_threads_drain_too() {
    for mode in ["", "pin", "shared"] {
        let j = run(&["raw-drain", "2", "2", mode]);
        assert!(field(&j, "count") > 0.0 && field(&j, "cpu") > 0.0, "{j}");
    }
}
