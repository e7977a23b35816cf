//! `cargo xtask size`: what a page downloads to show a card, raw and compressed.

use std::io::Write;
use std::path::Path;

use crate::steps::root;

fn gzip(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    _ = encoder.write_all(bytes);
    encoder.finish().map(|v| v.len()).unwrap_or(0)
}

fn brotli(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    match brotli::BrotliCompress(&mut &bytes[..], &mut out, &params) {
        Ok(_) => out.len(),
        Err(_) => 0,
    }
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Every file under `dir` whose name ends with `suffix`.
fn files_under(dir: &Path, suffix: &str, found: &mut Vec<std::path::PathBuf>) {
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
