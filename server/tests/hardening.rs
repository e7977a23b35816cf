//! Concurrency, durability and secrecy, against the real binary where it matters (SIGKILL, logs).

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::*;
use hyper::StatusCode;
use serde_json::json;

const CARDS: [&str; 3] = ["4242424242424242", "4000000000000002", "4000002760003184"];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_buyers_race_for_ten_prints() {
    let server = Server::start(demo_config()).await;
    let base = server.base.clone();
    let mut ready = Vec::new();
    for _ in 0..200 {
        let session = ready_session(&base, &["night-market-print-a3"]).await;
        let token = token(&base, &session, "4242424242424242").await;
        ready.push((session["id"].as_str().expect("id").to_owned(), token));
    }
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|(id, token)| {
            let base = base.clone();
            tokio::spawn(async move {
                post(
                    &base,
                    &format!("/checkout_sessions/{id}/complete"),
                    &unique_key("race"),
                    &payment(&token),
                )
                .await
            })
        })
        .collect();
    let (mut orders, mut sold_out) = (0, 0);
    for task in tasks {
        let reply = task.await.expect("task");
        match (
            reply.status,
            reply.body["status"].as_str(),
            reply.body["code"].as_str(),
        ) {
            (StatusCode::OK, Some("completed"), _) => orders += 1,
            (StatusCode::BAD_REQUEST, _, Some("out_of_stock")) => {
                assert_eq!(reply.body["param"], "$.line_items[0].item.id");
                assert!(
                    reply.body["message"]
                        .as_str()
                        .expect("message")
                        .contains("sold out"),
                    "{}",
                    reply.body
                );
                sold_out += 1;
            }
            other => panic!("unexpected answer {other:?}: {}", reply.body),
        }
    }
    assert_eq!((orders, sold_out), (10, 190));
    let after = ready_session(&base, &["night-market-print-a3"]).await;
    assert_eq!(
        after["line_items"][0]["available_quantity"], 0,
        "stock is 0, never negative"
    );
    server.stop().await;
}

fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("buycard-{label}-{}", std::process::id()));
    _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The real binary on a free port, logging to `log`. Returns the child and its base URL.
fn spawn_server(database: &Path, log: &Path) -> (Child, String) {
    let log = std::fs::File::create(log).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_buycard-server"))
        .args(["--listen", "127.0.0.1:0", "--catalog"])
        .arg(repo().join("server/catalog"))
        .arg("--database")
        .arg(database)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("address line");
    let url = line
        .split("listening on ")
        .nth(1)
        .expect("address")
        .trim()
        .to_owned();
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_survive_sigkill_and_are_never_duplicated() {
    let dir = temp_dir("durability");
    let database = dir.join("db.sqlite");
    let (mut child, base) = spawn_server(&database, &dir.join("first.log"));
    let mut prepared = Vec::new();
    for i in 0..60 {
        let session = ready_session(&base, &["enamel-pin-gold"]).await;
        let token = token(&base, &session, "4242424242424242").await;
        prepared.push((
            session["id"].as_str().expect("id").to_owned(),
            token,
            format!("burst-{i}"),
        ));
    }
    // A burst of completes; the process is killed as soon as the first order is confirmed, so
    // some requests are answered, some committed but unanswered, some never run.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for (index, (id, token, key)) in prepared.iter().cloned().enumerate() {
        let (base, tx) = (base.clone(), tx.clone());
        tokio::spawn(async move {
            let url = format!("{base}/checkout_sessions/{id}/complete");
            let body = payment(&token);
            // After the kill a request fails to connect or is cut: no order was promised to it.
            let headers = [
                ("api-version", API_VERSION),
                ("idempotency-key", key.as_str()),
            ];
            let reply = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                try_send("POST", &url, &headers, Some(&body)),
            )
            .await
            .ok()
            .and_then(Result::ok);
            _ = tx.send((index, reply));
        });
    }
    drop(tx);
    let mut promised = Vec::new();
    let mut killed = false;
    while let Some((index, reply)) = rx.recv().await {
        if let Some(reply) = reply
            && reply.status == StatusCode::OK
            && reply.body["status"] == "completed"
        {
            promised.push((
                prepared[index].0.clone(),
                reply.body["order"]["id"]
                    .as_str()
                    .expect("order")
                    .to_owned(),
            ));
            if !killed {
                child.kill().expect("SIGKILL");
                _ = child.wait();
                killed = true;
            }
        }
    }
    assert!(
        killed && !promised.is_empty(),
        "the kill happened after a confirmation"
    );

    let (mut child, base) = spawn_server(&database, &dir.join("second.log"));
    for (session, order) in &promised {
        let fetched = get(&base, &format!("/checkout_sessions/{session}")).await;
        assert_eq!(
            fetched.body["status"], "completed",
            "a confirmed order is durable"
        );
        assert_eq!(fetched.body["order"]["id"], order.as_str());
    }
    // Every buyer retries with the same key: confirmed ones replay, the rest complete now.
    for (id, token, key) in &prepared {
        let reply = post(
            &base,
            &format!("/checkout_sessions/{id}/complete"),
            key,
            &payment(token),
        )
        .await;
        // In flight when killed: the key is leased for 30 s, then runs again.
        let ok = reply.status == StatusCode::OK
            || (reply.status == StatusCode::CONFLICT
                && reply.body["code"] == "idempotency_in_flight");
        assert!(ok, "{}: {}", reply.status, reply.body);
    }
    child.kill().expect("stop");
    _ = child.wait();
    let db = rusqlite::Connection::open(&database).expect("open");
    let (orders, sessions): (i64, i64) = db
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT session_id) FROM orders",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert_eq!(orders, sessions, "never two orders for one session");
    assert!(orders as usize >= promised.len());
    println!(
        "{} of 60 confirmed before the kill; {orders} orders after the retries",
        promised.len()
    );
    drop(db);
    _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_card_number_reaches_the_database_or_the_logs() {
    let dir = temp_dir("secrecy");
    let database = dir.join("db.sqlite");
    let log = dir.join("server.log");
    let (mut child, base) = spawn_server(&database, &log);
    // Cards arrive through the PSP, the wallet, and the demo buyers seeded at start.
    for card in CARDS {
        let session = ready_session(&base, &["enamel-pin-gold"]).await;
        let _ = token(&base, &session, card).await;
    }
    let signin = send(
        "POST",
        &format!("{base}/wallet/sign_in"),
        &[("origin", base.as_str())],
        Some(&json!({"buyer_id": "zoe"})),
    )
    .await;
    let cookie = signin.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let added = send(
        "POST",
        &format!("{base}/wallet/payment_methods"),
        &[("origin", base.as_str()), ("cookie", cookie.as_str())],
        Some(&json!({"card": {"number": "4242424242424242", "exp_month": "01", "exp_year": "2033", "cvc": "987"}, "save": true})),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED);
    // A bad card is logged as an error without its number.
    let _ = send(
        "POST",
        &format!("{base}/wallet/payment_methods"),
        &[("origin", base.as_str()), ("cookie", cookie.as_str())],
        Some(&json!({"card": {"number": "4242424242424241", "exp_month": "01", "exp_year": "2033"}, "save": false})),
    )
    .await;
    child.kill().expect("stop");
    _ = child.wait();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
        let bytes = std::fs::read(entry.path()).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        for number in CARDS.iter().chain(&["4242424242424241"]) {
            assert!(
                !text.contains(number),
                "{number} found in {}",
                entry.path().display()
            );
        }
        assert!(
            !text.contains("\"987\""),
            "a CVC found in {}",
            entry.path().display()
        );
        checked += 1;
    }
    assert!(
        checked >= 3,
        "the database, its WAL and the log were read ({checked} files)"
    );
    assert!(
        std::fs::metadata(&log).expect("log").len() > 0,
        "the server did log"
    );
    _ = std::fs::remove_dir_all(&dir);
}
