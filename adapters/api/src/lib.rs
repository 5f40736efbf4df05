//! The contract between the regway gateway and a registry adapter.
//!
//! An adapter answers one or more *operations*, each named exactly as RegiX names it
//! (`TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.PersonDataSearch`). The gateway has
//! already authenticated the consumer, checked its grant and validated the request envelope
//! before an adapter is called; the adapter only turns a request element into a response
//! element.
//!
//! XML crosses this boundary as text: the argument is a standalone XML element (every namespace
//! it uses is declared on it), and the adapter returns its response the same way. Keeping the
//! boundary textual lets in-process, remote-SOAP and RegiX adapter-host adapters share one
//! trait; typed (de)serialisation lives inside each adapter.

use std::fmt;

use async_trait::async_trait;

pub mod synthetic;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod xml;

/// A namespace-qualified XML element name, as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QName {
    /// The namespace URI (empty for no namespace).
    pub ns: &'static str,
    /// The local name.
    pub local: &'static str,
}

impl fmt::Display for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}{}", self.ns, self.local)
    }
}

/// What the gateway needs to know about one operation an adapter serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSpec {
    /// The full RegiX operation name: `<API interface full name>.<operation>`.
    pub name: &'static str,
    /// The root element the `Argument` must carry.
    pub request: QName,
    /// The root element of the response.
    pub response: QName,
    /// The response type name RegiX reports in the access matrix (`Matrix/Name`).
    pub response_type: &'static str,
    /// The grantable fields of the response, as RegiX access-matrix paths below the root
    /// (`PersonNames.FirstName`), parents before children. Grants are checked against it.
    pub fields: &'static [Field],
    /// Dot paths below the request root whose text identifies the subject of a call (a
    /// person's EGN, a company's UIC), as RegiX's per-adapter log filters extract them. The
    /// audit trail keeps them only as keyed hashes, and answers "who asked about S" with them.
    pub subject_identifiers: &'static [&'static str],
}

/// One grantable field of a response type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Dot-separated local names below the response root; the last segment of an attribute
    /// is the attribute's local name.
    pub path: &'static str,
    /// The field may occur more than once (`maxOccurs` > 1 on it or an ancestor).
    pub repeated: bool,
    /// The field is an attribute, not an element.
    pub attribute: bool,
}

impl Field {
    /// An element that occurs at most once.
    pub const fn element(path: &'static str) -> Field {
        Field {
            path,
            repeated: false,
            attribute: false,
        }
    }

    /// An element that may repeat.
    pub const fn repeated(path: &'static str) -> Field {
        Field {
            path,
            repeated: true,
            attribute: false,
        }
    }

    /// An attribute.
    pub const fn attribute(path: &'static str) -> Field {
        Field {
            path,
            repeated: false,
            attribute: true,
        }
    }
}

/// The context of one call, as far as an adapter may see it.
#[derive(Debug, Clone, Copy)]
pub struct AdapterRequest<'a> {
    /// The operation being called (one of the adapter's [`OperationSpec::name`]s).
    pub operation: &'a str,
    /// The argument element as standalone XML text; its root is [`OperationSpec::request`].
    pub argument: &'a str,
    /// `CitizenEGN` from the request, forwarded as RegiX forwards it (never logged by regway).
    pub citizen_egn: Option<&'a str>,
    /// `EmployeeEGN` from the request, forwarded likewise.
    pub employee_egn: Option<&'a str>,
}

/// Why an adapter could not answer. The gateway reports these in-band
/// (`HasError=true`, `Error=<Display text>`), as RegiX does for adapter failures.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    /// The argument is not a valid request for the operation.
    #[error("Invalid request argument: {0}")]
    BadArgument(String),
    /// The adapter does not serve the operation it was asked for.
    #[error("Operation '{0}' is not served by this adapter")]
    UnknownOperation(String),
    /// The registry behind the adapter failed or could not be reached.
    #[error("Registry error: {0}")]
    Registry(String),
}

/// A registry adapter. Implementations must be cheap to call concurrently.
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    /// A short, stable name used in configuration (`demo-population`).
    fn name(&self) -> &'static str;

    /// The operations this adapter answers.
    fn operations(&self) -> &'static [OperationSpec];

    /// Answer one request. The returned text is a standalone XML element whose root is the
    /// operation's [`OperationSpec::response`] element.
    async fn execute(&self, request: AdapterRequest<'_>) -> Result<String, AdapterError>;

    /// Whether the registry behind the adapter is reachable.
    async fn health(&self) -> Result<(), AdapterError> {
        Ok(())
    }
}
