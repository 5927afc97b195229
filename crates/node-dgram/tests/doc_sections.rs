//! Every public function and method of the library's user-facing modules has the sections its
//! users look for, as tokio's do: `# Examples`, `# Errors` (which Node codes, or "None"), and
//! `# Cancel safety` when it is async (issue 18 item 6). The adapter interface (`embed`: the
//! engine, the receive path, `sys`) is documented for adapter authors and is not checked here.
//!
//! This reads the sources rather than rustdoc's JSON (which needs a nightly toolchain): a public
//! `fn` and the doc comment and attributes right above it, macro templates included.

use std::path::Path;

const USER_FACING: &[&str] = &[
    "socket.rs",
    "op.rs",
    "types.rs",
    "runtime.rs",
    "server.rs",
    "blocklist.rs",
    "error.rs",
    "lookup.rs",
    "listeners.rs",
];

#[test]
fn every_public_method_has_examples_and_errors() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in USER_FACING {
        let text = std::fs::read_to_string(src.join(file)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let rest = match t.strip_prefix("pub fn ").or_else(|| t.strip_prefix("pub async fn ")) {
                Some(r) => r,
                None => continue,
            };
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$').collect();
            let is_async = t.starts_with("pub async fn ");
            // The doc comment and attributes above it (a macro template's `$(#[$doc])*` too).
            let mut doc = String::new();
            for above in lines[..i].iter().rev() {
                let a = above.trim_start();
                if a.starts_with("///") || a.starts_with("#[") || a.starts_with("$(#[$doc])*") {
                    doc.push_str(a);
                    doc.push('\n');
                } else {
                    break;
                }
            }
            checked += 1;
            let mut want = vec!["# Examples", "# Errors"];
            if is_async {
                want.push("# Cancel safety");
            }
            for section in want {
                if !doc.contains(section) {
                    missing.push(format!("src/{file}:{} `{name}` has no `{section}`", i + 1));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} public functions found: is the scan still right?");
    assert!(missing.is_empty(), "{} sections missing:\n{}", missing.len(), missing.join("\n"));
}
