//! Every public function and method has the sections its users look for, as tokio's do:
//! `# Examples`, `# Errors` (which Node codes, or "None"), and `# Cancel safety` when it is async
//! (issue 18 item 6). Every source file of the library is in exactly one of three groups:
//!
//! - the user-facing modules: every `pub fn` is checked;
//! - `sys`, a private module: only what `lib.rs` re-exports (through `embed` and
//!   `embed::batch`) is public, and exactly that is checked: the functions named in its
//!   `pub use crate::sys::{..}` lines and the methods of `RecvArena`;
//! - the adapter protocol (`embed`'s engine, `Core` and its state and output types, and the
//!   receive path `Receiver` / `Read` / `Batch`): exempt from per-method sections, for the
//!   reason `embed`'s documentation gives (a method of the engine does nothing observable
//!   alone, only within the protocol; its errors are those of the `Socket` methods of the same
//!   names). The exemption holds only while `embed`'s documentation has that worked example of
//!   the protocol (a doc test, so it runs) and states the reason, which this test checks too.
//!
//! A new source file fails the test until it is put in a group.
//!
//! This reads the sources rather than rustdoc's JSON (which needs a nightly toolchain): a public
//! `fn` and the doc comment and attributes right above it, macro templates included.

use std::path::{Path, PathBuf};

const USER_FACING: &[&str] = &[
    "lib.rs",
    "socket.rs",
    "socket/reader.rs",
    "op.rs",
    "types.rs",
    "runtime.rs",
    "server.rs",
    "blocklist.rs",
    "error.rs",
    "lookup.rs",
    "listeners.rs",
];

/// Private module: checked for what `lib.rs` re-exports.
const SYS: &[&str] = &["sys/mod.rs", "sys/unix.rs", "sys/linux.rs", "sys/portable.rs"];

/// The Windows twins of the functions of `sys/unix.rs` and `sys/linux.rs`: the same names and
/// behaviour, documented (and checked) there, which is what docs.rs renders.
const OTHER_PLATFORMS: &[&str] = &["sys/windows.rs"];

/// The adapter protocol, exempt (see above): a directory (`engine/`) or a file (the engine's
/// system calls, `SocketIo`, are part of it).
const ADAPTER_PROTOCOL: &[&str] = &["engine/", "recv.rs", "sys/socket_io.rs"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn sources(dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p.strip_prefix(src()).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

/// A public `fn` found in a file: its line, name, the `impl` block it is in (`""` at the top
/// level), whether it is async, and the doc comment and attributes above it.
struct PubFn {
    line: usize,
    name: String,
    in_impl: String,
    is_async: bool,
    doc: String,
}

fn public_fns(file: &str) -> Vec<PubFn> {
    let text = std::fs::read_to_string(src().join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut in_impl = String::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("impl") {
            in_impl = line.trim_end_matches('{').trim().to_string();
        } else if *line == "}" {
            in_impl.clear();
        }
        let t = line.trim_start();
        let rest = match t.strip_prefix("pub fn ").or_else(|| t.strip_prefix("pub async fn ")) {
            Some(r) => r,
            None => continue,
        };
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$').collect();
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
        found.push(PubFn {
            line: i + 1,
            name,
            in_impl: in_impl.clone(),
            is_async: t.starts_with("pub async fn "),
            doc,
        });
    }
    found
}

fn missing_sections(file: &str, f: &PubFn, missing: &mut Vec<String>) {
    let mut want = vec!["# Examples", "# Errors"];
    if f.is_async {
        want.push("# Cancel safety");
    }
    for section in want {
        if !f.doc.contains(section) {
            missing.push(format!("src/{file}:{} `{}` has no `{section}`", f.line, f.name));
        }
    }
}

/// The functions `lib.rs` re-exports from `sys` (`pub use crate::sys::{a, b, Type};`).
fn sys_reexports() -> Vec<String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut names = Vec::new();
    for stmt in lib.split("pub use crate::sys::").skip(1) {
        let list = stmt.split(';').next().unwrap().trim().trim_start_matches('{').trim_end_matches('}');
        names.extend(list.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()));
    }
    names
}

#[test]
fn every_public_method_has_examples_and_errors() {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    files.sort();
    let exempt = |f: &str| ADAPTER_PROTOCOL.iter().any(|g| if g.ends_with('/') { f.starts_with(g) } else { f == *g });
    let unlisted: Vec<&String> = files
        .iter()
        .filter(|f| {
            !USER_FACING.contains(&f.as_str())
                && !SYS.contains(&f.as_str())
                && !OTHER_PLATFORMS.contains(&f.as_str())
                && !exempt(f)
        })
        .collect();
    assert!(unlisted.is_empty(), "source files in no group of tests/doc_sections.rs: {unlisted:?}");

    let mut missing = Vec::new();
    let mut checked = 0;
    for file in USER_FACING {
        for f in public_fns(file) {
            checked += 1;
            missing_sections(file, &f, &mut missing);
        }
    }
    assert!(checked > 100, "only {checked} public functions found: is the scan still right?");

    let reexported = sys_reexports();
    assert!(reexported.iter().any(|n| n == "recv_batch"), "the scan of lib.rs's re-exports found {reexported:?}");
    let mut sys_checked = Vec::new();
    for file in SYS {
        for f in public_fns(file) {
            let public = (f.in_impl.is_empty() && reexported.contains(&f.name)) || f.in_impl == "impl RecvArena";
            if public {
                sys_checked.push(f.name.clone());
                missing_sections(file, &f, &mut missing);
            }
        }
    }
    // Every re-exported function was found (on Linux and in the portable copy alike).
    for name in reexported.iter().filter(|n| n.starts_with(|c: char| c.is_lowercase())) {
        assert!(sys_checked.contains(name), "`{name}` is re-exported from sys but was not found");
    }
    assert!(missing.is_empty(), "{} sections missing:\n{}", missing.len(), missing.join("\n"));
}

/// The exemption of the adapter protocol stands on `embed`'s documentation: the reason, and a
/// worked example that drives a `Core` (a doc test, so it compiles and runs).
#[test]
fn the_adapter_protocol_exemption_is_stated_and_its_example_exists() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let embed_doc: String = lib
        .split("pub mod embed {")
        .next()
        .unwrap()
        .lines()
        .rev()
        .take_while(|l| l.starts_with("///"))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(embed_doc.contains("# Example: the protocol, end to end"), "embed's docs lost their worked example");
    let example = embed_doc.split("/// ```").nth(1).expect("a code block in embed's docs");
    for step in ["Core::new(", ".bind(", ".advance()", ".take_output()", ".send_to(", "Receiver::new()", ".close()"] {
        assert!(example.contains(step), "embed's example no longer shows `{step}`");
    }
    assert!(
        !example.lines().next().unwrap_or("").contains("ignore") && !example.contains("no_run"),
        "embed's example must run"
    );
    assert!(embed_doc.contains("# Documentation sections"), "embed's docs no longer state the exemption");
}
