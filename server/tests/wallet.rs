//! The platform wallet over HTTP: sign-in, saved buyers, one-click tokens, new buyers who save,
//! and the Origin check that keeps third-party pages away from a signed-in buyer's card.

mod common;

use buycard_server::Config;
use common::*;
use hyper::StatusCode;
use serde_json::{Value, json};

/// A browser on the host site's own pages: same origin as the server, with its wallet cookie.
struct Visitor {
    base: String,
    cookie: Option<String>,
}

impl Visitor {
    fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            cookie: None,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let origin = self.base.clone();
        let mut headers = vec![("origin", origin.as_str())];
        let cookie;
        if let Some(c) = &self.cookie {
            cookie = c.clone();
            headers.push(("cookie", cookie.as_str()));
        }
        send(method, &format!("{}{path}", self.base), &headers, body).await
    }

    async fn sign_in(&mut self, buyer: &str) {
        let reply = self
            .call("POST", "/wallet/sign_in", Some(&json!({"buyer_id": buyer})))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let set = reply.headers["set-cookie"].to_str().expect("cookie");
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        self.cookie = set.split(';').next().map(str::to_owned);
    }
}

/// What the buy card does for a saved buyer: one tap creates the session from the wallet, the
/// second mints a token for exactly that session and total and completes.
async fn one_click(visitor: &Visitor, product: &str) -> Value {
    let saved = visitor.call("GET", "/wallet/buyer", None).await;
    assert_eq!(saved.status, StatusCode::OK, "the buyer has saved details");
    let session = post(
        &visitor.base,
        "/checkout_sessions",
        &unique_key("1c"),
        &json!({"currency": "usd", "line_items": [{"id": product}], "capabilities": {},
                "buyer": saved.body["buyer"], "fulfillment_details": saved.body["fulfillment_details"]}),
    )
    .await;
    assert_eq!(
        session.body["status"], "ready_for_payment",
        "{}",
        session.body
    );
    let total = session.body["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["type"] == "total")
        .expect("total")["amount"]
        .clone();
    let token = visitor
        .call(
            "POST",
            "/wallet/payment_token",
            Some(&json!({"payment_method_id": saved.body["payment_method"]["id"], "checkout_session_id": session.body["id"],
                         "merchant_id": "buycard-demo", "max_amount": total, "currency": "usd"})),
        )
        .await;
    assert_eq!(token.status, StatusCode::CREATED, "{}", token.body);
    let id = session.body["id"].as_str().expect("id");
    post(
        &visitor.base,
        &format!("/checkout_sessions/{id}/complete"),
        &unique_key("1c"),
        &payment(token.body["token"].as_str().expect("token")),
    )
    .await
    .body
}

#[tokio::test]
async fn a_saved_buyer_is_one_click() {
    let server = Server::start(demo_config()).await;
    let mut ada = Visitor::new(&server.base);
    assert_eq!(
        ada.call("GET", "/wallet/buyer", None).await.status,
        StatusCode::UNAUTHORIZED,
        "not signed in: the card checks out as a guest"
    );
    ada.sign_in("ada").await;
    let saved = ada.call("GET", "/wallet/buyer", None).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(saved.body["buyer"]["email"], "ada@example.com");
    assert_schema(
        "schema.agentic_checkout.json",
        "Buyer",
        &saved.body["buyer"],
    );
    assert_schema(
        "schema.agentic_checkout.json",
        "FulfillmentDetails",
        &saved.body["fulfillment_details"],
    );
    assert_eq!(
        saved.body["payment_method"],
        json!({"id": "pm_ada", "brand": "visa", "last4": "4242", "exp_month": "12", "exp_year": "2030"})
    );
    let done = one_click(&ada, "enamel-pin-gold").await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_schema(
        "schema.agentic_checkout.json",
        "CheckoutSessionWithOrder",
        &done,
    );

    let out = ada.call("POST", "/wallet/sign_out", None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    ada.cookie = None;
    assert_eq!(
        ada.call("GET", "/wallet/buyer", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    server.stop().await;
}

#[tokio::test]
async fn a_new_buyer_saves_and_is_one_click_next_time() {
    let server = Server::start(demo_config()).await;
    let mut newbie = Visitor::new(&server.base);
    newbie.sign_in("newbie").await;
    assert_eq!(
        newbie.call("GET", "/wallet/buyer", None).await.status,
        StatusCode::NO_CONTENT,
        "nothing saved yet"
    );

    let bad = newbie
        .call("POST", "/wallet/payment_methods", Some(&json!({"card": {"number": "4242424242424241", "exp_month": "12", "exp_year": "2030"}, "save": true})))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["param"], "$.card.number");

    let details = json!({"name": "New Buyer", "email": "newbie@example.com", "address": address()});
    let added = newbie
        .call(
            "POST",
            "/wallet/payment_methods",
            Some(&json!({"card": {"number": "4242 4242 4242 4242", "exp_month": "09", "exp_year": "2032", "cvc": "123"},
                         "billing_address": address(), "save": true,
                         "buyer": {"email": "newbie@example.com", "first_name": "New"}, "fulfillment_details": details})),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(
        (added.body["brand"].as_str(), added.body["last4"].as_str()),
        (Some("visa"), Some("4242"))
    );
    let done = one_click(&newbie, "tour-tee-m").await;
    assert_eq!(done["status"], "completed", "{done}");
    server.stop().await;
}

/// `POST /wallet/payment_methods` with "save", as the details sheet sends it for a new buyer.
async fn save_card(visitor: &Visitor, number: &str) -> Reply {
    let details = json!({"name": "New Buyer", "email": "newbie@example.com", "address": address()});
    visitor
        .call(
            "POST",
            "/wallet/payment_methods",
            Some(&json!({"card": {"number": number, "exp_month": "09", "exp_year": "2032", "cvc": "123"},
                         "billing_address": address(), "save": true,
                         "buyer": {"email": "newbie@example.com"}, "fulfillment_details": details})),
        )
        .await
}

#[tokio::test]
async fn the_demo_reset_restores_the_demo_buyers_and_forgets_saved_cards() {
    let server = Server::start(Config {
        demo_reset: true,
        ..demo_config()
    })
    .await;
    let mut newbie = Visitor::new(&server.base);
    newbie.sign_in("newbie").await;
    let mut ada = Visitor::new(&server.base);
    ada.sign_in("ada").await;
    let mut newt = Visitor::new(&server.base);
    newt.sign_in("newt-from-a-test").await;
    // The new buyer saves a card; Ada replaces hers; a visitor of its own saves one too.
    assert_eq!(
        save_card(&newbie, "4242424242424242").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        newbie.call("GET", "/wallet/buyer", None).await.status,
        StatusCode::OK,
        "saved: one-click from now on"
    );
    let replaced = save_card(&ada, "4000002760003184").await;
    assert_eq!(replaced.status, StatusCode::CREATED);
    let ada_new_method = replaced.body["id"].as_str().expect("id").to_owned();
    assert_eq!(
        save_card(&newt, "4242424242424242").await.status,
        StatusCode::CREATED
    );

    // Only the host's own pages may reset, as for every wallet POST.
    let foreign = send(
        "POST",
        &format!("{}/wallet/demo/reset", server.base),
        &[("origin", "https://evil.example")],
        None,
    )
    .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let reset = Visitor::new(&server.base)
        .call("POST", "/wallet/demo/reset", None)
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.body);

    // Everyone stays signed in; the wallets are as buyers.json has them.
    assert_eq!(
        newbie.call("GET", "/wallet/buyer", None).await.status,
        StatusCode::NO_CONTENT,
        "the new buyer has nothing saved again"
    );
    assert_eq!(
        newt.call("GET", "/wallet/buyer", None).await.status,
        StatusCode::NO_CONTENT,
        "other visitors' saved cards are forgotten"
    );
    let saved = ada.call("GET", "/wallet/buyer", None).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(saved.body["payment_method"]["id"], "pm_ada");
    assert_eq!(saved.body["payment_method"]["last4"], "4242");
    // The replaced card is gone from the vault: it cannot be spent any more.
    let session = ready_session(&server.base, &["enamel-pin-gold"]).await;
    let token = ada
        .call(
            "POST",
            "/wallet/payment_token",
            Some(
                &json!({"payment_method_id": ada_new_method, "checkout_session_id": session["id"],
                         "merchant_id": "buycard-demo", "max_amount": 100000, "currency": "usd"}),
            ),
        )
        .await;
    assert_eq!(token.status, StatusCode::BAD_REQUEST, "{}", token.body);
    // And Ada is one-click again with the demo card.
    let done = one_click(&ada, "enamel-pin-gold").await;
    assert_eq!(done["status"], "completed", "{done}");
    server.stop().await;
}

#[tokio::test]
async fn there_is_no_demo_reset_without_the_flag() {
    let server = Server::start(demo_config()).await;
    let reply = Visitor::new(&server.base)
        .call("POST", "/wallet/demo/reset", None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn foreign_origins_cannot_use_the_wallet() {
    let server = Server::start(demo_config()).await;
    let mut ada = Visitor::new(&server.base);
    ada.sign_in("ada").await;
    let cookie = ada.cookie.clone().expect("cookie");
    let session = ready_session(&server.base, &["enamel-pin-gold"]).await;
    let body = json!({"payment_method_id": "pm_ada", "checkout_session_id": session["id"], "merchant_id": "buycard-demo",
                      "max_amount": 100000, "currency": "usd"});
    let url = format!("{}/wallet/payment_token", server.base);
    for headers in [
        vec![
            ("origin", "https://evil.example"),
            ("cookie", cookie.as_str()),
        ],
        vec![("cookie", cookie.as_str())],
        vec![
            ("origin", server.base.as_str()),
            ("sec-fetch-site", "cross-site"),
            ("cookie", cookie.as_str()),
        ],
    ] {
        let reply = send("POST", &url, &headers, Some(&body)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(reply.body["code"], "cross_site_request");
    }
    // Someone else's payment method is not yours to spend, even from the right page.
    let mut grace = Visitor::new(&server.base);
    grace.sign_in("grace").await;
    let stolen = grace
        .call("POST", "/wallet/payment_token", Some(&body))
        .await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST);
    // Signed out: no token at all.
    let anonymous = Visitor::new(&server.base)
        .call("POST", "/wallet/payment_token", Some(&body))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    server.stop().await;
}
