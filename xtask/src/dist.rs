//! `cargo xtask dist`: what a host deploys, in one versioned folder.
//!
//! `target/dist/buycard-<version>/` holds the release build's `buycard.js`, its wasm and the
//! `snippets/` it imports, the hosts' `buycard.d.ts`, the reservation stylesheet (`buycard.css`,
//! from `buycard-reserve.css`) and a README with the embed snippet; next to each file its
//! `.br` (brotli 11) and `.gz` (gzip -9), for a server or CDN that serves precompressed files.
//! Nothing of the preview (its pages, scripts and styles) goes in.

use std::path::{Path, PathBuf};

use crate::size::{brotli_bytes, files_under, gzip_bytes, kib};
use crate::steps::{root, target_dir};

/// The component's version: `[package] version` of the repository's Cargo.toml, or the
/// workspace's when the package inherits it.
pub fn version(cargo_toml: &str) -> Option<String> {
    let mut section = "";
    let (mut package, mut workspace, mut inherits) = (None, None, false);
    for line in cargo_toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let quoted = || Some(value.strip_prefix('"')?.split('"').next()?.to_owned());
        match (section, key) {
            ("[package]", "version") => package = quoted(),
            ("[package]", "version.workspace") => inherits = value.starts_with("true"),
            ("[workspace.package]", "version") => workspace = quoted(),
            _ => {}
        }
    }
    if inherits { workspace } else { package }
}

/// The folder `cargo xtask dist` writes.
pub fn folder() -> Result<PathBuf, String> {
    let manifest = root().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let version =
        version(&text).ok_or_else(|| format!("no package version in {}", manifest.display()))?;
    Ok(target_dir().join("dist").join(format!("buycard-{version}")))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The README inside the folder: what each file is and the embed snippet.
fn readme(version: &str) -> String {
    format!(
        r#"# buycard {version}

The embed of buycard's `<buy-card>`, `<product-carousel>` and `<buy-cart>`. Deploy this folder as
it is, e.g. at `https://cdn.example.com/buycard/{version}/`:

- `buycard.js`: the one script a page includes; it loads `buycard_bg.wasm` and `snippets/` from
  beside itself (the names carry no hash: the folder's name carries the version).
- `buycard.css`: reserves the components' space until they have loaded, so the page does not
  move (optional).
- `buycard.d.ts`: TypeScript declarations of the elements, their events and `window.buycard`,
  for the host's sources (not needed at run time).
- `*.br`, `*.gz`: each file precompressed with brotli (quality 11) and gzip (-9). A server that
  serves precompressed files sends `buycard_bg.wasm.br` with `Content-Encoding: br` to a browser
  that accepts br, else the `.gz`, else the file itself.

Serve them with `Access-Control-Allow-Origin: *` (module scripts and the wasm are fetched with
CORS), `.wasm` as `application/wasm` and `.js` as `text/javascript`. Under a Content Security
Policy, the page allows this origin in `script-src` and `style-src` and adds `'wasm-unsafe-eval'`
to `script-src`.

```html
<link rel="stylesheet" href="https://cdn.example.com/buycard/{version}/buycard.css" />
<script type="module" src="https://cdn.example.com/buycard/{version}/buycard.js"></script>

<buy-card endpoint="/shops/lantern" wallet="/wallet" feed="demo" product="enamel-pin"></buy-card>
```

`endpoint` is the platform gateway's route for the shop on the page's own origin, `wallet` the
host site's wallet API. Attributes, events, theming and the reservation's custom properties
(`--reserve-photo`, `--reserve-words`) are described in the project's README.
"#
    )
}

/// Writes the folder from the release build in `dist/` (run `trunk build --release` first) and
/// prints its path and a size table; returns the folder.
pub fn write_folder() -> Result<PathBuf, String> {
    let build = root().join("dist");
    let out = folder()?;
    let version = out
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("buycard-"))
        .unwrap_or_default()
        .to_owned();
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .map_err(|e| format!("cannot empty {}: {e}", out.display()))?;
    }
    // What the folder holds, as (source, name in the folder).
    let mut files: Vec<(PathBuf, PathBuf)> = vec![
        (build.join("buycard.js"), "buycard.js".into()),
        (build.join("buycard_bg.wasm"), "buycard_bg.wasm".into()),
    ];
    let mut snippets = Vec::new();
    files_under(&build.join("snippets"), "", &mut snippets);
    if snippets.is_empty() {
        return Err(format!(
            "no {} (the release build's JavaScript snippets): run the release build first",
            build.join("snippets").display()
        ));
    }
    snippets.sort();
    for snippet in snippets {
        let name = snippet.strip_prefix(&build).unwrap_or(&snippet).to_owned();
        files.push((snippet, name));
    }
    files.push((root().join("buycard.d.ts"), "buycard.d.ts".into()));
    files.push((root().join("buycard-reserve.css"), "buycard.css".into()));
    for (from, name) in &files {
        copy(from, &out.join(name))?;
    }
    write(&out.join("README.md"), readme(&version).as_bytes())?;
    files.push((out.join("README.md"), "README.md".into()));

    println!("\nbuycard dist: {}", out.display());
    println!(
        "  {:<52} {:>11} {:>11} {:>11}",
        "file", "raw", "gzip -9", "brotli 11"
    );
    let (mut raw_total, mut gz_total, mut br_total) = (0, 0, 0);
    for (_, name) in &files {
        let path = out.join(name);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let (gz, br) = (gzip_bytes(&bytes)?, brotli_bytes(&bytes)?);
        let with = |suffix: &str| {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            PathBuf::from(p)
        };
        write(&with(".gz"), &gz)?;
        write(&with(".br"), &br)?;
        println!(
            "  {:<52} {:>11} {:>11} {:>11}",
            name.display(),
            kib(bytes.len()),
            kib(gz.len()),
            kib(br.len())
        );
        // What a page downloads: the script, the wasm and the snippets (and the reservation).
        let downloaded = !matches!(name.extension().and_then(|e| e.to_str()), Some("ts" | "md"));
        if downloaded {
            raw_total += bytes.len();
            gz_total += gz.len();
            br_total += br.len();
        }
    }
    println!(
        "  {:<52} {:>11} {:>11} {:>11}",
        "what a page downloads (all but .d.ts and README)",
        kib(raw_total),
        kib(gz_total),
        kib(br_total)
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::version;

    #[test]
    fn the_version_is_the_package_s_or_the_workspace_s() {
        let inherited = "[workspace]\nmembers = [\".\"]\n\n[workspace.package]\nversion = \"0.3.1\"\nedition = \"2024\"\n\n[package]\nname = \"buycard\"\nversion.workspace = true\n";
        assert_eq!(version(inherited).as_deref(), Some("0.3.1"));
        let own = "[package]\nname = \"buycard\"\nversion = \"1.2.0\" # released\n";
        assert_eq!(version(own).as_deref(), Some("1.2.0"));
        assert_eq!(version("[package]\nname = \"x\"\n"), None);
    }

    #[test]
    fn the_repository_s_version_is_read() {
        let text = std::fs::read_to_string(crate::steps::root().join("Cargo.toml"))
            .expect("the repository's Cargo.toml");
        assert_eq!(
            version(&text).as_deref(),
            Some(env!("CARGO_PKG_VERSION")),
            "xtask inherits the workspace's version, as buycard does"
        );
    }
}
