//! Write the fuzz targets' seed corpora (see `fuzz/README.md`):
//!
//! ```sh
//! cargo run -p regway-test-support --example fuzz_seeds -- fuzz/corpus ../shared/regix/samples
//! ```
//!
//! writes `fuzz/corpus/<target>/<seed>` for every target. With `--hand-made DIR` it writes the
//! hand-made adversarial inputs to `DIR/<target>/` (they are kept in `fuzz/regressions/`; CSRs
//! are signed anew, with a new key, each time). With `--signed-fixture FILE` it
//! instead signs a new request for the WS-Security oracle (its Timestamp created on
//! 2026-01-01) and writes it to FILE; the oracle's fixture is such a file, kept so that inputs
//! derived from it reproduce.

use std::path::Path;

use regway_test_support::seeds;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, file] if flag == "--signed-fixture" => {
            let created = time::macros::datetime!(2026-01-01 00:00:00 UTC);
            std::fs::write(file, seeds::signed_request(created))?;
            println!("wrote {file}");
        }
        [flag, out] if flag == "--hand-made" => {
            for (target, inputs) in [
                ("xml", seeds::adversarial_xml()),
                ("csr", seeds::adversarial_csr()),
                ("envelope", seeds::adversarial_envelopes()),
                ("filter", seeds::adversarial_filter()),
                ("wssec", seeds::wssec()),
            ] {
                let dir = Path::new(out).join(target);
                std::fs::create_dir_all(&dir)?;
                for (name, bytes) in &inputs {
                    std::fs::write(dir.join(name), bytes)?;
                }
                println!("{target}: {} inputs in {}", inputs.len(), dir.display());
            }
        }
        [out, samples] => {
            let samples = Path::new(samples);
            let targets = [
                ("xml", seeds::xml(samples)),
                ("envelope", seeds::envelopes(samples)),
                ("wssec", seeds::wssec()),
                ("filter", seeds::filter()),
                ("csr", seeds::csr()),
            ];
            for (target, corpus) in targets {
                let dir = Path::new(out).join(target);
                std::fs::create_dir_all(&dir)?;
                for (name, bytes) in &corpus {
                    std::fs::write(dir.join(name), bytes)?;
                }
                println!("{target}: {} seeds in {}", corpus.len(), dir.display());
            }
        }
        _ => {
            eprintln!(
                "usage: fuzz_seeds OUT_DIR SAMPLES_DIR | --hand-made DIR | --signed-fixture FILE"
            );
            std::process::exit(2);
        }
    }
    Ok(())
}
