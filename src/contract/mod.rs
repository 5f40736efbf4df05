//! RegiX's consumer contracts, as regway speaks them on the wire.
//!
//! * **V2** `IRegiXEntryPointV2`: wrappers in `http://egov.bg/RegiX`, payload in
//!   `http://egov.bg/RegiX/SignedData` (`/RegiXEntryPointV2.svc/basic` for SOAP 1.1,
//!   `/RegiXEntryPointV2.svc` for SOAP 1.2 + WS-Addressing).
//! * **V1** `IRegiXEntryPoint`: everything in `http://tempuri.org/` (`/RegiXEntryPoint.svc`).
//!
//! Reading is lenient the way .NET `XmlSerializer` was for RegiX's clients: unknown and
//! foreign-namespace elements are ignored, missing ones take defaults, order is not enforced.
//! Writing is exact: the element order, namespaces and nil rules of RegiX's responses.

pub mod request;
pub mod response;
pub mod wsdl;

pub use request::{CallContext, ServiceRequest};
pub use response::{DataContainer, ServiceResult};

use crate::soap::xml::Element;

/// The V2 contract namespace.
pub const REGIX_NS: &str = "http://egov.bg/RegiX";
/// The V2 payload namespace.
pub const SIGNED_DATA_NS: &str = "http://egov.bg/RegiX/SignedData";
/// The V1 namespace (WCF's default, as RegiX never set one).
pub const TEMPURI_NS: &str = "http://tempuri.org/";

/// The text RegiX answers for an operation it does not know (NOTES §8), kept verbatim because
/// clients match on it.
pub const INVALID_OPERATION: &str = "Element request.Operation is invalid. Check for correct operation names here: http://regixaisweb.egov.bg/regixinfo/";

/// One of the consumer contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    V2,
    V1,
}

impl Contract {
    /// The contract's short name (`V2`, `V1`), for records and logs.
    pub fn name(self) -> &'static str {
        match self {
            Contract::V2 => "V2",
            Contract::V1 => "V1",
        }
    }

    /// The namespace of the operation wrappers.
    pub fn ns(self) -> &'static str {
        match self {
            Contract::V2 => REGIX_NS,
            Contract::V1 => TEMPURI_NS,
        }
    }

    /// The namespace of `ServiceRequestData`/`ServiceResultData` members.
    pub fn payload_ns(self) -> &'static str {
        match self {
            Contract::V2 => SIGNED_DATA_NS,
            Contract::V1 => TEMPURI_NS,
        }
    }

    /// The WCF interface name that prefixes SOAP actions.
    pub fn interface(self) -> &'static str {
        match self {
            Contract::V2 => "IRegiXEntryPointV2",
            Contract::V1 => "IRegiXEntryPoint",
        }
    }

    /// The SOAP action of a response: `<ns>/<Interface>/<Op>Response`.
    pub fn response_action(self, operation: &str) -> String {
        let ns = self.ns().trim_end_matches('/');
        format!("{ns}/{}/{operation}Response", self.interface())
    }

    /// The synchronous execute operation of the contract.
    pub fn execute_operation(self) -> &'static str {
        match self {
            Contract::V2 => "Execute",
            Contract::V1 => "ExecuteSynchronous",
        }
    }
}

/// A request to one of the contract's operations.
#[derive(Debug)]
pub enum Call {
    /// A synchronous execution (V2 `Execute`, V1 `ExecuteSynchronous`).
    Execute(Box<ServiceRequest>),
    /// A call to an operation regway recognises but does not offer (yet).
    Unsupported(&'static str),
    /// Polling or acknowledging an asynchronous result.
    CheckResult,
}

/// Why a SOAP body is not an acceptable call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// The body element names no operation of this contract.
    #[error("The message {0} does not match any operation of the {1} contract at this address")]
    UnknownMessage(String, &'static str),
    /// `Operation` names no operation regway routes.
    #[error("{}", INVALID_OPERATION)]
    InvalidOperation,
    /// `Argument` is missing or has no element.
    #[error("Element request.Argument is required and it must contain XML content")]
    ArgumentMissing,
    /// `Argument` has more than one element.
    #[error("Element request.Argument must contain exactly one element")]
    ArgumentNotSingle,
    /// `Argument` holds another operation's request.
    #[error("Argument of operation '{operation}' must be a {expected} element, not {found}")]
    ArgumentMismatch {
        operation: String,
        expected: String,
        found: String,
    },
    /// A member holds a value of the wrong type.
    #[error("Element request.{field} has an invalid value '{value}'")]
    BadValue { field: &'static str, value: String },
    /// The call asks for processing regway does not perform.
    #[error("{0} is not supported by this gateway")]
    NotSupported(String),
    /// `CheckResult`/`AcknowledgeResultReceived` for a call that does not exist.
    #[error("No such serviceCallID could be found!")]
    NoSuchCall,
}

impl ContractError {
    /// The stable error code reported in the fault detail.
    pub fn code(&self) -> &'static str {
        match self {
            ContractError::UnknownMessage(..) => "contract.unknown-message",
            ContractError::InvalidOperation => "contract.invalid-operation",
            ContractError::ArgumentMissing => "contract.argument-missing",
            ContractError::ArgumentNotSingle => "contract.argument-not-single",
            ContractError::ArgumentMismatch { .. } => "contract.argument-mismatch",
            ContractError::BadValue { .. } => "contract.bad-value",
            ContractError::NotSupported(_) => "contract.not-supported",
            ContractError::NoSuchCall => "contract.no-such-call",
        }
    }
}

/// Identify the call in a SOAP body.
pub fn read_call(contract: Contract, payload: &Element) -> Result<Call, ContractError> {
    let unknown = || {
        ContractError::UnknownMessage(
            format!("{{{}}}{}", payload.ns, payload.local),
            contract.interface(),
        )
    };
    if payload.ns != contract.ns() {
        return Err(unknown());
    }
    match (contract, payload.local.as_str()) {
        (Contract::V2, "Execute") | (Contract::V1, "ExecuteSynchronous") => {
            let request = payload.child(contract.ns(), "request");
            let data = match (contract, request) {
                // V2 wraps the data once more; tolerate clients that leave the wrapper out.
                (Contract::V2, Some(r)) => {
                    r.child(SIGNED_DATA_NS, "ServiceRequestData").or(Some(r))
                }
                (_, r) => r,
            };
            Ok(Call::Execute(Box::new(ServiceRequest::read(
                data,
                contract.payload_ns(),
            )?)))
        }
        (Contract::V1, "Execute") => Ok(Call::Unsupported(
            "Asynchronous execution (V1 Execute); use ExecuteSynchronous",
        )),
        (Contract::V2, "CheckResult" | "AcknowledgeResultReceived")
        | (Contract::V1, "CheckResult") => Ok(Call::CheckResult),
        (Contract::V2, "ExecuteCallback") => Ok(Call::Unsupported(
            "ExecuteCallback (it is implemented by consumers at their CallbackURL)",
        )),
        _ => Err(unknown()),
    }
}
