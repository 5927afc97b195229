//! Building the examples of the crate under test.
//!
//! Cargo gives integration tests no `CARGO_BIN_EXE_*` for examples, and `cargo test` builds the
//! examples only when no target is selected (`cargo test --workspace` does, `cargo test --test
//! examples` does not). So a test that needs them runs `cargo build --example ...` with the
//! same cargo, target directory and profile as its own binary, and takes the executables'
//! paths from cargo's JSON messages. When they are up to date (the usual case after `cargo test
//! --workspace` or `cargo nextest run --workspace`) this takes well under a second.
//!
//! ```ignore
//! let exes = testkit::cargo_env!().build_examples("node-dgram", &[]); // all of them
//! let server = &exes["server"];
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What cargo told the test crate when compiling it: see [`cargo_env!`](crate::cargo_env).
#[derive(Debug, Clone)]
pub struct CargoEnv {
    /// `CARGO`: the cargo that builds.
    pub cargo: PathBuf,
    /// `CARGO_MANIFEST_DIR`: the test crate's directory.
    pub manifest_dir: PathBuf,
    /// `CARGO_TARGET_TMPDIR`: `<target>/tmp`.
    pub target_tmpdir: PathBuf,
}

/// The [`CargoEnv`] of the integration test (or bench) this is expanded in.
#[macro_export]
macro_rules! cargo_env {
    () => {
        $crate::cargo::CargoEnv {
            cargo: env!("CARGO").into(),
            manifest_dir: env!("CARGO_MANIFEST_DIR").into(),
            target_tmpdir: env!("CARGO_TARGET_TMPDIR").into(),
        }
    };
}

impl CargoEnv {
    /// `cargo build -p PACKAGE --example NAME...` (every example when `names` is empty) into
    /// this test binary's target directory and profile; the executables cargo reports, by name.
    pub fn build_examples(&self, package: &str, names: &[&str]) -> HashMap<String, PathBuf> {
        // This binary is `<target>[/<triple>]/<profile>/deps/<test>-<hash>`.
        let exe = std::env::current_exe().expect("current_exe");
        let profile_dir = exe.parent().and_then(Path::parent).expect("test binary in <profile>/deps");
        let profile = profile_dir.file_name().and_then(|n| n.to_str()).expect("profile directory name");
        let target_dir = self.target_tmpdir.parent().expect("target directory");

        let mut cmd = Command::new(&self.cargo);
        cmd.args(["build", "-p", package, "--message-format=json-render-diagnostics"]);
        if names.is_empty() {
            cmd.arg("--examples");
        }
        for n in names {
            cmd.args(["--example", n]);
        }
        cmd.arg("--manifest-path")
            .arg(self.manifest_dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(target_dir)
            .args(["--profile", if profile == "debug" { "dev" } else { profile }]);
        // Built for an explicit `--target`: `<target>/<triple>/<profile>` (compared canonically:
        // `current_exe` has its symlinks resolved).
        let same = |a: &Path, b: &Path| a.canonicalize().ok().zip(b.canonicalize().ok()).is_some_and(|(a, b)| a == b);
        if let Some(triple_dir) = profile_dir.parent().filter(|d| !same(d, target_dir)) {
            if let Some(triple) = triple_dir.file_name() {
                cmd.arg("--target").arg(triple);
            }
        }
        let out = cmd.arg("--quiet").stderr(Stdio::inherit()).output().expect("run cargo build --examples");
        assert!(out.status.success(), "cargo build of the examples failed: {}", out.status);

        let mut found = HashMap::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let is_example = line.contains(r#""reason":"compiler-artifact""#) && line.contains(r#""kind":["example"]"#);
            if let (true, Some(path)) = (is_example, json_string_field(line, "executable")) {
                let path = PathBuf::from(path);
                if let Some(name) = path.file_stem().and_then(|n| n.to_str()).map(str::to_owned) {
                    found.insert(name, path);
                }
            }
        }
        assert!(!found.is_empty(), "cargo reported no example executables");
        for n in names {
            assert!(found.contains_key(*n), "cargo built no example named {n}");
        }
        found
    }
}

/// The string value of `"field":"..."` in one line of cargo's JSON (no JSON parser needed for
/// a path: only `\\` and `\"` escapes can occur in it).
fn json_string_field(line: &str, field: &str) -> Option<String> {
    let start = line.find(&format!(r#""{field}":""#))? + field.len() + 4;
    let mut out = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::json_string_field;

    #[test]
    fn a_string_field_of_cargo_json() {
        let line = r#"{"reason":"compiler-artifact","executable":"/t/a \"b\"\\c","fresh":true}"#;
        assert_eq!(json_string_field(line, "executable").as_deref(), Some(r#"/t/a "b"\c"#));
        assert_eq!(json_string_field(line, "missing"), None);
        assert_eq!(json_string_field(r#"{"executable":null}"#, "executable"), None);
    }
}
