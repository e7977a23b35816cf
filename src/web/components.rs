//! `<BuyCard/>` and `<ProductCarousel/>` for Leptos host apps: the views of `<buy-card>` and
//! `<product-carousel>`, without the custom elements.
//!
//! Each component renders one host `<div>` into the host app's view. Once that `<div>` is in the
//! document, an effect gives it an open shadow root with the shared stylesheets and mounts the
//! element's own view there, in an owner tree of its own (a child of that effect's owner), so the
//! card behaves exactly as the element does: its styles are isolated from the host app's,
//! `data-state` and `data-error` are on the host `<div>`, `buycard:*` events are dispatched
//! from it (bubbling and composed), and the feed cache, formatters, stylesheets and cart are the
//! page's. When the component's owner is cleaned up, the mount is dropped: the view leaves the
//! shadow root and its owner is disposed (timers, fetches, listeners released).
//!
//! The element's view reads its attributes as `RwSignal<Option<String>>`s (what
//! `attributeChangedCallback` sets); here an effect per prop sets them instead, only when the
//! value changes.
//!
//! Behind the `leptos-components` feature: the custom elements never reach this module, but
//! compiling it beside them changes how the release build lays out the shared code (0.7 KiB
//! more brotli), so the embed is built without it.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::card::{BuyCard as CardView, CardAttrs};
use super::carousel::{CarouselAttrs, ProductCarousel as CarouselView};
use super::element::{loading_root, page_languages};
use super::{style, track};

/// A signal the element's view reads as an attribute, following `prop` (an effect sets it when
/// the value changes; the view re-renders as for `attributeChangedCallback`).
fn follow(prop: impl Fn() -> Option<String> + 'static) -> RwSignal<Option<String>> {
    let attr = RwSignal::new(untrack(&prop));
    Effect::new(move |_| {
        let value = prop();
        if attr.with_untracked(|now| *now != value) {
            attr.set(value);
        }
    });
    attr
}

/// The host `<div>`, and the element's view mounted in its shadow root once it is in the
/// document. `render` runs inside the mount's own owner, so the signals and effects it makes
/// are disposed with the mount.
fn shadow_host(
    sheets: style::Sheets,
    theme: MaybeProp<String>,
    render: impl Fn(HtmlElement, Vec<String>) -> AnyView + Clone + 'static,
) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    Effect::new(move |_| {
        let Some(host) = node.get() else {
            return;
        };
        let host: HtmlElement = host.into();
        // A re-run reuses the root.
        let Some(root) = loading_root(&host, sheets) else {
            return;
        };
        let page_lang = page_languages(&host);
        let render = render.clone();
        // Untracked: this effect follows the node only, not what the view reads as it is built.
        let mount = untrack(|| {
            leptos::mount::mount_to(root.unchecked_into(), move || render(host, page_lang))
        });
        track::card_mounted(true);
        // Kept by this effect's owner: dropped (the view unmounted, its owner disposed) when
        // the component's owner is cleaned up, or before a re-run.
        StoredValue::new_local(mount);
        Owner::on_cleanup(|| track::card_mounted(false));
    });
    view! { <div node_ref=node data-state="loading"></div> }.attr("theme", move || theme.get())
}

/// A buy card, as `<buy-card>` with the same attributes, for a Leptos app.
///
/// ```ignore
/// use buycard::leptos::BuyCard;
///
/// let quantity = RwSignal::new(1_u32);
/// view! {
///     <BuyCard endpoint="/shops/lantern" feed="lantern" product="enamel-pin" wallet="/wallet"
///         quantity=quantity on:buycard:order=move |event| log(event) />
/// }
/// ```
///
/// Every prop is reactive: a value (`&str` for strings) or any signal of one. The host `<div>`
/// carries `data-state` and `data-error` and dispatches the `buycard:*` events: listen with
/// `on:buycard:order=…` on the component (the handler gets a `web_sys::Event`; cast it to a
/// `CustomEvent` for its `detail`), or on any ancestor.
#[component]
pub fn BuyCard(
    /// The checkout backend's base URL (the gateway's `/shops/{merchant}`, or a merchant's `/api`).
    #[prop(into)]
    endpoint: Signal<String>,
    /// The ACP feed id.
    #[prop(into)]
    feed: Signal<String>,
    /// The ACP `Product.id` in that feed.
    #[prop(into)]
    product: Signal<String>,
    /// The ACP `Variant.id`; by default the first that can be bought.
    #[prop(into, optional)]
    variant: MaybeProp<String>,
    /// How many to buy, 1 to 99 (1 by default).
    #[prop(into, optional)]
    quantity: MaybeProp<u32>,
    /// The host site's wallet API: a saved buyer buys in two taps.
    #[prop(into, optional)]
    wallet: MaybeProp<String>,
    /// A BCP 47 tag; by default the nearest `lang` around the card, then the browser's.
    #[prop(into, optional)]
    locale: MaybeProp<String>,
    /// "Add to cart": `false` hides it, `true` shows it; by default shown when the page has a
    /// cart.
    #[prop(into, optional)]
    cart: MaybeProp<bool>,
    /// `"light"` or `"dark"`; by default the reader's `prefers-color-scheme`.
    #[prop(into, optional)]
    theme: MaybeProp<String>,
) -> impl IntoView {
    shadow_host(style::Sheets::Card, theme, move |host, page_lang| {
        let attrs = CardAttrs {
            endpoint: follow(move || Some(endpoint.get())),
            feed: follow(move || Some(feed.get())),
            product: follow(move || Some(product.get())),
            variant: follow(move || variant.get()),
            locale: follow(move || locale.get()),
            wallet: follow(move || wallet.get()),
            quantity: follow(move || quantity.get().map(|q| q.to_string())),
            cart: follow(move || {
                cart.get()
                    .map(|on| if on { "on" } else { "off" }.to_owned())
            }),
        };
        view! { <CardView attrs host page_lang /> }.into_any()
    })
}

/// A banner of product photos, as `<product-carousel>` with the same attributes, for a Leptos
/// app.
///
/// ```ignore
/// use buycard::leptos::ProductCarousel;
///
/// view! {
///     <ProductCarousel endpoint="/shops/lantern" feed="lantern" wallet="/wallet" action="buy"
///         label="Shop Lantern Press" />
/// }
/// ```
///
/// Every prop is reactive. State and events are on the host `<div>`, as for [`BuyCard`].
#[component]
pub fn ProductCarousel(
    /// The checkout backend's base URL, as for [`BuyCard`].
    #[prop(into)]
    endpoint: Signal<String>,
    /// The ACP feed id.
    #[prop(into)]
    feed: Signal<String>,
    /// Space-separated product ids: exactly those, in that order; by default the whole feed.
    #[prop(into, optional)]
    products: MaybeProp<String>,
    /// `"link"` (default: a slide opens the product's page) or `"buy"` (the checkout, in the
    /// banner).
    #[prop(into, optional)]
    action: MaybeProp<String>,
    /// The host site's wallet API, for `action="buy"`.
    #[prop(into, optional)]
    wallet: MaybeProp<String>,
    /// Seconds between automatic moves (2 to 60); off by default.
    #[prop(into, optional)]
    autoplay: MaybeProp<f64>,
    /// The banner's accessible name (default "Products").
    #[prop(into, optional)]
    label: MaybeProp<String>,
    /// A BCP 47 tag, as for [`BuyCard`].
    #[prop(into, optional)]
    locale: MaybeProp<String>,
    /// `"light"` or `"dark"`, as for [`BuyCard`].
    #[prop(into, optional)]
    theme: MaybeProp<String>,
) -> impl IntoView {
    shadow_host(style::Sheets::Carousel, theme, move |host, page_lang| {
        let attrs = CarouselAttrs {
            endpoint: follow(move || Some(endpoint.get())),
            feed: follow(move || Some(feed.get())),
            products: follow(move || products.get()),
            action: follow(move || action.get()),
            locale: follow(move || locale.get()),
            wallet: follow(move || wallet.get()),
            autoplay: follow(move || autoplay.get().map(|s| s.to_string())),
            label: follow(move || label.get()),
        };
        view! { <CarouselView attrs host page_lang /> }.into_any()
    })
}
