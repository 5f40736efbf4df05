//! Who is calling and what they may do.
//!
//! The pipeline never reads storage: it asks an immutable [`PolicySnapshot`], which the store
//! builds and the gateway swaps atomically when the store changes.

pub mod fields;
pub mod filter;
pub mod identity;
pub mod legal_basis;
pub mod snapshot;
pub mod standing;

pub use identity::Thumbprints;
pub use snapshot::{Authorized, Caller, Denial, GrantEntry, PolicySnapshot};
pub use standing::{Standing, Withdrawal};
