//! `<buy-card>` and `<product-carousel>` as custom elements: each connected element mounts its own
//! Leptos view in its own shadow root, attribute changes become signal updates, and disconnecting
//! drops the view.
//!
//! Each mount is its own reactive owner tree, so nothing reactive is shared between elements;
//! page-wide state (the feed cache, formatters, the stylesheets) lives in this module's siblings.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRootInit, ShadowRootMode};

use super::card::{BuyCard, CardAttrs};
use super::carousel::{CarouselAttrs, ProductCarousel};
use super::cart::{BuyCart, CartAttrs};
use super::{cart_store, style, track};

#[wasm_bindgen(module = "/src/web/element.js")]
extern "C" {
    #[wasm_bindgen(js_name = defineElement)]
    fn define_element(
        tag: &str,
        observed: js_sys::Array,
        connected: &Closure<dyn Fn(HtmlElement)>,
        disconnected: &Closure<dyn Fn(HtmlElement)>,
        changed: &Closure<dyn Fn(HtmlElement, String, Option<String>)>,
    ) -> bool;
}

/// The tag name of the buy card.
pub const BUY_CARD: &str = "buy-card";
/// The tag name of the cart's badge and panel.
pub const BUY_CART: &str = "buy-cart";
/// The tag name of the profile banner.
pub const PRODUCT_CAROUSEL: &str = "product-carousel";

/// A property on the host element holding its key in [`MOUNTED`]. Host attributes belong to the
/// host page, so the key is kept out of them.
const KEY_PROPERTY: &str = "__buycardKey";

/// An element's attributes as signals: read once at mount, then updated one by one.
pub(crate) trait Attrs: Copy + 'static {
    const OBSERVED: &'static [&'static str];
    fn from_host(host: &HtmlElement) -> Self;
    fn set(&self, name: &str, value: Option<String>);
}

/// Declares an element's attributes: a `Copy` struct with one signal per attribute, and its
/// [`Attrs`] (the observed names, reading them at mount, forwarding each change to its signal).
macro_rules! attributes {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field:ident = $attr:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy)]
        $vis struct $name {
            $($(#[$field_meta])* pub $field: ::leptos::prelude::RwSignal<Option<String>>,)*
        }

        impl $crate::web::element::Attrs for $name {
            const OBSERVED: &'static [&'static str] = &[$($attr),*];

            fn from_host(host: &::web_sys::HtmlElement) -> Self {
                Self {
                    $($field: ::leptos::prelude::RwSignal::new(host.get_attribute($attr)),)*
                }
            }

            fn set(&self, name: &str, value: Option<String>) {
                use ::leptos::prelude::Set;
                match name {
                    $($attr => self.$field.set(value),)*
                    _ => {}
                }
            }
        }
    };
}
pub(crate) use attributes;

/// Forwards an attribute change (name, new value) to one element's signals.
type SetAttr = Rc<dyn Fn(&str, Option<String>)>;

struct Mounted {
    /// Forwards an attribute change to the element's signals.
    set: SetAttr,
    /// The `UnmountHandle`: dropping it removes the view and disposes its reactive owner.
    _view: Box<dyn Any>,
}

thread_local! {
    static MOUNTED: RefCell<HashMap<u32, Mounted>> = RefCell::new(HashMap::new());
    static NEXT_KEY: Cell<u32> = const { Cell::new(1) };
}

fn key_of(host: &HtmlElement) -> u32 {
    let existing = js_sys::Reflect::get(host, &KEY_PROPERTY.into())
        .ok()
        .and_then(|v| v.as_f64());
    if let Some(key) = existing {
        return key as u32;
    }
    let key = NEXT_KEY.with(|next| {
        let key = next.get();
        next.set(key.wrapping_add(1));
        key
    });
    _ = js_sys::Reflect::set(host, &KEY_PROPERTY.into(), &key.into());
    key
}

/// Defines `<buy-card>`, `<buy-cart>` and `<product-carousel>`, and the host's cart API (once per
/// page; later calls do nothing).
pub fn define_elements() {
    cart_store::install();
    define::<CardAttrs>(BUY_CARD, style::Sheets::Card, |attrs, host, page_lang| {
        view! { <BuyCard attrs host page_lang /> }.into_any()
    });
    define::<CartAttrs>(BUY_CART, style::Sheets::Cart, |attrs, host, page_lang| {
        view! { <BuyCart attrs host page_lang /> }.into_any()
    });
    define::<CarouselAttrs>(
        PRODUCT_CAROUSEL,
        style::Sheets::Carousel,
        |attrs, host, page_lang| view! { <ProductCarousel attrs host page_lang /> }.into_any(),
    );
}

type Render<A> = fn(A, HtmlElement, Vec<String>) -> AnyView;

fn define<A: Attrs>(tag: &str, sheets: style::Sheets, render: Render<A>) {
    let observed: js_sys::Array = A::OBSERVED.iter().map(|a| JsValue::from_str(a)).collect();
    let connected =
        Closure::<dyn Fn(HtmlElement)>::new(move |host| connect::<A>(host, sheets, render));
    let disconnected = Closure::<dyn Fn(HtmlElement)>::new(disconnect);
    let changed = Closure::<dyn Fn(HtmlElement, String, Option<String>)>::new(attribute_changed);
    if define_element(tag, observed, &connected, &disconnected, &changed) {
        // The element class lives as long as the page; so do its callbacks.
        connected.forget();
        disconnected.forget();
        changed.forget();
    }
}

fn connect<A: Attrs>(host: HtmlElement, sheets: style::Sheets, render: Render<A>) {
    let key = key_of(&host);
    if MOUNTED.with(|m| m.borrow().contains_key(&key)) {
        return;
    }
    // `attachShadow` works once per element: a card moved in the DOM reuses its root.
    let root = match host.shadow_root() {
        Some(root) => root,
        None => match host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)) {
            Ok(root) => root,
            Err(_) => return,
        },
    };
    style::adopt(&root, sheets);
    // Synchronously, so the host page never sees a stale state from a previous mount.
    _ = host.set_attribute("data-state", "loading");
    _ = host.remove_attribute("data-error");
    let page_lang = page_languages(&host);
    let attrs_out: Rc<Cell<Option<A>>> = Rc::new(Cell::new(None));
    let view = {
        let (host, attrs_out) = (host.clone(), attrs_out.clone());
        leptos::mount::mount_to(root.unchecked_into(), move || {
            let attrs = A::from_host(&host);
            attrs_out.set(Some(attrs));
            render(attrs, host, page_lang)
        })
    };
    let Some(attrs) = attrs_out.take() else {
        return;
    };
    MOUNTED.with(|m| {
        m.borrow_mut().insert(
            key,
            Mounted {
                set: Rc::new(move |name, value| attrs.set(name, value)),
                _view: Box::new(view),
            },
        )
    });
    track::card_mounted(true);
}

fn disconnect(host: HtmlElement) {
    let key = key_of(&host);
    // Take it out first: dropping the view runs cleanups, which must not find MOUNTED borrowed.
    let mounted = MOUNTED.with(|m| m.borrow_mut().remove(&key));
    if let Some(mounted) = mounted {
        drop(mounted);
        track::card_mounted(false);
        _ = host.remove_attribute("data-state");
        _ = host.remove_attribute("data-error");
    }
}

fn attribute_changed(host: HtmlElement, name: String, value: Option<String>) {
    let key = key_of(&host);
    // Copied out first: a signal update must not run while MOUNTED is borrowed.
    let set = MOUNTED.with(|m| m.borrow().get(&key).map(|m| m.set.clone()));
    if let Some(set) = set {
        set(&name, value);
    }
}

/// Language candidates around the host: the nearest `lang` attribute (a post written in French on
/// an English site), then the browser's languages.
pub(super) fn page_languages(host: &HtmlElement) -> Vec<String> {
    let nearest = host
        .closest("[lang]")
        .ok()
        .flatten()
        .and_then(|el| el.get_attribute("lang"));
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    nearest.into_iter().chain(browser).collect()
}
