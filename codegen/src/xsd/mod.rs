//! XML Schema: the model the generator works on, how it is read, and how sets of schemas load.
//!
//! This is regway's own focused reader rather than xsd-parser (see codegen/README.md): it reads
//! exactly the XSD subset the RegiX corpus uses, keeps every name byte-for-byte, resolves the
//! corpus' case-mismatched imports, and reports every problem with file and line.

pub mod dtd;
pub mod load;
pub mod model;
pub mod parse;

pub use load::SchemaSet;
