//! Shared test support for the workspace's test crates (a dev-dependency of `node-dgram` and
//! `dgram-cli`; never published):
//!
//! - [`netns`]: the network-namespace lab: hosts in namespaces the test makes, joined by veth
//!   pairs or a bridge, for tests that need more than loopback (multicast, broadcast,
//!   link-local), deleted even when the test panics.
//! - [`node`]: the Node finder: `$NODE`, the system `node`, or the pinned Node in `.node/`.
//! - [`process`]: child processes with time limits: output read line by line, killed when
//!   dropped.
//! - [`cargo`]: building the examples of the crate under test (Cargo gives integration tests
//!   no paths for them).
//!
//! Where something a test needs is missing (no namespaces, no Node), the test prints why and
//! passes as skipped, except with `CI=true`, where it fails: see [`skip`].

pub mod cargo;
pub mod netns;
pub mod node;
pub mod process;

/// Whether this run is CI's (`CI=true`), where nothing may be skipped.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Reports that `test` cannot run because of `why`: fails the test under `CI=true` (CI never
/// skips); otherwise prints `SKIPPED test: why` straight to standard error, past the test
/// harness's capture so that the skip shows, and returns (the caller then returns early).
pub fn skip(test: &str, why: &str) {
    skip_unless(ci(), test, why, &mut std::io::stderr());
}

/// [`skip`] with the CI decision and the stream given (testable without touching the
/// environment).
fn skip_unless(ci: bool, test: &str, why: &str, out: &mut dyn std::io::Write) {
    if ci {
        panic!("{test}: {why}; CI must not skip");
    }
    // One write, so that the line is not cut by the harness's output of other tests.
    let _ = out.write_all(format!("SKIPPED {test}: {why}\n").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::skip_unless;

    #[test]
    fn a_skip_passes_outside_ci_and_says_why() {
        let mut out = Vec::new();
        skip_unless(false, "testkit", "a reason", &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "SKIPPED testkit: a reason\n");
    }

    #[test]
    #[should_panic(expected = "testkit: a reason; CI must not skip")]
    fn a_skip_fails_under_ci() {
        skip_unless(true, "testkit", "a reason", &mut Vec::new());
    }
}
