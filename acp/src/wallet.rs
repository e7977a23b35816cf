//! The platform wallet API a host site implements for one-click (not part of ACP; shared here so
//! the buy card and the reference server agree on it). See the README's wallet section.

use serde::{Deserialize, Serialize};

use crate::checkout::{Buyer, FulfillmentDetails};

/// A saved payment method as the wallet shows it: never the number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethod {
    pub id: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: String,
    pub exp_year: String,
}

/// `GET /wallet/buyer` (200): the signed-in buyer's saved details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedBuyer {
    pub buyer: Buyer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_details: Option<FulfillmentDetails>,
    pub payment_method: PaymentMethod,
}
