//! ACP product feed reads: `GET /feeds/{id}` and `GET /feeds/{id}/products`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
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
