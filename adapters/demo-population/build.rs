//! Generates the typed request/response and the field-path tables of this adapter from the
//! schemas it publishes (`xsd/`), so types, tables and contract cannot drift apart.

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let xsd = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("xsd");
    println!("cargo:rerun-if-changed={}", xsd.display());
    let files = regway_codegen::xsd_files(&xsd)?;
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let opts = regway_codegen::EmitOptions {
        field_type: "::regway_adapter::Field".into(),
        source: "adapters/demo-population/xsd".into(),
        inner_attributes: false,
        ..Default::default()
    };
    let generated = regway_codegen::generate_xsd(&files, &opts)?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("nbd.rs");
    std::fs::write(out, generated.source)?;
    Ok(())
}
