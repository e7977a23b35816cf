//! The platform's cart for a signed-in buyer (`/wallet/cart…`): lines of several merchants, the
//! Origin check and sign-in, merging a visitor's cart without duplicates, optimistic writes from
//! two tabs, and a cart that survives a restart.

mod common;

use common::*;
use hyper::StatusCode;
use serde_json::{Value, json};

/// A browser on the host site's own pages, with its wallet cookie once signed in.
struct Tab {
    base: String,
    cookie: Option<String>,
}

impl Tab {
    fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            cookie: None,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.call_keyed(method, path, body, None).await
    }

    async fn call_keyed(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Reply {
        let mut headers = vec![("origin", self.base.as_str())];
        if let Some(cookie) = &self.cookie {
            headers.push(("cookie", cookie.as_str()));
        }
        if let Some(key) = key {
            headers.push(("idempotency-key", key));
        }
        send(method, &format!("{}{path}", self.base), &headers, body).await
    }

    async fn sign_in(&mut self, buyer: &str) {
        let reply = self
            .call("POST", "/wallet/sign_in", Some(&json!({"buyer_id": buyer})))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let set = reply.headers["set-cookie"].to_str().expect("cookie");
        self.cookie = set.split(';').next().map(str::to_owned);
    }
}

fn line(endpoint: &str, product: &str, quantity: u32, price: u64) -> Value {
    json!({"endpoint": endpoint, "feed": "demo", "product": product, "variant": product,
           "quantity": quantity, "title": format!("Title of {product}"),
           "unit_price": {"amount": price, "currency": "USD"}, "max_quantity": 4})
}

fn cart(lines: &[Value]) -> Value {
    json!({"v": 1, "lines": lines})
}

fn quantities(body: &Value) -> Vec<(String, String, u64)> {
    body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                l["endpoint"].as_str().unwrap_or_default().to_owned(),
                l["product"].as_str().unwrap_or_default().to_owned(),
                l["quantity"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn q(endpoint: &str, product: &str, quantity: u64) -> (String, String, u64) {
    (endpoint.to_owned(), product.to_owned(), quantity)
}

#[tokio::test]
async fn a_signed_in_buyer_keeps_one_cart_across_merchants() {
    let server = Server::start(demo_config()).await;
    let mut tab = Tab::new(&server.base);
    // Signed out: the cart stays in the browser.
    assert_eq!(
        tab.call("GET", "/wallet/cart", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    tab.sign_in("ada").await;
    let empty = tab.call("GET", "/wallet/cart", None).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert_eq!(empty.body, cart(&[]));

    let a = "/shops/lantern-press";
    let b = "/shops/harbor-records";
    for (endpoint, product) in [(a, "print"), (b, "vinyl"), (a, "print")] {
        let added = tab
            .call(
                "POST",
                "/wallet/cart/add",
                Some(&cart(&[line(endpoint, product, 1, 4900)])),
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    let got = tab.call("GET", "/wallet/cart", None).await;
    assert_eq!(
        quantities(&got.body),
        [q(a, "print", 2), q(b, "vinyl", 1)],
        "the same product twice is one line of two"
    );
    // Another device of the same buyer sees the same cart.
    let mut phone = Tab::new(&server.base);
    phone.sign_in("ada").await;
    assert_eq!(
        quantities(&phone.call("GET", "/wallet/cart", None).await.body),
        [q(a, "print", 2), q(b, "vinyl", 1)]
    );
    // Another buyer does not.
    let mut grace = Tab::new(&server.base);
    grace.sign_in("grace").await;
    assert_eq!(
        grace.call("GET", "/wallet/cart", None).await.body,
        cart(&[])
    );

    let key = json!({"endpoint": a, "feed": "demo", "product": "print", "variant": "print"});
    let mut set = key.clone();
    set["quantity"] = json!(9);
    let capped = tab.call("POST", "/wallet/cart/set", Some(&set)).await;
    assert_eq!(capped.status, StatusCode::OK, "{}", capped.body);
    assert_eq!(
        quantities(&capped.body)[0],
        q(a, "print", 4),
        "capped at the line's limit"
    );
    set["quantity"] = json!(0);
    let removed = tab.call("POST", "/wallet/cart/set", Some(&set)).await;
    assert_eq!(quantities(&removed.body), [q(b, "vinyl", 1)]);
    let missing = tab.call("POST", "/wallet/cart/set", Some(&set)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);

    let after_orders = tab
        .call(
            "POST",
            "/wallet/cart/remove",
            Some(&json!({"keys": [{"endpoint": b, "feed": "demo", "product": "vinyl", "variant": "vinyl"}]})),
        )
        .await;
    assert_eq!(after_orders.status, StatusCode::OK, "{}", after_orders.body);
    assert_eq!(after_orders.body, cart(&[]));
    server.stop().await;
}

#[tokio::test]
async fn bad_input_and_other_sites_are_refused() {
    let server = Server::start(demo_config()).await;
    let mut tab = Tab::new(&server.base);
    let add = cart(&[line("/shops/lantern-press", "print", 1, 4900)]);
    // Signed out.
    assert_eq!(
        tab.call("POST", "/wallet/cart/add", Some(&add))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    tab.sign_in("ada").await;
    // A third-party page cannot fill a signed-in buyer's cart.
    let cookie = tab.cookie.clone().expect("cookie");
    let cross = send(
        "POST",
        &format!("{}/wallet/cart/add", server.base),
        &[("origin", "https://evil.example"), ("cookie", &cookie)],
        Some(&add),
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN, "{}", cross.body);
    // A corrupt or hostile cart is a clear error and changes nothing.
    for body in [
        json!({"v": 1, "lines": [{"endpoint": "javascript:alert(1)", "feed": "f", "product": "p",
               "variant": "v", "quantity": 1, "title": "t", "unit_price": {"amount": 1, "currency": "USD"}}]}),
        json!({"v": 1, "lines": "nope"}),
        json!({"v": 99, "lines": []}),
        cart(&[]),
    ] {
        let refused = tab.call("POST", "/wallet/cart/add", Some(&body)).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.body
        );
        assert_eq!(refused.body["type"], "invalid_request");
    }
    assert_eq!(tab.call("GET", "/wallet/cart", None).await.body, cart(&[]));
    server.stop().await;
}

#[tokio::test]
async fn a_visitors_cart_merges_on_sign_in_once_and_without_duplicates() {
    let server = Server::start(demo_config()).await;
    let mut tab = Tab::new(&server.base);
    tab.sign_in("ada").await;
    let a = "/shops/lantern-press";
    tab.call(
        "POST",
        "/wallet/cart/add",
        Some(&cart(&[line(a, "print", 2, 4900)])),
    )
    .await;
    // What the same buyer put in the cart on this device before signing in.
    let visitor = cart(&[
        line(a, "print", 1, 4900),
        line("/shops/harbor-records", "vinyl", 3, 2800),
    ]);
    let key = unique_key("merge");
    let merged = tab
        .call_keyed("POST", "/wallet/cart/merge", Some(&visitor), Some(&key))
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    assert_eq!(merged.body["left_out"], 0);
    let expected = [q(a, "print", 2), q("/shops/harbor-records", "vinyl", 3)];
    assert_eq!(
        quantities(&merged.body["cart"]),
        expected,
        "one line per product: the larger quantity, not the sum"
    );
    // The page resends the merge (a reload before it saw the answer): it merges once.
    let again = tab
        .call_keyed("POST", "/wallet/cart/merge", Some(&visitor), Some(&key))
        .await;
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(
        quantities(&tab.call("GET", "/wallet/cart", None).await.body),
        expected
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_tabs_adding_at_once_both_count() {
    let server = Server::start(demo_config()).await;
    let mut tab = Tab::new(&server.base);
    tab.sign_in("ada").await;
    let tab = std::sync::Arc::new(tab);
    let adds: Vec<_> = (0..8)
        .map(|i| {
            let tab = tab.clone();
            tokio::spawn(async move {
                tab.call(
                    "POST",
                    "/wallet/cart/add",
                    Some(&cart(&[line(
                        "/shops/lantern-press",
                        &format!("p{i}"),
                        1,
                        100,
                    )])),
                )
                .await
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for (i, add) in adds.into_iter().enumerate() {
        let reply = add.await.expect("task");
        // A request that kept losing the race says so; none is silently lost.
        match reply.status {
            StatusCode::OK => acknowledged.push(format!("p{i}")),
            StatusCode::CONFLICT => assert_eq!(reply.headers["retry-after"], "1"),
            other => panic!("{other}: {}", reply.body),
        }
    }
    let got = tab.call("GET", "/wallet/cart", None).await;
    let products: Vec<String> = quantities(&got.body).into_iter().map(|l| l.1).collect();
    assert!(!acknowledged.is_empty());
    for product in &acknowledged {
        assert!(
            products.contains(product),
            "{product} was acknowledged, so it is in the cart"
        );
    }
    // Whatever answered 200 is in the cart; retrying the conflicts completes it.
    for i in 0..8 {
        let added = tab
            .call(
                "POST",
                "/wallet/cart/add",
                Some(&cart(&[line(
                    "/shops/lantern-press",
                    &format!("p{i}"),
                    1,
                    100,
                )])),
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    let got = tab.call("GET", "/wallet/cart", None).await;
    assert_eq!(quantities(&got.body).len(), 8);
    server.stop().await;
}

#[tokio::test]
async fn the_cart_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("buycard-cart-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut config = demo_config();
    config.database = buycard_server::store::Database::Sqlite(dir.join("db.sqlite"));
    let server = Server::start(config.clone()).await;
    let mut tab = Tab::new(&server.base);
    tab.sign_in("ada").await;
    tab.call(
        "POST",
        "/wallet/cart/add",
        Some(&cart(&[line("/shops/lantern-press", "print", 2, 4900)])),
    )
    .await;
    server.stop().await;
    let server = Server::start(config).await;
    // The sign-in and the cart are both in the database.
    tab.base = server.base.clone();
    let got = tab.call("GET", "/wallet/cart", None).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(
        quantities(&got.body),
        [q("/shops/lantern-press", "print", 2)]
    );
    server.stop().await;
    _ = std::fs::remove_dir_all(&dir);
}
