//! The merchant registry: which merchants the platform sells for, how to reach each one, and
//! the secrets that go with them. A TOML file (`--merchants merchants.toml`):
//!
//! ```toml
//! [[merchant]]
//! id = "harbor"                              # the platform's name for it: /shops/harbor/...
//! name = "Harbor Records"
//! checkout_url = "https://harbor.example/acp" # ACP base URL (server to server)
//! version = "negotiate"                      # or a dated version, e.g. "2026-01-16"
//! api_key = { env = "HARBOR_API_KEY" }        # or { file = "secrets/harbor.key" }
//! signing_secret = { env = "HARBOR_SIGNING_SECRET" }   # optional: ACP §3 Signature/Timestamp
//! feed = "https://harbor.example/feed/"       # offline feed: metadata.json + products.jsonl,
//!                                             # an http(s) base URL or a folder
//! feed_refresh_secs = 300
//!
//! [merchant.psp]                              # where the buyer's card is delegated
//! url = "https://psp.example/agentic_commerce/delegate_payment"
//! api_key = { env = "HARBOR_PSP_KEY" }
//! signing_secret = { env = "HARBOR_PSP_SIGNING_SECRET" }   # optional
//! merchant_id = "acct_harbor"                 # the merchant's account at that PSP
//! ```
//!
//! Secrets come from the environment or a file, never from the registry file itself, and no
//! `Debug` or log line prints them. A `checkout_url` or `psp.url` that is a path (`/api`) names
//! this server's own reference merchant: a platform that also sells for itself reaches its own
//! shop through the gateway like any other.

use std::path::{Path, PathBuf};

use buycard_acp::versions::Version;
use serde::Deserialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum RegistryError {
    #[error("cannot read the merchant registry {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the merchant registry {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("merchant {merchant:?}: {message}")]
    Merchant { merchant: String, message: String },
}

/// Where a secret comes from.
#[derive(Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum SecretSource {
    Env { env: String },
    File { file: PathBuf },
}

/// A resolved secret. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }

    #[cfg(test)]
    pub fn new(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The protocol version the platform speaks to a merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionChoice {
    /// Always this version.
    Pinned(Version),
    /// Start with the newest version the platform speaks; on a 400 that lists
    /// `supported_versions`, retry once with the newest common one and remember it.
    Negotiate,
}

/// Where a merchant's product feed is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSource {
    /// `metadata.json` and `products.jsonl` under this base URL.
    Url(String),
    /// A folder with `metadata.json`, `products.jsonl` and `media/`.
    Folder(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Psp {
    /// The PSP's ACP delegate-payment URL.
    pub url: String,
    pub api_key: Option<Secret>,
    /// ACP §3 signatures on delegate-payment requests, when the PSP verifies them.
    pub signing_secret: Option<Secret>,
    /// The merchant's account at the PSP (`allowance.merchant_id`).
    pub merchant_id: String,
}

/// One merchant, resolved: secrets read, URLs checked.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub id: String,
    pub name: String,
    /// ACP base URL without a trailing slash.
    pub checkout_url: String,
    pub version: VersionChoice,
    pub api_key: Option<Secret>,
    pub signing_secret: Option<Secret>,
    pub feed: FeedSource,
    pub feed_refresh_secs: u64,
    pub psp: Psp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    merchant: Vec<MerchantEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantEntry {
    id: String,
    name: String,
    checkout_url: String,
    #[serde(default = "negotiate")]
    version: String,
    api_key: Option<SecretSource>,
    signing_secret: Option<SecretSource>,
    feed: Option<String>,
    #[serde(default = "default_refresh")]
    feed_refresh_secs: u64,
    psp: PspEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PspEntry {
    url: String,
    api_key: Option<SecretSource>,
    signing_secret: Option<SecretSource>,
    merchant_id: String,
}

fn negotiate() -> String {
    "negotiate".to_owned()
}

fn default_refresh() -> u64 {
    300
}

/// Every merchant of a registry file. Relative folders and secret files are resolved against
/// the registry file's folder.
pub fn load(path: &Path) -> Result<Vec<Merchant>, RegistryError> {
    let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Read {
        path: path.to_owned(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base, &|name| std::env::var(name).ok()).map_err(|e| match e {
        RegistryError::Parse { message, .. } => RegistryError::Parse {
            path: path.to_owned(),
            message,
        },
        other => other,
    })
}

/// [`load`] without the file system for the registry itself (`env` reads variables).
pub fn parse(
    text: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Merchant>, RegistryError> {
    let file: File = toml::from_str(text).map_err(|e| RegistryError::Parse {
        path: PathBuf::new(),
        message: e.to_string(),
    })?;
    let mut seen = std::collections::HashSet::new();
    file.merchant
        .into_iter()
        .map(|entry| {
            if !seen.insert(entry.id.clone()) {
                return Err(RegistryError::Merchant {
                    merchant: entry.id,
                    message: "listed twice".into(),
                });
            }
            resolve(entry, base, env)
        })
        .collect()
}

fn resolve(
    entry: MerchantEntry,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Merchant, RegistryError> {
    let fail = |message: String| RegistryError::Merchant {
        merchant: entry.id.clone(),
        message,
    };
    let id_ok = !entry.id.is_empty()
        && entry.id.len() <= 64
        && entry
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        return Err(fail(
            "id must be 1 to 64 lower-case letters, digits or '-' (it is a URL segment)".into(),
        ));
    }
    let http = |url: &str| url.starts_with("http://") || url.starts_with("https://");
    // A path ("/api") is this server's own reference merchant, reached over HTTP like any other.
    let endpoint = |url: &str| http(url) || (url.starts_with('/') && !url.starts_with("//"));
    if !endpoint(&entry.checkout_url) {
        return Err(fail(
            "checkout_url must be an http(s) URL (or a path on this server)".into(),
        ));
    }
    if !endpoint(&entry.psp.url) {
        return Err(fail(
            "psp.url must be an http(s) URL (or a path on this server)".into(),
        ));
    }
    let version = match entry.version.as_str() {
        "negotiate" => VersionChoice::Negotiate,
        other => VersionChoice::Pinned(Version::parse(other).ok_or_else(|| {
            fail(format!(
                "version {other:?} is not one the platform speaks ({}) nor \"negotiate\"",
                Version::ALL.map(Version::as_str).join(", ")
            ))
        })?),
    };
    let feed = match entry.feed.as_deref() {
        None | Some("") => {
            return Err(fail(
                "has no feed: ACP merchants push their product feed to the platform; set `feed` \
                 to its folder or http(s) URL (metadata.json + products.jsonl)"
                    .into(),
            ));
        }
        Some(url) if http(url) => FeedSource::Url(url.trim_end_matches('/').to_owned()),
        Some(folder) => FeedSource::Folder(base.join(folder)),
    };
    if entry.feed_refresh_secs < 5 {
        return Err(fail("feed_refresh_secs must be at least 5".into()));
    }
    let secret = |source: &Option<SecretSource>, what: &str| -> Result<_, RegistryError> {
        match source {
            None => Ok(None),
            Some(SecretSource::Env { env: name }) => env(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| Some(Secret(v.trim().to_owned())))
                .ok_or_else(|| {
                    fail(format!(
                        "{what}: the environment variable {name} is not set"
                    ))
                }),
            Some(SecretSource::File { file }) => {
                let path = base.join(file);
                std::fs::read_to_string(&path)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| Some(Secret(v.trim().to_owned())))
                    .ok_or_else(|| fail(format!("{what}: cannot read {}", path.display())))
            }
        }
    };
    Ok(Merchant {
        api_key: secret(&entry.api_key, "api_key")?,
        signing_secret: secret(&entry.signing_secret, "signing_secret")?,
        psp: Psp {
            url: entry.psp.url.clone(),
            api_key: secret(&entry.psp.api_key, "psp.api_key")?,
            signing_secret: secret(&entry.psp.signing_secret, "psp.signing_secret")?,
            merchant_id: entry.psp.merchant_id.clone(),
        },
        checkout_url: entry.checkout_url.trim_end_matches('/').to_owned(),
        id: entry.id.clone(),
        name: entry.name.clone(),
        version,
        feed,
        feed_refresh_secs: entry.feed_refresh_secs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
        [[merchant]]
        id = "harbor"
        name = "Harbor Records"
        checkout_url = "http://127.0.0.1:9/acp/"
        version = "2026-01-16"
        api_key = { env = "HARBOR_KEY" }
        feed = "catalog-harbor"
        [merchant.psp]
        url = "http://127.0.0.1:9/agentic_commerce/delegate_payment"
        merchant_id = "harbor"
    "#;

    fn env(name: &str) -> Option<String> {
        (name == "HARBOR_KEY").then(|| "sk_test_123".to_owned())
    }

    #[test]
    fn a_merchant_resolves_with_its_secret_hidden() {
        let merchants = parse(ONE, Path::new("/etc/buycard"), &env).expect("valid");
        let m = &merchants[0];
        assert_eq!(m.checkout_url, "http://127.0.0.1:9/acp");
        assert_eq!(m.version, VersionChoice::Pinned(Version::V2026_01_16));
        assert_eq!(
            m.feed,
            FeedSource::Folder(PathBuf::from("/etc/buycard/catalog-harbor"))
        );
        assert_eq!(m.api_key.as_ref().map(Secret::expose), Some("sk_test_123"));
        let shown = format!("{m:?}");
        assert!(!shown.contains("sk_test_123"), "{shown}");
    }

    #[test]
    fn configuration_errors_name_the_merchant_and_the_problem() {
        let no_feed = ONE.replace("feed = \"catalog-harbor\"", "");
        let err = parse(&no_feed, Path::new("."), &env).expect_err("no feed");
        assert!(err.to_string().contains("harbor") && err.to_string().contains("no feed"));
        let missing_env = parse(ONE, Path::new("."), &|_| None).expect_err("no key");
        assert!(missing_env.to_string().contains("HARBOR_KEY"));
        let bad_version = ONE.replace("2026-01-16", "2024-01-01");
        assert!(
            parse(&bad_version, Path::new("."), &env)
                .expect_err("version")
                .to_string()
                .contains("2024-01-01")
        );
        let inline_secret = ONE.replace("{ env = \"HARBOR_KEY\" }", "\"sk_live_oops\"");
        assert!(parse(&inline_secret, Path::new("."), &env).is_err());
        let twice = format!("{ONE}{ONE}");
        assert!(
            parse(&twice, Path::new("."), &env)
                .expect_err("dup")
                .to_string()
                .contains("twice")
        );
    }
}
