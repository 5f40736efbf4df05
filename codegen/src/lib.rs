//! `regway-codegen`: WSDL/XSD → typed Rust, for `build.rs` and the `regway-codegen` CLI.
//!
//! The pipeline: [`xsd`] reads schemas into an owned model and resolves imports;
//! [`rust::lower`] turns a schema set into generated items; [`fields`] derives the field-path
//! tables from those items; [`rust::emit`] writes the source. [`wsdl`] adds the operation table
//! and typed clients; [`scratch`] compiles generated code in a scratch crate for `check` and
//! `roundtrip`; [`c14n`] compares documents for `roundtrip`.

pub mod c14n;
pub mod check;
pub mod error;
pub mod fields;
pub mod names;
pub mod roundtrip;
pub mod rust;
pub mod scratch;
pub mod wsdl;
pub mod xsd;

use std::path::{Path, PathBuf};

pub use error::{Error, Result};
pub use rust::emit::EmitOptions;

/// The generated source for the schemas `files` (and what they import).
pub fn generate_xsd(files: &[PathBuf], opts: &EmitOptions) -> Result<Generated> {
    let set = xsd::SchemaSet::load(files)?;
    generate_set(&set, opts)
}

/// Generated Rust source with the generator's non-fatal notes.
#[derive(Debug, Clone)]
pub struct Generated {
    pub source: String,
    pub notes: Vec<String>,
}

/// Generates the module for a loaded schema set.
pub fn generate_set(set: &xsd::SchemaSet, opts: &EmitOptions) -> Result<Generated> {
    let module = rust::lower::lower(set)?;
    let tables = fields::tables(&module);
    Ok(Generated {
        source: rust::emit::emit(&module, &tables, opts),
        notes: module.notes.clone(),
    })
}

/// For an adapter crate's `build.rs`: generate the types and field-path tables of the crate's
/// `xsd/` folder into `$OUT_DIR/<module_file>` (to `include!`), with field tables typed as
/// `regway_adapter::Field`, and tell cargo to rerun when a schema changes. `source` names the
/// folder in the generated header.
pub fn adapter_build(
    crate_dir: &Path,
    out_dir: &Path,
    module_file: &str,
    source: &str,
) -> Result<()> {
    let xsd = crate_dir.join("xsd");
    println!("cargo:rerun-if-changed={}", xsd.display());
    let files = xsd_files(&xsd)?;
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let opts = EmitOptions {
        field_type: "::regway_adapter::Field".into(),
        source: source.into(),
        inner_attributes: false,
        ..Default::default()
    };
    let generated = generate_xsd(&files, &opts)?;
    let out = out_dir.join(module_file);
    std::fs::write(&out, generated.source).map_err(|source| Error::Io { file: out, source })
}

/// The schema files of a folder: its `.xsd` files, sorted by name (not recursive: a subfolder
/// is a schema set of its own, see [`schema_sets`]).
pub fn xsd_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| Error::Io {
            file: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xsd")))
        .collect();
    files.sort();
    Ok(files)
}

/// The schema sets of a folder: the folder's own `.xsd` files, then each subfolder with schemas
/// (recursively) as a set of its own, named by its relative path. Corpus folders keep older
/// copies of schemas in subfolders (`Copy/`), which would clash with the originals in one set.
pub fn schema_sets(dir: &Path) -> Result<Vec<(String, Vec<PathBuf>)>> {
    let mut out = vec![];
    collect_sets(dir, "", &mut out)?;
    Ok(out)
}

fn collect_sets(dir: &Path, rel: &str, out: &mut Vec<(String, Vec<PathBuf>)>) -> Result<()> {
    let files = xsd_files(dir)?;
    if !files.is_empty() {
        out.push((rel.to_string(), files));
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| Error::Io {
            file: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    for d in subdirs {
        let name = d
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        collect_sets(&d, &rel, out)?;
    }
    Ok(())
}
