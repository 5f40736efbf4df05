//! Errors of the code generator. Schemas and WSDLs are input: every problem in them is an error
//! naming the file and line, never a panic.

use std::path::PathBuf;

use crate::xsd::model::{Loc, QName};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: not well-formed XML: {message}", file.display())]
    Xml {
        file: PathBuf,
        line: u32,
        message: String,
    },
    #[error("{loc}: {message}")]
    Invalid { loc: Loc, message: String },
    #[error("{loc}: imported schema {location:?} not found (looked in {})", dir.display())]
    MissingImport {
        loc: Loc,
        location: String,
        dir: PathBuf,
    },
    #[error("{loc}: unknown type {name}")]
    UnknownType { loc: Loc, name: QName },
    #[error("{loc}: unknown element {name}")]
    UnknownElement { loc: Loc, name: QName },
    #[error("{loc}: unknown group {name}")]
    UnknownGroup { loc: Loc, name: QName },
    #[error("{loc}: unknown attribute or attribute group {name}")]
    UnknownAttribute { loc: Loc, name: QName },
    #[error("{loc}: group {name} contains itself ({chain})")]
    CyclicGroup {
        loc: Loc,
        name: QName,
        chain: String,
    },
    #[error("{loc}: type {name} derives from itself")]
    CyclicDerivation { loc: Loc, name: QName },
    #[error("{loc}: {what} is not supported: {why}")]
    Unsupported { loc: Loc, what: String, why: String },
    #[error("{0}: no .xsd or .wsdl files")]
    Empty(PathBuf),
    #[error("running {command}: {message}")]
    Command { command: String, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
