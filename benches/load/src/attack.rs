//! `regway-load attack`: one hostile request against the real gateway over mTLS, with a good
//! client calling beside it, and what the request cost the gateway process: its peak resident
//! memory above what it held before, and its CPU time. Used for the figures of the XML reader's
//! limits (docs/benchmarks.md, *What hostile requests cost*), before and after a change, with
//! `--regway` naming the build to measure.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use clap::ValueEnum;
use regway_test_support::client::{Connection, HttpVersion, Identity};
use regway_test_support::soap::{SOAP11, V2_BASIC, V2_EXECUTE_ACTION};
use tokio::time::{timeout, Instant};

use crate::procs::{self, ChildGuard};

/// Longest wait for the hostile request's answer.
const ATTACK_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which hostile request.
    #[arg(long, value_enum)]
    case: Case,
    /// Namespace declarations on the argument's root (`namespaces`), or attributes on it
    /// (`attributes`).
    #[arg(long)]
    n: usize,
    /// `namespaces`: children of the root, each declaring one more prefix [default: n].
    #[arg(long)]
    children: Option<usize>,
    /// The regway executable [default: `regway` next to this executable].
    #[arg(long, env = "REGWAY_BIN")]
    pub regway: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Case {
    /// `n` prefixes declared on one element, and children that each declare one more
    /// (quadratic memory when each scope copies the one above it).
    Namespaces,
    /// One element with `n` attributes (quadratic CPU when duplicates are checked by a linear
    /// scan per attribute and nothing stops the tag early).
    Attributes,
}

/// The argument's root, made hostile.
fn hostile(case: Case, n: usize, children: usize) -> String {
    const NS: &str = "http://egov.bg/RegiX/GRAO/NBD/PersonDataRequest";
    let mut out = format!(r#"<PersonDataRequest xmlns="{NS}""#);
    match case {
        Case::Namespaces => {
            for i in 0..n {
                out.push_str(&format!(r#" xmlns:p{i}="urn:p:{i}""#));
            }
            out.push('>');
            for i in 0..children {
                out.push_str(&format!(r#"<c xmlns:q{i}="urn:q"/>"#));
            }
        }
        Case::Attributes => {
            for i in 0..n {
                out.push_str(&format!(r#" a{i}="""#));
            }
            out.push('>');
        }
    }
    out.push_str("<EGN>2447017682</EGN></PersonDataRequest>");
    out
}

pub async fn run(args: Args, regway: PathBuf) -> anyhow::Result<bool> {
    let (dir, addr) = procs::quickstart_dir(&regway, "regway-attack-")?;
    let data = dir.path();
    let pki = data.join("pki");
    let read = |p: PathBuf| std::fs::read_to_string(&p).with_context(|| format!("{}", p.display()));
    let ca = read(pki.join("ca.pem"))?;
    let identity = Identity {
        cert_pem: read(pki.join("consumer-granted.pem"))?,
        key_pem: read(pki.join("consumer-granted.key"))?,
    };
    let good = read(data.join("samples/PersonDataSearch.xml"))?;
    let start = good
        .find("<PersonDataRequest")
        .context("no PersonDataRequest in the sample")?;
    let end = good
        .find("</PersonDataRequest>")
        .context("no PersonDataRequest end in the sample")?
        + "</PersonDataRequest>".len();
    let children = args.children.unwrap_or(args.n);
    let body = format!(
        "{}{}{}",
        &good[..start],
        hostile(args.case, args.n, children),
        &good[end..]
    );

    let mut gateway = ChildGuard::spawn(
        "regway",
        std::process::Command::new(&regway)
            .args(["serve", "--config"])
            .arg(data.join("regway.toml"))
            .current_dir(data),
    )?;
    let open = || Connection::open(addr, &ca, Some(&identity), HttpVersion::Http1);
    let good = Bytes::from(good);
    let ready = Instant::now() + Duration::from_secs(30);
    let mut probe = loop {
        gateway.check_running()?;
        if let Ok(mut c) = open().await {
            if c.post(V2_BASIC, SOAP11, Some(V2_EXECUTE_ACTION), good.clone())
                .await
                .is_ok()
            {
                break c;
            }
        }
        anyhow::ensure!(Instant::now() < ready, "the gateway did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    gateway.reset_peak();
    let before = gateway.memory()?;
    let cpu_before = gateway.cpu()?;
    let mut attacker = open().await.context("attacker connection")?;

    // The good client calls in a loop while the hostile request is in flight.
    let done = Arc::new(AtomicBool::new(false));
    let good_client = {
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let (mut served, mut worst) = (0u32, Duration::ZERO);
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                let post = probe.post(V2_BASIC, SOAP11, Some(V2_EXECUTE_ACTION), good.clone());
                match timeout(Duration::from_secs(60), post).await {
                    Ok(Ok(r)) if r.body.contains("<HasError>false</HasError>") => served += 1,
                    _ => break,
                }
                worst = worst.max(t.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (served, worst)
        })
    };
    eprintln!("sending a {} byte {:?} request...", body.len(), args.case);
    let t = Instant::now();
    let reply = timeout(
        ATTACK_TIMEOUT,
        attacker.post(
            V2_BASIC,
            SOAP11,
            Some(V2_EXECUTE_ACTION),
            Bytes::from(body.clone()),
        ),
    )
    .await;
    let elapsed = t.elapsed();
    let after = gateway.memory()?;
    let cpu = gateway.cpu()?.saturating_sub(cpu_before);
    done.store(true, Ordering::Relaxed);
    let (served, worst) = good_client.await.unwrap_or_default();
    let outcome = match &reply {
        Ok(Ok(r)) => {
            let code = r
                .body
                .split_once("<rg:Code xmlns:rg=\"urn:regway:fault\">")
                .and_then(|(_, rest)| rest.split_once("</rg:Code>"))
                .map_or("none", |(code, _)| code);
            format!("HTTP {}, fault code {code}", r.status)
        }
        Ok(Err(e)) => format!("no answer: {e:#}"),
        Err(_) => format!("no answer within {ATTACK_TIMEOUT:?}"),
    };
    println!(
        "case            {:?} n={} children={children}",
        args.case, args.n
    );
    println!("body            {} bytes", body.len());
    println!(
        "answer          {outcome} after {:.2} s",
        elapsed.as_secs_f64()
    );
    println!("gateway CPU     {:.2} s", cpu.as_secs_f64());
    println!(
        "gateway memory  peak {:.0} MiB (+{:.0} MiB over the {:.0} MiB before), {:.0} MiB after",
        after.peak_mib,
        after.peak_mib - before.rss_mib,
        before.rss_mib,
        after.rss_mib
    );
    println!(
        "good client     {served} calls served meanwhile, slowest {:.0} ms",
        worst.as_secs_f64() * 1000.0
    );
    Ok(reply.is_ok_and(|r| r.is_ok()))
}
