//! Conformance helpers for adapter tests (feature `testkit`): call an adapter through the
//! trait, as the gateway does, and check the behaviour every adapter shares.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::{Adapter, AdapterError, AdapterRequest};

/// Calls `adapter` through [`Adapter::execute`]. In-process demo adapters never wait, so one
/// poll completes the call; one that does wait fails the test.
pub fn call(
    adapter: &dyn Adapter,
    operation: &str,
    argument: &str,
) -> Result<String, AdapterError> {
    let request = AdapterRequest {
        operation,
        argument,
        citizen_egn: None,
        employee_egn: None,
    };
    let mut future = pin!(adapter.execute(request));
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result,
        Poll::Pending => panic!("{} did not answer at once", adapter.name()),
    }
}

/// Asserts that `adapter` answers `argument` (a request it accepts) under each of its own
/// operation names that takes that request, and refuses every other name, near misses
/// included, as an unknown operation that names what was asked.
pub fn assert_serves_only_its_operations(adapter: &dyn Adapter, argument: &str) {
    let own = adapter.operations();
    assert!(own
        .iter()
        .any(|op| call(adapter, op.name, argument).is_ok()));
    let near_miss = own[0].name.to_lowercase();
    let extended = format!("{}V2", own[0].name);
    for op in [
        "",
        "TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.RelationsSearch",
        "TechnoLogica.RegiX.AVTRAdapter.APIService.ITRAPI.GetActualState",
        &near_miss,
        &extended,
    ] {
        match call(adapter, op, argument) {
            Err(AdapterError::UnknownOperation(name)) => assert_eq!(name, op),
            other => panic!("{}: {op:?} gave {other:?}", adapter.name()),
        }
    }
}

/// The text of a file, naming the file when it cannot be read.
pub fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
