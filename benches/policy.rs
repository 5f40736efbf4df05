//! Grant decision latency: one `authorize` against a snapshot holding 10,000 grants.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use regway::policy::fields::FieldSet;
use regway::policy::snapshot::{Caller, GrantEntry, Grantee, OperationEntry};
use regway::policy::{PolicySnapshot, Thumbprints};

const SYSTEMS: i64 = 1_000;
const OPERATIONS: i64 = 10;

fn thumbprints(system: i64) -> Thumbprints {
    Thumbprints {
        sha256: format!("{system:064x}"),
        sha1: format!("{system:040x}"),
    }
}

/// 1,000 systems × 10 operations = 10,000 grants, each accepting two legal bases.
fn snapshot() -> PolicySnapshot {
    let mut p = PolicySnapshot::default();
    for op in 0..OPERATIONS {
        p.add_operation(
            &format!("Op{op}"),
            OperationEntry {
                id: op,
                enabled: true,
                sign_result: true,
            },
        );
    }
    for lb in 0..50 {
        p.add_legal_basis(&format!("LB-{lb}"), 0, None);
    }
    let fields = FieldSet::all();
    for system in 0..SYSTEMS {
        let t = thumbprints(system);
        p.add_certificate(
            &t.sha256,
            &t.sha1,
            Caller {
                certificate_id: system,
                consumer_id: system / 10,
                consumer_name: format!("consumer {}", system / 10),
                system_id: system,
                system_name: format!("system {system}"),
                active: true,
                request_signature: Default::default(),
                result_profile: Default::default(),
            },
        );
        for op in 0..OPERATIONS {
            p.add_grant(
                Grantee::System(system),
                &format!("Op{op}"),
                GrantEntry {
                    grant_id: system * OPERATIONS + op,
                    version: 1,
                    legal_bases: vec![
                        format!("LB-{}", (system + op) % 50),
                        format!("LB-{}", (system + op + 1) % 50),
                    ],
                    fields: fields.clone(),
                    valid_from: 0,
                    valid_to: None,
                },
            );
        }
    }
    p
}

fn bench(c: &mut Criterion) {
    let p = snapshot();
    let who = thumbprints(517);
    let cited = format!("LB-{}: file 123", (517 + 3) % 50);
    assert!(p.authorize(&who, "Op3", Some(&cited), 1).is_ok());
    c.bench_function("policy/authorize_10k_grants", |b| {
        b.iter(|| {
            p.authorize(
                black_box(&who),
                black_box("Op3"),
                black_box(Some(cited.as_str())),
                1,
            )
            .is_ok()
        })
    });
    c.bench_function("policy/refuse_unknown_legal_basis_10k_grants", |b| {
        b.iter(|| {
            p.authorize(
                black_box(&who),
                black_box("Op3"),
                black_box(Some("NOPE")),
                1,
            )
            .is_err()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
