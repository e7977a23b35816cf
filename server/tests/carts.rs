//! ACP carts (2026-04-17) over HTTP against a running server: create, get, full replacement,
//! cancel, estimates, availability messages, idempotency, versions, auth and durability; every
//! answer validated against `schema.cart.json` (`Cart`) or the checkout schema's `Error`.

mod common;

use std::path::PathBuf;

use buycard_server::store::{Database, Store};
use common::*;
use hyper::StatusCode;
use serde_json::{Value, json};

const CART_SCHEMA: &str = "schema.cart.json";
const CHECKOUT_SCHEMA: &str = "schema.agentic_checkout.json";

fn items(ids: &[&str]) -> Value {
    Value::Array(ids.iter().map(|id| json!({"id": id})).collect())
}

/// The amount of the cart's (or a line's) total of type `kind`; amounts are integers.
fn amount(totals: &Value, kind: &str) -> i64 {
    totals
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {totals}"))["amount"]
        .as_i64()
        .expect("an integer amount")
}

/// (code, param) of each message of type `kind`.
fn messages(cart: &Value, kind: &str) -> Vec<(String, String)> {
    cart["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["type"] == kind)
        .map(|m| {
            (
                m["code"].as_str().unwrap_or("").to_owned(),
                m["param"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn id_of(cart: &Value) -> String {
    cart["id"].as_str().expect("id").to_owned()
}

async fn create(base: &str, body: &Value) -> Value {
    let reply = post(base, "/carts", &unique_key("cart"), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_cart_answers_estimated_totals_in_integer_minor_units() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let body = json!({
        "line_items": items(&["tour-tee-m", "enamel-pin-gold", "tour-tee-m"]),
        "buyer": {"email": "ada@example.com", "first_name": "Ada"},
        "locale": "en-US"
    });
    let reply = post(base, "/carts", &unique_key("cart"), &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let cart = &reply.body;
    let id = id_of(cart);
    assert!(id.starts_with("cart_"), "{id}");
    assert_eq!(cart["currency"], "usd", "the seller's currency");
    assert_eq!(cart["buyer"]["email"], "ada@example.com");

    // The same id twice is one line of two, in the order first listed.
    let lines = cart["line_items"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (&lines[0]["item"]["id"], &lines[0]["quantity"]),
        (&json!("tour-tee-m"), &json!(2))
    );
    assert_eq!(lines[0]["unit_amount"], 2500);
    assert_eq!(lines[0]["name"], "Tour T-shirt, M");
    assert_eq!(amount(&lines[0]["totals"], "subtotal"), 5000);
    assert_eq!(amount(&lines[1]["totals"], "subtotal"), 800);

    // Estimates: the items only, the line totals add up to the cart's, nothing about tax or
    // delivery (no address), and a message says so.
    let line_sum: i64 = lines.iter().map(|l| amount(&l["totals"], "total")).sum();
    assert_eq!(amount(&cart["totals"], "subtotal"), 5800);
    assert_eq!(amount(&cart["totals"], "total"), 5800);
    assert_eq!(line_sum, 5800);
    for total in cart["totals"].as_array().expect("totals") {
        assert!(total["amount"].is_i64(), "{total}");
        assert!(
            !matches!(total["type"].as_str(), Some("tax" | "fulfillment")),
            "a cart has no address to tax or ship to: {total}"
        );
    }
    for line in lines {
        for total in line["totals"].as_array().expect("line totals") {
            assert!(total["amount"].is_i64(), "{total}");
            assert_ne!(total["type"], "tax", "{total}");
        }
    }
    assert_eq!(messages(cart, "error"), Vec::<(String, String)>::new());
    assert_eq!(messages(cart, "info").len(), 1, "{}", cart["messages"]);

    assert_eq!(
        cart["continue_url"],
        format!("{base}/carts/{id}"),
        "continue_url is where the cart is recovered"
    );
    let expires = time::OffsetDateTime::parse(
        cart["expires_at"].as_str().expect("expires_at"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339");
    let in_a_week = time::OffsetDateTime::now_utc() + time::Duration::days(7);
    assert!(
        (expires - in_a_week).abs() < time::Duration::minutes(5),
        "{expires}"
    );

    // A GET renders the same cart afresh.
    let again = get(base, &format!("/carts/{id}")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(&again.body, cart);
    // Under /api too, as the checkout is.
    let api = send(
        "GET",
        &format!("{base}/api/carts/{id}"),
        &[("api-version", API_VERSION)],
        None,
    )
    .await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(&api.body, cart);
    server.stop().await;
}

#[tokio::test]
async fn put_replaces_the_whole_cart_and_cancel_ends_it() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let created = create(
        base,
        &json!({"line_items": items(&["tour-tee-m"]), "buyer": {"email": "ada@example.com"}}),
    )
    .await;
    let id = id_of(&created);
    let path = format!("/carts/{id}");

    let more = put(
        base,
        &path,
        &json!({"line_items": items(&["tour-tee-m", "tour-tee-m", "tour-tee-m", "enamel-pin-gold"]),
                "buyer": {"email": "grace@example.com"}}),
    )
    .await;
    assert_eq!(more.status, StatusCode::OK, "{}", more.body);
    assert_eq!(more.body["id"], json!(id));
    assert_eq!(more.body["line_items"][0]["quantity"], 3);
    assert_eq!(more.body["line_items"][1]["item"]["id"], "enamel-pin-gold");
    assert_eq!(more.body["buyer"]["email"], "grace@example.com");
    assert_eq!(amount(&more.body["totals"], "total"), 3 * 2500 + 800);
    assert!(
        more.body["expires_at"].as_str() >= created["expires_at"].as_str(),
        "an update starts the expiry again"
    );

    // Full replacement: what is not sent is gone, the buyer too.
    let fewer = put(
        base,
        &path,
        &json!({"line_items": items(&["enamel-pin-gold"])}),
    )
    .await;
    assert_eq!(fewer.status, StatusCode::OK, "{}", fewer.body);
    let lines = fewer.body["line_items"].as_array().expect("lines");
    assert_eq!(lines.len(), 1, "the tee was removed");
    assert_eq!(lines[0]["item"]["id"], "enamel-pin-gold");
    assert!(fewer.body.get("buyer").is_none(), "{}", fewer.body);
    assert_eq!(amount(&fewer.body["totals"], "total"), 800);
    assert_eq!(get(base, &path).await.body, fewer.body);

    // Cancel answers the cart as it was; then the id is gone for every operation.
    let cancel_path = format!("{path}/cancel");
    let canceled = post(base, &cancel_path, "cancel-1", &json!({})).await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.body);
    assert_eq!(canceled.body, fewer.body);
    let gone = get(base, &path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["code"], "not_found");
    assert_eq!(gone.body["type"], "invalid_request");
    let put_gone = put(base, &path, &json!({"line_items": items(&["tour-tee-m"])})).await;
    assert_eq!(put_gone.status, StatusCode::NOT_FOUND);
    let cancel_gone = post(base, &cancel_path, "cancel-2", &json!({})).await;
    assert_eq!(cancel_gone.status, StatusCode::NOT_FOUND);
    // The cancel's own retry gets its answer again.
    let retried = post(base, &cancel_path, "cancel-1", &json!({})).await;
    assert_eq!(retried.status, StatusCode::OK);
    assert_eq!(retried.headers["idempotent-replayed"], "true");
    assert_eq!(retried.body, canceled.body);

    // A cancel without a body is the same as `{}`.
    let other = id_of(&create(base, &json!({"line_items": items(&["tour-tee-m"])})).await);
    let bare = send(
        "POST",
        &format!("{base}/carts/{other}/cancel"),
        &[("api-version", API_VERSION), ("idempotency-key", "bare")],
        None,
    )
    .await;
    assert_eq!(bare.status, StatusCode::OK, "{}", bare.body);
    assert_schema(CART_SCHEMA, "Cart", &bare.body);

    let unknown = get(base, "/carts/cart_nope").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["code"], "not_found");
    server.stop().await;
}

#[tokio::test]
async fn creating_a_cart_is_idempotent() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let body = json!({"line_items": items(&["tour-tee-m", "enamel-pin-gold"])});
    let first = post(base, "/carts", "cart-key", &body).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!first.headers.contains_key("idempotent-replayed"));
    // Same key, same meaning (keys in another order): the same cart, not a second one.
    let reordered: Value =
        serde_json::from_str(r#"{"line_items":[{"id":"tour-tee-m"},{"id":"enamel-pin-gold"}]}"#)
            .expect("json");
    let replay = post(base, "/carts", "cart-key", &reordered).await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.raw, first.raw, "byte-identical replay");
    // Same key, another body.
    let conflict = post(
        base,
        "/carts",
        "cart-key",
        &json!({"line_items": items(&["enamel-pin-gold"])}),
    )
    .await;
    assert_eq!(conflict.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(conflict.body["code"], "idempotency_conflict");
    // A POST without a key is refused; a PUT needs none.
    let keyless = send(
        "POST",
        &format!("{base}/carts"),
        &[("api-version", API_VERSION)],
        Some(&body),
    )
    .await;
    assert_eq!(keyless.status, StatusCode::BAD_REQUEST);
    assert_eq!(keyless.body["code"], "idempotency_key_required");
    assert_schema(CHECKOUT_SCHEMA, "Error", &keyless.body);
    let id = id_of(&first.body);
    let replaced = put(base, &format!("/carts/{id}"), &body).await;
    assert_eq!(replaced.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn fields_the_schema_does_not_define_are_refused_by_name() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let cart = create(base, &json!({"line_items": items(&["tour-tee-m"])})).await;
    let path = format!("/carts/{}", id_of(&cart));
    let cases = [
        (
            "/carts".to_owned(),
            json!({"line_items": [{"id": "tour-tee-m", "quantity": 2}]}),
            "$.line_items[0].quantity",
        ),
        (
            "/carts".to_owned(),
            json!({"line_items": items(&["tour-tee-m"]), "currency": "usd"}),
            "$.currency",
        ),
        (
            "/carts".to_owned(),
            json!({"line_items": items(&["tour-tee-m"]), "buyer": {"email": "a@b.co", "nickname": "A"}}),
            "$.buyer.nickname",
        ),
        (
            format!("{path}/cancel"),
            json!({"reason": "changed my mind"}),
            "$.reason",
        ),
    ];
    for (route, body, param) in cases {
        let reply = post(base, &route, &unique_key("unknown"), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body["code"], "unknown_field", "{}", reply.body);
        assert_eq!(reply.body["param"], param);
        assert!(
            reply.body["message"]
                .as_str()
                .is_some_and(|m| m.contains(param)),
            "{}",
            reply.body
        );
    }
    // An update has no locale (a create does).
    let locale = put(
        base,
        &path,
        &json!({"line_items": items(&["tour-tee-m"]), "locale": "fr-FR"}),
    )
    .await;
    assert_eq!(locale.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (&locale.body["code"], &locale.body["param"]),
        (&json!("unknown_field"), &json!("$.locale"))
    );
    // The cart was not touched by any of them.
    assert_eq!(get(base, &path).await.body, cart);

    // Other bad input: a flat error with a JSONPath.
    for (body, param) in [
        (json!({"line_items": []}), "$.line_items"),
        (json!({}), "$"),
        (json!({"line_items": [{"id": 5}]}), "$.line_items[0].id"),
    ] {
        let reply = post(base, "/carts", &unique_key("bad"), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body["code"], "invalid", "{}", reply.body);
        assert_eq!(reply.body["param"], param);
        let replaced = put(base, &path, &body).await;
        assert_eq!(replaced.status, StatusCode::BAD_REQUEST, "{body}");
    }
    let not_json = send(
        "PUT",
        &format!("{base}{path}"),
        &[("api-version", API_VERSION)],
        None,
    )
    .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_json.body["code"], "invalid_json");
    let list = post(base, &format!("{path}/cancel"), "list", &json!([])).await;
    assert_eq!(
        list.status,
        StatusCode::BAD_REQUEST,
        "a cancel body is an object"
    );
    server.stop().await;
}

#[tokio::test]
async fn lines_that_cannot_be_bought_as_asked_are_kept_with_a_message() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let cart = create(
        base,
        &json!({"line_items": items(&[
            "tour-tee-m",
            "tour-tee-l",             // sold out
            "no-such-thing",          // not sold here
            "night-market-print-a3",  // three of a two-per-order print
            "night-market-print-a3",
            "night-market-print-a3",
            "long-thread-hardcover",  // priced in EUR
        ])}),
    )
    .await;
    let lines = cart["line_items"].as_array().expect("lines");
    let ids: Vec<&str> = lines
        .iter()
        .map(|l| l["item"]["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "tour-tee-m",
            "tour-tee-l",
            "no-such-thing",
            "night-market-print-a3",
            "long-thread-hardcover"
        ],
        "no line is dropped"
    );
    let errors = messages(&cart, "error");
    for expected in [
        ("out_of_stock", "$.line_items[1].item.id"),
        ("not_found", "$.line_items[2].item.id"),
        ("quantity_exceeded", "$.line_items[3].item.id"),
        ("invalid", "$.line_items[4].item.id"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {errors:?}"
        );
    }
    assert_eq!(errors.len(), 4, "the tee M is fine: {errors:?}");
    assert_eq!(cart["currency"], "usd");
    // Lines the cart cannot price (unknown, another currency) have no amount; the others add up.
    for unpriced in [&lines[2], &lines[4]] {
        assert!(unpriced.get("unit_amount").is_none(), "{unpriced}");
        assert_eq!(unpriced["totals"], json!([]));
    }
    assert_eq!(lines[4]["name"], "Relié");
    assert_eq!(lines[1]["availability_status"], "out_of_stock");
    let priced: i64 = lines
        .iter()
        .filter(|l| l["totals"] != json!([]))
        .map(|l| amount(&l["totals"], "subtotal"))
        .sum();
    assert_eq!(priced, 2500 + 2500 + 3 * 12000);
    assert_eq!(amount(&cart["totals"], "total"), priced);
    server.stop().await;
}

#[tokio::test]
async fn a_cart_of_nothing_that_can_be_bought_is_refused() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    for (ids, code) in [
        (&["tour-tee-l"][..], "out_of_stock"),
        (
            &["tour-tee-l", "debut-vinyl-orange", "no-such-thing"][..],
            "out_of_stock",
        ),
        (&["no-such-thing"][..], "invalid_item_id"),
    ] {
        let reply = post(
            base,
            "/carts",
            &unique_key("none"),
            &json!({"line_items": items(ids)}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{ids:?}");
        assert_eq!(
            (&reply.body["type"], &reply.body["code"]),
            (&json!("invalid_request"), &json!(code)),
            "{}",
            reply.body
        );
    }
    // A replacement by nothing available is refused too, and the cart stays as it was.
    let cart = create(base, &json!({"line_items": items(&["tour-tee-m"])})).await;
    let path = format!("/carts/{}", id_of(&cart));
    let refused = put(base, &path, &json!({"line_items": items(&["tour-tee-l"])})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["code"], "out_of_stock");
    assert_eq!(get(base, &path).await.body, cart);
    server.stop().await;
}

/// Buys `units` prints through checkout (one session, one order).
async fn buy_prints(base: &str, units: usize) {
    let session = ready_session(base, &vec!["night-market-print-a3"; units]).await;
    let token = token(base, &session, "4242424242424242").await;
    let id = session["id"].as_str().expect("id");
    let done = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        &unique_key("complete"),
        &payment(&token),
    )
    .await;
    assert_eq!(done.body["status"], "completed", "{}", done.body);
}

#[tokio::test]
async fn a_cart_follows_the_stock_that_checkouts_take() {
    // Ten prints in stock, two per order. A cart holds two; other buyers take the rest.
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let cart = create(
        base,
        &json!({"line_items": items(&["night-market-print-a3", "night-market-print-a3", "tour-tee-m"])}),
    )
    .await;
    let path = format!("/carts/{}", id_of(&cart));
    assert_eq!(cart["line_items"][0]["available_quantity"], 10);
    for _ in 0..4 {
        buy_prints(base, 2).await;
    }
    buy_prints(base, 1).await;
    // One left: the cart is not a reservation; it says so on the line.
    let one_left = get(base, &path).await;
    assert_eq!(one_left.body["line_items"][0]["available_quantity"], 1);
    assert_eq!(
        messages(&one_left.body, "error"),
        [(
            "out_of_stock".to_owned(),
            "$.line_items[0].item.id".to_owned()
        )]
    );
    assert!(
        one_left.body["messages"]
            .to_string()
            .contains("Only 1 of 'Night Market: signed limited-edition print' left"),
        "{}",
        one_left.body["messages"]
    );
    buy_prints(base, 1).await;
    let sold_out = get(base, &path).await;
    assert_eq!(
        sold_out.body["line_items"][0]["availability_status"],
        "out_of_stock"
    );
    assert!(
        sold_out.body["messages"].to_string().contains("sold out"),
        "{}",
        sold_out.body["messages"]
    );
    // Still a cart: the agent chooses what to do with the line.
    assert_eq!(
        sold_out.body["line_items"].as_array().map(Vec::len),
        Some(2)
    );
    server.stop().await;
}

#[tokio::test]
async fn versions_without_carts_answer_404() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let body = json!({"line_items": items(&["tour-tee-m"])});
    for version in ["2025-09-29", "2025-12-12", "2026-01-16", "2026-01-30"] {
        for (method, path, body) in [
            ("POST", "/carts", Some(&body)),
            ("GET", "/carts/cart_x", None),
            ("PUT", "/carts/cart_x", Some(&body)),
            ("POST", "/carts/cart_x/cancel", Some(&body)),
            ("POST", "/api/carts", Some(&body)),
        ] {
            let reply = send(
                method,
                &format!("{base}{path}"),
                &[("api-version", version), ("idempotency-key", "old-key")],
                body,
            )
            .await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{version} {method} {path}"
            );
            assert_eq!(reply.body["code"], "not_found");
            assert!(
                reply.body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("2026-04-17")),
                "the answer says which version has carts: {}",
                reply.body
            );
            let errors = schema_errors_in(version, CHECKOUT_SCHEMA, "Error", &reply.body);
            assert!(errors.is_empty(), "{version}: {errors:?}");
        }
    }
    // Nothing was kept for the key: the same key in 2026-04-17 makes a cart.
    let current = post(base, "/carts", "old-key", &body).await;
    assert_eq!(current.status, StatusCode::CREATED);
    assert!(!current.headers.contains_key("idempotent-replayed"));
    // An unknown version is the usual 400 with the versions to choose from.
    let unknown = send(
        "GET",
        &format!("{base}/carts/cart_x"),
        &[("api-version", "2024-01-01")],
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["code"], "unsupported_api_version");
    server.stop().await;
}

#[tokio::test]
async fn carts_need_the_api_key_or_an_allowed_origin() {
    let mut config = demo_config();
    config.api_key = Some("sk_test_123".into());
    config.allow_origins = vec!["https://timeline.example".into()];
    let server = Server::start(config).await;
    let base = &server.base;
    let url = format!("{base}/carts");
    let body = json!({"line_items": items(&["tour-tee-m"])});
    let headers = |key: &'static str, extra: (&'static str, &'static str)| {
        vec![
            ("api-version", API_VERSION),
            ("idempotency-key", key),
            extra,
        ]
    };
    let anonymous = send("POST", &url, &headers("a1", ("accept", "*/*")), Some(&body)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_schema(CHECKOUT_SCHEMA, "Error", &anonymous.body);
    let wrong = send(
        "POST",
        &url,
        &headers("a2", ("authorization", "Bearer nope")),
        Some(&body),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let keyed = send(
        "POST",
        &url,
        &headers("a3", ("authorization", "Bearer sk_test_123")),
        Some(&body),
    )
    .await;
    assert_eq!(keyed.status, StatusCode::CREATED, "{}", keyed.body);
    let cart = format!("{url}/{}", id_of(&keyed.body));
    let get_anonymous = send("GET", &cart, &[("api-version", API_VERSION)], None).await;
    assert_eq!(get_anonymous.status, StatusCode::UNAUTHORIZED);
    let put_anonymous = send("PUT", &cart, &[("api-version", API_VERSION)], Some(&body)).await;
    assert_eq!(put_anonymous.status, StatusCode::UNAUTHORIZED);
    let browser = send(
        "PUT",
        &cart,
        &[
            ("api-version", API_VERSION),
            ("origin", "https://timeline.example"),
        ],
        Some(&body),
    )
    .await;
    assert_eq!(browser.status, StatusCode::OK, "{}", browser.body);
    assert_eq!(
        browser.headers["access-control-allow-origin"],
        "https://timeline.example"
    );
    let stranger = send(
        "GET",
        &cart,
        &[
            ("api-version", API_VERSION),
            ("origin", "https://evil.example"),
        ],
        None,
    )
    .await;
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
    // The browser may send the PUT (preflight), with ACP's headers.
    let preflight = send(
        "OPTIONS",
        &cart,
        &[
            ("origin", "https://timeline.example"),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "api-version,content-type"),
        ],
        None,
    )
    .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    let methods = preflight.headers["access-control-allow-methods"]
        .to_str()
        .expect("methods");
    assert!(methods.contains("PUT"), "{methods}");
    server.stop().await;
}

#[tokio::test]
async fn carts_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("buycard-carts-restart-{}", std::process::id()));
    _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut config = demo_config();
    config.database = buycard_server::store::Database::Sqlite(dir.join("db.sqlite"));
    let body = json!({"line_items": items(&["tour-tee-m", "enamel-pin-gold"]),
                      "buyer": {"email": "ada@example.com"}});
    let server = Server::start(config.clone()).await;
    let created = post(&server.base, "/carts", "restart-key", &body).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = id_of(&created.body);
    let first_base = server.base.clone();
    server.stop().await;

    let server = Server::start(config).await;
    let again = get(&server.base, &format!("/carts/{id}")).await;
    assert_eq!(again.status, StatusCode::OK);
    // The same cart, but for the URLs: the new process listens on another port.
    let before = String::from_utf8_lossy(&created.raw).replace(&first_base, &server.base);
    assert_eq!(
        again.body,
        serde_json::from_str::<Value>(&before).expect("json")
    );
    let replay = post(&server.base, "/carts", "restart-key", &body).await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.body["id"], json!(id), "no second cart");
    server.stop().await;
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test]
async fn the_cart_schema_check_is_not_vacuous() {
    let server = Server::start(demo_config()).await;
    let cart = create(
        &server.base,
        &json!({"line_items": items(&["tour-tee-m"]), "buyer": {"email": "ada@example.com"}}),
    )
    .await;
    assert!(schema_errors(CART_SCHEMA, "Cart", &cart).is_empty());
    let broken = |path: &str, value: Value| {
        let mut body = cart.clone();
        *body.pointer_mut(path).unwrap_or_else(|| panic!("{path}")) = value;
        schema_errors(CART_SCHEMA, "Cart", &body)
    };
    // The cart's own members…
    assert!(
        !broken("/currency", json!(840)).is_empty(),
        "a number currency"
    );
    let mut extra = cart.clone();
    extra["surprise"] = json!(true);
    assert!(
        !schema_errors(CART_SCHEMA, "Cart", &extra).is_empty(),
        "an unknown member"
    );
    // …and what it refers to in the checkout schema: LineItem, Item, Total, Buyer, Message.
    assert!(
        !broken("/totals/0/amount", json!(19.99)).is_empty(),
        "a float amount"
    );
    assert!(
        !broken(
            "/line_items/0/item",
            json!({"id": "tour-tee-m", "quantity": 2})
        )
        .is_empty(),
        "an Item has no quantity"
    );
    assert!(
        !broken("/line_items/0/quantity", json!(0)).is_empty(),
        "a LineItem has at least one unit"
    );
    assert!(
        !broken(
            "/line_items/0/totals/0",
            json!({"type": "subtotal", "amount": 1})
        )
        .is_empty(),
        "a Total has display_text"
    );
    assert!(
        !broken("/buyer", json!({"first_name": "Ada"})).is_empty(),
        "a Buyer has an email"
    );
    assert!(
        !broken(
            "/messages/0",
            json!({"type": "warning", "code": "out_of_stock",
            "content_type": "plain", "content": "x"})
        )
        .is_empty(),
        "out_of_stock is not a warning code"
    );
    let mut without = cart.clone();
    if let Some(fields) = without.as_object_mut() {
        fields.remove("totals");
    }
    assert!(
        !schema_errors(CART_SCHEMA, "Cart", &without).is_empty(),
        "totals are required"
    );
    // An error body is checked as the checkout schema's Error.
    assert!(
        schema_errors(
            CART_SCHEMA,
            "Error",
            &json!({"type": "invalid_request",
        "code": "not_found", "message": "Cart not found"})
        )
        .is_empty()
    );
    assert!(!schema_errors(CART_SCHEMA, "Error", &json!({"code": "not_found"})).is_empty());
    server.stop().await;
}

/// A server whose database the test opens too, to see what is stored: two instances on a fresh
/// PostgreSQL database with `BUYCARD_TEST_POSTGRES`, else one on a SQLite file under `name`.
async fn server_with_database(name: &str) -> (Server, Database, Option<PathBuf>) {
    let mut config = demo_config();
    if let Some(url) = fresh_postgres().await {
        config.database = Database::Postgres(url);
        config.secret = Some(SHARED_SECRET.to_owned());
        return (Server::pair(config.clone()).await, config.database, None);
    }
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    config.database = Database::Sqlite(dir.join("db.sqlite"));
    (
        Server::start(config.clone()).await,
        config.database,
        Some(dir),
    )
}

#[tokio::test]
async fn a_replacement_racing_a_cancel_never_brings_the_cart_back() {
    let (server, database, dir) = server_with_database("buycard-carts-cancel-race").await;
    let base = &server.base;
    let mut carts = Vec::new();
    for round in 0..20 {
        let created = create(base, &json!({"line_items": items(&["tour-tee-m"])})).await;
        let id = id_of(&created);
        let path = format!("/carts/{id}");
        let replacement = json!({"line_items": items(&["enamel-pin-gold"]),
                                 "buyer": {"email": format!("round{round}@example.com")}});
        let cancel_path = format!("{path}/cancel");
        let (key, empty) = (unique_key("cancel"), json!({}));
        let (replaced, canceled) = tokio::join!(
            put(base, &path, &replacement),
            post(base, &cancel_path, &key, &empty)
        );
        assert_eq!(
            canceled.status,
            StatusCode::OK,
            "round {round}: {}",
            canceled.body
        );
        if replaced.status == StatusCode::OK {
            // The replacement came first: the cancel answers the replaced cart.
            assert_schema(CART_SCHEMA, "Cart", &replaced.body);
            assert_eq!(canceled.body, replaced.body, "round {round}");
        } else {
            // Refused in words the spec defines (its Error), whichever way it lost.
            assert_schema(CHECKOUT_SCHEMA, "Error", &replaced.body);
            assert_eq!(canceled.body, created, "round {round}: the cart as created");
            assert!(
                (replaced.status == StatusCode::NOT_FOUND
                    && replaced.body["message"] == "This cart was canceled")
                    || (replaced.status == StatusCode::CONFLICT
                        && replaced.body["code"] == "concurrent_update"
                        && replaced.headers["retry-after"] == "1"),
                "round {round}: {} {}",
                replaced.status,
                replaced.body
            );
        }
        let after = get(base, &path).await;
        assert_eq!(
            after.status,
            StatusCode::NOT_FOUND,
            "round {round}: {}",
            after.body
        );
        assert_eq!(after.body["message"], "This cart was canceled");
        // Created, perhaps replaced, canceled: one version each.
        let writes = if replaced.status == StatusCode::OK {
            3
        } else {
            2
        };
        carts.push((id, writes));
    }
    server.stop().await;
    let store = Store::open(&database).await.expect("open");
    for (id, writes) in carts {
        let stored = store.merchant_carts.get(&id).await.expect("get");
        let stored = stored.unwrap_or_else(|| panic!("{id} is kept"));
        let doc: Value = serde_json::from_str(&stored.doc).expect("json");
        assert_eq!(doc["canceled"], true, "{id}: {doc}");
        assert_eq!(stored.version, writes, "{id}");
    }
    if let Some(dir) = dir {
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}

#[tokio::test]
async fn two_replacements_at_once_leave_one_of_them_whole() {
    let (server, database, dir) = server_with_database("buycard-carts-put-race").await;
    let base = &server.base;
    let tees = json!({"line_items": items(&["tour-tee-m", "tour-tee-m"]),
                      "buyer": {"email": "ada@example.com"}});
    let pins = json!({"line_items": items(&["enamel-pin-gold"]),
                      "buyer": {"email": "grace@example.com"}});
    let (mut carts, mut both) = (Vec::new(), 0);
    for round in 0..10 {
        let id = id_of(&create(base, &json!({"line_items": items(&["tour-tee-m"])})).await);
        let path = format!("/carts/{id}");
        let (a, b) = tokio::join!(put(base, &path, &tees), put(base, &path, &pins));
        let mut answered = Vec::new();
        for reply in [&a, &b] {
            if reply.status == StatusCode::OK {
                assert_schema(CART_SCHEMA, "Cart", &reply.body);
                answered.push(&reply.body);
            } else {
                assert_schema(CHECKOUT_SCHEMA, "Error", &reply.body);
                // A replacement that kept losing says so; it is never answered 200 and dropped.
                assert!(
                    reply.status == StatusCode::CONFLICT
                        && reply.body["code"] == "concurrent_update"
                        && reply.headers["retry-after"] == "1",
                    "round {round}: {} {}",
                    reply.status,
                    reply.body
                );
            }
        }
        let stored = get(base, &path).await;
        assert_eq!(stored.status, StatusCode::OK, "round {round}");
        assert!(
            answered.contains(&&stored.body),
            "round {round}: the cart is one answered replacement, whole: {}",
            stored.body
        );
        if answered.len() == 2 {
            both += 1;
        }
        carts.push((id, 1 + answered.len()));
    }
    assert!(both > 0, "most rounds answer both");
    server.stop().await;
    let store = Store::open(&database).await.expect("open");
    for (id, writes) in carts {
        let stored = store.merchant_carts.get(&id).await.expect("get");
        let version = stored.unwrap_or_else(|| panic!("{id} is kept")).version;
        assert_eq!(
            usize::try_from(version).ok(),
            Some(writes),
            "{id}: one version per answered write"
        );
    }
    if let Some(dir) = dir {
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
