//! Rust code generation: the lowered form ([`ir`]), lowering from schemas ([`lower`]) and the
//! source text ([`emit`]).

pub mod emit;
pub mod ir;
pub mod lower;
