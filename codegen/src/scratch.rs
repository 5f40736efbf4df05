//! A scratch crate: generated modules compiled by cargo, for `check` and `roundtrip`.
//!
//! All folders given to one run become modules of ONE crate (`src/<module>/…`), so checking the
//! whole corpus is one cargo build, not 86; cargo's diagnostics are mapped back to modules by
//! file path, so each folder still gets its own verdict. The crate declares its own
//! `[workspace]` (it lives under a workspace's `target/`) and starts from the workspace's
//! `Cargo.lock`, so it builds with the same dependency versions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The runtime crate generated code depends on (this repository's copy).
pub const RUNTIME_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/runtime");

/// One module of the scratch crate: a name (a Rust identifier) and its files, relative to
/// `src/<name>/` (`mod.rs` first).
#[derive(Debug, Clone)]
pub struct ScratchModule {
    pub name: String,
    pub files: Vec<(String, String)>,
}

/// A scratch crate on disk.
#[derive(Debug, Clone)]
pub struct Scratch {
    pub dir: PathBuf,
    pub target_dir: PathBuf,
}

/// The result of building: per module, the compiler errors that point into it.
#[derive(Debug, Default)]
pub struct BuildReport {
    pub success: bool,
    pub errors: BTreeMap<String, Vec<String>>,
    /// The full compiler output, for errors that point nowhere in particular.
    pub output: String,
}

fn io(file: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        file: file.to_path_buf(),
        source,
    }
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(io(p))?;
    }
    std::fs::write(path, text).map_err(io(path))
}

impl Scratch {
    /// Writes the crate: `modules` as library modules, `main` (if any) as its binary. Files
    /// that did not change are not touched, so cargo rebuilds only what changed.
    pub fn write(&self, modules: &[ScratchModule], client: bool, main: Option<&str>) -> Result<()> {
        let features = if client {
            ", features = [\"client\"]"
        } else {
            ""
        };
        // Each scratch crate is its own workspace root, and cargo hashes a root package's path
        // relative to its workspace (empty for every one of them): crates that share a target
        // directory must differ in name or they overwrite each other's artifacts.
        let package = self.package();
        let bin = if main.is_some() {
            format!("\n[[bin]]\nname = \"{package}\"\npath = \"src/main.rs\"\n")
        } else {
            String::new()
        };
        let manifest = format!(
            "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\nautobins = false\n\n\
             [lib]\nname = \"scratch\"\npath = \"src/lib.rs\"\n{bin}\n\
             [workspace]\n\n[dependencies]\nregway-xml-runtime = {{ path = {:?}{features} }}\n\n\
             [profile.dev]\ndebug = 0\n",
            RUNTIME_DIR
        );
        write_if_changed(&self.dir.join("Cargo.toml"), &manifest)?;
        let lock = self.dir.join("Cargo.lock");
        let workspace_lock = Path::new(RUNTIME_DIR).join("../../Cargo.lock");
        if !lock.exists() && workspace_lock.exists() {
            std::fs::copy(&workspace_lock, &lock).map_err(io(&lock))?;
        }
        let mut lib = String::from("//! Scratch crate written by regway-codegen.\n\n");
        for m in modules {
            lib.push_str(&format!("pub mod {};\n", m.name));
            for (file, text) in &m.files {
                write_if_changed(&self.dir.join("src").join(&m.name).join(file), text)?;
            }
        }
        write_if_changed(&self.dir.join("src/lib.rs"), &lib)?;
        let main_rs = self.dir.join("src/main.rs");
        match main {
            Some(text) => write_if_changed(&main_rs, text)?,
            None => {
                if main_rs.exists() {
                    std::fs::remove_file(&main_rs).map_err(io(&main_rs))?;
                }
            }
        }
        Ok(())
    }

    fn cargo(&self) -> Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&self.dir)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_RUSTFLAGS")
            .arg("--color=never");
        cmd
    }

    /// `cargo build` of the crate (library and binary), errors sorted by module.
    pub fn build(&self) -> Result<BuildReport> {
        let out = self
            .cargo()
            .args(["build", "--message-format=short", "--target-dir"])
            .arg(std::path::absolute(&self.target_dir).unwrap_or_else(|_| self.target_dir.clone()))
            .output()
            .map_err(|e| Error::Command {
                command: "cargo build".into(),
                message: e.to_string(),
            })?;
        Ok(report(out))
    }

    /// `cargo clippy -- -D warnings` on the crate: generated code must be as lint-clean as the
    /// code it is generated into. Errors sorted by module like [`Scratch::build`].
    pub fn clippy(&self) -> Result<BuildReport> {
        let out = self
            .cargo()
            .args(["clippy", "--message-format=short", "--target-dir"])
            .arg(std::path::absolute(&self.target_dir).unwrap_or_else(|_| self.target_dir.clone()))
            .args(["--", "-D", "warnings"])
            .output()
            .map_err(|e| Error::Command {
                command: "cargo clippy".into(),
                message: e.to_string(),
            })?;
        Ok(report(out))
    }

    /// The package name: `regway-scratch-<folder name>`.
    pub fn package(&self) -> String {
        let name = self
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!(
            "regway-scratch-{}",
            crate::names::field_name(&name).replace('_', "-")
        )
    }

    /// The built binary.
    pub fn binary(&self) -> PathBuf {
        self.target_dir.join("debug").join(self.package())
    }
}

/// Cargo's short-format diagnostics, sorted by the module (`src/<module>/…`) they point into.
fn report(out: std::process::Output) -> BuildReport {
    let output = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in output.lines() {
        let Some(rest) = line.strip_prefix("src/") else {
            continue;
        };
        if !line.contains(": error") {
            continue;
        }
        if let Some((module, _)) = rest.split_once('/') {
            errors
                .entry(module.to_string())
                .or_default()
                .push(line.to_string());
        }
    }
    BuildReport {
        success: out.status.success(),
        errors,
        output,
    }
}

/// A Rust module name for a folder name (`RegiX.GraoNBDAdapter` → `regix_grao_nbd_adapter`).
pub fn module_name(folder: &str) -> String {
    crate::names::field_name(folder)
}

/// The files of one folder's module: `mod.rs` holds the folder's own schemas, each subfolder
/// set is a submodule.
pub fn module_files(sets: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut files = vec![];
    let mut root = String::new();
    let mut subs = vec![];
    for (rel, source) in sets {
        if rel.is_empty() {
            root = source;
        } else {
            let name = crate::names::field_name(&rel);
            subs.push(name.clone());
            files.push((format!("{name}.rs"), source));
        }
    }
    if root.is_empty() {
        root.push_str("//! Only subfolders have schemas.\n\n#[allow(unused_imports)]\nuse ::regway_xml_runtime as rt;\n\n/// No global elements at this level.\npub fn roundtrip(_el: &rt::Element) -> Option<Result<String, rt::Error>> {\n    None\n}\n");
    }
    for s in subs {
        root.push_str(&format!("\npub mod {s};\n"));
    }
    files.insert(0, ("mod.rs".to_string(), root));
    files
}
