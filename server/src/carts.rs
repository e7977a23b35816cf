//! ACP carts (`rfc.cart.md`, API-Version 2026-04-17 only): `POST /carts` (201),
//! `GET /carts/{id}`, `PUT /carts/{id}` (full replacement), `POST /carts/{id}/cancel`.
//!
//! As with checkout sessions, a cart keeps only the buyer's choices ([`CartState`]) and every
//! answer is rendered fresh from them, the offers and the current stock: lines as checkout
//! renders them, totals that are estimates (the items only: tax and delivery need an address,
//! which a cart does not have; an info message says so), and a message for every line that
//! cannot be bought as asked (sold out, over the per-order limit, unknown, priced in another
//! currency). A line is never dropped: the agent decides what to do with it. Nothing is reserved.
//!
//! Writes are optimistic, as for sessions: a replacement or a cancel that read the cart before
//! another write committed runs again on the cart as it is now (a canceled cart stays canceled),
//! and one that keeps losing answers 409 `concurrent_update` with `Retry-After`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use buycard_acp::cart::{Cart, CartCreateRequest, CartUpdateRequest};
use buycard_acp::checkout::{Buyer, Item, LineItem, Message, Total, TotalType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::checkout::{json_response, parse, retrying};
use crate::error::ApiError;
use crate::idempotency::Ticket;
use crate::pricing::{self, Offer, Offers};
use crate::store::{self, SessionWrite, StoreError};
use crate::{AppState, now, rfc3339};

/// How long a cart lives after it was created or last replaced (the RFC: refresh on update).
pub const CART_TTL_SECS: i64 = 7 * 24 * 3600;

/// What every cart's estimate leaves out, and why.
const ESTIMATE_NOTE: &str = "Totals are estimates before tax and delivery, which checkout adds \
                             once there is a delivery address.";

/// A cart as stored: only what the buyer chose. Everything else is derived by [`price`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CartState {
    id: String,
    /// (variant id, quantity), in the order first listed, unknown ids included.
    items: Vec<(String, u32)>,
    buyer: Option<Buyer>,
    /// Given on create (an update has no locale); kept for the checkout the cart leads to.
    locale: Option<String>,
    /// Unix seconds.
    created_at: i64,
    expires_at: i64,
    /// Canceled carts are kept (their ids answer 404 from then on) but never shown again.
    canceled: bool,
    /// The stored version this state was read at (not part of the document; `None` before the
    /// cart is first stored): a write succeeds only if nobody else wrote in between.
    #[serde(skip)]
    version: Option<i64>,
}

/// A rendered cart, and what the create and update rules need to know about it.
struct Priced {
    cart: Cart,
    /// Lines the merchant knows, and lines that can be bought now in the cart's currency.
    known: usize,
    sellable: usize,
}

fn not_found(message: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "invalid_request",
        "not_found",
        message,
    )
}

/// The requested items as (id, quantity): the same id listed twice is two units.
fn chosen(items: &[Item]) -> Result<Vec<(String, u32)>, ApiError> {
    if items.is_empty() {
        // `minItems: 1` in both requests: an empty cart is a canceled one.
        return Err(ApiError::bad_request(
            "invalid",
            "At least one item is required (to empty a cart, cancel it)",
            "$.line_items",
        ));
    }
    Ok(pricing::quantities(items))
}

/// The stored cart, unless it does not exist, was canceled or has expired (all 404, as the RFC
/// says; the message tells which).
async fn load(app: &AppState, id: &str) -> Result<CartState, ApiError> {
    let stored = app.store.merchant_carts.get(id).await?;
    let stored = stored.ok_or_else(|| not_found("Cart not found"))?;
    let mut state: CartState = serde_json::from_str(&stored.doc).map_err(StoreError::from)?;
    state.version = Some(stored.version);
    if state.canceled {
        return Err(not_found("This cart was canceled"));
    }
    if state.expires_at <= now() {
        return Err(not_found("This cart has expired"));
    }
    Ok(state)
}

async fn render(app: &AppState, state: &CartState) -> Result<Priced, ApiError> {
    let ids: Vec<String> = state.items.iter().map(|(id, _)| id.clone()).collect();
    let stock = app.store.orders.stock(&ids).await?;
    Ok(price(state, &app.offers, &stock, &app.merchant.public_url))
}

/// The currency most offers are priced in: a cart of nothing the merchant knows still needs one.
fn default_currency(offers: &Offers) -> String {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for offer in offers.values() {
        *counts.entry(offer.currency.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(currency, _)| currency.to_owned())
        .unwrap_or_else(|| "usd".to_owned())
}

/// A line the cart cannot price: named if the merchant knows it, no amount, no totals.
fn unpriced(variant_id: &str, quantity: u32, offer: Option<&Offer>) -> LineItem {
    LineItem {
        id: pricing::line_id(variant_id),
        item: Item {
            id: variant_id.to_owned(),
            name: None,
            unit_amount: None,
        },
        quantity,
        name: offer.map(|o| o.name.clone()),
        description: None,
        images: None,
        unit_amount: None,
        product_id: offer.map(|o| o.product_id.clone()),
        variant_id: offer.map(|o| o.variant_id.clone()),
        availability_status: None,
        available_quantity: None,
        max_quantity_per_order: None,
        fulfillable_on: None,
        totals: Vec::new(),
        extra: Map::new(),
    }
}

/// The cart for `state`, given the offers and current stock (a variant with no stock row is not
/// stock-tracked). The currency is the seller's: that of the first line that can be bought (else
/// the first the merchant knows, else the one most offers are in).
fn price(
    state: &CartState,
    offers: &Offers,
    stock: &HashMap<String, i64>,
    public_url: &str,
) -> Priced {
    let known_offers = || state.items.iter().filter_map(|(id, _)| offers.get(id));
    let currency = known_offers()
        .find(|o| pricing::sellable(o, stock.get(&o.variant_id).copied()))
        .or_else(|| known_offers().next())
        .map(|o| o.currency.clone())
        .unwrap_or_else(|| default_currency(offers));
    let (mut line_items, mut messages) = (Vec::new(), Vec::new());
    let (mut subtotal, mut known, mut sellable) = (0i64, 0usize, 0usize);
    for (index, (variant_id, quantity)) in state.items.iter().enumerate() {
        let param = format!("$.line_items[{index}].item.id");
        let Some(offer) = offers.get(variant_id) else {
            messages.push(pricing::error(
                "not_found",
                &param,
                format!("The item '{variant_id}' is not sold here."),
            ));
            line_items.push(unpriced(variant_id, *quantity, None));
            continue;
        };
        known += 1;
        if offer.currency != currency {
            messages.push(pricing::error(
                "invalid",
                &param,
                format!(
                    "'{}' is sold in {}, and this cart is in {}: a cart, like a checkout, has \
                     one currency. Put it in a cart of its own.",
                    offer.name,
                    offer.currency.to_uppercase(),
                    currency.to_uppercase()
                ),
            ));
            line_items.push(unpriced(variant_id, *quantity, Some(offer)));
            continue;
        }
        let available = stock.get(variant_id).copied();
        if pricing::sellable(offer, available) {
            sellable += 1;
        }
        if let Some((code, content)) = pricing::availability_problem(offer, *quantity, available) {
            messages.push(pricing::error(code, &param, content));
        }
        subtotal += offer.unit_amount * i64::from(*quantity);
        line_items.push(pricing::line_item(offer, *quantity, available, None));
    }
    messages.push(Message {
        kind: "info".into(),
        code: None,
        severity: None,
        resolution: None,
        param: Some("$.totals".into()),
        content_type: "plain".into(),
        content: ESTIMATE_NOTE.into(),
    });
    let mut estimate = Total::new(TotalType::Total, "Estimated total", subtotal);
    estimate.description = Some("Before tax and delivery".into());
    Priced {
        cart: Cart {
            id: state.id.clone(),
            line_items,
            buyer: state.buyer.clone(),
            currency,
            totals: vec![
                Total::new(TotalType::ItemsBaseAmount, "Items", subtotal),
                Total::new(TotalType::Subtotal, "Subtotal", subtotal),
                estimate,
            ],
            messages,
            continue_url: Some(format!("{public_url}/carts/{}", state.id)),
            expires_at: Some(rfc3339(state.expires_at)),
        },
        known,
        sellable,
    }
}

/// A create or replacement where nothing can be bought is refused (the RFC's 422), naming why
/// for each line; the stored cart, if any, stays as it was.
fn refuse_if_nothing_sellable(priced: &Priced) -> Result<(), ApiError> {
    if priced.sellable > 0 {
        return Ok(());
    }
    let reasons: Vec<&str> = priced
        .cart
        .messages
        .iter()
        .filter(|m| m.kind == "error")
        .map(|m| m.content.as_str())
        .collect();
    // Nothing the merchant knows at all is a wrong id, not a stock problem.
    let code = if priced.known == 0 {
        "invalid_item_id"
    } else {
        "out_of_stock"
    };
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
        code,
        format!(
            "None of the requested items can be bought now. {}",
            reasons.join(" ")
        ),
    )
    .param("$.line_items"))
}

/// Another request wrote the cart between this one's read and its write.
fn cart_changed() -> ApiError {
    ApiError::changed_meanwhile("cart")
}

/// Stores the state (with the idempotency record of a POST, in one transaction) if nobody wrote
/// the cart since it was read, and answers with `cart`.
async fn save_and_reply(
    app: &AppState,
    state: &CartState,
    cart: &Cart,
    status: StatusCode,
    ticket: Option<Ticket>,
) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(cart).map_err(|_| ApiError::internal())?;
    let done = ticket.map(|t| t.done(status, &body));
    let doc = store::encode(state)?;
    let write = app
        .store
        .merchant_carts
        .put(&state.id, state.version, &doc, done.as_ref(), now())
        .await?;
    if write == SessionWrite::Stale {
        return Err(cart_changed());
    }
    Ok(json_response(status, body))
}

pub async fn create(
    State(app): State<Arc<AppState>>,
    Extension(ticket): Extension<Ticket>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CartCreateRequest = parse(&body)?;
    let created = now();
    let state = CartState {
        id: format!("cart_{}", uuid::Uuid::new_v4().simple()),
        items: chosen(&request.line_items)?,
        buyer: request.buyer,
        locale: request.locale,
        created_at: created,
        expires_at: created + CART_TTL_SECS,
        canceled: false,
        version: None,
    };
    let priced = render(&app, &state).await?;
    refuse_if_nothing_sellable(&priced)?;
    save_and_reply(
        &app,
        &state,
        &priced.cart,
        StatusCode::CREATED,
        Some(ticket),
    )
    .await
}

pub async fn retrieve(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let state = load(&app, &id).await?;
    let priced = render(&app, &state).await?;
    let body = serde_json::to_vec(&priced.cart).map_err(|_| ApiError::internal())?;
    Ok(json_response(StatusCode::OK, body))
}

/// Full replacement: the items and the buyer are what the request says (a buyer left out is no
/// buyer); the locale, which an update cannot carry, stays. The expiry starts again. PUT is
/// idempotent by itself, so it takes no `Idempotency-Key` (ACP keys POSTs). A replacement that
/// read the cart before another write committed runs again on the cart as it is now: after a
/// cancel it is the canceled cart's 404, never the cart brought back, and of two replacements at
/// once the later one is the cart, whole.
pub async fn update(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CartUpdateRequest = parse(&body)?;
    let items = chosen(&request.line_items)?;
    retrying(|| async {
        let mut state = load(&app, &id).await?;
        state.items = items.clone();
        state.buyer = request.buyer.clone();
        state.expires_at = now() + CART_TTL_SECS;
        let priced = render(&app, &state).await?;
        refuse_if_nothing_sellable(&priced)?;
        save_and_reply(&app, &state, &priced.cart, StatusCode::OK, None).await
    })
    .await
}

/// Answers the cart as it was, then it is gone: later operations on its id are 404.
pub async fn cancel(
    State(app): State<Arc<AppState>>,
    Extension(ticket): Extension<Ticket>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    // Empty or `{}`; a member was already refused by name (dialect), so only the shape is left.
    if !body.is_empty() {
        let _: Map<String, Value> = parse(&body)?;
    }
    retrying(|| async {
        let mut state = load(&app, &id).await?;
        let priced = render(&app, &state).await?;
        state.canceled = true;
        save_and_reply(
            &app,
            &state,
            &priced.cart,
            StatusCode::OK,
            Some(ticket.clone()),
        )
        .await
    })
    .await
}
