//! Agentic checkout (`schema.agentic_checkout.json`, `rfc.agentic_checkout.md`).
//!
//! The types the buy card and the reference server exchange. Fields follow the schema's names.
//! Optional fields the schema defines but buycard does not use yet are kept losslessly in
//! `extra` (flattened), so a session read from any backend can be written back unchanged.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Fields this crate does not model, kept as they came.
pub type Extra = Map<String, Value>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub line_one: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_two: Option<String>,
    pub city: String,
    pub state: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub postal_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Buyer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An item requested by id (a feed `Variant.id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_amount: Option<i64>,
}

/// `Total.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TotalType {
    ItemsBaseAmount,
    ItemsDiscount,
    Subtotal,
    Discount,
    Fulfillment,
    Tax,
    Fee,
    GiftWrap,
    Tip,
    StoreCredit,
    Total,
    AmountRefunded,
}

/// One amount of a breakdown, in minor units of the session's currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Total {
    #[serde(rename = "type")]
    pub kind: TotalType,
    pub display_text: String,
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Total {
    pub fn new(kind: TotalType, display_text: &str, amount: i64) -> Self {
        Self {
            kind,
            display_text: display_text.to_owned(),
            amount,
            description: None,
            extra: Extra::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    pub id: String,
    pub item: Item,
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// `in_stock`, `low_stock`, `out_of_stock`, `backorder`, `pre_order`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_quantity: Option<i64>,
    /// Limited editions: the most one order may contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_quantity_per_order: Option<u32>,
    /// Pre-orders: when the item can be fulfilled (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillable_on: Option<String>,
    pub totals: Vec<Total>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A fulfillment option. `type` is `shipping`, `digital`, `pickup` or `local_delivery`; fields
/// of the kinds buycard does not offer (pickup `location`, …) stay in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FulfillmentOption {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_delivery_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_time: Option<String>,
    pub totals: Vec<Total>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectedFulfillmentOption {
    #[serde(rename = "type")]
    pub kind: String,
    pub option_id: String,
    pub item_ids: Vec<String>,
}

/// `MessageInfo`, `MessageWarning` or `MessageError`, by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// `info`, `warning` or `error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Warnings and errors: `missing`, `invalid`, `out_of_stock`, `payment_declined`,
    /// `requires_3ds`, `quantity_exceeded`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// RFC 9535 JSONPath of the offending input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// `plain` or `markdown` (CommonMark without raw HTML).
    pub content_type: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentHandler {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub version: String,
    pub spec: String,
    pub requires_delegate_payment: bool,
    pub requires_pci_compliance: bool,
    pub psp: String,
    pub config_schema: String,
    pub instrument_schemas: Vec<String>,
    pub config: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_order: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    pub handlers: Vec<PaymentHandler>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub checkout_session_id: String,
    pub permalink_url: String,
    /// The reference the buyer reads and quotes ("LP-4F7K-2Q9X"); `id` is the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `CheckoutSessionBase.status`. Values a newer server may add read as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Incomplete,
    NotReadyForPayment,
    RequiresEscalation,
    AuthenticationRequired,
    ReadyForPayment,
    PendingApproval,
    CompleteInProgress,
    Completed,
    Canceled,
    InProgress,
    Expired,
    #[serde(other)]
    Other,
}

/// The authoritative checkout state (`CheckoutSession`, and `CheckoutSessionWithOrder` when
/// `order` is present).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    pub capabilities: Capabilities,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    pub status: Status,
    /// ISO 4217, lower case recommended (`usd`).
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    pub line_items: Vec<LineItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_details: Option<FulfillmentDetails>,
    pub fulfillment_options: Vec<FulfillmentOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_fulfillment_options: Option<Vec<SelectedFulfillmentOption>>,
    pub totals: Vec<Total>,
    pub messages: Vec<Message>,
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl CheckoutSession {
    /// The `total` amount, if the session states one.
    pub fn total(&self) -> Option<i64> {
        self.totals
            .iter()
            .find(|t| t.kind == TotalType::Total)
            .map(|t| t.amount)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSessionCreateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    pub line_items: Vec<Item>,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_details: Option<FulfillmentDetails>,
    pub capabilities: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Absent fields leave the session unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSessionUpdateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_items: Option<Vec<Item>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_details: Option<FulfillmentDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_fulfillment_options: Option<Vec<SelectedFulfillmentOption>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A payment instrument: `{"type": "card", "credential": {"type": "spt", "token": "vt_…"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    #[serde(rename = "type")]
    pub kind: String,
    pub credential: Map<String, Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument: Option<Instrument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// 3-D Secure result, sent back on `complete` after `authentication_required`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticationResult {
    /// `authenticated`, `denied`, `abandoned`, …
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_details: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSessionCompleteRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    pub payment_data: PaymentData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_result: Option<AuthenticationResult>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CancelSessionRequest {
    #[serde(flatten)]
    pub extra: Extra,
}
