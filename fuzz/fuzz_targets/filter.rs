//! The field filter on adapter answers: byte 0 picks a demo operation, two bits per field of
//! its table grant it, the rest is the answer. Nothing outside the grant is released; `*` keeps
//! the meaning; acceptance does not depend on the grant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regway_test_support::alloc::Counting;
use regway_test_support::oracles;

/// Counting, so that the oracle can check the memory it bounds (and otherwise costs little).
#[global_allocator]
static ALLOCATOR: Counting = Counting;

fuzz_target!(|data: &[u8]| {
    oracles::filter(data);
});
