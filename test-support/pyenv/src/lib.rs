//! Test helper: an independent XML Schema validator (libxml2 through Python's lxml) and zeep
//! (a SOAP client) in a pinned Python virtual environment.
//!
//! Used by the adapter crates' tests and the gateway's interop tests alike.
//!
//! The environment lives at `<workspace>/target/regway-pyenv`: every test binary shares it and
//! `cargo clean` removes it. It is built in a uniquely named folder and renamed into place, so
//! test processes that race to create it never use a half-built one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};
use std::{env, fs};

/// The pinned packages. Changing a pin makes the next test run rebuild the environment.
const PACKAGES: &[(&str, &str)] = &[
    ("lxml", "6.1.3"),
    ("zeep", "4.3.3"),
    ("signxml", "5.2.0"),
    ("xmlsec", "1.3.17"),
];

/// Validates the documents separated by NUL bytes on stdin against the schema named by argv[1];
/// prints one report per invalid document and nothing when all are valid.
const VALIDATOR: &str = r#"
import sys
from lxml import etree
schema = etree.XMLSchema(etree.parse(sys.argv[1]))
parser = etree.XMLParser(resolve_entities=False, no_network=True)
data = sys.stdin.buffer.read()
for i, doc in enumerate(data.split(b"\0") if data else []):
    head = doc[:400].decode("utf-8", "replace")
    try:
        root = etree.fromstring(doc, parser)
    except etree.XMLSyntaxError as e:
        print(f"document {i} is not well-formed ({e}): {head}")
        continue
    if not schema.validate(root):
        print(f"document {i} is invalid: {head}")
        for err in schema.error_log:
            print(f"  line {err.line}: {err.message}")
"#;

/// The virtual environment's interpreter, with the pinned packages installed. Panics with the
/// reason when the environment cannot be built (no `python3`, or PyPI unreachable).
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            ensure_venv()
                .unwrap_or_else(|e| panic!("cannot prepare the Python test environment: {e}"))
        })
        .clone()
}

/// Validates every document against `xsd` in one Python process. With no documents it only
/// checks that the schema compiles. The error names each invalid document (by index and
/// beginning) with lxml's error log.
pub fn validate(xsd: &Path, xml_docs: &[String]) -> Result<(), String> {
    if let Some(i) = xml_docs.iter().position(|d| d.contains('\0')) {
        return Err(format!("document {i} contains a NUL character"));
    }
    let mut child = Command::new(python())
        .args(["-c", VALIDATOR])
        .arg(xsd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the validator: {e}"))?;
    // The script reads all of stdin before it prints, so writing first cannot deadlock.
    if let Some(mut stdin) = child.stdin.take() {
        let input = xml_docs.join("\0");
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| format!("cannot send documents to the validator: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("validator failed: {e}"))?;
    if output.status.success() && output.stdout.is_empty() {
        return Ok(());
    }
    Err(format!(
        "validation against {} failed ({}):\n{}{}",
        xsd.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

fn ensure_venv() -> Result<PathBuf, String> {
    let target = workspace_root()?.join("target");
    let venv = target.join("regway-pyenv");
    if is_ready(&venv) {
        return Ok(venv.join("bin/python"));
    }
    fs::create_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let unique = format!("{}-{nanos}", std::process::id());
    let building = target.join(format!("regway-pyenv.building-{unique}"));
    let base = env::var_os("REGWAY_PYTHON").unwrap_or_else(|| "python3".into());
    run(Command::new(&base).args(["-m", "venv"]).arg(&building))?;
    let pins: Vec<String> = PACKAGES.iter().map(|(n, v)| format!("{n}=={v}")).collect();
    let installed = run(Command::new(building.join("bin/python"))
        .args(["-m", "pip", "install", "--quiet", "--no-input"])
        .args(["--disable-pip-version-check"])
        .args(&pins));
    if let Err(e) = installed.and_then(|()| {
        is_ready(&building)
            .then_some(())
            .ok_or_else(|| "packages installed but not importable".to_string())
    }) {
        let _ = fs::remove_dir_all(&building);
        return Err(e);
    }
    // Publish. Renaming onto an existing folder fails, so of racing processes one wins; the
    // others keep the winner's environment, or replace one that is broken or has old pins.
    if fs::rename(&building, &venv).is_err() {
        if is_ready(&venv) {
            let _ = fs::remove_dir_all(&building);
        } else {
            let stale = target.join(format!("regway-pyenv.stale-{unique}"));
            let _ = fs::rename(&venv, &stale);
            let published = fs::rename(&building, &venv);
            let _ = fs::remove_dir_all(&stale);
            published.map_err(|e| format!("cannot move the environment into place: {e}"))?;
        }
    }
    if is_ready(&venv) {
        Ok(venv.join("bin/python"))
    } else {
        Err(format!(
            "{} is not usable after installation",
            venv.display()
        ))
    }
}

/// Whether `venv` has exactly the pinned packages, importable.
fn is_ready(venv: &Path) -> bool {
    let python = venv.join("bin/python");
    if !python.exists() {
        return false;
    }
    let checks: Vec<String> = PACKAGES
        .iter()
        .map(|(n, v)| format!("assert version({n:?}) == {v:?}, {n:?}"))
        .collect();
    let script = format!(
        "from importlib.metadata import version\n{}\nimport lxml.etree, zeep",
        checks.join("\n")
    );
    Command::new(python)
        .args(["-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The nearest folder above the including crate whose Cargo.toml declares the workspace.
fn workspace_root() -> Result<PathBuf, String> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .ancestors()
        .find(|dir| {
            fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]"))
        })
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("no workspace above {}", crate_dir.display()))
}
