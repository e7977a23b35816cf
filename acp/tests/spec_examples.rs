//! The specification's own examples must parse, and serialise back to the same JSON.

use buycard_acp::ErrorResponse;
use buycard_acp::feed::{
    FeedMetadata, Product, ProductsResponse, UpsertProductsRequest, parse_products_jsonl,
};
mod common;

use serde_json::Value;

fn spec_examples() -> Value {
    common::examples("examples.feed.json")
}

/// Parse `value` as `T` and check nothing is lost or added when it is written back.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) -> T {
    common::round_trip("feed example", value)
}

#[test]
fn feed_metadata_examples_round_trip() {
    let ex = spec_examples();
    for key in ["create_feed_response", "get_feed_response"] {
        let meta: FeedMetadata = round_trip(&ex[key]);
        assert_eq!(meta.id, "feed_8f3K2x");
        assert_eq!(meta.target_country.as_deref(), Some("US"));
    }
}

#[test]
fn products_response_example_round_trips() {
    let resp: ProductsResponse = round_trip(&spec_examples()["get_products_response"]);
    assert_eq!(resp.products[0].variants[0].id, "sku123-red-s");
}

#[test]
fn full_product_example_keeps_every_field() {
    let req: UpsertProductsRequest =
        round_trip(&spec_examples()["upsert_products_request_single_product"]);
    let variant = &req.products[0].variants[0];
    let price = variant.price.as_ref().expect("price");
    assert_eq!((price.amount, price.currency.as_str()), (1999, "USD"));
    let availability = variant.availability.as_ref().expect("availability");
    assert_eq!(availability.status.as_deref(), Some("out_of_stock"));
    assert_eq!(availability.available, Some(false));
    assert_eq!(variant.variant_options.as_ref().map(Vec::len), Some(2));
}

#[test]
fn error_examples_round_trip() {
    let ex = spec_examples();
    let err: ErrorResponse = round_trip(&ex["feed_error_not_found"]);
    assert_eq!(
        (err.kind.as_str(), err.code.as_str()),
        ("invalid_request", "feed_not_found")
    );
    let _: ErrorResponse = round_trip(&ex["feed_error_invalid_request"]);
}

#[test]
fn unknown_fields_are_tolerated_on_read() {
    let product: Product = serde_json::from_str(
        r#"{"id":"p","variants":[{"id":"v","title":"V","future_field":{"x":1}}],"also_new":true}"#,
    )
    .expect("unknown fields are ignored");
    assert_eq!(product.variants[0].id, "v");
}

#[test]
fn money_is_integer_minor_units() {
    let negative = serde_json::from_str::<Product>(
        r#"{"id":"p","variants":[{"id":"v","title":"V","price":{"amount":-1,"currency":"USD"}}]}"#,
    );
    assert!(negative.is_err(), "a negative amount is rejected");
    let float = serde_json::from_str::<Product>(
        r#"{"id":"p","variants":[{"id":"v","title":"V","price":{"amount":19.99,"currency":"USD"}}]}"#,
    );
    assert!(float.is_err(), "a float amount is rejected");
}

#[test]
fn jsonl_reports_the_failing_line() {
    let text = "{\"id\":\"a\",\"variants\":[]}\n\n{\"id\":\"b\",\"variants\":[]}\n{\"id\":\"c\"}\n";
    let err = parse_products_jsonl(text).expect_err("line 4 has no variants");
    assert_eq!(err.line, 4);
    let ok =
        parse_products_jsonl("{\"id\":\"a\",\"variants\":[]}\n\n").expect("blank lines skipped");
    assert_eq!(ok.len(), 1);
}
