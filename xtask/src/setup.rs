//! Installs what the project needs and is missing, saying what it does. Idempotent: a second run
//! only checks versions and takes a second or two.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::steps::{root, run};

/// Pinned tool versions. wasm-bindgen-cli follows the `wasm-bindgen` crate in Cargo.lock.
pub const TRUNK_VERSION: &str = "0.21.14";
pub const WASM_OPT_VERSION: &str = "version_132";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Building and serving the page.
    Build,
    /// Also running browser and end-to-end tests.
    Browser,
}

pub fn ensure(needs: Needs) -> Result<(), String> {
    wasm_target()?;
    trunk()?;
    wasm_bindgen()?;
    wasm_opt()?;
    if needs == Needs::Browser {
        chromium()?;
        npm_packages(
            &root().join("tests/e2e"),
            "playwright-core and axe-core for the end-to-end tests",
        )?;
    }
    Ok(())
}

fn say(message: &str) {
    println!("xtask setup: {message}");
}

/// stdout of a command that succeeded, else `None`.
pub fn output(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Where `cargo install` puts binaries.
pub fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

/// A tool installed by `cargo install`, found even if `~/.cargo/bin` is not on PATH.
pub fn cargo_tool(name: &str) -> PathBuf {
    let installed = cargo_bin().join(name);
    if installed.exists() {
        installed
    } else {
        PathBuf::from(name)
    }
}

/// PATH for Trunk and the test runner: the pinned wasm-opt and cargo-installed tools first.
pub fn tool_path() -> std::ffi::OsString {
    let mut dirs = vec![root().join("build/tools/node_modules/.bin"), cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

fn wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    say("adding the wasm32-unknown-unknown target (rustup)");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn trunk() -> Result<(), String> {
    let version = output(cargo_tool("trunk"), &["--version"]).unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(TRUNK_VERSION) {
        return Ok(());
    }
    say(&format!(
        "installing Trunk {TRUNK_VERSION} (cargo install, about 9 minutes, once)"
    ));
    run(Command::new(cargo()).args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))
}

/// The exact `wasm-bindgen` version in Cargo.lock: the CLI must match it.
pub fn wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".to_owned())
}

fn wasm_bindgen() -> Result<(), String> {
    let wanted = wasm_bindgen_version()?;
    let have = output(cargo_tool("wasm-bindgen"), &["--version"]).unwrap_or_default();
    let runner = cargo_tool("wasm-bindgen-test-runner");
    if have.split_whitespace().nth(1) == Some(wanted.as_str())
        && (runner.exists() || output(&runner, &["--version"]).is_some())
    {
        return Ok(());
    }
    say(&format!(
        "installing wasm-bindgen-cli {wanted} (cargo install, a few minutes, once)"
    ));
    // Not --locked: the registry mirror lacks one of its pinned dependencies.
    run(Command::new(cargo()).args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

fn wasm_opt() -> Result<(), String> {
    let bin = root().join("build/tools/node_modules/.bin/wasm-opt");
    let version = output(&bin, &["--version"]).unwrap_or_default();
    if version.contains(WASM_OPT_VERSION) {
        return Ok(());
    }
    npm_packages(&root().join("build/tools"), "binaryen's wasm-opt")
}

fn npm_packages(dir: &Path, what: &str) -> Result<(), String> {
    let marker = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (std::fs::metadata(&marker), std::fs::metadata(&lock)) {
        (Ok(m), Ok(l)) => m.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    say(&format!(
        "installing {what} (npm ci in {})",
        dir.strip_prefix(root()).unwrap_or(dir).display()
    ));
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir))
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    say("installing Debian's chromium and chromium-driver (apt-get, a few minutes, once)");
    apt_install(&["chromium", "chromium-driver"])?;
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        Ok(())
    } else {
        Err(format!(
            "apt-get finished but {CHROMIUM} or {CHROMEDRIVER} is still missing"
        ))
    }
}

/// True when this process runs as root.
pub fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
}

/// `apt-get update`, then `apt-get install` of Debian's `packages` (through sudo unless root).
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let apt = |args: &[&str]| {
        let mut cmd = if is_root() {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-q"])?;
    apt(&[
        &["install", "-y", "-q", "--no-install-recommends"],
        packages,
    ]
    .concat())
}

/// Debian's PostgreSQL server, for the throwaway cluster of [`crate::postgres`]: installed
/// (`postgresql`, which also creates the `postgres` system user) when no `initdb` is found under
/// `/usr/lib/postgresql/*/bin`. Returns that folder (of the newest version). No service is
/// started or needed: the cluster runs under the target folder.
pub fn postgres() -> Result<PathBuf, String> {
    if let Some(bin) = crate::postgres::bin_dir() {
        return Ok(bin);
    }
    say("installing Debian's postgresql (apt-get, a minute or two, once)");
    apt_install(&["postgresql"])?;
    crate::postgres::bin_dir().ok_or_else(|| {
        "apt-get finished but no /usr/lib/postgresql/*/bin/initdb is there".to_owned()
    })
}
