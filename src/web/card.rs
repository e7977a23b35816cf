//! The `<buy-card>` view: renders the card's state, derived from its attributes and the feed.

use leptos::prelude::*;
use web_sys::HtmlElement;

use super::buy::{BuyFlow, SheetItem};
use super::cart::{AddToCart, offered};
use super::cart_store;
use super::checkout::Backend;
use super::element::attributes;
use super::intl::format_money;
use super::source::{self, FeedSource, Photo, Problem, emit, product_id};
use super::track;
use crate::core::availability::Availability;
use crate::core::card::{CardError, CardModel};
use crate::core::cart::{Estimate, LineKey};
use crate::core::flow::Purchase;
use crate::core::i18n::{Locale, Msg};

attributes! {
    /// The host element's attributes, as signals (set by `attributeChangedCallback`).
    pub struct CardAttrs {
        endpoint = "endpoint",
        feed = "feed",
        product = "product",
        variant = "variant",
        locale = "locale",
        /// The host site's wallet API (saved buyers buy in one click).
        wallet = "wallet",
        /// How many to buy (1 by default).
        quantity = "quantity",
        /// "Add to cart" beside Buy: `off` hides it; by default shown when the page has a cart.
        cart = "cart",
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

/// One card. `page_lang` is the nearest `lang` around the host and the browser's language, read
/// once at mount; the `locale` attribute, when present, wins and is reactive.
#[component]
pub fn BuyCard(attrs: CardAttrs, host: HtmlElement, page_lang: Vec<String>) -> impl IntoView {
    track::view_alive(true);
    on_cleanup(|| track::view_alive(false));

    let source = FeedSource::new(attrs.endpoint, attrs.feed);
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
    let state = Memo::new(move |_| {
        if let Err(e) = source.url.get() {
            return CardState::Error(e);
        }
        let product = match product_id(attrs.product.get()) {
            Ok(product) => product,
            Err(e) => return CardState::Error(e),
        };
        match source.catalog.get().flatten() {
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
    let locale = source::locale(attrs.locale, page_lang);

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

    let backend = source::backend(attrs.endpoint, attrs.wallet);
    // The card's wallet is also where a signed-in buyer's cart is kept.
    Effect::new(move |_| cart_store::set_wallet(attrs.wallet.get().as_deref()));
    let page_cart = cart_store::present();
    let cart_shown = Memo::new(move |_| offered(attrs.cart.get(), page_cart.get()));

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
                    CardState::Error(error) => view! { <Problem error lang source /> }.into_any(),
                    CardState::Ready(model) => {
                        let backend = backend.get();
                        let host = host_for_view.clone();
                        let quantity = quantity.get();
                        // The line this card adds: the attributes' shop and feed, the variant shown.
                        let key = LineKey::new(
                            &attrs.endpoint.get_untracked().unwrap_or_default(),
                            &attrs.feed.get_untracked().unwrap_or_default(),
                            &model.product_id,
                            &model.variant_id,
                        );
                        let cart = key.ok().map(|key| CartOffer { key, shown: cart_shown });
                        view! { <ProductView model locale=locale.get() backend host chosen quantity cart /> }
                            .into_any()
                    }
                }
            }}
        </article>
    }
}

/// `buycard:ready` on the host: the product is shown (bubbles out of the shadow root).
fn announce_ready(host: &HtmlElement, model: &CardModel) {
    emit(
        host,
        "buycard:ready",
        &[
            ("product_id", model.product_id.as_str().into()),
            ("variant_id", model.variant_id.as_str().into()),
        ],
    );
}

/// What a card needs to offer "Add to cart".
#[derive(Clone)]
pub(super) struct CartOffer {
    pub key: LineKey,
    /// The `cart` attribute and whether the page has a cart.
    pub shown: Memo<bool>,
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
    /// "Add to cart" beside Buy (the card's; the banner offers none).
    #[prop(default = None)]
    cart: Option<CartOffer>,
) -> impl IntoView {
    let lang = locale.lang;
    // What can be bought can be added: a price (the estimate) and in stock.
    let add_to_cart = cart
        .filter(|_| model.availability.is_buyable())
        .zip(Estimate::from_card(&model))
        .map(|(offer, estimate)| {
            let CartOffer { key, shown } = offer;
            move || {
                shown.get().then(|| {
                    view! { <AddToCart key=key.clone() estimate=estimate.clone() quantity lang /> }
                })
            }
        });
    let title = model.title.clone();
    let item = SheetItem {
        title: model.title.clone(),
        image: model.image.as_ref().map(|image| image.url.clone()),
        seller: model.seller.clone(),
    };
    let product_page = model.url.clone();
    let media = match model.image {
        Some(image) => {
            let ratio = format!("{} / {}", image.width, image.height);
            let box_ratio = ratio.clone();
            view! {
                <div class="media" part="photo" style:aspect-ratio=box_ratio>
                    <Photo image title=title.clone() lang load=true ratio=ratio />
                </div>
            }
            .into_any()
        }
        None => view! {
            <div class="media placeholder" part="photo" role="img" aria-label=Msg::ImageUnavailable.text(lang)>
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
    // The merchant may say the item sold out during checkout: then the card says what it says
    // for an item sold out in the feed.
    let sold_out = RwSignal::new(false);
    let feed_availability = model.availability;
    let availability = move || {
        let now = if sold_out.get() {
            Availability::OutOfStock
        } else {
            feed_availability
        };
        (now != Availability::Unknown).then(|| {
            view! {
                <p class="availability" data-availability=now.as_str()>
                    {Msg::Availability(now).text(lang)}
                </p>
            }
        })
    };
    let seller = model.seller.map(|seller| {
        view! { <p class="seller">{Msg::SoldBy.text(lang)} " " {seller}</p> }
    });
    // Buying needs a backend and a price; sold-out items show no Buy button.
    let preorder = model.availability == Availability::Preorder;
    let buy = match (backend, model.price, model.availability.is_buyable()) {
        (Some(backend), Some(price), true) => {
            let purchase = Purchase {
                item_id: model.variant_id.clone(),
                quantity,
                currency: price.currency.code().to_ascii_lowercase(),
            };
            let shown_price = i64::try_from(price.minor).ok();
            let on_sold_out = Callback::new(move |()| sold_out.set(true));
            Some(view! {
                <BuyFlow backend purchase host locale=locale.clone() item shown_price preorder autostart on_sold_out />
            })
        }
        _ => None,
    };
    // A sold-out card's next step, when the feed gives one: the product's own page.
    let next_step = move || {
        let sold_out = sold_out.get() || !feed_availability.is_buyable();
        sold_out.then(|| product_page.clone()).flatten().map(|url| {
            view! {
                <a class="next-step" href=url target="_blank" rel="noopener noreferrer">
                    {Msg::SeeProduct.text(lang)}
                    <span class="sr-only">" " {Msg::OpensInNewTab.text(lang)}</span>
                </a>
            }
        })
    };
    let option_name = model
        .option_name
        .clone()
        .unwrap_or_else(|| Msg::ChooseVariant.text(lang));
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
                <span>{option_name}</span>
                <select on:change=move |event| chosen.set(Some(event_target_value(&event)))>{options}</select>
            </label>
        }
    });
    view! {
        {media}
        <div class="body">
            <p class="title" part="title">{title_view}</p>
            <p class="price" part="price">{price} {list_price}</p>
            {availability}
            {seller}
            {picker}
            <div class="purchase">{buy}{add_to_cart}</div>
            {next_step}
        </div>
    }
}
