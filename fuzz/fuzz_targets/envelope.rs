//! Request envelopes and the contract reader (`Envelope::parse`, `contract::read_call`):
//! SOAP's layout, no unknown mandatory header, a deterministic reading, arguments that keep their
//! meaning standalone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regway_test_support::alloc::Counting;
use regway_test_support::oracles;

/// Counting, so that the oracle can check the memory it bounds (and otherwise costs little).
#[global_allocator]
static ALLOCATOR: Counting = Counting;

fuzz_target!(|data: &[u8]| {
    oracles::envelope(data);
});
