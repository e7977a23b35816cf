//! ACP product feed reads: `GET /feeds/{id}` and `GET /feeds/{id}/products`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use buycard_acp::feed::{FeedMetadata, ProductsResponse};

use crate::AppState;
use crate::error::ApiError;

pub async fn get_feed(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<FeedMetadata>, ApiError> {
    let catalog = &state.catalog;
    if catalog.metadata.id != id {
        return Err(ApiError::feed_not_found());
    }
    Ok(Json(catalog.metadata.clone()))
}

pub async fn get_products(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<ProductsResponse>, ApiError> {
    let catalog = &state.catalog;
    if catalog.metadata.id != id {
        return Err(ApiError::feed_not_found());
    }
    Ok(Json(ProductsResponse {
        products: catalog.products.clone(),
    }))
}

/// `GET /feed/metadata.json`: the feed's metadata in ACP's offline format.
pub async fn offline_metadata(State(state): State<Arc<AppState>>) -> Json<FeedMetadata> {
    Json(state.catalog.metadata.clone())
}

/// `GET /feed/products.jsonl`: one product per line, media as absolute URLs, in ACP's offline
/// format, for a platform that ingests this merchant's feed.
pub async fn offline_products(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let mut lines = String::new();
    for product in &state.catalog.products {
        if let Ok(line) = serde_json::to_string(product) {
            lines.push_str(&line);
            lines.push('\n');
        }
    }
    (
        [(header::CONTENT_TYPE, "application/jsonl; charset=utf-8")],
        lines,
    )
}
