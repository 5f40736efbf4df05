//! The figures: per-measurement statistics, the table, the gateway/responder ratios, JSON.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

/// Latency percentiles of one measurement, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// Nearest-rank percentiles of latencies in µs (all zero when there are none).
    pub fn of(mut micros: Vec<u32>) -> Latency {
        if micros.is_empty() {
            return Latency::default();
        }
        micros.sort_unstable();
        let rank = |q: f64| {
            let i = (q * micros.len() as f64).ceil() as usize;
            f64::from(micros[i.clamp(1, micros.len()) - 1]) / 1000.0
        };
        Latency {
            p50_ms: rank(0.50),
            p99_ms: rank(0.99),
            max_ms: rank(1.0),
        }
    }
}

/// One target under one mode.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseResult {
    pub target: &'static str,
    pub mode: &'static str,
    pub connections: usize,
    pub seconds: f64,
    /// Successful requests in the measured window.
    pub requests: usize,
    pub rps: f64,
    #[serde(flatten)]
    pub latency: Latency,
    /// Connections opened in the measured window (keep-alive: 0 when every one was reused).
    pub connects: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// CPU used by the server during the window, in per cent of one core.
    pub server_cpu_percent: f64,
    /// Server CPU time per successful request: the cost of one request to the server alone,
    /// less sensitive than req/s to the load generator sharing the machine.
    pub server_cpu_us_per_request: f64,
    /// CPU used by the load generator (it shares the machine with the server).
    pub client_cpu_percent: f64,
    /// The server's `VmRSS` at the end of the window.
    pub rss_mib: f64,
    /// The server's `VmHWM` during the window (since start where it cannot be reset).
    pub peak_rss_mib: f64,
}

/// Everything a run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    pub duration_secs: u64,
    pub connections: usize,
    /// Whether the requests asked for signed results (`--sign-result`).
    pub sign_result: bool,
    pub results: Vec<PhaseResult>,
    /// Gateway req/s over responder req/s, per mode measured.
    pub ratios: Vec<Ratio>,
}

#[derive(Debug, Serialize)]
pub struct Ratio {
    pub mode: &'static str,
    /// Gateway req/s ÷ responder req/s.
    pub gateway_over_responder: f64,
    /// Responder ÷ gateway server CPU per request: the same comparison without the load
    /// generator's share of the machine (which caps the responder more than the gateway).
    pub cpu_per_request: f64,
}

impl Report {
    pub fn new(
        duration_secs: u64,
        connections: usize,
        sign_result: bool,
        results: Vec<PhaseResult>,
    ) -> Report {
        let find = |target: &str, mode: &str| {
            results
                .iter()
                .find(|r| r.target == target && r.mode == mode)
        };
        let ratios = ["keepalive", "handshake"]
            .into_iter()
            .filter_map(|mode| {
                let (g, r) = (find("gateway", mode)?, find("responder", mode)?);
                (r.rps > 0.0 && g.server_cpu_us_per_request > 0.0).then(|| Ratio {
                    mode,
                    gateway_over_responder: g.rps / r.rps,
                    cpu_per_request: r.server_cpu_us_per_request / g.server_cpu_us_per_request,
                })
            })
            .collect();
        Report {
            duration_secs,
            connections,
            sign_result,
            results,
            ratios,
        }
    }

    /// Whether any request failed.
    pub fn failed(&self) -> bool {
        self.results.iter().any(|r| r.errors > 0)
    }

    /// The human-readable table and ratio lines.
    pub fn table(&self) -> String {
        // (heading, width); the first two columns are left-aligned text.
        const COLUMNS: [(&str, usize); 15] = [
            ("target", 10),
            ("mode", 10),
            ("conns", 5),
            ("requests", 9),
            ("req/s", 8),
            ("p50 ms", 7),
            ("p99 ms", 7),
            ("max ms", 7),
            ("RSS MiB", 8),
            ("peak MiB", 8),
            ("srv CPU%", 8),
            ("srv µs/req", 10),
            ("cli CPU%", 8),
            ("connects", 8),
            ("errors", 6),
        ];
        let mut rows = vec![COLUMNS.map(|(heading, _)| heading.to_string())];
        rows.extend(self.results.iter().map(|r| {
            [
                r.target.to_string(),
                r.mode.to_string(),
                r.connections.to_string(),
                r.requests.to_string(),
                format!("{:.0}", r.rps),
                format!("{:.2}", r.latency.p50_ms),
                format!("{:.2}", r.latency.p99_ms),
                format!("{:.2}", r.latency.max_ms),
                format!("{:.1}", r.rss_mib),
                format!("{:.1}", r.peak_rss_mib),
                format!("{:.0}", r.server_cpu_percent),
                format!("{:.1}", r.server_cpu_us_per_request),
                format!("{:.0}", r.client_cpu_percent),
                r.connects.to_string(),
                r.errors.to_string(),
            ]
        }));
        let mut out = String::from("\n");
        for row in rows {
            for (i, (cell, (_, width))) in row.iter().zip(COLUMNS).enumerate() {
                let _ = match i {
                    0 | 1 => write!(out, "{cell:<width$} "),
                    _ => write!(out, "{cell:>width$} "),
                };
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
        }
        out.push('\n');
        if self.sign_result {
            out.push_str("gateway results signed (SignResult=true, the gateway's seal)\n");
        }
        for ratio in &self.ratios {
            let mode = if ratio.mode == "keepalive" {
                "keep-alive"
            } else {
                ratio.mode
            };
            let _ = writeln!(
                out,
                "gateway/responder {mode} throughput ratio: {:.2}",
                ratio.gateway_over_responder
            );
            let _ = writeln!(
                out,
                "  per server CPU (responder µs/req ÷ gateway µs/req): {:.2}",
                ratio.cpu_per_request
            );
        }
        for r in self.results.iter().filter(|r| r.errors > 0) {
            let _ = writeln!(
                out,
                "{} {}: {} errors, first: {}",
                r.target,
                r.mode,
                r.errors,
                r.first_error.as_deref().unwrap_or("?")
            );
        }
        out
    }

    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self).context("cannot serialise the results")?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let l = Latency::of((1..=100).rev().map(|i| i * 1000).collect());
        assert_eq!((l.p50_ms, l.p99_ms, l.max_ms), (50.0, 99.0, 100.0));
        let one = Latency::of(vec![1500]);
        assert_eq!((one.p50_ms, one.p99_ms, one.max_ms), (1.5, 1.5, 1.5));
        assert_eq!(Latency::of(vec![]).max_ms, 0.0);
    }
}
