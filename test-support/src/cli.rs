//! Running real programs from tests: the `regway` binary (its path comes from the test crate,
//! `env!("CARGO_BIN_EXE_regway")`) and the `openssl` command line as an independent oracle.

use std::path::Path;
use std::process::{Command, Output};

/// Run `program` with `args`.
pub fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .expect("the program runs")
}

/// Stdout of a run that must succeed.
pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr of a run that must fail.
pub fn failed(out: Output) -> String {
    assert!(
        !out.status.success(),
        "expected a failure; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Run `openssl` with `args`.
pub fn openssl(args: &[&str]) -> Output {
    run("openssl", args)
}

/// A CSR made by `openssl req` with a new key: (CSR path, key path) in `dir`, named `name`.
/// `key` is an `openssl req -newkey` argument, e.g. `ec` (P-256) or `rsa:1024`.
pub fn openssl_csr(dir: &Path, name: &str, key: &str, subject: &str) -> (String, String) {
    let csr = dir.join(format!("{name}.csr")).display().to_string();
    let key_path = dir.join(format!("{name}.key")).display().to_string();
    let mut args = vec!["req", "-new", "-nodes", "-newkey", key];
    if key == "ec" {
        args.extend(["-pkeyopt", "ec_paramgen_curve:P-256"]);
    }
    args.extend(["-keyout", &key_path, "-subj", subject, "-out", &csr]);
    ok(openssl(&args));
    (csr, key_path)
}
