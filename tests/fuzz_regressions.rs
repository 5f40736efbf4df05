//! The fuzz targets' properties in the normal test suite: every oracle of
//! `regway_test_support::oracles` over every input kept in `fuzz/regressions/<target>/` (the
//! inputs the fuzzers found, and hand-made adversarial ones), and over the seeds the fuzzers
//! start from. The counting allocator is installed, so the XML reader's memory bound is
//! checked too. An empty or missing regressions folder fails: this cannot pass vacuously.

use std::path::{Path, PathBuf};

use regway_test_support::alloc::Counting;
use regway_test_support::{oracles, seeds};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// An oracle: panics when a property is broken; returns whether the input was accepted.
type Oracle = fn(&[u8]) -> bool;

fn regressions(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target)
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/regix/samples")
}

/// Run `oracle` on every input; fail naming each input that broke a property. Returns how many
/// inputs were accepted.
fn replay(target: &str, oracle: Oracle, inputs: &[(String, Vec<u8>)]) -> usize {
    assert!(!inputs.is_empty(), "{target}: no inputs to replay");
    let mut failures = Vec::new();
    let mut accepted = 0;
    for (name, bytes) in inputs {
        match std::panic::catch_unwind(|| oracle(bytes)) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{target}/{name}: {why}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs broke a property:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
    accepted
}

/// The files of `fuzz/regressions/<target>/`; there must be some.
fn kept(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = regressions(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; regression inputs must be kept there",
            dir.display()
        )
    });
    let mut inputs: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("a regression input"))
        })
        .collect();
    inputs.sort();
    assert!(
        !inputs.is_empty(),
        "{} is empty: the regression test would pass vacuously",
        dir.display()
    );
    inputs
}

#[test]
fn xml_regressions() {
    replay("xml", oracles::xml, &kept("xml"));
}

#[test]
fn envelope_regressions() {
    replay("envelope", oracles::envelope, &kept("envelope"));
}

#[test]
fn wssec_regressions() {
    replay("wssec", oracles::wssec, &kept("wssec"));
}

#[test]
fn filter_regressions() {
    replay("filter", oracles::filter, &kept("filter"));
}

#[test]
fn csr_regressions() {
    replay("csr", oracles::csr, &kept("csr"));
}

/// The memory property is only checked when the counting allocator is installed: it is here.
#[test]
fn the_counting_allocator_is_installed_and_counts() {
    assert!(regway_test_support::alloc::installed());
    let (v, peak) = regway_test_support::alloc::peak_during(|| vec![0u8; 100_000]);
    assert_eq!(v.len(), 100_000);
    assert!(peak.is_some_and(|p| p >= 100_000), "{peak:?}");
}

#[test]
fn xml_seeds_hold_the_properties() {
    let seeds = seeds::xml(&samples());
    let accepted = replay("xml seeds", oracles::xml, &seeds);
    // The RegiX samples are accepted: the properties are checked on real documents.
    assert!(accepted >= seeds.len() / 2, "{accepted} of {}", seeds.len());
}

#[test]
fn envelope_seeds_hold_the_properties() {
    let seeds = seeds::envelopes(&samples());
    let accepted = replay("envelope seeds", oracles::envelope, &seeds);
    assert!(accepted >= seeds.len() / 2, "{accepted} of {}", seeds.len());
}

/// The signed fixture is accepted (the oracle is not vacuous) and the classic attacks on it
/// are not.
#[test]
fn wssec_seeds_hold_the_properties_and_only_the_signed_one_is_accepted() {
    let seeds = seeds::wssec();
    for (name, bytes) in &seeds {
        let accepted = replay(
            "wssec seeds",
            oracles::wssec,
            &[(name.clone(), bytes.clone())],
        );
        assert_eq!(accepted, usize::from(name == "signed.xml"), "{name}");
    }
}

#[test]
fn filter_seeds_hold_the_properties() {
    let seeds = seeds::filter();
    let accepted = replay("filter seeds", oracles::filter, &seeds);
    assert_eq!(accepted, seeds.len());
}

#[test]
fn csr_seeds_hold_the_properties() {
    let seeds = seeds::csr();
    let accepted = replay("csr seeds", oracles::csr, &seeds);
    assert!(accepted >= 6, "{accepted} of {}", seeds.len());
}
