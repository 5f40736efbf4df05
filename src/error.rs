//! The one error type of the request path, and who is to blame for each error.
//!
//! Refusals that RegiX reports in-band (`HasError`) are not errors here: they are results (see
//! [`crate::policy::Denial`]). What remains becomes a SOAP fault: the request could not be
//! understood, or the gateway could not finish it.

use crate::contract::ContractError;
use crate::dsig::xades::SignError;
use crate::dsig::SignatureError;
use crate::soap::envelope::EnvelopeError;
use crate::soap::xml::XmlError;
use crate::soap::{FaultCode, SoapError, SoapVersion};

/// Where a fault originates, in the spirit of pingora: the consumer's request (downstream),
/// a registry behind an adapter (upstream), or the gateway itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Downstream,
    Upstream,
    Internal,
}

/// A request that ends in a SOAP fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error("The request body exceeds the limit of {0} bytes")]
    BodyTooLarge(usize),
    #[error("The request body could not be read: {0}")]
    BodyRead(String),
    #[error("The request was not completed within {0} ms")]
    Timeout(u64),
    #[error("The call cannot be recorded in the audit trail, so it is refused. Try again later.")]
    AuditUnavailable,
    /// A signed request that is not acceptable, or an unsigned one that must be signed.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The consumer asked for a signed result and it could not be signed.
    #[error("The result could not be signed: {0}")]
    Signing(#[from] SignError),
}

impl From<SoapError> for Error {
    fn from(e: SoapError) -> Self {
        Error::Envelope(EnvelopeError::Soap(e))
    }
}

impl Error {
    /// The stable error code, reported in the fault detail and in logs.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Envelope(EnvelopeError::Xml(x)) => match x {
                XmlError::Malformed(_) => "xml.malformed",
                XmlError::Dtd => "xml.dtd",
                XmlError::UndefinedEntity(_) => "xml.entity",
                XmlError::TooDeep(_) => "xml.too-deep",
                XmlError::TooManyNodes(_) => "xml.too-many-nodes",
                XmlError::UnboundPrefix(_) => "xml.unbound-prefix",
                XmlError::Encoding => "xml.encoding",
                XmlError::Empty => "xml.empty",
                XmlError::InvalidChar(_) => "xml.invalid-char",
                XmlError::TooManyAttributes(_) => "xml.too-many-attributes",
                XmlError::TooManyNamespaces(_) => "xml.too-many-namespaces",
            },
            Error::Envelope(EnvelopeError::Soap(s)) => match s {
                SoapError::MediaType(_) => "http.media-type",
                SoapError::NotEnvelope => "soap.not-envelope",
                SoapError::VersionMismatch => "soap.version-mismatch",
                SoapError::NoBody => "soap.no-body",
                SoapError::Layout(_) => "soap.layout",
                SoapError::MustUnderstand(_) => "soap.must-understand",
            },
            Error::Contract(c) => c.code(),
            Error::BodyTooLarge(_) => "http.body-too-large",
            Error::BodyRead(_) => "http.body-read",
            Error::Timeout(_) => "http.timeout",
            Error::AuditUnavailable => "audit.unavailable",
            Error::Signature(e) => e.code(),
            Error::Signing(_) => "signature.sign-failed",
        }
    }

    /// Who caused it.
    pub fn side(&self) -> Side {
        match self {
            Error::Timeout(_) | Error::AuditUnavailable | Error::Signing(_) => Side::Internal,
            Error::Signature(SignatureError::ReplayCacheFull) => Side::Internal,
            Error::Contract(ContractError::NotSupported(_)) => Side::Internal,
            _ => Side::Downstream,
        }
    }

    /// The SOAP fault code.
    pub fn fault_code(&self) -> FaultCode {
        match self {
            Error::Envelope(EnvelopeError::Soap(SoapError::VersionMismatch)) => {
                FaultCode::VersionMismatch
            }
            Error::Envelope(EnvelopeError::Soap(SoapError::MustUnderstand(_)))
            | Error::Signature(SignatureError::NotUnderstood) => FaultCode::MustUnderstand,
            e if e.side() == Side::Downstream => FaultCode::Sender,
            _ => FaultCode::Receiver,
        }
    }

    /// The HTTP status: SOAP 1.1 faults are 500 (WS-I Basic Profile), SOAP 1.2 sender faults 400;
    /// transport-level refusals keep their own status.
    pub fn http_status(&self, version: SoapVersion) -> u16 {
        match self {
            Error::BodyTooLarge(_) => 413,
            Error::Envelope(EnvelopeError::Soap(SoapError::MediaType(_))) => 415,
            Error::Timeout(_)
            | Error::AuditUnavailable
            | Error::Signature(SignatureError::ReplayCacheFull) => 503,
            _ if version == SoapVersion::V12 && self.fault_code() != FaultCode::Receiver => 400,
            _ => 500,
        }
    }
}
