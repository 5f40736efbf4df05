//! Shared support for regway's end-to-end tests and benchmarks: a real PKI made with rcgen, a
//! real gateway started on a loopback port with a real SQLite store, and an mTLS HTTP client.
//! Nothing here imitates a regway component; it only sets up and talks to the real thing.

pub mod alloc;
pub mod cli;
pub mod client;
pub mod gateway;
pub mod oracles;
pub mod pki;
pub mod registry;
pub mod seeds;
pub mod soap;

pub use client::{Connection, HttpVersion, Identity, Reply};
pub use gateway::{GatewayOptions, TestGateway};
pub use pki::TestPki;
