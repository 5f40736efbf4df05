//! The CSR reader (`pki::csr::check`): what it accepts is validly self-signed, and the
//! subject and key it reports, and the CA issues, are the ones in the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regway_test_support::alloc::Counting;
use regway_test_support::oracles;

/// Counting, so that the oracle can check the memory it bounds (and otherwise costs little).
#[global_allocator]
static ALLOCATOR: Counting = Counting;

fuzz_target!(|data: &[u8]| {
    oracles::csr(data);
});
