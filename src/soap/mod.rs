//! SOAP 1.1 and 1.2 envelopes: version detection, the header rules we enforce, and faults.
//!
//! regway answers in the SOAP version the consumer used. The version is read from the
//! Content-Type and must agree with the envelope's namespace.

pub mod envelope;
pub mod fault;
pub mod xml;

pub use envelope::{Addressing, Envelope, SoapError, SoapVersion};
pub use fault::FaultCode;
