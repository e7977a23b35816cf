//! The project's commands. `cargo xtask <command>`:
//!
//! - `serve`: install what is missing, start the reference server and `trunk serve`, print the URL.
//! - `test`:  install what is missing (browsers included) and run every check, ending with a
//!   pass/fail count; exits non-zero on any failure.
//! - `size`:  release build, then raw / gzip / brotli sizes of the wasm, JS and CSS.
//! - `dist`:  release build, then the folder a host deploys (`target/dist/buycard-<version>/`),
//!   precompressed, with its sizes.
//! - `e2e`:   release build and dist, then only the end-to-end tests (all, or the files named).
//! - `bench`: everything set up, then the figures of BENCHMARKS.md beside their anchors
//!   (`bench server`: only the server's).
//! - `setup`: only install what is missing.
//! - `postgres`: a throwaway PostgreSQL cluster under the target folder, until stdin closes.
//!
//! Everything is installed from the package registries the project can reach: crates.io (Trunk,
//! wasm-bindgen-cli), npm (binaryen's wasm-opt, playwright-core, axe-core) and Debian (Chromium,
//! PostgreSQL).

mod bench;
mod demo;
mod dist;
mod postgres;
mod setup;
mod size;
mod steps;

use std::process::ExitCode;

use steps::Report;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("help");
    let result = match command {
        "serve" => serve(),
        "test" => test(),
        "size" => size(),
        "dist" => dist(),
        "bench" => bench::command(&args[1..]),
        "setup" => setup::ensure(setup::Needs::Browser),
        "e2e" => e2e(&args[1..]),
        "postgres" => postgres::command(),
        // Not in HELP: the step `test` will run once the server's store tests use it.
        "postgres-tests" => {
            let mut report = Report::default();
            report.run("server tests against PostgreSQL", steps::postgres_tests);
            report.finish()
        }
        "help" | "--help" | "-h" => {
            println!("{}", HELP.trim());
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{}", HELP.trim())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const HELP: &str = "
usage: cargo xtask <command>

  serve   set everything up, start the reference server and `trunk serve`, print the URL
  test    set everything up and run every check (fmt, clippy, native, browser, end-to-end)
  size    release build, then raw / gzip / brotli sizes of the wasm, JS and CSS
  dist    release build, then what a host deploys in target/dist/buycard-<version>/:
          buycard.js, the wasm, snippets/, buycard.d.ts, the reservation CSS (buycard.css)
          and a README, each beside its .br and .gz; prints the sizes
  bench   set everything up, measure and write BENCHMARKS.md: transfer sizes, 1 / 100 /
          1,000 cards beside a vanilla custom element, a saved buyer's purchase, layout
          shift (headless Chromium, medians of 5 runs), and `bench server`; beside
          anchors measured in the same run (about 10 minutes)
  bench server [--database postgres://…] [--instances N]
          create / token / complete throughput and p50 / p99 latency of the reference
          server on loopback: SQLite, then PostgreSQL with 1 and N (2) instances side by
          side; without --database on a throwaway cluster (BUYCARD_BENCH_N,
          BUYCARD_BENCH_CONCURRENCY)
  e2e [FILE...]
          release build and dist, then only the end-to-end tests (or only the named test files,
          e.g. `buy.test.mjs`; `serve-noreload.mjs` runs the purchase under `trunk serve`
          that `test` runs after them): for working on the pages
  postgres
          a throwaway PostgreSQL cluster (installed from Debian if missing) under the target
          folder with an empty database `buycard`; prints `postgres ready: URL`, runs until
          stdin closes (Ctrl-D) or Ctrl-C
  setup   only install what is missing (wasm32 target, Trunk, wasm-bindgen-cli, wasm-opt,
          Chromium and ChromeDriver, the end-to-end tests' npm packages)
";

fn serve() -> Result<(), String> {
    setup::ensure(setup::Needs::Build)?;
    steps::serve()
}

fn size() -> Result<(), String> {
    setup::ensure(setup::Needs::Build)?;
    steps::trunk_release_build()?;
    size::print()
}

fn dist() -> Result<(), String> {
    setup::ensure(setup::Needs::Build)?;
    steps::trunk_release_build()?;
    dist::write_folder().map(drop)
}

fn e2e(files: &[String]) -> Result<(), String> {
    setup::ensure(setup::Needs::Browser)?;
    steps::trunk_release_build()?;
    // tests/e2e/dist.test.mjs embeds the folder from another origin.
    dist::write_folder()?;
    let mut report = Report::default();
    // serve-noreload.mjs runs against `trunk serve`, not against the release build: its own step.
    let (serve, files): (Vec<&String>, Vec<&String>) = files
        .iter()
        .partition(|f| f.trim_start_matches("./") == steps::SERVE_TEST);
    if serve.is_empty() || !files.is_empty() {
        let files: Vec<String> = files.into_iter().cloned().collect();
        report.run("end-to-end tests", || steps::e2e_tests(&files));
    }
    if !serve.is_empty() {
        report.run(
            "trunk serve: no reload on a purchase",
            steps::serve_no_reload,
        );
    }
    report.finish()
}

fn test() -> Result<(), String> {
    setup::ensure(setup::Needs::Browser)?;
    let mut report = Report::default();
    report.run("fmt", steps::fmt);
    report.run("clippy (native)", steps::clippy_native);
    report.run("clippy (wasm32)", steps::clippy_wasm);
    report.run("native tests", steps::native_tests);
    report.run(
        "server tests on PostgreSQL (two instances)",
        steps::postgres_tests,
    );
    report.run("browser tests", steps::browser_tests);
    // One release build, reused by the dist folder, the end-to-end tests and the size report.
    let built = report.run("release build and dist", || {
        steps::trunk_release_build()?;
        dist::write_folder().map(|_| None)
    });
    if built {
        report.run("end-to-end tests", || steps::e2e_tests(&[]));
        report.run(
            "trunk serve: no reload on a purchase",
            steps::serve_no_reload,
        );
        if let Err(e) = size::print() {
            eprintln!("xtask: size report failed: {e}");
        }
    } else {
        report.skip("end-to-end tests", "the release build failed");
        report.skip(
            "trunk serve: no reload on a purchase",
            "the release build failed",
        );
    }
    report.finish()
}
