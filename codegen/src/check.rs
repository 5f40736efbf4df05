//! `check`: generate folders of schemas into one scratch crate and compile it; a verdict per
//! folder.

use std::path::{Path, PathBuf};

use crate::scratch::{module_files, module_name, Scratch, ScratchModule};
use crate::{generate_set, schema_sets, xsd::SchemaSet, EmitOptions, Error, Result};

/// The verdict for one folder.
#[derive(Debug)]
pub struct FolderResult {
    pub folder: PathBuf,
    pub module: String,
    /// `Err` with the reason (generation error or compiler errors).
    pub outcome: std::result::Result<(), String>,
    /// Bytes of generated Rust.
    pub generated_bytes: usize,
    pub notes: Vec<String>,
}

/// Files of a module (`(relative path, source)`) and the generator's notes.
pub type FolderSource = (Vec<(String, String)>, Vec<String>);

/// Generates the module files for one folder (every schema set in it).
pub fn generate_folder(folder: &Path) -> Result<FolderSource> {
    let sets = schema_sets(folder)?;
    if sets.is_empty() {
        return Err(Error::Empty(folder.to_path_buf()));
    }
    let mut out = vec![];
    let mut notes = vec![];
    for (rel, files) in sets {
        let set = SchemaSet::load(&files)?;
        let opts = EmitOptions {
            source: format!("{}/{rel}", folder.display()),
            ..EmitOptions::default()
        };
        let g = generate_set(&set, &opts)?;
        notes.extend(g.notes);
        out.push((rel, g.source));
    }
    Ok((module_files(out), notes))
}

/// Generates every folder (failures are verdicts, not errors), writes the scratch crate and,
/// if `main` is given, its binary.
pub fn prepare(
    folders: &[PathBuf],
    scratch: &Scratch,
    main: Option<&str>,
) -> Result<Vec<FolderResult>> {
    let mut results = vec![];
    let mut modules = vec![];
    for folder in folders {
        let label = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| folder.display().to_string());
        let module = module_name(&label);
        match generate_folder(folder) {
            Ok((files, notes)) => {
                let generated_bytes = files.iter().map(|(_, t)| t.len()).sum();
                modules.push(ScratchModule {
                    name: module.clone(),
                    files,
                });
                results.push(FolderResult {
                    folder: folder.clone(),
                    module,
                    outcome: Ok(()),
                    generated_bytes,
                    notes,
                });
            }
            Err(e) => results.push(FolderResult {
                folder: folder.clone(),
                module,
                outcome: Err(e.to_string()),
                generated_bytes: 0,
                notes: vec![],
            }),
        }
    }
    scratch.write(&modules, false, main)?;
    Ok(results)
}

/// `check`: every folder generated and compiled in one scratch crate.
pub fn check(folders: &[PathBuf], scratch: &Scratch) -> Result<Vec<FolderResult>> {
    let mut results = prepare(folders, scratch, None)?;
    let report = scratch.build()?;
    apply_build(&mut results, &report);
    Ok(results)
}

/// Marks folders whose module has compiler errors; a failed build that points at no module fails
/// every folder, with the compiler output.
pub fn apply_build(results: &mut [FolderResult], report: &crate::scratch::BuildReport) {
    for r in results.iter_mut().filter(|r| r.outcome.is_ok()) {
        if let Some(errs) = report.errors.get(&r.module) {
            r.outcome = Err(format!("does not compile:\n{}", errs.join("\n")));
        } else if !report.success && report.errors.is_empty() {
            r.outcome = Err(format!(
                "the scratch crate does not build:\n{}",
                report.output
            ));
        }
    }
}
