//! A feed's products as the browser reads them: only the fields a card, the banner, the cart and
//! the buy flow show (issue 14, "read only the fields the card renders into small read models").
//!
//! The full ACP types (`buycard_acp::feed`) stay on the server and in tests. Here, a field no view
//! reads is skipped without being decoded: its derived deserialiser, and every type under it
//! (descriptions, barcodes, categories, unit prices, measures, links), are not in the wasm. The
//! fields that are read keep the schema's types and requirements (an `id`, `variants`, a
//! variant's `id` and `title`, a price's integer `amount` ≥ 0 and its `currency`), so a product
//! the full type refuses for one of them is refused here too. A malformed field that nothing
//! shows no longer makes a product unusable: the card has nothing to say about it.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Product {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub media: Option<Vec<Media>>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Variant {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub price: Option<Price>,
    #[serde(default)]
    pub list_price: Option<Price>,
    #[serde(default)]
    pub availability: Option<Availability>,
    #[serde(default)]
    pub variant_options: Option<Vec<VariantOption>>,
    #[serde(default)]
    pub media: Option<Vec<Media>>,
    #[serde(default)]
    pub seller: Option<Seller>,
}

/// An amount in ISO 4217 minor units (`minimum: 0`) and its currency, validated where it is used
/// ([`crate::core::money::Money::from_acp`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Price {
    pub amount: u64,
    pub currency: String,
}

/// `status` is extensible; [`crate::core::availability::Availability::from_acp`] reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Availability {
    #[serde(default)]
    pub available: Option<bool>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Media {
    /// `image`, `video`, `model`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    #[serde(default)]
    pub alt_text: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VariantOption {
    pub name: String,
    pub value: String,
}

/// The seller's name; its links are not shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Seller {
    #[serde(default)]
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use buycard_acp::feed as acp;
    use serde_json::Value;

    /// What the read model holds of a full ACP product: the same values, field by field.
    fn read_of(full: &acp::Product) -> Product {
        let media = |m: &Option<Vec<acp::Media>>| {
            m.as_ref().map(|list| {
                list.iter()
                    .map(|m| Media {
                        kind: m.kind.clone(),
                        url: m.url.clone(),
                        alt_text: m.alt_text.clone(),
                        width: m.width,
                        height: m.height,
                    })
                    .collect()
            })
        };
        let price = |p: &Option<acp::Price>| {
            p.as_ref().map(|p| Price {
                amount: p.amount,
                currency: p.currency.clone(),
            })
        };
        Product {
            id: full.id.clone(),
            title: full.title.clone(),
            url: full.url.clone(),
            media: media(&full.media),
            variants: full
                .variants
                .iter()
                .map(|v| Variant {
                    id: v.id.clone(),
                    title: v.title.clone(),
                    url: v.url.clone(),
                    price: price(&v.price),
                    list_price: price(&v.list_price),
                    availability: v.availability.as_ref().map(|a| Availability {
                        available: a.available,
                        status: a.status.clone(),
                    }),
                    variant_options: v.variant_options.as_ref().map(|o| {
                        o.iter()
                            .map(|o| VariantOption {
                                name: o.name.clone(),
                                value: o.value.clone(),
                            })
                            .collect()
                    }),
                    media: media(&v.media),
                    seller: v.seller.as_ref().map(|s| Seller {
                        name: s.name.clone(),
                    }),
                })
                .collect(),
        }
    }

    /// Every product of `products`: the full type and the read model both parse it, and agree.
    fn agree(products: &Value, source: &str) -> usize {
        let list = products.as_array().expect("a products array");
        for value in list {
            let full: acp::Product = serde_json::from_value(value.clone())
                .unwrap_or_else(|e| panic!("{source}: the full type reads {value}: {e}"));
            let read: Product = serde_json::from_value(value.clone())
                .unwrap_or_else(|e| panic!("{source}: the read model reads {value}: {e}"));
            assert_eq!(read, read_of(&full), "{source}: product {}", full.id);
        }
        list.len()
    }

    fn file(path: &str) -> String {
        let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn the_spec_s_example_products_read_as_the_full_type_reads_them() {
        let examples: Value = serde_json::from_str(&file(
            "../shared/acp-2026-04-17/examples/examples.feed.json",
        ))
        .expect("JSON");
        let mut seen = 0;
        for key in [
            "get_products_response",
            "upsert_products_request_single_product",
        ] {
            seen += agree(&examples[key]["products"], key);
        }
        assert!(seen >= 2, "{seen} example products");
    }

    #[test]
    fn the_demo_shops_products_read_as_the_full_type_reads_them() {
        for catalog in [
            "server/catalog/products.jsonl",
            "server/catalog-harbor/products.jsonl",
        ] {
            let products: Vec<Value> = file(catalog)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).expect("a JSON line"))
                .collect();
            assert!(agree(&Value::Array(products), catalog) >= 2);
        }
    }

    #[test]
    fn what_the_schema_requires_of_a_read_field_is_still_required() {
        let refused = |json: &str| serde_json::from_str::<Product>(json).is_err();
        let ok = r#"{"id":"p","variants":[{"id":"v","title":"V","price":{"amount":100,"currency":"USD"}}]}"#;
        assert!(!refused(ok));
        assert!(refused(r#"{"variants":[]}"#), "no id");
        assert!(refused(r#"{"id":"p"}"#), "no variants");
        assert!(
            refused(r#"{"id":"p","variants":[{"id":"v"}]}"#),
            "a variant without a title"
        );
        assert!(
            refused(
                r#"{"id":"p","variants":[{"id":"v","title":"V","price":{"amount":-1,"currency":"USD"}}]}"#
            ),
            "a negative price"
        );
        assert!(
            refused(
                r#"{"id":"p","variants":[{"id":"v","title":"V","price":{"amount":1.5,"currency":"USD"}}]}"#
            ),
            "a fractional amount"
        );
        assert!(
            refused(
                r#"{"id":"p","variants":[{"id":"v","title":"V","media":[{"url":"https://x.example/a.jpg"}]}]}"#
            ),
            "media without a type"
        );
    }

    #[test]
    fn a_malformed_field_no_view_reads_does_not_refuse_the_product() {
        let json = r#"{"id":"p","description":7,"variants":[{"id":"v","title":"V","barcodes":"none",
            "unit_price":{"amount":"x"},"categories":{},"seller":{"name":"Shop","links":5}}]}"#;
        assert!(
            serde_json::from_str::<acp::Product>(json).is_err(),
            "the full type refuses it"
        );
        let read: Product = serde_json::from_str(json).expect("the read model takes it");
        assert_eq!(
            read.variants[0]
                .seller
                .as_ref()
                .and_then(|s| s.name.as_deref()),
            Some("Shop")
        );
    }
}
