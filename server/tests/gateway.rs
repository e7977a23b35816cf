//! The platform gateway over real sockets: the reference merchant behind it, pinned to each
//! dated ACP version and requiring a bearer key; negotiation; framework-style errors; signed
//! requests; idempotency keys carried through; a saved card forwarded to the merchant's PSP;
//! 200 buyers racing for 10 units.
//!
//! Every answer the card would see from the gateway is checked against the 2026-04-17 schema
//! (`common::check_acp`), whatever version the merchant spoke.

mod common;

use std::path::PathBuf;

use buycard_acp::versions::Version;
use buycard_server::{Config, ErrorStyle};
use common::*;
use hyper::StatusCode;
use serde_json::{Value, json};

const ORIGIN: &str = "http://timeline.test";
const MERCHANT_KEY: &str = "sk_test_merchant";
/// The reference merchant's test PSP lives in the merchant's process, behind the same key.
const PSP_KEY: &str = MERCHANT_KEY;

fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "buycard-gw-{label}-{}",
        unique_key("d").replace('-', "")
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// How the reference merchant behind the gateway is set up.
struct MerchantSetup {
    versions: Vec<Version>,
    signing_secret: Option<&'static str>,
    error_style: ErrorStyle,
}

impl MerchantSetup {
    fn speaking(versions: &[Version]) -> Self {
        Self {
            versions: versions.to_vec(),
            signing_secret: None,
            error_style: ErrorStyle::Acp,
        }
    }

    async fn start(self) -> Server {
        let mut config = demo_config();
        config.api_key = Some(MERCHANT_KEY.to_owned());
        config.acp_versions = self.versions;
        config.signing_secret = self.signing_secret.map(str::to_owned);
        config.error_style = self.error_style;
        Server::start(config).await
    }
}

/// How the platform sees that merchant.
struct Entry<'a> {
    version: &'a str,
    api_key: Option<&'a str>,
    signing_secret: Option<&'a str>,
    feed: Option<String>,
    feed_refresh_secs: u64,
}

impl Default for Entry<'_> {
    fn default() -> Self {
        Self {
            version: "negotiate",
            api_key: Some(MERCHANT_KEY),
            signing_secret: None,
            feed: None,
            feed_refresh_secs: 300,
        }
    }
}

/// A platform (gateway + wallet) whose registry lists `merchant` as `shop`.
async fn platform(merchant: &Server, entry: Entry<'_>) -> Server {
    let dir = temp_dir("registry");
    let secret = |field: &str, value: Option<&str>| match value {
        Some(value) => {
            let file = format!("{field}.secret");
            std::fs::write(dir.join(&file), value).expect("secret file");
            format!("{field} = {{ file = \"{file}\" }}\n")
        }
        None => String::new(),
    };
    let feed = entry
        .feed
        .unwrap_or_else(|| repo().join("server/catalog").display().to_string());
    std::fs::write(dir.join("psp.key"), PSP_KEY).expect("psp key");
    let registry = format!(
        "[[merchant]]\nid = \"shop\"\nname = \"Reference shop\"\ncheckout_url = \"{base}\"\n\
         version = \"{version}\"\nfeed = \"{feed}\"\nfeed_refresh_secs = {refresh}\n{api_key}{signing}\
         [merchant.psp]\nurl = \"{base}/agentic_commerce/delegate_payment\"\n\
         api_key = {{ file = \"psp.key\" }}\nmerchant_id = \"buycard-demo\"\n{psp_signing}",
        base = merchant.base,
        version = entry.version,
        refresh = entry.feed_refresh_secs,
        api_key = secret("api_key", entry.api_key),
        signing = secret("signing_secret", entry.signing_secret),
        // The reference merchant's PSP shares its process, and so its signing secret.
        psp_signing = secret("signing_secret", entry.signing_secret),
    );
    let path = dir.join("merchants.toml");
    std::fs::write(&path, registry).expect("registry");
    let mut config = Config::for_tests(repo().join("server/catalog"));
    config.merchants = Some(path);
    config.allow_origins = vec![ORIGIN.to_owned()];
    Server::start(config).await
}

/// What the card sends to the gateway: the host's origin, the current version, its own key.
async fn card(
    gateway: &Server,
    method: &str,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> Reply {
    card_as(gateway, None, method, path, key, body).await
}

/// [`card`] on the page of a visitor signed in with `cookie`.
async fn card_as(
    gateway: &Server,
    cookie: Option<&str>,
    method: &str,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> Reply {
    let mut headers = vec![("origin", ORIGIN), ("api-version", API_VERSION)];
    if method == "POST" {
        headers.push(("idempotency-key", key));
    }
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    let reply = send(
        method,
        &format!("{}/shops/shop{path}", gateway.base),
        &headers,
        body,
    )
    .await;
    check_acp(path, &reply);
    reply
}

fn create_body(item: &str) -> Value {
    json!({
        "currency": "usd",
        "line_items": [{"id": item}],
        "capabilities": {},
        "buyer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
        "fulfillment_details": {"name": "Ada Lovelace", "email": "ada@example.com", "address": address()}
    })
}

/// The card opening a checkout session for one `item` through the gateway, on the page of a
/// visitor signed in with `cookie` (or nobody).
async fn open(gateway: &Server, cookie: Option<&str>, item: &str) -> Reply {
    card_as(
        gateway,
        cookie,
        "POST",
        "/checkout_sessions",
        &unique_key("open"),
        Some(&create_body(item)),
    )
    .await
}

/// A create request straight to the merchant, server to server, in `version`.
async fn merchant_create(merchant: &Server, version: &str, body: &Value) -> Reply {
    send(
        "POST",
        &format!("{}/checkout_sessions", merchant.base),
        &[
            ("api-version", version),
            ("authorization", &format!("Bearer {MERCHANT_KEY}")),
            ("idempotency-key", &unique_key("direct")),
        ],
        Some(body),
    )
    .await
}

fn total(session: &Value) -> i64 {
    session["totals"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["type"] == "total"))
        .and_then(|t| t["amount"].as_i64())
        .expect("a total")
}

fn handler_id(session: &Value) -> String {
    session["capabilities"]["payment"]["handlers"][0]["id"]
        .as_str()
        .expect("a payment handler")
        .to_owned()
}

/// The guest path: the typed card goes to the merchant's PSP through the gateway.
async fn delegate(gateway: &Server, session: &Value, card_number: &str, key: &str) -> Reply {
    let body = json!({
        "payment_method": {"type": "card", "card_number_type": "fpan", "number": card_number,
            "exp_month": "12", "exp_year": "2031", "display_card_funding_type": "credit", "metadata": {}},
        "allowance": {"reason": "one_time", "max_amount": total(session), "currency": "usd",
            "checkout_session_id": session["id"], "merchant_id": "whatever-the-card-read",
            "expires_at": "2099-01-01T00:00:00Z"},
        "risk_signals": [{"type": "card_testing", "score": 0, "action": "authorized"}],
        "metadata": {}
    });
    card(
        gateway,
        "POST",
        "/agentic_commerce/delegate_payment",
        key,
        Some(&body),
    )
    .await
}

fn complete_body(session: &Value, token: &str) -> Value {
    json!({"payment_data": {"handler_id": handler_id(session),
        "instrument": {"type": "card", "credential": {"type": "spt", "token": token}}}})
}

/// Feed, create, delegate payment, complete, read back, and cancel another session: the whole
/// purchase as the card makes it, through the gateway.
async fn buy_through(gateway: &Server) -> Value {
    let feed = send(
        "GET",
        &format!("{}/shops/shop/feeds/demo/products", gateway.base),
        &[],
        None,
    )
    .await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
    assert!(
        feed.body["products"]
            .as_array()
            .is_some_and(|p| p.len() > 3)
    );

    let created = open(gateway, None, "enamel-pin-gold").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let mut session = created.body;
    let id = session["id"].as_str().expect("id").to_owned();
    // The buyer picks the other delivery option (express): an update, in the merchant's
    // version, whose answer has the new delivery price in its total.
    let options = session["fulfillment_options"]
        .as_array()
        .expect("delivery options")
        .clone();
    assert!(options.len() >= 2, "{session:#}");
    let express = options.last().expect("an option").clone();
    let before = total(&session);
    let updated = card(
        gateway,
        "POST",
        &format!("/checkout_sessions/{id}"),
        &unique_key("u"),
        Some(
            &json!({"selected_fulfillment_options": [{"type": express["type"],
                "option_id": express["id"], "item_ids": [session["line_items"][0]["id"]]}]}),
        ),
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    session = updated.body;
    assert_eq!(
        session["selected_fulfillment_options"][0]["option_id"], express["id"],
        "{session:#}"
    );
    assert!(total(&session) > before, "express costs more: {session:#}");
    assert_eq!(session["status"], "ready_for_payment", "{session:#}");
    assert_eq!(
        session["capabilities"]["payment"]["handlers"][0]["config"]["merchant_id"], "buycard-demo",
        "the card can read which account it pays"
    );

    let token = delegate(gateway, &session, "4242424242424242", &unique_key("dp")).await;
    assert_eq!(token.status, StatusCode::CREATED, "{}", token.body);
    let token = token.body["id"].as_str().expect("token").to_owned();

    let done = card(
        gateway,
        "POST",
        &format!("/checkout_sessions/{id}/complete"),
        &unique_key("done"),
        Some(&complete_body(&session, &token)),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["status"], "completed", "{}", done.body);

    let read = card(
        gateway,
        "GET",
        &format!("/checkout_sessions/{id}"),
        "",
        None,
    )
    .await;
    assert_eq!(read.body["status"], "completed");

    let other = open(gateway, None, "enamel-pin-gold").await;
    let other_id = other.body["id"].as_str().expect("id");
    let canceled = card(
        gateway,
        "POST",
        &format!("/checkout_sessions/{other_id}/cancel"),
        &unique_key("x"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.body);
    assert_eq!(canceled.body["status"], "canceled");
    done.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_buys_from_a_merchant_pinned_to_each_dated_version() {
    for version in Version::ALL {
        let merchant = MerchantSetup::speaking(&[version]).start().await;
        let gateway = platform(
            &merchant,
            Entry {
                version: version.as_str(),
                ..Entry::default()
            },
        )
        .await;
        let order = buy_through(&gateway).await;
        if version == Version::V2025_09_29 {
            // That version's schema cannot carry `order` in the session (orders reach the
            // platform by webhook then): the session says `completed`, and nothing is invented.
            assert!(order.get("order").is_none(), "{order:#}");
        } else {
            assert!(
                order["order"]["permalink_url"]
                    .as_str()
                    .is_some_and(|u| u.starts_with(&merchant.base)),
                "{version}: {order:#}"
            );
        }
        gateway.stop().await;
        merchant.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_negotiates_down_to_the_newest_common_version() {
    let merchant = MerchantSetup::speaking(&[Version::V2025_12_12, Version::V2026_01_16])
        .start()
        .await;
    let gateway = platform(&merchant, Entry::default()).await;
    buy_through(&gateway).await;
    // The choice is remembered: a second purchase goes straight through too.
    buy_through(&gateway).await;
    // A merchant the platform shares no version with is explained, not a mystery.
    let direct = merchant_create(&merchant, "2026-04-17", &create_body("enamel-pin-gold")).await;
    assert_eq!(direct.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        direct.body["supported_versions"],
        json!(["2025-12-12", "2026-01-16"])
    );
}

#[tokio::test]
async fn the_merchant_wants_the_platforms_bearer_key_and_the_browser_cannot_hold_it() {
    let merchant = MerchantSetup::speaking(&Version::ALL).start().await;
    // Without the key in the registry the merchant refuses the platform: a platform problem,
    // not "sign in" for the buyer.
    let keyless = platform(
        &merchant,
        Entry {
            api_key: None,
            ..Entry::default()
        },
    )
    .await;
    let refused = open(&keyless, None, "enamel-pin-gold").await;
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.body);
    // A page calling the merchant straight from the browser has no key either.
    let browser = send(
        "POST",
        &format!("{}/checkout_sessions", merchant.base),
        &[
            ("origin", ORIGIN),
            ("api-version", API_VERSION),
            ("idempotency-key", "k"),
        ],
        Some(&create_body("enamel-pin-gold")),
    )
    .await;
    assert_eq!(browser.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_framework_style_error_reaches_the_card_as_acps_flat_error() {
    let merchant = MerchantSetup {
        error_style: ErrorStyle::Framework,
        ..MerchantSetup::speaking(&[Version::V2026_01_16])
    }
    .start()
    .await;
    // The merchant itself wraps its errors as `{"detail": {...}}`.
    let raw = merchant_create(
        &merchant,
        "2026-01-16",
        &json!({"items": [{"id": "no-such-thing", "quantity": 1}]}),
    )
    .await;
    assert!(raw.body["detail"]["code"].is_string(), "{}", raw.body);
    let gateway = platform(&merchant, Entry::default()).await;
    let reply = open(&gateway, None, "no-such-thing").await;
    assert!(reply.status.is_client_error(), "{}", reply.body);
    assert_eq!(
        reply.body["code"], raw.body["detail"]["code"],
        "{}",
        reply.body
    );
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[tokio::test]
async fn signed_requests_are_verified_by_the_merchant() {
    let merchant = MerchantSetup {
        signing_secret: Some("shared-s3cret"),
        ..MerchantSetup::speaking(&Version::ALL)
    }
    .start()
    .await;
    let signed = platform(
        &merchant,
        Entry {
            signing_secret: Some("shared-s3cret"),
            ..Entry::default()
        },
    )
    .await;
    buy_through(&signed).await;
    let wrong = platform(
        &merchant,
        Entry {
            signing_secret: Some("not-the-secret"),
            ..Entry::default()
        },
    )
    .await;
    let refused = open(&wrong, None, "enamel-pin-gold").await;
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.body);
    assert_eq!(refused.body["code"], "invalid_signature");
}

#[tokio::test]
async fn a_retried_card_request_is_one_intent_end_to_end() {
    let merchant = MerchantSetup::speaking(&[Version::V2026_01_16])
        .start()
        .await;
    let gateway = platform(&merchant, Entry::default()).await;
    let key = unique_key("same");
    let first = card(
        &gateway,
        "POST",
        "/checkout_sessions",
        &key,
        Some(&create_body("enamel-pin-gold")),
    )
    .await;
    let again = card(
        &gateway,
        "POST",
        "/checkout_sessions",
        &key,
        Some(&create_body("enamel-pin-gold")),
    )
    .await;
    assert_eq!(first.body["id"], again.body["id"], "one session");
    assert_eq!(again.headers["idempotent-replayed"], "true");

    let session = first.body;
    let id = session["id"].as_str().expect("id");
    let token_key = unique_key("dp");
    let token = delegate(&gateway, &session, "4242424242424242", &token_key).await;
    let token_again = delegate(&gateway, &session, "4242424242424242", &token_key).await;
    assert_eq!(token.body["id"], token_again.body["id"], "one token");
    let token = token.body["id"].as_str().expect("token");

    let done_key = unique_key("done");
    let path = format!("/checkout_sessions/{id}/complete");
    let body = complete_body(&session, token);
    let done = card(&gateway, "POST", &path, &done_key, Some(&body)).await;
    let done_again = card(&gateway, "POST", &path, &done_key, Some(&body)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["order"]["id"], done_again.body["order"]["id"]);
    // Another key for the same session cannot make a second order either.
    let other = card(&gateway, "POST", &path, &unique_key("other"), Some(&body)).await;
    assert!(!other.status.is_success(), "{}", other.body);
}

/// Signs `buyer` in to the platform's demo wallet; the cookie to send back.
async fn sign_in(gateway: &Server, buyer: &str) -> String {
    let signed_in = send(
        "POST",
        &format!("{}/wallet/sign_in", gateway.base),
        &[("origin", ORIGIN)],
        Some(&json!({"buyer_id": buyer})),
    )
    .await;
    signed_in.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned()
}

#[tokio::test]
async fn a_session_answers_only_to_the_buyer_who_opened_it_and_only_here() {
    let merchant = MerchantSetup::speaking(&[Version::V2026_01_16])
        .start()
        .await;
    let gateway = platform(&merchant, Entry::default()).await;
    let (ada, grace) = (
        sign_in(&gateway, "ada").await,
        sign_in(&gateway, "grace").await,
    );
    let created = open(&gateway, Some(&ada), "enamel-pin-gold").await;
    let id = created.body["id"].as_str().expect("id").to_owned();
    let path = format!("/checkout_sessions/{id}");
    let read = |cookie: Option<String>| {
        let (gateway, path) = (&gateway, path.clone());
        async move { card_as(gateway, cookie.as_deref(), "GET", &path, "", None).await }
    };
    assert_eq!(read(Some(ada.clone())).await.status, StatusCode::OK);
    assert_eq!(read(None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        read(Some(grace.clone())).await.status,
        StatusCode::NOT_FOUND
    );
    let cancel = card_as(
        &gateway,
        Some(&grace),
        "POST",
        &format!("{path}/cancel"),
        &unique_key("x"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND, "{}", cancel.body);
    // Grace's wallet cannot mint a token for Ada's session either.
    let token = send(
        "POST",
        &format!("{}/wallet/payment_token", gateway.base),
        &[("origin", ORIGIN), ("cookie", &grace)],
        Some(
            &json!({"payment_method_id": "pm_grace", "checkout_session_id": id,
            "merchant_id": "buycard-demo", "max_amount": 100000, "currency": "usd"}),
        ),
    )
    .await;
    assert_eq!(token.status, StatusCode::NOT_FOUND, "{}", token.body);
    // A session the gateway did not open is not reachable through it.
    let elsewhere = merchant_create(
        &merchant,
        "2026-01-16",
        &json!({"items": [{"id": "enamel-pin-gold", "quantity": 1}]}),
    )
    .await;
    let other = elsewhere.body["id"].as_str().expect("id");
    let through = card(
        &gateway,
        "GET",
        &format!("/checkout_sessions/{other}"),
        "",
        None,
    )
    .await;
    assert_eq!(through.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_saved_card_is_forwarded_to_the_merchants_psp_never_to_the_merchant() {
    let merchant = MerchantSetup::speaking(&[Version::V2025_09_29])
        .start()
        .await;
    let gateway = platform(&merchant, Entry::default()).await;
    let cookie = sign_in(&gateway, "ada").await;
    let wallet = |path: &'static str, body: Value, key: String| {
        let (base, cookie) = (gateway.base.clone(), cookie.clone());
        async move {
            send(
                "POST",
                &format!("{base}{path}"),
                &[
                    ("origin", ORIGIN),
                    ("cookie", &cookie),
                    ("idempotency-key", &key),
                ],
                Some(&body),
            )
            .await
        }
    };
    let created = open(&gateway, Some(&cookie), "enamel-pin-gold").await;
    let session = created.body;
    let request = json!({"payment_method_id": "pm_ada", "checkout_session_id": session["id"],
        "merchant_id": "buycard-demo", "max_amount": total(&session), "currency": "usd"});
    let key = unique_key("tok");
    let token = wallet("/wallet/payment_token", request.clone(), key.clone()).await;
    assert_eq!(token.status, StatusCode::CREATED, "{}", token.body);
    let again = wallet("/wallet/payment_token", request, key).await;
    assert_eq!(
        token.body["token"], again.body["token"],
        "a resend mints nothing"
    );
    let token = token.body["token"].as_str().expect("token");
    let done = card_as(
        &gateway,
        Some(&cookie),
        "POST",
        &format!(
            "/checkout_sessions/{}/complete",
            session["id"].as_str().expect("id")
        ),
        &unique_key("done"),
        Some(&complete_body(&session, token)),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["status"], "completed");
}

#[tokio::test]
async fn the_feed_is_ingested_over_http_and_a_missing_shop_is_explained() {
    let merchant = MerchantSetup::speaking(&Version::ALL).start().await;
    let gateway = platform(
        &merchant,
        Entry {
            feed: Some(format!("{}/feed", merchant.base)),
            ..Entry::default()
        },
    )
    .await;
    let feed = send(
        "GET",
        &format!("{}/shops/shop/feeds/demo/products", gateway.base),
        &[],
        None,
    )
    .await;
    assert_eq!(feed.status, StatusCode::OK);
    let photo = feed.body["products"][0]["media"][0]["url"]
        .as_str()
        .expect("photo");
    assert!(photo.starts_with(&merchant.base), "{photo}");
    let unknown = send(
        "GET",
        &format!("{}/shops/nobody/feeds/demo/products", gateway.base),
        &[],
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["code"], "merchant_not_found");
}

#[tokio::test]
async fn the_merchant_names_a_field_its_version_does_not_define() {
    let merchant = MerchantSetup::speaking(&Version::ALL).start().await;
    let call = |version: &'static str, body: Value| {
        let merchant = &merchant;
        async move { merchant_create(merchant, version, &body).await }
    };
    let quantity = call(
        "2026-04-17",
        json!({"currency": "usd", "capabilities": {}, "line_items": [{"id": "enamel-pin-gold", "quantity": 2}]}),
    )
    .await;
    assert_eq!(
        quantity.status,
        StatusCode::BAD_REQUEST,
        "{}",
        quantity.body
    );
    assert_eq!(quantity.body["param"], "$.line_items[0].quantity");
    let newer_shape = call(
        "2026-01-16",
        json!({"items": [{"id": "enamel-pin-gold", "quantity": 1}], "line_items": []}),
    )
    .await;
    assert_eq!(newer_shape.status, StatusCode::BAD_REQUEST);
    assert_eq!(newer_shape.body["param"], "$.line_items");
    let legacy = call(
        "2026-01-16",
        json!({"items": [{"id": "enamel-pin-gold", "quantity": 2}]}),
    )
    .await;
    assert_eq!(legacy.status, StatusCode::CREATED, "{}", legacy.body);
    assert_eq!(legacy.body["line_items"][0]["item"]["quantity"], 2);
    assert_schema_version("2026-01-16", "CheckoutSession", &legacy.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_buyers_race_for_ten_prints_through_the_gateway() {
    let merchant = MerchantSetup::speaking(&[Version::V2026_01_16])
        .start()
        .await;
    let gateway = std::sync::Arc::new(platform(&merchant, Entry::default()).await);
    let mut ready = Vec::new();
    for _ in 0..200 {
        let created = open(&gateway, None, "night-market-print-a3").await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let session = created.body;
        let token = delegate(&gateway, &session, "4242424242424242", &unique_key("dp")).await;
        let token = token.body["id"].as_str().expect("token").to_owned();
        ready.push((session, token));
    }
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|(session, token)| {
            let gateway = gateway.clone();
            tokio::spawn(async move {
                let id = session["id"].as_str().expect("id").to_owned();
                card(
                    &gateway,
                    "POST",
                    &format!("/checkout_sessions/{id}/complete"),
                    &unique_key("race"),
                    Some(&complete_body(&session, &token)),
                )
                .await
            })
        })
        .collect();
    let (mut orders, mut refused) = (0, 0);
    for task in tasks {
        let reply = task.await.expect("task");
        if reply.status == StatusCode::OK && reply.body["status"] == "completed" {
            orders += 1;
        } else {
            assert!(reply.status.is_client_error(), "{}", reply.body);
            refused += 1;
        }
    }
    assert_eq!((orders, refused), (10, 190));
}

#[tokio::test]
async fn the_feed_is_read_again_on_its_schedule_and_the_last_good_copy_stays() {
    let merchant = MerchantSetup::speaking(&Version::ALL).start().await;
    // A folder feed the test can change: a copy of the demo catalog's feed files.
    let folder = temp_dir("feed");
    let source = repo().join("server/catalog");
    for file in ["metadata.json", "products.jsonl"] {
        std::fs::copy(source.join(file), folder.join(file)).expect("copy feed");
    }
    let gateway = platform(
        &merchant,
        Entry {
            feed: Some(folder.display().to_string()),
            feed_refresh_secs: 5,
            ..Entry::default()
        },
    )
    .await;
    let titles = || async {
        let feed = send(
            "GET",
            &format!("{}/shops/shop/feeds/demo/products", gateway.base),
            &[],
            None,
        )
        .await;
        feed.body["products"]
            .as_array()
            .expect("products")
            .iter()
            .map(|p| p["title"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(!titles().await.contains(&"Renamed print".to_owned()));
    let products = std::fs::read_to_string(folder.join("products.jsonl")).expect("feed");
    let renamed = products.replacen(
        "Night Market: signed limited-edition print",
        "Renamed print",
        1,
    );
    std::fs::write(folder.join("products.jsonl"), renamed).expect("write feed");
    // Every instance reads the feed on its own schedule: wait until two requests in a row (one
    // per instance when the platform runs two) see the new title.
    let mut seen = false;
    for _ in 0..40 {
        if titles().await.contains(&"Renamed print".to_owned())
            && titles().await.contains(&"Renamed print".to_owned())
        {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(seen, "the refresh picked up the merchant's new feed");
    // A broken feed is not served: the last good copy stays.
    std::fs::write(folder.join("products.jsonl"), "{ not json").expect("write feed");
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert!(titles().await.contains(&"Renamed print".to_owned()));
}

#[tokio::test]
async fn the_admin_check_reads_every_feed_and_names_the_one_it_cannot() {
    let merchant = MerchantSetup::speaking(&Version::ALL).start().await;
    let good = temp_dir("admin-good");
    let good_registry = good.join("merchants.toml");
    std::fs::write(
        &good_registry,
        format!(
            "[[merchant]]\nid = \"shop\"\nname = \"Shop\"\ncheckout_url = \"{base}\"\n\
             feed = \"{base}/feed\"\n[merchant.psp]\nurl = \"{base}/agentic_commerce/delegate_payment\"\n\
             merchant_id = \"buycard-demo\"\n",
            base = merchant.base
        ),
    )
    .expect("registry");
    assert_eq!(
        buycard_server::gateway::admin((&good_registry, true)).await,
        Ok(())
    );
    let bad = temp_dir("admin-bad");
    let bad_registry = bad.join("merchants.toml");
    std::fs::write(
        &bad_registry,
        std::fs::read_to_string(&good_registry)
            .expect("registry")
            .replace("/feed\"", "/no-feed-here\""),
    )
    .expect("registry");
    let error = buycard_server::gateway::admin((&bad_registry, true))
        .await
        .expect_err("an unreadable feed");
    assert!(error.contains("1 merchant"), "{error}");
}

/// A stored cart (the card's format) of `lines`: (endpoint, product, variant, quantity).
fn cart_of(lines: &[(&str, &str, &str, u32)]) -> Value {
    json!({"v": 1, "lines": lines.iter().map(|(endpoint, product, variant, quantity)| json!({
        "endpoint": endpoint, "feed": "demo", "product": product, "variant": variant,
        "quantity": quantity, "title": product, "unit_price": {"amount": 1, "currency": "USD"}
    })).collect::<Vec<_>>()})
}

async fn estimate(gateway: &Server, cookie: Option<&str>, cart: &Value) -> Reply {
    let mut headers = vec![("origin", ORIGIN)];
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    send(
        "POST",
        &format!("{}/wallet/cart/estimate", gateway.base),
        &headers,
        Some(cart),
    )
    .await
}

#[tokio::test]
async fn a_cart_is_estimated_by_the_merchants_cart_or_else_by_its_feed() {
    // A merchant that speaks 2026-04-17 keeps an ACP cart for the buyer's lines.
    let merchant = MerchantSetup::speaking(&Version::ALL).start().await;
    let gateway = platform(&merchant, Entry::default()).await;
    let cart = cart_of(&[
        (
            "/shops/shop",
            "night-market-print",
            "night-market-print-a3",
            2,
        ),
        ("/shops/shop", "enamel-pin", "enamel-pin-gold", 1),
        ("/shops/elsewhere", "thing", "thing-1", 1),
    ]);
    let answer = estimate(&gateway, None, &cart).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let shop = &answer.body["shops"][0];
    assert_eq!(shop["source"], "merchant", "{}", answer.body);
    assert_eq!(shop["currency"], "usd");
    assert_eq!(shop["subtotal"], 2 * 12000 + 800);
    assert_eq!(shop["lines"][0]["unit_amount"], 12000);
    assert_eq!(shop["lines"][0]["available"], true);
    let elsewhere = &answer.body["shops"][1];
    assert_eq!(elsewhere["source"], "unknown");
    assert_eq!(elsewhere["lines"][0]["available"], false);
    // A signed-in buyer's merchant cart is kept in step: a changed quantity is re-estimated.
    let cookie = sign_in(&gateway, "ada").await;
    let first = estimate(&gateway, Some(&cookie), &cart).await;
    assert_eq!(first.body["shops"][0]["subtotal"], 2 * 12000 + 800);
    let fewer = cart_of(&[(
        "/shops/shop",
        "night-market-print",
        "night-market-print-a3",
        1,
    )]);
    let second = estimate(&gateway, Some(&cookie), &fewer).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body["shops"][0]["source"], "merchant");
    assert_eq!(second.body["shops"][0]["subtotal"], 12000);
    let kept = &second.body["shops"][0]["merchant_cart"];
    assert_eq!(
        kept, &first.body["shops"][0]["merchant_cart"],
        "one cart, updated"
    );
    let at_merchant = send(
        "GET",
        &format!(
            "{}/carts/{}",
            merchant.base,
            kept.as_str().expect("cart id")
        ),
        &[
            ("api-version", API_VERSION),
            ("authorization", &format!("Bearer {MERCHANT_KEY}")),
        ],
        None,
    )
    .await;
    assert_eq!(at_merchant.status, StatusCode::OK, "{}", at_merchant.body);
    assert_eq!(
        at_merchant.body["line_items"].as_array().map(Vec::len),
        Some(1)
    );
    // A third-party page cannot use it.
    let cross = send(
        "POST",
        &format!("{}/wallet/cart/estimate", gateway.base),
        &[("origin", "https://evil.example")],
        Some(&cart),
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);

    // A merchant of an earlier version has no carts: the estimate comes from its feed.
    let older = MerchantSetup::speaking(&[Version::V2026_01_16])
        .start()
        .await;
    let gateway = platform(
        &older,
        Entry {
            version: "2026-01-16",
            ..Entry::default()
        },
    )
    .await;
    let answer = estimate(&gateway, None, &cart).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let shop = &answer.body["shops"][0];
    assert_eq!(shop["source"], "feed", "{}", answer.body);
    assert_eq!(shop["subtotal"], 2 * 12000 + 800);
    assert_eq!(shop["lines"][1]["unit_amount"], 800);
}
