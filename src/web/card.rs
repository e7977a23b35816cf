//! The `<buy-card>` view: renders the card's state, derived from its attributes and the feed.

use leptos::prelude::*;
use web_sys::HtmlElement;

use super::buy::BuyFlow;
use super::checkout::Backend;
use super::element::Attrs;
use super::feed::{self, FeedResult};
use super::intl::format_money;
use super::track;
use crate::core::availability::Availability;
use crate::core::card::{CardError, CardModel};
use crate::core::flow::Purchase;
use crate::core::i18n::{Locale, Msg};
use crate::core::url::endpoint_base;

/// The host element's attributes, as signals (set by `attributeChangedCallback`).
#[derive(Clone, Copy)]
pub struct CardAttrs {
    pub endpoint: RwSignal<Option<String>>,
    pub feed: RwSignal<Option<String>>,
    pub product: RwSignal<Option<String>>,
    pub variant: RwSignal<Option<String>>,
    pub locale: RwSignal<Option<String>>,
    /// The host site's wallet API (saved buyers buy in one click).
    pub wallet: RwSignal<Option<String>>,
    /// How many to buy (1 by default).
    pub quantity: RwSignal<Option<String>>,
}

impl Attrs for CardAttrs {
    const OBSERVED: &'static [&'static str] = &[
        "endpoint", "feed", "product", "variant", "locale", "wallet", "quantity",
    ];

    fn from_host(host: &HtmlElement) -> Self {
        let read = |name: &str| RwSignal::new(host.get_attribute(name));
        Self {
            endpoint: read("endpoint"),
            feed: read("feed"),
            product: read("product"),
            variant: read("variant"),
            locale: read("locale"),
            wallet: read("wallet"),
            quantity: read("quantity"),
        }
    }

    fn set(&self, name: &str, value: Option<String>) {
        let signal = match name {
            "endpoint" => self.endpoint,
            "feed" => self.feed,
            "product" => self.product,
            "variant" => self.variant,
            "locale" => self.locale,
            "wallet" => self.wallet,
            "quantity" => self.quantity,
            _ => return,
        };
        signal.set(value);
    }
}

/// What the card shows.
#[derive(Debug, Clone, PartialEq)]
pub enum CardState {
    Loading,
    Ready(CardModel),
    Error(CardError),
}

impl CardState {
    /// The host's `data-state`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CardState::Loading => "loading",
            CardState::Ready(_) => "ready",
            CardState::Error(_) => "error",
        }
    }
}

pub(super) fn required(value: Option<String>, name: &'static str) -> Result<String, CardError> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(CardError::MissingAttribute(name))
}

/// The feed URL the attributes ask for, or why they do not name one.
pub(super) fn feed_url(
    endpoint: Option<String>,
    feed: Option<String>,
) -> Result<String, CardError> {
    let endpoint = required(endpoint, "endpoint")?;
    let base = endpoint_base(&endpoint).ok_or(CardError::BadEndpoint)?;
    Ok(feed::products_url(base, &required(feed, "feed")?))
}

/// One card. `page_lang` is the nearest `lang` around the host and the browser's language, read
/// once at mount; the `locale` attribute, when present, wins and is reactive.
#[component]
pub fn BuyCard(attrs: CardAttrs, host: HtmlElement, page_lang: Vec<String>) -> impl IntoView {
    track::view_alive(true);
    on_cleanup(|| track::view_alive(false));

    let url = Memo::new(move |_| feed_url(attrs.endpoint.get(), attrs.feed.get()));
    let chosen: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        attrs.variant.track();
        chosen.set(None);
    });
    let quantity = Memo::new(move |_| {
        attrs
            .quantity
            .get()
            .and_then(|q| q.trim().parse::<u32>().ok())
            .filter(|q| (1..=99).contains(q))
            .unwrap_or(1)
    });
    let catalog: LocalResource<Option<FeedResult>> = LocalResource::new(move || {
        let url = url.get();
        async move {
            match url {
                Ok(url) => Some(feed::products(&url).await),
                Err(_) => None,
            }
        }
    });
    let state = Memo::new(move |_| {
        if let Err(e) = url.get() {
            return CardState::Error(e);
        }
        let product = match required(attrs.product.get(), "product") {
            Ok(product) => product,
            Err(e) => return CardState::Error(e),
        };
        match catalog.get().flatten() {
            None => CardState::Loading,
            Some(Err(e)) => CardState::Error(e.into()),
            Some(Ok(catalog)) => {
                // The buyer's pick in the variant picker wins until the attribute changes.
                let variant = chosen
                    .get()
                    .or_else(|| attrs.variant.get())
                    .filter(|v| !v.trim().is_empty());
                CardModel::from_catalog(&catalog, &product, variant.as_deref())
                    .map_or_else(CardState::Error, CardState::Ready)
            }
        }
    });
    let locale = Memo::new(move |_| {
        let explicit = attrs.locale.get();
        Locale::negotiate(
            std::iter::once(explicit.as_deref()).chain(page_lang.iter().map(|l| Some(l.as_str()))),
        )
    });

    let host_for_view = host.clone();
    // The host page sees the state on the element itself (`buy-card[data-state=ready]`).
    Effect::new(move |_| {
        let state = state.read();
        _ = host.set_attribute("data-state", state.as_str());
        match &*state {
            CardState::Error(e) => _ = host.set_attribute("data-error", e.code()),
            _ => _ = host.remove_attribute("data-error"),
        }
        if let CardState::Ready(model) = &*state {
            announce_ready(&host, model);
        }
    });

    // Where the buy flow sends its requests (None until the endpoint is valid).
    let backend = Memo::new(move |_| {
        let endpoint = attrs.endpoint.get()?;
        let endpoint = endpoint_base(&endpoint)?.to_owned();
        let wallet = attrs
            .wallet
            .get()
            .and_then(|w| endpoint_base(&w).map(str::to_owned));
        Some(Backend { endpoint, wallet })
    });

    let retry = move |_| {
        if let Ok(url) = url.get_untracked() {
            feed::forget_failure(&url);
        }
        catalog.refetch();
    };

    view! {
        <article
            class="card"
            part="card"
            aria-busy=move || state.with(|s| matches!(s, CardState::Loading)).to_string()
        >
            {move || {
                let lang = locale.with(|l| l.lang);
                match state.get() {
                    CardState::Loading => {
                        view! {
                            <div class="skeleton" role="status">
                                <div class="media shimmer"></div>
                                <p class="sr-only">{Msg::Loading.text(lang)}</p>
                                <div class="line shimmer"></div>
                                <div class="line short shimmer"></div>
                            </div>
                        }
                            .into_any()
                    }
                    CardState::Error(error) => {
                        let retryable = error.retryable();
                        view! {
                            <div class="error" role="alert" data-code=error.code()>
                                <p>{error.message().text(lang)}</p>
                                {retryable
                                    .then(|| {
                                        view! {
                                            <button type="button" class="retry" on:click=retry>
                                                {Msg::Retry.text(lang)}
                                            </button>
                                        }
                                    })}
                            </div>
                        }
                            .into_any()
                    }
                    CardState::Ready(model) => {
                        let backend = backend.get();
                        let host = host_for_view.clone();
                        let quantity = quantity.get();
                        view! { <ProductView model locale=locale.get() backend host chosen quantity /> }
                            .into_any()
                    }
                }
            }}
        </article>
    }
}

/// `buycard:ready` on the host: the product is shown (bubbles out of the shadow root).
fn announce_ready(host: &HtmlElement, model: &CardModel) {
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

/// A product and its Buy button: the card's body, and the banner's buy panel.
#[component]
pub(super) fn ProductView(
    model: CardModel,
    locale: Locale,
    backend: Option<Backend>,
    host: HtmlElement,
    chosen: RwSignal<Option<String>>,
    quantity: u32,
    /// Open the checkout straight away (the banner's slide tap was the Buy tap).
    #[prop(optional)]
    autostart: bool,
) -> impl IntoView {
    let lang = locale.lang;
    let image_failed = RwSignal::new(false);
    let title = model.title.clone();
    let media = match model.image {
        Some(image) => {
            let ratio = format!("{} / {}", image.width, image.height);
            let placeholder_ratio = ratio.clone();
            let placeholder_title = title.clone();
            view! {
                <div class="media" style:aspect-ratio=ratio>
                    <Show
                        when=move || !image_failed.get()
                        fallback=move || {
                            view! {
                                <div
                                    class="placeholder"
                                    role="img"
                                    aria-label=Msg::ImageUnavailable.text(lang)
                                    style:aspect-ratio=placeholder_ratio.clone()
                                >
                                    <span aria-hidden="true">{placeholder_title.clone()}</span>
                                </div>
                            }
                        }
                    >
                        <img
                            src=image.url.clone()
                            alt=image.alt.clone()
                            width=image.width
                            height=image.height
                            loading="lazy"
                            decoding="async"
                            on:error=move |_| image_failed.set(true)
                        />
                    </Show>
                </div>
            }
            .into_any()
        }
        None => view! {
            <div class="media placeholder" role="img" aria-label=Msg::ImageUnavailable.text(lang)>
                <span aria-hidden="true">{title.clone()}</span>
            </div>
        }
        .into_any(),
    };
    let title_view = match model.url {
        Some(url) => view! {
            <a href=url target="_blank" rel="noopener noreferrer">
                {title}
            </a>
        }
        .into_any(),
        None => view! { <span>{title}</span> }.into_any(),
    };
    let price = match model.price {
        Some(price) => view! {
            <span class="now">
                <span class="sr-only">{Msg::Price.text(lang)} " "</span>
                {format_money(locale.tag(), price)}
            </span>
        }
        .into_any(),
        None => view! { <span class="now unavailable">{Msg::PriceUnavailable.text(lang)}</span> }
            .into_any(),
    };
    let list_price = model.list_price.map(|list| {
        view! {
            <s class="was">
                <span class="sr-only">{Msg::ListPrice.text(lang)} " "</span>
                {format_money(locale.tag(), list)}
            </s>
        }
    });
    let availability = (model.availability != Availability::Unknown).then(|| {
        view! {
            <p class="availability" data-availability=model.availability.as_str()>
                {Msg::Availability(model.availability).text(lang)}
            </p>
        }
    });
    let seller = model.seller.map(|seller| {
        view! { <p class="seller">{Msg::SoldBy.text(lang)} " " {seller}</p> }
    });
    // Buying needs a backend and a price; sold-out items show no Buy button.
    let buy = match (backend, model.price, model.availability.is_buyable()) {
        (Some(backend), Some(price), true) => {
            // ACP 2026-04-17 items carry no quantity: the id is listed once per unit.
            let item = buycard_acp::checkout::Item {
                id: model.variant_id.clone(),
                name: None,
                unit_amount: None,
            };
            let purchase = Purchase {
                items: vec![item; quantity as usize],
                currency: price.currency.code().to_ascii_lowercase(),
            };
            let shown_price = i64::try_from(price.minor).ok();
            Some(
                view! { <BuyFlow backend purchase host locale=locale.clone() shown_price autostart /> },
            )
        }
        _ => None,
    };
    let picker = (model.choices.len() > 1).then(|| {
        let current = model.variant_id.clone();
        let options = model
            .choices
            .iter()
            .map(|choice| {
                let label = if choice.buyable {
                    choice.label.clone()
                } else {
                    format!("{} ({})", choice.label, Msg::SoldOutSuffix.text(lang))
                };
                view! {
                    <option value=choice.id.clone() selected=choice.id == current disabled=!choice.buyable>
                        {label}
                    </option>
                }
            })
            .collect_view();
        view! {
            <label class="variant">
                <span>{Msg::ChooseVariant.text(lang)}</span>
                <select on:change=move |event| chosen.set(Some(event_target_value(&event)))>{options}</select>
            </label>
        }
    });
    view! {
        {media}
        <div class="body">
            <p class="title">{title_view}</p>
            <p class="price">{price} {list_price}</p>
            {availability}
            {seller}
            {picker}
            {buy}
        </div>
    }
}
