//! Two real server processes on one PostgreSQL database, requests alternating between them:
//! exactly-once orders across instances, shared idempotency keys, and a SIGKILL mid-burst.
//! Needs `BUYCARD_TEST_POSTGRES` (set by `cargo xtask test`); without it each test says so and
//! does nothing.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use hyper::StatusCode;
use serde_json::{Value, json};

/// Seconds an in-flight key is held in these tests (the default is 30).
const LEASE: u64 = 2;

/// One server process.
struct Instance {
    child: Child,
    base: String,
}

impl Instance {
    fn start(database: &str, extra: &[&str], log: &str) -> Self {
        let log =
            std::env::temp_dir().join(format!("buycard-instance-{log}-{}.log", std::process::id()));
        let log = std::fs::File::create(log).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_buycard-server"))
            .args(["--listen", "127.0.0.1:0", "--catalog"])
            .arg(repo().join("server/catalog"))
            .args(["--database", database])
            .args(["--idempotency-lease", &LEASE.to_string()])
            .args(extra)
            .env("BUYCARD_SECRET", SHARED_SECRET)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start the server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("address line");
        let base = line
            .split("listening on ")
            .nth(1)
            .expect("address")
            .trim()
            .to_owned();
        Self { child, base }
    }

    /// Waits (bounded) until the instance answers.
    async fn ready(&self) {
        for _ in 0..100 {
            if let Ok(reply) =
                try_send("GET", &format!("{}/feeds/demo", self.base), &[], None).await
                && reply.status == StatusCode::OK
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} never answered", self.base);
    }

    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        _ = self.child.kill();
        _ = self.child.wait();
    }
}

/// Two instances on a fresh database, and a connection to it for checking what was written.
async fn pair(extra_a: &[&str]) -> Option<(Instance, Instance, tokio_postgres::Client)> {
    let Some(url) = fresh_postgres().await else {
        eprintln!("BUYCARD_TEST_POSTGRES is not set: the two-instance test did not run");
        return None;
    };
    let a = Instance::start(&url, extra_a, "a");
    let b = Instance::start(&url, &[], "b");
    a.ready().await;
    b.ready().await;
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    Some((a, b, client))
}

async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.expect("count").get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_buyers_race_for_ten_units_across_two_instances() {
    let Some((a, b, db)) = pair(&[]).await else {
        return;
    };
    let bases = [a.base.clone(), b.base.clone()];
    let mut ready = Vec::new();
    for i in 0..200 {
        // Each buyer's create, token and complete go to alternating instances.
        let session = ready_session(&bases[i % 2], &["night-market-print-a3"]).await;
        let token = token(&bases[(i + 1) % 2], &session, "4242424242424242").await;
        ready.push((session["id"].as_str().expect("id").to_owned(), token));
    }
    let tasks: Vec<_> = ready
        .into_iter()
        .enumerate()
        .map(|(i, (id, token))| {
            let base = bases[i % 2].clone();
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
            (StatusCode::BAD_REQUEST, _, Some("out_of_stock")) => sold_out += 1,
            other => panic!("unexpected answer {other:?}: {}", reply.body),
        }
    }
    assert_eq!((orders, sold_out), (10, 190));
    assert_eq!(count(&db, "SELECT count(*) FROM orders").await, 10);
    assert_eq!(
        count(
            &db,
            "SELECT available FROM stock WHERE variant_id = 'night-market-print-a3'"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_sent_to_both_instances_at_once_runs_once() {
    let Some((a, b, db)) = pair(&[]).await else {
        return;
    };
    let body = json!({
        "currency": "usd",
        "line_items": [{"id": "night-market-print-a3"}],
        "capabilities": {},
    });
    let rounds = 20;
    let mut in_flight = 0;
    for round in 0..rounds {
        let key = unique_key("both");
        let (first, second) = tokio::join!(
            post(&a.base, "/checkout_sessions", &key, &body),
            post(&b.base, "/checkout_sessions", &key, &body)
        );
        let mut created = None;
        for reply in [&first, &second] {
            match reply.status {
                StatusCode::CREATED => {
                    let id = reply.body["id"].clone();
                    assert!(
                        created.is_none() || created.as_ref() == Some(&id),
                        "round {round}: two sessions for one key"
                    );
                    created = Some(id);
                }
                StatusCode::CONFLICT => {
                    in_flight += 1;
                    assert_eq!(reply.body["code"], "idempotency_in_flight");
                    assert_eq!(reply.headers["retry-after"], "1");
                }
                other => panic!("round {round}: {other}: {}", reply.body),
            }
        }
        let created = created.expect("one of them ran it");
        // The replay, on either instance, is the original answer byte for byte.
        let original = if first.status == StatusCode::CREATED
            && first.headers.get("idempotent-replayed").is_none()
        {
            &first
        } else {
            &second
        };
        for base in [&a.base, &b.base] {
            let replay = post(base, "/checkout_sessions", &key, &body).await;
            assert_eq!(replay.status, StatusCode::CREATED);
            assert_eq!(replay.headers["idempotent-replayed"], "true");
            assert_eq!(replay.body["id"], created);
            if original.headers.get("idempotent-replayed").is_none() {
                assert_eq!(replay.raw, original.raw, "the replay is the original body");
            }
        }
    }
    eprintln!("{rounds} keys sent to both instances at once: {in_flight} answered in flight");
    assert_eq!(
        count(&db, "SELECT count(*) FROM sessions").await,
        rounds,
        "one session per key"
    );
}

/// Completes `id` with `token` under `key` on `base`; `None` when the connection failed (the
/// instance was killed).
async fn complete(base: &str, id: &str, token: &str, key: &str) -> Option<(StatusCode, Value)> {
    let url = format!("{base}/checkout_sessions/{id}/complete");
    try_send(
        "POST",
        &url,
        &[("api-version", API_VERSION), ("idempotency-key", key)],
        Some(&payment(token)),
    )
    .await
    .ok()
    .map(|reply| (reply.status, reply.body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_instance_loses_no_acknowledged_order_and_duplicates_none() {
    // Instance A holds its first complete for two seconds (a slow PSP), so it dies with that
    // key in flight and that session marked in progress.
    let Some((mut a, b, db)) = pair(&["--fault", "complete-slow-once"]).await else {
        return;
    };
    let buyers = 40;
    let mut ready = Vec::new();
    for i in 0..buyers {
        let session = ready_session(&b.base, &["tour-tee-m"]).await;
        let token = token(&b.base, &session, "4242424242424242").await;
        let id = session["id"].as_str().expect("id").to_owned();
        ready.push((id, token, unique_key(&format!("kill{i}"))));
    }
    // The slow one first, on A.
    let (slow_id, slow_token, slow_key) = ready[0].clone();
    let slow = {
        let base = a.base.clone();
        tokio::spawn(async move { complete(&base, &slow_id, &slow_token, &slow_key).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let burst: Vec<_> = ready[1..]
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, (id, token, key))| {
            let base = if i % 2 == 0 {
                a.base.clone()
            } else {
                b.base.clone()
            };
            tokio::spawn(async move { complete(&base, &id, &token, &key).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    a.kill();
    let mut answers = vec![slow.await.expect("task")];
    for task in burst {
        answers.push(task.await.expect("task"));
    }
    // Every acknowledged order is in the database.
    let mut acknowledged = 0;
    for answer in answers.iter().flatten() {
        if answer.0 == StatusCode::OK && answer.1["status"] == "completed" {
            acknowledged += 1;
            let order = answer.1["order"]["id"].as_str().expect("order id");
            let rows = db
                .query("SELECT 1 FROM orders WHERE id = $1", &[&order])
                .await
                .expect("query");
            assert_eq!(rows.len(), 1, "acknowledged order {order} is stored");
        }
    }
    assert!(answers[0].is_none(), "the slow complete died with A");
    // The slow complete's key is held by the dead instance until the lease ends.
    let (id, token, key) = &ready[0];
    let early = complete(&b.base, id, token, key).await.expect("B answers");
    assert!(
        early.0 == StatusCode::CONFLICT || early.0 == StatusCode::OK,
        "{early:?}"
    );
    if early.0 == StatusCode::CONFLICT {
        assert_eq!(early.1["code"], "idempotency_in_flight", "{}", early.1);
    }
    tokio::time::sleep(Duration::from_secs(LEASE + 1)).await;
    let lost = answers.len() - acknowledged;
    eprintln!(
        "{acknowledged} orders acknowledged, {lost} answers lost with A; retrying those on B"
    );
    // Every buyer whose answer was lost retries on B with the same key: each gets its order.
    for ((id, token, key), answer) in ready.iter().zip(&answers) {
        let acknowledged = answer.as_ref().is_some_and(|(status, body)| {
            *status == StatusCode::OK && body["status"] == "completed"
        });
        if acknowledged {
            continue;
        }
        let retry = complete(&b.base, id, token, key).await.expect("B answers");
        assert_eq!(retry.0, StatusCode::OK, "{}", retry.1);
        assert_eq!(retry.1["status"], "completed", "{}", retry.1);
    }
    assert!(
        acknowledged > 0,
        "some orders were acknowledged before the kill"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM orders").await,
        buyers as i64,
        "one order per buyer, none lost"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM (SELECT session_id FROM orders GROUP BY session_id
             HAVING count(*) > 1) AS twice"
        )
        .await,
        0,
        "no session has two orders"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM psp_tokens WHERE spent_at IS NOT NULL"
        )
        .await,
        buyers as i64,
        "each token spent once"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM idempotency WHERE state = 'in_flight'"
        )
        .await,
        0,
        "no key stays in flight"
    );
}
