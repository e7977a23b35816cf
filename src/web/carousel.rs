//! The `<product-carousel>` view: a banner of product slides for the top of a profile page.
//!
//! Scrolling is the browser's (CSS scroll-snap: touch, trackpad and wheel never run our code); an
//! `IntersectionObserver` reports how much of each slide is visible, and `core::carousel` turns
//! that into the position, the buttons' limits, the images that may load and autoplay's next
//! move. With `action="buy"`, a slide opens the buy card's product view and checkout in a panel
//! inside the banner.

use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::card::ProductView;
use super::checkout::Backend;
use super::element::attributes;
use super::intl::format_money;
use super::source::{self, FeedSource, Photo, Problem, emit};
use super::track::{self, Listener, Observer, Timeout};
use crate::core::availability::Availability;
use crate::core::card::{CardError, CardModel};
use crate::core::carousel::{
    Action, Autoplay, IN_VIEW, InView, Selection, WHOLLY, autoplay_interval, key_target, select,
    shows_dots,
};
use crate::core::catalog::Catalog;
use crate::core::i18n::{Locale, Msg};

/// How long the view must hold still before the photos near it load.
const SETTLE_MS: i32 = 150;

attributes! {
    /// The host element's attributes, as signals.
    pub struct CarouselAttrs {
        endpoint = "endpoint",
        feed = "feed",
        products = "products",
        action = "action",
        locale = "locale",
        wallet = "wallet",
        autoplay = "autoplay",
        label = "label",
    }
}

fn id_array<'a>(ids: impl IntoIterator<Item = &'a str>) -> wasm_bindgen::JsValue {
    ids.into_iter()
        .map(wasm_bindgen::JsValue::from_str)
        .collect::<js_sys::Array>()
        .into()
}

#[component]
pub fn ProductCarousel(
    attrs: CarouselAttrs,
    host: HtmlElement,
    page_lang: Vec<String>,
) -> impl IntoView {
    track::view_alive(true);
    on_cleanup(|| track::view_alive(false));

    let source = FeedSource::new(attrs.endpoint, attrs.feed);
    // None while loading.
    let selection = Memo::new(move |_| -> Option<Result<Selection, CardError>> {
        if let Err(e) = source.url.get() {
            return Some(Err(e));
        }
        match source.catalog.get().flatten()? {
            Err(e) => Some(Err(e.into())),
            Ok(catalog) => Some(Ok(select(&catalog, attrs.products.get().as_deref()))),
        }
    });
    let locale = source::locale(attrs.locale, page_lang);
    let action = Memo::new(move |_| Action::parse(attrs.action.get().as_deref()));
    let autoplay_ms = Memo::new(move |_| autoplay_interval(attrs.autoplay.get().as_deref()));
    let label = Memo::new(move |_| {
        attrs
            .label
            .get()
            .map(|l| l.trim().chars().take(120).collect::<String>())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| Msg::CarouselLabel.text(locale.with(|l| l.lang)))
    });
    let backend = source::backend(attrs.endpoint, attrs.wallet);

    // The host page sees the state on the element, `buycard:ready` once slides are shown, and
    // one `buycard:error` naming the requested products that could not be shown.
    {
        let host = host.clone();
        Effect::new(move |_| {
            let Some(selection) = selection.get() else {
                _ = host.set_attribute("data-state", "loading");
                return;
            };
            match selection {
                Err(e) => {
                    _ = host.set_attribute("data-state", "error");
                    _ = host.set_attribute("data-error", e.code());
                }
                Ok(selection) if selection.slides.is_empty() => {
                    _ = host.set_attribute("data-state", "error");
                    _ = host.set_attribute("data-error", "no_products");
                    report_skipped(&host, &selection, locale.get_untracked().lang);
                }
                Ok(selection) => {
                    _ = host.set_attribute("data-state", "ready");
                    _ = host.remove_attribute("data-error");
                    report_skipped(&host, &selection, locale.get_untracked().lang);
                    let ids = id_array(selection.slides.iter().map(|s| s.product_id.as_str()));
                    let count = selection.slides.len() as f64;
                    emit(
                        &host,
                        "buycard:ready",
                        &[("count", count.into()), ("product_ids", ids)],
                    );
                }
            }
        });
    }

    view! {
        <section
            class="carousel"
            part="carousel"
            aria-roledescription=move || Msg::CarouselRole.text(locale.with(|l| l.lang))
            aria-label=label
            aria-busy=move || selection.with(Option::is_none).to_string()
        >
            {move || {
                let lang = locale.with(|l| l.lang);
                match selection.get() {
                    None => {
                        // The same frame as the slides (controls row, 4:5 photos, text lines,
                        // the Buy chip when slides buy, the dots row), so the banner barely moves
                        // when they arrive.
                        let buying = action.get() == Action::Buy;
                        let placeholders = (0..4)
                            .map(|_| {
                                view! {
                                    <div class="slide">
                                        <span class="slide-main">
                                            <span class="media shimmer"></span>
                                            <span class="slide-title"></span>
                                            <span class="slide-price"></span>
                                            <span class="badge"></span>
                                            {buying.then(|| view! { <span class="chip"></span> })}
                                        </span>
                                    </div>
                                }
                            })
                            .collect_view();
                        view! {
                            <div class="frame rail-skeleton" role="status">
                                <p class="sr-only">{Msg::Loading.text(lang)}</p>
                                <h2 class="heading">{label.get()}</h2>
                                <div class="controls"></div>
                                <div class="track">{placeholders}</div>
                                <div class="dots"></div>
                            </div>
                        }
                            .into_any()
                    }
                    Some(Err(error)) => view! { <Problem error lang source /> }.into_any(),
                    Some(Ok(selection)) if selection.slides.is_empty() => {
                        view! { <p class="empty">{Msg::NoProducts.text(lang)}</p> }.into_any()
                    }
                    Some(Ok(selection)) => {
                        let catalog = StoredValue::new_local(
                            source
                                .catalog
                                .get_untracked()
                                .flatten()
                                .and_then(Result::ok)
                                .unwrap_or_default(),
                        );
                        view! {
                            <Slides
                                slides=selection.slides
                                action=action.get()
                                locale=locale.get()
                                autoplay_ms
                                host=host.clone()
                                catalog
                                backend=backend.get()
                                heading=label
                            />
                        }
                            .into_any()
                    }
                }
            }}
        </section>
    }
}

fn report_skipped(host: &HtmlElement, selection: &Selection, lang: crate::core::i18n::Lang) {
    if selection.skipped.is_empty() {
        return;
    }
    let ids = id_array(selection.skipped.iter().map(String::as_str));
    emit(
        host,
        "buycard:error",
        &[
            ("code", "product_not_found".into()),
            ("message", Msg::ErrUnknownProducts.text(lang).into()),
            ("retryable", false.into()),
            ("product_ids", ids),
        ],
    );
}

/// The slide element at `index` in the track, and its focusable part.
fn slide_at(track: &web_sys::Element, index: usize) -> Option<web_sys::Element> {
    track.children().item(u32::try_from(index).ok()?)
}

fn focus_slide(track: &web_sys::Element, index: usize) {
    if let Some(main) = slide_at(track, index)
        .and_then(|slide| slide.query_selector(".slide-main").ok().flatten())
        .and_then(|main| main.dyn_into::<HtmlElement>().ok())
    {
        _ = main.focus();
    }
}

/// Scrolls the track (never the page) so the slide at `index` starts it. The CSS decides whether
/// that is smooth (not under `prefers-reduced-motion`).
fn scroll_to(track: &web_sys::Element, index: usize) {
    let Some(slide) = slide_at(track, index).and_then(|s| s.dyn_into::<HtmlElement>().ok()) else {
        return;
    };
    let rtl = is_rtl(track);
    // Slides are positioned relative to the track (position: relative), so offsetLeft is in
    // the track's scroll coordinates; right to left, the start is the right edge.
    let left = if rtl {
        slide.offset_left() + slide.offset_width() - track.client_width()
    } else {
        slide.offset_left()
    };
    let options = web_sys::ScrollToOptions::new();
    options.set_left(f64::from(left));
    options.set_behavior(web_sys::ScrollBehavior::Auto);
    track.scroll_to_with_scroll_to_options(&options);
}

/// The track's writing direction as laid out (a `dir` attribute, `dir="auto"` or CSS).
fn is_rtl(el: &web_sys::Element) -> bool {
    web_sys::window()
        .and_then(|w| w.get_computed_style(el).ok().flatten())
        .and_then(|style| style.get_property_value("direction").ok())
        .is_some_and(|d| d == "rtl")
}

/// Whether focus is on one of the track's slides.
fn focus_in_track(track: &web_sys::Element) -> bool {
    track
        .get_root_node()
        .dyn_into::<web_sys::ShadowRoot>()
        .ok()
        .and_then(|root| root.active_element())
        .is_some_and(|active| track.contains(Some(&active)))
}

#[component]
fn Slides(
    slides: Vec<CardModel>,
    action: Action,
    locale: Locale,
    autoplay_ms: Memo<Option<u32>>,
    host: HtmlElement,
    catalog: StoredValue<Rc<Catalog>, LocalStorage>,
    backend: Option<Backend>,
    /// The banner's name, shown as its heading.
    heading: Memo<String>,
) -> impl IntoView {
    let count = slides.len();
    let lang = locale.lang;
    let track_ref = NodeRef::<leptos::html::Div>::new();

    // What the observer saw: one ratio per slide.
    let ratios = RwSignal::new(vec![0.0f64; count]);
    let observed = RwSignal::new(false);
    let in_view = Memo::new(move |_| {
        if !observed.get() {
            return InView::initial(count);
        }
        ratios
            .with(|r| InView::from_ratios(r))
            .unwrap_or_else(|| InView::initial(count))
    });
    let observer = StoredValue::new_local(None::<Observer>);
    Effect::new(move |_| {
        let Some(track) = track_ref.get() else {
            return;
        };
        let targets = (0..count)
            .filter_map(|i| slide_at(&track, i))
            .collect::<Vec<_>>();
        let made = Observer::new(
            &track,
            &[0.0, IN_VIEW, WHOLLY, 1.0],
            targets,
            move |entries: js_sys::Array| {
                let seen: Vec<(usize, f64)> = entries
                    .iter()
                    .filter_map(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok())
                    .filter_map(|entry| {
                        let index = entry.target().get_attribute("data-index")?.parse().ok()?;
                        let ratio = if entry.is_intersecting() {
                            entry.intersection_ratio()
                        } else {
                            0.0
                        };
                        Some((index, ratio))
                    })
                    .collect();
                _ = ratios.try_update(|r| {
                    for (index, ratio) in seen {
                        if let Some(slot) = r.get_mut(index) {
                            *slot = ratio;
                        }
                    }
                });
                _ = observed.try_set(true);
            },
        );
        observer.set_value(made);
    });

    // Images load for slides near the view, and stay loaded. After the first view, only once the
    // view has held still for a moment: a smooth scroll across the whole track (autoplay wrapping
    // back to the start) must not load every photo on its way.
    let loaded: Vec<RwSignal<bool>> = (0..count).map(|_| RwSignal::new(false)).collect();
    let settle = StoredValue::new_local(None::<Timeout>);
    {
        let loaded = StoredValue::new(loaded.clone());
        let mark = move |view: InView| {
            loaded.with_value(|loaded| {
                for (i, slot) in loaded.iter().enumerate() {
                    if view.near(i) && !slot.get_untracked() {
                        slot.set(true);
                    }
                }
            });
        };
        Effect::new(move |first_run: Option<()>| {
            let view = in_view.get();
            if first_run.is_none() {
                mark(view);
            } else {
                settle.set_value(Timeout::new(SETTLE_MS, move || mark(view)));
            }
        });
    }

    // Roving focus: Tab enters at the slide in view; arrows, Home and End move between slides.
    let focused = RwSignal::new(0usize);
    let focus_inside = RwSignal::new(false);
    Effect::new(move |_| {
        let first = in_view.get().first;
        // Unless a slide has focus, Tab enters where the banner now is.
        if !track_ref
            .get_untracked()
            .is_some_and(|t| focus_in_track(&t))
        {
            focused.set(first);
        }
    });

    // The live region speaks only after a move the user asked for (buttons, dots), and says where
    // the move lands rather than each step of a smooth scroll.
    let announcement = RwSignal::new(String::new());
    let user_move = move |target: Option<usize>| {
        if let (Some(target), Some(track)) = (target, track_ref.get_untracked()) {
            let landing = in_view.get_untracked().landing(target);
            announcement.set(Msg::Showing(landing.first, landing.last, landing.count).text(lang));
            scroll_to(&track, target);
        }
    };

    let open = RwSignal::new(None::<usize>);

    // Autoplay: what it depends on, and one timer at a time.
    let hovered = RwSignal::new(false);
    let hidden = RwSignal::new(
        web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden()),
    );
    let paused = RwSignal::new(false);
    let reduced_query = web_sys::window().and_then(|w| {
        w.match_media("(prefers-reduced-motion: reduce)")
            .ok()
            .flatten()
    });
    let reduced = RwSignal::new(reduced_query.as_ref().is_some_and(|q| q.matches()));
    let listeners = StoredValue::new_local(Vec::<Listener>::new());
    // Always listened to: `autoplay` may be set after the banner is shown.
    {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let doc = document.clone();
            let listener = Listener::new(&document, "visibilitychange", move |_| {
                _ = hidden.try_set(doc.hidden());
            });
            listeners.update_value(|l| l.extend(listener));
        }
        if let Some(query) = reduced_query.clone() {
            let q = query.clone();
            let listener = Listener::new(&query, "change", move |_| {
                _ = reduced.try_set(q.matches());
            });
            listeners.update_value(|l| l.extend(listener));
        }
    }
    let autoplay = Memo::new(move |_| Autoplay {
        interval_ms: autoplay_ms.get(),
        reduced_motion: reduced.get(),
        hovered: hovered.get(),
        focused: focus_inside.get(),
        hidden: hidden.get(),
        paused_by_user: paused.get(),
        buying: open.with(Option::is_some),
    });
    let timer = StoredValue::new_local(None::<Timeout>);
    Effect::new(move |_| {
        let view = in_view.get();
        let running = autoplay.get().running();
        timer.set_value(None);
        if let Some(ms) = running {
            let next = view.advance();
            let fire = move || {
                if let Some(track) = track_ref.get_untracked() {
                    scroll_to(&track, next);
                }
            };
            timer.set_value(Timeout::new(i32::try_from(ms).unwrap_or(i32::MAX), fire));
        }
    });

    // The buy panel (action="buy"): which slide opened it (declared above).
    let host_state = StoredValue::new_local(host.clone());
    let refocus = StoredValue::new_local(None::<Timeout>);
    let close_panel = move || {
        if let Some(index) = open.get_untracked() {
            open.set(None);
            // The panel's checkout set the banner's state while it ran.
            host_state.with_value(|host| _ = host.set_attribute("data-state", "ready"));
            focused.set(index);
            // After the panel is gone: a canceled sheet first gives focus to its own Buy button.
            let back = move || {
                if let Some(track) = track_ref.get_untracked() {
                    focus_slide(&track, index);
                }
            };
            refocus.set_value(Timeout::new(0, back));
        }
    };

    let on_key = move |event: web_sys::KeyboardEvent| {
        // Alt+Arrow is the browser's Back, Ctrl+Home the page's top: not ours.
        if event.alt_key() || event.ctrl_key() || event.meta_key() || event.shift_key() {
            return;
        }
        let Some(track) = track_ref.get_untracked() else {
            return;
        };
        let Some(target) = key_target(&event.key(), focused.get_untracked(), count, is_rtl(&track))
        else {
            return;
        };
        event.prevent_default();
        focused.set(target);
        focus_slide(&track, target);
    };
    let on_focus_in = move |event: web_sys::FocusEvent| {
        // The rotation control is the one place focus does not stop autoplay: it is how the
        // user starts it again.
        let target = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let on_rotation = target
            .as_ref()
            .is_some_and(|t| t.class_list().contains("rotation"));
        focus_inside.set(!on_rotation);
        // A slide focused by pointer or Tab becomes the arrows' starting point.
        if let Some(index) = target
            .and_then(|t| t.closest(".slide").ok().flatten())
            .and_then(|slide| slide.get_attribute("data-index"))
            .and_then(|i| i.parse::<usize>().ok())
        {
            focused.set(index);
        }
    };
    let on_focus_out = move |event: web_sys::FocusEvent| {
        let section = event
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        let next = event
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        let still_inside = match (section, next) {
            (Some(section), Some(next)) => section.contains(Some(&next)),
            _ => false,
        };
        if !still_inside {
            focus_inside.set(false);
        }
    };

    let host_for_slides = host.clone();
    let slide_views = slides
        .iter()
        .cloned()
        .enumerate()
        .map(|(index, model)| {
            let host = host_for_slides.clone();
            let loaded = loaded[index];
            let product_id = model.product_id.clone();
            let select = move || {
                emit(
                    &host,
                    "buycard:select",
                    &[
                        ("product_id", product_id.as_str().into()),
                        ("index", (index as f64).into()),
                    ],
                );
            };
            let buyable =
                backend.is_some() && model.price.is_some() && model.availability.is_buyable();
            view! {
                <Slide
                    model
                    index
                    count
                    locale=locale.clone()
                    action
                    buyable
                    loaded
                    tabindex=Signal::derive(move || if focused.get() == index { 0 } else { -1 })
                    on_select=Callback::new(move |()| {
                        select();
                        // A second tap on the open slide must not start a second checkout.
                        if action == Action::Buy && open.get_untracked() != Some(index) {
                            open.set(Some(index));
                        }
                    })
                />
            }
        })
        .collect_view();

    // The buy panel names the product the slide showed.
    let names: Vec<(String, String)> = slides
        .iter()
        .map(|s| (s.product_id.clone(), s.title.clone()))
        .collect();
    let panel = move || {
        let (product_id, title) = names.get(open.get()?)?.clone();
        Some(view! {
            <BuyPanel
                catalog
                product_id
                title
                locale=locale.clone()
                backend=backend.clone()
                host=host.clone()
                on_close=Callback::new(move |()| close_panel())
            />
        })
    };

    // Previous and next: where each goes from the current view, unavailable at its end.
    let step = move |class: &'static str,
                     label: Msg,
                     glyph: &'static str,
                     to: fn(&InView) -> Option<usize>| {
        view! {
            <button
                type="button"
                class=class
                aria-controls="slides"
                aria-label=label.text(lang)
                aria-disabled=move || in_view.with(|v| to(v).is_none()).to_string()
                on:click=move |_| user_move(to(&in_view.get_untracked()))
            >
                <span aria-hidden="true">{glyph}</span>
            </button>
        }
    };
    let no_dots = !shows_dots(count);
    let dots = shows_dots(count).then(|| {
        (0..count)
            .map(|i| {
                view! {
                    <button
                        type="button"
                        class="dot"
                        aria-label=Msg::ShowSlide(i + 1).text(lang)
                        aria-current=move || {
                            in_view.with(|v| (v.first..=v.last).contains(&i)).then_some("true")
                        }
                        on:click=move |_| user_move(Some(i))
                    ></button>
                }
            })
            .collect_view()
    });

    // Pointer and focus anywhere in the banner, buy panel included, hold autoplay.
    view! {
        <div
            class="banner"
            on:mouseenter=move |_| hovered.set(true)
            on:mouseleave=move |_| hovered.set(false)
            on:focusin=on_focus_in
            on:focusout=on_focus_out
        >
        <div class="frame">
            // The banner's name, visible: a reader sees what the row of photos is.
            <h2 class="heading">{heading}</h2>
            <div class="controls">
                <Show when=move || autoplay.with(Autoplay::available)>
                    <button
                        type="button"
                        class="rotation"
                        aria-label=move || {
                            if paused.get() {
                                Msg::PlaySlideShow.text(lang)
                            } else {
                                Msg::PauseSlideShow.text(lang)
                            }
                        }
                        on:click=move |_| paused.update(|p| *p = !*p)
                    >
                        <span aria-hidden="true">{move || if paused.get() { "▶" } else { "❚❚" }}</span>
                    </button>
                </Show>
                {step("previous", Msg::PreviousSlides, "‹", InView::previous)}
                // The banner's own words are English or French: left to right even on a
                // right-to-left page ("3–4 of 6", not "of 6 4–3").
                <p class="position" aria-hidden="true" dir="ltr">
                    {move || {
                        let p = in_view.get().position();
                        Msg::Showing(p.first, p.last, p.count).text(lang)
                    }}
                </p>
                {step("next", Msg::NextSlides, "›", InView::next)}
            </div>
            <div class="track" id="slides" node_ref=track_ref on:keydown=on_key>
                {slide_views}
            </div>
            // With many slides there are no dots, but the row keeps its height (the loading
            // skeleton has it too, so nothing moves when the slides arrive).
            <div class="dots" aria-hidden=no_dots.then_some("true")>{dots}</div>
            <p class="sr-only" aria-live=move || autoplay.with(Autoplay::live) aria-atomic="true">
                {announcement}
            </p>
        </div>
        {panel}
        </div>
    }
}

#[component]
fn Slide(
    model: CardModel,
    index: usize,
    count: usize,
    locale: Locale,
    action: Action,
    buyable: bool,
    loaded: RwSignal<bool>,
    tabindex: Signal<i32>,
    on_select: Callback<()>,
) -> impl IntoView {
    let lang = locale.lang;
    let title = model.title.clone();
    let media = match model.image.clone() {
        Some(image) => view! {
            <span class="media">
                <Photo image title=title.clone() lang load=loaded />
            </span>
        }
        .into_any(),
        None => view! {
            <span class="media placeholder" role="img" aria-label=Msg::ImageUnavailable.text(lang)>
                <span aria-hidden="true">{title.clone()}</span>
            </span>
        }
        .into_any(),
    };
    let price = match model.price {
        Some(price) => format_money(locale.tag(), price),
        None => Msg::PriceUnavailable.text(lang),
    };
    let badge = match model.availability {
        Availability::OutOfStock | Availability::Discontinued => Some(("soldout", Msg::SoldOut)),
        Availability::Preorder => Some(("preorder", Msg::PreOrder)),
        _ => None,
    }
    .map(|(kind, msg)| view! { <span class="badge" data-badge=kind>{msg.text(lang)}</span> });
    let buy_word = if model.availability == Availability::Preorder {
        Msg::PreOrder
    } else {
        Msg::Buy
    };
    let text = view! {
        // A title in another script than the page reads in its own direction, aligned with the page.
        <span class="slide-title">
            <bdi>{title}</bdi>
        </span>
        <span class="slide-price">{price}</span>
        {badge}
    };
    let main = match (action, model.url.clone(), buyable) {
        (Action::Buy, _, true) => view! {
            <button
                type="button"
                class="slide-main"
                tabindex=move || tabindex.get()
                on:click=move |_| on_select.run(())
            >
                {media}
                {text}
                <span class="chip" aria-hidden="true">{buy_word.text(lang)}</span>
                <span class="sr-only">", " {buy_word.text(lang)}</span>
            </button>
        }
        .into_any(),
        (Action::Link, Some(url), _) => view! {
            <a
                class="slide-main"
                href=url
                target="_blank"
                rel="noopener noreferrer"
                tabindex=move || tabindex.get()
                on:click=move |_| on_select.run(())
            >
                {media}
                {text}
                <span class="sr-only">" " {Msg::OpensInNewTab.text(lang)}</span>
            </a>
        }
        .into_any(),
        _ => view! {
            <span class="slide-main" tabindex=move || tabindex.get()>
                {media}
                {text}
            </span>
        }
        .into_any(),
    };
    view! {
        <div
            class="slide"
            role="group"
            aria-roledescription=Msg::SlideRole.text(lang)
            aria-label=Msg::SlideOf(index + 1, count).text(lang)
            data-index=index
            data-product=model.product_id.clone()
        >
            {main}
        </div>
    }
}

/// The buy card for one product, inside the banner: the slide tap was the Buy tap, so the
/// checkout opens at once; Close (or Escape outside the sheet) returns to the slide.
#[component]
fn BuyPanel(
    catalog: StoredValue<Rc<Catalog>, LocalStorage>,
    product_id: String,
    title: String,
    locale: Locale,
    backend: Option<Backend>,
    host: HtmlElement,
    on_close: Callback<()>,
) -> impl IntoView {
    let lang = locale.lang;
    let chosen: RwSignal<Option<String>> = RwSignal::new(None);
    let started = StoredValue::new(false);
    let body = move || {
        let variant = chosen.get();
        let model = catalog
            .with_value(|c| CardModel::from_catalog(c, &product_id, variant.as_deref()))
            .ok()?;
        // Only the first rendering starts the checkout; choosing another variant does not.
        let autostart = !started.get_value();
        started.set_value(true);
        Some(view! {
            <ProductView
                model
                locale=locale.clone()
                backend=backend.clone()
                host=host.clone()
                chosen
                quantity=1
                autostart
            />
        })
    };
    let on_key = move |event: web_sys::KeyboardEvent| {
        // The sheet handles its own Escape (cancel); a second Escape closes the panel.
        if event.key() == "Escape" && !event.default_prevented() {
            event.prevent_default();
            on_close.run(());
        }
    };
    let panel_ref = NodeRef::<leptos::html::Div>::new();
    // Closing the panel with a checkout open cancels it first, as the sheet's own Cancel would,
    // so the merchant is not left with a session nobody will finish.
    let close = move |_| {
        if let Some(cancel) = panel_ref
            .get_untracked()
            .and_then(|panel| panel.query_selector(".sheet button.cancel").ok().flatten())
            .and_then(|b| b.dyn_into::<HtmlElement>().ok())
        {
            cancel.click();
        }
        on_close.run(());
    };
    view! {
        <div class="panel" role="group" aria-label=title on:keydown=on_key node_ref=panel_ref>
            <button type="button" class="close" aria-label=Msg::Close.text(lang) on:click=close>
                <span aria-hidden="true">"×"</span>
            </button>
            <article class="card">{body}</article>
        </div>
    }
}
