//! regway's published WSDLs. The templates in `wsdl/` hold the messages and bindings; the
//! schemas in `xsd/` are spliced in, so each type is written once and also usable on its own
//! (tests validate responses against the same files).

use super::Contract;

/// The base URL the WSDL templates carry; replaced by the address the consumer used.
pub const ADDRESS_PLACEHOLDER: &str = "https://regway.invalid";
const TYPES_MARKER: &str = "<!--regway:types-->";

const XMLDSIG: &str = include_str!("../../xsd/xmldsig-lax.xsd");
const SIGNED_DATA: &str = include_str!("../../xsd/RegiXSignedData.xsd");
const V2_WRAPPERS: &str = include_str!("../../xsd/RegiXEntryPointV2.xsd");
const V1: &str = include_str!("../../xsd/RegiXEntryPointV1.xsd");

/// The WSDL of `contract`, with its service addresses under `base_url` (`https://host:port`).
pub fn render(contract: Contract, base_url: &str) -> String {
    let (template, schemas): (&str, &[&str]) = match contract {
        Contract::V2 => (
            include_str!("../../wsdl/RegiXEntryPointV2.wsdl"),
            &[XMLDSIG, SIGNED_DATA, V2_WRAPPERS],
        ),
        Contract::V1 => (
            include_str!("../../wsdl/RegiXEntryPoint.wsdl"),
            &[XMLDSIG, V1],
        ),
    };
    let types: String = schemas.iter().map(|s| inline_schema(s)).collect();
    template
        .replace(TYPES_MARKER, &types)
        .replace(ADDRESS_PLACEHOLDER, base_url.trim_end_matches('/'))
}

/// A schema file as it appears inside `wsdl:types`: without its XML declaration, and with
/// imports by namespace only (the imported schema is a sibling in the same WSDL).
fn inline_schema(schema: &str) -> String {
    let body = match schema.find("?>") {
        Some(end) if schema.starts_with("<?xml") => &schema[end + 2..],
        _ => schema,
    };
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(" schemaLocation=\"") {
        out.push_str(&rest[..at]);
        let after = &rest[at + " schemaLocation=\"".len()..];
        rest = after.find('"').map_or("", |q| &after[q + 1..]);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::xml::{parse, Limits};

    #[test]
    fn rendered_wsdls_are_well_formed_and_addressed() {
        for c in [Contract::V2, Contract::V1] {
            let w = render(c, "https://gw.example:8443/");
            let root = parse(w.as_bytes(), Limits::default()).unwrap();
            assert!(root.is("http://schemas.xmlsoap.org/wsdl/", "definitions"));
            assert!(!w.contains(ADDRESS_PLACEHOLDER));
            assert!(!w.contains("schemaLocation"));
            assert!(w.contains("https://gw.example:8443/RegiXEntryPoint"));
            let types = root
                .child("http://schemas.xmlsoap.org/wsdl/", "types")
                .unwrap();
            assert!(types.elements().count() >= 2);
        }
    }
}
