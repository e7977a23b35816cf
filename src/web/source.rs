//! What `<buy-card>` and `<product-carousel>` share: the feed their attributes name, the reader's
//! locale, the backend to buy from, the view of a feed that failed, and events on the host.

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::HtmlElement;

use super::checkout::Backend;
use super::feed::{self, FeedResult};
use crate::core::card::{CardError, Image};
use crate::core::i18n::{Lang, Locale, Msg};
use crate::core::url::endpoint_base;

fn required(value: Option<String>, name: &'static str) -> Result<String, CardError> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(CardError::MissingAttribute(name))
}

/// The feed URL the attributes ask for, or why they do not name one.
fn feed_url(endpoint: Option<String>, feed: Option<String>) -> Result<String, CardError> {
    let endpoint = required(endpoint, "endpoint")?;
    let base = endpoint_base(&endpoint).ok_or(CardError::BadEndpoint)?;
    Ok(feed::products_url(base, &required(feed, "feed")?))
}

/// Starts loading the feed these attributes name, if they name one (once per page).
pub(super) fn prefetch(endpoint: Option<String>, feed: Option<String>) {
    if let Ok(url) = feed_url(endpoint, feed) {
        feed::prefetch(&url);
    }
}

/// The product the `product` attribute names, or why it names none.
pub(super) fn product_id(value: Option<String>) -> Result<String, CardError> {
    required(value, "product")
}

/// The feed named by the `endpoint` and `feed` attributes, fetched through the page-wide cache.
#[derive(Clone, Copy)]
pub(super) struct FeedSource {
    pub url: Memo<Result<String, CardError>>,
    /// `None` inside while the attributes name no feed.
    pub catalog: LocalResource<Option<FeedResult>>,
}

impl FeedSource {
    pub fn new(endpoint: RwSignal<Option<String>>, feed: RwSignal<Option<String>>) -> Self {
        let url = Memo::new(move |_| feed_url(endpoint.get(), feed.get()));
        let catalog = LocalResource::new(move || {
            let url = url.get();
            async move {
                match url {
                    Ok(url) => Some(feed::products(&url).await),
                    Err(_) => None,
                }
            }
        });
        Self { url, catalog }
    }

    /// Fetches again after a failure (a success is kept).
    pub fn retry(&self) {
        if let Ok(url) = self.url.get_untracked() {
            feed::forget_failure(&url);
        }
        self.catalog.refetch();
    }
}

/// The reader's locale: the `locale` attribute when usable (reactive), else `page_lang` (the
/// nearest `lang` around the host and the browser's language, read at mount).
pub(super) fn locale(explicit: RwSignal<Option<String>>, page_lang: Vec<String>) -> Memo<Locale> {
    Memo::new(move |_| {
        let explicit = explicit.get();
        Locale::negotiate(
            std::iter::once(explicit.as_deref()).chain(page_lang.iter().map(|l| Some(l.as_str()))),
        )
    })
}

/// Where the buy flow sends its requests (None until the endpoint is valid).
pub(super) fn backend(
    endpoint: RwSignal<Option<String>>,
    wallet: RwSignal<Option<String>>,
) -> Memo<Option<Backend>> {
    let backend = Memo::new(move |_| {
        let endpoint = endpoint_base(&endpoint.get()?)?.to_owned();
        let wallet = wallet
            .get()
            .and_then(|w| endpoint_base(&w).map(str::to_owned));
        Some(Backend { endpoint, wallet })
    });
    // The page looks the visitor up at this wallet ahead of the first Buy.
    Effect::new(move |_| {
        backend.with(|b| {
            if let Some(base) = b.as_ref().and_then(|b| b.wallet.as_deref()) {
                super::wallet::known(base);
            }
        })
    });
    backend
}

/// Why the product(s) cannot be shown, in words, with a retry when trying again may help.
#[component]
pub(super) fn Problem(error: CardError, lang: Lang, source: FeedSource) -> impl IntoView {
    let retry = error.retryable().then(|| {
        view! {
            <button type="button" class="retry" on:click=move |_| source.retry()>
                {Msg::Retry.text(lang)}
            </button>
        }
    });
    view! {
        <div class="error" role="alert" data-code=error.code()>
            <p>{error.message().text(lang)}</p>
            {retry}
        </div>
    }
}

/// `name` on the host with `detail`: it bubbles and crosses the shadow boundary.
pub(super) fn emit(host: &HtmlElement, name: &str, detail: &[(&str, JsValue)]) {
    let object = js_sys::Object::new();
    for (key, value) in detail {
        _ = js_sys::Reflect::set(&object, &(*key).into(), value);
    }
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&object);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        _ = host.dispatch_event(&event);
    }
}

/// A product photo once `load` is true, or, when it fails, a neutral placeholder with the title
/// in the same box (`ratio`, the photo's own proportions, when the box does not fix them).
#[component]
pub(super) fn Photo(
    image: Image,
    title: String,
    lang: Lang,
    #[prop(into)] load: Signal<bool>,
    #[prop(optional)] ratio: String,
) -> impl IntoView {
    let failed = RwSignal::new(false);
    move || {
        if failed.get() {
            view! {
                <span
                    class="placeholder"
                    role="img"
                    aria-label=Msg::ImageUnavailable.text(lang)
                    style:aspect-ratio=ratio.clone()
                >
                    <span aria-hidden="true">{title.clone()}</span>
                </span>
            }
            .into_any()
        } else if load.get() {
            view! {
                <img
                    src=image.url.clone()
                    alt=image.alt.clone()
                    width=image.width
                    height=image.height
                    loading="lazy"
                    decoding="async"
                    on:error=move |_| failed.set(true)
                />
            }
            .into_any()
        } else {
            ().into_any()
        }
    }
}
