//! The platform's cart for a signed-in buyer: one cart across merchants, kept next to the wallet
//! so it follows the buyer from device to device and survives a reload. A visitor's cart lives
//! in the browser and is merged in here on sign-in.
//!
//! The model is the card's own (`buycard::core::cart`), so the browser and the platform agree on
//! limits, merging and the stored format (`{"v":1,"lines":[…]}`), which is also the wire format:
//!
//! - `GET /wallet/cart`: 200 with the cart (empty if none yet); 401 when nobody is signed in.
//! - `POST /wallet/cart/add`: a stored cart of the lines to add → the account's cart.
//! - `POST /wallet/cart/set {endpoint, feed, product, variant, quantity}`: 0 removes.
//! - `POST /wallet/cart/remove {keys: [{endpoint, feed, product, variant}]}`: after orders.
//! - `POST /wallet/cart/merge`: the visitor's stored cart → `{cart, left_out}`.
//!
//! Every POST goes through the wallet's same-site check and its idempotency layer (a resent
//! merge merges once). Writes are optimistic: two tabs adding at once both count, and a write
//! that keeps losing answers 409 with `Retry-After`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use buycard::core::cart::{Cart, CartError, LineKey, Loaded};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::checkout::parse;
use crate::error::ApiError;
use crate::store::SessionWrite;
use crate::{AppState, now};

/// How many times a write that lost to another tab is tried again.
const RETRIES: usize = 3;

fn signed_out() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_request",
        "sign_in_required",
        "Sign in to keep a cart on this site; a visitor's cart stays in the browser",
    )
}

fn invalid(message: impl Into<String>, param: &str) -> ApiError {
    ApiError::bad_request("invalid", message, param)
}

fn cart_error(error: CartError, param: &str) -> ApiError {
    match error {
        CartError::Full => ApiError::bad_request("cart_full", error.to_string(), param),
        other => invalid(other.to_string(), param),
    }
}

/// A stored cart sent by the browser: every line must be readable.
fn read_cart(body: &[u8], param: &str) -> Result<Cart, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| invalid("The cart is not UTF-8", param))?;
    match Cart::from_json(text) {
        Loaded { cart, notice: None } => Ok(cart),
        Loaded {
            notice: Some(notice),
            ..
        } => Err(invalid(
            format!("The cart cannot be read: {notice:?}"),
            param,
        )),
    }
}

fn reply(cart: &Cart) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], cart.to_json()).into_response()
}

async fn owner(app: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    crate::wallet::signed_in(app, headers)
        .await?
        .ok_or_else(signed_out)
}

/// The buyer's cart and the version it was read at (`None`: never written).
async fn load(app: &AppState, owner: &str) -> Result<(Cart, Option<i64>), ApiError> {
    match app.store.platform_carts.get(owner).await? {
        None => Ok((Cart::new(), None)),
        Some(stored) => {
            let Loaded { cart, notice } = Cart::from_json(&stored.doc);
            if let Some(notice) = notice {
                // Written by this server, so only a newer release could cause it: keep what
                // could be read rather than refuse the buyer their cart.
                tracing::warn!(?notice, "a stored platform cart was read partly");
            }
            Ok((cart, Some(stored.version)))
        }
    }
}

/// Reads the buyer's cart, applies `change`, and writes it back at the version read; runs again
/// if another request wrote first.
async fn change<T>(
    app: &AppState,
    owner: &str,
    mut change: impl FnMut(&mut Cart) -> Result<T, ApiError>,
) -> Result<(Cart, T), ApiError> {
    for _ in 0..RETRIES {
        let (mut cart, version) = load(app, owner).await?;
        let outcome = change(&mut cart)?;
        match app
            .store
            .platform_carts
            .put(owner, version, &cart.to_json(), now())
            .await?
        {
            SessionWrite::Written(_) => return Ok((cart, outcome)),
            SessionWrite::Stale => continue,
        }
    }
    Err(ApiError::changed_meanwhile("cart"))
}

fn now_ms() -> u64 {
    u64::try_from(now()).unwrap_or(0).saturating_mul(1000)
}

pub async fn get_cart(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = owner(&app, &headers).await?;
    let (cart, _) = load(&app, &owner).await?;
    Ok(reply(&cart))
}

pub async fn add(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let owner = owner(&app, &headers).await?;
    let adding = read_cart(&body, "$.lines")?;
    if adding.is_empty() {
        return Err(invalid("Nothing to add", "$.lines"));
    }
    let (cart, ()) = change(&app, &owner, |cart| {
        for (index, line) in adding.lines().iter().enumerate() {
            cart.add(
                line.key().clone(),
                line.estimate().clone(),
                line.quantity(),
                now_ms(),
            )
            .map_err(|e| cart_error(e, &format!("$.lines[{index}]")))?;
        }
        Ok(())
    })
    .await?;
    Ok(reply(&cart))
}

#[derive(Deserialize)]
struct SetQuantity {
    #[serde(flatten)]
    key: LineKey,
    quantity: u32,
}

pub async fn set(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let owner = owner(&app, &headers).await?;
    let SetQuantity { key, quantity } = parse(&body)?;
    let (cart, ()) = change(&app, &owner, |cart| {
        cart.set_quantity(&key, quantity)
            .map(|_| ())
            .map_err(|e| match e {
                CartError::NotInCart => ApiError::new(
                    StatusCode::NOT_FOUND,
                    "invalid_request",
                    "not_in_cart",
                    "This product is not in the cart",
                ),
                other => cart_error(other, "$.quantity"),
            })
    })
    .await?;
    Ok(reply(&cart))
}

#[derive(Deserialize)]
struct Remove {
    keys: Vec<LineKey>,
}

pub async fn remove(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let owner = owner(&app, &headers).await?;
    let Remove { keys } = parse(&body)?;
    let (cart, ()) = change(&app, &owner, |cart| {
        cart.remove_all(&keys);
        Ok(())
    })
    .await?;
    Ok(reply(&cart))
}

pub async fn merge(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let owner = owner(&app, &headers).await?;
    let visitor = read_cart(&body, "$")?;
    let (cart, left_out) = change(&app, &owner, |cart| {
        let merged = Cart::merge(&visitor, cart);
        *cart = merged.cart;
        Ok(merged.left_out)
    })
    .await?;
    let cart: Value = serde_json::from_str(&cart.to_json()).map_err(|_| ApiError::internal())?;
    Ok(Json(json!({ "cart": cart, "left_out": left_out })).into_response())
}
