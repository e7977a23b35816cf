//! Agentic Commerce Protocol types, version [`API_VERSION`].
//!
//! The contract is the ACP specification's JSON schemas (`shared/acp-2026-04-17/json-schema`): each
//! type here follows its schema definition field by field, with the schema's field names.
//!
//! Reading is tolerant and writing is strict: unknown fields from a peer are ignored on
//! deserialisation (a newer server may add fields), while optional fields that are absent are never
//! serialised as `null` (the schemas forbid `null` where they say `"type": "string"`).
//!
//! Money is always an integer count of ISO 4217 minor units (`amount: u64`), never a float.
//!
//! This crate has no web or server dependency: the buy card (wasm32) and the reference server
//! (native) share it.

pub mod cart;
pub mod checkout;
pub mod delegate_payment;
pub mod error;
pub mod feed;
#[cfg(feature = "versions")]
pub mod versions;
pub mod wallet;

pub use error::ErrorResponse;

/// The ACP version these types implement, as sent in the `API-Version` header.
pub const API_VERSION: &str = "2026-04-17";
