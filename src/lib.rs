//! regway: a RegiX-compatible SOAP gateway for inter-registry data exchange.
//!
//! The request path, in order, is in [`pipeline`]; the folders name the architecture:
//! [`server`] (TLS and HTTP), [`soap`] (envelopes, faults, the strict XML reader), [`contract`]
//! (RegiX V2/V1 on the wire), [`policy`] (identity and grants), [`routing`] (operation →
//! adapter), [`audit`] (the tamper-evident trail), [`store`] (SQLite), [`cli`].

pub mod audit;
pub mod cli;
pub mod config;
pub mod contract;
pub mod dsig;
pub mod error;
pub mod pipeline;
pub mod pki;
pub mod policy;
pub mod routing;
pub mod runtime;
pub mod server;
pub mod soap;
pub mod store;
