//! The child-process helper against `sh`: lines both ways, exits, time limits, kill on drop.

use std::process::Command;
use std::time::{Duration, Instant};

use testkit::process::{run, text, Io, Proc, Spawn};

fn sh(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    c
}

#[test]
fn lines_in_and_out_then_the_rest_at_exit() {
    let mut p = Proc::start(sh("read x; echo \"got $x\"; echo warn >&2; echo one; echo two; exit 3"));
    p.write("hello\n");
    assert_eq!(p.line(), "got hello");
    assert_eq!(p.err_line(), "warn");
    let (status, out, err) = p.finish();
    assert_eq!(status.code(), Some(3));
    assert_eq!(out, ["one", "two"]);
    assert!(err.is_empty(), "{err:?}");
}

#[test]
fn run_gives_code_and_text() {
    let (code, out, err) = run(sh("cat; echo done >&2"), "a\nb\n");
    assert_eq!((code, out.as_str(), err.as_str()), (0, "a\nb\n", "done\n"));
    assert_eq!(text(&["x".to_owned()]), "x\n");
}

#[test]
fn offered_bytes_to_a_process_that_stopped_reading_are_no_error() {
    // Reads one byte and exits: the rest of the megabyte meets a closed pipe.
    let mut p = Proc::start(sh("head -c 1 >/dev/null"));
    p.offer_bytes(&vec![b'x'; 1 << 20]);
    assert!(p.wait().success());
}

#[test]
fn streams_can_be_null_inherited_redirected_or_closed() {
    // stdout closed at once: the child's write fails with EPIPE (sh reports it, exit status 1
    // or death by SIGPIPE; either way not success).
    let p = Spawn { stdin: Io::Null, stdout: Io::Closed, ..Spawn::default() }.start(sh("sleep 0.1; echo lost"));
    let (status, out, _) = p.finish();
    assert!(!status.success());
    assert!(out.is_empty());

    let file = std::env::temp_dir().join(format!("testkit-process-{}", std::process::id()));
    let f = std::fs::File::create(&file).unwrap();
    let p = Spawn { stdout: f.into(), stderr: Io::Inherit, ..Spawn::default() }.start(sh("echo to-file"));
    let (status, out, err) = p.finish();
    assert!(status.success());
    assert!(out.is_empty() && err.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "to-file\n");
    let _ = std::fs::remove_file(&file);
}

#[test]
#[should_panic(expected = "did not exit within")]
fn a_process_that_does_not_exit_fails_the_wait() {
    let mut p = Spawn { timeout: Duration::from_millis(200), ..Spawn::default() }.start(sh("sleep 30"));
    p.wait();
}

#[test]
#[should_panic(expected = "stdout closed, expected another line")]
fn a_line_after_the_end_fails() {
    let p = Proc::start(sh("true"));
    p.line();
}

#[test]
#[should_panic(expected = "quiet: no line on stdout within")]
fn a_missing_line_fails_after_the_limit_under_the_given_name() {
    let p = Spawn { timeout: Duration::from_millis(200), name: Some("quiet".into()), ..Spawn::default() }
        .start(sh("sleep 30"));
    p.line();
}

#[test]
fn dropping_kills_and_reaps() {
    let p = Proc::start(sh("sleep 30"));
    let pid = p.pid();
    let start = Instant::now();
    drop(p);
    assert!(start.elapsed() < Duration::from_secs(10));
    // Reaped: no such process (not even a zombie).
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn async_twins_keep_the_runtime_turning() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {
        let mut p = Spawn { stdin: Io::Null, ..Spawn::default() }.start(sh("sleep 0.2; echo late"));
        let ticker = tokio::spawn(async {
            let mut n = 0;
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(10)).await;
                n += 1;
            }
            n
        });
        assert_eq!(p.line_async().await, "late");
        assert!(p.wait_async().await.success());
        assert_eq!(ticker.await.unwrap(), 5);
    });
}
