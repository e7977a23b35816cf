//! buycard: an embeddable buy experience for social timelines, in Rust and WebAssembly.
//!
//! - [`core`]: the pure core (models, formatting inputs, i18n), no browser dependency.
//! - `web` (wasm32 only): Leptos views, custom elements, fetch and `Intl` at the edge.
//! - `leptos` (wasm32, feature `leptos-components`): `<BuyCard/>` and `<ProductCarousel/>` as
//!   components for Leptos apps.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;

/// The card and the banner as Leptos components, for a Leptos (CSR) app that renders them in its
/// own view instead of as `<buy-card>` and `<product-carousel>` elements. Each renders a host
/// `<div>` with its own shadow root, as the elements do. With the `leptos-components` feature.
#[cfg(all(target_arch = "wasm32", feature = "leptos-components"))]
pub mod leptos {
    pub use crate::web::components::{
        BuyCard, BuyCardProps, ProductCarousel, ProductCarouselProps,
    };
}
