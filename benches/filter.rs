//! Throughput of the field filter, which runs on every response: the company register's
//! largest answer and the population register's largest `PersonDataResponse`, each with a
//! partial grant and with `*`.
//!
//! `cargo bench --bench filter` (about 20 s).

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use regway::policy::fields::FieldSet;
use regway::policy::filter::filter;
use regway::soap::xml::Limits;
use regway_adapter::{AdapterError, AdapterRequest, OperationSpec};
use regway_demo_company::{CompanyRegister, GET_VALID_UIC_INFO};
use regway_demo_population::{PopulationRegister, PERSON_DATA_SEARCH};
use regway_test_support::soap::person_data_request;

/// The longest of the answers `respond` gives for each argument.
fn largest(
    arguments: impl Iterator<Item = String>,
    operation: &str,
    respond: impl Fn(&AdapterRequest<'_>) -> Result<String, AdapterError>,
) -> String {
    arguments
        .map(|argument| {
            respond(&AdapterRequest {
                operation,
                argument: &argument,
                citizen_egn: None,
                employee_egn: None,
            })
            .expect("the demo register answers")
        })
        .max_by_key(String::len)
        .expect("the register is not empty")
}

fn spec(operations: &'static [OperationSpec], name: &str) -> &'static OperationSpec {
    operations
        .iter()
        .find(|s| s.name == name)
        .expect("the register serves the operation")
}

fn benches(c: &mut Criterion) {
    let companies = CompanyRegister::new();
    let company = largest(
        companies.companies().iter().map(|c| {
            format!(
                r#"<ValidUICRequest xmlns="http://egov.bg/RegiX/AV/TR/ValidUICRequest"><UIC>{}</UIC></ValidUICRequest>"#,
                c.uic
            )
        }),
        GET_VALID_UIC_INFO,
        |r| companies.respond(r),
    );
    let people = PopulationRegister::new();
    let person = largest(
        people.people().iter().map(|p| person_data_request(&p.egn)),
        PERSON_DATA_SEARCH,
        |r| people.respond(r),
    );
    let company_fields = FieldSet::parse(
        &["UIC", "Company", "LegalForm.LegalFormAbbr"],
        spec(regway_demo_company::OPERATIONS, GET_VALID_UIC_INFO).fields,
    )
    .expect("the paths are in the table");
    let person_fields = FieldSet::parse(
        &[
            "PersonNames.FirstName",
            "PersonNames.FamilyName",
            "EGN",
            "BirthDate",
            "Nationality.*",
        ],
        spec(regway_demo_population::OPERATIONS, PERSON_DATA_SEARCH).fields,
    )
    .expect("the paths are in the table");

    let mut g = c.benchmark_group("filter");
    for (name, xml, partial) in [
        ("company", &company, &company_fields),
        ("person", &person, &person_fields),
    ] {
        g.throughput(Throughput::Bytes(xml.len() as u64));
        for (grant, fields) in [("partial", partial), ("all", &FieldSet::all())] {
            g.bench_function(format!("{name}_{}B_{grant}", xml.len()), |b| {
                b.iter(|| filter(black_box(xml), black_box(fields), Limits::default()))
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = filter_benches;
    // Small samples keep the whole run near 20 s; the figures are stable to a few per cent.
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(filter_benches);
