//! buycard's reference checkout backend.
//!
//! Today it serves what the buy card needs to render: ACP product feeds from a catalog folder,
//! the catalog's images, and (optionally) the built page. The ACP API is mounted both at the root
//! and under `/api`, so a page served by this server or by `trunk serve` (which proxies `/api/`)
//! uses the same `endpoint="/api"`.

pub mod catalog;
pub mod error;
mod feeds;
pub mod pricing;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use catalog::Catalog;
use error::ApiError;

/// Everything a request handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub catalog: Catalog,
}

/// How the server is put together (the CLI fills it in).
#[derive(Debug, Clone)]
pub struct Config {
    pub catalog_dir: PathBuf,
    /// A built page to serve at `/` (the preview, or the end-to-end tests' release build).
    pub static_dir: Option<PathBuf>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

/// The HTTP application.
pub fn router(state: Arc<AppState>, config: &Config) -> Router {
    let api = Router::new()
        .route("/feeds/{id}", get(feeds::get_feed))
        .route("/feeds/{id}/products", get(feeds::get_products))
        .layer(feed_cors());
    let media = ServeDir::new(&state.catalog.media_dir);
    let mut app = Router::new()
        .merge(api.clone())
        .nest(
            "/api",
            api.fallback(|| async { ApiError::route_not_found() }),
        )
        .nest_service("/media", media);
    app = match &config.static_dir {
        // Third-party pages load buycard.js as a module script, which is a CORS request.
        Some(dir) => app.fallback_service(
            tower::ServiceBuilder::new()
                .layer(feed_cors())
                .service(ServeDir::new(dir)),
        ),
        None => app.fallback(|| async { ApiError::route_not_found() }),
    };
    app.with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Product feeds and the built component are public (no cookies, no personal data): any page may
/// read them, which is what lets a third-party timeline embed the card. The checkout API will have
/// its own allow-list.
fn feed_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET])
        .max_age(Duration::from_secs(600))
}

/// Loads the catalog and serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr: SocketAddr = listener.local_addr().map_err(ServeError::Io)?;
    let public_url = format!("http://{addr}");
    let catalog = Catalog::load(&config.catalog_dir, &public_url)?;
    tracing::info!(
        feed = %catalog.metadata.id,
        products = catalog.products.len(),
        "catalog loaded from {}",
        config.catalog_dir.display()
    );
    let app = router(Arc::new(AppState { catalog }), &config);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServeError::Io)
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    #[error(transparent)]
    Io(std::io::Error),
}
