//! What the command-line suites share: the `testigo` binary, speaking English.

#![allow(dead_code)]

use std::process::Command;

/// The command line in English (the checks below read its messages), whatever the locale of
/// the machine that runs the tests.
pub fn testigo_cmd() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_testigo"));
    cmd.env("TESTIGO_LANG", "en");
    cmd
}

pub fn testigo(args: &[&str]) -> std::process::Output {
    testigo_cmd().args(args).output().unwrap()
}
