//! Payment through the gateway: the buyer's card goes to the PSP the registry names for the
//! merchant, never to the merchant, and never into a log line.
//!
//! - A card typed in the sheet (no saved details) arrives as an ACP delegate-payment request at
//!   `/shops/{merchant}/agentic_commerce/delegate_payment` and is forwarded as it is, with the
//!   PSP's key and the card's own Idempotency-Key; `allowance.merchant_id` is set from the
//!   registry (the platform knows which account it pays).
//! - A saved card lives sealed in the wallet's vault ([`crate::vault`]); for a session opened
//!   through the gateway, the wallet's `payment_token` unseals it and forwards it the same way
//!   ("vault and forward", as payment vaults do for merchants on another PSP).

use buycard_acp::delegate_payment::{
    Allowance, DelegatePaymentRequest, PaymentMethodCard, RiskSignal,
};
use buycard_acp::versions::Body;
use serde_json::{Map, Value, json};

use super::forward::{self, Answer, Hop, Refused, Target};
use super::{Gateway, registry::Merchant};
use crate::error::ApiError;

/// Forwards an ACP delegate-payment request (current version) to `merchant`'s PSP.
pub async fn delegate(
    gateway: &Gateway,
    merchant: &Merchant,
    hop: &Hop,
    mut body: Value,
) -> Result<Answer, ApiError> {
    if let Some(allowance) = body.get_mut("allowance").and_then(Value::as_object_mut) {
        allowance.insert(
            "merchant_id".into(),
            Value::String(merchant.psp.merchant_id.clone()),
        );
    }
    let target = Target {
        url: merchant.psp.url.clone(),
        api_key: merchant.psp.api_key.as_ref(),
        signing_secret: merchant.psp.signing_secret.as_ref(),
        answer: Body::DelegatePaymentResponse,
    };
    let call = forward::Call::post("", Body::DelegatePaymentRequest, body);
    forward::negotiating(gateway, merchant, &target, hop, &call)
        .await
        .map_err(Refused::into_error)
}

/// A saved card, unsealed for one forward.
pub struct SavedCard {
    pub number: String,
    pub exp_month: String,
    pub exp_year: String,
    pub name: Option<String>,
}

impl std::fmt::Debug for SavedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SavedCard { [redacted] }")
    }
}

/// A single-use token at `merchant`'s PSP for a saved card, bound to `allowance`.
pub async fn saved_card_token(
    gateway: &Gateway,
    merchant: &Merchant,
    hop: &Hop,
    card: SavedCard,
    allowance: Allowance,
) -> Result<String, ApiError> {
    let request = DelegatePaymentRequest {
        payment_method: PaymentMethodCard::typed(
            card.number,
            card.exp_month,
            card.exp_year,
            card.name,
            None,
        ),
        allowance,
        billing_address: None,
        risk_signals: vec![RiskSignal {
            kind: "card_testing".into(),
            score: 0,
            action: "authorized".into(),
        }],
        metadata: {
            let mut metadata = Map::new();
            metadata.insert("source".into(), json!("buycard_wallet"));
            metadata
        },
    };
    let body = serde_json::to_value(&request).map_err(|_| ApiError::internal())?;
    let answer = delegate(gateway, merchant, hop, body).await?;
    answer
        .body
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(ApiError::internal)
}
