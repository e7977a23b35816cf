//! Answers read back: a session, a token, the wallet's saved buyer, or a failure.
//!
//! Any ACP backend answers failures with an HTTP status and a flat error body
//! (`{"type","code","message","param"}`); [`read_failure`] maps every answer to a
//! [`CheckoutError`], whose kinds say whether to retry, what to tell the buyer and which field
//! to point at.

use serde::Deserialize;

use super::buyer::SavedBuyer;
use super::session::Session;
use crate::core::checkout_error::CheckoutError;

/// An HTTP answer, as the edge received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The `Retry-After` header, in seconds.
    pub retry_after: Option<u32>,
    pub body: String,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// ACP's flat error body, as far as the card reads it.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: String,
    #[serde(default)]
    param: Option<String>,
    /// With `unsupported_api_version` / `missing_api_version`.
    #[serde(default)]
    supported_versions: Option<Vec<String>>,
}

/// The kind of failure an HTTP status and (if it parsed) an ACP error body mean.
fn classify(status: u16, body: Option<ErrorBody>) -> CheckoutError {
    let (code, param, supported) = match body {
        Some(b) => (b.code, b.param, b.supported_versions),
        None => (String::new(), None, None),
    };
    match (status, code.as_str()) {
        (_, "idempotency_in_flight") | (409, _) => CheckoutError::InFlight {
            retry_after_secs: None,
        },
        (_, "idempotency_conflict") => CheckoutError::KeyConflict,
        (_, "unsupported_api_version" | "missing_api_version") => {
            CheckoutError::UnsupportedVersion {
                supported: supported.unwrap_or_default(),
            }
        }
        (_, "out_of_stock") => CheckoutError::OutOfStock { param },
        (_, "quantity_exceeded") => CheckoutError::QuantityExceeded { param },
        (_, "payment_declined") => CheckoutError::PaymentDeclined,
        (_, "requires_3ds") => CheckoutError::AuthenticationRequired,
        (429, _) => CheckoutError::RateLimited {
            retry_after_secs: None,
        },
        (401 | 403, _) => CheckoutError::Unauthorized,
        (404 | 405 | 410, _) => CheckoutError::SessionClosed,
        (500..=599, _) => CheckoutError::Server(status),
        _ => CheckoutError::Invalid {
            code: if code.is_empty() {
                "invalid".to_owned()
            } else {
                code
            },
            param,
        },
    }
}

/// A failed answer from the checkout backend (or its payment provider).
pub fn read_failure(answer: &Answer) -> CheckoutError {
    let body = serde_json::from_str::<ErrorBody>(&answer.body).ok();
    classify(answer.status, body).with_retry_after(answer.retry_after)
}

/// A failed answer from the wallet: its refusal is the buyer's sign-in, not the shop's policy.
pub fn read_wallet_failure(answer: &Answer) -> CheckoutError {
    match read_failure(answer) {
        CheckoutError::Unauthorized => CheckoutError::WalletRefused,
        other => other,
    }
}

/// The answer to create, update, get, complete or cancel.
pub fn read_session(answer: &Answer) -> Result<Session, CheckoutError> {
    if !answer.ok() {
        return Err(read_failure(answer));
    }
    serde_json::from_str(&answer.body).map_err(|_| CheckoutError::Invalid {
        code: "unreadable_session".into(),
        param: None,
    })
}

/// Who the host's wallet says the visitor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visitor {
    /// Signed in with saved details: one-click.
    Saved(Box<SavedBuyer>),
    /// Signed in, nothing saved yet (204): the details sheet, with "save for one-click".
    NothingSaved,
    /// Nobody signed in (401), or the wallet has no such route (404): a guest checkout, the
    /// card going to the merchant's payment provider and nothing saved.
    Guest,
}

/// The wallet's `GET /buyer`.
pub fn read_visitor(answer: &Answer) -> Result<Visitor, CheckoutError> {
    match answer.status {
        200 => Ok(serde_json::from_str(&answer.body)
            .ok()
            .map_or(Visitor::NothingSaved, |saved| {
                Visitor::Saved(Box::new(saved))
            })),
        204 => Ok(Visitor::NothingSaved),
        401 | 404 => Ok(Visitor::Guest),
        _ => Err(read_wallet_failure(answer)),
    }
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

/// The wallet's `POST /payment_methods`: the vaulted card's id.
pub fn read_payment_method(answer: &Answer) -> Result<String, CheckoutError> {
    match serde_json::from_str::<Id>(&answer.body) {
        Ok(method) if answer.ok() => Ok(method.id),
        _ => Err(read_wallet_failure(answer)),
    }
}

/// The wallet's `POST /payment_token`: a one-time token.
pub fn read_wallet_token(answer: &Answer) -> Result<String, CheckoutError> {
    match serde_json::from_str::<Token>(&answer.body) {
        Ok(token) if answer.ok() => Ok(token.token),
        _ => Err(read_wallet_failure(answer)),
    }
}

/// ACP delegate payment (`201`): the vault token is the answer's `id`.
pub fn read_delegated_token(answer: &Answer) -> Result<String, CheckoutError> {
    match serde_json::from_str::<Id>(&answer.body) {
        Ok(token) if answer.ok() => Ok(token.id),
        _ => Err(read_failure(answer)),
    }
}
