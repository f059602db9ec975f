//! A reader that stops early (`lepton info | head -0`) closes the pipe before `lepton` writes.
//! Rust ignores SIGPIPE, so the write fails with EPIPE and `println!` would panic; the command
//! must instead end quietly with the status a shell reports for a SIGPIPE'd process (128 + 13 =
//! 141, as coreutils give) and print no panic message.
#![cfg(feature = "cli")]

use std::process::{Command, Stdio};

#[test]
fn closed_stdout_is_not_a_panic() {
    // The pipe's read end is closed before the child exists, so its first write meets a pipe
    // without readers whatever the scheduling (closing it after `spawn` raced with the child's
    // write on a loaded machine).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_lepton"))
        .arg("info")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert_eq!(out.status.code(), Some(141), "stderr: {stderr}");
}
