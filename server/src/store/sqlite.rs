//! SQLite in WAL mode with `synchronous = FULL`: a commit is on disk before the response leaves.
//! One connection serialises writers, which is what SQLite does anyway, and makes stock checks
//! race-free. Its calls block, so they run on Tokio's blocking pool.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{
    GatewaySessions, IDEM_RETENTION_SECS, IdemBegin, IdemDone, Idempotency, MerchantCarts,
    Migration, NewOrder, Orders, Placement, PlatformCarts, SIGN_IN_TTL_SECS, SessionWrite,
    Sessions, StoreError, StoredResponse, Vault, Versioned, Wallet,
};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "gateway_sessions",
        sql: include_str!("../../migrations/sqlite/0002_gateway_sessions.sql"),
    },
    Migration {
        version: 3,
        name: "versions_and_sign_ins",
        sql: include_str!("../../migrations/sqlite/0003_versions_and_sign_ins.sql"),
    },
    Migration {
        version: 4,
        name: "carts",
        sql: include_str!("../../migrations/sqlite/0004_carts.sql"),
    },
    Migration {
        version: 5,
        name: "merchant_cart_versions",
        sql: include_str!("../../migrations/sqlite/0005_merchant_cart_versions.sql"),
    },
];

pub struct Sqlite {
    conn: Arc<Mutex<Connection>>,
}

impl Sqlite {
    /// Opens (or creates) the database at `path`, or an in-memory one for `:memory:`, and
    /// applies the migrations it lacks.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = if path.as_os_str() == ":memory:" {
            Connection::open_in_memory()?
        } else {
            Connection::open(path)?
        };
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().map_err(|_| StoreError::Poisoned)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

/// Applies the migrations not yet recorded in `schema_migrations`. A database made before that
/// table existed counted its migrations in `user_version`; those are recorded as applied.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )?;
    let recorded: i64 = tx.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))?;
    let legacy: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if recorded == 0 {
        for m in MIGRATIONS.iter().filter(|m| m.version <= legacy) {
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![m.version, m.name, crate::now()],
            )?;
        }
    }
    for m in MIGRATIONS {
        let applied = tx
            .query_row(
                "SELECT 1 FROM schema_migrations WHERE version = ?1",
                params![m.version],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if applied {
            continue;
        }
        tx.execute_batch(m.sql).map_err(|e| {
            StoreError::Migration(format!("{:04}_{}", m.version, m.name), e.to_string())
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, crate::now()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// fingerprint, state, status, body, created_at, locked_at
type IdemRow = (String, String, Option<u16>, Option<Vec<u8>>, i64, i64);

fn write_idem(tx: &Transaction<'_>, done: &IdemDone, now: i64) -> Result<(), StoreError> {
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

fn get_doc(conn: &Connection, table: &str, id: &str) -> Result<Option<String>, StoreError> {
    let sql = format!("SELECT doc FROM {table} WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![id], |r| r.get(0))
        .optional()?)
}

fn put_doc(
    tx: &Transaction<'_>,
    table: &str,
    id: &str,
    doc: &str,
    now: i64,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO {table} (id, doc, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at"
    );
    tx.execute(&sql, params![id, doc, now])?;
    Ok(())
}

/// Writes a document (and the idempotency record) in one transaction.
fn put_with_idem(
    conn: &mut Connection,
    table: &str,
    id: &str,
    doc: &str,
    idem: Option<&IdemDone>,
    now: i64,
) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    put_doc(&tx, table, id, doc, now)?;
    if let Some(done) = idem {
        write_idem(&tx, done, now)?;
    }
    tx.commit()?;
    Ok(())
}

#[async_trait]
impl Idempotency for Sqlite {
    async fn begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
        lease: i64,
    ) -> Result<IdemBegin, StoreError> {
        let (scope, key, fingerprint) = (scope.to_owned(), key.to_owned(), fingerprint.to_owned());
        self.call(move |conn| {
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
                    if state == "in_flight" && now - locked_at < lease {
                        IdemBegin::InFlight
                    } else if state == "in_flight" {
                        // Abandoned by a crash: nothing it did was committed, run it again.
                        tx.execute(
                            "UPDATE idempotency SET fingerprint = ?3, locked_at = ?4
                             WHERE scope = ?1 AND key = ?2",
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
                        "INSERT INTO idempotency (scope, key, fingerprint, state, created_at, locked_at)
                         VALUES (?1, ?2, ?3, 'in_flight', ?4, ?4)
                         ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint,
                           state = 'in_flight', status = NULL, body = NULL,
                           created_at = excluded.created_at, locked_at = excluded.locked_at",
                        params![scope, key, fingerprint, now],
                    )?;
                    IdemBegin::Fresh
                }
            };
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn finish(&self, done: &IdemDone, now: i64) -> Result<(), StoreError> {
        let done = done.clone();
        self.call(move |conn| {
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
        .await
    }

    async fn release(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        let (scope, key) = (scope.to_owned(), key.to_owned());
        self.call(move |conn| {
            conn.execute(
                "DELETE FROM idempotency WHERE scope = ?1 AND key = ?2 AND state = 'in_flight'",
                params![scope, key],
            )?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl Sessions for Sqlite {
    async fn get(&self, id: &str) -> Result<Option<Versioned>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            Ok(conn
                .prepare_cached("SELECT doc, version FROM sessions WHERE id = ?1")?
                .query_row(params![id], |r| {
                    Ok(Versioned {
                        doc: r.get(0)?,
                        version: r.get(1)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn create(
        &self,
        id: &str,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<(), StoreError> {
        let (id, doc, idem) = (id.to_owned(), doc.to_owned(), idem.cloned());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO sessions (id, doc, updated_at, version) VALUES (?1, ?2, ?3, 0)",
                params![id, doc, now],
            )?;
            if let Some(done) = &idem {
                write_idem(&tx, done, now)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn update(
        &self,
        id: &str,
        expected: i64,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<SessionWrite, StoreError> {
        let (id, doc, idem) = (id.to_owned(), doc.to_owned(), idem.cloned());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let written = tx.execute(
                "UPDATE sessions SET doc = ?2, updated_at = ?3, version = version + 1
                 WHERE id = ?1 AND version = ?4
                   AND NOT EXISTS (SELECT 1 FROM orders WHERE session_id = ?1)",
                params![id, doc, now, expected],
            )?;
            if written != 1 {
                return Ok(SessionWrite::Stale);
            }
            if let Some(done) = &idem {
                write_idem(&tx, done, now)?;
            }
            tx.commit()?;
            Ok(SessionWrite::Written(expected + 1))
        })
        .await
    }
}

#[async_trait]
impl Orders for Sqlite {
    async fn get(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| get_doc(conn, "orders", &id)).await
    }

    async fn stock(&self, variant_ids: &[String]) -> Result<HashMap<String, i64>, StoreError> {
        let ids = variant_ids.to_vec();
        self.call(move |conn| {
            let mut stmt =
                conn.prepare_cached("SELECT available FROM stock WHERE variant_id = ?1")?;
            let mut out = HashMap::new();
            for id in ids {
                if let Some(n) = stmt
                    .query_row(params![id], |r| r.get::<_, i64>(0))
                    .optional()?
                {
                    out.insert(id, n);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn seed_stock(&self, stock: &[(String, i64)]) -> Result<(), StoreError> {
        let stock = stock.to_vec();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (id, n) in &stock {
                tx.execute(
                    "INSERT INTO stock (variant_id, available) VALUES (?1, ?2)
                     ON CONFLICT (variant_id) DO NOTHING",
                    params![id, n],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn place(&self, order: &NewOrder) -> Result<Placement, StoreError> {
        let o = order.clone();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let ordered = tx
                .query_row(
                    "SELECT 1 FROM orders WHERE session_id = ?1",
                    params![o.session_id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if ordered {
                return Ok(Placement::AlreadyCompleted);
            }
            let spent = tx.execute(
                "UPDATE psp_tokens SET spent_at = ?2 WHERE id = ?1 AND spent_at IS NULL",
                params![o.token_id, o.now],
            )?;
            if spent != 1 {
                return Ok(Placement::TokenSpent); // the dropped transaction rolls back
            }
            for (variant, quantity) in &o.take {
                let taken = tx.execute(
                    "UPDATE stock SET available = available - ?2
                     WHERE variant_id = ?1 AND available >= ?2",
                    params![variant, quantity],
                )?;
                // Untracked variants (digital goods) have no row and no limit.
                if taken != 1
                    && tx
                        .query_row(
                            "SELECT 1 FROM stock WHERE variant_id = ?1",
                            params![variant],
                            |_| Ok(()),
                        )
                        .optional()?
                        .is_some()
                {
                    return Ok(Placement::OutOfStock(variant.clone()));
                }
            }
            let moved = tx.execute(
                "UPDATE sessions SET doc = ?2, updated_at = ?3, version = version + 1
                 WHERE id = ?1 AND version = ?4",
                params![o.session_id, o.session_doc, o.now, o.session_version],
            )?;
            if moved != 1 {
                return Ok(Placement::Stale);
            }
            tx.execute(
                "INSERT INTO orders (id, doc, updated_at, session_id) VALUES (?1, ?2, ?3, ?4)",
                params![o.order_id, o.order_doc, o.now, o.session_id],
            )?;
            if let Some(done) = &o.idem {
                write_idem(&tx, done, o.now)?;
            }
            tx.commit()?;
            Ok(Placement::Placed)
        })
        .await
    }
}

#[async_trait]
impl Vault for Sqlite {
    async fn token(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| get_doc(conn, "psp_tokens", &id))
            .await
    }

    async fn put_token(
        &self,
        id: &str,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<(), StoreError> {
        let (id, doc, idem) = (id.to_owned(), doc.to_owned(), idem.cloned());
        self.call(move |conn| put_with_idem(conn, "psp_tokens", &id, &doc, idem.as_ref(), now))
            .await
    }

    async fn payment_method(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| get_doc(conn, "psp_payment_methods", &id))
            .await
    }
}

#[async_trait]
impl Wallet for Sqlite {
    async fn buyer(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| get_doc(conn, "wallet_buyers", &id))
            .await
    }

    async fn create_buyer(&self, id: &str, doc: &str, now: i64) -> Result<bool, StoreError> {
        let (id, doc) = (id.to_owned(), doc.to_owned());
        self.call(move |conn| {
            let written = conn.execute(
                "INSERT INTO wallet_buyers (id, doc, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO NOTHING",
                params![id, doc, now],
            )?;
            Ok(written == 1)
        })
        .await
    }

    async fn save_method(
        &self,
        method: (&str, &str),
        buyer: (&str, &str),
        now: i64,
    ) -> Result<(), StoreError> {
        let (method_id, method_doc) = (method.0.to_owned(), method.1.to_owned());
        let (buyer_id, buyer_doc) = (buyer.0.to_owned(), buyer.1.to_owned());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            put_doc(&tx, "psp_payment_methods", &method_id, &method_doc, now)?;
            put_doc(&tx, "wallet_buyers", &buyer_id, &buyer_doc, now)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn reset(
        &self,
        buyers: &[(String, String)],
        methods: &[(String, String)],
        now: i64,
    ) -> Result<(), StoreError> {
        let (buyers, methods) = (buyers.to_vec(), methods.to_vec());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM wallet_buyers", [])?;
            tx.execute("DELETE FROM psp_payment_methods", [])?;
            tx.execute("DELETE FROM platform_carts", [])?;
            for (id, doc) in &methods {
                put_doc(&tx, "psp_payment_methods", id, doc, now)?;
            }
            for (id, doc) in &buyers {
                put_doc(&tx, "wallet_buyers", id, doc, now)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn sign_in(&self, token: &str, buyer_id: &str, now: i64) -> Result<(), StoreError> {
        let (token, buyer_id) = (token.to_owned(), buyer_id.to_owned());
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO wallet_sign_ins (token, buyer_id, created_at) VALUES (?1, ?2, ?3)",
                params![token, buyer_id, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn signed_in(&self, token: &str, now: i64) -> Result<Option<String>, StoreError> {
        let token = token.to_owned();
        self.call(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT buyer_id FROM wallet_sign_ins WHERE token = ?1 AND created_at > ?2",
                )?
                .query_row(params![token, now - SIGN_IN_TTL_SECS], |r| r.get(0))
                .optional()?)
        })
        .await
    }

    async fn sign_out(&self, token: &str) -> Result<(), StoreError> {
        let token = token.to_owned();
        self.call(move |conn| {
            conn.execute(
                "DELETE FROM wallet_sign_ins WHERE token = ?1",
                params![token],
            )?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl GatewaySessions for Sqlite {
    async fn get(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| get_doc(conn, "gateway_sessions", &id))
            .await
    }

    async fn put(&self, id: &str, doc: &str, now: i64) -> Result<(), StoreError> {
        let (id, doc) = (id.to_owned(), doc.to_owned());
        self.call(move |conn| put_with_idem(conn, "gateway_sessions", &id, &doc, None, now))
            .await
    }
}

#[async_trait]
impl MerchantCarts for Sqlite {
    async fn get(&self, id: &str) -> Result<Option<Versioned>, StoreError> {
        let id = id.to_owned();
        self.call(move |conn| {
            Ok(conn
                .prepare_cached("SELECT doc, version FROM merchant_carts WHERE id = ?1")?
                .query_row(params![id], |r| {
                    Ok(Versioned {
                        doc: r.get(0)?,
                        version: r.get(1)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn put(
        &self,
        id: &str,
        expected: Option<i64>,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<SessionWrite, StoreError> {
        let (id, doc, idem) = (id.to_owned(), doc.to_owned(), idem.cloned());
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let written = match expected {
                None => tx.execute(
                    "INSERT INTO merchant_carts (id, doc, version, updated_at)
                     VALUES (?1, ?2, 1, ?3) ON CONFLICT (id) DO NOTHING",
                    params![id, doc, now],
                )?,
                Some(version) => tx.execute(
                    "UPDATE merchant_carts SET doc = ?2, version = version + 1, updated_at = ?3
                     WHERE id = ?1 AND version = ?4",
                    params![id, doc, now, version],
                )?,
            };
            if written != 1 {
                return Ok(SessionWrite::Stale);
            }
            if let Some(done) = &idem {
                write_idem(&tx, done, now)?;
            }
            tx.commit()?;
            Ok(SessionWrite::Written(expected.unwrap_or(0) + 1))
        })
        .await
    }
}

#[async_trait]
impl PlatformCarts for Sqlite {
    async fn get(&self, owner: &str) -> Result<Option<Versioned>, StoreError> {
        let owner = owner.to_owned();
        self.call(move |conn| {
            Ok(conn
                .prepare_cached("SELECT doc, version FROM platform_carts WHERE owner = ?1")?
                .query_row(params![owner], |r| {
                    Ok(Versioned {
                        doc: r.get(0)?,
                        version: r.get(1)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn put(
        &self,
        owner: &str,
        expected: Option<i64>,
        doc: &str,
        now: i64,
    ) -> Result<SessionWrite, StoreError> {
        let (owner, doc) = (owner.to_owned(), doc.to_owned());
        self.call(move |conn| {
            let written = match expected {
                None => conn.execute(
                    "INSERT INTO platform_carts (owner, doc, version, updated_at)
                     VALUES (?1, ?2, 1, ?3) ON CONFLICT (owner) DO NOTHING",
                    params![owner, doc, now],
                )?,
                Some(version) => conn.execute(
                    "UPDATE platform_carts SET doc = ?2, version = version + 1, updated_at = ?3
                     WHERE owner = ?1 AND version = ?4",
                    params![owner, doc, now, version],
                )?,
            };
            Ok(match written {
                1 => SessionWrite::Written(expected.unwrap_or(0) + 1),
                _ => SessionWrite::Stale,
            })
        })
        .await
    }
}
