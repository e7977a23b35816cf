//! The demo platform that `serve` and the end-to-end tests start: a timeline's server side with
//! two shops behind its gateway, as a social network would run it.
//!
//! - **Harbor Records**: a merchant of its own (the reference server with `server/catalog-harbor`),
//!   speaking only ACP 2026-01-16, requiring a bearer key and signed requests. The platform
//!   ingests its feed over http.
//! - **Lantern Press**: the platform's own reference merchant (`server/catalog`, ACP 2026-04-17),
//!   reached through the gateway like any other shop (`checkout_url = "/api"`), and directly by
//!   the pages that embed the card on the merchant's own site.
//! - **The platform**: gateway + wallet + the built page, on the port the caller chooses.
//!
//! Secrets reach both sides through the environment, never through the registry file.

use std::path::{Path, PathBuf};

use crate::steps::root;

/// The demo's merchant key and signing secret for Harbor Records (test values).
pub const HARBOR_ENV: [(&str, &str); 3] = [
    ("HARBOR_API_KEY", "sk_test_harbor_demo"),
    ("HARBOR_SIGNING_SECRET", "whsec_test_harbor_demo"),
    ("HARBOR_PSP_KEY", "sk_test_harbor_demo"),
];

/// Harbor Records' catalog folder.
pub fn harbor_catalog() -> String {
    root().join("server/catalog-harbor").display().to_string()
}

/// What makes a reference server speak as Harbor Records does, besides its catalog.
pub fn harbor_args() -> Vec<String> {
    vec!["--acp-version".into(), "2026-01-16".into()]
}

/// Harbor's own secrets, as its server reads them (`--api-key` and `--signing-secret` from the
/// environment).
pub fn harbor_server_env() -> [(&'static str, &'static str); 2] {
    [
        ("BUYCARD_API_KEY", HARBOR_ENV[0].1),
        ("BUYCARD_SIGNING_SECRET", HARBOR_ENV[1].1),
    ]
}

/// Writes the platform's merchant registry for a Harbor Records server at `harbor` into `dir`
/// and returns its path.
pub fn write_registry(dir: &Path, harbor: &str) -> Result<PathBuf, String> {
    let lantern_feed = root().join("server/catalog");
    let registry = format!(
        r#"# The demo platform's merchants (written by cargo xtask).

[[merchant]]
id = "lantern"
name = "Lantern Press"
checkout_url = "/api"   # the platform's own reference merchant
version = "2026-04-17"
feed = "{lantern_feed}"

[merchant.psp]
url = "/api/agentic_commerce/delegate_payment"
merchant_id = "buycard-demo"

[[merchant]]
id = "harbor"
name = "Harbor Records"
checkout_url = "{harbor}"
version = "negotiate"
api_key = {{ env = "HARBOR_API_KEY" }}
signing_secret = {{ env = "HARBOR_SIGNING_SECRET" }}
feed = "{harbor}/feed"
feed_refresh_secs = 60

[merchant.psp]
url = "{harbor}/agentic_commerce/delegate_payment"
api_key = {{ env = "HARBOR_PSP_KEY" }}
signing_secret = {{ env = "HARBOR_SIGNING_SECRET" }}
merchant_id = "harbor-records"
"#,
        lantern_feed = lantern_feed.display(),
    );
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("merchants.toml");
    std::fs::write(&path, registry).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
