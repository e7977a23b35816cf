//! The buy flow's effect runner: turns a [`Request`] of the pure state machine into HTTP calls
//! to the ACP backend (`endpoint`) and the host's wallet API (`wallet`), with a timeout, and
//! turns the answer into an [`Outcome`]. All decisions stay in `core::flow`.

use buycard_acp::ErrorResponse;
use buycard_acp::checkout::{
    CheckoutSession, CheckoutSessionCreateRequest, CheckoutSessionUpdateRequest,
};
use gloo_net::http::{Method, RequestBuilder};
use serde::Deserialize;
use serde_json::json;
use wasm_bindgen::JsValue;
use web_sys::RequestCredentials;

use super::track::Deadline;
use crate::core::checkout_error::CheckoutError;
use crate::core::flow::{Outcome, Request, SavedBuyer};

/// How long one request may take before it counts as lost.
pub const TIMEOUT_MS: i32 = 15_000;

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// ACP base URL, without a trailing slash.
    pub endpoint: String,
    /// Wallet API base URL, without a trailing slash.
    pub wallet: Option<String>,
}

struct Answer {
    status: u16,
    retry_after: Option<u32>,
    body: String,
}

async fn call(
    method: Method,
    url: &str,
    key: Option<&str>,
    body: Option<String>,
    wallet: bool,
) -> Result<Answer, CheckoutError> {
    let deadline = Deadline::new(TIMEOUT_MS).ok_or(CheckoutError::Network)?;
    let mut builder = RequestBuilder::new(url)
        .method(method)
        .abort_signal(Some(&deadline.signal()))
        .header("Accept", "application/json");
    if wallet {
        // The wallet knows the buyer by the host site's cookie.
        builder = builder.credentials(RequestCredentials::Include);
    } else {
        builder = builder.header("API-Version", buycard_acp::API_VERSION);
    }
    if let Some(key) = key {
        builder = builder.header("Idempotency-Key", key);
    }
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body),
        None => builder.build(),
    }
    .map_err(|_| CheckoutError::Network)?;
    let response = request.send().await.map_err(|_| CheckoutError::Network)?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.trim().parse().ok());
    let body = response.text().await.map_err(|_| CheckoutError::Network)?;
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

fn failure(answer: &Answer) -> CheckoutError {
    let body: Option<ErrorResponse> = serde_json::from_str(&answer.body).ok();
    CheckoutError::classify(answer.status, body.as_ref()).with_retry_after(answer.retry_after)
}

/// A wallet's refusal is the buyer's sign-in, not the shop's policy.
fn wallet_failure(answer: &Answer) -> CheckoutError {
    match failure(answer) {
        CheckoutError::Unauthorized => CheckoutError::WalletRefused,
        other => other,
    }
}

/// The flow sends wallet requests only when the card has a wallet.
fn no_wallet() -> Outcome {
    Outcome::Failed(CheckoutError::Invalid {
        code: "no_wallet".into(),
        param: None,
    })
}

fn session(answer: Answer) -> Outcome {
    if !(200..300).contains(&answer.status) {
        return Outcome::Failed(failure(&answer));
    }
    match serde_json::from_str::<CheckoutSession>(&answer.body) {
        Ok(session) => Outcome::Session(Box::new(session)),
        Err(_) => Outcome::Failed(CheckoutError::Invalid {
            code: "unreadable_session".into(),
            param: None,
        }),
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: String,
}

#[derive(Deserialize)]
struct MethodAnswer {
    id: String,
}

/// Runs one request to its outcome.
pub async fn run(backend: &Backend, request: &Request) -> Outcome {
    match perform(backend, request).await {
        Ok(outcome) => outcome,
        Err(error) => Outcome::Failed(error),
    }
}

async fn perform(backend: &Backend, request: &Request) -> Result<Outcome, CheckoutError> {
    let acp = |path: &str| format!("{}{path}", backend.endpoint);
    let wallet = |path: &str| backend.wallet.as_ref().map(|w| format!("{w}{path}"));
    fn to_json<T: serde::Serialize>(value: &T) -> Result<String, CheckoutError> {
        serde_json::to_string(value).map_err(|_| CheckoutError::Network)
    }
    Ok(match request {
        Request::Wallet => {
            let Some(url) = wallet("/buyer") else {
                return Ok(Outcome::Wallet(None));
            };
            let answer = call(Method::GET, &url, None, None, true).await?;
            match answer.status {
                200 => Outcome::Wallet(
                    serde_json::from_str::<SavedBuyer>(&answer.body)
                        .ok()
                        .map(Box::new),
                ),
                204 | 401 | 404 => Outcome::Wallet(None),
                _ => Outcome::Failed(wallet_failure(&answer)),
            }
        }
        Request::Create {
            key,
            items,
            currency,
            buyer,
            fulfillment_details,
        } => {
            let body = CheckoutSessionCreateRequest {
                buyer: buyer.clone(),
                line_items: items.clone(),
                currency: currency.clone(),
                fulfillment_details: fulfillment_details.clone(),
                capabilities: json!({}),
                locale: None,
                extra: Default::default(),
            };
            session(
                call(
                    Method::POST,
                    &acp("/checkout_sessions"),
                    Some(key),
                    Some(to_json(&body)?),
                    false,
                )
                .await?,
            )
        }
        Request::Update {
            key,
            session_id,
            buyer,
            fulfillment_details,
            selected,
        } => {
            let body = CheckoutSessionUpdateRequest {
                buyer: buyer.clone(),
                fulfillment_details: fulfillment_details.clone(),
                selected_fulfillment_options: selected.clone(),
                ..Default::default()
            };
            let url = acp(&format!(
                "/checkout_sessions/{}",
                crate::core::url::encode_segment(session_id)
            ));
            session(call(Method::POST, &url, Some(key), Some(to_json(&body)?), false).await?)
        }
        Request::DelegateCard {
            key,
            card,
            session_id,
            merchant_id,
            amount,
            currency,
        } => {
            // No wallet: ACP delegate payment at the merchant's payment provider.
            let expires = js_sys::Date::new(&JsValue::from_f64(
                js_sys::Date::now() + 15.0 * 60.0 * 1000.0,
            ));
            let body = json!({
                "payment_method": {"type": "card", "card_number_type": "fpan", "virtual": false,
                    "number": card.number, "exp_month": card.exp_month, "exp_year": card.exp_year,
                    "name": card.name, "cvc": card.cvc, "display_card_funding_type": "credit", "metadata": {}},
                "allowance": {"reason": "one_time", "max_amount": amount, "currency": currency,
                    "checkout_session_id": session_id, "merchant_id": merchant_id,
                    "expires_at": String::from(expires.to_iso_string())},
                "risk_signals": [{"type": "card_testing", "score": 0, "action": "authorized"}],
                "metadata": {"source": "buycard"}
            });
            let answer = call(
                Method::POST,
                &acp("/agentic_commerce/delegate_payment"),
                Some(key),
                Some(body.to_string()),
                false,
            )
            .await?;
            match (
                answer.status,
                serde_json::from_str::<MethodAnswer>(&answer.body),
            ) {
                (200..=299, Ok(token)) => Outcome::Token(token.id),
                _ => Outcome::Failed(failure(&answer)),
            }
        }
        Request::AddPaymentMethod { key, details } => {
            let Some(url) = wallet("/payment_methods") else {
                return Ok(no_wallet());
            };
            let card = &details.card;
            let body = json!({
                "card": {"number": card.number, "exp_month": card.exp_month, "exp_year": card.exp_year,
                         "cvc": card.cvc, "name": card.name},
                "save": details.save,
                "buyer": details.buyer,
                "fulfillment_details": details.fulfillment_details,
            });
            let answer = call(Method::POST, &url, Some(key), Some(body.to_string()), true).await?;
            match (
                answer.status,
                serde_json::from_str::<MethodAnswer>(&answer.body),
            ) {
                (200..=299, Ok(method)) => Outcome::PaymentMethod(method.id),
                _ => Outcome::Failed(wallet_failure(&answer)),
            }
        }
        Request::Token {
            key,
            payment_method_id,
            session_id,
            merchant_id,
            amount,
            currency,
        } => {
            let Some(url) = wallet("/payment_token") else {
                return Ok(no_wallet());
            };
            let body = json!({"payment_method_id": payment_method_id, "checkout_session_id": session_id,
                              "merchant_id": merchant_id, "max_amount": amount, "currency": currency});
            let answer = call(Method::POST, &url, Some(key), Some(body.to_string()), true).await?;
            match (
                answer.status,
                serde_json::from_str::<TokenAnswer>(&answer.body),
            ) {
                (200..=299, Ok(token)) => Outcome::Token(token.token),
                _ => Outcome::Failed(wallet_failure(&answer)),
            }
        }
        Request::Complete {
            key,
            session_id,
            handler_id,
            token,
            authentication,
        } => {
            let mut body = json!({"payment_data": {"handler_id": handler_id,
                "instrument": {"type": "card", "credential": {"type": "spt", "token": token}}}});
            if let Some(result) = authentication {
                body["authentication_result"] = serde_json::to_value(result).unwrap_or_default();
            }
            let url = acp(&format!(
                "/checkout_sessions/{}/complete",
                crate::core::url::encode_segment(session_id)
            ));
            session(call(Method::POST, &url, Some(key), Some(body.to_string()), false).await?)
        }
        Request::Get { session_id } => {
            let url = acp(&format!(
                "/checkout_sessions/{}",
                crate::core::url::encode_segment(session_id)
            ));
            session(call(Method::GET, &url, None, None, false).await?)
        }
        Request::Cancel { key, session_id } => {
            let url = acp(&format!(
                "/checkout_sessions/{}/cancel",
                crate::core::url::encode_segment(session_id)
            ));
            session(call(Method::POST, &url, Some(key), Some("{}".to_owned()), false).await?)
        }
    })
}
