//! `roundtrip`: every sample whose root element has a generated type is read with that type,
//! written back, and compared with the original after canonicalization ([`crate::c14n`]).
//!
//! The generated code runs in the scratch crate's binary (the types exist only there): the
//! binary reads `module<TAB>sample<TAB>output` lines, writes each output, and reports per line;
//! this side compares.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::check::{apply_build, prepare};
use crate::error::{Error, Result};
use crate::scratch::Scratch;

/// The verdict for one sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

#[derive(Debug, Clone)]
pub struct Row {
    pub sample: PathBuf,
    pub outcome: Outcome,
}

#[derive(Debug, Default)]
pub struct Report {
    pub rows: Vec<Row>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }
    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Passed))
    }
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.rows.iter().filter(|r| f(&r.outcome)).count()
    }

    /// One line per sample: verdict, file, reason.
    pub fn table(&self) -> String {
        let mut s = String::new();
        for r in &self.rows {
            let (v, why) = match &r.outcome {
                Outcome::Passed => ("passed ", String::new()),
                Outcome::Failed(w) => ("FAILED ", format!("  {w}")),
                Outcome::Skipped(w) => ("skipped", format!("  {w}")),
            };
            let _ = writeln!(s, "{v} {}{why}", r.sample.display());
        }
        s
    }

    /// `N passed, N failed, N skipped (reasons)`.
    pub fn summary(&self) -> String {
        let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
        for r in &self.rows {
            if let Outcome::Skipped(w) = &r.outcome {
                let key = w.split(':').next().unwrap_or(w).to_string();
                *reasons.entry(key).or_default() += 1;
            }
        }
        let skipped: usize = reasons.values().sum();
        let why: Vec<String> = reasons.iter().map(|(k, n)| format!("{n} {k}")).collect();
        format!(
            "{} passed, {} failed, {skipped} skipped{}",
            self.passed(),
            self.failed(),
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", why.join("; "))
            }
        )
    }
}

/// Pairs the subfolders of two roots by name (`xsd/X` with `samples/X`).
pub fn pair_tree(xsd: &Path, samples: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    let mut pairs = vec![];
    let entries = std::fs::read_dir(samples).map_err(|source| Error::Io {
        file: samples.to_path_buf(),
        source,
    })?;
    for e in entries.filter_map(|e| e.ok()) {
        let s = e.path();
        let x = xsd.join(e.file_name());
        if s.is_dir() && x.is_dir() {
            pairs.push((x, s));
        }
    }
    pairs.sort();
    Ok(pairs)
}

fn main_rs(modules: &[String]) -> String {
    let mut arms = String::new();
    for m in modules {
        let _ = writeln!(arms, "            {m:?} => scratch::{m}::roundtrip(&el),");
    }
    format!(
        r#"//! Round-trip driver written by regway-codegen: reads `module\tsample\toutput` lines.
use std::io::BufRead;
use regway_xml_runtime as rt;

fn one(module: &str, sample: &str, output: &str) -> String {{
    let text = match std::fs::read(sample).map_err(|e| e.to_string()).and_then(|b| rt::decode(&b).map_err(|e| e.to_string())) {{
        Ok(t) => t,
        Err(e) => return format!("ERR\tcannot read: {{e}}"),
    }};
    let el = match rt::parse(&text) {{
        Ok(el) => el,
        Err(e) => return format!("ERR\t{{e}}"),
    }};
    let result = match module {{
{arms}            _ => None,
    }};
    match result {{
        None => format!("SKIP\tno generated type for root element {{{{{{}}}}}}{{}}", el.ns, el.name),
        Some(Err(e)) => format!("ERR\tread: {{e}}"),
        Some(Ok(xml)) => match std::fs::write(output, xml) {{
            Ok(()) => "OK".to_string(),
            Err(e) => format!("ERR\tcannot write: {{e}}"),
        }},
    }}
}}

fn main() {{
    // Generated types of large schema sets (OASIS UBL) are large values: debug builds need
    // more than the main thread's stack to read them.
    std::thread::Builder::new()
        .stack_size(1 << 29)
        .spawn(run)
        .expect("driver thread")
        .join()
        .expect("driver");
}}

fn run() {{
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {{
        let mut parts = line.split('\t');
        let (Some(m), Some(s), Some(o)) = (parts.next(), parts.next(), parts.next()) else {{
            continue;
        }};
        println!("{{s}}\t{{}}", one(m, s, o));
    }}
}}
"#
    )
}

/// Runs the round trip for `(xsd folder, samples folder)` pairs in one scratch crate.
pub fn roundtrip(pairs: &[(PathBuf, PathBuf)], scratch: &Scratch) -> Result<Report> {
    let folders: Vec<PathBuf> = pairs.iter().map(|(x, _)| x.clone()).collect();
    let mut results = prepare(&folders, scratch, None)?;
    let ok_modules: Vec<String> = results
        .iter()
        .filter(|r| r.outcome.is_ok())
        .map(|r| r.module.clone())
        .collect();
    // Rewrite with the driver now that the module names are known.
    let main = main_rs(&ok_modules);
    results = prepare(&folders, scratch, Some(&main))?;
    let build = scratch.build()?;
    apply_build(&mut results, &build);
    let out_dir = scratch.dir.join("out");
    std::fs::create_dir_all(&out_dir).map_err(|source| Error::Io {
        file: out_dir.clone(),
        source,
    })?;
    let mut report = Report::default();
    let mut input = String::new();
    for ((_, samples), result) in pairs.iter().zip(&results) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(samples)
            .map_err(|source| Error::Io {
                file: samples.clone(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")))
            .collect();
        files.sort();
        for f in files {
            if let Err(e) = &result.outcome {
                let first = e.lines().next().unwrap_or("").to_string();
                report.rows.push(Row {
                    sample: f,
                    outcome: Outcome::Failed(format!("schema folder failed: {first}")),
                });
                continue;
            }
            let out = out_dir.join(format!(
                "{}--{}",
                result.module,
                f.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            let _ = writeln!(
                input,
                "{}\t{}\t{}",
                result.module,
                f.display(),
                out.display()
            );
            report.rows.push(Row {
                sample: f,
                outcome: Outcome::Skipped(out.display().to_string()),
            });
        }
    }
    if !build.success {
        return Ok(report);
    }
    let mut child = Command::new(scratch.binary())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Command {
            command: scratch.binary().display().to_string(),
            message: e.to_string(),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| Error::Command {
                command: "round-trip driver".into(),
                message: e.to_string(),
            })?;
    }
    let output = child.wait_with_output().map_err(|e| Error::Command {
        command: "round-trip driver".into(),
        message: e.to_string(),
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let verdicts: std::collections::BTreeMap<&str, &str> =
        stdout.lines().filter_map(|l| l.split_once('\t')).collect();
    for row in &mut report.rows {
        let Outcome::Skipped(out) = &row.outcome else {
            continue;
        };
        let out = PathBuf::from(out);
        let key = row.sample.display().to_string();
        row.outcome = match verdicts.get(key.as_str()) {
            Some(&"OK") => compare(&row.sample, &out),
            Some(v) if v.starts_with("SKIP\t") => Outcome::Skipped(v[5..].to_string()),
            Some(v) => Outcome::Failed(v.trim_start_matches("ERR\t").to_string()),
            None => Outcome::Failed("the driver gave no verdict".into()),
        };
    }
    Ok(report)
}

fn compare(sample: &Path, out: &Path) -> Outcome {
    let read = |p: &Path| {
        std::fs::read(p)
            .map_err(|e| e.to_string())
            .and_then(|b| regway_xml_runtime::decode(&b).map_err(|e| e.to_string()))
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    match (read(sample), read(out)) {
        (Ok(a), Ok(b)) => match crate::c14n::equivalent(&a, &b) {
            Ok(()) => Outcome::Passed,
            Err(d) => Outcome::Failed(format!("differs: {d}")),
        },
        (Err(e), _) | (_, Err(e)) => Outcome::Failed(e),
    }
}
