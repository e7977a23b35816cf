//! `cargo xtask bench`: what buycard costs a page and its servers, each figure beside an anchor
//! measured in the same run, printed and written to `BENCHMARKS.md`.
//!
//! - Transfer size of buycard's first load and of everything it ships (raw, gzip -9, brotli 11),
//!   beside other embeds of the kind, installed from the npm registry into the target folder.
//! - A page of 1, 100 and 1,000 cards, beside a hand-written vanilla custom element of the same
//!   markup (`bench/vanilla-card.js`); a saved buyer's purchase; the layout shift of the preview's
//!   pages. `bench/run.mjs` measures them in Debian's Chromium (medians of [`RUNS`] runs), against
//!   the optimised platform server serving the release build.
//! - `cargo xtask bench server`'s figures (throughput and latency of the reference server).
//!
//! `cargo xtask bench server [...]` runs only the last part, as it did before.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::dist;
use crate::setup::{self, CHROMIUM};
use crate::size::{brotli_bytes, files_under, gzip_bytes, kib};
use crate::steps::{self, root, run, target_dir};

/// Runs of each timed figure; the file gives their medians.
pub const RUNS: u32 = 5;

/// The npm packages the sizes are compared with, pinned, and the files of each that a page
/// loads (paths inside its package).
const ANCHORS: [(&str, &str, &[&str]); 4] = [
    (
        "@shopify/buy-button-js",
        "3.0.6",
        &["dist/buybutton.min.js"],
    ),
    ("embla-carousel", "8.6.0", &["embla-carousel.umd.js"]),
    (
        "embla-carousel-autoplay",
        "8.6.0",
        &["embla-carousel-autoplay.umd.js"],
    ),
    ("swiper", "14.4.0", &["swiper-element-bundle.min.js"]),
];

pub const USAGE: &str =
    "usage: cargo xtask bench [server [--database postgres://…] [--instances N]]";

pub fn command(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None => all(),
        Some("server") => steps::bench_server(&args[1..]).map(drop),
        Some(_) => Err(USAGE.to_owned()),
    }
}

fn all() -> Result<(), String> {
    let started = Instant::now();
    let load_before = load_average();
    // Before the build: what is built is the tree as it is now, whatever changes meanwhile.
    let commit = git_commit();
    setup::ensure(setup::Needs::Browser)?;
    // The release build and the dist folder, as `cargo xtask test` and `e2e` make them.
    steps::trunk_release_build()?;
    let dist = dist::write_folder()?;
    let work = target_dir().join("bench");
    let anchors = install_anchors(&work.join("anchors"))?;
    let binary = steps::build_server_optimised()?;

    let site = work.join("site");
    let json_path = work.join("browser.json");
    let md_path = work.join("browser.md");
    _ = std::fs::remove_file(&json_path);
    _ = std::fs::remove_file(&md_path);
    {
        let platform = steps::Platform::start(&binary, &site, &work)?;
        println!(
            "\n==> browser figures against {} ({RUNS} runs)",
            platform.url
        );
        run(Command::new("node")
            .arg("run.mjs")
            .current_dir(root().join("bench"))
            .env("BUYCARD_URL", &platform.url)
            .env("BENCH_SITE", &site)
            .env("BENCH_BUILD", root().join("dist"))
            .env("BENCH_RESERVE_CSS", dist.join("buycard.css"))
            .env("BENCH_RUNS", RUNS.to_string())
            .env("BENCH_OUT", &json_path)
            .env("BENCH_MD", &md_path)
            .env("CHROMIUM", CHROMIUM))?;
    }
    let browser: Value = serde_json::from_str(&read_text(&json_path)?)
        .map_err(|e| format!("{}: {e}", json_path.display()))?;
    let browser_md = read_text(&md_path)?;

    println!("\n==> server figures (cargo xtask bench server)");
    let server = steps::bench_server(&[])?;

    let sizes = transfer_sizes(&dist, &browser, &site, &anchors)?;
    let load_after = load_average();
    let text = render(&Report {
        took: started.elapsed(),
        commit,
        load: (load_before, load_after),
        chromium: browser["chromium"].as_str().unwrap_or("?").to_owned(),
        sizes,
        browser_md,
        server,
    });
    let out = root().join("BENCHMARKS.md");
    std::fs::write(&out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("\n{text}");
    println!("xtask: wrote {}", out.display());
    Ok(())
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Installs the anchors' pinned versions into `dir` (`npm install --prefix`), unless there
/// already; returns `dir/node_modules`.
fn install_anchors(dir: &Path) -> Result<PathBuf, String> {
    let modules = dir.join("node_modules");
    let installed = |name: &str, version: &str| {
        let manifest = modules.join(name).join("package.json");
        std::fs::read_to_string(manifest)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .is_some_and(|v| v["version"] == version)
    };
    if ANCHORS
        .iter()
        .all(|(name, version, _)| installed(name, version))
    {
        return Ok(modules);
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let specs: Vec<String> = ANCHORS
        .iter()
        .map(|(name, version, _)| format!("{name}@{version}"))
        .collect();
    println!(
        "xtask bench: installing the size anchors into {} (npm install --prefix)",
        dir.display()
    );
    run(Command::new("npm")
        .args(["install", "--prefix"])
        .arg(dir)
        .args([
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--ignore-scripts",
        ])
        .args(&specs))?;
    Ok(modules)
}

/// One row of the size table: files whose raw, gzip -9 and brotli 11 sizes are added up (each
/// file compressed on its own, as a server sends them).
struct SizeRow {
    name: String,
    files: Vec<PathBuf>,
    raw: usize,
    gzip: usize,
    brotli: usize,
}

impl SizeRow {
    fn new(name: String, files: Vec<PathBuf>) -> Result<Self, String> {
        let (mut raw, mut gzip, mut brotli) = (0, 0, 0);
        for file in &files {
            let bytes =
                std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            raw += bytes.len();
            gzip += gzip_bytes(&bytes)?.len();
            brotli += brotli_bytes(&bytes)?.len();
        }
        Ok(Self {
            name,
            files,
            raw,
            gzip,
            brotli,
        })
    }
}

struct Sizes {
    rows: Vec<SizeRow>,
    /// Whether the first load is every file buycard ships.
    first_is_all: bool,
    /// What else the page fetched before its first card: the feed, the wallet.
    first_other: Vec<String>,
}

/// The files of the dist folder a page may download: all but the TypeScript declarations, the
/// README and the precompressed copies.
fn shipped(dist: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    files_under(dist, "", &mut files);
    files.retain(|f| {
        let name = f.to_string_lossy();
        !(name.ends_with(".d.ts")
            || name.ends_with("README.md")
            || name.ends_with(".br")
            || name.ends_with(".gz"))
    });
    files.sort();
    files
}

fn transfer_sizes(
    dist: &Path,
    browser: &Value,
    site: &Path,
    anchors: &Path,
) -> Result<Sizes, String> {
    let everything = shipped(dist);
    // What the browser fetched before the first card was ready, as paths on the site.
    let fetched: Vec<String> = browser["firstLoad"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut first = Vec::new();
    let mut first_other = Vec::new();
    for path in &fetched {
        let file = dist.join(path.trim_start_matches('/'));
        if everything.contains(&file) {
            first.push(file);
        } else {
            first_other.push(path.clone());
        }
    }
    first.sort();
    if first.is_empty() {
        return Err(
            "the browser fetched none of the dist folder's files before the first card".into(),
        );
    }
    let names = |files: &[PathBuf]| {
        files
            .iter()
            .map(|f| f.strip_prefix(dist).unwrap_or(f).display().to_string())
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let first_is_all = first == everything;
    let mut rows = vec![
        SizeRow::new(
            format!("buycard, first load ({})", names(&first)),
            first.clone(),
        )?,
        SizeRow::new(
            format!(
                "buycard, everything a page can load ({})",
                names(&everything)
            ),
            everything.clone(),
        )?,
        SizeRow::new(
            "vanilla-card.js (the bench's anchor below, the card's CSS inside)".to_owned(),
            vec![site.join("bench/vanilla-card.js")],
        )?,
    ];
    let anchor = |name: &str| {
        ANCHORS
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|(n, version, files)| {
                let paths: Vec<PathBuf> = files.iter().map(|f| anchors.join(n).join(f)).collect();
                (format!("{n}@{version} ({})", files.join(", ")), paths)
            })
    };
    for group in [
        &["@shopify/buy-button-js"][..],
        &["embla-carousel", "embla-carousel-autoplay"][..],
        &["swiper"][..],
    ] {
        let (mut names, mut files) = (Vec::new(), Vec::new());
        for name in group {
            let (label, paths) = anchor(name).ok_or_else(|| format!("no anchor {name}"))?;
            names.push(label);
            files.extend(paths);
        }
        rows.push(SizeRow::new(names.join(" + "), files)?);
    }
    Ok(Sizes {
        rows,
        first_is_all,
        first_other,
    })
}

struct Report {
    took: Duration,
    commit: String,
    load: (String, String),
    chromium: String,
    sizes: Sizes,
    browser_md: String,
    server: String,
}

fn render(r: &Report) -> String {
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line("# Benchmarks");
    line("");
    line(&format!(
        "Written by `cargo xtask bench` on {} in {} min {} s; run it again to refresh this file, \
         never edit it by hand. Each figure stands beside its anchor, measured in the same run on \
         the same machine. Timed figures are medians of {RUNS} runs.",
        today(),
        r.took.as_secs() / 60,
        r.took.as_secs() % 60
    ));
    line("");
    line("| | |");
    line("|---|---|");
    line(&format!("| commit | {} |", r.commit));
    line(&format!("| machine | {} |", machine()));
    line(&format!(
        "| load average (1 min) | {} at the start, {} at the end: the machine is shared with other jobs, so timings are noisy |",
        r.load.0, r.load.1
    ));
    line(&format!(
        "| browser | Chromium {} (Debian's, headless, driven by playwright-core) |",
        r.chromium
    ));
    line(
        "| raw samples | every run's, in `target/bench/browser.json` (the target folder's, not kept in git) |",
    );
    line("");
    line("## Transfer size");
    line("");
    line(
        "Each file compressed on its own (gzip -9, brotli quality 11 with a 4 MiB window), as a \
         server or CDN sends them, then added up. buycard's files are those of `cargo xtask dist`.",
    );
    line("");
    line("| what | raw | gzip -9 | brotli 11 |");
    line("|---|---:|---:|---:|");
    for row in &r.sizes.rows {
        line(&format!(
            "| {} | {} | {} | {} |",
            row.name,
            kib(row.raw),
            kib(row.gzip),
            kib(row.brotli)
        ));
    }
    line("");
    let first = &r.sizes.rows[0];
    if r.sizes.first_is_all {
        line(&format!(
            "The first load is everything buycard ships: the {} files the browser fetched before the \
             first card was ready are all of them, because one wasm module holds every element \
             (`<buy-card>`, `<product-carousel>`, `<buy-cart>`) and the checkout.",
            first.files.len()
        ));
    } else {
        line(
            "The first load is what the browser fetched before the first card was ready; the rest \
             loads later.",
        );
    }
    if !r.sizes.first_other.is_empty() {
        line(&format!(
            "Before its first card the page also fetched {} (data, not code).",
            r.sizes
                .first_other
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    line(
        "The anchors are the npm packages' own browser builds (a buy button, a carousel with \
         autoplay, a carousel as custom elements), installed by the bench into the target folder; \
         they do different amounts of work and are here for scale.",
    );
    line("");
    out.push_str(r.browser_md.trim_end());
    out.push_str("\n\n## Server\n\n");
    out.push_str(
        "`cargo xtask bench server`, run as part of this bench (its description: \
         `server/examples/bench.rs`):\n\n```text\n",
    );
    out.push_str(r.server.trim_end());
    out.push_str("\n```\n");
    out
}

/// The first number of /proc/loadavg.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// CPU model, cores, RAM.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let ram = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or("? GiB".to_owned(), |kib| {
            format!("{:.1} GiB", kib / 1024.0 / 1024.0)
        });
    format!(
        "{model}, {cores} cores, {ram} RAM, {}",
        std::env::consts::ARCH
    )
}

/// The commit measured, marked when the work tree differed from it (BENCHMARKS.md aside).
fn git_commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown (no git)".to_owned();
    };
    let dirty = git(&["status", "--porcelain", "--", ".", ":!BENCHMARKS.md"])
        .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{commit} with uncommitted changes")
    } else {
        commit
    }
}

/// Today's date (UTC) as YYYY-MM-DD, from `date`.
fn today() -> String {
    setup::output("date", &["-u", "+%Y-%m-%d"])
        .map(|d| d.trim().to_owned())
        .unwrap_or_else(|| "an unknown date".to_owned())
}
