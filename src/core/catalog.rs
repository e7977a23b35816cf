//! A parsed product feed, tolerant of bad products.
//!
//! A timeline can show many cards from one feed. One malformed product (a negative price, a
//! missing title) must not blank every card, so products are parsed one by one: a bad product is
//! kept as an error under its id and only the cards that show it report it.

use std::collections::HashMap;

use super::listing::Product;
use serde::Deserialize;
use thiserror::Error;

/// Why a feed could not be used at all. Cheap to clone: one result is shared by every card.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FeedError {
    #[error("the feed does not exist (HTTP 404)")]
    NotFound,
    #[error("the feed request failed with HTTP {0}")]
    Http(u16),
    /// The server answered, but not to this page: the browser's CORS check hid the feed (the
    /// shop does not serve it to this site's origin).
    #[error("the feed is not served to this page (CORS)")]
    Unavailable,
    #[error("the feed could not be reached: {0}")]
    Network(String),
    #[error("the feed did not answer in time")]
    Timeout,
    #[error("the feed is not a valid ACP products response: {0}")]
    Parse(String),
}

/// A product entry: the product, or why it could not be read.
pub type Entry = Result<Product, String>;

#[derive(Debug, Default)]
pub struct Catalog {
    entries: HashMap<String, Entry>,
    /// Ids in feed order (the carousel shows products in this order).
    order: Vec<String>,
}

impl Catalog {
    /// Parses a `GET /feeds/{id}/products` body (`ProductsResponse`).
    pub fn parse(body: &str) -> Result<Self, FeedError> {
        #[derive(Deserialize)]
        struct Loose {
            products: Vec<serde_json::Value>,
        }
        let loose: Loose =
            serde_json::from_str(body).map_err(|e| FeedError::Parse(e.to_string()))?;
        let mut catalog = Catalog::default();
        for value in loose.products {
            // Without a string id a product cannot be addressed by any card: skip it.
            let Some(id) = value
                .get("id")
                .and_then(|id| id.as_str())
                .map(str::to_owned)
            else {
                continue;
            };
            if catalog.entries.contains_key(&id) {
                continue; // First occurrence wins, as in the feed order.
            }
            let entry = serde_json::from_value::<Product>(value).map_err(|e| e.to_string());
            catalog.order.push(id.clone());
            catalog.entries.insert(id, entry);
        }
        Ok(catalog)
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    pub fn ids(&self) -> &[String] {
        &self.order
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_parses() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/acp-2026-04-17/examples/examples.feed.json"
        );
        let text = std::fs::read_to_string(path).expect("spec examples beside the repo");
        let examples: serde_json::Value = serde_json::from_str(&text).expect("json");
        for key in [
            "get_products_response",
            "upsert_products_request_single_product",
        ] {
            let catalog = Catalog::parse(&examples[key].to_string()).expect(key);
            let entry = catalog.get("prod_classic_tee").expect("present");
            assert!(entry.is_ok(), "{key}: {entry:?}");
        }
    }

    #[test]
    fn one_bad_product_does_not_spoil_the_feed() {
        let body = r#"{"products":[
            {"id":"good","variants":[{"id":"g1","title":"Good"}]},
            {"id":"bad","variants":[{"id":"b1","title":"Bad","price":{"amount":-5,"currency":"USD"}}]},
            {"id":"huge","variants":[{"id":"h1","title":"Huge","price":{"amount":1e400,"currency":"USD"}}]},
            {"variants":[]},
            {"id":"good","title":"duplicate","variants":[]}
        ]}"#;
        // 1e400 overflows f64: serde_json rejects the whole document, which is a parse error.
        assert!(matches!(Catalog::parse(body), Err(FeedError::Parse(_))));
        let body = body.replace("1e400", "99999999999999999999999");
        let catalog = Catalog::parse(&body).expect("parses");
        assert_eq!(catalog.ids(), ["good", "bad", "huge"]);
        assert!(catalog.get("good").is_some_and(Result::is_ok));
        assert!(catalog.get("bad").is_some_and(Result::is_err));
        assert!(catalog.get("huge").is_some_and(Result::is_err));
        assert_eq!(
            catalog
                .get("good")
                .and_then(|e| e.as_ref().ok())
                .and_then(|p| p.title.clone()),
            None,
            "the first occurrence wins"
        );
    }

    #[test]
    fn not_a_feed() {
        for body in ["", "<html>", "{}", r#"{"products":{}}"#, "[]"] {
            assert!(
                matches!(Catalog::parse(body), Err(FeedError::Parse(_))),
                "{body:?}"
            );
        }
    }
}
