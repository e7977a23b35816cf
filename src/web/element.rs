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
use super::{cart_store, source, style, track, wallet};

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

/// A connected card that is not near the viewport yet: a light placeholder in its shadow root
/// and what mounts its view.
struct Waiting {
    placeholder: web_sys::Element,
    mount: Box<dyn FnOnce()>,
}

thread_local! {
    static MOUNTED: RefCell<HashMap<u32, Mounted>> = RefCell::new(HashMap::new());
    static WAITING: RefCell<HashMap<u32, Waiting>> = RefCell::new(HashMap::new());
    /// The one observer of every waiting card, while any waits.
    static NEAR: RefCell<Option<track::Observer>> = const { RefCell::new(None) };
    static NEXT_KEY: Cell<u32> = const { Cell::new(1) };
}

/// How near the viewport a waiting card mounts: one screen ahead, up or down, so a card is
/// usually ready before it scrolls in.
const NEAR_MARGIN: &str = "100% 0px";

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
    wallet::install();
    // Cards wait until they are near the viewport: a timeline mounts only what is read.
    define::<CardAttrs>(
        BUY_CARD,
        style::Sheets::Card,
        true,
        |attrs, host, page_lang| view! { <BuyCard attrs host page_lang /> }.into_any(),
    );
    define::<CartAttrs>(
        BUY_CART,
        style::Sheets::Cart,
        false,
        |attrs, host, page_lang| view! { <BuyCart attrs host page_lang /> }.into_any(),
    );
    define::<CarouselAttrs>(
        PRODUCT_CAROUSEL,
        style::Sheets::Carousel,
        false,
        |attrs, host, page_lang| view! { <ProductCarousel attrs host page_lang /> }.into_any(),
    );
}

type Render<A> = fn(A, HtmlElement, Vec<String>) -> AnyView;

fn define<A: Attrs>(tag: &str, sheets: style::Sheets, lazy: bool, render: Render<A>) {
    let observed: js_sys::Array = A::OBSERVED.iter().map(|a| JsValue::from_str(a)).collect();
    let connected =
        Closure::<dyn Fn(HtmlElement)>::new(move |host| connect::<A>(host, sheets, lazy, render));
    let disconnected = Closure::<dyn Fn(HtmlElement)>::new(disconnect);
    let changed = Closure::<dyn Fn(HtmlElement, String, Option<String>)>::new(attribute_changed);
    if define_element(tag, observed, &connected, &disconnected, &changed) {
        // The element class lives as long as the page; so do its callbacks.
        connected.forget();
        disconnected.forget();
        changed.forget();
    }
}

fn connect<A: Attrs>(host: HtmlElement, sheets: style::Sheets, lazy: bool, render: Render<A>) {
    let key = key_of(&host);
    if MOUNTED.with(|m| m.borrow().contains_key(&key))
        || WAITING.with(|w| w.borrow().contains_key(&key))
    {
        return;
    }
    let Some(root) = loading_root(&host, sheets) else {
        return;
    };
    if lazy {
        // The feed is shared by the page: it may load now, the view waits.
        source::prefetch(host.get_attribute("endpoint"), host.get_attribute("feed"));
        let mount = {
            let host = host.clone();
            let root = root.clone();
            move || mount::<A>(key, host, root, render)
        };
        if let Some(placeholder) = placeholder(&root) {
            if observe_near(&host) {
                let mount = Box::new(mount);
                WAITING.with(|w| w.borrow_mut().insert(key, Waiting { placeholder, mount }));
                track::card_waiting(true);
                return;
            }
            placeholder.remove();
        }
        // No IntersectionObserver: mount now.
        return mount();
    }
    mount::<A>(key, host, root, render);
}

/// The host's shadow root with the component's stylesheets, and the host `loading`: what every
/// mount starts from (an element's, or a Leptos app's component).
pub(super) fn loading_root(
    host: &HtmlElement,
    sheets: style::Sheets,
) -> Option<web_sys::ShadowRoot> {
    // `attachShadow` works once per element: a card moved in the DOM reuses its root.
    let root = match host.shadow_root() {
        Some(root) => root,
        None => host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .ok()?,
    };
    style::adopt(&root, sheets);
    // Synchronously, so the host page never sees a stale state from a previous mount.
    _ = host.set_attribute("data-state", "loading");
    _ = host.remove_attribute("data-error");
    Some(root)
}

/// Mounts the element's view in its shadow root.
fn mount<A: Attrs>(key: u32, host: HtmlElement, root: web_sys::ShadowRoot, render: Render<A>) {
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

/// The card's loading skeleton, without its live region (a timeline of waiting cards is not a
/// thousand "Loading" announcements) and without its shimmer (nothing animates off screen).
fn placeholder(root: &web_sys::ShadowRoot) -> Option<web_sys::Element> {
    let document = web_sys::window()?.document()?;
    let element = |class: &str| {
        let element = document.create_element("div").ok()?;
        element.set_class_name(class);
        Some(element)
    };
    let card = document.create_element("article").ok()?;
    card.set_class_name("card");
    _ = card.set_attribute("part", "card");
    _ = card.set_attribute("aria-busy", "true");
    let skeleton = element("skeleton")?;
    for class in ["media", "line", "line short"] {
        let part = element(class)?;
        _ = skeleton.append_child(&part);
    }
    _ = card.append_child(&skeleton);
    root.append_child(&card).ok()?;
    Some(card)
}

/// Watches `host` until it comes near the viewport (the page's one observer, made on demand).
fn observe_near(host: &HtmlElement) -> bool {
    NEAR.with(|near| {
        let mut near = near.borrow_mut();
        if near.is_none() {
            *near = track::Observer::near(NEAR_MARGIN, came_near);
        }
        match near.as_ref() {
            Some(observer) => {
                observer.observe(host);
                true
            }
            None => false,
        }
    })
}

/// The observer's callback: mounts every waiting card that came near.
fn came_near(entries: js_sys::Array) {
    for entry in entries.iter() {
        let entry: web_sys::IntersectionObserverEntry = entry.unchecked_into();
        if !entry.is_intersecting() {
            continue;
        }
        let Ok(host) = entry.target().dyn_into::<HtmlElement>() else {
            continue;
        };
        if let Some(waiting) = stop_waiting(&host) {
            waiting.placeholder.remove();
            (waiting.mount)();
        }
    }
}

/// Takes `host` out of the waiting cards; the observer goes once none waits (later: it may be
/// the one running this).
fn stop_waiting(host: &HtmlElement) -> Option<Waiting> {
    let key = key_of(host);
    let waiting = WAITING.with(|w| w.borrow_mut().remove(&key))?;
    track::card_waiting(false);
    NEAR.with(|near| {
        if let Some(observer) = near.borrow().as_ref() {
            observer.unobserve(host);
        }
    });
    if WAITING.with(|w| w.borrow().is_empty()) {
        wasm_bindgen_futures::spawn_local(async {
            if WAITING.with(|w| w.borrow().is_empty()) {
                let observer = NEAR.with(|near| near.borrow_mut().take());
                drop(observer);
            }
        });
    }
    Some(waiting)
}

fn disconnect(host: HtmlElement) {
    if let Some(waiting) = stop_waiting(&host) {
        waiting.placeholder.remove();
        _ = host.remove_attribute("data-state");
        return;
    }
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
