//! Storage behind a small trait, so a PostgreSQL backend can follow for deployments that outgrow
//! one machine. [`Sqlite`] is the embedded default.
//!
//! Every write that answers a POST takes the idempotency record ([`IdemDone`]) and commits it in
//! the same transaction as the business change: a key is never stored without its effect, and an
//! effect never without its key (ACP §6.8).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Serialize, de::DeserializeOwned};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("stored data: {0}")]
    Data(#[from] serde_json::Error),
    #[error("the store's lock was poisoned by a panic")]
    Poisoned,
}

/// A response kept for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// The idempotency record to commit with a business change.
#[derive(Debug, Clone)]
pub struct IdemDone {
    pub scope: String,
    pub key: String,
    pub response: StoredResponse,
}

/// What [`Store::idem_begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdemBegin {
    /// First time (or the earlier attempt expired or was abandoned): run the request.
    Fresh,
    /// Same key, same body, finished: send this again.
    Replay(StoredResponse),
    /// Same key, different body.
    Conflict,
    /// Same key, the first request is still running.
    InFlight,
}

/// How long keys are kept (ACP: at least 24 h).
pub const IDEM_RETENTION_SECS: i64 = 48 * 3600;
/// A request still `in_flight` after this long was abandoned (crash): its key may run again.
pub const IDEM_LEASE_SECS: i64 = 30;

/// The outcome of placing an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Placed,
    /// Not enough stock for this variant: nothing was written.
    OutOfStock(String),
    /// The payment token was already spent: nothing was written.
    TokenSpent,
    /// The session already has an order (a concurrent complete won): nothing was written.
    AlreadyCompleted,
}

pub trait Store: Send + Sync + 'static {
    fn idem_begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<IdemBegin, StoreError>;
    /// Records the response of a request whose handler did not (validation errors, replies that
    /// changed nothing). Does nothing if the handler already committed it.
    fn idem_finish(&self, done: &IdemDone, now: i64) -> Result<(), StoreError>;
    /// Forgets an in-flight key (the request failed with a 5xx: a retry must run afresh).
    fn idem_release(&self, scope: &str, key: &str) -> Result<(), StoreError>;

    fn get_json(&self, table: Table, id: &str) -> Result<Option<String>, StoreError>;
    fn put_json(
        &self,
        table: Table,
        id: &str,
        json: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Writes a session document only while the session has no order (so a request that lost a
    /// race cannot overwrite `completed`). Returns whether it wrote.
    fn put_open_session(
        &self,
        id: &str,
        json: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<bool, StoreError>;

    /// Empties `tables` and writes `rows` (table, id, JSON document) in their place, in one
    /// transaction: the demo wallet's reset, which readers never see half done.
    fn replace_all(
        &self,
        tables: &[Table],
        rows: &[(Table, String, String)],
        now: i64,
    ) -> Result<(), StoreError>;

    fn stock(&self, variant_ids: &[String]) -> Result<HashMap<String, i64>, StoreError>;
    /// Sets stock for variants that have no row yet (catalog load).
    fn seed_stock(&self, stock: &[(String, i64)]) -> Result<(), StoreError>;

    /// In one transaction: spend the token, take the stock, write the order and the completed
    /// session, and the idempotency record. All or nothing.
    #[allow(clippy::too_many_arguments)]
    fn place_order(
        &self,
        session_id: &str,
        session_json: &str,
        order_id: &str,
        order_json: &str,
        token_id: &str,
        take: &[(String, u32)],
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<Placement, StoreError>;
}

/// Tables that hold one JSON document per id.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Sessions,
    Orders,
    Tokens,
    PaymentMethods,
    Buyers,
    /// The platform gateway: which merchant each session it opened belongs to.
    GatewaySessions,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Sessions => "sessions",
            Table::Orders => "orders",
            Table::Tokens => "psp_tokens",
            Table::PaymentMethods => "psp_payment_methods",
            Table::Buyers => "wallet_buyers",
            Table::GatewaySessions => "gateway_sessions",
        }
    }
}

/// Typed helpers over [`Store::get_json`] / [`Store::put_json`].
pub fn get<T: DeserializeOwned>(
    store: &dyn Store,
    table: Table,
    id: &str,
) -> Result<Option<T>, StoreError> {
    match store.get_json(table, id)? {
        Some(json) => Ok(Some(serde_json::from_str(&json)?)),
        None => Ok(None),
    }
}

pub fn put<T: Serialize>(
    store: &dyn Store,
    table: Table,
    id: &str,
    value: &T,
    idem: Option<&IdemDone>,
    now: i64,
) -> Result<(), StoreError> {
    store.put_json(table, id, &serde_json::to_string(value)?, idem, now)
}

/// Schema migrations, applied in order at start; `user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: everything the reference merchant, PSP and wallet keep.
    "CREATE TABLE sessions (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL);
     CREATE TABLE orders (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL,
                          session_id TEXT UNIQUE);
     CREATE TABLE stock (variant_id TEXT PRIMARY KEY, available INTEGER NOT NULL CHECK (available >= 0));
     CREATE TABLE psp_tokens (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL,
                              spent_at INTEGER);
     CREATE TABLE psp_payment_methods (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL);
     CREATE TABLE wallet_buyers (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL);
     CREATE TABLE idempotency (scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
                               state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
                               status INTEGER, body BLOB, created_at INTEGER NOT NULL,
                               locked_at INTEGER NOT NULL, PRIMARY KEY (scope, key));",
    // 2: the platform gateway's sessions (session id -> merchant).
    "CREATE TABLE gateway_sessions (id TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at INTEGER NOT NULL);",
];

/// SQLite in WAL mode with `synchronous = FULL`: a commit is on disk before the response leaves.
/// One connection serialises writers, which is what SQLite does anyway, and makes stock checks
/// race-free.
pub struct Sqlite {
    conn: Mutex<Connection>,
}

impl Sqlite {
    /// Opens (or creates) the database at `path`, or an in-memory one for `:memory:`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = if path.as_os_str() == ":memory:" {
            Connection::open_in_memory()?
        } else {
            Connection::open(path)?
        };
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let applied: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", index + 1)?;
            tx.commit()?;
        }
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut conn)
    }
}

/// fingerprint, state, status, body, created_at, locked_at
type IdemRow = (String, String, Option<u16>, Option<Vec<u8>>, i64, i64);

fn write_idem(tx: &rusqlite::Transaction<'_>, done: &IdemDone, now: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE idempotency SET state = 'done', status = ?3, body = ?4, locked_at = ?5
         WHERE scope = ?1 AND key = ?2",
        params![
            done.scope,
            done.key,
            done.response.status,
            done.response.body,
            now
        ],
    )?;
    Ok(())
}

impl Store for Sqlite {
    fn idem_begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<IdemBegin, StoreError> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<IdemRow> = tx
                .query_row(
                    "SELECT fingerprint, state, status, body, created_at, locked_at
                     FROM idempotency WHERE scope = ?1 AND key = ?2",
                    params![scope, key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                )
                .optional()?;
            let outcome = match row {
                Some((stored, state, status, body, created_at, locked_at))
                    if now - created_at < IDEM_RETENTION_SECS =>
                {
                    if state == "in_flight" && now - locked_at < IDEM_LEASE_SECS {
                        IdemBegin::InFlight
                    } else if state == "in_flight" {
                        // Abandoned by a crash: nothing it did was committed, run it again.
                        tx.execute(
                            "UPDATE idempotency SET fingerprint = ?3, locked_at = ?4 WHERE scope = ?1 AND key = ?2",
                            params![scope, key, fingerprint, now],
                        )?;
                        IdemBegin::Fresh
                    } else if stored != fingerprint {
                        IdemBegin::Conflict
                    } else {
                        IdemBegin::Replay(StoredResponse {
                            status: status.unwrap_or(200),
                            body: body.unwrap_or_default(),
                        })
                    }
                }
                _ => {
                    tx.execute(
                        "INSERT OR REPLACE INTO idempotency (scope, key, fingerprint, state, created_at, locked_at)
                         VALUES (?1, ?2, ?3, 'in_flight', ?4, ?4)",
                        params![scope, key, fingerprint, now],
                    )?;
                    IdemBegin::Fresh
                }
            };
            tx.commit()?;
            Ok(outcome)
        })
    }

    fn idem_finish(&self, done: &IdemDone, now: i64) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute(
                "UPDATE idempotency SET state = 'done', status = ?3, body = ?4, locked_at = ?5
                 WHERE scope = ?1 AND key = ?2 AND state = 'in_flight'",
                params![
                    done.scope,
                    done.key,
                    done.response.status,
                    done.response.body,
                    now
                ],
            )?;
            Ok(())
        })
    }

    fn idem_release(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        self.with(|conn| {
            conn.execute(
                "DELETE FROM idempotency WHERE scope = ?1 AND key = ?2 AND state = 'in_flight'",
                params![scope, key],
            )?;
            Ok(())
        })
    }

    fn get_json(&self, table: Table, id: &str) -> Result<Option<String>, StoreError> {
        self.with(|conn| {
            let sql = format!("SELECT doc FROM {} WHERE id = ?1", table.name());
            Ok(conn.query_row(&sql, params![id], |r| r.get(0)).optional()?)
        })
    }

    fn put_json(
        &self,
        table: Table,
        id: &str,
        json: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let sql = format!(
                "INSERT INTO {} (id, doc, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
                table.name()
            );
            tx.execute(&sql, params![id, json, now])?;
            if let Some(done) = idem {
                write_idem(&tx, done, now)?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn put_open_session(
        &self,
        id: &str,
        json: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let written = tx.execute(
                "UPDATE sessions SET doc = ?2, updated_at = ?3
                 WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM orders WHERE session_id = ?1)",
                params![id, json, now],
            )?;
            if written != 1 {
                return Ok(false);
            }
            if let Some(done) = idem {
                write_idem(&tx, done, now)?;
            }
            tx.commit()?;
            Ok(true)
        })
    }

    fn replace_all(
        &self,
        tables: &[Table],
        rows: &[(Table, String, String)],
        now: i64,
    ) -> Result<(), StoreError> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for table in tables {
                tx.execute(&format!("DELETE FROM {}", table.name()), [])?;
            }
            for (table, id, json) in rows {
                let sql = format!(
                    "INSERT INTO {} (id, doc, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
                    table.name()
                );
                tx.execute(&sql, params![id, json, now])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn stock(&self, variant_ids: &[String]) -> Result<HashMap<String, i64>, StoreError> {
        self.with(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT available FROM stock WHERE variant_id = ?1")?;
            let mut out = HashMap::new();
            for id in variant_ids {
                if let Some(n) = stmt
                    .query_row(params![id], |r| r.get::<_, i64>(0))
                    .optional()?
                {
                    out.insert(id.clone(), n);
                }
            }
            Ok(out)
        })
    }

    fn seed_stock(&self, stock: &[(String, i64)]) -> Result<(), StoreError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            for (id, n) in stock {
                tx.execute(
                    "INSERT OR IGNORE INTO stock (variant_id, available) VALUES (?1, ?2)",
                    params![id, n],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn place_order(
        &self,
        session_id: &str,
        session_json: &str,
        order_id: &str,
        order_json: &str,
        token_id: &str,
        take: &[(String, u32)],
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<Placement, StoreError> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let ordered: bool = tx
                .query_row("SELECT 1 FROM orders WHERE session_id = ?1", params![session_id], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            if ordered {
                return Ok(Placement::AlreadyCompleted);
            }
            let spent = tx.execute(
                "UPDATE psp_tokens SET spent_at = ?2 WHERE id = ?1 AND spent_at IS NULL",
                params![token_id, now],
            )?;
            if spent != 1 {
                return Ok(Placement::TokenSpent); // dropped transaction rolls back
            }
            for (variant, quantity) in take {
                let taken = tx.execute(
                    "UPDATE stock SET available = available - ?2 WHERE variant_id = ?1 AND available >= ?2",
                    params![variant, quantity],
                )?;
                let tracked: bool = tx
                    .query_row("SELECT 1 FROM stock WHERE variant_id = ?1", params![variant], |_| Ok(true))
                    .optional()?
                    .unwrap_or(false);
                if taken != 1 && tracked {
                    return Ok(Placement::OutOfStock(variant.clone()));
                }
            }
            tx.execute(
                "INSERT INTO orders (id, doc, updated_at, session_id) VALUES (?1, ?2, ?3, ?4)",
                params![order_id, order_json, now, session_id],
            )?;
            tx.execute(
                "UPDATE sessions SET doc = ?2, updated_at = ?3 WHERE id = ?1",
                params![session_id, session_json, now],
            )?;
            if let Some(done) = idem {
                write_idem(&tx, done, now)?;
            }
            tx.commit()?;
            Ok(Placement::Placed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Sqlite {
        Sqlite::open(Path::new(":memory:")).expect("in-memory store")
    }

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

    #[test]
    fn idempotency_lifecycle() {
        let s = store();
        assert_eq!(
            s.idem_begin("s", "k", "f1", 100).expect("begin"),
            IdemBegin::Fresh
        );
        assert_eq!(
            s.idem_begin("s", "k", "f1", 101).expect("begin"),
            IdemBegin::InFlight
        );
        s.put_json(
            Table::Sessions,
            "cs_1",
            "{}",
            Some(&done("k", "{\"id\":1}")),
            102,
        )
        .expect("put");
        assert_eq!(
            s.idem_begin("s", "k", "f1", 103).expect("begin"),
            IdemBegin::Replay(StoredResponse {
                status: 201,
                body: b"{\"id\":1}".to_vec()
            })
        );
        assert_eq!(
            s.idem_begin("s", "k", "f2", 104).expect("begin"),
            IdemBegin::Conflict
        );
        // Another scope (endpoint) is independent.
        assert_eq!(
            s.idem_begin("other", "k", "f2", 105).expect("begin"),
            IdemBegin::Fresh
        );
        // After the retention period the key is new again.
        assert_eq!(
            s.idem_begin("s", "k", "f2", 104 + IDEM_RETENTION_SECS)
                .expect("begin"),
            IdemBegin::Fresh
        );
    }

    #[test]
    fn released_and_abandoned_keys_run_again() {
        let s = store();
        assert_eq!(
            s.idem_begin("s", "a", "f", 0).expect("begin"),
            IdemBegin::Fresh
        );
        s.idem_release("s", "a").expect("release");
        assert_eq!(
            s.idem_begin("s", "a", "f", 1).expect("begin"),
            IdemBegin::Fresh
        );
        assert_eq!(
            s.idem_begin("s", "a", "f", 2).expect("begin"),
            IdemBegin::InFlight
        );
        assert_eq!(
            s.idem_begin("s", "a", "f", 2 + IDEM_LEASE_SECS)
                .expect("begin"),
            IdemBegin::Fresh
        );
    }

    #[test]
    fn placing_an_order_is_all_or_nothing() {
        let s = store();
        s.seed_stock(&[("v".into(), 1)]).expect("seed");
        s.put_json(Table::Tokens, "t1", "{}", None, 0)
            .expect("token");
        s.put_json(Table::Tokens, "t2", "{}", None, 0)
            .expect("token");
        s.put_json(Table::Sessions, "cs", "{}", None, 0)
            .expect("session");
        let take = [("v".to_owned(), 1)];
        assert_eq!(
            s.place_order("cs", "{\"done\":1}", "o1", "{}", "t1", &take, None, 1)
                .expect("place"),
            Placement::Placed
        );
        assert_eq!(s.stock(&["v".into()]).expect("stock")["v"], 0);
        // A second complete of the same session, even with a fresh token, writes nothing.
        assert_eq!(
            s.place_order("cs", "{}", "o9", "{}", "t2", &take, None, 2)
                .expect("place"),
            Placement::AlreadyCompleted
        );
        assert_eq!(
            s.place_order("cs3", "{}", "o1", "{}", "t1", &take, None, 2)
                .expect("place"),
            Placement::TokenSpent
        );
        assert_eq!(
            s.place_order("cs2", "{}", "o2", "{}", "t2", &take, None, 3)
                .expect("place"),
            Placement::OutOfStock("v".into())
        );
        // The failed attempt spent nothing: t2 is still usable, no order o2 exists.
        assert!(s.get_json(Table::Orders, "o2").expect("get").is_none());
        s.seed_stock(&[("w".into(), 5)]).expect("seed");
        let take = [("w".to_owned(), 2)];
        assert_eq!(
            s.place_order("cs2", "{}", "o2", "{}", "t2", &take, None, 4)
                .expect("place"),
            Placement::Placed
        );
        assert_eq!(
            s.get_json(Table::Sessions, "cs").expect("get").as_deref(),
            Some("{\"done\":1}")
        );
    }

    #[test]
    fn replace_all_empties_the_tables_and_leaves_the_others() {
        let s = store();
        s.put_json(Table::Buyers, "ada", "{\"v\":1}", None, 0)
            .expect("put");
        s.put_json(Table::Buyers, "newt", "{}", None, 0)
            .expect("put");
        s.put_json(Table::PaymentMethods, "pm_newt", "{}", None, 0)
            .expect("put");
        s.put_json(Table::Orders, "o", "{}", None, 0).expect("put");
        s.replace_all(
            &[Table::Buyers, Table::PaymentMethods],
            &[(Table::Buyers, "ada".into(), "{\"v\":0}".into())],
            1,
        )
        .expect("replace");
        assert_eq!(
            s.get_json(Table::Buyers, "ada").expect("get").as_deref(),
            Some("{\"v\":0}")
        );
        assert_eq!(s.get_json(Table::Buyers, "newt").expect("get"), None);
        assert_eq!(
            s.get_json(Table::PaymentMethods, "pm_newt").expect("get"),
            None
        );
        assert!(s.get_json(Table::Orders, "o").expect("get").is_some());
    }

    #[test]
    fn data_survives_reopening_the_file() {
        let dir = std::env::temp_dir().join(format!("buycard-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("db.sqlite");
        {
            let s = Sqlite::open(&path).expect("open");
            s.put_json(Table::Orders, "o", "{\"x\":1}", None, 0)
                .expect("put");
        }
        let s = Sqlite::open(&path).expect("reopen: migrations are not re-run");
        assert_eq!(
            s.get_json(Table::Orders, "o").expect("get").as_deref(),
            Some("{\"x\":1}")
        );
        drop(s);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
