//! The flow's intents as request bodies: ACP 2026-04-17 checkout and delegate payment, and the
//! host wallet's card and token requests. Typed (serde) and written here only; absent optionals
//! are omitted, never `null`.

use serde::{Deserialize, Serialize};

use super::buyer::{CardEntry, Contact, Delivery};

/// What the card buys: `quantity` units of one item (a feed `Variant.id`), in `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub item_id: String,
    pub quantity: u32,
    /// Lower-case ISO 4217 (`usd`).
    pub currency: String,
}

/// A delivery option the buyer (or the card, for the buyer) chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryChoice {
    pub option_id: String,
    /// The option's fulfillment type, as the session listed it.
    pub kind: String,
}

/// How the bank's 3-D Secure challenge ended, sent back with the payment. (Read back too: a
/// payment kept across a reload is sent again exactly as it was.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    /// `authenticated`, `denied`, `abandoned`, …
    pub outcome: String,
    /// Required when authenticated.
    #[serde(rename = "outcome_details", skip_serializing_if = "Option::is_none")]
    pub details: Option<ThreeDsDetails>,
}

/// What the 3-D Secure provider returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreeDsDetails {
    pub three_ds_cryptogram: String,
    pub electronic_commerce_indicator: String,
    pub transaction_id: String,
    pub version: String,
}

/// Writes a body. These are plain structs of strings, numbers and lists, which serde_json
/// always serialises; should that ever fail, an empty object goes out and the backend's 400
/// says so, rather than a panic in the page.
fn write(body: &impl Serialize) -> String {
    serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned())
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
}

/// An empty JSON object (`{}`).
#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct Create<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    buyer: Option<&'a Contact>,
    line_items: Vec<Item<'a>>,
    currency: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fulfillment_details: Option<&'a Delivery>,
    capabilities: Empty,
}

/// `POST /checkout_sessions`.
pub fn create(
    purchase: &Purchase,
    contact: Option<&Contact>,
    delivery: Option<&Delivery>,
) -> String {
    create_items(std::slice::from_ref(purchase), contact, delivery)
}

/// `POST /checkout_sessions` for several items of one shop (a cart's lines at that shop), in
/// the currency of the first; a cart makes one such group per shop and currency.
pub fn create_items(
    items: &[Purchase],
    contact: Option<&Contact>,
    delivery: Option<&Delivery>,
) -> String {
    // ACP 2026-04-17's `Item` has no quantity: each unit is the item's id listed once more.
    let line_items = items
        .iter()
        .flat_map(|purchase| {
            (0..purchase.quantity.max(1)).map(|_| Item {
                id: &purchase.item_id,
            })
        })
        .collect();
    write(&Create {
        buyer: contact,
        line_items,
        currency: items.first().map_or("", |p| p.currency.as_str()),
        fulfillment_details: delivery,
        capabilities: Empty {},
    })
}

#[derive(Serialize)]
struct Selected<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    option_id: &'a str,
    /// Empty: the choice is for every item.
    item_ids: [&'a str; 0],
}

#[derive(Serialize)]
struct Update<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    buyer: Option<&'a Contact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fulfillment_details: Option<&'a Delivery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    selected_fulfillment_options: Option<[Selected<'a>; 1]>,
}

/// `POST /checkout_sessions/{id}`: what is given changes, the rest stays.
pub fn update(
    contact: Option<&Contact>,
    delivery: Option<&Delivery>,
    choice: Option<&DeliveryChoice>,
) -> String {
    write(&Update {
        buyer: contact,
        fulfillment_details: delivery,
        selected_fulfillment_options: choice.map(|c| {
            [Selected {
                kind: &c.kind,
                option_id: &c.option_id,
                item_ids: [],
            }]
        }),
    })
}

#[derive(Serialize)]
struct Credential<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    token: &'a str,
}

#[derive(Serialize)]
struct Instrument<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    credential: Credential<'a>,
}

#[derive(Serialize)]
struct PaymentData<'a> {
    handler_id: &'a str,
    instrument: Instrument<'a>,
}

#[derive(Serialize)]
struct Complete<'a> {
    payment_data: PaymentData<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authentication_result: Option<&'a Authentication>,
}

/// `POST /checkout_sessions/{id}/complete`: pay through `handler_id` with a delegated `token`.
pub fn complete(handler_id: &str, token: &str, authentication: Option<&Authentication>) -> String {
    write(&Complete {
        payment_data: PaymentData {
            handler_id,
            instrument: Instrument {
                kind: "card",
                credential: Credential { kind: "spt", token },
            },
        },
        authentication_result: authentication,
    })
}

/// `POST /checkout_sessions/{id}/cancel`.
pub fn cancel() -> String {
    write(&Empty {})
}

/// What a delegated token may be used for: once, for one session, up to an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance<'a> {
    pub session_id: &'a str,
    pub merchant_id: &'a str,
    pub amount: i64,
    pub currency: &'a str,
}

#[derive(Serialize)]
struct DelegatedCard<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    card_number_type: &'static str,
    r#virtual: bool,
    number: &'a str,
    exp_month: &'a str,
    exp_year: &'a str,
    name: &'a str,
    cvc: &'a str,
    display_card_funding_type: &'static str,
    metadata: Empty,
}

#[derive(Serialize)]
struct WireAllowance<'a> {
    reason: &'static str,
    max_amount: i64,
    currency: &'a str,
    checkout_session_id: &'a str,
    merchant_id: &'a str,
    expires_at: &'a str,
}

#[derive(Serialize)]
struct RiskSignal {
    #[serde(rename = "type")]
    kind: &'static str,
    score: i64,
    action: &'static str,
}

#[derive(Serialize)]
struct Source {
    source: &'static str,
}

#[derive(Serialize)]
struct Delegate<'a> {
    payment_method: DelegatedCard<'a>,
    allowance: WireAllowance<'a>,
    risk_signals: [RiskSignal; 1],
    metadata: Source,
}

/// `POST /agentic_commerce/delegate_payment`: no wallet, so the card goes to the merchant's
/// payment provider, which returns a token bound to `allowance` until `expires_at` (RFC 3339).
pub fn delegate_card(card: &CardEntry, allowance: &Allowance<'_>, expires_at: &str) -> String {
    write(&Delegate {
        payment_method: DelegatedCard {
            kind: "card",
            card_number_type: "fpan",
            r#virtual: false,
            number: &card.number,
            exp_month: &card.exp_month,
            exp_year: &card.exp_year,
            name: &card.name,
            cvc: &card.cvc,
            display_card_funding_type: "credit",
            metadata: Empty {},
        },
        allowance: WireAllowance {
            reason: "one_time",
            max_amount: allowance.amount,
            currency: allowance.currency,
            checkout_session_id: allowance.session_id,
            merchant_id: allowance.merchant_id,
            expires_at,
        },
        risk_signals: [RiskSignal {
            kind: "card_testing",
            score: 0,
            action: "authorized",
        }],
        metadata: Source { source: "buycard" },
    })
}

#[derive(Serialize)]
struct WalletCard<'a> {
    number: &'a str,
    exp_month: &'a str,
    exp_year: &'a str,
    cvc: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct AddCard<'a> {
    card: WalletCard<'a>,
    save: bool,
    buyer: &'a Contact,
    fulfillment_details: &'a Delivery,
}

/// The wallet's `POST /payment_methods`: vault the typed card (and keep it if `save`).
pub fn add_card(card: &CardEntry, save: bool, contact: &Contact, delivery: &Delivery) -> String {
    write(&AddCard {
        card: WalletCard {
            number: &card.number,
            exp_month: &card.exp_month,
            exp_year: &card.exp_year,
            cvc: &card.cvc,
            name: &card.name,
        },
        save,
        buyer: contact,
        fulfillment_details: delivery,
    })
}

#[derive(Serialize)]
struct PaymentToken<'a> {
    payment_method_id: &'a str,
    checkout_session_id: &'a str,
    merchant_id: &'a str,
    max_amount: i64,
    currency: &'a str,
}

/// The wallet's `POST /payment_token`: a one-time token for a saved card, bound like a
/// delegated one (its expiry is the wallet's to set).
pub fn payment_token(payment_method_id: &str, allowance: &Allowance<'_>) -> String {
    write(&PaymentToken {
        payment_method_id,
        checkout_session_id: allowance.session_id,
        merchant_id: allowance.merchant_id,
        max_amount: allowance.amount,
        currency: allowance.currency,
    })
}
