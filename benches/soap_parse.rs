//! The XML work of one request, without TLS or HTTP: reading a V2 SOAP 1.1 PersonDataSearch
//! request, reading the call from it, re-serialising its argument for the adapter, checking
//! (re-parsing) the demo register's real answer, and writing the response envelope around it.
//! `regway-load` measures the whole gateway; this says how much of its time per request is
//! spent here.
//!
//! `cargo bench --bench soap_parse` (about 20 s; add `-- --quick` for a rough figure).

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use regway::contract::{self, Call, Contract, DataContainer, ServiceResult};
use regway::soap::envelope::write_envelope;
use regway::soap::xml::{self, Element, Limits};
use regway::soap::{Envelope, SoapVersion};
use regway_adapter::AdapterRequest;
use regway_demo_population::PopulationRegister;
use regway_test_support::soap::{
    person_data_request, v2_members, v2_soap11, PERSON_DATA_SEARCH, SOAP11,
};

/// A request as a RegiX client sends it and the answer the gateway writes for it.
struct Fixture {
    request: String,
    /// The demo register's answer, as the adapter returns it.
    answer: String,
    /// The argument echoed in `Data/Request` and the register's answer in `Data/Response`,
    /// both standalone XML as the pipeline hands them on.
    result: ServiceResult,
}

fn fixture() -> Fixture {
    let register = PopulationRegister::new();
    let argument = person_data_request(register.living_egn());
    let request = v2_soap11(&v2_members(PERSON_DATA_SEARCH, &argument));
    let answer = register
        .respond(&AdapterRequest {
            operation: PERSON_DATA_SEARCH,
            argument: &argument,
            citizen_egn: None,
            employee_egn: None,
        })
        .expect("the demo register answers PersonDataSearch");
    let response = xml::parse(answer.as_bytes(), Limits::default())
        .expect("the demo register's answer is XML")
        .to_standalone_xml();
    let result = ServiceResult::ready(
        DataContainer {
            request: argument,
            response: Some(response),
            matrix: None,
        },
        0,
    );
    Fixture {
        request,
        answer,
        result,
    }
}

fn parse(request: &str) -> Envelope {
    Envelope::parse(SOAP11, request.as_bytes(), Limits::default())
        .expect("the request envelope parses")
}

/// The call's argument element, as the pipeline reads it.
fn argument(env: &Envelope) -> Element {
    let payload = env.body_payload().expect("the envelope has a body");
    match contract::read_call(Contract::V2, payload).expect("the body is a V2 call") {
        Call::Execute(r) => r.argument.clone().expect("the call has an argument"),
        other => panic!("expected Execute, got {other:?}"),
    }
}

fn write_response(result: &ServiceResult) -> String {
    let operation = Contract::V2.execute_operation();
    let body = result.write(Contract::V2, operation);
    write_envelope(
        SoapVersion::V11,
        &Contract::V2.response_action(operation),
        None,
        &body,
    )
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let env = parse(&f.request);
    let argument = argument(&env);
    let response_len = write_response(&f.result).len() as u64;

    let mut g = c.benchmark_group("soap");
    g.throughput(Throughput::Bytes(f.request.len() as u64));
    g.bench_function("envelope_parse", |b| {
        b.iter(|| {
            Envelope::parse(
                black_box(SOAP11),
                black_box(f.request.as_bytes()),
                Limits::default(),
            )
        })
    });
    g.bench_function("read_call", |b| {
        let payload = env.body_payload().expect("the envelope has a body");
        b.iter(|| contract::read_call(Contract::V2, black_box(payload)))
    });
    g.throughput(Throughput::Bytes(argument.to_standalone_xml().len() as u64));
    g.bench_function("argument_to_standalone_xml", |b| {
        b.iter(|| black_box(&argument).to_standalone_xml())
    });
    // An answer that does not declare its namespaces is re-serialised (the filter's slow
    // path; the filter itself is measured in benches/filter.rs).
    g.throughput(Throughput::Bytes(f.answer.len() as u64));
    g.bench_function("answer_parse_and_reserialise", |b| {
        b.iter(|| {
            xml::parse(black_box(f.answer.as_bytes()), Limits::default())
                .map(|e| e.to_standalone_xml())
        })
    });
    g.throughput(Throughput::Bytes(response_len));
    g.bench_function("write_response", |b| {
        b.iter(|| write_response(black_box(&f.result)))
    });
    g.finish();
}

/// Small samples: the figures are stable to a few per cent and the whole run stays short.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = soap_parse;
    config = config();
    targets = benches
}
criterion_main!(soap_parse);
