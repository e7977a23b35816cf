//! The platform wallet: the host site's side of one-click, as Twitter kept a buyer's details for
//! its Buy button. A host site implements this small API; the reference server ships a demo:
//!
//! - `POST /wallet/sign_in {"buyer_id"}`: demo sign-in; sets an HttpOnly, SameSite cookie.
//! - `POST /wallet/sign_out`.
//! - `GET /wallet/buyer`: 200 with the saved buyer, `fulfillment_details` and payment method
//!   (`id`, brand, last 4, expiry); 204 when the signed-in visitor has nothing saved; 401 when
//!   nobody is signed in (the card then checks out as a guest).
//! - `POST /wallet/payment_methods {card, billing_address?, save, buyer?, fulfillment_details?}`:
//!   vaults the card at the PSP and returns the payment method; with `save: true` the buyer's
//!   details are kept and the next purchase is one-click.
//! - `POST /wallet/payment_token {payment_method_id, checkout_session_id, merchant_id, max_amount,
//!   currency}`: a single-use ACP delegated token for exactly that session and amount.
//!
//! - `POST /wallet/demo/reset`: demo only (`--demo-reset`): the demo buyers as `buyers.json` has
//!   them, every card saved since forgotten.
//!
//! Every POST must come from an allowed origin (the host site's pages): a third-party page cannot
//! spend a signed-in buyer's card. The merchant never sees a card number.

use std::path::Path;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use buycard_acp::checkout::{Address, Buyer, FulfillmentDetails};
use buycard_acp::delegate_payment::{Allowance, PaymentMethodCard};
use buycard_acp::wallet::{PaymentMethod, SavedBuyer};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::checkout::parse;
use crate::error::ApiError;
use crate::gateway::forward::Hop;
use crate::gateway::pay::{SavedCard, saved_card_token};
use crate::psp::{self, VaultCard};
use crate::store::{self, Store};
use crate::vault::VaultKey;
use crate::{AppState, now, rfc3339};

const COOKIE: &str = "buycard_wallet";
/// How long a minted token may wait before `complete`.
const TOKEN_TTL_SECS: i64 = 15 * 60;

/// The PSP's record of a payment method (no number).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredMethod {
    pub id: String,
    pub owner: String,
    pub card: VaultCard,
    pub billing_address: Option<Address>,
    /// The number, sealed under the vault key ([`crate::vault`]), so the card can be forwarded
    /// to the PSP of a merchant reached through the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl StoredMethod {
    fn public(&self) -> PaymentMethod {
        PaymentMethod {
            id: self.id.clone(),
            brand: self.card.brand.clone(),
            last4: self.card.last4.clone(),
            exp_month: self.card.exp_month.clone(),
            exp_year: self.card.exp_year.clone(),
        }
    }
}

/// What the wallet remembers of a buyer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Saved {
    pub buyer: Option<Buyer>,
    pub fulfillment_details: Option<FulfillmentDetails>,
    pub payment_method_id: Option<String>,
}

/// A card as the buyer typed it. `Debug` is written by hand so it can never print the number.
#[derive(Deserialize)]
struct CardInput {
    number: String,
    exp_month: String,
    exp_year: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    cvc: Option<String>,
}

impl CardInput {
    fn as_acp(&self) -> PaymentMethodCard {
        PaymentMethodCard::typed(
            self.number.clone(),
            self.exp_month.clone(),
            self.exp_year.clone(),
            self.name.clone(),
            self.cvc.clone(),
        )
    }
}

impl std::fmt::Debug for CardInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardInput { [redacted] }")
    }
}

#[derive(Debug, Deserialize)]
struct DemoBuyer {
    id: String,
    buyer: Option<Buyer>,
    fulfillment_details: Option<FulfillmentDetails>,
    card: Option<CardInput>,
}

/// The demo buyers of the catalog's `buyers.json`, as the wallet keeps them on first start.
#[derive(Debug, Default)]
pub struct DemoWallets {
    path: std::path::PathBuf,
    buyers: Vec<DemoBuyer>,
}

impl DemoWallets {
    /// Reads `dir/buyers.json`; none when the file is missing (every visitor starts empty).
    pub fn load(dir: &Path) -> Result<Self, crate::ServeError> {
        let path = dir.join("buyers.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(Self::default());
        };
        let buyers = serde_json::from_str(&text).map_err(|source| {
            crate::catalog::CatalogError::Metadata {
                path: path.clone(),
                source,
            }
        })?;
        Ok(Self { path, buyers })
    }

    /// Each demo buyer's wallet, and its card as the PSP keeps it (the number only sealed).
    fn wallets(
        &self,
        vault: &VaultKey,
    ) -> Result<Vec<(String, Saved, Option<StoredMethod>)>, crate::ServeError> {
        let today = (2026, 1);
        let mut out = Vec::with_capacity(self.buyers.len());
        for demo in &self.buyers {
            let mut saved = Saved {
                buyer: demo.buyer.clone(),
                fulfillment_details: demo.fulfillment_details.clone(),
                payment_method_id: None,
            };
            let method = match &demo.card {
                Some(demo_card) => {
                    let card = psp::vault(&demo_card.as_acp(), today).map_err(|e| {
                        crate::ServeError::Io(std::io::Error::other(format!(
                            "{}: buyer {}: {e}",
                            self.path.display(),
                            demo.id
                        )))
                    })?;
                    let method = StoredMethod {
                        id: format!("pm_{}", demo.id),
                        owner: demo.id.clone(),
                        sealed_number: Some(vault.seal(&demo_card.number)),
                        name: demo_card.name.clone(),
                        card,
                        billing_address: saved
                            .fulfillment_details
                            .as_ref()
                            .and_then(|f| f.address.clone()),
                    };
                    saved.payment_method_id = Some(method.id.clone());
                    Some(method)
                }
                None => None,
            };
            out.push((demo.id.clone(), saved, method));
        }
        Ok(out)
    }
}

/// Seeds the demo buyers of `buyers.json` (once: existing wallets are kept). Cards go to the
/// vault: the number only sealed.
pub async fn seed(dir: &Path, store: &Store, vault: &VaultKey) -> Result<(), crate::ServeError> {
    for (id, saved, method) in DemoWallets::load(dir)?.wallets(vault)? {
        if store.wallet.buyer(&id).await?.is_some() {
            continue;
        }
        match method {
            Some(method) => {
                store
                    .wallet
                    .save_method(
                        (&method.id, &store::encode(&method)?),
                        (&id, &store::encode(&saved)?),
                        now(),
                    )
                    .await?
            }
            None => {
                store
                    .wallet
                    .create_buyer(&id, &store::encode(&saved)?, now())
                    .await?;
            }
        }
    }
    Ok(())
}

/// `POST /wallet/demo/reset`, mounted only with `--demo-reset` (the preview and the tests):
/// every wallet goes back to what `buyers.json` says, in one transaction. Cards and details
/// anyone saved since (the new buyer's, a test's) are forgotten; who is signed in stays so.
pub async fn demo_reset(State(app): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let demo = app
        .demo_wallets
        .as_ref()
        .ok_or_else(ApiError::route_not_found)?;
    let (mut buyers, mut methods) = (Vec::new(), Vec::new());
    for (id, saved, method) in demo.wallets(&app.vault_key).map_err(|e| {
        tracing::error!("demo reset: {e}");
        ApiError::internal()
    })? {
        if let Some(method) = method {
            methods.push((method.id.clone(), store::encode(&method)?));
        }
        buyers.push((id, store::encode(&saved)?));
    }
    app.store.wallet.reset(&buyers, &methods, now()).await?;
    tracing::info!("demo wallet reset to buyers.json");
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The buyer the visitor's wallet cookie signs in, if any (sign-ins are rows, so any instance
/// knows them).
pub(crate) async fn signed_in(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Option<String>, ApiError> {
    let Some(token) = cookie(headers) else {
        return Ok(None);
    };
    Ok(app.store.wallet.signed_in(&token, now()).await?)
}

fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_request",
        "sign_in_required",
        "Sign in to use the wallet",
    )
}

/// Wallet POSTs only from the host site's own pages: an allowed origin, or this server's own.
pub async fn same_site_only(
    State(app): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let headers = request.headers();
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let own = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|host| format!("http://{host}"));
    let cross_site =
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
    let allowed = origin
        .is_some_and(|o| own.as_deref() == Some(o) || app.allow_origins.iter().any(|a| a == o));
    if allowed && !cross_site {
        next.run(request).await
    } else {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_request",
            "cross_site_request",
            "Wallet requests must come from the host site's own pages",
        )
        .into_response()
    }
}

#[derive(Deserialize)]
struct SignIn {
    buyer_id: String,
}

pub async fn sign_in(State(app): State<Arc<AppState>>, body: Bytes) -> Result<Response, ApiError> {
    let SignIn { buyer_id } = parse(&body)?;
    if buyer_id.is_empty()
        || buyer_id.len() > 64
        || !buyer_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::bad_request(
            "invalid",
            "buyer_id must be 1 to 64 letters, digits, - or _",
            "$.buyer_id",
        ));
    }
    // A first sign-in opens an empty wallet.
    app.store
        .wallet
        .create_buyer(&buyer_id, &store::encode(&Saved::default())?, now())
        .await?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    app.store.wallet.sign_in(&token, &buyer_id, now()).await?;
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
    let mut response = Json(json!({"buyer_id": buyer_id})).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::internal())?,
    );
    Ok(response)
}

pub async fn sign_out(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = cookie(&headers) {
        app.store.wallet.sign_out(&token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("buycard_wallet=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

async fn saved(app: &AppState, buyer_id: &str) -> Result<Saved, ApiError> {
    let saved: Option<Saved> = store::decode(app.store.wallet.buyer(buyer_id).await?)?;
    Ok(saved.unwrap_or_default())
}

async fn method(app: &AppState, id: &str) -> Result<Option<StoredMethod>, ApiError> {
    Ok(store::decode(app.store.vault.payment_method(id).await?)?)
}

pub async fn buyer(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Signed out: 401, so the card takes the guest path (the card to the merchant's PSP, no
    // "save for one-click"); signed in with nothing saved: 204, the new-buyer path with saving.
    let buyer_id = signed_in(&app, &headers).await?.ok_or_else(unauthorized)?;
    let saved = saved(&app, &buyer_id).await?;
    let method = match &saved.payment_method_id {
        Some(id) => method(&app, id).await?,
        None => None,
    };
    match (saved.buyer, method) {
        (Some(buyer), Some(method)) => Ok(Json(SavedBuyer {
            buyer,
            fulfillment_details: saved.fulfillment_details,
            payment_method: method.public(),
        })
        .into_response()),
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

#[derive(Debug, Deserialize)]
struct NewMethod {
    card: CardInput,
    #[serde(default)]
    billing_address: Option<Address>,
    #[serde(default)]
    save: bool,
    #[serde(default)]
    buyer: Option<Buyer>,
    #[serde(default)]
    fulfillment_details: Option<FulfillmentDetails>,
}

pub async fn add_payment_method(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let buyer_id = signed_in(&app, &headers).await?.ok_or_else(unauthorized)?;
    let request: NewMethod = parse(&body)?;
    let today = {
        let t = time::OffsetDateTime::now_utc();
        (t.year(), u8::from(t.month()))
    };
    let card = psp::vault(&request.card.as_acp(), today).map_err(|mut e| {
        // The wallet's field is `card`, not ACP's `payment_method`.
        e.body.param = e
            .body
            .param
            .map(|p| p.replace("$.payment_method", "$.card"));
        e
    })?;
    let method = StoredMethod {
        id: format!("pm_{}", uuid::Uuid::new_v4().simple()),
        owner: buyer_id.clone(),
        sealed_number: Some(app.vault_key.seal(&request.card.number)),
        name: request.card.name.clone(),
        card,
        billing_address: request.billing_address,
    };
    let public = method.public();
    let mut wallet = saved(&app, &buyer_id).await?;
    if request.save {
        wallet.payment_method_id = Some(method.id.clone());
        if request.buyer.is_some() {
            wallet.buyer = request.buyer;
        }
        if request.fulfillment_details.is_some() {
            wallet.fulfillment_details = request.fulfillment_details;
        }
    }
    app.store
        .wallet
        .save_method(
            (&method.id, &store::encode(&method)?),
            (&buyer_id, &store::encode(&wallet)?),
            now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(public)).into_response())
}

#[derive(Debug, Deserialize)]
struct TokenRequest {
    payment_method_id: String,
    checkout_session_id: String,
    merchant_id: String,
    max_amount: i64,
    currency: String,
}

pub async fn payment_token(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let buyer_id = signed_in(&app, &headers).await?.ok_or_else(unauthorized)?;
    let request: TokenRequest = parse(&body)?;
    let method = method(&app, &request.payment_method_id)
        .await?
        .filter(|m| m.owner == buyer_id)
        .ok_or_else(|| {
            ApiError::bad_request("invalid", "Unknown payment method", "$.payment_method_id")
        })?;
    // A whole number of minutes past a quarter hour, so a retried request (same
    // Idempotency-Key) forwards the same body to a merchant's PSP.
    let expires = (now() / 900) * 900 + TOKEN_TTL_SECS + 900;
    let allowance = Allowance {
        reason: "one_time".into(),
        max_amount: request.max_amount,
        currency: request.currency.to_ascii_lowercase(),
        checkout_session_id: request.checkout_session_id,
        merchant_id: request.merchant_id,
        expires_at: rfc3339(expires),
    };
    let token =
        match crate::gateway::session_merchant(&app, &allowance.checkout_session_id, &buyer_id)
            .await?
        {
            // A session opened through the gateway: the card is forwarded to that merchant's PSP.
            Some((gateway, merchant)) => {
                let number = method
                    .sealed_number
                    .as_deref()
                    .and_then(|sealed| app.vault_key.open(sealed))
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "card_not_forwardable",
                            "This saved card must be entered again to pay this shop",
                            "$.payment_method_id",
                        )
                    })?;
                let card = SavedCard {
                    number,
                    exp_month: method.card.exp_month.clone(),
                    exp_year: method.card.exp_year.clone(),
                    name: method.name.clone(),
                };
                let hop = Hop {
                    idempotency_key: headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                    request_id: headers
                        .get("request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned(),
                };
                saved_card_token(gateway, merchant, &hop, card, allowance).await?
            }
            None => psp::issue(&app, method.card, allowance, None).await?.0.id,
        };
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "expires_at": rfc3339(expires)})),
    )
        .into_response())
}
