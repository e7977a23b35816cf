//! The merchant's catalog, loaded from ACP's offline feed format: a folder with `metadata.json`
//! (`FeedMetadata`) and `products.jsonl` (one `Product` per line), plus `media/` for images.
//!
//! Media URLs in the files may be relative (`media/tee.svg`); the feed schema wants absolute URIs,
//! so they are resolved against the server's public URL at load time.

use std::path::{Path, PathBuf};

use buycard_acp::feed::{FeedMetadata, Media, Product, parse_products_jsonl};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CatalogError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid FeedMetadata: {source}")]
    Metadata {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path}, {source}")]
    Products {
        path: PathBuf,
        source: buycard_acp::feed::JsonlError,
    },
    #[error("{path}: product id {id:?} appears twice")]
    DuplicateProduct { path: PathBuf, id: String },
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub metadata: FeedMetadata,
    pub products: Vec<Product>,
    /// `media/` beside the feed files, served under `/media`.
    pub media_dir: PathBuf,
}

impl Catalog {
    pub fn load(dir: &Path, public_url: &str) -> Result<Self, CatalogError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| CatalogError::Read { path, source })
        };
        let metadata = serde_json::from_str(&read("metadata.json")?).map_err(|source| {
            CatalogError::Metadata {
                path: dir.join("metadata.json"),
                source,
            }
        })?;
        let mut products = parse_products_jsonl(&read("products.jsonl")?).map_err(|source| {
            CatalogError::Products {
                path: dir.join("products.jsonl"),
                source,
            }
        })?;
        let mut seen = std::collections::HashSet::new();
        for product in &mut products {
            if !seen.insert(product.id.clone()) {
                return Err(CatalogError::DuplicateProduct {
                    path: dir.join("products.jsonl"),
                    id: product.id.clone(),
                });
            }
            resolve_media(product, public_url);
        }
        Ok(Self {
            metadata,
            products,
            media_dir: dir.join("media"),
        })
    }
}

/// Relative media URLs (`media/tee.svg`) become absolute against `public_url`.
pub fn resolve_media(product: &mut Product, public_url: &str) {
    let resolve = |media: &mut Vec<Media>| {
        for m in media {
            if !m.url.contains("://") {
                m.url = format!(
                    "{}/{}",
                    public_url.trim_end_matches('/'),
                    m.url.trim_start_matches('/')
                );
            }
        }
    };
    product.media.as_mut().map(resolve);
    for variant in &mut product.variants {
        variant.media.as_mut().map(resolve);
    }
}
