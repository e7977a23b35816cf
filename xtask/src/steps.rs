//! The checks `cargo xtask test` runs, the servers `cargo xtask serve` starts, and the report.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::demo;
use crate::postgres;
use crate::setup::{self, CHROMEDRIVER, CHROMIUM};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.current_dir(root());
    cmd
}

/// Runs a command to completion with inherited output.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Tests counted by a step's own runner.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
}

pub type StepResult = Result<Option<Counts>, String>;

/// Runs a test command, echoing its output and adding up the runner's summary lines:
/// libtest's `test result: ok. 12 passed; 0 failed; …` and node's `ℹ pass 5` / `ℹ fail 0`.
fn run_counted(cmd: &mut Command) -> StepResult {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            parse_counts(&line, &mut counts);
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(Some(counts))
    } else if counts.failed > 0 {
        Err(format!("{} failed", counts.failed))
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn parse_counts(line: &str, counts: &mut Counts) {
    let number_before = |text: &str, word: &str| -> Option<usize> {
        let at = text.find(word)?;
        text[..at].split_whitespace().last()?.parse().ok()
    };
    if let Some(rest) = line.trim_start().strip_prefix("test result: ") {
        counts.passed += number_before(rest, " passed").unwrap_or(0);
        counts.failed += number_before(rest, " failed").unwrap_or(0);
        return;
    }
    let line = line
        .trim_start()
        .trim_start_matches(['ℹ', '#'])
        .trim_start();
    let value = |word: &str| -> Option<usize> { line.strip_prefix(word)?.trim().parse().ok() };
    if let Some(n) = value("pass ") {
        counts.passed += n;
    } else if let Some(n) = value("fail ") {
        counts.failed += n;
    }
}

pub fn fmt() -> StepResult {
    run(cargo().args(["fmt", "--all", "--", "--check"])).map(|()| None)
}

pub fn clippy_native() -> StepResult {
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
    .map(|()| None)
}

/// Clippy for wasm32: the embed as it ships (no features), then with the `leptos-components`
/// feature and the Leptos app of `examples/leptos-host`, which turns it on.
pub fn clippy_wasm() -> StepResult {
    let clippy = |packages: &[&str]| {
        let mut cmd = cargo();
        cmd.arg("clippy");
        for package in packages {
            cmd.args(["--package", package]);
        }
        run(cmd.args([
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    };
    clippy(&["buycard"])?;
    clippy(&["buycard", "leptos-host"]).map(|()| None)
}

pub fn native_tests() -> StepResult {
    run_counted(cargo().args(["test", "--workspace"]))
}

/// The server's tests with `BUYCARD_TEST_POSTGRES` set to an empty database of a throwaway
/// PostgreSQL cluster, so its store contract tests and HTTP suites also run against PostgreSQL.
/// The cluster lives in `<target>/postgres-tests`, not in the `<target>/postgres` of `cargo xtask
/// postgres`: starting it stops whatever an earlier run left running in its folder, and a
/// developer's own cluster must survive a test run. Stopped when the tests end.
pub fn postgres_tests() -> StepResult {
    setup::postgres()?;
    let cluster = postgres::Cluster::start(&target_dir().join("postgres-tests"))?;
    cluster.drop_databases()?;
    let url = cluster.create_database("buycard_test")?;
    println!("xtask: the server's tests with BUYCARD_TEST_POSTGRES={url}");
    run_counted(
        cargo()
            .args(["test", "--package", "buycard-server"])
            .env("BUYCARD_TEST_POSTGRES", &url),
    )
}

pub fn browser_tests() -> StepResult {
    run_counted(
        cargo()
            .args([
                "test",
                "--package",
                "buycard",
                // The Leptos app of examples/, in the same build: its test links it.
                "--package",
                "leptos-host",
                "--features",
                "buycard/leptos-components",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "web",
            ])
            .env("CHROMEDRIVER", CHROMEDRIVER)
            // The runner's limit is for the whole suite (20 s by default): the timeline tests
            // scroll through hundreds of cards. Each test bounds its own waits.
            .env("WASM_BINDGEN_TEST_TIMEOUT", "180")
            .env("PATH", setup::tool_path()),
    )
}

pub fn trunk_release_build() -> Result<(), String> {
    run(Command::new(setup::cargo_tool("trunk"))
        .args(["build", "--release"])
        .current_dir(root())
        .env("PATH", setup::tool_path()))
}

/// A child process killed when dropped, so no server outlives the command that started it.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        _ = self.0.kill();
        _ = self.0.wait();
    }
}

fn build_server() -> Result<PathBuf, String> {
    run(cargo().args(["build", "--package", "buycard-server"]))?;
    Ok(target_dir().join("debug/buycard-server"))
}

/// Starts the reference server on a free port with `catalog`, an in-memory database, `args`
/// and `env`; returns it with its base URL.
fn start_server(
    catalog: &str,
    args: &[String],
    env: &[(&str, &str)],
) -> Result<(Guard, String), String> {
    start_server_on(catalog, ":memory:", args, env)
}

/// [`start_server`] with its database in a file (or `:memory:`).
fn start_server_on(
    catalog: &str,
    database: &str,
    args: &[String],
    env: &[(&str, &str)],
) -> Result<(Guard, String), String> {
    let binary = target_dir().join("debug/buycard-server");
    start_server_with(&binary, catalog, database, args, env)
}

/// [`start_server_on`] with another build of the server (`binary`).
fn start_server_with(
    binary: &Path,
    catalog: &str,
    database: &str,
    args: &[String],
    env: &[(&str, &str)],
) -> Result<(Guard, String), String> {
    let mut child = Command::new(binary)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--catalog",
            catalog,
            "--database",
            database,
        ])
        .args(args)
        .current_dir(root())
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let stdout = child.stdout.take();
    let guard = Guard(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Some(stdout) = stdout else { return };
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        for line in lines.by_ref() {
            if let Some(url) = line.split("listening on ").nth(1) {
                _ = tx.send(url.trim().to_owned());
                break;
            }
        }
        // Keep draining so the server never blocks on a full pipe.
        lines.for_each(drop);
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| "the reference server did not report its address within 60 s".to_owned())?;
    Ok((guard, url))
}

/// The demo platform as the end-to-end tests and the bench run it, on free ports with in-memory
/// databases: Harbor Records (a merchant of its own), and the platform (gateway with both shops,
/// wallet, Lantern Press) serving `static_dir` at `/`. Both stop when it is dropped.
pub struct Platform {
    _harbor: Guard,
    _server: Guard,
    /// The platform's base URL.
    pub url: String,
    /// Harbor Records' base URL.
    pub harbor: String,
    /// The platform's merchant registry (in `work`).
    pub registry: PathBuf,
}

impl Platform {
    /// Starts both with the server `binary`; the registry is written into `work`.
    pub fn start(binary: &Path, static_dir: &Path, work: &Path) -> Result<Self, String> {
        let (harbor_guard, harbor) = start_server_with(
            binary,
            &demo::harbor_catalog(),
            ":memory:",
            &demo::harbor_args(),
            &demo::harbor_server_env(),
        )?;
        let registry = demo::write_registry(work, &harbor)?;
        let (server, url) = start_server_with(
            binary,
            "server/catalog",
            ":memory:",
            &[
                "--static".into(),
                static_dir.display().to_string(),
                "--merchants".into(),
                registry.display().to_string(),
                // The preview's "reset demo data", which the preview pages' tests use.
                "--demo-reset".into(),
            ],
            &demo::HARBOR_ENV,
        )?;
        Ok(Self {
            _harbor: harbor_guard,
            _server: server,
            url,
            harbor,
            registry,
        })
    }
}

/// The end-to-end tests against the release build in `dist/`: every file, or only `files`.
pub fn e2e_tests(files: &[String]) -> StepResult {
    let binary = build_server()?;
    let platform = Platform::start(&binary, &root().join("dist"), &target_dir().join("e2e"))?;
    let (url, harbor) = (&platform.url, &platform.harbor);
    let registry = platform.registry.display().to_string();
    println!("xtask: end-to-end tests against {url} (Harbor Records at {harbor})");
    let artifacts = root().join("tests/e2e/artifacts");
    if files.is_empty() {
        // A whole run leaves only its own screenshots: none from an older run to mislead a review.
        _ = std::fs::remove_dir_all(&artifacts);
    }
    run_counted(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
            .args(files)
            .current_dir(root().join("tests/e2e"))
            .env("BUYCARD_URL", url)
            .env("BUYCARD_HARBOR_URL", harbor)
            .env("BUYCARD_MERCHANTS", &registry)
            // The folder `cargo xtask dist` wrote, which dist.test.mjs serves from another origin.
            .env("BUYCARD_DIST", crate::dist::folder()?)
            .envs(demo::HARBOR_ENV)
            .env(
                "BUYCARD_SERVER_BIN",
                target_dir().join("debug/buycard-server"),
            )
            .env("CHROMIUM", CHROMIUM)
            .env("ARTIFACTS", &artifacts),
    )
}

/// A file removed when dropped: what a step wrote for itself only.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        _ = std::fs::remove_file(&self.0);
    }
}

/// A free port on 127.0.0.1 (free when asked; the caller binds it right away).
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

/// The end-to-end test that runs against `trunk serve` (not part of the default file set: its
/// name does not end in `.test.mjs`).
pub const SERVE_TEST: &str = "serve-noreload.mjs";

/// What `cargo xtask serve` runs, checked for the bug it once had: `trunk serve` watched the
/// repository while the server wrote SQLite into it, so every checkout write rebuilt and reloaded
/// the page under the buyer. Here the platform keeps its database inside the repository
/// (`.data/`, the server's default place), Trunk serves the page with the repository's own
/// Trunk.toml (watch list, hooks, proxies; only the platform's port differs), and
/// `tests/e2e/serve-noreload.mjs` buys through it and checks that the page did not reload, and
/// that it does when a watched source changes. The release profile reuses the release build.
pub fn serve_no_reload() -> StepResult {
    build_server()?;
    // Everything of this step's own (database, registry, Trunk's output and log) in one folder of
    // this checkout, emptied first and kept afterwards for a look at the log.
    let work = root().join(".data/serve-no-reload");
    _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let port = free_port()?;
    let page = format!("http://127.0.0.1:{port}");
    let (_harbor, harbor) = start_server(
        &demo::harbor_catalog(),
        &demo::harbor_args(),
        &demo::harbor_server_env(),
    )?;
    let registry = demo::write_registry(&work, &harbor)?;
    let database = work.join("buycard.sqlite");
    let (_platform, platform) = start_server_on(
        "server/catalog",
        &database.display().to_string(),
        &[
            "--merchants".into(),
            registry.display().to_string(),
            "--allow-origin".into(),
            page.clone(),
            "--demo-reset".into(),
        ],
        &demo::HARBOR_ENV,
    )?;
    // The repository's Trunk.toml with its proxies pointed at this platform. It must sit in the
    // repository's root: Trunk resolves the config's paths from the config's own folder.
    let trunk_toml = std::fs::read_to_string(root().join("Trunk.toml"))
        .map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    const SERVE_PLATFORM: &str = "http://127.0.0.1:8787/";
    if !trunk_toml.contains(SERVE_PLATFORM) {
        return Err(format!(
            "Trunk.toml no longer proxies to {SERVE_PLATFORM}: update this step"
        ));
    }
    let config = Scratch(root().join(".trunk-serve-test.toml"));
    std::fs::write(
        &config.0,
        trunk_toml.replace(SERVE_PLATFORM, &format!("{platform}/")),
    )
    .map_err(|e| format!("cannot write {}: {e}", config.0.display()))?;
    let log_path = work.join("trunk.log");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    println!("xtask: trunk serve on {page} (log: {})", log_path.display());
    let mut trunk = Guard(
        Command::new(setup::cargo_tool("trunk"))
            .arg("--config")
            .arg(&config.0)
            .args(["serve", "--release", "--port", &port.to_string(), "--dist"])
            .arg(work.join("dist"))
            .current_dir(root())
            .env("PATH", setup::tool_path())
            .env("NO_COLOR", "true")
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start trunk: {e}"))?,
    );
    let addr: SocketAddr = format!("127.0.0.1:{port}")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let started = Instant::now();
    while !http_ok(addr) {
        if let Ok(Some(status)) = trunk.0.try_wait() {
            return Err(format!(
                "trunk serve stopped ({status}); see {}",
                log_path.display()
            ));
        }
        if started.elapsed() > Duration::from_secs(10 * 60) {
            return Err(format!(
                "trunk serve did not serve the page within 10 minutes; see {}",
                log_path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    println!(
        "xtask: trunk serve built the page in {} s",
        started.elapsed().as_secs()
    );
    run_counted(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", SERVE_TEST])
            .current_dir(root().join("tests/e2e"))
            .env("BUYCARD_URL", &page)
            .env("TRUNK_LOG", &log_path)
            .env("BUYCARD_DATABASE", &database)
            .env("CHROMIUM", CHROMIUM)
            .env("ARTIFACTS", root().join("tests/e2e/artifacts")),
    )
}

/// The server benchmark, optimised (`--profile server`), printing its numbers: SQLite, then
/// PostgreSQL with one and with N instances. Without `--database`, a throwaway PostgreSQL cluster
/// under the target folder serves it. Returns what it printed.
pub fn bench_server(args: &[String]) -> Result<String, String> {
    // Built first: no cluster idles through a build.
    build_server_optimised()?;
    let mut args = args.to_vec();
    let _cluster = if args.iter().any(|a| a == "--database") {
        None
    } else {
        setup::postgres()?;
        let cluster = postgres::Cluster::start(&target_dir().join("postgres-bench"))?;
        let url = cluster.create_database("bench")?;
        args.extend(["--database".to_owned(), url]);
        Some(cluster)
    };
    run_captured(
        Command::new(target_dir().join("server/examples/bench"))
            .args(&args)
            .current_dir(root()),
    )
}

/// The reference server and its benchmark, built with `--profile server` (optimised, as
/// deployed); returns the server's path. Always both in one build: the benchmark's
/// dev-dependencies turn on features of shared dependencies, so the server built alone is another
/// build of it, minutes long with thin LTO, each time the two alternate.
pub fn build_server_optimised() -> Result<PathBuf, String> {
    run(cargo().args([
        "build",
        "--profile",
        "server",
        "--package",
        "buycard-server",
        "--bins",
        "--example",
        "bench",
    ]))?;
    Ok(target_dir().join("server/buycard-server"))
}

/// Runs a command to completion, echoing its standard output as it comes; returns that output.
pub fn run_captured(cmd: &mut Command) -> Result<String, String> {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    let mut captured = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            captured.push_str(&line);
            captured.push('\n');
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(captured)
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// True when `addr` answers an HTTP GET of `/` with 200.
fn http_ok(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

/// Fails when something already answers on `addr`, naming it, so a busy port is reported as
/// such before anything starts (and a child that stops later is never blamed on a port).
fn port_free(addr: &str, what: &str) -> Result<(), String> {
    let socket: SocketAddr = addr.parse().map_err(|e| format!("{e}"))?;
    match TcpStream::connect_timeout(&socket, Duration::from_millis(300)) {
        Ok(_) => Err(format!(
            "{addr} ({what}) is already in use: stop what runs there (an earlier `cargo xtask serve`?)"
        )),
        Err(_) => Ok(()),
    }
}

pub fn serve() -> Result<(), String> {
    const SERVER: &str = "127.0.0.1:8787";
    const HARBOR: &str = "127.0.0.1:8789";
    const PAGE: &str = "127.0.0.1:8080";
    const LEPTOS_EXAMPLE: &str = "http://127.0.0.1:8081";
    port_free(SERVER, "the platform")?;
    port_free(HARBOR, "the Harbor Records merchant")?;
    port_free(PAGE, "trunk serve")?;
    let binary = build_server()?;
    // Databases live under target/, which `trunk serve` does not watch (Trunk.toml lists what
    // it watches): a checkout write must never rebuild and reload the page under the buyer.
    let data = target_dir().join("serve-data");
    std::fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let spawn = |what: &str, cmd: &mut Command| -> Result<Guard, String> {
        cmd.current_dir(root())
            .spawn()
            .map(Guard)
            .map_err(|e| format!("cannot start {what}: {e}"))
    };
    println!("xtask: starting Harbor Records (a merchant on ACP 2026-01-16) on http://{HARBOR}");
    let mut harbor = spawn(
        "Harbor Records",
        Command::new(&binary)
            .args(["--listen", HARBOR, "--catalog", &demo::harbor_catalog()])
            .args(demo::harbor_args())
            .args([
                "--database",
                &data.join("harbor.sqlite").display().to_string(),
            ])
            .envs(demo::harbor_server_env()),
    )?;
    // The platform reads Harbor's feed as it starts: give Harbor a moment to listen first.
    let harbor_addr: SocketAddr = HARBOR.parse().map_err(|e| format!("{e}"))?;
    for _ in 0..100 {
        if TcpStream::connect_timeout(&harbor_addr, Duration::from_millis(100)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let registry = demo::write_registry(&data, &format!("http://{HARBOR}"))?;
    println!("xtask: starting the platform (gateway, wallet, Lantern Press) on http://{SERVER}");
    let mut server = spawn(
        "the platform",
        Command::new(&binary)
            .args(["--listen", SERVER, "--catalog", "server/catalog"])
            .args([
                "--database",
                &data.join("buycard.sqlite").display().to_string(),
            ])
            .args(["--merchants", &registry.display().to_string()])
            // The demo switch's "reset demo data" (a demo-only route).
            .arg("--demo-reset")
            // The preview page's origin may call the gateway, the checkout API and the wallet;
            // so may examples/leptos-host's `trunk serve` (its Trunk.toml: port 8081).
            .args(["--allow-origin", &format!("http://{PAGE}")])
            .args(["--allow-origin", LEPTOS_EXAMPLE])
            .envs(demo::HARBOR_ENV),
    )?;
    println!("xtask: starting trunk serve (the first build takes a few minutes)");
    let mut trunk = spawn(
        "trunk",
        Command::new(setup::cargo_tool("trunk"))
            .arg("serve")
            .env("PATH", setup::tool_path()),
    )?;
    let page: SocketAddr = PAGE.parse().map_err(|e| format!("{e}"))?;
    let started = Instant::now();
    let mut announced = false;
    loop {
        // Ctrl-C reaches every child (same process group): a clean exit is a normal stop, and
        // the Guards stop whichever is still running. Otherwise say which one stopped, and how.
        for (name, child) in [
            ("the platform server", &mut server),
            ("the Harbor Records server", &mut harbor),
            ("trunk serve", &mut trunk),
        ] {
            if let Ok(Some(status)) = child.0.try_wait() {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!("{name} stopped ({status}); its output is above"))
                };
            }
        }
        if !announced && http_ok(page) {
            announced = true;
            println!(
                "\n  buycard preview: http://{PAGE}/  (profile banner: http://{PAGE}/profile.html; platform: http://{SERVER}; Harbor Records: http://{HARBOR}; Ctrl-C stops all)\n"
            );
        }
        if !announced && started.elapsed() > Duration::from_secs(30 * 60) {
            return Err("the page did not come up within 30 minutes".to_owned());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// What `cargo xtask test` ran and how it went.
#[derive(Default)]
pub struct Report {
    lines: Vec<String>,
    passed: usize,
    failed: usize,
}

impl Report {
    /// Runs a step; returns whether it passed. A step without its own test count counts as one
    /// check.
    pub fn run(&mut self, name: &str, step: impl FnOnce() -> StepResult) -> bool {
        println!("\n==> {name}");
        let started = Instant::now();
        let result = step();
        let secs = started.elapsed().as_secs();
        match result {
            Ok(counts) => {
                let counts = counts.unwrap_or(Counts {
                    passed: 1,
                    failed: 0,
                });
                self.passed += counts.passed;
                self.failed += counts.failed;
                self.lines.push(format!(
                    "  ok    {name} ({} passed, {secs} s)",
                    counts.passed
                ));
                true
            }
            Err(why) => {
                self.failed += 1;
                self.lines.push(format!("  FAIL  {name}: {why} ({secs} s)"));
                false
            }
        }
    }

    pub fn skip(&mut self, name: &str, why: &str) {
        self.failed += 1;
        self.lines.push(format!("  FAIL  {name}: not run, {why}"));
    }

    pub fn finish(self) -> Result<(), String> {
        println!("\nxtask test summary:");
        for line in &self.lines {
            println!("{line}");
        }
        println!("{} passed, {} failed", self.passed, self.failed);
        if self.failed == 0 {
            Ok(())
        } else {
            Err(format!("{} failed", self.failed))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lines_are_counted() {
        let mut counts = Counts::default();
        for line in [
            "test result: ok. 20 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
            "test result: FAILED. 12 passed; 2 failed; 0 ignored; 0 filtered out; finished in 1.45s",
            "ℹ pass 5",
            "ℹ fail 1",
            "# pass 3",
            "ℹ tests 9",
            "passing the salt",
        ] {
            parse_counts(line, &mut counts);
        }
        assert_eq!((counts.passed, counts.failed), (40, 3));
    }
}
