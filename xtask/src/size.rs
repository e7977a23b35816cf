//! `cargo xtask size`: what a page downloads to show a card, raw and compressed.

use std::io::Write;
use std::path::Path;

use crate::steps::root;

/// `bytes` as `gzip -9` would write them (no name, no time: the same input gives the same file).
pub fn gzip_bytes(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| format!("gzip: {e}"))
}

/// `bytes` compressed by brotli at quality 11 (a 4 MiB window).
pub fn brotli_bytes(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map_err(|e| format!("brotli: {e}"))?;
    Ok(out)
}

fn gzip(bytes: &[u8]) -> usize {
    gzip_bytes(bytes).map(|v| v.len()).unwrap_or(0)
}

fn brotli(bytes: &[u8]) -> usize {
    brotli_bytes(bytes).map(|v| v.len()).unwrap_or(0)
}

pub fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Every file under `dir` whose name ends with `suffix`.
pub fn files_under(dir: &Path, suffix: &str, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, suffix, found);
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
}

pub fn print() -> Result<(), String> {
    let dist = root().join("dist");
    let mut files = vec![dist.join("buycard_bg.wasm"), dist.join("buycard.js")];
    files_under(&dist.join("snippets"), ".js", &mut files);
    // The card's CSS ships inside the wasm (include_str!), listed for what it weighs there.
    files.push(root().join("style/buycard.css"));
    files.push(root().join("style/carousel.css"));
    println!("\nbuycard release size (what an embedding page downloads):");
    println!(
        "  {:<44} {:>11} {:>11} {:>11}",
        "file", "raw", "gzip -9", "brotli 11"
    );
    let (mut raw_total, mut gz_total, mut br_total) = (0, 0, 0);
    for file in &files {
        let bytes =
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let (raw, gz, br) = (bytes.len(), gzip(&bytes), brotli(&bytes));
        let name = file
            .strip_prefix(root())
            .unwrap_or(file)
            .display()
            .to_string();
        let embedded = name.starts_with("style/");
        println!(
            "  {:<44} {:>11} {:>11} {:>11}{}",
            name,
            kib(raw),
            kib(gz),
            kib(br),
            if embedded { "  (inside the wasm)" } else { "" }
        );
        if !embedded {
            raw_total += raw;
            gz_total += gz;
            br_total += br;
        }
    }
    println!(
        "  {:<44} {:>11} {:>11} {:>11}",
        "total downloaded",
        kib(raw_total),
        kib(gz_total),
        kib(br_total)
    );
    Ok(())
}
