//! buycard's reference checkout backend: a real ACP merchant (product feeds, carts and checkout
//! sessions), a test payment provider (delegate payment), on an embedded SQLite database.
//!
//! The ACP API is mounted both at the root and under `/api`, so a page served by this server or
//! by `trunk serve` (which proxies `/api/`) uses the same `endpoint="/api"`.

mod carts;
pub mod catalog;
mod checkout;
mod dialect;
pub mod error;
mod feeds;
pub mod gateway;
pub mod idempotency;
pub mod merchant;
mod platform_cart;
pub mod pricing;
pub mod psp;
pub mod receipt;
pub mod signing;
pub mod store;
pub mod vault;
pub mod wallet;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use buycard_acp::versions::Version;
pub use catalog::Catalog;
use error::ApiError;
use pricing::{Merchant, Offers};
use store::{Database, Store, StoreError};

/// Everything a request handler can reach.
pub struct AppState {
    pub catalog: Catalog,
    pub offers: Offers,
    pub merchant: Merchant,
    pub store: Store,
    /// When set, server-to-server calls must carry `Authorization: Bearer <key>`.
    pub api_key: Option<String>,
    /// Browser origins allowed to call the checkout API and the wallet.
    pub allow_origins: Vec<String>,
    /// With `--demo-reset`: the demo buyers `POST /wallet/demo/reset` restores.
    pub demo_wallets: Option<wallet::DemoWallets>,
    /// Key of the idempotency fingerprints (HMAC), from configuration, never in the database.
    pub fingerprint_key: Vec<u8>,
    /// Key of the wallet's sealed card numbers, from configuration, never in the database.
    pub vault_key: vault::VaultKey,
    /// How long an in-flight idempotency key is held before another attempt may take it over.
    pub idempotency_lease_secs: i64,
    /// The ACP versions this merchant answers in.
    pub versions: Vec<Version>,
    /// When set, ACP POSTs must carry a valid `Signature` and `Timestamp` (ACP §3).
    pub signing_secret: Option<String>,
    /// The platform gateway, when this server is given a merchant registry.
    pub gateway: Option<gateway::Gateway>,
    pub session_ttl_secs: i64,
    /// Armed faults; each fires once.
    pub faults: std::sync::Mutex<Vec<Fault>>,
}

impl AppState {
    /// Whether `fault` is armed; disarms it.
    pub fn fault(&self, fault: Fault) -> bool {
        let Ok(mut armed) = self.faults.lock() else {
            return false;
        };
        match armed.iter().position(|f| *f == fault) {
            Some(index) => {
                armed.remove(index);
                tracing::warn!(?fault, "injecting a fault");
                true
            }
            None => false,
        }
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// RFC 3339 for a Unix time.
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// How the server is put together (the CLI fills it in).
#[derive(Debug, Clone)]
pub struct Config {
    pub catalog_dir: PathBuf,
    /// SQLite (a file, or `:memory:`) or PostgreSQL.
    pub database: Database,
    /// The secret every instance on one database shares: the idempotency fingerprint key and
    /// the vault key are derived from it. Required with PostgreSQL; with SQLite, keys are kept
    /// in files beside the database when it is not given.
    pub secret: Option<String>,
    /// Seconds an in-flight idempotency key is held (a crashed instance's keys run again after).
    pub idempotency_lease_secs: i64,
    /// A built page to serve at `/` (the preview, or the end-to-end tests' release build).
    pub static_dir: Option<PathBuf>,
    /// The URL buyers and platforms reach this server at, when it is not the listening address
    /// (instances behind a load balancer): order links and media URLs are made from it.
    pub public_url: Option<String>,
    pub allow_origins: Vec<String>,
    pub api_key: Option<String>,
    /// How long a checkout session stays open.
    pub session_ttl_secs: i64,
    /// Faults to inject, for tests of clients' retry paths (see [`Fault`]).
    pub faults: Vec<Fault>,
    /// The ACP versions the merchant answers in (all by default).
    pub acp_versions: Vec<Version>,
    /// Require ACP §3 request signatures made with this shared secret.
    pub signing_secret: Option<String>,
    /// How error bodies are shaped (ACP's flat error, or wrapped as web frameworks do).
    pub error_style: ErrorStyle,
    /// A merchant registry: this server is also the platform gateway for those merchants.
    pub merchants: Option<PathBuf>,
    /// Demo only: mount `POST /wallet/demo/reset` (the preview's "reset demo data").
    pub demo_reset: bool,
}

/// How the merchant shapes its error bodies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ErrorStyle {
    /// ACP's flat `{"type","code","message","param"}`.
    #[default]
    Acp,
    /// `{"detail": {…}}`, as FastAPI-style merchants send them (for tests of clients).
    Framework,
}

/// A fault the server injects once, so tests can exercise recovery paths for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    /// The next `complete` answers 500 before doing anything (its idempotency key is released).
    #[value(name = "complete-500-once")]
    Complete500Once,
    /// The next successful `complete` commits its order, then answers 502, as a proxy that lost
    /// the answer would: the client cannot know the order exists (its key still replays it).
    #[value(name = "complete-answer-lost-once")]
    CompleteAnswerLostOnce,
    /// The next `complete` holds the session `in_progress` for two seconds before it takes the
    /// payment, as a slow payment provider would: tests can see the status and what it refuses.
    #[value(name = "complete-slow-once")]
    CompleteSlowOnce,
}

impl Config {
    /// The demo catalog on an in-memory database: for tests.
    pub fn for_tests(catalog_dir: PathBuf) -> Self {
        Self {
            catalog_dir,
            database: Database::in_memory(),
            secret: None,
            idempotency_lease_secs: store::IDEM_LEASE_SECS,
            static_dir: None,
            public_url: None,
            allow_origins: Vec::new(),
            api_key: None,
            session_ttl_secs: 24 * 3600,
            faults: Vec::new(),
            acp_versions: Version::ALL.to_vec(),
            signing_secret: None,
            error_style: ErrorStyle::Acp,
            merchants: None,
            demo_reset: false,
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

/// Loads the catalog and opens the store: everything but the socket.
pub async fn build_state(config: &Config, public_url: &str) -> Result<Arc<AppState>, ServeError> {
    let catalog = Catalog::load(&config.catalog_dir, public_url)?;
    let inventory = merchant::Inventory::load(&config.catalog_dir)?;
    if let Database::Sqlite(path) = &config.database
        && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(ServeError::Io)?;
    }
    let store = Store::open(&config.database).await?;
    let secrets = Secrets::new(config)?;
    let vault_key = vault::VaultKey::from_bytes(&secrets.key("vault", ".vault-key")?)
        .ok_or_else(|| ServeError::Gateway("the vault key is shorter than 32 bytes".into()))?;
    store.orders.seed_stock(&inventory.stock()).await?;
    wallet::seed(&config.catalog_dir, &store, &vault_key).await?;
    let offers = merchant::offers(&catalog.products, &inventory);
    let gateway = match &config.merchants {
        Some(path) => {
            let mut merchants = gateway::registry::load(path)?;
            let own = public_url.trim_end_matches('/');
            for m in &mut merchants {
                for url in [&mut m.checkout_url, &mut m.psp.url] {
                    if url.starts_with('/') {
                        *url = format!("{own}{url}");
                    }
                }
            }
            Some(gateway::Gateway::new(merchants).map_err(|e| ServeError::Gateway(e.to_string()))?)
        }
        None => None,
    };
    if config.acp_versions.is_empty() {
        return Err(ServeError::Gateway(
            "the merchant must speak at least one ACP version".into(),
        ));
    }
    Ok(Arc::new(AppState {
        catalog,
        offers,
        merchant: Merchant {
            id: inventory.merchant_id.clone(),
            country: inventory.country.clone(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        },
        store,
        api_key: config.api_key.clone(),
        allow_origins: config.allow_origins.clone(),
        demo_wallets: if config.demo_reset {
            Some(wallet::DemoWallets::load(&config.catalog_dir)?)
        } else {
            None
        },
        fingerprint_key: secrets.key("idempotency-fingerprint", ".key")?,
        vault_key,
        idempotency_lease_secs: config.idempotency_lease_secs.max(1),
        versions: config.acp_versions.clone(),
        signing_secret: config.signing_secret.clone(),
        gateway,
        session_ttl_secs: config.session_ttl_secs,
        faults: std::sync::Mutex::new(config.faults.clone()),
    }))
}

/// Where the server's keys come from.
enum Secrets<'a> {
    /// `--secret` / `BUYCARD_SECRET`: each key is HMAC-SHA256(secret, purpose), so every instance
    /// given the same secret has the same keys.
    Shared(&'a str),
    /// SQLite without a secret: a file beside the database (`<database><suffix>`), made on first
    /// start: the idempotency fingerprint key (`.key`, it must outlive restarts for replays to
    /// match) and the wallet's vault key (`.vault-key`).
    Beside(&'a std::path::Path),
}

impl<'a> Secrets<'a> {
    fn new(config: &'a Config) -> Result<Self, ServeError> {
        match (&config.secret, &config.database) {
            (Some(secret), _) if secret.len() < 32 => Err(ServeError::Gateway(
                "BUYCARD_SECRET must be at least 32 characters".into(),
            )),
            (Some(secret), _) => Ok(Self::Shared(secret)),
            (None, Database::Sqlite(path)) => Ok(Self::Beside(path)),
            (None, Database::Postgres(_)) => Err(ServeError::Gateway(
                "with PostgreSQL, every instance needs the same --secret (or BUYCARD_SECRET): \
                 the idempotency and vault keys are derived from it"
                    .into(),
            )),
        }
    }

    fn key(&self, purpose: &str, suffix: &str) -> Result<Vec<u8>, ServeError> {
        match self {
            Self::Shared(secret) => {
                use hmac::{Hmac, Mac};
                let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes())
                    .map_err(|_| ServeError::Gateway("unusable secret".into()))?;
                mac.update(b"buycard:");
                mac.update(purpose.as_bytes());
                Ok(mac.finalize().into_bytes().to_vec())
            }
            Self::Beside(database) => secret_beside(database, suffix),
        }
    }
}

/// A secret kept in a file beside the SQLite database. An in-memory database gets fresh keys
/// for the process.
fn secret_beside(database: &std::path::Path, suffix: &str) -> Result<Vec<u8>, ServeError> {
    let fresh = || {
        let mut key = uuid::Uuid::new_v4().as_bytes().to_vec();
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        key
    };
    if database.as_os_str() == ":memory:" {
        return Ok(fresh());
    }
    let mut path = database.as_os_str().to_owned();
    path.push(suffix);
    let path = PathBuf::from(path);
    match std::fs::read(&path) {
        Ok(key) if key.len() >= 32 => Ok(key),
        _ => {
            let key = fresh();
            std::fs::write(&path, &key).map_err(ServeError::Io)?;
            Ok(key)
        }
    }
}

/// Server-to-server callers prove themselves with the API key; browsers are admitted by origin
/// (CORS allow-list). Without `--api-key` the API is open (development).
async fn authorize(State(app): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let Some(expected) = &app.api_key else {
        return verify_signature(&app, request, next).await;
    };
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed_origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| app.allow_origins.iter().any(|a| a == o));
    if bearer == Some(expected.as_str()) || allowed_origin {
        verify_signature(&app, request, next).await
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "unauthorized",
            "A valid Authorization: Bearer token is required",
        )
        .into_response()
    }
}

/// With `--signing-secret`, server-to-server requests (those with a bearer key) must carry a
/// valid ACP §3 `Signature` and `Timestamp`; browsers, admitted by origin, cannot sign.
async fn verify_signature(app: &AppState, request: Request, next: Next) -> Response {
    let Some(secret) = &app.signing_secret else {
        return next.run(request).await;
    };
    if !request.headers().contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let text = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (signature, timestamp) = (text("signature"), text("timestamp"));
    let Ok(bytes) = axum::body::to_bytes(body, idempotency::BODY_LIMIT).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "request_too_large",
            "The request body is too large",
        )
        .into_response();
    };
    match signing::verify(
        secret.as_bytes(),
        signature.as_deref(),
        timestamp.as_deref(),
        &bytes,
        now(),
    ) {
        Ok(()) => next.run(Request::from_parts(parts, bytes.into())).await,
        Err(error) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "invalid_signature",
            error.to_string(),
        )
        .into_response(),
    }
}

pub(crate) fn checkout_cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("api-version"),
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("signature"),
            HeaderName::from_static("timestamp"),
            REQUEST_ID,
        ])
        .expose_headers([
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("idempotent-replayed"),
            REQUEST_ID,
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(600))
}

/// The HTTP application.
pub fn router(state: Arc<AppState>, config: &Config) -> Router {
    let feeds = Router::new()
        .route("/feeds/{id}", get(feeds::get_feed))
        .route("/feeds/{id}/products", get(feeds::get_products))
        // The offline feed files, for platforms that ingest this merchant's feed over http.
        .route("/feed/metadata.json", get(feeds::offline_metadata))
        .route("/feed/products.jsonl", get(feeds::offline_products))
        .layer(public_cors());
    // Layers run bottom-up on the way in: CORS, auth, API-Version, then idempotency.
    let acp = Router::new()
        .route("/checkout_sessions", post(checkout::create))
        .route(
            "/checkout_sessions/{id}",
            post(checkout::update).get(checkout::retrieve),
        )
        .route("/checkout_sessions/{id}/complete", post(checkout::complete))
        .route("/checkout_sessions/{id}/cancel", post(checkout::cancel))
        .route("/carts", post(carts::create))
        .route("/carts/{id}", get(carts::retrieve).put(carts::update))
        .route("/carts/{id}/cancel", post(carts::cancel))
        .route(
            "/agentic_commerce/delegate_payment",
            post(psp::delegate_payment),
        )
        .layer(from_fn_with_state(state.clone(), idempotency::layer))
        .layer(from_fn_with_state(state.clone(), dialect::layer))
        .layer(from_fn_with_state(state.clone(), authorize));
    let acp = match config.error_style {
        ErrorStyle::Acp => acp,
        ErrorStyle::Framework => acp.layer(from_fn(dialect::framework_errors)),
    }
    .layer(checkout_cors(&config.allow_origins));
    let api = feeds.merge(acp);
    // The host site's wallet (not part of the merchant's ACP API).
    let mut wallet = Router::new();
    if config.demo_reset {
        wallet = wallet.route("/wallet/demo/reset", post(wallet::demo_reset));
    }
    let wallet = wallet
        .route("/wallet/sign_in", post(wallet::sign_in))
        .route("/wallet/sign_out", post(wallet::sign_out))
        .route("/wallet/buyer", get(wallet::buyer))
        .route("/wallet/payment_methods", post(wallet::add_payment_method))
        .route("/wallet/payment_token", post(wallet::payment_token))
        .route("/wallet/cart", get(platform_cart::get_cart))
        .route("/wallet/cart/add", post(platform_cart::add))
        .route("/wallet/cart/set", post(platform_cart::set))
        .route("/wallet/cart/remove", post(platform_cart::remove))
        .route("/wallet/cart/merge", post(platform_cart::merge))
        .route_layer(from_fn_with_state(state.clone(), idempotency::wallet_layer))
        .layer(from_fn_with_state(state.clone(), wallet::same_site_only));
    let media = ServeDir::new(&state.catalog.media_dir);
    let mut app = Router::new()
        .merge(api.clone())
        .nest(
            "/api",
            api.fallback(|| async { ApiError::route_not_found() }),
        )
        .merge(wallet)
        .merge(gateway::routes(&state, config))
        .route("/orders/{id}", get(checkout::order_page))
        .nest_service("/media", media);
    app = match &config.static_dir {
        // Third-party pages load buycard.js as a module script, which is a CORS request.
        Some(dir) => app.fallback_service(
            tower::ServiceBuilder::new()
                .layer(public_cors())
                .layer(from_fn(typescript_as_text))
                .layer(from_fn(host_page_policy))
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

/// `buycard.d.ts` as the text it is: by its extension alone it would go out as `video/mp2t` (an
/// MPEG transport stream), which browsers offer to download and tools refuse.
async fn typescript_as_text(request: Request, next: Next) -> Response {
    let typescript = request.uri().path().ends_with(".ts");
    let mut response = next.run(request).await;
    if typescript && response.status().is_success() {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    response
}

/// The Content Security Policy a careful host sends with its pages, and under which buycard must
/// run (issue 14): scripts from the host's origin only, WebAssembly compiled from them, no inline
/// script and no inline style. Every HTML page of `--static` is served with it;
/// `tests/e2e/csp.test.mjs` enforces it and checks that nothing is refused (the other end-to-end
/// tests bypass it for the tooling they inject).
pub const HOST_PAGE_CSP: &str = "script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

async fn host_page_policy(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(HOST_PAGE_CSP),
        );
    }
    response
}

/// Product feeds and the built component are public (no cookies, no personal data): any page may
/// read them, which is what lets a third-party timeline embed the card. The checkout API has its
/// own allow-list.
pub(crate) fn public_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET])
        .max_age(Duration::from_secs(600))
}

/// Loads everything and serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr: SocketAddr = listener.local_addr().map_err(ServeError::Io)?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let state = build_state(&config, &public_url).await?;
    tracing::info!(
        feed = %state.catalog.metadata.id,
        products = state.catalog.products.len(),
        database = %config.database,
        "catalog loaded from {}",
        config.catalog_dir.display()
    );
    gateway::feeds::ingest(state.clone()).await;
    let app = router(state, &config);
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
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(std::io::Error),
    #[error(transparent)]
    Registry(#[from] gateway::registry::RegistryError),
    #[error("{0}")]
    Gateway(String),
}
