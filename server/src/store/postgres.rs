//! PostgreSQL, for several stateless instances on one database: `tokio-postgres` with a
//! `deadpool-postgres` pool (ARCHITECTURE.md says why). Transactions run at READ COMMITTED, where
//! a guarded `UPDATE … WHERE` waits for a concurrent writer of the same row and then re-checks
//! its condition: stock never goes below zero, a token is spent once, and a session's version
//! moves once per write, whichever instance runs the request.

use std::collections::HashMap;

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::{
    GatewaySessions, IDEM_RETENTION_SECS, IdemBegin, IdemDone, Idempotency, MerchantCarts,
    Migration, NewOrder, Orders, Placement, PlatformCarts, SIGN_IN_TTL_SECS, SessionWrite,
    Sessions, StoreError, StoredResponse, Vault, Versioned, Wallet,
};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "carts",
        sql: include_str!("../../migrations/postgres/0002_carts.sql"),
    },
    Migration {
        version: 3,
        name: "merchant_cart_versions",
        sql: include_str!("../../migrations/postgres/0003_merchant_cart_versions.sql"),
    },
];

/// Taken while migrating, so instances that start together apply each migration once.
const MIGRATION_LOCK: i64 = 0x0062_7579_6361_7264; // "buycard" in ASCII

/// Connections per instance. Two instances use 32 of PostgreSQL's default 100.
const POOL_SIZE: usize = 16;

pub struct Postgres {
    pool: Pool,
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(e) => Self::Postgres(e),
            other => Self::Pool(other.to_string()),
        }
    }
}

impl Postgres {
    /// Connects to `url` and applies the migrations it lacks.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let db = Self { pool };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        rows(&tx, "SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
        for m in MIGRATIONS {
            let applied = opt(
                &tx,
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[&m.version],
            )
            .await?
            .is_some();
            if applied {
                continue;
            }
            tx.batch_execute(m.sql).await.map_err(|e| {
                StoreError::Migration(format!("{:04}_{}", m.version, m.name), e.to_string())
            })?;
            exec(
                &tx,
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[&m.version, &m.name, &crate::now()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_doc(&self, table: &str, id: &str) -> Result<Option<String>, StoreError> {
        let client = self.pool.get().await?;
        let sql = format!("SELECT doc FROM {table} WHERE id = $1");
        let statement = client.prepare_cached(&sql).await?;
        Ok(client
            .query_opt(&statement, &[&id])
            .await?
            .map(|row| row.get(0)))
    }
}

async fn put_doc(
    tx: &deadpool_postgres::Transaction<'_>,
    table: &str,
    id: &str,
    doc: &str,
    now: i64,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO {table} (id, doc, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at"
    );
    exec(tx, &sql, &[&id, &doc, &now]).await?;
    Ok(())
}

async fn write_idem(
    tx: &deadpool_postgres::Transaction<'_>,
    done: &IdemDone,
    now: i64,
) -> Result<(), StoreError> {
    exec(
        tx,
        "UPDATE idempotency SET state = 'done', status = $3, body = $4, locked_at = $5
         WHERE scope = $1 AND key = $2",
        &[
            &done.scope,
            &done.key,
            &i32::from(done.response.status),
            &done.response.body,
            &now,
        ],
    )
    .await?;
    Ok(())
}

fn unique_violation(error: &StoreError) -> bool {
    matches!(error, StoreError::Postgres(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION))
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Statements are prepared once per connection and cached: one round trip per statement, not two.
async fn exec(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.execute(&statement, params).await?)
}

async fn opt(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<Row>, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query_opt(&statement, params).await?)
}

async fn rows(
    client: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query(&statement, params).await?)
}

#[async_trait]
impl Idempotency for Postgres {
    async fn begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
        lease: i64,
    ) -> Result<IdemBegin, StoreError> {
        let mut client = self.pool.get().await?;
        // The common case, a new key, is one statement. A concurrent claim of the same key on
        // another instance waits on the unique index for the first to commit, then claims nothing.
        let claim =
            "INSERT INTO idempotency (scope, key, fingerprint, state, created_at, locked_at)
                     VALUES ($1, $2, $3, 'in_flight', $4, $4)
                     ON CONFLICT (scope, key) DO NOTHING";
        let params: Params<'_> = &[&scope, &key, &fingerprint, &now];
        if exec(&client, claim, params).await? == 1 {
            return Ok(IdemBegin::Fresh);
        }
        let tx = client.transaction().await?;
        let row = opt(
            &tx,
            "SELECT fingerprint, state, status, body, created_at, locked_at
                 FROM idempotency WHERE scope = $1 AND key = $2 FOR UPDATE",
            &[&scope, &key],
        )
        .await?;
        let outcome = match row {
            None => {
                // Released between the insert and the select: claim it now.
                exec(&tx,
                    "INSERT INTO idempotency (scope, key, fingerprint, state, created_at, locked_at)
                     VALUES ($1, $2, $3, 'in_flight', $4, $4)",
                    &[&scope, &key, &fingerprint, &now],
                )
                .await?;
                IdemBegin::Fresh
            }
            Some(row) => {
                let stored: String = row.get(0);
                let state: String = row.get(1);
                let status: Option<i32> = row.get(2);
                let body: Option<Vec<u8>> = row.get(3);
                let created_at: i64 = row.get(4);
                let locked_at: i64 = row.get(5);
                if now - created_at >= IDEM_RETENTION_SECS {
                    exec(
                        &tx,
                        "UPDATE idempotency SET fingerprint = $3, state = 'in_flight',
                           status = NULL, body = NULL, created_at = $4, locked_at = $4
                         WHERE scope = $1 AND key = $2",
                        &[&scope, &key, &fingerprint, &now],
                    )
                    .await?;
                    IdemBegin::Fresh
                } else if state == "in_flight" && now - locked_at < lease {
                    IdemBegin::InFlight
                } else if state == "in_flight" {
                    // Its instance died past the lease: nothing it did committed; run it again.
                    exec(
                        &tx,
                        "UPDATE idempotency SET fingerprint = $3, locked_at = $4
                         WHERE scope = $1 AND key = $2",
                        &[&scope, &key, &fingerprint, &now],
                    )
                    .await?;
                    IdemBegin::Fresh
                } else if stored != fingerprint {
                    IdemBegin::Conflict
                } else {
                    IdemBegin::Replay(StoredResponse {
                        status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
                        body: body.unwrap_or_default(),
                    })
                }
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn finish(&self, done: &IdemDone, now: i64) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        exec(
            &client,
            "UPDATE idempotency SET state = 'done', status = $3, body = $4, locked_at = $5
                 WHERE scope = $1 AND key = $2 AND state = 'in_flight'",
            &[
                &done.scope,
                &done.key,
                &i32::from(done.response.status),
                &done.response.body,
                &now,
            ],
        )
        .await?;
        Ok(())
    }

    async fn release(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        exec(
            &client,
            "DELETE FROM idempotency WHERE scope = $1 AND key = $2 AND state = 'in_flight'",
            &[&scope, &key],
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl Sessions for Postgres {
    async fn get(&self, id: &str) -> Result<Option<Versioned>, StoreError> {
        let client = self.pool.get().await?;
        let statement = client
            .prepare_cached("SELECT doc, version FROM sessions WHERE id = $1")
            .await?;
        Ok(client
            .query_opt(&statement, &[&id])
            .await?
            .map(|row| Versioned {
                doc: row.get(0),
                version: row.get(1),
            }))
    }

    async fn create(
        &self,
        id: &str,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        exec(
            &tx,
            "INSERT INTO sessions (id, doc, updated_at, version) VALUES ($1, $2, $3, 0)",
            &[&id, &doc, &now],
        )
        .await?;
        if let Some(done) = idem {
            write_idem(&tx, done, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn update(
        &self,
        id: &str,
        expected: i64,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<SessionWrite, StoreError> {
        const WRITE: &str = "UPDATE sessions SET doc = $2, updated_at = $3, version = version + 1
                             WHERE id = $1 AND version = $4
                               AND NOT EXISTS (SELECT 1 FROM orders WHERE session_id = $1)";
        let params: Params<'_> = &[&id, &doc, &now, &expected];
        let mut client = self.pool.get().await?;
        let Some(done) = idem else {
            // Nothing to commit with it (the in-progress mark): one statement, no transaction.
            return Ok(match exec(&client, WRITE, params).await? {
                1 => SessionWrite::Written(expected + 1),
                _ => SessionWrite::Stale,
            });
        };
        let tx = client.transaction().await?;
        if exec(&tx, WRITE, params).await? != 1 {
            return Ok(SessionWrite::Stale);
        }
        write_idem(&tx, done, now).await?;
        tx.commit().await?;
        Ok(SessionWrite::Written(expected + 1))
    }
}

#[async_trait]
impl Orders for Postgres {
    async fn get(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.get_doc("orders", id).await
    }

    async fn stock(&self, variant_ids: &[String]) -> Result<HashMap<String, i64>, StoreError> {
        let client = self.pool.get().await?;
        let statement = client
            .prepare_cached("SELECT variant_id, available FROM stock WHERE variant_id = ANY($1)")
            .await?;
        Ok(client
            .query(&statement, &[&variant_ids])
            .await?
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }

    async fn seed_stock(&self, stock: &[(String, i64)]) -> Result<(), StoreError> {
        // One statement, rows in one order: instances that start together cannot deadlock.
        let mut stock = stock.to_vec();
        stock.sort();
        let (ids, counts): (Vec<String>, Vec<i64>) = stock.into_iter().unzip();
        let client = self.pool.get().await?;
        exec(
            &client,
            "INSERT INTO stock (variant_id, available)
                 SELECT * FROM unnest($1::text[], $2::bigint[])
                 ON CONFLICT (variant_id) DO NOTHING",
            &[&ids, &counts],
        )
        .await?;
        Ok(())
    }

    async fn place(&self, o: &NewOrder) -> Result<Placement, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // The session row first: a concurrent complete of the same session waits here, then
        // finds the version moved.
        let moved = exec(
            &tx,
            "UPDATE sessions SET doc = $2, updated_at = $3, version = version + 1
                 WHERE id = $1 AND version = $4
                   AND NOT EXISTS (SELECT 1 FROM orders WHERE session_id = $1)",
            &[&o.session_id, &o.session_doc, &o.now, &o.session_version],
        )
        .await?;
        if moved != 1 {
            let ordered = opt(
                &tx,
                "SELECT 1 FROM orders WHERE session_id = $1",
                &[&o.session_id],
            )
            .await?
            .is_some();
            return Ok(if ordered {
                Placement::AlreadyCompleted
            } else {
                Placement::Stale
            });
        }
        // Statements that do not depend on each other are sent together (tokio-postgres
        // pipelines queries polled at once on one connection): the token and the stock in one
        // round trip, the order and the key's answer in the next. A refusal rolls all back.
        let token_params: Params<'_> = &[&o.token_id, &o.now];
        let spend = exec(
            &tx,
            "UPDATE psp_tokens SET spent_at = $2 WHERE id = $1 AND spent_at IS NULL",
            token_params,
        );
        // Rows locked in one order everywhere: two orders of the same variants cannot deadlock.
        let mut take = o.take.clone();
        take.sort();
        let take_stock = async {
            for (variant, quantity) in &take {
                let quantity = i64::from(*quantity);
                let taken = exec(
                    &tx,
                    "UPDATE stock SET available = available - $2
                     WHERE variant_id = $1 AND available >= $2",
                    &[variant, &quantity],
                )
                .await?;
                // Untracked variants (digital goods) have no row and no limit.
                if taken != 1
                    && opt(&tx, "SELECT 1 FROM stock WHERE variant_id = $1", &[variant])
                        .await?
                        .is_some()
                {
                    return Ok(Some(variant.clone()));
                }
            }
            Ok::<_, StoreError>(None)
        };
        let (spent, short) = tokio::join!(spend, take_stock);
        if spent? != 1 {
            return Ok(Placement::TokenSpent); // the dropped transaction rolls back
        }
        if let Some(variant) = short? {
            return Ok(Placement::OutOfStock(variant));
        }
        let order_params: Params<'_> = &[&o.order_id, &o.order_doc, &o.now, &o.session_id];
        let insert = exec(
            &tx,
            "INSERT INTO orders (id, doc, updated_at, session_id) VALUES ($1, $2, $3, $4)",
            order_params,
        );
        let record = async {
            match &o.idem {
                Some(done) => write_idem(&tx, done, o.now).await,
                None => Ok(()),
            }
        };
        let (inserted, recorded) = tokio::join!(insert, record);
        match inserted {
            Ok(_) => {}
            Err(e) if unique_violation(&e) => return Ok(Placement::AlreadyCompleted),
            Err(e) => return Err(e),
        }
        recorded?;
        tx.commit().await?;
        Ok(Placement::Placed)
    }
}

#[async_trait]
impl Vault for Postgres {
    async fn token(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.get_doc("psp_tokens", id).await
    }

    async fn put_token(
        &self,
        id: &str,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        put_doc(&tx, "psp_tokens", id, doc, now).await?;
        if let Some(done) = idem {
            write_idem(&tx, done, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn payment_method(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.get_doc("psp_payment_methods", id).await
    }
}

#[async_trait]
impl Wallet for Postgres {
    async fn buyer(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.get_doc("wallet_buyers", id).await
    }

    async fn create_buyer(&self, id: &str, doc: &str, now: i64) -> Result<bool, StoreError> {
        let client = self.pool.get().await?;
        let written = exec(
            &client,
            "INSERT INTO wallet_buyers (id, doc, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO NOTHING",
            &[&id, &doc, &now],
        )
        .await?;
        Ok(written == 1)
    }

    async fn save_method(
        &self,
        method: (&str, &str),
        buyer: (&str, &str),
        now: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        put_doc(&tx, "psp_payment_methods", method.0, method.1, now).await?;
        put_doc(&tx, "wallet_buyers", buyer.0, buyer.1, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reset(
        &self,
        buyers: &[(String, String)],
        methods: &[(String, String)],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.batch_execute("DELETE FROM wallet_buyers; DELETE FROM psp_payment_methods; DELETE FROM platform_carts;")
            .await?;
        for (id, doc) in methods {
            put_doc(&tx, "psp_payment_methods", id, doc, now).await?;
        }
        for (id, doc) in buyers {
            put_doc(&tx, "wallet_buyers", id, doc, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn sign_in(&self, token: &str, buyer_id: &str, now: i64) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        exec(
            &client,
            "INSERT INTO wallet_sign_ins (token, buyer_id, created_at) VALUES ($1, $2, $3)",
            &[&token, &buyer_id, &now],
        )
        .await?;
        Ok(())
    }

    async fn signed_in(&self, token: &str, now: i64) -> Result<Option<String>, StoreError> {
        let client = self.pool.get().await?;
        let statement = client
            .prepare_cached(
                "SELECT buyer_id FROM wallet_sign_ins WHERE token = $1 AND created_at > $2",
            )
            .await?;
        Ok(client
            .query_opt(&statement, &[&token, &(now - SIGN_IN_TTL_SECS)])
            .await?
            .map(|row| row.get(0)))
    }

    async fn sign_out(&self, token: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        exec(
            &client,
            "DELETE FROM wallet_sign_ins WHERE token = $1",
            &[&token],
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl GatewaySessions for Postgres {
    async fn get(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.get_doc("gateway_sessions", id).await
    }

    async fn put(&self, id: &str, doc: &str, now: i64) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        put_doc(&tx, "gateway_sessions", id, doc, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl MerchantCarts for Postgres {
    async fn get(&self, id: &str) -> Result<Option<Versioned>, StoreError> {
        let client = self.pool.get().await?;
        Ok(opt(
            &client,
            "SELECT doc, version FROM merchant_carts WHERE id = $1",
            &[&id],
        )
        .await?
        .map(|row| Versioned {
            doc: row.get(0),
            version: row.get(1),
        }))
    }

    async fn put(
        &self,
        id: &str,
        expected: Option<i64>,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<SessionWrite, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // A concurrent writer of the same cart makes this wait for its commit, then find the
        // version moved (or the row there): nothing is written.
        let written = match expected {
            None => {
                exec(
                    &tx,
                    "INSERT INTO merchant_carts (id, doc, version, updated_at)
                     VALUES ($1, $2, 1, $3) ON CONFLICT (id) DO NOTHING",
                    &[&id, &doc, &now],
                )
                .await?
            }
            Some(version) => {
                exec(
                    &tx,
                    "UPDATE merchant_carts SET doc = $2, version = version + 1, updated_at = $3
                     WHERE id = $1 AND version = $4",
                    &[&id, &doc, &now, &version],
                )
                .await?
            }
        };
        if written != 1 {
            return Ok(SessionWrite::Stale); // the dropped transaction rolls back
        }
        if let Some(done) = idem {
            write_idem(&tx, done, now).await?;
        }
        tx.commit().await?;
        Ok(SessionWrite::Written(expected.unwrap_or(0) + 1))
    }
}

#[async_trait]
impl PlatformCarts for Postgres {
    async fn get(&self, owner: &str) -> Result<Option<Versioned>, StoreError> {
        let client = self.pool.get().await?;
        Ok(opt(
            &client,
            "SELECT doc, version FROM platform_carts WHERE owner = $1",
            &[&owner],
        )
        .await?
        .map(|row| Versioned {
            doc: row.get(0),
            version: row.get(1),
        }))
    }

    async fn put(
        &self,
        owner: &str,
        expected: Option<i64>,
        doc: &str,
        now: i64,
    ) -> Result<SessionWrite, StoreError> {
        let client = self.pool.get().await?;
        let written = match expected {
            None => {
                exec(
                    &client,
                    "INSERT INTO platform_carts (owner, doc, version, updated_at)
                     VALUES ($1, $2, 1, $3) ON CONFLICT (owner) DO NOTHING",
                    &[&owner, &doc, &now],
                )
                .await?
            }
            Some(version) => {
                exec(
                    &client,
                    "UPDATE platform_carts SET doc = $2, version = version + 1, updated_at = $3
                     WHERE owner = $1 AND version = $4",
                    &[&owner, &doc, &now, &version],
                )
                .await?
            }
        };
        Ok(match written {
            1 => SessionWrite::Written(expected.unwrap_or(0) + 1),
            _ => SessionWrite::Stale,
        })
    }
}
