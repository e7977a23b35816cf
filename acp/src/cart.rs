//! Carts (`schema.cart.json`, `rfc.cart.md`): a basket with estimated pricing, before checkout.
//!
//! A cart reuses the checkout's types (`LineItem`, `Item`, `Buyer`, `Total`, `Message`). As in
//! checkout requests, an `Item` has no quantity: the same id listed twice is two units.

use serde::{Deserialize, Serialize};

use crate::checkout::{Buyer, Item, LineItem, Message, Total, TotalType};

/// `POST /carts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartCreateRequest {
    pub line_items: Vec<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// `PUT /carts/{id}`: the whole cart again (full replacement).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartUpdateRequest {
    pub line_items: Vec<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
}

/// A cart, as every cart route answers it. `totals` are the seller's estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cart {
    pub id: String,
    pub line_items: Vec<LineItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Buyer>,
    /// ISO 4217, chosen by the seller.
    pub currency: String,
    pub totals: Vec<Total>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl Cart {
    /// The estimated `total`, if the cart states one.
    pub fn total(&self) -> Option<i64> {
        self.totals
            .iter()
            .find(|t| t.kind == TotalType::Total)
            .map(|t| t.amount)
    }
}
