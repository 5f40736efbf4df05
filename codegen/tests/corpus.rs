//! Acceptance on the RegiX corpus (`../shared/regix`): every adapter schema folder generates and
//! compiles (`check`), and every official sample that validates against its schema (lxml) reads
//! and writes back unchanged (`roundtrip`). One scratch crate serves both, so the generated
//! library is compiled once.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use regway_codegen::roundtrip::{self, Outcome};
use regway_codegen::{check, scratch::Scratch};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/regix");

/// Folders of `xsd/` that are not adapter schemas: RegiX's own test project keeps an empty
/// placeholder (`Request.xsd` is the text "Empty doc"), which is not XML.
const NOT_SCHEMAS: &[&str] = &["RegiX.Adapters.Common.Tests"];

/// Samples that do not validate against their own schema upstream (lxml/libxml2 rejects them),
/// so no round trip is required; each with the reason. The test checks the list is exact.
const INVALID_UPSTREAM: &[(&str, &str)] = &[
    (
        "RegiX.CROZAdapter/GetConsignmentInfoResponse.xml",
        "empty file",
    ),
    (
        "RegiX.MVRBDSAdapter/GetPersonalIdentityV2Response.xml",
        "schema names the element \"DLCategоries \" (trailing space)",
    ),
    (
        "RegiX.MVRBDSAdapter/GetPersonalIdentityV3Response.xml",
        "schema names the element \"DLCategоries \" (trailing space)",
    ),
    (
        "RegiX.MVRERChAdapter/GetForeignIdentityV2Response.xml",
        "sample's elements are not those of the schema",
    ),
    (
        "RegiX.MtTouristRegisterAdapter/GetTotaRegCategoryByEIKResponse.xml",
        "schema names the element \"SiteType \" (trailing space)",
    ),
    (
        "RegiX.MtTouristRegisterAdapter/GetTotaRegToInsuranceByEIKResponse.xml",
        "schema names the element \"InsuranceEndDate \" (trailing space)",
    ),
    (
        "RegiX.NCPRMedicinalProductsAdapter/GetRegisterMedicinalProductDataRequest.xml",
        "schema names the element \"RegisterMedicinalProductId \" (trailing space)",
    ),
    (
        "RegiX.NRAPublicDebtsCollectionAdapter/SendDataForCollectionDataCorrectionRequest.xml",
        "sample's elements are not in the schema's order",
    ),
    (
        "RegiX.PropertyRegAdapter/GetEntityInfoResponse.xml",
        "Latin-1 bytes without an encoding declaration (not UTF-8)",
    ),
    (
        "RegiX.PropertyRegAdapter/GetPersonInfoResponse.xml",
        "Latin-1 bytes without an encoding declaration (not UTF-8)",
    ),
    (
        "RegiX.PropertyRegAdapter/PropertySearchResponse.xml",
        "Latin-1 bytes without an encoding declaration (not UTF-8)",
    ),
    // libxml2 refuses the namespace (Cyrillic "А" is not a valid URI character); regway's
    // generated type reads and writes it unchanged all the same.
    (
        "RegiX.PvPatentsAdapter/GetREG_PATENT_App_NumberRequest.xml",
        "namespace with a Cyrillic letter is not a valid URI for libxml2",
    ),
];

/// For each sample: validate against the schema of its folder that declares its root element.
const VALIDATE: &str = r#"
import sys, os, glob
from lxml import etree
for line in sys.stdin.read().splitlines():
    sample, folder = line.split("\t")
    try:
        root = etree.parse(sample, etree.XMLParser(no_network=True)).getroot()
    except Exception as e:
        print(f"{sample}\tINVALID\tnot well-formed: {e}")
        continue
    q = etree.QName(root)
    schema = None
    for x in sorted(glob.glob(os.path.join(folder, "*.xsd"))):
        try:
            d = etree.parse(x)
        except Exception:
            continue
        s = d.getroot()
        if (s.get("targetNamespace") or None) != q.namespace:
            continue
        if any(e.get("name") == q.localname for e in s.findall("{http://www.w3.org/2001/XMLSchema}element")):
            schema = x
            break
    if schema is None:
        print(f"{sample}\tNOSCHEMA\t{q}")
        continue
    try:
        xs = etree.XMLSchema(etree.parse(schema))
    except Exception as e:
        print(f"{sample}\tNOSCHEMA\tschema does not compile: {e}")
        continue
    if xs.validate(root):
        print(f"{sample}\tVALID\t")
    else:
        print(f"{sample}\tINVALID\t{xs.error_log.last_error}")
"#;

fn lxml_verdicts(pairs: &[(PathBuf, PathBuf)]) -> BTreeMap<String, (String, String)> {
    let mut input = String::new();
    for (xsd, samples) in pairs {
        let mut files: Vec<_> = std::fs::read_dir(samples)
            .expect("samples folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for f in files {
            input.push_str(&format!("{}\t{}\n", f.display(), xsd.display()));
        }
    }
    let mut child = Command::new(regway_pyenv::python())
        .args(["-c", VALIDATE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("validator");
    assert!(out.status.success(), "validator failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut p = l.splitn(3, '\t');
            Some((
                p.next()?.to_string(),
                (p.next()?.to_string(), p.next().unwrap_or("").to_string()),
            ))
        })
        .collect()
}

fn relative(p: &Path) -> String {
    let s = p.display().to_string();
    let base = format!("{}/samples/", Path::new(CORPUS).display());
    s.strip_prefix(&base).unwrap_or(&s).to_string()
}

#[test]
fn every_folder_compiles_and_every_valid_sample_round_trips() {
    let corpus = Path::new(CORPUS);
    let scratch = Scratch {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/regway-codegen-scratch/corpus"),
        target_dir: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/regway-codegen-scratch/target"),
    };

    // check: all folders, one crate.
    let mut folders: Vec<PathBuf> = std::fs::read_dir(corpus.join("xsd"))
        .expect("corpus xsd folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let results = check::check(&folders, &scratch).expect("check runs");
    let mut passed = 0;
    for r in &results {
        let name = r.folder.file_name().unwrap().to_string_lossy().into_owned();
        if NOT_SCHEMAS.contains(&name.as_str()) {
            assert!(
                r.outcome.is_err(),
                "{name} is expected to fail: not a schema"
            );
            continue;
        }
        assert!(r.outcome.is_ok(), "{name}: {:?}", r.outcome);
        passed += 1;
    }
    assert_eq!(passed, 86, "the corpus has 86 adapter schema folders");
    // The generated code is held to the workspace's lint bar.
    let lint = scratch.clippy().expect("clippy runs");
    assert!(lint.success, "clippy on generated code:\n{}", lint.output);

    // roundtrip: samples paired with their folders.
    let pairs = roundtrip::pair_tree(&corpus.join("xsd"), &corpus.join("samples")).unwrap();
    let report = roundtrip::roundtrip(&pairs, &scratch).expect("roundtrip runs");
    println!("{}", report.table());
    println!("{}", report.summary());
    let verdicts = lxml_verdicts(&pairs);
    let excluded: BTreeMap<&str, &str> = INVALID_UPSTREAM.iter().copied().collect();
    let mut problems = vec![];
    for row in &report.rows {
        let rel = relative(&row.sample);
        let (lxml, why) = verdicts
            .get(&row.sample.display().to_string())
            .cloned()
            .unwrap_or_else(|| ("MISSING".into(), String::new()));
        match (&row.outcome, excluded.get(rel.as_str())) {
            (_, Some(_)) if lxml == "VALID" => problems.push(format!(
                "{rel}: listed as invalid upstream but lxml accepts it"
            )),
            (_, Some(_)) => {}
            (Outcome::Passed, None) => {}
            (other, None) => problems.push(format!("{rel}: {other:?} (lxml: {lxml} {why})")),
        }
        if lxml != "VALID" && !excluded.contains_key(rel.as_str()) {
            problems.push(format!(
                "{rel}: lxml says {lxml}: {why}; not in INVALID_UPSTREAM"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(report.rows.len(), 450, "the corpus has 450 samples");
    assert!(report.passed() >= 450 - INVALID_UPSTREAM.len());
}
