//! The checks `cargo xtask test` runs, the servers `cargo xtask serve` starts, and the report.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::setup::{self, CHROMEDRIVER, CHROMIUM};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn target_dir() -> PathBuf {
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

pub fn clippy_wasm() -> StepResult {
    run(cargo().args([
        "clippy",
        "--package",
        "buycard",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
    .map(|()| None)
}

pub fn native_tests() -> StepResult {
    run_counted(cargo().args(["test", "--workspace"]))
}

pub fn browser_tests() -> StepResult {
    run_counted(
        cargo()
            .args([
                "test",
                "--package",
                "buycard",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "web",
            ])
            .env("CHROMEDRIVER", CHROMEDRIVER)
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

/// Starts the reference server on a free port and returns it with its base URL.
fn start_server(args: &[&str]) -> Result<(Guard, String), String> {
    let binary = build_server()?;
    let mut child = Command::new(&binary)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--catalog",
            "server/catalog",
            "--database",
            ":memory:",
        ])
        .args(args)
        .current_dir(root())
        .env("RUST_LOG", "warn")
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

pub fn e2e_tests() -> StepResult {
    let (_server, url) = start_server(&["--static", "dist"])?;
    println!("xtask: end-to-end tests against {url}");
    let artifacts = root().join("tests/e2e/artifacts");
    run_counted(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
            .current_dir(root().join("tests/e2e"))
            .env("BUYCARD_URL", &url)
            .env(
                "BUYCARD_SERVER_BIN",
                target_dir().join("debug/buycard-server"),
            )
            .env("CHROMIUM", CHROMIUM)
            .env("ARTIFACTS", &artifacts),
    )
}

/// The server benchmark, optimised (`--profile server`), printing its numbers.
pub fn bench_server() -> Result<(), String> {
    run(cargo().args([
        "run",
        "--profile",
        "server",
        "--package",
        "buycard-server",
        "--example",
        "bench",
    ]))
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

pub fn serve() -> Result<(), String> {
    const SERVER: &str = "127.0.0.1:8787";
    const PAGE: &str = "127.0.0.1:8080";
    let binary = build_server()?;
    println!("xtask: starting the reference server on http://{SERVER}");
    let mut server = Guard(
        Command::new(&binary)
            // Data persists in .data/ between runs; the preview page's origin may call the
            // checkout API and the wallet.
            .args(["--listen", SERVER, "--catalog", "server/catalog"])
            .args(["--allow-origin", &format!("http://{PAGE}")])
            .current_dir(root())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?,
    );
    println!("xtask: starting trunk serve (the first build takes a few minutes)");
    let mut trunk = Guard(
        Command::new(setup::cargo_tool("trunk"))
            .arg("serve")
            .current_dir(root())
            .env("PATH", setup::tool_path())
            .spawn()
            .map_err(|e| format!("cannot start trunk: {e}"))?,
    );
    let page: SocketAddr = PAGE.parse().map_err(|e| format!("{e}"))?;
    let started = Instant::now();
    let mut announced = false;
    loop {
        // Ctrl-C reaches both children (same process group): a clean exit is a normal stop,
        // and the Guards stop whichever is still running.
        if let Ok(Some(status)) = server.0.try_wait() {
            return match (status.success(), announced) {
                (true, _) => Ok(()),
                (false, true) => Err(format!("the reference server stopped ({status})")),
                (false, false) => Err(format!(
                    "the reference server stopped ({status}); is {SERVER} already in use?"
                )),
            };
        }
        if let Ok(Some(status)) = trunk.0.try_wait() {
            return if status.success() {
                Ok(())
            } else {
                Err(format!(
                    "trunk serve stopped ({status}); is {PAGE} already in use?"
                ))
            };
        }
        if !announced && http_ok(page) {
            announced = true;
            println!(
                "\n  buycard preview: http://{PAGE}/  (profile banner: http://{PAGE}/profile.html; reference server: http://{SERVER}; Ctrl-C stops both)\n"
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
