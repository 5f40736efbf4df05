//! Generates the typed request/response and the field-path tables of this adapter from the
//! schemas it publishes (`xsd/`), so types, tables and contract cannot drift apart.

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    regway_codegen::adapter_build(
        &PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?),
        &PathBuf::from(std::env::var("OUT_DIR")?),
        "tr.rs",
        "adapters/demo-company/xsd",
    )?;
    Ok(())
}
