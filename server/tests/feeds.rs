//! The feed API through the full router (middleware included), with every response body
//! validated against the specification's own JSON schema.

mod common;

use common::{assert_schema, repo, schema_errors};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use buycard_server::{Catalog, Config, build_state, router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn app() -> axum::Router {
    let config = Config::for_tests(repo().join("server/catalog"));
    let state = build_state(&config, "http://127.0.0.1:8787")
        .await
        .expect("demo catalog");
    router(state, &config)
}

fn assert_valid(definition: &str, body: &Value) {
    assert_schema("schema.feed.json", definition, body);
}

async fn get(uri: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
    let response = app()
        .await
        .oneshot(
            Request::get(uri)
                .header("Origin", "https://timeline.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, value)
}

#[tokio::test]
async fn feed_metadata_is_served_and_valid() {
    for prefix in ["", "/api"] {
        let (status, _, body) = get(&format!("{prefix}/feeds/demo")).await;
        assert_eq!(status, StatusCode::OK);
        assert_valid("FeedMetadata", &body);
        assert_eq!(body["id"], "demo");
    }
}

#[tokio::test]
async fn products_are_served_valid_and_readable_from_any_origin() {
    let (status, headers, body) = get("/api/feeds/demo/products").await;
    assert_eq!(status, StatusCode::OK);
    assert_valid("ProductsResponse", &body);
    assert_eq!(
        headers
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(&b"*"[..])
    );
    assert!(
        headers.contains_key("request-id"),
        "every response carries a request id"
    );
    let products = body["products"].as_array().expect("array");
    assert!(products.len() >= 6);
    // Relative media in products.jsonl became absolute URLs on this server.
    assert_eq!(
        products[0]["media"][0]["url"],
        "http://127.0.0.1:8787/media/print.svg"
    );
}

#[tokio::test]
async fn demo_catalog_covers_the_cases_the_card_shows() {
    let (_, _, body) = get("/feeds/demo/products").await;
    let statuses: Vec<&str> = body["products"]
        .as_array()
        .expect("array")
        .iter()
        .flat_map(|p| p["variants"].as_array().expect("variants"))
        .filter_map(|v| v["availability"]["status"].as_str())
        .collect();
    for status in [
        "in_stock",
        "limited_stock",
        "preorder",
        "backorder",
        "out_of_stock",
    ] {
        assert!(statuses.contains(&status), "the demo shows {status}");
    }
    let currencies: Vec<&str> = body["products"]
        .as_array()
        .expect("array")
        .iter()
        .flat_map(|p| p["variants"].as_array().expect("variants"))
        .filter_map(|v| v["price"]["currency"].as_str())
        .collect();
    assert!(currencies.contains(&"USD") && currencies.contains(&"EUR"));
}

#[tokio::test]
async fn unknown_feed_is_the_spec_error() {
    for uri in ["/feeds/nope", "/api/feeds/nope/products"] {
        let (status, _, body) = get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            json!({"type": "invalid_request", "code": "feed_not_found", "message": "Feed not found", "param": "id"})
        );
    }
}

#[tokio::test]
async fn unknown_routes_get_a_flat_error() {
    let (status, _, body) = get("/api/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["type"], "invalid_request");
}

#[tokio::test]
async fn media_is_served() {
    let response = app()
        .await
        .oneshot(
            Request::get("/media/tee.svg")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
}

#[test]
fn a_broken_catalog_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("buycard-bad-catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("metadata.json"), r#"{"id":"x"}"#).expect("write");
    std::fs::write(
        dir.join("products.jsonl"),
        "{\"id\":\"a\",\"variants\":[]}\n{\"id\":\"b\"}\n",
    )
    .expect("write");
    let err = Catalog::load(&dir, "http://x").expect_err("line 2 has no variants");
    assert!(err.to_string().contains("line 2"), "{err}");
    std::fs::write(
        dir.join("products.jsonl"),
        "{\"id\":\"a\",\"variants\":[]}\n{\"id\":\"a\",\"variants\":[]}\n",
    )
    .expect("write");
    let err = Catalog::load(&dir, "http://x").expect_err("duplicate");
    assert!(err.to_string().contains("appears twice"), "{err}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn the_schema_check_is_not_vacuous() {
    // A relative media URL is not a `uri`, and a float is not an amount: the validator says so.
    let errors = |body: Value| schema_errors("schema.feed.json", "ProductsResponse", &body);
    let relative = json!({"products": [{"id": "a", "variants": [],
        "media": [{"type": "image", "url": "media/x.svg"}]}]});
    assert!(!errors(relative).is_empty());
    let float = json!({"products": [{"id": "a", "variants": [{"id": "v", "title": "V",
        "price": {"amount": 19.99, "currency": "USD"}}]}]});
    assert!(!errors(float).is_empty());
    assert!(errors(json!({"products": []})).is_empty());
}
