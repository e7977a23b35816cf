//! Product feeds (`schema.feed.json`, `openapi.feed.yaml`, `rfc.product_feeds.md`).
//!
//! A feed is metadata plus a product set. Offline publication uses a folder with `metadata.json`
//! ([`FeedMetadata`]) and `products.jsonl` (one [`Product`] per line); the HTTP API serves
//! `GET /feeds/{id}` ([`FeedMetadata`]) and `GET /feeds/{id}/products` ([`ProductsResponse`]).

use serde::{Deserialize, Serialize};

/// Structured description; the schema requires at least one of the three forms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
}

/// A price in ISO 4217 minor units (`amount` is an integer, `minimum: 0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub amount: u64,
    /// Three upper-case letters (`^[A-Z]{3}$`); validated where it is used.
    pub currency: String,
}

/// Purchasability of a variant. `status` is extensible: clients must cope with values they do not
/// know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
    /// `in_stock`, `limited_stock`, `backorder`, `preorder`, `out_of_stock`, `discontinued`, or a
    /// value this version does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Barcode {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// A media asset. The first item of a `media` list is the primary listing asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// `image`, `video`, `model`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    /// Rendered width in pixels, when known (lets a client reserve space before the image loads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantOption {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub url: String,
}

/// Seller or marketplace identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
}

/// A measured quantity for unit pricing. This is a physical measure (12.5 oz), not money, so the
/// schema's `number` maps to `f64`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceMeasure {
    pub value: u64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitPrice {
    pub amount: u64,
    pub currency: String,
    pub measure: Measure,
    pub reference: ReferenceMeasure,
}

/// A purchasable variant: what checkout receives as the item id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcodes: Option<Vec<Barcode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_price: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<UnitPrice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<Category>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_options: Option<Vec<VariantOption>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<Media>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller: Option<Seller>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<Seller>,
}

/// A product groups one or more variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<Media>>,
    pub variants: Vec<Variant>,
}

/// Server-managed feed metadata (`metadata.json` offline, `GET /feeds/{id}` online).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedMetadata {
    pub id: String,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_country: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateFeedRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_country: Option<String>,
}

/// `GET /feeds/{id}/products`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductsResponse {
    pub products: Vec<Product>,
}

/// `PATCH /feeds/{id}/products`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsertProductsRequest {
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertProductsResponse {
    pub id: String,
    pub accepted: bool,
}

/// An error in a `products.jsonl` file, with the 1-based line it was found on.
#[derive(Debug)]
pub struct JsonlError {
    pub line: usize,
    pub source: serde_json::Error,
}

impl std::fmt::Display for JsonlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.source)
    }
}

impl std::error::Error for JsonlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Parses an offline `products.jsonl`: one [`Product`] per non-blank line.
pub fn parse_products_jsonl(text: &str) -> Result<Vec<Product>, JsonlError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|source| JsonlError {
                line: index + 1,
                source,
            })
        })
        .collect()
}
