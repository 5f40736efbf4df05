//! The server processes: the quick start that prepares the data directory, the children the
//! benchmark drives (killed whenever they go out of scope), and their memory from `/proc`.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};

/// A loopback address with a port nobody listens on right now.
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    listener.local_addr().context("cannot read the bound port")
}

/// A temporary data directory (named `prefix…`) set up by [`quickstart`] for a gateway that
/// will listen on the address returned.
pub fn quickstart_dir(
    regway: &Path,
    prefix: &str,
) -> anyhow::Result<(tempfile::TempDir, SocketAddr)> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .context("cannot create a temporary directory")?;
    let addr = free_port()?;
    quickstart(regway, dir.path(), addr)?;
    Ok((dir, addr))
}

/// `regway quickstart --no-serve`: the example PKI, the store with its grants and the sample
/// request, exactly as a new user gets them.
pub fn quickstart(regway: &Path, data_dir: &Path, listen: SocketAddr) -> anyhow::Result<()> {
    let out = Command::new(regway)
        .arg("quickstart")
        .arg("--no-serve")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--listen")
        .arg(listen.to_string())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", regway.display()))?;
    if !out.status.success() {
        bail!(
            "`regway quickstart` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// `regway grant add`: give the quick start's second consumer (granted nothing) the demo
/// PersonDataSearch under the demo legal basis, with only `fields`.
pub fn grant_fields(regway: &Path, data_dir: &Path, fields: &[String]) -> anyhow::Result<()> {
    let mut cmd = Command::new(regway);
    cmd.args(["grant", "add", "--config"])
        .arg(data_dir.join("regway.toml"))
        .args(["--consumer", "Demo Agency", "--system", "records"])
        .args([
            "--operation",
            "TechnoLogica.RegiX.GraoNBDAdapter.APIService.INBDAPI.PersonDataSearch",
        ])
        .args([
            "--legal-basis",
            "DEMO-1",
            "--by",
            "regway-load",
            "--reason",
            "load benchmark",
        ]);
    for f in fields {
        cmd.args(["--field", f]);
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", regway.display()))?;
    if !out.status.success() {
        bail!(
            "`regway grant add` failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// A child process that is killed and reaped when dropped, on success, error or interrupt.
pub struct ChildGuard {
    pub name: &'static str,
    child: Child,
}

impl ChildGuard {
    /// Start `command` with `RUST_LOG=warn`, its stderr shared with ours. On Linux the
    /// kernel kills it if this process dies without running the guard (`kill -9`, a crash).
    pub fn spawn(name: &'static str, command: &mut Command) -> anyhow::Result<ChildGuard> {
        command
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: runs in the forked child before exec and only makes one system call,
            // which is async-signal-safe.
            unsafe {
                command.pre_exec(|| {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        }
        let child = command
            .spawn()
            .with_context(|| format!("cannot start the {name}"))?;
        Ok(ChildGuard { name, child })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// An error if the process has already exited.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => bail!("the {} exited ({status})", self.name),
            Err(e) => Err(e).with_context(|| format!("cannot check the {}", self.name)),
        }
    }

    /// Resident memory now and its peak since the last [`ChildGuard::reset_peak`], in MiB.
    pub fn memory(&self) -> anyhow::Result<Memory> {
        let path = format!("/proc/{}/status", self.pid());
        let status =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
        let field = |name: &str| -> anyhow::Result<f64> {
            let kib = status
                .lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                .and_then(|v| v.trim().strip_suffix("kB"))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .with_context(|| format!("no {name} in {path}"))?;
            Ok(kib as f64 / 1024.0)
        };
        Ok(Memory {
            rss_mib: field("VmRSS")?,
            peak_mib: field("VmHWM")?,
        })
    }

    /// CPU time the process has used so far, user and system, all threads.
    pub fn cpu(&self) -> anyhow::Result<Duration> {
        cpu_time(&format!("/proc/{}/stat", self.pid()))
    }

    /// Start a new peak (`VmHWM`) so each measurement reports its own. Best effort: where the
    /// kernel refuses, the peak is the process's since it started.
    pub fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time used by this process (the load generator), to show what is left for the server.
pub fn own_cpu() -> anyhow::Result<Duration> {
    cpu_time("/proc/self/stat")
}

/// `utime + stime` from a `/proc/<pid>/stat`, counted in `USER_HZ` ticks: 100 per second on
/// every Linux architecture the benchmark runs on (it is part of the kernel's ABI).
fn cpu_time(path: &str) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    // The command name, in parentheses, may hold spaces; the fields after it do not.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    // Fields 14 and 15 of stat(5); the list starts at field 3.
    let (utime, stime) = ticks(11)
        .zip(ticks(12))
        .with_context(|| format!("unexpected format of {path}"))?;
    Ok(Duration::from_millis((utime + stime) * 10))
}

/// A process's resident memory.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss_mib: f64,
    pub peak_mib: f64,
}
