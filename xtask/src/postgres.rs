//! A throwaway PostgreSQL cluster for tests and benchmarks, with no system service: Debian's
//! server binaries run on a data folder under the target folder (`target/postgres`), on a free
//! loopback port with trust authentication, and stop when the [`Cluster`] is dropped. Nothing in
//! it is worth keeping: a data folder that cannot be used is initialised anew.
//!
//! `initdb` and `postgres` refuse to run as root, so as root (CI) they run as the `postgres`
//! system user that Debian's package creates (`runuser -u postgres --`): the cluster's folders
//! are that user's, and a parent folder it could not enter gets `o+x` (said when done). Run as
//! anyone else, they run as that user.
//!
//! The server is this process's child, in its process group, rather than started by `pg_ctl
//! start` (which detaches it into a session of its own): Ctrl-C reaches it too, and SIGINT is
//! PostgreSQL's fast shutdown. A `kill` of this process leaves it running; the next start in the
//! same folder stops it first.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::setup;
use crate::steps::{free_port, target_dir};

/// The system user that runs the cluster when we are root.
const USER: &str = "postgres";
/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Starts on a port another process took between our check and the server's bind.
const PORT_ATTEMPTS: u32 = 3;

fn say(message: &str) {
    eprintln!("xtask postgres: {message}");
}

/// Debian's newest installed server: its major version (`15`) and `/usr/lib/postgresql/15/bin`.
fn installed() -> Option<(String, PathBuf)> {
    let versions = fs::read_dir("/usr/lib/postgresql").ok()?;
    versions
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.to_owned();
            let order: Vec<u32> = version
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb")
                .is_file()
                .then_some((order, version, bin))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, version, bin)| (version, bin))
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has an `initdb`.
pub fn bin_dir() -> Option<PathBuf> {
    installed().map(|(_, bin)| bin)
}

/// The last lines of a log file, to end an error message with.
fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n");
    if tail.is_empty() {
        format!("\n({} is empty)", path.display())
    } else {
        format!("\n--- the end of {} ---\n{tail}", path.display())
    }
}

/// A command's stderr and stdout, for an error message.
fn said(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    )
    .trim()
    .to_owned()
}

/// Whether `pid` is a running PostgreSQL server process.
fn is_postgres(pid: u32) -> bool {
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let cmdline = String::from_utf8_lossy(&cmdline);
    let program = cmdline.split('\0').next().unwrap_or_default();
    program.starts_with("postgres:")
        || matches!(
            Path::new(program).file_name().and_then(|n| n.to_str()),
            Some("postgres" | "postmaster")
        )
}

/// How the cluster's programs are run: which binaries, and as whom.
#[derive(Clone)]
struct Runner {
    bin: PathBuf,
    /// The cluster's folder: every program runs in it (the `postgres` user may not enter ours).
    dir: PathBuf,
    /// Run through `runuser -u postgres` (we are root).
    as_postgres: bool,
}

impl Runner {
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", USER, "--"]).arg(program);
            runuser
        } else {
            Command::new(program)
        };
        cmd.current_dir(&self.dir).stdin(Stdio::null());
        cmd
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `pg_ctl stop` of the server running on the data folder.
    fn stop(&self, mode: &str) -> Result<(), String> {
        let output = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["stop", "-m", mode, "-w", "-t", "60"])
            .output()
            .map_err(|e| format!("cannot run pg_ctl: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl stop -m {mode} failed ({}): {}",
                output.status,
                said(&output)
            ))
        }
    }

    /// Stops a server an earlier run left running on the data folder (its `postmaster.pid`
    /// names a live PostgreSQL process), or removes a `postmaster.pid` nothing runs behind.
    fn stop_earlier(&self) -> Result<(), String> {
        let pid_file = self.data().join("postmaster.pid");
        let Ok(text) = fs::read_to_string(&pid_file) else {
            return Ok(());
        };
        match text
            .lines()
            .next()
            .and_then(|l| l.trim().parse::<u32>().ok())
        {
            Some(pid) if is_postgres(pid) => {
                say(&format!(
                    "stopping the server an earlier run left running (pid {pid})"
                ));
                self.stop("fast")
            }
            pid => {
                let why = match pid {
                    Some(pid) if Path::new(&format!("/proc/{pid}")).exists() => {
                        format!("pid {pid} is another program now")
                    }
                    Some(pid) => format!("pid {pid} is gone"),
                    None => "no pid in it".to_owned(),
                };
                say(&format!("removing a stale postmaster.pid ({why})"));
                fs::remove_file(&pid_file)
                    .map_err(|e| format!("cannot remove {}: {e}", pid_file.display()))
            }
        }
    }

    /// A new data folder, replacing any: `initdb` into `data.new`, renamed to `data` once it is
    /// complete, so a killed `initdb` never leaves a half-made `data` behind.
    fn init(&self) -> Result<(), String> {
        let data = self.data();
        let fresh = self.dir.join("data.new");
        for folder in [&data, &fresh] {
            match fs::remove_dir_all(folder) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(format!("cannot remove {}: {e}", folder.display()));
                }
                _ => {}
            }
        }
        say(&format!("initialising a cluster in {}", data.display()));
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(&fresh)
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
                // Throwaway: no need to wait for the disk.
                "--no-sync",
            ])
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "initdb failed ({}): {}",
                output.status,
                said(&output)
            ));
        }
        fs::rename(&fresh, &data).map_err(|e| {
            format!(
                "cannot rename {} to {}: {e}",
                fresh.display(),
                data.display()
            )
        })
    }
}

/// The uid and gid of the `postgres` system user.
fn postgres_ids() -> Result<(u32, u32), String> {
    let id =
        |flag: &str| -> Option<u32> { setup::output("id", &[flag, USER])?.trim().parse().ok() };
    id("-u").zip(id("-g")).ok_or_else(|| {
        format!("there is no `{USER}` user (Debian's postgresql package creates it)")
    })
}

/// Gives `o+x` to every parent of `dir` the user `uid`/`gid` could not enter, saying so.
fn make_reachable(dir: &Path, uid: u32, gid: u32) -> Result<(), String> {
    for parent in dir.ancestors().skip(1) {
        let meta =
            fs::metadata(parent).map_err(|e| format!("cannot read {}: {e}", parent.display()))?;
        let mode = meta.mode();
        let enters = if meta.uid() == uid {
            mode & 0o100 != 0
        } else if meta.gid() == gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !enters {
            say(&format!(
                "chmod o+x {} so that the `{USER}` user can reach {}",
                parent.display(),
                dir.display()
            ));
            fs::set_permissions(parent, fs::Permissions::from_mode(mode | 0o001))
                .map_err(|e| format!("cannot chmod o+x {}: {e}", parent.display()))?;
        }
    }
    Ok(())
}

/// Why a start failed.
enum Failure {
    /// Another process took the port first: worth another port.
    PortTaken(String),
    Other(String),
}

/// A running throwaway cluster; dropping it stops the server.
pub struct Cluster {
    runner: Runner,
    port: u16,
    /// The server (as root, the `runuser` that runs it).
    server: Child,
}

impl Cluster {
    /// Starts a cluster in `dir` (`<target>/postgres`): `dir/data` is the data folder (made by
    /// `initdb` the first time, and again when unusable), `dir/run` the socket folder and
    /// `dir/postgres.log` the server's log of this start. A server an earlier run left running
    /// there is stopped first. Listens on a free port of 127.0.0.1 only.
    pub fn start(dir: &Path) -> Result<Cluster, String> {
        let (version, bin) = installed().ok_or(
            "PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/initdb \
             (`cargo xtask postgres` installs it)",
        )?;
        let dir =
            std::path::absolute(dir).map_err(|e| format!("bad folder {}: {e}", dir.display()))?;
        let run = dir.join("run");
        fs::create_dir_all(&run).map_err(|e| format!("cannot create {}: {e}", run.display()))?;
        let as_postgres = setup::is_root();
        if as_postgres {
            let (uid, gid) = postgres_ids()?;
            for folder in [&dir, &run] {
                std::os::unix::fs::chown(folder, Some(uid), Some(gid))
                    .map_err(|e| format!("cannot chown {}: {e}", folder.display()))?;
            }
            make_reachable(&dir, uid, gid)?;
        }
        let runner = Runner {
            bin,
            dir,
            as_postgres,
        };
        runner.stop_earlier()?;
        // Nothing runs here now: sockets and their lock files are leftovers.
        if let Ok(entries) = fs::read_dir(&run) {
            for entry in entries.filter_map(Result::ok) {
                _ = fs::remove_file(entry.path());
            }
        }
        let data = runner.data();
        let found = fs::read_to_string(data.join("PG_VERSION")).unwrap_or_default();
        let mut fresh = false;
        if found.trim() != version {
            if data.exists() {
                say(&format!(
                    "{} is not a PostgreSQL {version} data folder (PG_VERSION: {:?})",
                    data.display(),
                    found.trim()
                ));
            }
            runner.init()?;
            fresh = true;
        }
        // Bounded: each round returns, uses up one of PORT_ATTEMPTS or the one new data folder.
        let mut attempts = 0;
        loop {
            attempts += 1;
            match Cluster::spawn(&runner) {
                Ok(cluster) => return Ok(cluster),
                Err(Failure::PortTaken(why)) if attempts < PORT_ATTEMPTS => {
                    say(&format!("{why}\nxtask postgres: trying another port"));
                }
                Err(Failure::Other(why)) if !fresh => {
                    say(&format!("{why}\nxtask postgres: initialising anew"));
                    runner.init()?;
                    fresh = true;
                }
                Err(Failure::PortTaken(why) | Failure::Other(why)) => return Err(why),
            }
        }
    }

    /// One start on a free port, waiting (bounded) until it accepts connections.
    fn spawn(runner: &Runner) -> Result<Cluster, Failure> {
        let port = free_port().map_err(Failure::Other)?;
        let log_path = runner.dir.join("postgres.log");
        let log = File::create(&log_path)
            .and_then(|f| Ok((f.try_clone()?, f)))
            .map_err(|e| Failure::Other(format!("cannot create {}: {e}", log_path.display())))?;
        // A socket's path has at most 107 bytes; without one, the server listens on TCP only.
        let run = runner.dir.join("run");
        let sockets = if run.as_os_str().len() + "/.s.PGSQL.65535.lock".len() <= 107 {
            run.into_os_string()
        } else {
            Default::default()
        };
        let spawned = runner
            .command("postgres")
            .arg("-D")
            .arg(runner.data())
            .args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string()])
            .arg("-k")
            .arg(sockets)
            .args(["-c", "max_connections=200"])
            .stdout(log.0)
            .stderr(log.1)
            .spawn();
        let server = spawned.map_err(|e| Failure::Other(format!("cannot run postgres: {e}")))?;
        // From here on, dropping `cluster` stops the server.
        let mut cluster = Cluster {
            runner: runner.clone(),
            port,
            server,
        };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = cluster.server.try_wait() {
                let tail = log_tail(&log_path);
                let taken = tail.contains("could not bind") || tail.contains("already in use");
                let why = format!("the PostgreSQL server stopped as it started ({status}){tail}");
                let failure = if taken {
                    Failure::PortTaken(why)
                } else {
                    Failure::Other(why)
                };
                return Err(failure);
            }
            let ready = Command::new(cluster.runner.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-U", USER, "-t", "2"])
                .args(["-p", &port.to_string()])
                .stdin(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(cluster);
            }
            if started.elapsed() > START_TIMEOUT {
                let why = format!(
                    "the PostgreSQL server did not accept connections within {} s{}",
                    START_TIMEOUT.as_secs(),
                    log_tail(&log_path)
                );
                return Err(Failure::Other(why));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    fn database_url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// The server's log of this start.
    pub fn log(&self) -> PathBuf {
        self.runner.dir.join("postgres.log")
    }

    /// An empty database `name` (dropped first if it exists, whoever is connected to it);
    /// returns its URL. `name`: lowercase ASCII letters, digits and `_`.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            return Err(format!(
                "database name {name:?}: use lowercase ASCII letters, digits and `_`"
            ));
        }
        let output = Command::new(self.runner.bin.join("psql"))
            .arg(self.url())
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
            .args([
                "-c",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ])
            .args(["-c", &format!("CREATE DATABASE {name}")])
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        if output.status.success() {
            Ok(self.database_url(name))
        } else {
            Err(format!(
                "creating database {name} failed ({}): {}{}",
                output.status,
                said(&output),
                log_tail(&self.log())
            ))
        }
    }

    /// Drops every database but PostgreSQL's own: the ones earlier test runs left (each test
    /// makes its own), so the cluster does not grow from run to run.
    pub fn drop_databases(&self) -> Result<(), String> {
        let psql = |args: &[&str]| {
            Command::new(self.runner.bin.join("psql"))
                .arg(self.url())
                .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
                .args(args)
                .env("PGCONNECT_TIMEOUT", "10")
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run psql: {e}"))
        };
        let listed = psql(&[
            "-c",
            "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')",
        ])?;
        if !listed.status.success() {
            return Err(format!("listing databases failed: {}", said(&listed)));
        }
        let drops: Vec<String> = String::from_utf8_lossy(&listed.stdout)
            .lines()
            .map(str::trim)
            .filter(|name| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
            .map(|name| format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .collect();
        if drops.is_empty() {
            return Ok(());
        }
        let mut args = Vec::new();
        for drop in &drops {
            args.extend(["-c", drop.as_str()]);
        }
        let dropped = psql(&args)?;
        if dropped.status.success() {
            Ok(())
        } else {
            Err(format!("dropping old databases failed: {}", said(&dropped)))
        }
    }

    /// Fails, with the end of the log, if the server has stopped.
    pub fn check(&mut self) -> Result<(), String> {
        match self.server.try_wait() {
            Ok(Some(status)) => Err(format!(
                "the PostgreSQL server stopped ({status}){}",
                log_tail(&self.log())
            )),
            _ => Ok(()),
        }
    }

    /// Stops the server (`pg_ctl stop -m immediate`: nothing in it is kept), if it runs, and
    /// waits (bounded) for it to end.
    fn stop(&mut self) {
        if let Ok(None) = self.server.try_wait()
            && let Err(e) = self.runner.stop("immediate")
        {
            say(&format!("{e}; the server may still be running"));
        }
        let started = Instant::now();
        while let Ok(None) = self.server.try_wait() {
            if started.elapsed() > Duration::from_secs(30) {
                say("the PostgreSQL server did not end within 30 s of being stopped");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `cargo xtask postgres`: a cluster under the target folder with an empty database `buycard`,
/// running until stdin closes (Ctrl-D) or Ctrl-C. Prints `postgres ready: URL` on one line, then
/// a hint; what it does along the way goes to stderr.
pub fn command() -> Result<(), String> {
    setup::postgres()?;
    let mut cluster = Cluster::start(&target_dir().join("postgres"))?;
    let url = cluster.create_database("buycard")?;
    println!("postgres ready: {url}");
    println!(
        "(runs until stdin closes, Ctrl-D, or Ctrl-C; a `kill` leaves it running until the next \
         start; log: {})",
        cluster.log().display()
    );
    let (closed, stdin_closed) = mpsc::channel();
    std::thread::spawn(move || {
        _ = io::copy(&mut io::stdin(), &mut io::sink());
        _ = closed.send(());
    });
    loop {
        match stdin_closed.recv_timeout(Duration::from_secs(1)) {
            Err(RecvTimeoutError::Timeout) => cluster.check()?,
            // Dropping the cluster stops it.
            _ => return Ok(()),
        }
    }
}
