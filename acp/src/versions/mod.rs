//! Pure adapters between every dated ACP version's wire JSON and the current one's (2026-04-17,
//! which parses into [`crate::checkout`], [`crate::delegate_payment`] and [`crate::error`]).
//! No I/O: a platform gateway uses them to talk to merchants of any version, the reference
//! merchant to answer clients of any version.
//!
//! Both directions first drop `null`s (absent and `null` mean the same), then leave out every
//! member the source version's schema does not allow (tolerant reading), convert, and finally
//! leave out every member the target version's schema does not allow, so every output has the
//! target's shape. [`unknown_fields`] reports instead of dropping, for a merchant that answers
//! 400 naming the field. The schemas are embedded from `shared/` (see [`Version::spec_dir`]).
//!
//! # Mapping
//!
//! Versions, by request shape: 2025-09-29 (`items`, `fulfillment_address`, `payment_data
//! {token, provider}`); 2025-12-12 and 2026-01-16 (`items`, `fulfillment_details`); 2026-01-30
//! and later (`line_items`, `capabilities`, `payment_data {handler_id, instrument}`).
//!
//! - **Quantities.** `items: [{id, quantity: n}]` is `line_items` with the id listed `n` times
//!   (2026-04-17's `Item` has no quantity); back, equal ids are counted into one entry in
//!   first-seen order, and `Item.name` / `unit_amount` (hints) are left out. A quantity must be a
//!   whole number ≥ 1 (`2.0` reads as 2, `2.5` is [`AdaptError::Invalid`]), at most
//!   [`MAX_UNITS`] units per request. A session's `item.quantity` is `LineItem.quantity`.
//! - **Line-item amounts.** `base_amount, discount, subtotal, tax, total` are `totals` of types
//!   `items_base_amount, discount, subtotal, tax, total` (display texts "Base Amount",
//!   "Discount", …), as the 2026-01-30+ examples write them; back, `items_discount` stands in for
//!   a missing `discount`, a missing discount or tax is 0, a missing amount is derived (`base =
//!   subtotal + discount`, else `unit_amount × quantity`; `subtotal = base - discount`; `total =
//!   subtotal + tax`); other line-level types are already inside the line's `total` and are not
//!   listed.
//! - **Fulfillment options.** ≤ 2025-12-12 `subtotal, tax, total` (integers) are `totals` of those
//!   types ("Subtotal", "Tax", "Total"), `subtitle` is `description`. Back to 2025-09-29 (all
//!   three required) a missing tax is 0 and the rest derived. Pickup and local-delivery options
//!   do not exist before 2026-01-30: left out of sessions, [`AdaptError::Inexpressible`] when a
//!   request selects one.
//! - **Selected options.** 2025-12-12/2026-01-16 `{type, shipping|digital: {option_id,
//!   item_ids}}` is `{type, option_id, item_ids}`. 2025-09-29's `fulfillment_option_id`: in a
//!   session it becomes one selection of the option's type covering every line item; in an
//!   update request (no session at hand) `{type: "shipping", option_id, item_ids: []}`. Back, the
//!   shipping selection (else the only one) gives the id; a request selecting two different
//!   options is inexpressible, a session keeps the first.
//! - **Address.** 2025-09-29 `fulfillment_address` is `fulfillment_details.address`; back, the
//!   contact `name` / `phone_number` / `email` have no place and are left out. `Address.company`
//!   (2026-04-17 only) is left out on the way back.
//! - **Payment.** A legacy session's `payment_provider` becomes `capabilities.payment.handlers`
//!   with one `dev.acp.tokenized.card` handler: `id` = `psp` = the provider, delegate payment
//!   required, `config {merchant_id?, psp, accepted_brands?}` (`accepted_brands` from 2025-12-12+
//!   `supported_card_networks`); 2026-01-16's `authentication_provider` becomes
//!   `capabilities.interventions.supported: ["3ds"]` (its provider and merchant id are taken to be
//!   the payment handler's). Back, the first handler whose `psp` the version names (`stripe`;
//!   `adyen` too for authentication) gives `payment_provider`, which is left out if none does or
//!   (2026-01-16) it has no `config.merchant_id`. A legacy complete request's `{token, provider}`
//!   is `{handler_id: provider (or [`Defaults::handler_id`]), instrument: {type: "card",
//!   credential: {type: "spt", token}}}`; back, `handler_id` is the provider verbatim
//!   (inexpressible unless the version names it), B2B payment members are inexpressible.
//! - **3-D Secure.** 2026-01-16's outcomes map as authenticated ↔ authenticated, failed ↔ denied
//!   (abandoned, canceled → failed), rejected ↔ rejected, attempt ↔ attempt_acknowledged
//!   (informational → attempt), unavailable ↔ not_supported (internal_error, processing_error →
//!   unavailable); an `attempt` without `outcome_details` is [`AdaptError::Missing`], since
//!   2026-04-17 requires them for `attempt_acknowledged`. 2025-09-29 has no 3-D Secure: an `authentication_result` is inexpressible there,
//!   `authentication_metadata` is left out; 2025-12-12..2026-01-30 require its `channel` (browser
//!   details a merchant cannot know), so metadata without one is left out.
//! - **Status.** Before 2026-01-30: incomplete, requires_escalation (and, for 2025-09-29,
//!   authentication_required) → not_ready_for_payment; pending_approval, complete_in_progress →
//!   in_progress; expired → canceled.
//! - **Totals.** A total type the version lacks is folded into the nearest it has: gift_wrap, tip
//!   → fee; store_credit → discount; amount_refunded (after the fact) is left out.
//! - **Messages.** Before 2026-01-30 a warning becomes an info message (its code has no place), an
//!   error code the version lacks becomes `invalid` (`low_stock` → `out_of_stock`), and
//!   `severity` is left out; `resolution` exists only in 2026-04-17.
//! - **Links.** 2025-09-29 `seller_shop_policies` ↔ `return_policy` (and `shipping_policy` →
//!   `seller_shop_policies`); a link type the version lacks is left out.
//! - **Errors.** Legacy `type: request_not_idempotent` is `invalid_request` (code kept); back,
//!   `invalid_request` with an `idempotency_*` code is `request_not_idempotent`.
//!   `supported_versions` exists only in 2026-04-17. Delegate-payment codes the version lacks:
//!   `idempotency_in_flight` → `duplicate_request`, `idempotency_key_required` →
//!   `idempotency_conflict`.
//! - **Delegate payment.** The same shape throughout; ≤ 2025-12-12 `iin` holds 6 digits (the
//!   first six of a longer one are kept); legacy `risk_signals` needs at least one signal
//!   (inexpressible otherwise); to 2026-01-16+ a `display_last4` that is not four digits is left
//!   out.
//! - **Requests never lose meaning silently**: `order_notes`, `coupons`, `discounts`,
//!   `fulfillment_groups` and `quote_id` going to a version without them are
//!   [`AdaptError::Inexpressible`]. What only informs (`capabilities`, `currency`, `locale`,
//!   `metadata`, `risk_signals`, `marketing_consents`, `affiliate_attribution`, `intent_trace`,
//!   `Buyer` members beyond name, email and phone) is left out. A legacy create request gets
//!   `currency` from [`Defaults::currency`] and empty `capabilities`.
//! - **Sessions are rendered as faithfully as the target allows**: a member it cannot hold is
//!   left out (including 2025-09-29's `order`, which its schema cannot carry), never invented. A
//!   buyer without first and last names (required before 2026-01-30) gets them from `full_name`
//!   split at its first space; a request is inexpressible otherwise, a session leaves the buyer
//!   out.
//! - `protocol.version`, when present, names the version of the document it is in.
//! - **Carts** exist only in 2026-04-17 (`schema.cart.json`, whose definitions refer to the
//!   checkout schema's `Item`, `Buyer`, …): their bodies are checked there, and converting one to
//!   or from an earlier version is [`AdaptError::Inexpressible`].
//!
//! `acp/tests/versions/` holds every example of every version to this: to 2026-04-17 it parses
//! into this crate's types and validates against the current schema; back, it validates against
//! its own version's schema and equals the original. The only normalisation is an input one:
//! 2025-09-29's examples order `quantity: 2.5`, which is refused (asserted) and replaced by 2.
//! Every example also goes down to every other version and must validate there.

mod any_error;
mod delegate;
mod payment;
mod requests;
mod schema;
mod session;
mod support;
mod vocab;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use any_error::error_from_any;
pub use support::AdaptError;

use support::{into_object, strip_nulls};

/// The most units one adapted request may list (a legacy quantity expands into repeated ids).
pub const MAX_UNITS: usize = 10_000;

/// A dated ACP version. Ordered by date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `items`, `fulfillment_address`, `payment_data {token, provider}`.
    V2025_09_29,
    /// `fulfillment_details`, nested selected options, 3-D Secure, affiliate attribution.
    V2025_12_12,
    /// Fulfillment-option `totals`, `authentication_provider`, merchant id on the provider.
    V2026_01_16,
    /// `line_items` without quantity, `capabilities` and payment handlers, warnings.
    V2026_01_30,
    /// The current version: [`crate::API_VERSION`].
    V2026_04_17,
}

impl Version {
    /// Every version, oldest first.
    pub const ALL: [Version; 5] = [
        Version::V2025_09_29,
        Version::V2025_12_12,
        Version::V2026_01_16,
        Version::V2026_01_30,
        Version::V2026_04_17,
    ];

    /// The version this crate's types implement.
    pub const CURRENT: Version = Version::V2026_04_17;

    /// The date as sent in the `API-Version` header: `2025-09-29`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2025_09_29 => "2025-09-29",
            Self::V2025_12_12 => "2025-12-12",
            Self::V2026_01_16 => "2026-01-16",
            Self::V2026_01_30 => "2026-01-30",
            Self::V2026_04_17 => "2026-04-17",
        }
    }

    /// The version named by an `API-Version` value (surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The folder of this version's specification in the shared spec tree beside the repository
    /// (`acp-legacy/2025-09-29`, `acp-2026-04-17`), holding `json-schema/` and `examples/`.
    pub fn spec_dir(self) -> &'static str {
        match self {
            Self::V2025_09_29 => "acp-legacy/2025-09-29",
            Self::V2025_12_12 => "acp-legacy/2025-12-12",
            Self::V2026_01_16 => "acp-legacy/2026-01-16",
            Self::V2026_01_30 => "acp-legacy/2026-01-30",
            Self::V2026_04_17 => "acp-2026-04-17",
        }
    }

    /// Whether the version defines carts (`schema.cart.json`): 2026-04-17 is the first.
    pub fn has_carts(self) -> bool {
        self >= Self::V2026_04_17
    }

    /// Requests list `items: [{id, quantity}]`; line items carry five amounts.
    pub(crate) fn legacy_items(self) -> bool {
        self <= Self::V2026_01_16
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no known ACP version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown ACP version {0:?}")]
pub struct UnknownVersion(pub String);

impl FromStr for Version {
    type Err = UnknownVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownVersion(s.to_owned()))
    }
}

/// The newest version both sides speak: `ours` (what this side implements) against `theirs` (an
/// error's `supported_versions`, an `API-Version` list). Strings that name no version are
/// ignored.
pub fn newest_common(ours: &[Version], theirs: &[&str]) -> Option<Version> {
    let theirs: Vec<Version> = theirs.iter().filter_map(|s| Version::parse(s)).collect();
    ours.iter().copied().filter(|v| theirs.contains(v)).max()
}

/// What kind of body a JSON value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    /// `POST /checkout_sessions`.
    CreateRequest,
    /// `POST /checkout_sessions/{id}`.
    UpdateRequest,
    /// `POST /checkout_sessions/{id}/complete`.
    CompleteRequest,
    /// `POST /checkout_sessions/{id}/cancel` (2025-09-29 defines no body: adapted to `{}`).
    CancelRequest,
    /// A checkout session, with or without `order`.
    Session,
    /// `POST /agentic_commerce/delegate_payment`.
    DelegatePaymentRequest,
    /// Its `201` answer.
    DelegatePaymentResponse,
    /// A checkout error (`Error` of the checkout schema).
    Error,
    /// A delegate-payment error (`Error` of the delegate-payment schema, other codes).
    DelegatePaymentError,
    /// `POST /carts` (2026-04-17 and later).
    CartCreateRequest,
    /// `PUT /carts/{id}` (2026-04-17 and later).
    CartUpdateRequest,
    /// `POST /carts/{id}/cancel`: "empty or `{}`" (`openapi.cart.yaml` gives a bare object and
    /// `schema.cart.json` no definition), so every member is unknown.
    CartCancelRequest,
    /// A cart (the answer of every cart route, 2026-04-17 and later).
    Cart,
}

impl Body {
    /// Every kind.
    pub const ALL: [Body; 13] = [
        Body::CreateRequest,
        Body::UpdateRequest,
        Body::CompleteRequest,
        Body::CancelRequest,
        Body::Session,
        Body::DelegatePaymentRequest,
        Body::DelegatePaymentResponse,
        Body::Error,
        Body::DelegatePaymentError,
        Body::CartCreateRequest,
        Body::CartUpdateRequest,
        Body::CartCancelRequest,
        Body::Cart,
    ];

    /// Defined in `schema.delegate_payment.json` rather than `schema.agentic_checkout.json`.
    pub fn is_delegate_payment(self) -> bool {
        matches!(
            self,
            Self::DelegatePaymentRequest
                | Self::DelegatePaymentResponse
                | Self::DelegatePaymentError
        )
    }

    /// A cart request (`schema.cart.json`, whose definitions refer into the checkout schema).
    pub fn is_cart(self) -> bool {
        matches!(
            self,
            Self::CartCreateRequest
                | Self::CartUpdateRequest
                | Self::CartCancelRequest
                | Self::Cart
        )
    }

    /// The schema file that defines this kind, in a version's `json-schema/` folder.
    pub fn schema_file(self) -> &'static str {
        if self.is_delegate_payment() {
            "schema.delegate_payment.json"
        } else if self.is_cart() {
            "schema.cart.json"
        } else {
            "schema.agentic_checkout.json"
        }
    }

    /// The `$defs` entry for this kind in `version` (a session with an order validates against
    /// `CheckoutSessionWithOrder`); `None` where the version defines none.
    pub fn definition(self, version: Version) -> Option<&'static str> {
        Some(match self {
            Self::CreateRequest => "CheckoutSessionCreateRequest",
            Self::UpdateRequest => "CheckoutSessionUpdateRequest",
            Self::CompleteRequest => "CheckoutSessionCompleteRequest",
            Self::CancelRequest if version == Version::V2025_09_29 => return None,
            Self::CancelRequest => "CancelSessionRequest",
            Self::Session => "CheckoutSession",
            Self::DelegatePaymentRequest => "DelegatePaymentRequest",
            Self::DelegatePaymentResponse => "DelegatePaymentResponse",
            Self::Error | Self::DelegatePaymentError => "Error",
            Self::CartCreateRequest if version.has_carts() => "CartCreateRequest",
            Self::CartUpdateRequest if version.has_carts() => "CartUpdateRequest",
            Self::Cart if version.has_carts() => "Cart",
            Self::CartCreateRequest
            | Self::CartUpdateRequest
            | Self::CartCancelRequest
            | Self::Cart => {
                return None;
            }
        })
    }
}

/// What an older version's request leaves unsaid, for [`to_current_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// `currency` of a create request from a version without one (before 2026-01-30): the
    /// merchant's currency. Default `usd`.
    pub currency: String,
    /// `payment_data.handler_id` of a complete request from a version that names a provider
    /// instead (before 2026-01-30): the merchant's card handler. `None` (the default) uses the
    /// provider's name, which is the id [`to_current`] gives the handler it makes of such a
    /// version's `payment_provider`.
    pub handler_id: Option<String>,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            currency: "usd".into(),
            handler_id: None,
        }
    }
}

/// `version`'s wire JSON → 2026-04-17 wire JSON, with [`Defaults::default`].
pub fn to_current(version: Version, body: Body, value: Value) -> Result<Value, AdaptError> {
    to_current_with(version, body, value, &Defaults::default())
}

/// `version`'s wire JSON → 2026-04-17 wire JSON, filling what `version` leaves unsaid from
/// `defaults`.
pub fn to_current_with(
    version: Version,
    body: Body,
    mut value: Value,
    defaults: &Defaults,
) -> Result<Value, AdaptError> {
    strip_nulls(&mut value);
    support::as_object(&mut value, "$")?;
    schema::prune(version, body, &mut value);
    if version != Version::CURRENT {
        let obj = into_object(value, "$")?;
        value = Value::Object(match body {
            Body::CreateRequest
            | Body::UpdateRequest
            | Body::CompleteRequest
            | Body::CancelRequest => requests::up(version, body, obj, defaults)?,
            Body::Session => session::up(version, obj)?,
            Body::Error => delegate::error_up(obj),
            Body::DelegatePaymentRequest
            | Body::DelegatePaymentResponse
            | Body::DelegatePaymentError => delegate::up(body, obj),
            Body::CartCreateRequest
            | Body::CartUpdateRequest
            | Body::CartCancelRequest
            | Body::Cart => {
                return Err(no_carts(version));
            }
        });
    }
    schema::prune(Version::CURRENT, body, &mut value);
    Ok(value)
}

/// 2026-04-17 wire JSON → `version`'s wire JSON.
pub fn from_current(version: Version, body: Body, mut value: Value) -> Result<Value, AdaptError> {
    strip_nulls(&mut value);
    support::as_object(&mut value, "$")?;
    schema::prune(Version::CURRENT, body, &mut value);
    if version != Version::CURRENT {
        let obj = into_object(value, "$")?;
        value = Value::Object(match body {
            Body::CreateRequest
            | Body::UpdateRequest
            | Body::CompleteRequest
            | Body::CancelRequest => requests::down(version, body, obj)?,
            Body::Session => session::down(version, obj)?,
            Body::Error => delegate::error_down(version, obj),
            Body::DelegatePaymentRequest
            | Body::DelegatePaymentResponse
            | Body::DelegatePaymentError => delegate::down(version, body, obj)?,
            Body::CartCreateRequest
            | Body::CartUpdateRequest
            | Body::CartCancelRequest
            | Body::Cart => {
                return Err(no_carts(version));
            }
        });
    }
    schema::prune(version, body, &mut value);
    Ok(value)
}

/// Carts exist only from 2026-04-17: there is nothing to convert a cart body to or from.
fn no_carts(version: Version) -> AdaptError {
    AdaptError::inexpressible("$", version, "this version has no carts")
}

/// JSONPaths (RFC 9535, `$.line_items[0].quantity`) of every member `version`'s schema does not
/// allow in a body of kind `body`, so a merchant can answer 400 naming the field instead of
/// silently dropping it. Empty for a body that is not an object (its parse fails elsewhere).
pub fn unknown_fields(version: Version, body: Body, value: &Value) -> Vec<String> {
    if value.is_object() {
        schema::unknown(version, body, value)
    } else {
        Vec::new()
    }
}

/// [`to_current`], then parsed into this crate's type for the body (e.g.
/// [`crate::checkout::CheckoutSession`] for [`Body::Session`]).
pub fn decode<T: DeserializeOwned>(
    version: Version,
    body: Body,
    value: Value,
) -> Result<T, AdaptError> {
    let current = to_current(version, body, value)?;
    serde_json::from_value(current).map_err(|e| AdaptError::invalid("$", e.to_string()))
}

/// `value` written as 2026-04-17 JSON, then [`from_current`].
pub fn encode<T: Serialize>(version: Version, body: Body, value: &T) -> Result<Value, AdaptError> {
    let current =
        serde_json::to_value(value).map_err(|e| AdaptError::invalid("$", e.to_string()))?;
    from_current(version, body, current)
}

/// A merchant's session in `version` as a [`crate::checkout::CheckoutSession`].
pub fn decode_session(
    version: Version,
    value: Value,
) -> Result<crate::checkout::CheckoutSession, AdaptError> {
    decode(version, Body::Session, value)
}
