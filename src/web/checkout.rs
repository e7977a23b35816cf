//! The buy flow's effect runner: turns a [`Request`] of the pure state machine into an HTTP call
//! to the ACP backend (`endpoint`) or the host's wallet API (`wallet`), with a timeout, and the
//! answer into an [`Outcome`]. HTTP only: bodies are written and answers read by
//! `core::checkout`; all decisions stay in `core::flow`.

use gloo_net::http::{Method, RequestBuilder};
use wasm_bindgen::JsValue;
use web_sys::RequestCredentials;

use super::track::Deadline;
use crate::core::checkout::answer::{self, Answer};
use crate::core::checkout::request::{self as body, Allowance};
use crate::core::checkout::{API_VERSION, Contact, Delivery, Purchase, Session};
use crate::core::checkout_error::CheckoutError;
use crate::core::flow::{Outcome, Request, Visitor};
use crate::core::url::encode_segment;

/// A new Idempotency-Key (the buy flow's and the cart's): a random UUID, or where
/// `crypto.randomUUID` is missing (an insecure origin) the time in milliseconds and a random
/// number, both as whole numbers, so two keys of one millisecond still differ.
pub(super) fn idempotency_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| {
            let random = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
            format!("bc-{}-{random}", js_sys::Date::now() as u64)
        })
}

/// How long one request may take before it counts as lost.
pub const TIMEOUT_MS: i32 = 15_000;

/// How long a delegated card token may be used.
const DELEGATED_TOKEN_MS: f64 = 15.0 * 60.0 * 1000.0;

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// ACP base URL, without a trailing slash.
    pub endpoint: String,
    /// Wallet API base URL, without a trailing slash.
    pub wallet: Option<String>,
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
        builder = builder.header("API-Version", API_VERSION);
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
    if wallet && status == 401 {
        // Signed out meanwhile: what the page kept about the visitor is no longer true.
        super::wallet::forget();
    }
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

/// Who the wallet at `url` (`{wallet}/buyer`) says the visitor is.
pub(super) async fn ask_wallet(url: String) -> Result<Visitor, CheckoutError> {
    answer::read_visitor(&call(Method::GET, &url, None, None, true).await?)
}

/// The flow sends wallet requests only when the card has a wallet.
fn no_wallet() -> Outcome {
    Outcome::Failed(CheckoutError::Invalid {
        code: "no_wallet".into(),
        param: None,
    })
}

fn session(read: Result<Session, CheckoutError>) -> Outcome {
    match read {
        Ok(session) => Outcome::Session(Box::new(session)),
        Err(error) => Outcome::Failed(error),
    }
}

fn token(read: Result<String, CheckoutError>) -> Outcome {
    read.map_or_else(Outcome::Failed, Outcome::Token)
}

/// `{endpoint}/checkout_sessions/{id}{action}`.
fn session_url(backend: &Backend, id: &str, action: &str) -> String {
    format!(
        "{}/checkout_sessions/{}{action}",
        backend.endpoint,
        encode_segment(id)
    )
}

async fn post(url: String, key: &str, body: String, wallet: bool) -> Result<Answer, CheckoutError> {
    call(Method::POST, &url, Some(key), Some(body), wallet).await
}

/// Opens a checkout session for several items of one shop (a cart's lines there): the flow's
/// `create`, widened, with the same key on every resend.
pub async fn open(
    backend: &Backend,
    key: &str,
    items: &[Purchase],
    contact: Option<&Contact>,
    delivery: Option<&Delivery>,
) -> Outcome {
    let body = body::create_items(items, contact, delivery);
    let url = format!("{}/checkout_sessions", backend.endpoint);
    match post(url, key, body, false).await {
        Ok(answer) => session(answer::read_session(&answer)),
        Err(error) => Outcome::Failed(error),
    }
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
    Ok(match request {
        Request::Wallet => match &backend.wallet {
            // Asked once per page, usually before the tap (web::wallet).
            Some(base) => Outcome::Wallet(super::wallet::visitor(base).await?),
            None => Outcome::Wallet(Visitor::Guest),
        },
        Request::Create {
            key,
            purchase,
            contact,
            delivery,
        } => {
            let body = body::create(purchase, contact.as_ref(), delivery.as_ref());
            let answer = post(acp("/checkout_sessions"), key, body, false).await?;
            session(answer::read_session(&answer))
        }
        Request::Update {
            key,
            session_id,
            contact,
            delivery,
            choice,
        } => {
            let body = body::update(contact.as_ref(), delivery.as_ref(), choice.as_ref());
            let url = session_url(backend, session_id, "");
            session(answer::read_session(&post(url, key, body, false).await?))
        }
        Request::DelegateCard {
            key,
            card,
            session_id,
            merchant_id,
            amount,
            currency,
        } => {
            let expires =
                js_sys::Date::new(&JsValue::from_f64(js_sys::Date::now() + DELEGATED_TOKEN_MS));
            let allowance = Allowance {
                session_id,
                merchant_id,
                amount: *amount,
                currency,
            };
            let body =
                body::delegate_card(card, &allowance, &String::from(expires.to_iso_string()));
            let url = acp("/agentic_commerce/delegate_payment");
            token(answer::read_delegated_token(
                &post(url, key, body, false).await?,
            ))
        }
        Request::AddPaymentMethod { key, details } => {
            let Some(url) = wallet("/payment_methods") else {
                return Ok(no_wallet());
            };
            let body = body::add_card(
                &details.card,
                details.save,
                &details.contact,
                &details.delivery,
            );
            let added = answer::read_payment_method(&post(url, key, body, true).await?);
            // A saved card changes who the wallet says the visitor is.
            super::wallet::forget();
            added.map_or_else(Outcome::Failed, Outcome::PaymentMethod)
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
            let allowance = Allowance {
                session_id,
                merchant_id,
                amount: *amount,
                currency,
            };
            let body = body::payment_token(payment_method_id, &allowance);
            token(answer::read_wallet_token(
                &post(url, key, body, true).await?,
            ))
        }
        Request::Complete {
            key,
            session_id,
            handler_id,
            token,
            authentication,
        } => {
            let body = body::complete(handler_id, token, authentication.as_ref());
            let url = session_url(backend, session_id, "/complete");
            session(answer::read_session(&post(url, key, body, false).await?))
        }
        Request::Get { session_id } => {
            let url = session_url(backend, session_id, "");
            session(answer::read_session(
                &call(Method::GET, &url, None, None, false).await?,
            ))
        }
        Request::Cancel { key, session_id } => {
            let url = session_url(backend, session_id, "/cancel");
            session(answer::read_session(
                &post(url, key, body::cancel(), false).await?,
            ))
        }
    })
}
