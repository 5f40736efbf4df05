//! The WS-Security request-signature check: nothing accepted whose processed Body or
//! Timestamp differs from the signed fixture's (seed the corpus with the fixture and its tampered
//! forms); an accepted message is refused as a replay.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regway_test_support::alloc::Counting;
use regway_test_support::oracles;

/// Counting, so that the oracle can check the memory it bounds (and otherwise costs little).
#[global_allocator]
static ALLOCATOR: Counting = Counting;

fuzz_target!(|data: &[u8]| {
    oracles::wssec(data);
});
