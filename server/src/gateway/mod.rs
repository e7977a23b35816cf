//! The platform gateway: the host site's server side, between its pages and the merchants it
//! sells for, as Twitter stood between its buyers and Stripe, Fancy or Gumroad.
//!
//! ACP is a server-to-server protocol: a merchant wants `Authorization: Bearer` (a secret no
//! public page can hold), speaks one of several dated versions, and does not serve its feed to
//! browsers. The card therefore talks only to the host's own origin, in ACP 2026-04-17, and the
//! gateway does the rest:
//!
//! - `GET /shops/{merchant}/feeds/{feed}[/products]`: the merchant's ingested feed ([`feeds`]).
//! - `POST /shops/{merchant}/checkout_sessions[/{id}[/complete|/cancel]]`, `GET …/{id}`: forwarded
//!   to the merchant ([`forward`]) in the version it speaks (pinned or negotiated), with its
//!   bearer key, `API-Version`, `Request-Id`, the card's own `Idempotency-Key` (so a retry at any
//!   hop stays one intent) and, when a secret is configured, ACP §3 `Signature`/`Timestamp`.
//!   Answers come back converted to 2026-04-17; any error body becomes ACP's flat error.
//! - `POST /shops/{merchant}/agentic_commerce/delegate_payment`: the buyer's card, forwarded to
//!   the PSP the registry names for that merchant, never to the merchant.
//! - The wallet's `payment_token` for a session opened here seals nothing new: it forwards the
//!   saved card from the wallet's vault to that merchant's PSP ([`pay`]).
//!
//! Like the wallet, these routes take POSTs only from the host site's own pages (allowed
//! origins, never `Sec-Fetch-Site: cross-site`).

pub mod cart;
pub mod feeds;
pub mod forward;
pub mod pay;
pub mod registry;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use buycard_acp::versions::{Body, Version};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::store;
use crate::{AppState, now};
use registry::{Merchant, VersionChoice};

/// What the gateway knows: its merchants, their feeds, the versions negotiated with them.
pub struct Gateway {
    pub merchants: BTreeMap<String, Merchant>,
    pub feeds: feeds::Feeds,
    pub client: reqwest::Client,
    negotiated: RwLock<HashMap<String, Version>>,
}

impl Gateway {
    pub fn new(merchants: Vec<Merchant>) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("buycard-gateway/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            merchants: merchants.into_iter().map(|m| (m.id.clone(), m)).collect(),
            feeds: feeds::Feeds::default(),
            client,
            negotiated: RwLock::new(HashMap::new()),
        })
    }

    /// The version to speak to `merchant` now.
    pub fn version(&self, merchant: &Merchant) -> Version {
        match merchant.version {
            VersionChoice::Pinned(version) => version,
            VersionChoice::Negotiate => self
                .negotiated
                .read()
                .ok()
                .and_then(|n| n.get(&merchant.id).copied())
                .unwrap_or(Version::CURRENT),
        }
    }

    fn remember(&self, merchant: &Merchant, version: Version) {
        if let Ok(mut negotiated) = self.negotiated.write() {
            negotiated.insert(merchant.id.clone(), version);
        }
        tracing::info!(merchant = %merchant.id, version = %version, "version negotiated");
    }
}

pub fn unknown_merchant() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "invalid_request",
        "merchant_not_found",
        "This platform does not sell for that merchant",
    )
}

/// The gateway's record of a session it opened: which merchant it belongs to, and the
/// signed-in buyer who opened it (a guest's session has none).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRecord {
    pub merchant: String,
    #[serde(default)]
    pub buyer: Option<String>,
}

/// The record of a session opened through this gateway at `merchant`, if the caller may use it:
/// a session a signed-in buyer opened answers only to that buyer's cookie. Anything else is
/// "not found", so the gateway is never an open door to a merchant's sessions.
async fn opened_here(
    app: &AppState,
    merchant: &Merchant,
    session: &str,
    headers: &HeaderMap,
) -> Result<SessionRecord, ApiError> {
    let record: Option<SessionRecord> = store::decode(app.store.gateway.get(session).await?)?;
    let buyer = match &record {
        Some(SessionRecord { buyer: Some(_), .. }) => {
            crate::wallet::signed_in(app, headers).await?
        }
        _ => None,
    };
    match record {
        Some(record)
            if record.merchant == merchant.id
                && (record.buyer.is_none() || record.buyer == buyer) =>
        {
            Ok(record)
        }
        _ => Err(ApiError::session_not_found()),
    }
}

fn merchant<'a>(app: &'a AppState, id: &str) -> Result<(&'a Gateway, &'a Merchant), ApiError> {
    let gateway = app.gateway.as_ref().ok_or_else(ApiError::route_not_found)?;
    let merchant = gateway.merchants.get(id).ok_or_else(unknown_merchant)?;
    Ok((gateway, merchant))
}

fn json(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(body)
        .map_err(|_| ApiError::bad_request("invalid", "The request body is not JSON", "$"))
}

/// The inbound call's `Idempotency-Key` and `Request-Id`, for the next hop.
fn hop(headers: &HeaderMap) -> forward::Hop {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    forward::Hop {
        idempotency_key: text("idempotency-key"),
        request_id: text("request-id").unwrap_or_default(),
    }
}

/// [`hop`] of a POST, which must carry an `Idempotency-Key` (ACP §6): it is what makes a retry
/// at any hop the same intent.
fn keyed_hop(headers: &HeaderMap) -> Result<forward::Hop, ApiError> {
    let hop = hop(headers);
    if hop.idempotency_key.is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "idempotency_key_required",
            "Idempotency-Key header is required",
        ));
    }
    Ok(hop)
}

fn segment(id: &str) -> String {
    // Session ids are opaque; keep them one path segment.
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn create(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (gateway, merchant) = merchant(&app, &id)?;
    let request = forward::Call::post("/checkout_sessions", Body::CreateRequest, json(&body)?);
    let answer = forward::checkout(gateway, merchant, &keyed_hop(&headers)?, request).await?;
    if let Some(session_id) = answer.body.get("id").and_then(Value::as_str) {
        let record = SessionRecord {
            merchant: merchant.id.clone(),
            buyer: crate::wallet::signed_in(&app, &headers).await?,
        };
        app.store
            .gateway
            .put(session_id, &store::encode(&record)?, now())
            .await?;
    }
    Ok(answer.into_response())
}

/// A POST about one session (`suffix` is "", "/complete" or "/cancel"), forwarded.
async fn session_post(
    app: &AppState,
    (id, session): (String, String),
    suffix: &str,
    kind: Body,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let (gateway, merchant) = merchant(app, &id)?;
    opened_here(app, merchant, &session, headers).await?;
    let path = format!("/checkout_sessions/{}{suffix}", segment(&session));
    let request = forward::Call::post(&path, kind, json(body)?);
    Ok(
        forward::checkout(gateway, merchant, &keyed_hop(headers)?, request)
            .await?
            .into_response(),
    )
}

async fn update(
    State(app): State<Arc<AppState>>,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    session_post(&app, ids, "", Body::UpdateRequest, &headers, &body).await
}

async fn complete(
    State(app): State<Arc<AppState>>,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    session_post(
        &app,
        ids,
        "/complete",
        Body::CompleteRequest,
        &headers,
        &body,
    )
    .await
}

async fn cancel(
    State(app): State<Arc<AppState>>,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    session_post(&app, ids, "/cancel", Body::CancelRequest, &headers, &body).await
}

async fn retrieve(
    State(app): State<Arc<AppState>>,
    Path((id, session)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (gateway, merchant) = merchant(&app, &id)?;
    opened_here(&app, merchant, &session, &headers).await?;
    let path = format!("/checkout_sessions/{}", segment(&session));
    let call = forward::Call::get(&path);
    Ok(forward::checkout(gateway, merchant, &hop(&headers), call)
        .await?
        .into_response())
}

async fn delegate_payment(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (gateway, merchant) = merchant(&app, &id)?;
    Ok(
        pay::delegate(gateway, merchant, &keyed_hop(&headers)?, json(&body)?)
            .await?
            .into_response(),
    )
}

/// The card speaks the current version to the gateway; the gateway speaks the merchant's.
async fn current_version_only(request: Request, next: Next) -> Response {
    let version = request
        .headers()
        .get("api-version")
        .and_then(|v| v.to_str().ok());
    if version == Some(Version::CURRENT.as_str()) {
        return next.run(request).await;
    }
    let mut error = ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        if version.is_some() {
            "unsupported_api_version"
        } else {
            "missing_api_version"
        },
        format!("This gateway speaks API-Version {}", Version::CURRENT),
    );
    error.body.supported_versions = Some(vec![Version::CURRENT.as_str().to_owned()]);
    error.into_response()
}

/// The gateway's routes (empty without a registry).
pub fn routes(state: &Arc<AppState>, config: &crate::Config) -> Router<Arc<AppState>> {
    let Some(gateway) = state.gateway.as_ref() else {
        return Router::new();
    };
    let feeds = Router::new()
        .route("/shops/{merchant}/feeds/{feed}", get(feeds::get_feed))
        .route(
            "/shops/{merchant}/feeds/{feed}/products",
            get(feeds::get_products),
        );
    let checkout = Router::new()
        .route("/shops/{merchant}/checkout_sessions", post(create))
        .route(
            "/shops/{merchant}/checkout_sessions/{id}",
            post(update).get(retrieve),
        )
        .route(
            "/shops/{merchant}/checkout_sessions/{id}/complete",
            post(complete),
        )
        .route(
            "/shops/{merchant}/checkout_sessions/{id}/cancel",
            post(cancel),
        )
        .route(
            "/shops/{merchant}/agentic_commerce/delegate_payment",
            post(delegate_payment),
        )
        .layer(from_fn(current_version_only))
        .layer(from_fn_with_state(
            state.clone(),
            crate::wallet::same_site_only,
        ))
        .layer(crate::checkout_cors(&config.allow_origins));
    // Estimates of a cart across this platform's merchants (the browser's or the account's).
    let cart = Router::new()
        .route("/wallet/cart/estimate", post(cart::estimate))
        .layer(from_fn_with_state(
            state.clone(),
            crate::wallet::same_site_only,
        ));
    let mut router = feeds
        .layer(crate::public_cors())
        .merge(checkout)
        .merge(cart);
    for merchant in gateway.merchants.values() {
        if let registry::FeedSource::Folder(dir) = &merchant.feed {
            router = router.nest_service(
                &format!("/shops/{}/media", merchant.id),
                tower_http::services::ServeDir::new(dir.join("media")),
            );
        }
    }
    router
}

/// Where a session opened through the gateway lives, if it was. A session a signed-in buyer
/// opened is another buyer's business: "not found" for anyone else.
pub async fn session_merchant<'a>(
    app: &'a AppState,
    session_id: &str,
    buyer: &str,
) -> Result<Option<(&'a Gateway, &'a Merchant)>, ApiError> {
    let Some(gateway) = app.gateway.as_ref() else {
        return Ok(None);
    };
    let record: Option<SessionRecord> = store::decode(app.store.gateway.get(session_id).await?)?;
    let Some(record) = record else {
        return Ok(None);
    };
    if record.buyer.as_deref().is_some_and(|b| b != buyer) {
        return Err(ApiError::session_not_found());
    }
    Ok(gateway
        .merchants
        .get(&record.merchant)
        .map(|merchant| (gateway, merchant)))
}

/// `buycard-server merchants list|check --registry FILE`: what the registry says (never its
/// secrets), and with `check`, whether every merchant's feed can be read now.
pub async fn admin((path, check): (&std::path::PathBuf, bool)) -> Result<(), String> {
    let merchants = registry::load(path).map_err(|e| e.to_string())?;
    let gateway = Gateway::new(merchants).map_err(|e| e.to_string())?;
    let mut problems = 0;
    for m in gateway.merchants.values() {
        let version = match m.version {
            VersionChoice::Pinned(v) => v.to_string(),
            VersionChoice::Negotiate => "negotiate".to_owned(),
        };
        let feed = match &m.feed {
            registry::FeedSource::Url(url) => url.clone(),
            registry::FeedSource::Folder(dir) => dir.display().to_string(),
        };
        println!(
            "{}\t{}\t{}\tACP {version}\tkey: {}\tsigned: {}\tfeed: {feed}\tpsp: {} ({})",
            m.id,
            m.name,
            m.checkout_url,
            if m.api_key.is_some() { "set" } else { "none" },
            if m.signing_secret.is_some() {
                "yes"
            } else {
                "no"
            },
            m.psp.url,
            m.psp.merchant_id,
        );
        if check {
            match feeds::read(&gateway.client, &m.feed, "").await {
                Ok(feed) => println!(
                    "  feed {:?}: {} products",
                    feed.metadata.id,
                    feed.products.len()
                ),
                Err(e) => {
                    problems += 1;
                    println!("  feed: {e}");
                }
            }
        }
    }
    if problems > 0 {
        return Err(format!("{problems} merchant(s) with problems"));
    }
    Ok(())
}
