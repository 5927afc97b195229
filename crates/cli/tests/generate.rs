//! `dgram man` and `dgram completions SHELL`: the packaging's hidden subcommands.

use std::process::Command;

fn dgram(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dgram")).args(args).output().expect("run dgram");
    assert!(out.status.success(), "dgram {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn man_page_names_every_visible_subcommand() {
    let man = dgram(&["man"]);
    assert!(man.contains(".TH dgram 1"), "{man}");
    for sub in ["listen", "send", "echo", "bench"] {
        assert!(man.contains(sub), "the man page lacks {sub}");
    }
    assert!(!man.contains("bench\\-worker"), "the man page shows a hidden subcommand");
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = dgram(&["completions", shell]);
        assert!(script.contains("listen") && script.contains("count"), "{shell}: {script}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dgram")).args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}
