//! The strict XML reader (`soap::xml::parse`): bounded heap (measured by the counting
//! allocator), trees within the limits, allowed characters only, the same reading as a conformant
//! parser, standalone fragments that keep their meaning.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regway_test_support::alloc::Counting;
use regway_test_support::oracles;

/// Counting, so that the oracle can check the memory it bounds (and otherwise costs little).
#[global_allocator]
static ALLOCATOR: Counting = Counting;

fuzz_target!(|data: &[u8]| {
    oracles::xml(data);
});
