//! buycard: an embeddable buy experience for social timelines, in Rust and WebAssembly.
//!
//! - [`core`]: the pure core (models, formatting inputs, i18n), no browser dependency.
//! - `web` (wasm32 only): Leptos views, custom elements, fetch and `Intl` at the edge.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;
