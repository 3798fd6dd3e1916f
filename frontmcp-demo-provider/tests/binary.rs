//! The `demo-provider` binary as a script or a log file sees it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Its output, piped, is plain text: no ANSI colour codes in the log lines.
#[test]
fn logs_into_a_pipe_without_colour_codes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demo-provider"))
        .env_clear()
        .env("DEMO_PROVIDER_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the demo provider starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let logged = lines
        .by_ref()
        .map(|line| line.expect("utf-8 output"))
        .find(|line| line.contains("DEMO provider listening"));
    // Stopped before its output is closed, so it does not fail writing to a closed pipe.
    child.kill().expect("it stops");
    let _ = child.wait();
    drop(lines);
    let line = logged.expect("a log line saying where it listens");
    assert!(line.contains("INFO"), "{line}");
    assert!(!line.contains('\u{1b}'), "colour codes in a pipe: {line:?}");
}
