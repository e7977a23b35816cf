//! A real server on a loopback socket, a minimal HTTP client, and the shared JSON schemas.
#![allow(dead_code)]

use std::path::PathBuf;

use buycard_server::store::Database;
use buycard_server::{Config, serve};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{HeaderMap, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

pub const API_VERSION: &str = buycard_acp::API_VERSION;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn demo_config() -> Config {
    Config::for_tests(repo().join("server/catalog"))
}

/// With `BUYCARD_TEST_POSTGRES` (a PostgreSQL URL whose user may create databases), the URL of a
/// brand-new database on that cluster, for one test. `cargo xtask test` sets it.
pub async fn fresh_postgres() -> Option<String> {
    let admin = std::env::var("BUYCARD_TEST_POSTGRES").ok()?;
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .expect("connect to BUYCARD_TEST_POSTGRES");
    tokio::spawn(connection);
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    Some(with_database(&admin, &name))
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_end = base[start..].find('/').map_or(base.len(), |i| start + i);
    format!("{}/{name}{query}", &base[..host_end])
}

/// The secret two test instances share (the idempotency and vault keys derive from it).
pub const SHARED_SECRET: &str = "buycard-tests-shared-secret-0123456789";

/// A running server; stops when dropped.
///
/// With `BUYCARD_TEST_POSTGRES` set, a test's server is two instances on one fresh PostgreSQL
/// database behind a round-robin proxy: consecutive requests (each on a fresh connection) land
/// on alternate instances, as behind a load balancer. Servers with a file database or armed
/// faults (which fire once per process) stay one instance.
pub struct Server {
    pub base: String,
    stops: Vec<tokio::sync::oneshot::Sender<()>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    proxy: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    pub async fn start(mut config: Config) -> Self {
        if config.database == Database::in_memory()
            && config.faults.is_empty()
            && let Some(url) = fresh_postgres().await
        {
            config.database = Database::Postgres(url);
            config.secret = Some(SHARED_SECRET.to_owned());
            return Self::pair(config).await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut server = Self {
            base,
            stops: Vec::new(),
            tasks: Vec::new(),
            proxy: None,
        };
        server.spawn(listener, config);
        server
    }

    /// Two instances sharing `config.database`, behind a round-robin proxy.
    pub async fn pair(mut config: Config) -> Self {
        let front = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", front.local_addr().expect("addr"));
        config.public_url = Some(base.clone());
        let mut server = Self {
            base,
            stops: Vec::new(),
            tasks: Vec::new(),
            proxy: None,
        };
        let mut backends = Vec::new();
        for _ in 0..2 {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            backends.push(listener.local_addr().expect("addr"));
            server.spawn(listener, config.clone());
        }
        server.proxy = Some(tokio::spawn(round_robin(front, backends)));
        server
    }

    fn spawn(&mut self, listener: tokio::net::TcpListener, config: Config) {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.stops.push(stop);
        self.tasks.push(tokio::spawn(async move {
            serve(listener, config, async {
                _ = stopped.await;
            })
            .await
            .expect("server runs");
        }));
    }

    /// Stops the server and waits for it to finish (graceful).
    pub async fn stop(mut self) {
        for stop in self.stops.drain(..) {
            _ = stop.send(());
        }
        for task in self.tasks.drain(..) {
            _ = task.await;
        }
        if let Some(proxy) = self.proxy.take() {
            proxy.abort();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for stop in self.stops.drain(..) {
            _ = stop.send(());
        }
        if let Some(proxy) = self.proxy.take() {
            proxy.abort();
        }
    }
}

/// A TCP load balancer: each accepted connection goes to the next backend in turn.
async fn round_robin(front: tokio::net::TcpListener, backends: Vec<std::net::SocketAddr>) {
    let mut next = 0;
    while let Ok((mut inbound, _)) = front.accept().await {
        let backend = backends[next % backends.len()];
        next += 1;
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(backend).await {
                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Bytes,
}

/// One HTTP/1.1 request on a fresh connection.
pub async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Reply {
    try_send(method, url, headers, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

/// Like [`send`], but a refused or cut connection is an `Err` (for tests that kill the server).
pub async fn try_send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Result<Reply, String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{e}"))?;
    let host = uri.authority().ok_or("no authority")?.to_string();
    let stream = tokio::net::TcpStream::connect(&host)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut request = Request::builder()
        .method(method)
        .uri(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .header("host", &host);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let payload = match body {
        Some(value) => {
            request = request.header("content-type", "application/json");
            Bytes::from(serde_json::to_vec(value).map_err(|e| e.to_string())?)
        }
        None => Bytes::new(),
    };
    let request = request
        .body(Full::new(payload))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let (parts, body) = response.into_parts();
    let raw = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body,
        raw,
    })
}

/// Validates an ACP response by endpoint and status: every checkout, cart and delegate-payment
/// body the tests see goes through the shared schema.
pub fn check_acp(path: &str, reply: &Reply) {
    let (file, ok_definition) = if path.starts_with("/agentic_commerce/delegate_payment") {
        ("schema.delegate_payment.json", "DelegatePaymentResponse")
    } else if path.starts_with("/carts") {
        // The cart bundle carries the checkout schema's definitions, `Error` among them.
        ("schema.cart.json", "Cart")
    } else if path.starts_with("/checkout_sessions") {
        let done = reply.body.get("order").is_some();
        (
            "schema.agentic_checkout.json",
            if done {
                "CheckoutSessionWithOrder"
            } else {
                "CheckoutSession"
            },
        )
    } else {
        return;
    };
    let definition = if reply.status.is_success() {
        ok_definition
    } else {
        "Error"
    };
    if reply.status == StatusCode::PAYLOAD_TOO_LARGE && file.contains("delegate") {
        return;
    }
    assert_schema(file, definition, &reply.body);
}

/// An ACP POST with the version and an idempotency key; the answer is schema-checked.
pub async fn post(base: &str, path: &str, key: &str, body: &Value) -> Reply {
    let reply = send(
        "POST",
        &format!("{base}{path}"),
        &[("api-version", API_VERSION), ("idempotency-key", key)],
        Some(body),
    )
    .await;
    check_acp(path, &reply);
    reply
}

/// An ACP PUT (no idempotency key: ACP keys POSTs); the answer is schema-checked.
pub async fn put(base: &str, path: &str, body: &Value) -> Reply {
    let reply = send(
        "PUT",
        &format!("{base}{path}"),
        &[("api-version", API_VERSION)],
        Some(body),
    )
    .await;
    check_acp(path, &reply);
    reply
}

/// An ACP GET; the answer is schema-checked.
pub async fn get(base: &str, path: &str) -> Reply {
    let reply = send(
        "GET",
        &format!("{base}{path}"),
        &[("api-version", API_VERSION)],
        None,
    )
    .await;
    check_acp(path, &reply);
    reply
}

/// Whether `body` is valid for a definition of one of the shared ACP schemas.
pub fn schema_errors(file: &str, definition: &str, body: &Value) -> Vec<String> {
    schema_errors_in(API_VERSION, file, definition, body)
}

/// Validates `body` against a definition of a dated version's checkout schema.
pub fn assert_schema_version(version: &str, definition: &str, body: &Value) {
    let errors = schema_errors_in(version, "schema.agentic_checkout.json", definition, body);
    assert!(
        errors.is_empty(),
        "{version} {definition} invalid: {errors:#?}\n{body:#}"
    );
}

/// [`schema_errors`] for the schema of a dated version (`shared/acp-legacy/…` before the current).
pub fn schema_errors_in(version: &str, file: &str, definition: &str, body: &Value) -> Vec<String> {
    let folder = if version == API_VERSION {
        format!("../shared/acp-{version}/json-schema")
    } else {
        format!("../shared/acp-legacy/{version}/json-schema")
    };
    let dir = repo().join(folder);
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/$defs/{definition}"),
        "$defs": bundled_defs(&dir, file),
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .expect("schema");
    validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

const CHECKOUT_SCHEMA: &str = "schema.agentic_checkout.json";

fn defs_of(dir: &std::path::Path, file: &str) -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(dir.join(file)).expect("spec beside the repo");
    let bundle: Value = serde_json::from_str(&text).expect("json");
    bundle["$defs"].as_object().cloned().expect("$defs")
}

/// The `$defs` of `file`, self-contained: a file that refers into the checkout schema
/// (`schema.cart.json`: `schema.agentic_checkout.json#/$defs/LineItem`) gets the checkout
/// schema's definitions beside its own (a name in both is a test failure, never a silent
/// override) and those references made local, so the validator never has to fetch anything.
fn bundled_defs(dir: &std::path::Path, file: &str) -> Value {
    let mut defs = defs_of(dir, file);
    let prefix = format!("{CHECKOUT_SCHEMA}#");
    if file != CHECKOUT_SCHEMA && Value::Object(defs.clone()).to_string().contains(&prefix) {
        for (name, def) in defs_of(dir, CHECKOUT_SCHEMA) {
            assert!(
                defs.insert(name.clone(), def).is_none(),
                "{file} and {CHECKOUT_SCHEMA} both define {name}"
            );
        }
    }
    let mut defs = Value::Object(defs);
    localize_refs(&mut defs, &prefix);
    draft_2020_bounds(&mut defs);
    defs
}

/// 2025-09-29 says "greater than 0" the draft-4 way (`minimum: 0, exclusiveMinimum: true`),
/// which a 2020-12 validator refuses to compile: the same bound, spelt the 2020-12 way.
fn draft_2020_bounds(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("exclusiveMinimum") == Some(&Value::Bool(true))
                && let Some(minimum) = map.remove("minimum")
            {
                map.insert("exclusiveMinimum".into(), minimum);
            }
            map.values_mut().for_each(draft_2020_bounds);
        }
        Value::Array(items) => items.iter_mut().for_each(draft_2020_bounds),
        _ => {}
    }
}

/// `"$ref": "{prefix}/$defs/X"` → `"$ref": "#/$defs/X"`, everywhere in `value`.
fn localize_refs(value: &mut Value, prefix: &str) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref"
                    && let Some(local) = child.as_str().and_then(|r| r.strip_prefix(prefix))
                {
                    *child = Value::String(format!("#{local}"));
                } else {
                    localize_refs(child, prefix);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| localize_refs(v, prefix)),
        _ => {}
    }
}

/// Validates `body` against a definition of one of the shared ACP schemas.
pub fn assert_schema(file: &str, definition: &str, body: &Value) {
    let errors = schema_errors(file, definition, body);
    assert!(
        errors.is_empty(),
        "{definition} invalid: {errors:#?}\n{body:#}"
    );
}

pub fn unique_key(label: &str) -> String {
    format!("{label}-{}", uuid_like())
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn address() -> Value {
    json!({"name": "Ada Lovelace", "line_one": "1 Main St", "city": "San Francisco", "state": "CA", "country": "US", "postal_code": "94102"})
}

/// A session for `items` by a buyer with an address: ready for payment.
pub async fn ready_session(base: &str, items: &[&str]) -> Value {
    let body = json!({
        "currency": "usd",
        "line_items": items.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        "capabilities": {},
        "buyer": {"email": "ada@example.com", "first_name": "Ada"},
        "fulfillment_details": {"name": "Ada Lovelace", "address": address()}
    });
    let reply = post(base, "/checkout_sessions", &unique_key("create"), &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

/// A vault token from the test PSP for `session`'s total.
pub async fn token(base: &str, session: &Value, card: &str) -> String {
    let total = session["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["type"] == "total")
        .expect("total")["amount"]
        .clone();
    let body = json!({
        "payment_method": {"type": "card", "card_number_type": "fpan", "number": card, "exp_month": "12",
                           "exp_year": "2031", "display_card_funding_type": "credit", "metadata": {}},
        "allowance": {"reason": "one_time", "max_amount": total, "currency": session["currency"],
                      "checkout_session_id": session["id"], "merchant_id": "buycard-demo",
                      "expires_at": "2099-01-01T00:00:00Z"},
        "risk_signals": [{"type": "card_testing", "score": 1, "action": "authorized"}],
        "metadata": {}
    });
    let reply = post(
        base,
        "/agentic_commerce/delegate_payment",
        &unique_key("token"),
        &body,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_schema(
        "schema.delegate_payment.json",
        "DelegatePaymentResponse",
        &reply.body,
    );
    reply.body["id"].as_str().expect("token id").to_owned()
}

pub fn payment(token: &str) -> Value {
    json!({"payment_data": {"handler_id": "card_tokenized",
        "instrument": {"type": "card", "credential": {"type": "spt", "token": token}}}})
}
