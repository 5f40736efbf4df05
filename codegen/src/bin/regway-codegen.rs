//! `regway-codegen`: the code generator on the command line.
//!
//! ```text
//! regway-codegen generate <xsd|wsdl|folder>… --out <dir>
//! regway-codegen check <folder>…
//! regway-codegen roundtrip <xsd-folder> <samples-folder>
//! regway-codegen wsdl <wsdl>…
//! ```
//! Every run ends with one summary line: `N passed, N failed` (and skipped, with reasons).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use regway_codegen::scratch::Scratch;
use regway_codegen::{check, roundtrip, wsdl, EmitOptions};

#[derive(Parser)]
#[command(version, about = "WSDL/XSD → typed Rust for regway")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
    /// Where the scratch crate and its build live.
    #[arg(long, global = true, default_value = "target/regway-codegen-scratch")]
    scratch: PathBuf,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write Rust source for schemas, WSDLs or folders of schemas into <dir>.
    Generate {
        inputs: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate folders into one scratch crate and compile it; non-zero exit on any failure.
    Check { folders: Vec<PathBuf> },
    /// Parse each sample whose root element has a generated type, write it back, compare after
    /// canonicalization. With --tree, both arguments are roots whose subfolders pair by name.
    Roundtrip {
        xsd: PathBuf,
        samples: PathBuf,
        #[arg(long)]
        tree: bool,
    },
    /// Print the operation table of WSDLs and compile the typed clients of document/literal ones.
    Wsdl {
        wsdls: Vec<PathBuf>,
        /// Only print the tables, do not compile clients.
        #[arg(long)]
        no_compile: bool,
    },
}

fn scratch(base: &Path, name: &str) -> Scratch {
    Scratch {
        dir: base.join(name),
        target_dir: base.join("target"),
    }
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn generate(inputs: &[PathBuf], out: &Path) -> anyhow::Result<(usize, usize)> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let (mut passed, mut failed) = (0, 0);
    for input in inputs {
        // A folder is named whole (`RegiX.GraoNBDAdapter`), a file without its extension.
        let name = if input.is_dir() {
            input.file_name()
        } else {
            input.file_stem()
        };
        let stem = regway_codegen::names::field_name(
            &name
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let result: anyhow::Result<Vec<(String, String)>> = if input.is_dir() {
            check::generate_folder(input)
                .map(|(files, _)| {
                    files
                        .into_iter()
                        .map(|(f, t)| (format!("{stem}/{f}"), t))
                        .collect()
                })
                .map_err(Into::into)
        } else if input
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("wsdl"))
        {
            wsdl::generate_wsdl(input, &EmitOptions::default())
                .map(|g| vec![(format!("{stem}.rs"), g.source)])
                .map_err(Into::into)
        } else {
            regway_codegen::generate_xsd(std::slice::from_ref(input), &EmitOptions::default())
                .map(|g| vec![(format!("{stem}.rs"), g.source)])
                .map_err(Into::into)
        };
        match result {
            Ok(files) => {
                for (f, t) in files {
                    let path = out.join(f);
                    if let Some(p) = path.parent() {
                        std::fs::create_dir_all(p)?;
                    }
                    std::fs::write(&path, t)
                        .with_context(|| format!("writing {}", path.display()))?;
                    println!("wrote {}", path.display());
                }
                passed += 1;
            }
            Err(e) => {
                println!("FAILED {}: {e:#}", input.display());
                failed += 1;
            }
        }
    }
    Ok((passed, failed))
}

fn run(cli: Cli) -> anyhow::Result<bool> {
    match cli.command {
        Cmd::Generate { inputs, out } => {
            if inputs.is_empty() {
                bail!("nothing to generate");
            }
            let (p, f) = generate(&inputs, &out)?;
            println!("{p} passed, {f} failed");
            Ok(f == 0)
        }
        Cmd::Check { folders } => {
            let results = check::check(&folders, &scratch(&cli.scratch, "check"))?;
            let mut failed = 0;
            for r in &results {
                match &r.outcome {
                    Ok(()) => println!(
                        "ok      {} ({} bytes of Rust)",
                        name_of(&r.folder),
                        r.generated_bytes
                    ),
                    Err(e) => {
                        failed += 1;
                        println!("FAILED  {}: {e}", name_of(&r.folder));
                    }
                }
            }
            let bytes: usize = results.iter().map(|r| r.generated_bytes).sum();
            println!("generated {bytes} bytes of Rust");
            println!("{} passed, {failed} failed", results.len() - failed);
            Ok(failed == 0)
        }
        Cmd::Roundtrip { xsd, samples, tree } => {
            let pairs = if tree {
                roundtrip::pair_tree(&xsd, &samples)?
            } else {
                vec![(xsd, samples)]
            };
            let report = roundtrip::roundtrip(&pairs, &scratch(&cli.scratch, "roundtrip"))?;
            print!("{}", report.table());
            println!("{}", report.summary());
            Ok(report.failed() == 0)
        }
        Cmd::Wsdl { wsdls, no_compile } => {
            let report = wsdl::check_wsdls(
                &wsdls,
                (!no_compile)
                    .then(|| scratch(&cli.scratch, "wsdl"))
                    .as_ref(),
            )?;
            print!("{}", report.table());
            println!("{}", report.summary());
            Ok(report.failed() == 0)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("regway-codegen: {e:#}");
            ExitCode::from(2)
        }
    }
}
