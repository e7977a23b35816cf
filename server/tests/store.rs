//! The store's contract: every repository behaves the same on SQLite and on PostgreSQL. Each case
//! runs on an in-memory SQLite database and, when `BUYCARD_TEST_POSTGRES` is set (as `cargo
//! xtask test` does), on a fresh PostgreSQL database.

mod common;

use std::sync::Arc;

use buycard_server::store::{
    Database, IDEM_LEASE_SECS, IDEM_RETENTION_SECS, IdemBegin, IdemDone, NewOrder, Placement,
    SIGN_IN_TTL_SECS, SessionWrite, Store, StoredResponse,
};

async fn sqlite() -> Store {
    Store::open(&Database::in_memory()).await.expect("sqlite")
}

async fn postgres() -> Option<Store> {
    let Some(url) = common::fresh_postgres().await else {
        eprintln!("BUYCARD_TEST_POSTGRES is not set: the PostgreSQL case did not run");
        return None;
    };
    Some(
        Store::open(&Database::Postgres(url))
            .await
            .expect("postgres"),
    )
}

/// Each contract case, once per backend.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::sqlite().await).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if let Some(store) = super::postgres().await {
                        super::$case(store).await;
                    }
                }
            )*
        }
    };
}

contract!(
    idempotency_lifecycle,
    released_and_abandoned_keys_run_again,
    one_key_claimed_at_once_runs_once,
    placing_an_order_is_all_or_nothing,
    racing_buyers_never_oversell,
    session_writes_are_optimistic,
    racing_session_writes_let_exactly_one_through,
    wallet_buyers_methods_and_sign_ins,
    gateway_sessions_round_trip,
    merchant_carts_round_trip,
    merchant_cart_writes_are_optimistic,
    platform_carts_are_optimistic,
);

fn done(key: &str, body: &str) -> IdemDone {
    IdemDone {
        scope: "s".into(),
        key: key.into(),
        response: StoredResponse {
            status: 201,
            body: body.as_bytes().to_vec(),
        },
    }
}

async fn begin(s: &Store, scope: &str, key: &str, fingerprint: &str, now: i64) -> IdemBegin {
    s.idempotency
        .begin(scope, key, fingerprint, now, IDEM_LEASE_SECS)
        .await
        .expect("begin")
}

async fn idempotency_lifecycle(s: Store) {
    assert_eq!(begin(&s, "s", "k", "f1", 100).await, IdemBegin::Fresh);
    assert_eq!(begin(&s, "s", "k", "f1", 101).await, IdemBegin::InFlight);
    // The record commits with the business change.
    s.sessions
        .create("cs_1", "{}", Some(&done("k", "{\"id\":1}")), 102)
        .await
        .expect("create");
    assert_eq!(
        begin(&s, "s", "k", "f1", 103).await,
        IdemBegin::Replay(StoredResponse {
            status: 201,
            body: b"{\"id\":1}".to_vec()
        })
    );
    assert_eq!(begin(&s, "s", "k", "f2", 104).await, IdemBegin::Conflict);
    // Another scope (endpoint) is independent.
    assert_eq!(begin(&s, "other", "k", "f2", 105).await, IdemBegin::Fresh);
    // A handler that committed nothing: `finish` records its answer.
    s.idempotency
        .finish(
            &IdemDone {
                scope: "other".into(),
                key: "k".into(),
                response: StoredResponse {
                    status: 400,
                    body: b"{}".to_vec(),
                },
            },
            106,
        )
        .await
        .expect("finish");
    assert!(matches!(
        begin(&s, "other", "k", "f2", 107).await,
        IdemBegin::Replay(StoredResponse { status: 400, .. })
    ));
    // After the retention period the key is new again.
    assert_eq!(
        begin(&s, "s", "k", "f2", 104 + IDEM_RETENTION_SECS).await,
        IdemBegin::Fresh
    );
}

async fn released_and_abandoned_keys_run_again(s: Store) {
    assert_eq!(begin(&s, "s", "a", "f", 0).await, IdemBegin::Fresh);
    s.idempotency.release("s", "a").await.expect("release");
    assert_eq!(begin(&s, "s", "a", "f", 1).await, IdemBegin::Fresh);
    assert_eq!(begin(&s, "s", "a", "f", 2).await, IdemBegin::InFlight);
    // The lease is the caller's: a short one lets a crashed instance's key go sooner.
    assert_eq!(
        s.idempotency
            .begin("s", "a", "f", 4, 2)
            .await
            .expect("begin"),
        IdemBegin::Fresh
    );
    assert_eq!(
        begin(&s, "s", "a", "f", 5 + IDEM_LEASE_SECS).await,
        IdemBegin::Fresh
    );
}

async fn one_key_claimed_at_once_runs_once(s: Store) {
    let s = Arc::new(s);
    let claims: Vec<_> = (0..16)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { begin(&s, "s", "same", "f", 10).await })
        })
        .collect();
    let mut fresh = 0;
    for claim in claims {
        match claim.await.expect("task") {
            IdemBegin::Fresh => fresh += 1,
            IdemBegin::InFlight => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(fresh, 1, "exactly one claim runs the request");
}

fn order(session: &str, version: i64, id: &str, token: &str, take: &[(&str, u32)]) -> NewOrder {
    NewOrder {
        session_id: session.into(),
        session_version: version,
        session_doc: "{\"done\":1}".into(),
        order_id: id.into(),
        order_doc: "{}".into(),
        token_id: token.into(),
        take: take.iter().map(|(v, n)| ((*v).to_owned(), *n)).collect(),
        idem: None,
        now: 1,
    }
}

async fn placing_an_order_is_all_or_nothing(s: Store) {
    s.orders.seed_stock(&[("v".into(), 1)]).await.expect("seed");
    // Seeding again never resets stock that has moved.
    for token in ["t1", "t2", "t3"] {
        s.vault
            .put_token(token, "{}", None, 0)
            .await
            .expect("token");
    }
    for session in ["cs", "cs2", "cs3"] {
        s.sessions
            .create(session, "{}", None, 0)
            .await
            .expect("session");
    }
    let take = [("v", 1)];
    assert_eq!(
        s.orders
            .place(&order("cs", 0, "o1", "t1", &take))
            .await
            .expect("place"),
        Placement::Placed
    );
    assert_eq!(s.orders.stock(&["v".into()]).await.expect("stock")["v"], 0);
    s.orders.seed_stock(&[("v".into(), 1)]).await.expect("seed");
    assert_eq!(s.orders.stock(&["v".into()]).await.expect("stock")["v"], 0);
    // A second complete of the same session, even with a fresh token, writes nothing.
    assert_eq!(
        s.orders
            .place(&order("cs", 1, "o9", "t2", &take))
            .await
            .expect("place"),
        Placement::AlreadyCompleted
    );
    assert_eq!(
        s.orders
            .place(&order("cs3", 0, "o3", "t1", &take))
            .await
            .expect("place"),
        Placement::TokenSpent
    );
    assert_eq!(
        s.orders
            .place(&order("cs2", 0, "o2", "t2", &take))
            .await
            .expect("place"),
        Placement::OutOfStock("v".into())
    );
    // A session that moved since it was read is not ordered.
    assert_eq!(
        s.orders
            .place(&order("cs2", 7, "o2", "t2", &[]))
            .await
            .expect("place"),
        Placement::Stale
    );
    // The failed attempts spent nothing: t2 is still usable, no order o2 exists.
    assert!(s.orders.get("o2").await.expect("get").is_none());
    s.orders.seed_stock(&[("w".into(), 5)]).await.expect("seed");
    assert_eq!(
        s.orders
            .place(&order("cs2", 0, "o2", "t2", &[("w", 2), ("digital", 1)]))
            .await
            .expect("place"),
        Placement::Placed
    );
    assert_eq!(s.orders.stock(&["w".into()]).await.expect("stock")["w"], 3);
    let stored = s.sessions.get("cs").await.expect("get").expect("session");
    assert_eq!(stored.doc, "{\"done\":1}");
    assert_eq!(stored.version, 1);
}

async fn racing_buyers_never_oversell(s: Store) {
    s.orders
        .seed_stock(&[("v".into(), 10)])
        .await
        .expect("seed");
    for i in 0..40 {
        s.vault
            .put_token(&format!("t{i}"), "{}", None, 0)
            .await
            .expect("token");
        s.sessions
            .create(&format!("cs{i}"), "{}", None, 0)
            .await
            .expect("session");
    }
    let s = Arc::new(s);
    let racers: Vec<_> = (0..40)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.orders
                    .place(&order(
                        &format!("cs{i}"),
                        0,
                        &format!("o{i}"),
                        &format!("t{i}"),
                        &[("v", 1)],
                    ))
                    .await
                    .expect("place")
            })
        })
        .collect();
    let mut placed = 0;
    for racer in racers {
        match racer.await.expect("task") {
            Placement::Placed => placed += 1,
            Placement::OutOfStock(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(placed, 10);
    assert_eq!(s.orders.stock(&["v".into()]).await.expect("stock")["v"], 0);
}

async fn session_writes_are_optimistic(s: Store) {
    s.sessions
        .create("cs", "{\"v\":0}", None, 0)
        .await
        .expect("create");
    let read = s.sessions.get("cs").await.expect("get").expect("session");
    assert_eq!(read.version, 0);
    assert_eq!(
        s.sessions
            .update("cs", 0, "{\"v\":1}", Some(&done("u", "{}")), 1)
            .await
            .expect("update"),
        SessionWrite::Written(1)
    );
    // A writer that read version 0 lost the race: nothing is overwritten.
    assert_eq!(
        s.sessions
            .update("cs", 0, "{\"v\":\"lost\"}", None, 2)
            .await
            .expect("update"),
        SessionWrite::Stale
    );
    assert_eq!(
        s.sessions.get("cs").await.expect("get").expect("session"),
        buycard_server::store::Versioned {
            doc: "{\"v\":1}".into(),
            version: 1
        }
    );
    // A completed session cannot be written, whatever the version.
    s.vault.put_token("t", "{}", None, 0).await.expect("token");
    assert_eq!(
        s.orders
            .place(&order("cs", 1, "o", "t", &[]))
            .await
            .expect("place"),
        Placement::Placed
    );
    assert_eq!(
        s.sessions
            .update("cs", 2, "{}", None, 3)
            .await
            .expect("update"),
        SessionWrite::Stale
    );
}

async fn racing_session_writes_let_exactly_one_through(s: Store) {
    s.sessions
        .create("cs", "{}", None, 0)
        .await
        .expect("create");
    let s = Arc::new(s);
    let writers: Vec<_> = (0..12)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.sessions
                    .update("cs", 0, &format!("{{\"writer\":{i}}}"), None, 1)
                    .await
                    .expect("update")
            })
        })
        .collect();
    let mut written = 0;
    for writer in writers {
        if writer.await.expect("task") == SessionWrite::Written(1) {
            written += 1;
        }
    }
    assert_eq!(written, 1);
    assert_eq!(
        s.sessions.get("cs").await.expect("get").expect("s").version,
        1
    );
}

async fn wallet_buyers_methods_and_sign_ins(s: Store) {
    let w = &s.wallet;
    assert!(w.create_buyer("ada", "{\"v\":1}", 0).await.expect("create"));
    assert!(
        !w.create_buyer("ada", "{\"v\":2}", 0).await.expect("create"),
        "a second sign-in never empties a wallet"
    );
    w.save_method(("pm_1", "{\"card\":1}"), ("ada", "{\"v\":3}"), 1)
        .await
        .expect("save");
    assert_eq!(
        w.buyer("ada").await.expect("buyer").as_deref(),
        Some("{\"v\":3}")
    );
    assert_eq!(
        s.vault.payment_method("pm_1").await.expect("pm").as_deref(),
        Some("{\"card\":1}")
    );
    s.platform_carts
        .put("ada", None, "{\"v\":1,\"lines\":[]}", 1)
        .await
        .expect("cart");
    w.reset(&[("ada".into(), "{\"v\":0}".into())], &[], 2)
        .await
        .expect("reset");
    assert_eq!(
        s.platform_carts.get("ada").await.expect("cart"),
        None,
        "the demo's reset empties carts too"
    );
    assert_eq!(
        w.buyer("ada").await.expect("buyer").as_deref(),
        Some("{\"v\":0}")
    );
    assert_eq!(s.vault.payment_method("pm_1").await.expect("pm"), None);

    w.sign_in("cookie", "ada", 100).await.expect("sign in");
    assert_eq!(
        w.signed_in("cookie", 101)
            .await
            .expect("look up")
            .as_deref(),
        Some("ada")
    );
    assert_eq!(
        w.signed_in("cookie", 100 + SIGN_IN_TTL_SECS)
            .await
            .expect("look up"),
        None,
        "sign-ins expire"
    );
    assert_eq!(w.signed_in("other", 101).await.expect("look up"), None);
    w.sign_out("cookie").await.expect("sign out");
    assert_eq!(w.signed_in("cookie", 102).await.expect("look up"), None);
}

async fn gateway_sessions_round_trip(s: Store) {
    assert_eq!(s.gateway.get("cs").await.expect("get"), None);
    s.gateway.put("cs", "{\"m\":1}", 0).await.expect("put");
    s.gateway.put("cs", "{\"m\":2}", 1).await.expect("put");
    assert_eq!(
        s.gateway.get("cs").await.expect("get").as_deref(),
        Some("{\"m\":2}")
    );
}

#[tokio::test]
async fn a_sqlite_file_keeps_its_data_and_adopts_the_old_migration_count() {
    let dir = std::env::temp_dir().join(format!("buycard-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("db.sqlite");
    // A database from before `schema_migrations`: migrations 1 and 2 counted in user_version.
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(include_str!("../migrations/sqlite/0001_initial.sql"))
            .expect("1");
        conn.execute_batch(include_str!(
            "../migrations/sqlite/0002_gateway_sessions.sql"
        ))
        .expect("2");
        conn.pragma_update(None, "user_version", 2)
            .expect("version");
        conn.execute(
            "INSERT INTO sessions (id, doc, updated_at) VALUES ('cs_old', '{}', 0)",
            [],
        )
        .expect("row");
    }
    let database = Database::Sqlite(path.clone());
    {
        let s = Store::open(&database)
            .await
            .expect("open: only migration 3 runs");
        let old = s.sessions.get("cs_old").await.expect("get").expect("kept");
        assert_eq!(old.version, 0);
        s.gateway.put("g", "{}", 0).await.expect("put");
    }
    let s = Store::open(&database).await.expect("reopen: nothing runs");
    assert!(s.gateway.get("g").await.expect("get").is_some());
    drop(s);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(versions, [1, 2, 3, 4, 5]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_that_start_together_migrate_once() {
    let Some(url) = common::fresh_postgres().await else {
        eprintln!("BUYCARD_TEST_POSTGRES is not set: skipped");
        return;
    };
    let database = Database::Postgres(url);
    let (a, b, c) = tokio::join!(
        Store::open(&database),
        Store::open(&database),
        Store::open(&database)
    );
    for store in [a, b, c] {
        store.expect("every instance starts");
    }
    let s = Store::open(&database).await.expect("again");
    s.sessions
        .create("cs", "{}", None, 0)
        .await
        .expect("usable");
}

async fn merchant_carts_round_trip(s: Store) {
    assert_eq!(s.merchant_carts.get("cart_1").await.expect("get"), None);
    assert_eq!(begin(&s, "s", "cart-key", "f", 0).await, IdemBegin::Fresh);
    assert_eq!(
        s.merchant_carts
            .put(
                "cart_1",
                None,
                "{\"n\":1}",
                Some(&done("cart-key", "{\"id\":\"cart_1\"}")),
                1,
            )
            .await
            .expect("put"),
        SessionWrite::Written(1)
    );
    assert_eq!(
        s.merchant_carts
            .put("cart_1", Some(1), "{\"n\":2}", None, 2)
            .await
            .expect("put"),
        SessionWrite::Written(2)
    );
    let stored = s.merchant_carts.get("cart_1").await.expect("get");
    assert_eq!(
        stored.map(|c| (c.doc, c.version)),
        Some(("{\"n\":2}".to_owned(), 2))
    );
    assert!(matches!(
        begin(&s, "s", "cart-key", "f", 3).await,
        IdemBegin::Replay(_)
    ));
}

async fn merchant_cart_writes_are_optimistic(s: Store) {
    let carts = &s.merchant_carts;
    assert_eq!(
        carts
            .put("cart_1", None, "{\"canceled\":false}", None, 0)
            .await
            .expect("put"),
        SessionWrite::Written(1)
    );
    // A cancel and a replacement both read version 1; the cancel commits first.
    assert_eq!(begin(&s, "s", "cancel-key", "f", 1).await, IdemBegin::Fresh);
    assert_eq!(
        carts
            .put(
                "cart_1",
                Some(1),
                "{\"canceled\":true}",
                Some(&done("cancel-key", "{}")),
                1
            )
            .await
            .expect("put"),
        SessionWrite::Written(2)
    );
    // The replacement is refused, and so is its idempotency record: it must read again.
    assert_eq!(begin(&s, "s", "put-key", "f", 2).await, IdemBegin::Fresh);
    assert_eq!(
        carts
            .put(
                "cart_1",
                Some(1),
                "{\"canceled\":false}",
                Some(&done("put-key", "{}")),
                2
            )
            .await
            .expect("put"),
        SessionWrite::Stale
    );
    assert_eq!(begin(&s, "s", "put-key", "f", 3).await, IdemBegin::InFlight);
    // A second first write of the same id loses too.
    assert_eq!(
        carts
            .put("cart_1", None, "{\"canceled\":false}", None, 3)
            .await
            .expect("put"),
        SessionWrite::Stale
    );
    let stored = carts.get("cart_1").await.expect("get").expect("cart");
    assert_eq!(
        (stored.doc.as_str(), stored.version),
        ("{\"canceled\":true}", 2)
    );
    // Written at the version just read, it goes through.
    assert_eq!(
        carts
            .put("cart_1", Some(2), "{\"canceled\":true,\"n\":3}", None, 4)
            .await
            .expect("put"),
        SessionWrite::Written(3)
    );
}

async fn platform_carts_are_optimistic(s: Store) {
    let carts = &s.platform_carts;
    assert_eq!(carts.get("ada").await.expect("get"), None);
    assert_eq!(
        carts
            .put("ada", None, "{\"lines\":1}", 0)
            .await
            .expect("put"),
        SessionWrite::Written(1)
    );
    // A second first write (another tab) loses and must read again.
    assert_eq!(
        carts
            .put("ada", None, "{\"lines\":9}", 0)
            .await
            .expect("put"),
        SessionWrite::Stale
    );
    assert_eq!(
        carts
            .put("ada", Some(1), "{\"lines\":2}", 1)
            .await
            .expect("put"),
        SessionWrite::Written(2)
    );
    assert_eq!(
        carts
            .put("ada", Some(1), "{\"lines\":3}", 2)
            .await
            .expect("put"),
        SessionWrite::Stale
    );
    let stored = carts.get("ada").await.expect("get").expect("cart");
    assert_eq!((stored.doc.as_str(), stored.version), ("{\"lines\":2}", 2));
    assert_eq!(carts.get("grace").await.expect("get"), None);
}
