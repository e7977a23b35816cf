//! Spike: `<buy-card>` without Leptos, to weigh what a card costs before anything else loads.
//!
//! Same behaviour as the real card's first paint: custom element, open shadow root with a
//! constructed stylesheet, one fetch per feed URL shared by every card, the product parsed into a
//! small read model (only what the card shows), the card's markup by hand with web-sys, the price
//! through `Intl.NumberFormat`, the variant picker, `data-state`/`data-error` and
//! `buycard:ready`. The real core's money, URL, availability and message modules are compiled in
//! as they are (`#[path]`), so their weight is the real one.
//!
//! Feature `real-core`: the real crate's `core::card` and `core::catalog` (full ACP `Product`
//! deserialisers through `serde_json::Value`) instead of the spike's read model.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlElement, ShadowRootInit, ShadowRootMode};

#[path = "../../../src/core/availability.rs"]
mod availability;
#[path = "../../../src/core/i18n.rs"]
mod i18n;
#[path = "../../../src/core/money.rs"]
mod money;
#[path = "../../../src/core/url.rs"]
mod url;

#[cfg(feature = "real-core")]
#[path = "../../../src/core/card.rs"]
mod card;
#[cfg(feature = "real-core")]
#[path = "../../../src/core/catalog.rs"]
mod catalog;

#[cfg(not(feature = "real-core"))]
mod lite;
#[cfg(not(feature = "real-core"))]
use lite as card;
#[cfg(not(feature = "real-core"))]
use lite as catalog;

use card::{CardError, CardModel};
use catalog::{Catalog, FeedError};
use i18n::{Locale, Msg};

const CARD_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/card.css"));

#[wasm_bindgen(inline_js = "
export function defineElement(tag, observed, connected, changed) {
  if (customElements.get(tag)) return;
  customElements.define(tag, class extends HTMLElement {
    static get observedAttributes() { return observed; }
    connectedCallback() { connected(this); }
    attributeChangedCallback(n, o, v) { if (o !== v && this.isConnected) changed(this); }
  });
}")]
extern "C" {
    #[wasm_bindgen(js_name = defineElement)]
    fn define_element(
        tag: &str,
        observed: js_sys::Array,
        connected: &Closure<dyn Fn(HtmlElement)>,
        changed: &Closure<dyn Fn(HtmlElement)>,
    );
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    type NumberFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "NumberFormat", catch)]
    fn new(locales: &JsValue, options: &JsValue) -> Result<NumberFormat, JsValue>;
    #[wasm_bindgen(method, js_class = "NumberFormat", js_name = format)]
    fn format_decimal(this: &NumberFormat, decimal: &str) -> String;
}

type FeedResult = Result<Rc<Catalog>, FeedError>;

enum Feed {
    Loading(Vec<HtmlElement>),
    Done(FeedResult),
}

thread_local! {
    static FEEDS: RefCell<HashMap<String, Feed>> = RefCell::new(HashMap::new());
    static SHEET: Option<web_sys::CssStyleSheet> = web_sys::CssStyleSheet::new()
        .ok()
        .filter(|s| s.replace_sync(CARD_CSS).is_ok());
    static FORMATTERS: RefCell<HashMap<(String, String), Option<NumberFormat>>> =
        RefCell::new(HashMap::new());
}

#[wasm_bindgen(start)]
pub fn start() {
    let observed: js_sys::Array = ["endpoint", "feed", "product", "variant", "locale"]
        .iter()
        .map(|a| JsValue::from_str(a))
        .collect();
    let connected = Closure::<dyn Fn(HtmlElement)>::new(render);
    let changed = Closure::<dyn Fn(HtmlElement)>::new(render);
    define_element("buy-card", observed, &connected, &changed);
    connected.forget();
    changed.forget();
}

fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

fn locale(host: &HtmlElement) -> Locale {
    let attr = host.get_attribute("locale");
    let nearest = host
        .closest("[lang]")
        .ok()
        .flatten()
        .and_then(|el| el.get_attribute("lang"));
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    Locale::negotiate([attr.as_deref(), nearest.as_deref(), browser.as_deref()])
}

/// Renders `host` from what is known now; starts the feed's fetch if nobody has.
fn render(host: HtmlElement) {
    let root = match host.shadow_root() {
        Some(root) => root,
        None => match host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)) {
            Ok(root) => {
                let list = js_sys::Array::new();
                SHEET.with(|s| s.iter().for_each(|s| _ = list.push(s)));
                root.set_adopted_style_sheets(&list);
                root
            }
            Err(_) => return,
        },
    };
    let lang = locale(&host);
    let state = card_state(&host);
    root.set_text_content(None);
    let doc = document();
    let article = el(&doc, "article", "card");
    _ = article.set_attribute("part", "card");
    match &state {
        None => {
            _ = host.set_attribute("data-state", "loading");
            _ = article.set_attribute("aria-busy", "true");
            let sk = child(&doc, &article, "div", "skeleton");
            _ = sk.set_attribute("role", "status");
            child(&doc, &sk, "div", "media shimmer");
            text(
                child(&doc, &sk, "p", "sr-only"),
                &Msg::Loading.text(lang.lang),
            );
            child(&doc, &sk, "div", "line shimmer");
            child(&doc, &sk, "div", "line short shimmer");
        }
        Some(Err(error)) => {
            _ = host.set_attribute("data-state", "error");
            _ = host.set_attribute("data-error", error.code());
            let div = child(&doc, &article, "div", "error");
            _ = div.set_attribute("role", "alert");
            text(child(&doc, &div, "p", ""), &error.message().text(lang.lang));
        }
        Some(Ok(model)) => {
            _ = host.set_attribute("data-state", "ready");
            _ = host.remove_attribute("data-error");
            product(&doc, &article, &host, model, &lang);
            ready(&host, model);
        }
    }
    _ = root.append_child(&article);
}

fn card_state(host: &HtmlElement) -> Option<Result<CardModel, CardError>> {
    let Some(base) = host
        .get_attribute("endpoint")
        .and_then(|e| url::endpoint_base(&e).map(str::to_owned))
    else {
        return Some(Err(CardError::BadEndpoint));
    };
    let Some(feed) = host.get_attribute("feed") else {
        return Some(Err(CardError::MissingAttribute("feed")));
    };
    let Some(product) = host.get_attribute("product") else {
        return Some(Err(CardError::MissingAttribute("product")));
    };
    let feed_url = format!("{base}/feeds/{}/products", url::encode_segment(&feed));
    let catalog = FEEDS.with(|feeds| {
        let mut feeds = feeds.borrow_mut();
        match feeds.get_mut(&feed_url) {
            Some(Feed::Done(result)) => Some(result.clone()),
            Some(Feed::Loading(waiting)) => {
                waiting.push(host.clone());
                None
            }
            None => {
                feeds.insert(feed_url.clone(), Feed::Loading(vec![host.clone()]));
                wasm_bindgen_futures::spawn_local(fetch(feed_url));
                None
            }
        }
    })?;
    let variant = host.get_attribute("variant");
    Some(match catalog {
        Err(e) => Err(e.into()),
        Ok(catalog) => CardModel::from_catalog(&catalog, &product, variant.as_deref()),
    })
}

async fn fetch(url: String) {
    let result = get(&url).await;
    let waiting = FEEDS.with(
        |feeds| match feeds.borrow_mut().insert(url, Feed::Done(result)) {
            Some(Feed::Loading(waiting)) => waiting,
            _ => Vec::new(),
        },
    );
    for host in waiting {
        render(host);
    }
}

async fn get(url: &str) -> FeedResult {
    let window = web_sys::window().ok_or(FeedError::Network("no window".into()))?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| FeedError::Network("fetch failed".into()))?;
    let response: web_sys::Response = response.unchecked_into();
    match response.status() {
        200..=299 => {}
        404 => return Err(FeedError::NotFound),
        status => return Err(FeedError::Http(status)),
    }
    let body = response
        .text()
        .map_err(|_| FeedError::Network("no body".into()))?;
    let body = wasm_bindgen_futures::JsFuture::from(body)
        .await
        .map_err(|_| FeedError::Network("body failed".into()))?
        .as_string()
        .unwrap_or_default();
    Catalog::parse(&body).map(Rc::new)
}

fn el(doc: &Document, tag: &str, class: &str) -> Element {
    let el = doc.create_element(tag).expect("an element");
    if !class.is_empty() {
        el.set_class_name(class);
    }
    el
}

fn child(doc: &Document, parent: &Element, tag: &str, class: &str) -> Element {
    let el = el(doc, tag, class);
    _ = parent.append_child(&el);
    el
}

fn text(el: Element, text: &str) -> Element {
    el.set_text_content(Some(text));
    el
}

fn sr_label(doc: &Document, parent: &Element, label: &str) {
    text(child(doc, parent, "span", "sr-only"), &format!("{label} "));
}

fn format_money(locale: &str, money: money::Money) -> String {
    let decimal = money.to_decimal_string();
    let key = (locale.to_owned(), money.currency.code().to_owned());
    FORMATTERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let entry = cache.entry(key).or_insert_with(|| {
            let options = js_sys::Object::new();
            _ = js_sys::Reflect::set(&options, &"style".into(), &"currency".into());
            _ = js_sys::Reflect::set(&options, &"currency".into(), &money.currency.code().into());
            NumberFormat::new(&JsValue::from_str(locale), &options)
                .or_else(|_| NumberFormat::new(&JsValue::from_str("en"), &options))
                .ok()
        });
        match entry {
            Some(nf) => nf.format_decimal(&decimal),
            None => format!("{decimal} {}", money.currency),
        }
    })
}

fn product(
    doc: &Document,
    article: &Element,
    host: &HtmlElement,
    model: &CardModel,
    locale: &Locale,
) {
    let lang = locale.lang;
    let media = child(doc, article, "div", "media");
    _ = media.set_attribute("part", "photo");
    match &model.image {
        Some(image) => {
            let ratio = format!("{} / {}", image.width, image.height);
            _ = media.set_attribute("style", &format!("aspect-ratio: {ratio}"));
            let img = child(doc, &media, "img", "");
            for (k, v) in [
                ("src", image.url.as_str()),
                ("alt", image.alt.as_str()),
                ("width", &image.width.to_string()),
                ("height", &image.height.to_string()),
                ("loading", "lazy"),
                ("decoding", "async"),
            ] {
                _ = img.set_attribute(k, v);
            }
        }
        None => {
            media.set_class_name("media placeholder");
            _ = media.set_attribute("role", "img");
            _ = media.set_attribute("aria-label", &Msg::ImageUnavailable.text(lang));
            text(child(doc, &media, "span", ""), &model.title);
        }
    }
    let body = child(doc, article, "div", "body");
    let title = child(doc, &body, "p", "title");
    _ = title.set_attribute("part", "title");
    match &model.url {
        Some(url) => {
            let a = text(child(doc, &title, "a", ""), &model.title);
            _ = a.set_attribute("href", url);
            _ = a.set_attribute("target", "_blank");
            _ = a.set_attribute("rel", "noopener noreferrer");
        }
        None => _ = text(child(doc, &title, "span", ""), &model.title),
    }
    let price = child(doc, &body, "p", "price");
    _ = price.set_attribute("part", "price");
    match model.price {
        Some(p) => {
            let now = child(doc, &price, "span", "now");
            sr_label(doc, &now, &Msg::Price.text(lang));
            _ = now.append_with_str_1(&format_money(locale.tag(), p));
        }
        None => {
            _ = text(
                child(doc, &price, "span", "now unavailable"),
                &Msg::PriceUnavailable.text(lang),
            )
        }
    }
    if let Some(list) = model.list_price {
        let was = child(doc, &price, "s", "was");
        sr_label(doc, &was, &Msg::ListPrice.text(lang));
        _ = was.append_with_str_1(&format_money(locale.tag(), list));
    }
    let availability = model.availability;
    if availability != availability::Availability::Unknown {
        let p = text(
            child(doc, &body, "p", "availability"),
            &Msg::Availability(availability).text(lang),
        );
        _ = p.set_attribute("data-availability", availability.as_str());
    }
    if let Some(seller) = &model.seller {
        text(
            child(doc, &body, "p", "seller"),
            &format!("{} {seller}", Msg::SoldBy.text(lang)),
        );
    }
    if model.choices.len() > 1 {
        let label = child(doc, &body, "label", "variant");
        let name = model
            .option_name
            .clone()
            .unwrap_or_else(|| Msg::ChooseVariant.text(lang));
        text(child(doc, &label, "span", ""), &name);
        let select = child(doc, &label, "select", "");
        for choice in &model.choices {
            let option = child(doc, &select, "option", "");
            _ = option.set_attribute("value", &choice.id);
            if choice.id == model.variant_id {
                _ = option.set_attribute("selected", "");
            }
            if choice.buyable {
                option.set_text_content(Some(&choice.label));
            } else {
                _ = option.set_attribute("disabled", "");
                option.set_text_content(Some(&format!(
                    "{} ({})",
                    choice.label,
                    Msg::SoldOutSuffix.text(lang)
                )));
            }
        }
        let host = host.clone();
        let on_change = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            if let Some(select) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                _ = host.set_attribute("variant", &select.value());
            }
        });
        _ = select.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        on_change.forget(); // A spike: the real one would keep it with the card.
    }
    let purchase = child(doc, &body, "div", "purchase");
    if model.price.is_some() && availability.is_buyable() {
        let buy = child(doc, &purchase, "div", "buy");
        let label = if availability == availability::Availability::Preorder {
            Msg::Availability(availability).text(lang)
        } else {
            Msg::Buy.text(lang)
        };
        let button = text(child(doc, &buy, "button", "buy-button primary"), &label);
        _ = button.set_attribute("type", "button");
    }
}

fn ready(host: &HtmlElement, model: &CardModel) {
    let detail = js_sys::Object::new();
    _ = js_sys::Reflect::set(
        &detail,
        &"product_id".into(),
        &model.product_id.as_str().into(),
    );
    _ = js_sys::Reflect::set(
        &detail,
        &"variant_id".into(),
        &model.variant_id.as_str().into(),
    );
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("buycard:ready", &init) {
        _ = host.dispatch_event(&event);
    }
}
