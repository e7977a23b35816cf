//! Who buys and where it goes: the buyer's contact and delivery address (ACP's `Buyer` and
//! `FulfillmentDetails`, with only the fields the card reads or sends), the card the buyer typed,
//! and the wallet's saved buyer.
//!
//! The contact and the address are read from the wallet and written to the merchant unchanged,
//! so they carry serde's names for both; absent optionals are never written as `null`.

use serde::{Deserialize, Serialize};

/// ACP `Buyer`: how the merchant reaches the buyer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// ACP `FulfillmentDetails`: who receives the order, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// ACP `Address`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub line_one: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_two: Option<String>,
    pub city: String,
    /// Empty where the country has no states.
    #[serde(default)]
    pub state: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub postal_code: String,
}

/// The card the buyer typed. It goes to the wallet (or the payment provider), never to the
/// merchant; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct CardEntry {
    pub number: String,
    pub exp_month: String,
    pub exp_year: String,
    pub cvc: String,
    pub name: String,
}

impl std::fmt::Debug for CardEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardEntry([redacted])")
    }
}

/// The wallet's `GET /buyer` (200): the signed-in buyer's saved details.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SavedBuyer {
    #[serde(rename = "buyer")]
    pub contact: Contact,
    #[serde(rename = "fulfillment_details", default)]
    pub delivery: Option<Delivery>,
    #[serde(rename = "payment_method")]
    pub card: SavedCard,
}

impl SavedBuyer {
    /// "Name, City" for "ship to …", when the wallet has an address.
    pub fn ship_to(&self) -> Option<String> {
        let address = self.delivery.as_ref()?.address.as_ref()?;
        Some(format!("{}, {}", address.name, address.city))
    }
}

/// A saved card as the wallet shows it: never the number.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SavedCard {
    /// What the wallet's token request names.
    pub id: String,
    pub brand: String,
    pub last4: String,
}
