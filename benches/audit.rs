//! Audit append throughput with group commit: records made durable per second (SQLite WAL,
//! `synchronous=FULL`, a real file), with many calls appending at once as under load, and the
//! latency of one append when nothing else is queued (one fsync). Also the CPU cost of making
//! one call record (pseudonyms, JSON) on the request task.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use regway::audit::keys::KeyPaths;
use regway::audit::{Auditor, CallFacts, CallIds, Entry, IdentifierKeys, Outcome, Sealing};
use regway::contract::CallContext;
use regway::store::Store;

fn facts() -> CallFacts {
    CallFacts {
        contract: "V2",
        certificate: "ab".repeat(32),
        soap: Some("1.1"),
        consumer: Some("Municipality of Sofia".into()),
        system: Some("case-system".into()),
        operation: Some(
            "TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.PersonDataSearch".into(),
        ),
        legal_basis: Some("ZMVR-145".into()),
        grants: vec![(12, 3)],
        context: Some(CallContext {
            service_uri: Some("123-12345-01.01.2017".into()),
            service_type: Some("Administrative service".into()),
            employee_identifier: Some("ivan.petrov@sofia.bg".into()),
            employee_names: Some("Иван Петров".into()),
            law_reason: Some("ZMVR-145: check".into()),
            ..CallContext::default()
        }),
        citizen_egn: Some("7501010010".into()),
        employee_egn: None,
        argument_subjects: vec!["7501010010".into()],
        fields: vec!["PersonNames.*".into(), "BirthDate".into()],
        ..CallFacts::default()
    }
}

fn entry(keys: &IdentifierKeys, n: u64) -> Entry {
    let ids = CallIds {
        correlation_id: format!("{n:032x}"),
        call_id: n,
    };
    let outcome = Outcome {
        code: "ok",
        error: None,
        status: 200,
        latency_us: 850,
        request_sha256: Some("cd".repeat(32)),
        response_sha256: "ef".repeat(32),
    };
    facts()
        .into_entry(
            keys,
            "node-1",
            &ids,
            &outcome,
            time::OffsetDateTime::now_utc(),
        )
        .expect("record")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let paths = KeyPaths {
        identifier_keys: dir.path().join("audit/identifier-keys"),
        checkpoint_key: dir.path().join("audit/checkpoint-key.pem"),
    };
    let (auditor, _writer) = rt.block_on(async {
        let store = Store::open(dir.path()).await.expect("store");
        Auditor::start(
            &store,
            "node-1".into(),
            &paths,
            Sealing {
                every: 1000,
                interval: Duration::from_secs(60),
            },
        )
        .await
        .expect("auditor")
    });

    let mut g = c.benchmark_group("audit");
    g.throughput(Throughput::Elements(1));
    g.bench_function("make one call record", |b| {
        let mut n = 0;
        b.iter(|| {
            n += 1;
            entry(auditor.keys(), n)
        })
    });

    const CONCURRENT: u64 = 256;
    g.throughput(Throughput::Elements(CONCURRENT));
    g.sample_size(20);
    g.bench_function("append 256 records at once (group commit)", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let tasks: Vec<_> = (0..CONCURRENT)
                        .map(|i| {
                            let a = Arc::clone(&auditor);
                            tokio::spawn(async move {
                                let e = entry(a.keys(), i);
                                a.append(e).await.expect("append")
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.expect("task");
                    }
                }
                start.elapsed()
            })
        })
    });

    g.throughput(Throughput::Elements(1));
    g.bench_function("append one record alone (one commit)", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for i in 0..iters {
                    let e = entry(auditor.keys(), i);
                    auditor.append(e).await.expect("append");
                }
                start.elapsed()
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
