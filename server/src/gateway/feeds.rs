//! Feed ingestion. In ACP, merchants publish their product feed to the platform (the offline
//! format: `metadata.json` + `products.jsonl`); the platform serves it to its pages. The gateway
//! reads each merchant's feed from a folder or an http(s) URL at start and then on a schedule,
//! keeps the last good copy when a refresh fails, and serves it under `/shops/{merchant}/feeds/…`
//! in the shape the card already reads.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use buycard_acp::feed::{FeedMetadata, Product, ProductsResponse, parse_products_jsonl};

use super::registry::{FeedSource, Merchant};
use crate::AppState;
use crate::error::ApiError;

/// A merchant's feed as last read.
#[derive(Debug)]
pub struct Feed {
    pub metadata: FeedMetadata,
    pub products: Vec<Product>,
}

/// The last good feed of every merchant.
#[derive(Default)]
pub struct Feeds(RwLock<HashMap<String, Arc<Feed>>>);

impl Feeds {
    pub fn get(&self, merchant: &str) -> Option<Arc<Feed>> {
        self.0.read().ok()?.get(merchant).cloned()
    }

    fn set(&self, merchant: &str, feed: Feed) {
        if let Ok(mut feeds) = self.0.write() {
            feeds.insert(merchant.to_owned(), Arc::new(feed));
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    #[error("{0} is not a valid FeedMetadata: {1}")]
    Metadata(String, serde_json::Error),
    #[error("{0}: {1}")]
    Products(String, buycard_acp::feed::JsonlError),
}

/// Reads one merchant's feed. `media_base` is where relative media of a folder feed are served.
pub async fn read(
    client: &reqwest::Client,
    source: &FeedSource,
    media_base: &str,
) -> Result<Feed, FeedError> {
    let (metadata_text, products_text, base) = match source {
        FeedSource::Folder(dir) => {
            let read = |name: &str| {
                let path = dir.join(name);
                std::fs::read_to_string(&path)
                    .map_err(|e| FeedError::Read(path.display().to_string(), e.to_string()))
            };
            (
                read("metadata.json")?,
                read("products.jsonl")?,
                media_base.to_owned(),
            )
        }
        FeedSource::Url(url) => {
            let fetch = |name: &str| {
                let url = format!("{url}/{name}");
                async move {
                    let failed = |e: String| FeedError::Read(url.clone(), e);
                    let response = client
                        .get(&url)
                        .timeout(Duration::from_secs(30))
                        .send()
                        .await
                        .map_err(|e| failed(e.to_string()))?;
                    if !response.status().is_success() {
                        return Err(failed(format!("HTTP {}", response.status())));
                    }
                    response.text().await.map_err(|e| failed(e.to_string()))
                }
            };
            (
                fetch("metadata.json").await?,
                fetch("products.jsonl").await?,
                url.clone(),
            )
        }
    };
    let where_ = match source {
        FeedSource::Folder(dir) => dir.display().to_string(),
        FeedSource::Url(url) => url.clone(),
    };
    let metadata: FeedMetadata =
        serde_json::from_str(&metadata_text).map_err(|e| FeedError::Metadata(where_.clone(), e))?;
    let mut products =
        parse_products_jsonl(&products_text).map_err(|e| FeedError::Products(where_, e))?;
    for product in &mut products {
        crate::catalog::resolve_media(product, &base);
    }
    Ok(Feed { metadata, products })
}

/// Where the gateway serves a folder feed's `media/`.
pub fn media_base(public_url: &str, merchant: &str) -> String {
    format!("{}/shops/{merchant}", public_url.trim_end_matches('/'))
}

/// Reads every merchant's feed once (a merchant whose feed cannot be read is logged and served
/// as 503 until a refresh succeeds), then refreshes each on its schedule.
pub async fn ingest(app: Arc<AppState>) {
    let Some(gateway) = app.gateway.as_ref() else {
        return;
    };
    for merchant in gateway.merchants.values() {
        refresh(&app, merchant).await;
        let app = app.clone();
        let merchant = merchant.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(merchant.feed_refresh_secs));
            every.tick().await;
            loop {
                every.tick().await;
                refresh(&app, &merchant).await;
            }
        });
    }
}

async fn refresh(app: &AppState, merchant: &Merchant) {
    let Some(gateway) = app.gateway.as_ref() else {
        return;
    };
    let base = media_base(&app.merchant.public_url, &merchant.id);
    match read(&gateway.client, &merchant.feed, &base).await {
        Ok(feed) => {
            tracing::info!(
                merchant = %merchant.id,
                products = feed.products.len(),
                "feed ingested"
            );
            gateway.feeds.set(&merchant.id, feed);
        }
        Err(error) => {
            tracing::warn!(merchant = %merchant.id, %error, "feed not ingested; keeping the last good copy")
        }
    }
}

fn feed_of(app: &AppState, merchant: &str, feed_id: &str) -> Result<Arc<Feed>, ApiError> {
    let gateway = app.gateway.as_ref().ok_or_else(ApiError::route_not_found)?;
    if !gateway.merchants.contains_key(merchant) {
        return Err(super::unknown_merchant());
    }
    let feed = gateway.feeds.get(merchant).ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "feed_unavailable",
            "This shop's product feed has not been received yet",
        )
    })?;
    if feed.metadata.id != feed_id {
        return Err(ApiError::feed_not_found());
    }
    Ok(feed)
}

pub async fn get_feed(
    State(app): State<Arc<AppState>>,
    Path((merchant, feed_id)): Path<(String, String)>,
) -> Result<Json<FeedMetadata>, ApiError> {
    Ok(Json(feed_of(&app, &merchant, &feed_id)?.metadata.clone()))
}

pub async fn get_products(
    State(app): State<Arc<AppState>>,
    Path((merchant, feed_id)): Path<(String, String)>,
) -> Result<Json<ProductsResponse>, ApiError> {
    Ok(Json(ProductsResponse {
        products: feed_of(&app, &merchant, &feed_id)?.products.clone(),
    }))
}
