//! The test payment provider: `POST /agentic_commerce/delegate_payment` (ACP delegate payment)
//! turns a card into a single-use vault token bound to an allowance, and the merchant redeems it
//! on `complete`.
//!
//! The vault keeps what a vault would: brand, last 4, expiry, and (for the test cards) how the
//! card behaves. Never the number or the CVC.
//!
//! Test cards: `4242 4242 4242 4242` pays; `4000 0000 0000 0002` is declined;
//! `4000 0027 6000 3184` requires 3-D Secure. Any other number that passes the Luhn check pays.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use buycard_acp::delegate_payment::{
    Allowance, DelegatePaymentRequest, DelegatePaymentResponse, PaymentMethodCard,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, json};

use crate::checkout::parse;
use crate::error::ApiError;
use crate::idempotency::Ticket;
use crate::store;
use crate::{AppState, now, rfc3339};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardBehavior {
    Pay,
    Decline,
    ThreeDs,
}

/// A card as the vault keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultCard {
    pub brand: String,
    pub last4: String,
    pub exp_month: String,
    pub exp_year: String,
    pub behavior: CardBehavior,
}

/// A delegated, single-use token. Whether it was spent lives in the store (`spent_at`), set in
/// the same transaction as the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultToken {
    pub id: String,
    pub created: String,
    pub allowance: Allowance,
    pub card: VaultCard,
    pub behavior: CardBehavior,
    #[serde(default)]
    pub declined: bool,
}

fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn brand(digits: &str) -> &'static str {
    match digits.as_bytes().first() {
        Some(b'4') => "visa",
        Some(b'5') | Some(b'2') => "mastercard",
        Some(b'3') => "amex",
        _ => "card",
    }
}

/// Validates a card and keeps what the vault may keep.
pub fn vault(card: &PaymentMethodCard, today: (i32, u8)) -> Result<VaultCard, ApiError> {
    let digits: String = card
        .number
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if card.kind != "card" {
        return Err(ApiError::bad_request(
            "invalid_card",
            "Only cards are supported",
            "$.payment_method.type",
        ));
    }
    if !(12..=19).contains(&digits.len()) || !luhn(&digits) {
        return Err(ApiError::bad_request(
            "invalid_card",
            "Invalid card number provided",
            "$.payment_method.number",
        ));
    }
    let month: u8 = card
        .exp_month
        .as_deref()
        .and_then(|m| m.parse().ok())
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_card",
                "Invalid expiry month",
                "$.payment_method.exp_month",
            )
        })?;
    let year: i32 = card
        .exp_year
        .as_deref()
        .and_then(|y| y.parse().ok())
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_card",
                "Invalid expiry year",
                "$.payment_method.exp_year",
            )
        })?;
    if (year, month) < today {
        return Err(ApiError::bad_request(
            "invalid_card",
            "The card has expired",
            "$.payment_method.exp_year",
        ));
    }
    let behavior = match digits.as_str() {
        "4000000000000002" => CardBehavior::Decline,
        "4000002760003184" => CardBehavior::ThreeDs,
        _ => CardBehavior::Pay,
    };
    Ok(VaultCard {
        brand: brand(&digits).to_owned(),
        last4: digits[digits.len() - 4..].to_owned(),
        exp_month: format!("{month:02}"),
        exp_year: year.to_string(),
        behavior,
    })
}

fn today() -> (i32, u8) {
    let now = time::OffsetDateTime::now_utc();
    (now.year(), u8::from(now.month()))
}

fn parse_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Checks an allowance and issues a token for `card`.
pub async fn issue(
    app: &AppState,
    card: VaultCard,
    allowance: Allowance,
    ticket: Option<&Ticket>,
) -> Result<(VaultToken, Vec<u8>), ApiError> {
    if allowance.reason != "one_time" {
        return Err(ApiError::bad_request(
            "invalid",
            "allowance.reason must be one_time",
            "$.allowance.reason",
        ));
    }
    if allowance.max_amount < 0 {
        return Err(ApiError::bad_request(
            "invalid",
            "allowance.max_amount must not be negative",
            "$.allowance.max_amount",
        ));
    }
    if allowance.currency.len() != 3 {
        return Err(ApiError::bad_request(
            "invalid",
            "allowance.currency must be an ISO 4217 code",
            "$.allowance.currency",
        ));
    }
    match parse_time(&allowance.expires_at) {
        Some(t) if t > now() => {}
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid",
                "allowance.expires_at is in the past",
                "$.allowance.expires_at",
            ));
        }
        None => {
            return Err(ApiError::bad_request(
                "invalid",
                "allowance.expires_at must be RFC 3339",
                "$.allowance.expires_at",
            ));
        }
    }
    let token = VaultToken {
        id: format!("vt_{}", uuid::Uuid::new_v4().simple()),
        created: rfc3339(now()),
        behavior: card.behavior,
        card,
        allowance,
        declined: false,
    };
    let mut metadata = Map::new();
    metadata.insert("source".into(), json!("buycard_test_psp"));
    metadata.insert("merchant_id".into(), json!(token.allowance.merchant_id));
    if let Some(ticket) = ticket {
        metadata.insert("idempotency_key".into(), json!(ticket.key));
    }
    let body = serde_json::to_vec(&DelegatePaymentResponse {
        id: token.id.clone(),
        created: token.created.clone(),
        metadata,
    })
    .map_err(|_| ApiError::internal())?;
    let done = ticket.map(|t| t.done(StatusCode::CREATED, &body));
    app.store
        .vault
        .put_token(&token.id, &store::encode(&token)?, done.as_ref(), now())
        .await?;
    Ok((token, body))
}

pub async fn delegate_payment(
    State(app): State<Arc<AppState>>,
    Extension(ticket): Extension<Ticket>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: DelegatePaymentRequest = parse(&body)?;
    let card = vault(&request.payment_method, today())?;
    let (_, body) = issue(&app, card, request.allowance, Some(&ticket)).await?;
    Ok((
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// The token, if it may pay `amount` in `currency` for `session_id` now. Spent-ness is checked
/// again, atomically, when the order is placed.
pub async fn redeemable(
    app: &AppState,
    token_id: &str,
    session_id: &str,
    currency: &str,
    amount: i64,
    at: i64,
) -> Result<VaultToken, ApiError> {
    const PARAM: &str = "$.payment_data.instrument.credential.token";
    let token: Option<VaultToken> = store::decode(app.store.vault.token(token_id).await?)?;
    let token =
        token.ok_or_else(|| ApiError::bad_request("invalid", "Unknown payment token", PARAM))?;
    let a = &token.allowance;
    let problem = if token.declined {
        Some("This payment token was declined; use another card")
    } else if a.checkout_session_id != session_id || a.merchant_id != app.merchant.id {
        Some("This payment token was issued for another checkout")
    } else if !a.currency.eq_ignore_ascii_case(currency) {
        Some("This payment token is for another currency")
    } else if a.max_amount < amount {
        Some("This payment token does not cover the total")
    } else if parse_time(&a.expires_at).is_none_or(|t| t <= at) {
        Some("This payment token has expired")
    } else {
        None
    };
    match problem {
        Some(message) => Err(ApiError::bad_request("invalid", message, PARAM)),
        None => Ok(token),
    }
}

/// A declined token cannot be used again.
pub async fn spend_declined(app: &AppState, mut token: VaultToken) -> Result<(), ApiError> {
    token.declined = true;
    app.store
        .vault
        .put_token(&token.id, &store::encode(&token)?, None, now())
        .await
        .map_err(ApiError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, month: &str, year: &str) -> PaymentMethodCard {
        serde_json::from_value(json!({
            "type": "card", "card_number_type": "fpan", "number": number,
            "exp_month": month, "exp_year": year, "display_card_funding_type": "credit", "metadata": {}
        }))
        .expect("card")
    }

    #[test]
    fn test_cards_behave_as_documented() {
        let today = (2026, 11);
        let pay = vault(&card("4242 4242 4242 4242", "12", "2030"), today).expect("valid");
        assert_eq!(
            (pay.behavior, pay.brand.as_str(), pay.last4.as_str()),
            (CardBehavior::Pay, "visa", "4242")
        );
        assert_eq!(
            vault(&card("4000000000000002", "1", "2030"), today)
                .expect("valid")
                .behavior,
            CardBehavior::Decline
        );
        assert_eq!(
            vault(&card("4000002760003184", "01", "2030"), today)
                .expect("valid")
                .behavior,
            CardBehavior::ThreeDs
        );
    }

    #[test]
    fn bad_cards_are_refused_on_the_right_field() {
        let today = (2026, 11);
        let param = |c: PaymentMethodCard| vault(&c, today).expect_err("refused").body.param;
        assert_eq!(
            param(card("4242424242424241", "12", "2030")).as_deref(),
            Some("$.payment_method.number")
        );
        assert_eq!(
            param(card("42", "12", "2030")).as_deref(),
            Some("$.payment_method.number")
        );
        assert_eq!(
            param(card("4242424242424242", "13", "2030")).as_deref(),
            Some("$.payment_method.exp_month")
        );
        assert_eq!(
            param(card("4242424242424242", "10", "2026")).as_deref(),
            Some("$.payment_method.exp_year")
        );
    }

    #[test]
    fn the_vault_keeps_no_number() {
        let kept = vault(&card("4242424242424242", "12", "2030"), (2026, 1)).expect("valid");
        let json = serde_json::to_string(&kept).expect("json");
        assert!(!json.contains("4242424242424242"), "{json}");
    }
}
