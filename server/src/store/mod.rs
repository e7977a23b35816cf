//! Storage as narrow async repositories, one per concern, each with a SQLite ([`sqlite`], the
//! embedded default) and a PostgreSQL ([`postgres`], for several stateless instances)
//! implementation. [`Store`] bundles them; handlers reach only the one they need.
//!
//! Every write that answers a POST takes the idempotency record ([`IdemDone`]) and commits it in
//! the same transaction as the business change: a key is never stored without its effect, and an
//! effect never without its key (ACP §6.8).
//!
//! Nothing an instance needs from another lives in its memory: sessions carry a version for
//! optimistic concurrency, sign-ins and in-flight idempotency keys (with a lease) are rows, and
//! the secrets come from configuration.

pub mod postgres;
pub mod sqlite;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("stored data: {0}")]
    Data(#[from] serde_json::Error),
    #[error("migration {0}: {1}")]
    Migration(String, String),
    #[error("the store's lock was poisoned by a panic")]
    Poisoned,
    #[error("a store task failed: {0}")]
    Task(String),
}

/// Where the data lives: `--database sqlite:PATH | PATH | :memory: | postgres://…`.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file, or `:memory:`.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user:password@host:port/name`).
    Postgres(String),
}

impl Database {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            text.parse::<tokio_postgres::Config>()
                .map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
            return Ok(Self::Postgres(text.to_owned()));
        }
        let path = text.strip_prefix("sqlite:").unwrap_or(text);
        if path.is_empty() {
            return Err("the SQLite path is empty".to_owned());
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    /// A database that forgets everything when the process ends: for tests.
    pub fn in_memory() -> Self {
        Self::Sqlite(PathBuf::from(":memory:"))
    }
}

impl std::str::FromStr for Database {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text)
    }
}

/// Never prints a PostgreSQL password (logs, `--help` defaults, panics).
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Self::Postgres(url) => {
                let redacted = match (url.find("://"), url.rfind('@')) {
                    (Some(scheme), Some(at)) if at > scheme => {
                        let userinfo = &url[scheme + 3..at];
                        let user = userinfo.split(':').next().unwrap_or("");
                        let hidden = if userinfo.contains(':') { ":***" } else { "" };
                        format!("{}{user}{hidden}{}", &url[..scheme + 3], &url[at..])
                    }
                    _ => url.clone(),
                };
                f.write_str(&redacted)
            }
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Database({self})")
    }
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

/// What [`Idempotency::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdemBegin {
    /// First time (or the earlier attempt expired or was abandoned): run the request.
    Fresh,
    /// Same key, same body, finished: send this again.
    Replay(StoredResponse),
    /// Same key, different body.
    Conflict,
    /// Same key, the first request is still running (on this instance or another).
    InFlight,
}

/// How long keys are kept (ACP: at least 24 h).
pub const IDEM_RETENTION_SECS: i64 = 48 * 3600;
/// The default lease of an in-flight key: a request still `in_flight` after this long was
/// abandoned (its instance crashed), and its key may run again.
pub const IDEM_LEASE_SECS: i64 = 30;
/// How long a wallet sign-in lasts.
pub const SIGN_IN_TTL_SECS: i64 = 30 * 24 * 3600;

/// A document (a session, a cart) and the version it was read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    pub doc: String,
    pub version: i64,
}

/// What a versioned write (a session, a merchant or platform cart) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionWrite {
    /// Written; the session is now at this version.
    Written(i64),
    /// Another request changed the session since it was read (or it has an order): nothing was
    /// written. Read it again and decide again.
    Stale,
}

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
    /// The session changed since it was read: nothing was written.
    Stale,
}

/// Everything an order commits at once.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub session_id: String,
    /// The session's version when the payment began; the order is refused if it moved.
    pub session_version: i64,
    pub session_doc: String,
    pub order_id: String,
    pub order_doc: String,
    pub token_id: String,
    /// (variant id, quantity) to take from stock.
    pub take: Vec<(String, u32)>,
    pub idem: Option<IdemDone>,
    pub now: i64,
}

/// Idempotency keys (ACP §6.8), shared by every instance.
#[async_trait]
pub trait Idempotency: Send + Sync {
    /// Claims `key` in `scope` for a request whose body hashes to `fingerprint`. An in-flight
    /// claim older than `lease` seconds is taken over.
    async fn begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
        lease: i64,
    ) -> Result<IdemBegin, StoreError>;
    /// Records the response of a request whose handler did not (validation errors, replies that
    /// changed nothing). Does nothing if the handler already committed it.
    async fn finish(&self, done: &IdemDone, now: i64) -> Result<(), StoreError>;
    /// Forgets an in-flight key (the request failed with a 5xx: a retry must run afresh).
    async fn release(&self, scope: &str, key: &str) -> Result<(), StoreError>;
}

/// The merchant's checkout sessions, with optimistic concurrency.
#[async_trait]
pub trait Sessions: Send + Sync {
    async fn get(&self, id: &str) -> Result<Option<Versioned>, StoreError>;
    async fn create(
        &self,
        id: &str,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Writes only if the session is still at `expected` and has no order.
    async fn update(
        &self,
        id: &str,
        expected: i64,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<SessionWrite, StoreError>;
}

/// Orders and the stock they take.
#[async_trait]
pub trait Orders: Send + Sync {
    async fn get(&self, id: &str) -> Result<Option<String>, StoreError>;
    async fn stock(&self, variant_ids: &[String]) -> Result<HashMap<String, i64>, StoreError>;
    /// Sets stock for variants that have no row yet (catalog load; safe for instances that
    /// start together).
    async fn seed_stock(&self, stock: &[(String, i64)]) -> Result<(), StoreError>;
    /// In one transaction: spend the token, take the stock, write the order and the completed
    /// session, and the idempotency record. All or nothing.
    async fn place(&self, order: &NewOrder) -> Result<Placement, StoreError>;
}

/// The test PSP's vault: delegated tokens and the payment methods cards are saved as.
#[async_trait]
pub trait Vault: Send + Sync {
    async fn token(&self, id: &str) -> Result<Option<String>, StoreError>;
    async fn put_token(
        &self,
        id: &str,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<(), StoreError>;
    async fn payment_method(&self, id: &str) -> Result<Option<String>, StoreError>;
}

/// The host's wallet: saved buyers, their cards (as vault payment methods) and sign-ins.
#[async_trait]
pub trait Wallet: Send + Sync {
    async fn buyer(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// Writes the buyer only if there is none (first sign-in, demo seed). Returns whether it did.
    async fn create_buyer(&self, id: &str, doc: &str, now: i64) -> Result<bool, StoreError>;
    /// Saves a payment method and the buyer that refers to it, together.
    async fn save_method(
        &self,
        method: (&str, &str),
        buyer: (&str, &str),
        now: i64,
    ) -> Result<(), StoreError>;
    /// Empties the buyers, payment methods and platform carts and writes these buyers and
    /// methods instead, in one transaction (the demo's reset).
    async fn reset(
        &self,
        buyers: &[(String, String)],
        methods: &[(String, String)],
        now: i64,
    ) -> Result<(), StoreError>;
    async fn sign_in(&self, token: &str, buyer_id: &str, now: i64) -> Result<(), StoreError>;
    /// The buyer a sign-in token belongs to, if it has not expired.
    async fn signed_in(&self, token: &str, now: i64) -> Result<Option<String>, StoreError>;
    async fn sign_out(&self, token: &str) -> Result<(), StoreError>;
}

/// The platform gateway's record of the sessions it opened at merchants.
#[async_trait]
pub trait GatewaySessions: Send + Sync {
    async fn get(&self, id: &str) -> Result<Option<String>, StoreError>;
    async fn put(&self, id: &str, doc: &str, now: i64) -> Result<(), StoreError>;
}

/// The reference merchant's ACP carts (`POST /carts`, …), with optimistic concurrency (a
/// replacement racing a cancel cannot bring the cart back).
#[async_trait]
pub trait MerchantCarts: Send + Sync {
    async fn get(&self, id: &str) -> Result<Option<Versioned>, StoreError>;
    /// Writes the cart (and the idempotency record) in one transaction, only if the stored
    /// version is still `expected` (`None`: there is no cart yet).
    async fn put(
        &self,
        id: &str,
        expected: Option<i64>,
        doc: &str,
        idem: Option<&IdemDone>,
        now: i64,
    ) -> Result<SessionWrite, StoreError>;
}

/// The platform's carts: one per owner (a signed-in buyer, on every device), across merchants,
/// with optimistic concurrency (two tabs adding at once both count).
#[async_trait]
pub trait PlatformCarts: Send + Sync {
    async fn get(&self, owner: &str) -> Result<Option<Versioned>, StoreError>;
    /// Writes only if the stored version is still `expected` (`None`: there is no cart yet).
    async fn put(
        &self,
        owner: &str,
        expected: Option<i64>,
        doc: &str,
        now: i64,
    ) -> Result<SessionWrite, StoreError>;
}

/// The repositories, on one database.
#[derive(Clone)]
pub struct Store {
    pub idempotency: Arc<dyn Idempotency>,
    pub sessions: Arc<dyn Sessions>,
    pub orders: Arc<dyn Orders>,
    pub vault: Arc<dyn Vault>,
    pub wallet: Arc<dyn Wallet>,
    pub gateway: Arc<dyn GatewaySessions>,
    pub merchant_carts: Arc<dyn MerchantCarts>,
    pub platform_carts: Arc<dyn PlatformCarts>,
    /// Which backend, for logs.
    pub backend: &'static str,
}

impl Store {
    /// Opens the database and brings its schema up to date.
    pub async fn open(database: &Database) -> Result<Self, StoreError> {
        match database {
            Database::Sqlite(path) => {
                let db = Arc::new(sqlite::Sqlite::open(path)?);
                Ok(Self::from_backend(db, "sqlite"))
            }
            Database::Postgres(url) => {
                let db = Arc::new(postgres::Postgres::connect(url).await?);
                Ok(Self::from_backend(db, "postgres"))
            }
        }
    }

    fn from_backend<B>(db: Arc<B>, backend: &'static str) -> Self
    where
        B: Idempotency
            + Sessions
            + Orders
            + Vault
            + Wallet
            + GatewaySessions
            + MerchantCarts
            + PlatformCarts
            + 'static,
    {
        Self {
            idempotency: db.clone(),
            sessions: db.clone(),
            orders: db.clone(),
            vault: db.clone(),
            wallet: db.clone(),
            gateway: db.clone(),
            merchant_carts: db.clone(),
            platform_carts: db,
            backend,
        }
    }
}

/// Decodes a stored document.
pub fn decode<T: DeserializeOwned>(doc: Option<String>) -> Result<Option<T>, StoreError> {
    doc.map(|json| serde_json::from_str(&json))
        .transpose()
        .map_err(StoreError::from)
}

/// Encodes a document to store.
pub fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    Ok(serde_json::to_string(value)?)
}

/// A migration: its number, its name and its SQL.
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}
