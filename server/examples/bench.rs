//! `cargo xtask bench server`: create/complete throughput and latency of the reference server on
//! loopback. Prints numbers; asserts nothing.
//!
//! A server with the demo catalog runs in this process on an in-memory database (set
//! BUYCARD_BENCH_DB to a file path to include fsync costs); N buyers, CONCURRENCY at a time,
//! each create a session for an e-book (digital, not stock-limited), get a PSP token and complete.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

const API_VERSION: &str = buycard_acp::API_VERSION;

async fn post(addr: &str, path: &str, key: &str, body: &Value) -> (u16, Value) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let request = hyper::Request::post(path)
        .header("host", addr)
        .header("content-type", "application/json")
        .header("api-version", API_VERSION)
        .header("idempotency-key", key)
        .body(Full::new(Bytes::from(
            serde_json::to_vec(body).expect("json"),
        )))
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>, wall: Duration) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {name:<10} {:>6} requests  {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
        samples.len(),
        samples.len() as f64 / wall.as_secs_f64(),
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap_or(&Duration::ZERO)),
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let buyers: usize = std::env::var("BUYCARD_BENCH_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let concurrency: usize = std::env::var("BUYCARD_BENCH_CONCURRENCY")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16);
    let mut config = buycard_server::Config::for_tests(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog"),
    );
    if let Ok(path) = std::env::var("BUYCARD_BENCH_DB") {
        config.database = buycard_server::store::Database::parse(&path).expect("BUYCARD_BENCH_DB");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let database = config.database.to_string();
    tokio::spawn(buycard_server::serve(
        listener,
        config,
        std::future::pending(),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    println!(
        "buycard-server bench: {buyers} buyers, {concurrency} at a time, database {database}, on {addr}"
    );

    // Phase 1: create sessions.
    let started = Instant::now();
    let mut creates = Vec::with_capacity(buyers);
    let mut sessions = Vec::with_capacity(buyers);
    let indices: Vec<usize> = (0..buyers).collect();
    for chunk in indices.chunks(concurrency) {
        let tasks: Vec<_> = chunk
            .iter()
            .copied()
            .map(|i| {
                let addr = addr.clone();
                tokio::spawn(async move {
                    let body = json!({"currency": "eur", "line_items": [{"id": "long-thread-ebook"}], "capabilities": {},
                                      "buyer": {"email": format!("buyer{i}@example.com")}});
                    let t = Instant::now();
                    let (status, session) = post(&addr, "/checkout_sessions", &format!("create-{i}"), &body).await;
                    assert_eq!(status, 201, "{session}");
                    (t.elapsed(), session)
                })
            })
            .collect();
        for task in tasks {
            let (elapsed, session) = task.await.expect("task");
            creates.push(elapsed);
            sessions.push(session);
        }
    }
    let create_wall = started.elapsed();

    // Phase 2: tokens (the PSP), then completes, each timed on its own.
    let mut tokens = Vec::with_capacity(buyers);
    let mut token_times = Vec::with_capacity(buyers);
    let started = Instant::now();
    for (i, session) in sessions.iter().enumerate() {
        let total = session["totals"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "total"))
            .map(|t| t["amount"].clone())
            .unwrap_or(json!(0));
        let body = json!({
            "payment_method": {"type": "card", "card_number_type": "fpan", "number": "4242424242424242",
                               "exp_month": "12", "exp_year": "2031", "display_card_funding_type": "credit", "metadata": {}},
            "allowance": {"reason": "one_time", "max_amount": total, "currency": "eur", "checkout_session_id": session["id"],
                          "merchant_id": "buycard-demo", "expires_at": "2099-01-01T00:00:00Z"},
            "risk_signals": [], "metadata": {}
        });
        let t = Instant::now();
        let (status, token) = post(
            &addr,
            "/agentic_commerce/delegate_payment",
            &format!("token-{i}"),
            &body,
        )
        .await;
        assert_eq!(status, 201, "{token}");
        token_times.push(t.elapsed());
        tokens.push(token["id"].as_str().unwrap_or_default().to_owned());
    }
    let token_wall = started.elapsed();

    let started = Instant::now();
    let mut completes = Vec::with_capacity(buyers);
    let work: Vec<(usize, String, String)> = sessions
        .iter()
        .zip(tokens)
        .enumerate()
        .map(|(i, (s, t))| (i, s["id"].as_str().unwrap_or_default().to_owned(), t))
        .collect();
    for chunk in work.chunks(concurrency) {
        let tasks: Vec<_> = chunk
            .iter()
            .cloned()
            .map(|(i, id, token)| {
                let addr = addr.clone();
                tokio::spawn(async move {
                    let body = json!({"payment_data": {"handler_id": "card_tokenized",
                        "instrument": {"type": "card", "credential": {"type": "spt", "token": token}}}});
                    let t = Instant::now();
                    let (status, done) = post(&addr, &format!("/checkout_sessions/{id}/complete"), &format!("complete-{i}"), &body).await;
                    assert!(status == 200 && done["status"] == "completed", "{status} {done}");
                    t.elapsed()
                })
            })
            .collect();
        for task in tasks {
            completes.push(task.await.expect("task"));
        }
    }
    let complete_wall = started.elapsed();

    report("create", creates, create_wall);
    report("token", token_times, token_wall);
    report("complete", completes, complete_wall);
}
