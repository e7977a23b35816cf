//! Estimates for a cart that spans merchants: `POST /wallet/cart/estimate` with a stored cart
//! (`buycard::core::cart`'s format; a visitor's from the browser, or a signed-in buyer's).
//!
//! For each merchant of the cart:
//! - when the merchant speaks ACP 2026-04-17 (the only version with carts), the gateway keeps an
//!   ACP cart at the merchant in step with the buyer's lines (`POST /carts` once, `PUT
//!   /carts/{id}` after, its id remembered per signed-in buyer and merchant; a visitor's content
//!   is keyed by what it holds, so asking again creates nothing new) and answers the merchant's
//!   estimate: unit prices, sold-out lines, its subtotal and total;
//! - otherwise, or when the merchant's cart does not answer, it estimates from the merchant's
//!   ingested feed: current prices and availability, subtotal = the sum of the lines.
//!
//! Either way the answer says which (`source`), and that these are estimates until checkout.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use buycard::core::cart::{Cart, Loaded};
use buycard_acp::versions::{Body, Version};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::forward::{self, Call, Refused, Target};
use super::registry::Merchant;
use super::{Gateway, feeds::Feed};
use crate::error::ApiError;
use crate::store::{self, SessionWrite};
use crate::{AppState, now};

/// One line's estimate.
#[derive(Debug, Serialize)]
pub struct LineEstimate {
    pub product: String,
    pub variant: String,
    pub quantity: u32,
    /// Minor units of the shop's currency; `None` when the shop gave no price.
    pub unit_amount: Option<u64>,
    pub available: bool,
    /// The shop's words about this line (sold out, over the limit, unknown).
    pub message: Option<String>,
}

/// One shop's estimate.
#[derive(Debug, Serialize)]
pub struct ShopEstimate {
    pub endpoint: String,
    /// `merchant` (its ACP cart), `feed` (its feed's prices) or `unknown` (not on this platform).
    pub source: &'static str,
    /// The merchant's cart id, when the estimate is the merchant's.
    pub merchant_cart: Option<String>,
    pub currency: Option<String>,
    pub subtotal: Option<u64>,
    pub total: Option<u64>,
    pub lines: Vec<LineEstimate>,
}

/// Where a signed-in buyer's cart at a merchant is kept: a platform-cart row of its own.
fn merchant_cart_owner(owner: &str, merchant: &str) -> String {
    format!("{owner}\u{1f}merchant:{merchant}")
}

#[derive(Serialize, Deserialize)]
struct MerchantCartRef {
    cart_id: String,
}

/// The merchant of a cart line's endpoint (`/shops/{id}` on this host).
fn merchant_of<'a>(gateway: &'a Gateway, endpoint: &str) -> Option<&'a Merchant> {
    let id = endpoint.trim_end_matches('/').strip_prefix("/shops/")?;
    gateway.merchants.get(id)
}

pub async fn estimate(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("invalid", "The cart is not UTF-8", "$"))?;
    let Loaded { cart, notice } = Cart::from_json(text);
    if let Some(notice) = notice {
        return Err(ApiError::bad_request(
            "invalid",
            format!("The cart cannot be read: {notice:?}"),
            "$",
        ));
    }
    let gateway = app.gateway.as_ref().ok_or_else(ApiError::route_not_found)?;
    let owner = crate::wallet::signed_in(&app, &headers).await?;
    let mut shops = Vec::new();
    for group in cart.groups() {
        let lines: Vec<(String, String, u32)> = group
            .lines
            .iter()
            .map(|l| {
                (
                    l.key().product().to_owned(),
                    l.key().variant().to_owned(),
                    l.quantity(),
                )
            })
            .collect();
        let endpoint = group.endpoint.to_owned();
        let Some(merchant) = merchant_of(gateway, &endpoint) else {
            shops.push(unknown(endpoint, lines));
            continue;
        };
        let from_merchant = if gateway.version(merchant) == Version::CURRENT {
            match at_merchant(&app, gateway, merchant, owner.as_deref(), &lines).await {
                Ok(cart) => Some(from_cart(&endpoint, &lines, &cart)),
                Err(error) => {
                    tracing::info!(merchant = %merchant.id, %error, "no cart estimate from the merchant; using its feed");
                    None
                }
            }
        } else {
            None
        };
        shops.push(match from_merchant {
            Some(estimate) => estimate,
            None => from_feed(endpoint, lines, gateway.feeds.get(&merchant.id).as_deref()),
        });
    }
    Ok(Json(json!({ "shops": shops, "estimates": true })))
}

fn unknown(endpoint: String, lines: Vec<(String, String, u32)>) -> ShopEstimate {
    ShopEstimate {
        endpoint,
        source: "unknown",
        merchant_cart: None,
        currency: None,
        subtotal: None,
        total: None,
        lines: lines
            .into_iter()
            .map(|(product, variant, quantity)| LineEstimate {
                product,
                variant,
                quantity,
                unit_amount: None,
                available: false,
                message: Some("This shop is not on this platform".to_owned()),
            })
            .collect(),
    }
}

/// ACP 2026-04-17 `Item`s: the same id listed once per unit.
fn items(lines: &[(String, String, u32)]) -> Value {
    Value::Array(
        lines
            .iter()
            .flat_map(|(_, variant, quantity)| {
                std::iter::repeat_n(json!({ "id": variant }), *quantity as usize)
            })
            .collect(),
    )
}

/// The merchant's ACP cart for these lines, kept in step for a signed-in buyer.
async fn at_merchant(
    app: &AppState,
    gateway: &Gateway,
    merchant: &Merchant,
    owner: Option<&str>,
    lines: &[(String, String, u32)],
) -> Result<Value, ApiError> {
    let body = json!({ "line_items": items(lines) });
    let target = |path: &str| Target {
        url: format!("{}{path}", merchant.checkout_url),
        api_key: merchant.api_key.as_ref(),
        signing_secret: merchant.signing_secret.as_ref(),
        answer: Body::Cart,
    };
    let content_key = {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{}|{}|{body}", owner.unwrap_or(""), merchant.id));
        format!("cart-estimate-{digest:x}")
    };
    let hop = |key: Option<String>| forward::Hop {
        idempotency_key: key,
        request_id: String::new(),
    };
    let stored_ref = match owner {
        Some(owner) => {
            app.store
                .platform_carts
                .get(&merchant_cart_owner(owner, &merchant.id))
                .await?
        }
        None => None,
    };
    if let Some(stored) = &stored_ref
        && let Some(MerchantCartRef { cart_id }) = store::decode(Some(stored.doc.clone()))?
    {
        let path = format!("/carts/{cart_id}");
        let put = Call::put(&path, Body::CartUpdateRequest, body.clone());
        match forward::send(
            gateway,
            merchant,
            &target(&path),
            &hop(None),
            &put,
            Version::CURRENT,
        )
        .await
        {
            Ok(answer) => return Ok(answer.body),
            // Expired or canceled at the merchant: make a new one below.
            Err(Refused::Error(error)) if error.status == axum::http::StatusCode::NOT_FOUND => {}
            Err(refused) => return Err(refused.into_error()),
        }
    }
    let create = Call::post("/carts", Body::CartCreateRequest, body);
    let answer = forward::send(
        gateway,
        merchant,
        &target("/carts"),
        &hop(Some(content_key)),
        &create,
        Version::CURRENT,
    )
    .await
    .map_err(Refused::into_error)?;
    if let (Some(owner), Some(cart_id)) = (owner, answer.body.get("id").and_then(Value::as_str)) {
        let doc = store::encode(&MerchantCartRef {
            cart_id: cart_id.to_owned(),
        })?;
        let key = merchant_cart_owner(owner, &merchant.id);
        // Losing this race only means the next estimate makes one more merchant cart.
        let write = app
            .store
            .platform_carts
            .put(&key, stored_ref.map(|s| s.version), &doc, now())
            .await?;
        if write == SessionWrite::Stale {
            tracing::debug!(merchant = %merchant.id, "another request recorded the merchant cart first");
        }
    }
    Ok(answer.body)
}

/// The merchant's cart answer as this estimate's lines (matched by variant id) and totals.
fn from_cart(endpoint: &str, lines: &[(String, String, u32)], cart: &Value) -> ShopEstimate {
    let line_items = cart["line_items"].as_array().cloned().unwrap_or_default();
    let messages = cart["messages"].as_array().cloned().unwrap_or_default();
    let message_for = |index: usize| {
        let prefix = format!("$.line_items[{index}]");
        messages
            .iter()
            .find(|m| {
                m["type"] == "error"
                    && m["param"]
                        .as_str()
                        .is_some_and(|p| p == prefix || p.starts_with(&format!("{prefix}.")))
            })
            .and_then(|m| m["content"].as_str())
            .map(str::to_owned)
    };
    let by_variant: HashMap<&str, (usize, &Value)> = line_items
        .iter()
        .enumerate()
        .filter_map(|(i, li)| Some((li["item"]["id"].as_str()?, (i, li))))
        .collect();
    let total_of = |kind: &str| {
        cart["totals"].as_array().and_then(|totals| {
            totals
                .iter()
                .find(|t| t["type"] == kind)
                .and_then(|t| t["amount"].as_u64())
        })
    };
    ShopEstimate {
        endpoint: endpoint.to_owned(),
        source: "merchant",
        merchant_cart: cart["id"].as_str().map(str::to_owned),
        currency: cart["currency"].as_str().map(str::to_owned),
        subtotal: total_of("subtotal"),
        total: total_of("total"),
        lines: lines
            .iter()
            .map(|(product, variant, quantity)| {
                let found = by_variant.get(variant.as_str());
                let message = found.and_then(|(i, _)| message_for(*i));
                LineEstimate {
                    product: product.clone(),
                    variant: variant.clone(),
                    quantity: *quantity,
                    unit_amount: found.and_then(|(_, li)| li["unit_amount"].as_u64()),
                    available: found.is_some() && message.is_none(),
                    message: match found {
                        Some(_) => message,
                        None => Some("This shop does not know this item".to_owned()),
                    },
                }
            })
            .collect(),
    }
}

/// The merchant's feed as this estimate: current prices and availability.
fn from_feed(
    endpoint: String,
    lines: Vec<(String, String, u32)>,
    feed: Option<&Feed>,
) -> ShopEstimate {
    let variants: HashMap<&str, &buycard_acp::feed::Variant> = feed
        .map(|f| {
            f.products
                .iter()
                .flat_map(|p| p.variants.iter())
                .map(|v| (v.id.as_str(), v))
                .collect()
        })
        .unwrap_or_default();
    let mut currency = None;
    let mut subtotal: Option<u64> = Some(0);
    let lines = lines
        .into_iter()
        .map(|(product, variant, quantity)| {
            let found = variants.get(variant.as_str());
            let price = found.and_then(|v| v.price.as_ref());
            let available = found.is_some_and(|v| {
                v.availability
                    .as_ref()
                    .is_none_or(|a| a.available != Some(false))
            });
            if let Some(price) = price {
                let same = currency
                    .get_or_insert_with(|| price.currency.to_ascii_lowercase())
                    .eq_ignore_ascii_case(&price.currency);
                subtotal = match (subtotal, same) {
                    (Some(sum), true) => price
                        .amount
                        .checked_mul(u64::from(quantity))
                        .and_then(|line| sum.checked_add(line)),
                    _ => None,
                };
            } else {
                subtotal = None;
            }
            LineEstimate {
                product,
                variant,
                quantity,
                unit_amount: price.map(|p| p.amount),
                available,
                message: match (found, available) {
                    (None, _) => Some("This shop's feed does not list this item".to_owned()),
                    (Some(_), false) => Some("Sold out".to_owned()),
                    _ => None,
                },
            }
        })
        .collect();
    ShopEstimate {
        endpoint,
        source: "feed",
        merchant_cart: None,
        currency,
        subtotal,
        total: None,
        lines,
    }
}
