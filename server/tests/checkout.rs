//! Checkout sessions over HTTP against a running server: every endpoint, every status
//! transition, the idempotency rules of ACP §6, the test PSP; every body validated against the
//! shared JSON schema.

mod common;

use common::*;
use hyper::StatusCode;
use serde_json::{Value, json};

const SCHEMA: &str = "schema.agentic_checkout.json";

fn total(session: &Value) -> i64 {
    session["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["type"] == "total")
        .expect("total")["amount"]
        .as_i64()
        .expect("integer")
}

#[tokio::test]
async fn headers_are_checked() {
    let server = Server::start(demo_config()).await;
    let body = json!({"currency": "usd", "line_items": [{"id": "tour-tee-m"}], "capabilities": {}});
    let url = format!("{}/checkout_sessions", server.base);

    let missing = send("POST", &url, &[("idempotency-key", "k1")], Some(&body)).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["code"], "missing_api_version");
    assert_eq!(
        missing.body["supported_versions"],
        json!([
            "2025-09-29",
            "2025-12-12",
            "2026-01-16",
            "2026-01-30",
            API_VERSION
        ])
    );
    assert_schema(SCHEMA, "Error", &missing.body);

    let unknown = send(
        "POST",
        &url,
        &[("idempotency-key", "k1"), ("api-version", "2024-01-01")],
        Some(&body),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["code"], "unsupported_api_version");

    // A merchant limited to the current version refuses the older ones it could speak.
    let mut config = demo_config();
    config.acp_versions = vec![buycard_acp::versions::Version::CURRENT];
    let current_only = Server::start(config).await;
    let old = send(
        "POST",
        &format!("{}/checkout_sessions", current_only.base),
        &[("idempotency-key", "k1"), ("api-version", "2025-09-29")],
        Some(&body),
    )
    .await;
    assert_eq!(old.status, StatusCode::BAD_REQUEST);
    assert_eq!(old.body["code"], "unsupported_api_version");
    assert_eq!(old.body["supported_versions"], json!([API_VERSION]));

    let no_key = send("POST", &url, &[("api-version", API_VERSION)], Some(&body)).await;
    assert_eq!(no_key.status, StatusCode::BAD_REQUEST);
    assert_eq!(no_key.body["code"], "idempotency_key_required");
    assert_schema(SCHEMA, "Error", &no_key.body);

    let ok = send(
        "POST",
        &url,
        &[
            ("api-version", API_VERSION),
            ("idempotency-key", "k-echo"),
            ("request-id", "req-42"),
        ],
        Some(&body),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(ok.headers["idempotency-key"], "k-echo");
    assert_eq!(ok.headers["request-id"], "req-42");
    server.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_flat_error_with_a_jsonpath() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let cases = [
        (
            json!({"currency": "usd", "line_items": [{"id": "nope"}], "capabilities": {}}),
            "invalid_item_id",
            "$.line_items[0].id",
        ),
        (
            json!({"currency": "usd", "line_items": [], "capabilities": {}}),
            "invalid",
            "$.line_items",
        ),
        (
            json!({"currency": "usd", "line_items": [{"id": 5}], "capabilities": {}}),
            "invalid",
            "$.line_items[0].id",
        ),
        (
            json!({"currency": "usd", "capabilities": {}}),
            "invalid",
            "$",
        ),
    ];
    for (body, code, param) in cases {
        let reply = post(base, "/checkout_sessions", &unique_key("bad"), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            (reply.body["code"].as_str(), reply.body["param"].as_str()),
            (Some(code), Some(param)),
            "{}",
            reply.body
        );
        assert_schema(SCHEMA, "Error", &reply.body);
    }
    let garbage = send(
        "POST",
        &format!("{base}/checkout_sessions"),
        &[("api-version", API_VERSION), ("idempotency-key", "g")],
        None,
    )
    .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    assert_eq!(garbage.body["code"], "invalid_json");
    let huge =
        json!({"currency": "usd", "line_items": [{"id": "x".repeat(100_000)}], "capabilities": {}});
    let reply = post(base, "/checkout_sessions", "huge", &huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let unknown = get(base, "/checkout_sessions/cs_nope").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_schema(SCHEMA, "Error", &unknown.body);
    server.stop().await;
}

#[tokio::test]
async fn the_spec_examples_are_accepted() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let examples: Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo().join("../shared/acp-2026-04-17/examples/examples.agentic_checkout.json"),
        )
        .expect("spec"),
    )
    .expect("json");
    // The examples name items of their own shop; ours sells the tour tee under another id.
    let mut create = examples["create_checkout_session_request"].clone();
    create["line_items"][0]["id"] = json!("tour-tee-m");
    let created = post(base, "/checkout_sessions", "ex-create", &create).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_schema(SCHEMA, "CheckoutSession", &created.body);
    assert_eq!(
        created.body["status"], "ready_for_payment",
        "{}",
        created.body["messages"]
    );
    let id = created.body["id"].as_str().expect("id").to_owned();

    let mut update = examples["update_checkout_session_request"].clone();
    update["selected_fulfillment_options"][0]["option_id"] = json!("ship_express");
    let updated = post(
        base,
        &format!("/checkout_sessions/{id}"),
        "ex-update",
        &update,
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_schema(SCHEMA, "CheckoutSession", &updated.body);
    assert!(
        total(&updated.body) > total(&created.body),
        "express costs more"
    );

    let token = token(base, &updated.body, "4242424242424242").await;
    let mut complete = examples["complete_checkout_session_request"].clone();
    complete["payment_data"]["instrument"]["credential"]["token"] = json!(token);
    let done = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "ex-complete",
        &complete,
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_schema(SCHEMA, "CheckoutSessionWithOrder", &done.body);

    // And the delegate-payment example, with an allowance for this shop and a future expiry.
    let dp: Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo().join("../shared/acp-2026-04-17/examples/examples.delegate_payment.json"),
        )
        .expect("spec"),
    )
    .expect("json");
    let mut request = dp["delegate_payment_request"].clone();
    request["allowance"]["expires_at"] = json!("2099-10-09T07:20:50.52Z");
    request["payment_method"]["exp_year"] = json!("2031");
    let issued = post(
        base,
        "/agentic_commerce/delegate_payment",
        "ex-dp",
        &request,
    )
    .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    assert_schema(
        "schema.delegate_payment.json",
        "DelegatePaymentResponse",
        &issued.body,
    );

    let cancel_me = ready_session(base, &["enamel-pin-gold"]).await;
    let canceled = post(
        base,
        &format!(
            "/checkout_sessions/{}/cancel",
            cancel_me["id"].as_str().expect("id")
        ),
        "ex-cancel",
        &examples["cancel_checkout_session_request"],
    )
    .await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.body);
    assert_eq!(canceled.body["status"], "canceled");
    server.stop().await;
}

#[tokio::test]
async fn a_saved_buyer_buys_and_the_order_exists() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let session = ready_session(base, &["night-market-print-a3"]).await;
    assert_schema(SCHEMA, "CheckoutSession", &session);
    assert_eq!(
        session["status"], "ready_for_payment",
        "{}",
        session["messages"]
    );
    assert_eq!(
        total(&session),
        12000 + 870 + 500,
        "items + CA tax + standard shipping"
    );
    let id = session["id"].as_str().expect("id");

    let token = token(base, &session, "4242424242424242").await;
    let done = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "c1",
        &payment(&token),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_schema(SCHEMA, "CheckoutSessionWithOrder", &done.body);
    assert_eq!(done.body["status"], "completed");
    let order = &done.body["order"];
    assert_eq!(order["checkout_session_id"], id);

    let fetched = get(base, &format!("/checkout_sessions/{id}")).await;
    assert_eq!(fetched.body["status"], "completed");
    assert_eq!(fetched.body["order"], *order);
    assert_schema(SCHEMA, "CheckoutSessionWithOrder", &fetched.body);

    let page = send(
        "GET",
        order["permalink_url"].as_str().expect("url"),
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8_lossy(&page.raw);
    // The receipt names the order by the number the buyer reads, not the system id.
    let number = order["order_number"].as_str().expect("an order number");
    assert!(html.contains(number), "the receipt shows {number}");
    assert!(!html.contains(order["id"].as_str().expect("id")));
    // A receipt a person reads: the line at its price, then delivery, tax and the total that
    // add up, in dollars (never minor units), the date in words, where it goes.
    for shown in [
        "1 × $120.00",
        "<td>Delivery</td><td class=\"amount\">$5.00</td>",
        "<dd>Standard</dd>",
        "$8.70",
        "$133.70",
        "Ada Lovelace, 1 Main St, San Francisco, CA 94102, US",
        "width=device-width",
        "prefers-color-scheme: dark",
    ] {
        assert!(
            html.contains(shown),
            "{shown:?} missing from the order page:\n{html}"
        );
    }
    assert!(
        !html.contains("minor units") && !html.contains("13370"),
        "{html}"
    );
    assert!(
        !html.contains("T0") && html.contains(" UTC"),
        "the date is in words: {html}"
    );

    // Illegal transitions after completion.
    let cancel = post(
        base,
        &format!("/checkout_sessions/{id}/cancel"),
        "x1",
        &json!({}),
    )
    .await;
    assert_eq!(cancel.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_schema(SCHEMA, "Error", &cancel.body);
    let again = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "x2",
        &payment(&token),
    )
    .await;
    assert_eq!(again.status, StatusCode::METHOD_NOT_ALLOWED);
    let update = post(
        base,
        &format!("/checkout_sessions/{id}"),
        "x3",
        &json!({"buyer": {"email": "x@y.z"}}),
    )
    .await;
    assert_eq!(update.status, StatusCode::METHOD_NOT_ALLOWED);
    server.stop().await;
}

#[tokio::test]
async fn status_follows_what_the_session_lacks() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let created = post(
        base,
        "/checkout_sessions",
        "s1",
        &json!({"currency": "usd", "line_items": [{"id": "tour-tee-m"}], "capabilities": {}}),
    )
    .await;
    assert_eq!(created.body["status"], "not_ready_for_payment");
    assert_schema(SCHEMA, "CheckoutSession", &created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();

    // Completing too early names the offending field.
    let early = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "s2",
        &payment("vt_x"),
    )
    .await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    assert_eq!(early.body["param"], "$.buyer.email");
    assert_schema(SCHEMA, "Error", &early.body);

    let with_buyer = post(
        base,
        &format!("/checkout_sessions/{id}"),
        "s3",
        &json!({"buyer": {"email": "ada@example.com"}}),
    )
    .await;
    assert_eq!(with_buyer.body["status"], "not_ready_for_payment");
    assert!(
        with_buyer.body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .any(|m| m["param"] == "$.fulfillment_details.address")
    );

    let with_address = post(
        base,
        &format!("/checkout_sessions/{id}"),
        "s4",
        &json!({"fulfillment_details": {"name": "Ada", "address": address()}}),
    )
    .await;
    assert_eq!(
        with_address.body["status"], "ready_for_payment",
        "{}",
        with_address.body["messages"]
    );

    // Totals follow the destination.
    let mut paris = address();
    paris["country"] = json!("FR");
    paris["state"] = json!("");
    paris["city"] = json!("Paris");
    let abroad = post(
        base,
        &format!("/checkout_sessions/{id}"),
        "s5",
        &json!({"fulfillment_details": {"address": paris}}),
    )
    .await;
    assert_eq!(
        total(&abroad.body),
        2500 + 500 + 1500,
        "20% VAT and international shipping"
    );

    let bad_option = post(
        base,
        &format!("/checkout_sessions/{id}"),
        "s6",
        &json!({"selected_fulfillment_options": [{"type": "shipping", "option_id": "teleport", "item_ids": []}]}),
    )
    .await;
    assert_eq!(bad_option.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_option.body["param"],
        "$.selected_fulfillment_options[0].option_id"
    );

    let canceled = post(
        base,
        &format!("/checkout_sessions/{id}/cancel"),
        "s7",
        &json!({}),
    )
    .await;
    assert_eq!(canceled.body["status"], "canceled");
    let twice = post(
        base,
        &format!("/checkout_sessions/{id}/cancel"),
        "s8",
        &json!({}),
    )
    .await;
    assert_eq!(twice.status, StatusCode::METHOD_NOT_ALLOWED);
    server.stop().await;
}

#[tokio::test]
async fn limits_and_stock_are_messages() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let too_many = ready_session(base, &["night-market-print-a3"; 3]).await;
    assert_eq!(too_many["status"], "not_ready_for_payment");
    assert_eq!(too_many["messages"][0]["code"], "quantity_exceeded");
    assert_eq!(too_many["line_items"][0]["max_quantity_per_order"], 2);
    let sold_out = ready_session(base, &["debut-vinyl-orange"]).await;
    assert_eq!(sold_out["messages"][0]["code"], "out_of_stock");
    assert_eq!(sold_out["messages"][0]["param"], "$.line_items[0].item.id");
    let preorder = ready_session(base, &["long-thread-hardcover"]).await;
    assert_eq!(
        preorder["line_items"][0]["availability_status"],
        "pre_order"
    );
    assert_eq!(
        preorder["line_items"][0]["fulfillable_on"],
        "2027-01-15T00:00:00Z"
    );
    assert_eq!(preorder["currency"], "usd");
    assert!(
        preorder["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .any(|m| m["param"] == "$.currency"),
        "a EUR book in a USD session"
    );
    let tickets = ready_session(base, &["fillmore-ga", "fillmore-ga"]).await;
    assert_eq!(
        tickets["status"], "ready_for_payment",
        "{}",
        tickets["messages"]
    );
    assert_eq!(tickets["fulfillment_options"][0]["type"], "digital");
    assert_eq!(tickets["line_items"][0]["quantity"], 2);
    for session in [&too_many, &sold_out, &preorder, &tickets] {
        assert_schema(SCHEMA, "CheckoutSession", session);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_declined_card_then_a_good_one_gives_one_order() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let session = ready_session(base, &["tour-tee-m"]).await;
    let id = session["id"].as_str().expect("id");
    let bad = token(base, &session, "4000000000000002").await;
    let declined = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "d1",
        &payment(&bad),
    )
    .await;
    assert_eq!(declined.status, StatusCode::OK);
    assert_eq!(declined.body["status"], "ready_for_payment");
    assert_eq!(declined.body["messages"][0]["code"], "payment_declined");
    assert_schema(SCHEMA, "CheckoutSession", &declined.body);
    // The declined token is dead; a new card works.
    let reuse = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "d2",
        &payment(&bad),
    )
    .await;
    assert_eq!(reuse.status, StatusCode::BAD_REQUEST);
    let good = token(base, &session, "4242424242424242").await;
    let done = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "d3",
        &payment(&good),
    )
    .await;
    assert_eq!(done.body["status"], "completed", "{}", done.body);
    assert!(
        done.body["messages"]
            .as_array()
            .expect("messages")
            .is_empty(),
        "the decline message is gone"
    );
    server.stop().await;
}

#[tokio::test]
async fn three_d_secure_needs_an_authentication_result() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let session = ready_session(base, &["tour-tee-m"]).await;
    let id = session["id"].as_str().expect("id");
    let token = token(base, &session, "4000002760003184").await;
    let challenged = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "t1",
        &payment(&token),
    )
    .await;
    assert_eq!(
        challenged.body["status"], "authentication_required",
        "{}",
        challenged.body
    );
    assert!(challenged.body["authentication_metadata"].is_object());
    assert_schema(SCHEMA, "CheckoutSession", &challenged.body);

    let without = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "t2",
        &payment(&token),
    )
    .await;
    assert_eq!(without.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (
            without.body["code"].as_str(),
            without.body["param"].as_str()
        ),
        (Some("requires_3ds"), Some("$.authentication_result"))
    );

    let mut with = payment(&token);
    with["authentication_result"] = json!({"outcome": "authenticated", "outcome_details": {
        "three_ds_cryptogram": "AAIBBYNoEwAAACcKhAJkdQAAAAA=", "electronic_commerce_indicator": "05",
        "transaction_id": "f38e6948-5388-41a6-bca4-b49723c19437", "version": "2.2.0"}});
    let done = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "t3",
        &with,
    )
    .await;
    assert_eq!(done.body["status"], "completed", "{}", done.body);
    assert_schema(SCHEMA, "CheckoutSessionWithOrder", &done.body);
    server.stop().await;
}

#[tokio::test]
async fn a_token_pays_for_one_session_once() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let first = ready_session(base, &["enamel-pin-gold"]).await;
    let second = ready_session(base, &["enamel-pin-gold"]).await;
    let token = token(base, &first, "4242424242424242").await;
    let wrong = post(
        base,
        &format!(
            "/checkout_sessions/{}/complete",
            second["id"].as_str().expect("id")
        ),
        "w1",
        &payment(&token),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.body["param"],
        "$.payment_data.instrument.credential.token"
    );
    let id = first["id"].as_str().expect("id");
    let ok = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "w2",
        &payment(&token),
    )
    .await;
    assert_eq!(ok.body["status"], "completed");
    // A token whose allowance is below the total is refused.
    let third = ready_session(base, &["enamel-pin-gold"]).await;
    let mut cheap = third.clone();
    cheap["totals"] = json!([{"type": "total", "display_text": "Total", "amount": 1}]);
    let small = common::token(base, &cheap, "4242424242424242").await;
    let refused = post(
        base,
        &format!(
            "/checkout_sessions/{}/complete",
            third["id"].as_str().expect("id")
        ),
        "w3",
        &payment(&small),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body["message"]
            .as_str()
            .expect("message")
            .contains("does not cover")
    );
    server.stop().await;
}

#[tokio::test]
async fn idempotency_replays_conflicts_and_scopes() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let body = json!({"currency": "usd", "line_items": [{"id": "tour-tee-m"}], "capabilities": {}});
    let first = post(base, "/checkout_sessions", "same-key", &body).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(!first.headers.contains_key("idempotent-replayed"));
    // Same key, same meaning (other key order, 1.0 for 1): the same response, no second session.
    let reordered: Value = serde_json::from_str(
        r#"{"capabilities":{},"line_items":[{"id":"tour-tee-m"}],"currency":"usd"}"#,
    )
    .expect("json");
    let replay = post(base, "/checkout_sessions", "same-key", &reordered).await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.raw, first.raw, "byte-identical replay");
    // Same key, different body.
    let conflict = post(
        base,
        "/checkout_sessions",
        "same-key",
        &json!({"currency": "usd", "line_items": [{"id": "enamel-pin-gold"}], "capabilities": {}}),
    )
    .await;
    assert_eq!(conflict.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(conflict.body["code"], "idempotency_conflict");
    assert_schema(SCHEMA, "Error", &conflict.body);
    // Keys are scoped to the path: the same key on another endpoint is independent.
    let id = first.body["id"].as_str().expect("id");
    let update = post(
        base,
        &format!("/checkout_sessions/{id}"),
        "same-key",
        &json!({"buyer": {"email": "a@b.c"}}),
    )
    .await;
    assert_eq!(update.status, StatusCode::OK);
    // A rejected request is replayed too (4xx is a response like any other).
    let bad = post(
        base,
        "/checkout_sessions",
        "bad-key",
        &json!({"currency": "usd", "line_items": [], "capabilities": {}}),
    )
    .await;
    let bad_again = post(
        base,
        "/checkout_sessions",
        "bad-key",
        &json!({"currency": "usd", "line_items": [], "capabilities": {}}),
    )
    .await;
    assert_eq!(
        (bad.status, bad_again.status),
        (StatusCode::BAD_REQUEST, StatusCode::BAD_REQUEST)
    );
    assert_eq!(bad_again.headers["idempotent-replayed"], "true");
    server.stop().await;
}

#[tokio::test]
async fn a_replayed_complete_does_not_charge_twice() {
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let session = ready_session(base, &["tour-tee-m"]).await;
    let id = session["id"].as_str().expect("id");
    let token = token(base, &session, "4242424242424242").await;
    let path = format!("/checkout_sessions/{id}/complete");
    // Two concurrent requests with one key: one runs; the other is told it is in flight or gets
    // the replay. Never two orders.
    let pay = payment(&token);
    let (a, b) = tokio::join!(
        post(base, &path, "pay-once", &pay),
        post(base, &path, "pay-once", &pay)
    );
    let statuses = [a.status, b.status];
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    for reply in [&a, &b] {
        if reply.status == StatusCode::CONFLICT {
            assert_eq!(reply.body["code"], "idempotency_in_flight");
            assert_eq!(reply.headers["retry-after"], "1");
        } else {
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.body["status"], "completed");
        }
    }
    let retry = post(base, &path, "pay-once", &payment(&token)).await;
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    let order_ids: std::collections::HashSet<&str> = [&a, &b, &retry]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .map(|r| r.body["order"]["id"].as_str().expect("order"))
        .collect();
    assert_eq!(order_ids.len(), 1, "one order, whatever the retries");
    server.stop().await;
}

#[tokio::test]
async fn replays_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("buycard-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut config = demo_config();
    config.database = buycard_server::store::Database::Sqlite(dir.join("db.sqlite"));
    let server = Server::start(config.clone()).await;
    let session = ready_session(&server.base, &["tour-tee-m"]).await;
    let id = session["id"].as_str().expect("id").to_owned();
    let token = token(&server.base, &session, "4242424242424242").await;
    let done = post(
        &server.base,
        &format!("/checkout_sessions/{id}/complete"),
        "restart-key",
        &payment(&token),
    )
    .await;
    assert_eq!(done.body["status"], "completed");
    server.stop().await;

    let server = Server::start(config).await;
    let replay = post(
        &server.base,
        &format!("/checkout_sessions/{id}/complete"),
        "restart-key",
        &payment(&token),
    )
    .await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.body["order"], done.body["order"]);
    let session = get(&server.base, &format!("/checkout_sessions/{id}")).await;
    assert_eq!(
        session.body["status"], "completed",
        "sessions and orders survive a restart"
    );
    server.stop().await;
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test]
async fn the_schema_check_is_not_vacuous() {
    let server = Server::start(demo_config()).await;
    let session = ready_session(&server.base, &["tour-tee-m"]).await;
    assert!(schema_errors(SCHEMA, "CheckoutSession", &session).is_empty());
    let mut float = session.clone();
    float["totals"][0]["amount"] = json!(19.99);
    assert!(
        !schema_errors(SCHEMA, "CheckoutSession", &float).is_empty(),
        "a float amount is caught"
    );
    let mut extra = session.clone();
    extra["surprise"] = json!(true);
    assert!(
        !schema_errors(SCHEMA, "CheckoutSession", &extra).is_empty(),
        "an unknown field is caught"
    );
    assert!(
        !schema_errors(SCHEMA, "CheckoutSessionWithOrder", &session).is_empty(),
        "no order, not WithOrder"
    );
    server.stop().await;
}

#[tokio::test]
async fn two_completes_of_one_session_make_one_order() {
    // Two cards for the same product on one page, or a double tap that got two keys: two
    // different keys and tokens race for one session.
    let server = Server::start(demo_config()).await;
    let base = &server.base;
    let session = ready_session(base, &["tour-tee-m"]).await;
    let id = session["id"].as_str().expect("id");
    let (t1, t2) = (
        token(base, &session, "4242424242424242").await,
        token(base, &session, "4242424242424242").await,
    );
    let path = format!("/checkout_sessions/{id}/complete");
    let (p1, p2) = (payment(&t1), payment(&t2));
    let (a, b) = tokio::join!(
        post(base, &path, "tap-1", &p1),
        post(base, &path, "tap-2", &p2)
    );
    let completed = [&a, &b]
        .iter()
        .filter(|r| r.body["status"] == "completed")
        .count();
    assert_eq!(completed, 1, "{} / {}", a.body, b.body);
    for reply in [&a, &b] {
        if reply.body["status"] != "completed" {
            assert!(
                reply.status == StatusCode::METHOD_NOT_ALLOWED
                    || (reply.status == StatusCode::CONFLICT
                        && reply.headers.contains_key("retry-after")),
                "{}: {}",
                reply.status,
                reply.body
            );
        }
    }
    let fetched = get(base, &format!("/checkout_sessions/{id}")).await;
    assert_eq!(fetched.body["status"], "completed");
    server.stop().await;
}

#[tokio::test]
async fn the_api_key_and_the_origin_allow_list() {
    let mut config = demo_config();
    config.api_key = Some("sk_test_123".into());
    config.allow_origins = vec!["https://timeline.example".into()];
    let server = Server::start(config).await;
    let url = format!("{}/checkout_sessions", server.base);
    let body = json!({"currency": "usd", "line_items": [{"id": "tour-tee-m"}], "capabilities": {}});
    let base_headers = [("api-version", API_VERSION)];
    let with = |extra: &[(&'static str, &'static str)], key: &'static str| {
        let mut headers: Vec<(&str, &str)> = base_headers.to_vec();
        headers.push(("idempotency-key", key));
        headers.extend_from_slice(extra);
        headers
    };
    let anonymous = send("POST", &url, &with(&[], "a1"), Some(&body)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let wrong = send(
        "POST",
        &url,
        &with(&[("authorization", "Bearer nope")], "a2"),
        Some(&body),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let server_to_server = send(
        "POST",
        &url,
        &with(&[("authorization", "Bearer sk_test_123")], "a3"),
        Some(&body),
    )
    .await;
    assert_eq!(server_to_server.status, StatusCode::CREATED);
    let browser = send(
        "POST",
        &url,
        &with(&[("origin", "https://timeline.example")], "a4"),
        Some(&body),
    )
    .await;
    assert_eq!(browser.status, StatusCode::CREATED);
    assert_eq!(
        browser.headers["access-control-allow-origin"],
        "https://timeline.example"
    );
    let stranger = send(
        "POST",
        &url,
        &with(&[("origin", "https://evil.example")], "a5"),
        Some(&body),
    )
    .await;
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
    assert!(!stranger.headers.contains_key("access-control-allow-origin"));
    // The browser's preflight is answered for the allowed origin, with ACP's headers.
    let preflight = send(
        "OPTIONS",
        &url,
        &[
            ("origin", "https://timeline.example"),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "api-version,idempotency-key,content-type",
            ),
        ],
        None,
    )
    .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    let allowed = preflight.headers["access-control-allow-headers"]
        .to_str()
        .expect("headers")
        .to_ascii_lowercase();
    assert!(
        allowed.contains("idempotency-key") && allowed.contains("api-version"),
        "{allowed}"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_expired_session_cannot_be_paid() {
    let mut config = demo_config();
    config.session_ttl_secs = 0;
    let server = Server::start(config).await;
    let base = &server.base;
    let session = ready_session(base, &["tour-tee-m"]).await;
    let id = session["id"].as_str().expect("id");
    let fetched = get(base, &format!("/checkout_sessions/{id}")).await;
    assert_eq!(fetched.body["status"], "expired");
    let token = token(base, &session, "4242424242424242").await;
    let late = post(
        base,
        &format!("/checkout_sessions/{id}/complete"),
        "late",
        &payment(&token),
    )
    .await;
    assert_eq!(late.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        late.body["message"]
            .as_str()
            .expect("message")
            .contains("expired")
    );
    server.stop().await;
}

#[tokio::test]
async fn a_5xx_is_not_stored_and_the_retry_runs_afresh() {
    let mut config = demo_config();
    config.faults = vec![buycard_server::Fault::Complete500Once];
    let server = Server::start(config).await;
    let base = &server.base;
    let session = ready_session(base, &["tour-tee-m"]).await;
    let id = session["id"].as_str().expect("id");
    let token = token(base, &session, "4242424242424242").await;
    let path = format!("/checkout_sessions/{id}/complete");
    let failed = post(base, &path, "after-500", &payment(&token)).await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(failed.body["type"], "processing_error");
    let retry = post(base, &path, "after-500", &payment(&token)).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert_eq!(retry.body["status"], "completed");
    assert!(
        !retry.headers.contains_key("idempotent-replayed"),
        "the 500 was not replayed"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_lost_answer_hides_nothing_from_a_retry_or_a_get() {
    let mut config = demo_config();
    config.faults = vec![buycard_server::Fault::CompleteAnswerLostOnce];
    let server = Server::start(config).await;
    let base = &server.base;
    let session = ready_session(base, &["tour-tee-m"]).await;
    let id = session["id"].as_str().expect("id");
    let token = token(base, &session, "4242424242424242").await;
    let path = format!("/checkout_sessions/{id}/complete");
    let lost = post(base, &path, "lost", &payment(&token)).await;
    assert_eq!(lost.status, StatusCode::BAD_GATEWAY);
    // The order exists: a GET shows it, and the same key replays the original answer.
    let seen = get(base, &format!("/checkout_sessions/{id}")).await;
    assert_eq!(seen.body["status"], "completed");
    let replay = post(base, &path, "lost", &payment(&token)).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.body["order"], seen.body["order"]);
    server.stop().await;
}

#[tokio::test]
async fn a_session_is_in_progress_while_its_payment_is_taken() {
    let mut config = demo_config();
    config.faults = vec![buycard_server::Fault::CompleteSlowOnce];
    let server = Server::start(config).await;
    let base = server.base.clone();
    let session = ready_session(&base, &["tour-tee-m"]).await;
    let id = session["id"].as_str().expect("id").to_owned();
    let token = token(&base, &session, "4242424242424242").await;
    let completing = {
        let (base, id, token) = (base.clone(), id.clone(), token.clone());
        tokio::spawn(async move {
            post(
                &base,
                &format!("/checkout_sessions/{id}/complete"),
                "slow",
                &payment(&token),
            )
            .await
        })
    };
    // Bounded: the fault holds the payment for 2 s.
    let mut seen = None;
    for _ in 0..100 {
        let reply = get(&base, &format!("/checkout_sessions/{id}")).await;
        if reply.body["status"] == "in_progress" {
            seen = Some(reply);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let seen = seen.expect("a GET during complete sees in_progress");
    assert!(seen.body.get("order").is_none(), "no order yet");
    // Nothing may change under a payment being taken: 409 with Retry-After.
    let update = post(
        &base,
        &format!("/checkout_sessions/{id}"),
        "during",
        &serde_json::json!({ "fulfillment_details": { "address": address() } }),
    )
    .await;
    assert_eq!(update.status, StatusCode::CONFLICT, "{}", update.body);
    assert_eq!(update.headers["retry-after"], "1");
    let cancel = post(
        &base,
        &format!("/checkout_sessions/{id}/cancel"),
        "cancel-during",
        &serde_json::json!({}),
    )
    .await;
    assert_eq!(cancel.status, StatusCode::CONFLICT, "{}", cancel.body);
    let done = completing.await.expect("complete");
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["status"], "completed");
    let after = get(&base, &format!("/checkout_sessions/{id}")).await;
    assert_eq!(after.body["status"], "completed");
    // "Retry shortly" meant it: the 409 was not kept as the key's answer, so the retry runs (and
    // finds the session completed).
    let retried = post(
        &base,
        &format!("/checkout_sessions/{id}"),
        "during",
        &serde_json::json!({ "fulfillment_details": { "address": address() } }),
    )
    .await;
    assert_eq!(
        retried.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        retried.body
    );
    assert!(retried.headers.get("idempotent-replayed").is_none());
    server.stop().await;
}

/// Two updates of one session at once, each changing its own field: neither is lost. Without the
/// session's version, the one that loaded first would write back the other's field as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_of_one_session_lose_nothing() {
    let server = Server::start(demo_config()).await;
    let base = server.base.clone();
    let mut both = 0;
    for round in 0..20 {
        let created = post(
            &base,
            "/checkout_sessions",
            &unique_key("c"),
            &serde_json::json!({"currency": "usd", "line_items": [{"id": "tour-tee-m"}], "capabilities": {}}),
        )
        .await;
        let id = created.body["id"].as_str().expect("id").to_owned();
        let path = format!("/checkout_sessions/{id}");
        let email = format!("buyer{round}@example.com");
        let set_buyer = serde_json::json!({"buyer": {"email": email, "first_name": "Ada"}});
        let set_address = serde_json::json!({"fulfillment_details": {"name": "Ada Lovelace", "address": address()}});
        let (buyer_key, address_key) = (unique_key("b"), unique_key("a"));
        let (buyer, address) = tokio::join!(
            post(&base, &path, &buyer_key, &set_buyer),
            post(&base, &path, &address_key, &set_address)
        );
        for reply in [&buyer, &address] {
            // A request that kept losing the race says so; it is never answered 200 and dropped.
            assert!(
                reply.status == StatusCode::OK
                    || (reply.status == StatusCode::CONFLICT
                        && reply.body["code"] == "concurrent_update"
                        && reply.headers["retry-after"] == "1"),
                "round {round}: {} {}",
                reply.status,
                reply.body
            );
        }
        let session = get(&base, &path).await.body;
        if buyer.status == StatusCode::OK {
            assert_eq!(
                session["buyer"]["email"],
                email.as_str(),
                "round {round}: {session}"
            );
        }
        if address.status == StatusCode::OK {
            assert_eq!(
                session["fulfillment_details"]["address"]["postal_code"], "94102",
                "round {round}: {session}"
            );
        }
        if buyer.status == StatusCode::OK && address.status == StatusCode::OK {
            both += 1;
        }
    }
    assert!(both > 0, "most rounds get both answers");
    server.stop().await;
}
