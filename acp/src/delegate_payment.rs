//! Delegate payment (`schema.delegate_payment.json`, `rfc.delegate_payment.md`):
//! `POST /agentic_commerce/delegate_payment` turns a card into a single-use vault token bound to
//! an [`Allowance`] (one checkout session, at most an amount, until a time).
//!
//! A card number must never reach a log: [`PaymentMethodCard`]'s `Debug` redacts it and the CVC.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::checkout::Address;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethodCard {
    /// Always `card`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `fpan` or `network_token`.
    pub card_number_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#virtual: Option<bool>,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp_month: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp_year: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cryptogram: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eci_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks_performed: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iin: Option<String>,
    /// `credit`, `debit` or `prepaid`.
    pub display_card_funding_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_wallet_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_brand: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_last4: Option<String>,
    pub metadata: Map<String, Value>,
}

impl PaymentMethodCard {
    /// A physical card's number as the buyer typed it (`fpan`, credit, not virtual).
    pub fn typed(
        number: String,
        exp_month: String,
        exp_year: String,
        name: Option<String>,
        cvc: Option<String>,
    ) -> Self {
        Self {
            kind: "card".into(),
            card_number_type: "fpan".into(),
            r#virtual: Some(false),
            number,
            exp_month: Some(exp_month),
            exp_year: Some(exp_year),
            name,
            cvc,
            cryptogram: None,
            eci_value: None,
            checks_performed: None,
            iin: None,
            display_card_funding_type: "credit".into(),
            display_wallet_type: None,
            display_brand: None,
            display_last4: None,
            metadata: Map::new(),
        }
    }
}

impl std::fmt::Debug for PaymentMethodCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentMethodCard")
            .field("card_number_type", &self.card_number_type)
            .field("number", &"[redacted]")
            .field("cvc", &self.cvc.as_ref().map(|_| "[redacted]"))
            .field("exp_month", &self.exp_month)
            .field("exp_year", &self.exp_year)
            .field("display_brand", &self.display_brand)
            .field("display_last4", &self.display_last4)
            .finish_non_exhaustive()
    }
}

/// How the token may be used: once, for one session, up to an amount, until a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    /// Always `one_time`.
    pub reason: String,
    pub max_amount: i64,
    /// Lower-case ISO 4217.
    pub currency: String,
    pub checkout_session_id: String,
    pub merchant_id: String,
    /// RFC 3339.
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskSignal {
    /// `card_testing`.
    #[serde(rename = "type")]
    pub kind: String,
    pub score: i64,
    /// `blocked`, `manual_review` or `authorized`.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelegatePaymentRequest {
    pub payment_method: PaymentMethodCard,
    pub allowance: Allowance,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    pub risk_signals: Vec<RiskSignal>,
    pub metadata: Map<String, Value>,
}

/// `201 Created`: the vault token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelegatePaymentResponse {
    pub id: String,
    pub created: String,
    pub metadata: Map<String, Value>,
}
