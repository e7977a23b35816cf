//! The cart's views: a card's "Add to cart" (with its Undo and "In your cart (n)"), and
//! `<buy-cart>`: a badge with the count and a panel (a modal `<dialog>`, like the card's sheet)
//! listing the lines by shop. Both read and change the page-wide cart in `web::cart_store`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::cart_pay::{self, Pay};
use super::cart_store;
use super::element::attributes;
use super::intl::format_money;
use super::source;
use super::track::{self, Timeout};
use crate::core::cart::{Cart, Estimate, Group, LineKey, LineNotice, UNDO_WINDOW_MS, UndoTicket};
use crate::core::cart_checkout::Stage;
use crate::core::i18n::{Lang, Locale, Msg};
use crate::core::money::Money;
use crate::core::url::endpoint_base;

/// Whether `cart` (the attribute) lets a card offer "Add to cart": `off` never, any other value
/// always, absent when the page has a cart.
pub(super) fn offered(attribute: Option<String>, page_has_cart: bool) -> bool {
    match attribute.as_deref().map(str::trim) {
        Some(value) if value.eq_ignore_ascii_case("off") => false,
        Some(_) => true,
        None => page_has_cart,
    }
}

/// Focuses `el` if it is still in the page.
fn focus(el: Option<impl Into<HtmlElement>>) {
    if let Some(el) = el {
        _ = el.into().focus();
    }
}

/// Whether `el` has the focus within its shadow root.
fn has_focus(el: &web_sys::Element) -> bool {
    el.get_root_node()
        .dyn_into::<web_sys::ShadowRoot>()
        .ok()
        .and_then(|root| root.active_element())
        .is_some_and(|active| &active == el)
}

/// A card's "Add to cart": beside Buy, instant, undoable for [`UNDO_WINDOW_MS`], announced.
#[component]
pub(super) fn AddToCart(
    key: LineKey,
    estimate: Estimate,
    quantity: u32,
    lang: Lang,
) -> impl IntoView {
    let cart = cart_store::cart();
    let in_cart = {
        let key = key.clone();
        Memo::new(move |_| cart.with(|c| c.quantity_of(&key)))
    };
    let undo: RwSignal<Option<UndoTicket>> = RwSignal::new(None);
    let problem: RwSignal<Option<Msg>> = RwSignal::new(None);
    // The live region's words; each add's differ (they give the count), so each is read out.
    let said = RwSignal::new(String::new());
    let timer = StoredValue::new_local(None::<Timeout>);
    let add_button = NodeRef::<leptos::html::Button>::new();
    let undo_button = NodeRef::<leptos::html::Button>::new();

    let add_key = key.clone();
    let on_add = move |_| match cart_store::add(add_key.clone(), estimate.clone(), quantity) {
        Ok(added) => {
            let ticket = added.undo;
            problem.set(None);
            undo.set(Some(ticket));
            let count = in_cart.get_untracked().max(added.quantity).to_string();
            said.set(format!(
                "{} {}",
                Msg::AddedToCart.text(lang),
                Msg::InYourCart.fill(lang, &[&count])
            ));
            let window = i32::try_from(UNDO_WINDOW_MS).unwrap_or(i32::MAX);
            let expire = Timeout::new(window, move || {
                cart_store::expire_undo(ticket);
                if undo.get_untracked() == Some(ticket) {
                    let focused = undo_button.get_untracked().is_some_and(|b| has_focus(&b));
                    undo.set(None);
                    if focused {
                        focus(add_button.get_untracked());
                    }
                }
            });
            // The previous add's timer goes (dropping it clears it).
            timer.set_value(expire);
        }
        Err(error) => {
            undo.set(None);
            problem.set(Some(error.message()));
            said.set(error.message().text(lang));
        }
    };
    let on_undo = move |_| {
        let Some(ticket) = undo.get_untracked() else {
            return;
        };
        undo.set(None);
        timer.set_value(None);
        match cart_store::undo(ticket, &key) {
            Ok(()) => said.set(Msg::Removed.text(lang)),
            Err(error) => {
                problem.set(Some(error.message()));
                said.set(error.message().text(lang));
            }
        }
        // The Undo button is gone: focus goes back to the button it undid.
        focus(add_button.get_untracked());
    };
    // A line that left the cart (paid, removed in the panel) has nothing left to undo.
    Effect::new(move |_| {
        if in_cart.get() == 0 && undo.get_untracked().is_some() {
            let focused = undo_button.get_untracked().is_some_and(|b| has_focus(&b));
            undo.set(None);
            timer.set_value(None);
            if focused {
                focus(add_button.get_untracked());
            }
        }
    });
    let toast = move || {
        let on_undo = on_undo.clone();
        undo.get().map(|_| {
            view! {
                <p class="toast">
                    <span>{Msg::AddedToCart.text(lang)}</span>
                    " "
                    <button type="button" class="undo" node_ref=undo_button on:click=on_undo>
                        {Msg::Undo.text(lang)}
                    </button>
                </p>
            }
        })
    };
    let problem_view = move || {
        problem
            .get()
            .map(|msg| view! { <p class="cart-problem">{msg.text(lang)}</p> })
    };
    let in_cart_view = move || {
        let n = in_cart.get();
        (n > 0).then(|| {
            view! { <p class="in-cart">{Msg::InYourCart.fill(lang, &[&n.to_string()])}</p> }
        })
    };
    view! {
        <div class="cart-offer">
            // An icon beside Buy, named for screen readers and on hover: on a phone the card's
            // text column has room for Buy and a 44 px button in one row, so adding the cart
            // changes no card's height (the hosts' reserved heights stay true).
            <button
                type="button"
                class="add-to-cart"
                part="add-to-cart"
                node_ref=add_button
                on:click=on_add
                title=Msg::AddToCart.text(lang)
            >
                <svg class="cart-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                    <path
                        d="M3 4h2l2.4 10.2a1.5 1.5 0 0 0 1.5 1.1h8.4a1.5 1.5 0 0 0 1.4-1l2-6.3H6.3M13 5v5M10.5 7.5h5"
                        fill="none"
                        stroke="currentColor"
                        stroke-width="1.8"
                        stroke-linecap="round"
                        stroke-linejoin="round"
                    />
                    <circle cx="9.5" cy="19.5" r="1.5" fill="currentColor" />
                    <circle cx="17" cy="19.5" r="1.5" fill="currentColor" />
                </svg>
                <span class="sr-only">{Msg::AddToCart.text(lang)}</span>
            </button>
            {toast}
            {problem_view}
            {in_cart_view}
            <p class="sr-only" role="status" aria-live="polite">{said}</p>
        </div>
    }
}

attributes! {
    /// `<buy-cart>`'s attributes.
    pub struct CartAttrs {
        locale = "locale",
        /// The host site's wallet API: a signed-in buyer's cart is kept by the platform.
        wallet = "wallet",
    }
}

/// `<buy-cart>`: the badge and the panel.
#[component]
pub fn BuyCart(attrs: CartAttrs, host: HtmlElement, page_lang: Vec<String>) -> impl IntoView {
    track::view_alive(true);
    on_cleanup(|| track::view_alive(false));
    let locale = source::locale(attrs.locale, page_lang);
    // The host's data-state follows the checkout ("ready" while it shows the lines).
    let pay = Pay::new(host.clone(), &locale.get_untracked());
    Effect::new(move |_| _ = host.set_attribute("data-state", pay.stage().as_str()));
    cart_store::mark_present();
    Effect::new(move |_| cart_store::set_wallet(attrs.wallet.get().as_deref()));

    let lang = Memo::new(move |_| locale.with(|l| l.lang));
    let cart = cart_store::cart();
    let notice = cart_store::load_notice();
    let count = Memo::new(move |_| cart.with(Cart::count));
    let empty = Memo::new(move |_| cart.with(Cart::is_empty));
    let open = RwSignal::new(false);
    let said = RwSignal::new(String::new());
    let badge = NodeRef::<leptos::html::Button>::new();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let heading = NodeRef::<leptos::html::H2>::new();
    let bank_title = NodeRef::<leptos::html::H3>::new();
    // The host's wallet: a signed-in buyer's saved details pay the whole cart in two taps.
    let wallet = Memo::new(move |_| {
        attrs
            .wallet
            .get()
            .and_then(|w| endpoint_base(&w).map(str::to_owned))
    });
    let checking_out = Memo::new(move |_| pay.stage() != Stage::Idle);
    // What the checkout shows: focus goes to its heading (the bank's, for its step; the first
    // field, for the details step) on each change while the panel is open.
    let screen = Memo::new(move |_| (pay.stage().as_str(), cart_pay::authenticating(pay)));
    Effect::new(move |previous: Option<(&'static str, bool)>| {
        let now = screen.get();
        if previous.is_some_and(|p| p != now) && open.get_untracked() {
            if now.1 {
                focus(bank_title.get_untracked());
            } else if now.0 == Stage::Details.as_str() {
                // Once the step is drawn.
                request_animation_frame(move || {
                    let field = dialog
                        .get_untracked()
                        .and_then(|d| d.query_selector(".new-buyer select, .new-buyer input").ok())
                        .flatten();
                    focus(field.and_then(|f| f.dyn_into::<HtmlElement>().ok()));
                });
            } else {
                focus(heading.get_untracked());
            }
        }
        now
    });

    // The dialog follows `open`: focus to its heading when it opens, back to the badge when it
    // closes. Opening checks the lines against the platform's estimates or the feeds (sold out,
    // new prices).
    Effect::new(move |previous: Option<bool>| {
        let now = open.get();
        if previous.unwrap_or(false) == now {
            return now;
        }
        let Some(dialog) = dialog.get() else {
            return previous.unwrap_or(false);
        };
        if now {
            if !dialog.open() {
                _ = dialog.show_modal();
            }
            focus(heading.get());
            leptos::task::spawn_local(async {
                let fresh = cart_store::fresh().await;
                cart_store::reconcile(&fresh);
            });
        } else {
            dialog.close();
            focus(badge.get());
        }
        now
    });

    // A checkout this tab left mid-way (a reload while paying, or before the report was
    // closed) is picked up once, and the panel opens on it.
    Effect::new(move |_| {
        let wallet = wallet.get_untracked();
        if pay.resume(&cart.get_untracked(), wallet) {
            open.set(true);
        }
    });

    // Closing ends a checkout, but not while a payment's outcome is unknown: then it is refused.
    let close_panel = move || {
        if pay.close() {
            open.set(false);
        }
    };
    let on_key = move |event: web_sys::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            close_panel();
        }
    };
    let on_cancel = move |event: web_sys::Event| {
        event.prevent_default();
        close_panel();
    };
    // The browser closed it anyway (the back gesture): the panel follows, unless a payment is
    // in doubt, when it opens again.
    let on_close = move |_| {
        if pay.close() {
            open.set(false);
        } else if let Some(dialog) = dialog.get_untracked() {
            _ = dialog.show_modal();
        }
    };
    // A tap on the backdrop (outside the panel's box) closes it.
    let on_click = move |event: web_sys::MouseEvent| {
        let Some(dialog) = dialog.get_untracked() else {
            return;
        };
        let on_dialog = event
            .target()
            .is_some_and(|t| t.dyn_ref::<web_sys::Element>() == Some(dialog.as_ref()));
        if on_dialog {
            let rect = dialog.get_bounding_client_rect();
            let (x, y) = (f64::from(event.client_x()), f64::from(event.client_y()));
            let inside =
                x >= rect.left() && x <= rect.right() && y >= rect.top() && y <= rect.bottom();
            if !inside {
                close_panel();
            }
        }
    };

    let host_toast = host_added_toast(lang, badge);

    // After a removal the focused button is gone: focus goes to the heading, and it is said.
    let removed = Callback::new(move |()| {
        said.set(Msg::Removed.text(lang.get_untracked()));
        focus(heading.get_untracked());
    });
    let stepped = Callback::new(move |quantity: u32| {
        let lang = lang.get_untracked();
        said.set(format!("{}: {quantity}", Msg::Quantity.text(lang)));
    });

    let groups = move || {
        cart.with(|c| {
            c.groups()
                .iter()
                .map(|g| g.endpoint.to_owned())
                .collect::<Vec<_>>()
        })
    };
    let notice_view = move || {
        let lang = lang.get();
        notice
            .get()
            .and_then(|n| n.message())
            .map(|msg| view! { <p class="notice" role="status">{msg.text(lang)}</p> })
    };
    // Check out: every shop in one confirmation, whoever the buyer is.
    let check_out = move |lang: Lang| {
        view! {
            <div class="actions">
                <button
                    type="button"
                    class="checkout primary"
                    part="primary"
                    on:click=move |_| pay.start(&cart.get_untracked(), wallet.get_untracked())
                >
                    {Msg::CheckOut.text(lang)}
                </button>
            </div>
        }
    };
    let checkout_view = move || cart_pay::body(pay, locale.get(), bank_title);
    // With several shops, what they come to together (one amount per currency, never added).
    let overall = move || {
        let (shops, totals) = cart.with(|c| (c.groups().len(), c.totals()));
        let totals = totals.ok().filter(|t| shops > 1 && !t.is_empty())?;
        let locale = locale.get();
        Some(view! {
            <p class="cart-total">
                <span>{Msg::EstimatedTotal.text(locale.lang)}</span>
                <span class="amount">{amounts(&locale, &totals)}</span>
            </p>
        })
    };
    let body = move || {
        let lang = lang.get();
        if checking_out.get() {
            return checkout_view.into_any();
        }
        if empty.get() {
            return view! { <p class="cart-empty">{Msg::CartEmpty.text(lang)}</p> }.into_any();
        }
        view! {
            <For each=groups key=|endpoint| endpoint.clone() let:endpoint>
                <ShopGroup endpoint locale removed stepped />
            </For>
            {overall}
            <p class="estimates-note">{Msg::EstimatesUntilCheckout.text(lang)}</p>
            {check_out(lang)}
        }
        .into_any()
    };

    view! {
        <div class="cart-root">
            <button
                type="button"
                class="cart-badge"
                part="badge"
                node_ref=badge
                aria-haspopup="dialog"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.set(true)
            >
                // The name is text, not aria-label: the visible count is part of what is said.
                <span class="sr-only badge-name">
                    {move || Msg::CartItems(count.get() as usize).text(lang.get())}
                </span>
                <svg class="cart-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                    <path
                        d="M3 4h2l2.4 10.2a1.5 1.5 0 0 0 1.5 1.1h8.4a1.5 1.5 0 0 0 1.4-1l2-6.3H6.3"
                        fill="none"
                        stroke="currentColor"
                        stroke-width="1.8"
                        stroke-linecap="round"
                        stroke-linejoin="round"
                    />
                    <circle cx="9.5" cy="19.5" r="1.5" fill="currentColor" />
                    <circle cx="17" cy="19.5" r="1.5" fill="currentColor" />
                </svg>
                <span class="count" aria-hidden="true" data-count=move || count.get()>{count}</span>
            </button>
            {host_toast}
            <dialog
                class="sheet cart-panel"
                part="sheet"
                node_ref=dialog
                aria-labelledby="buycard-cart-title"
                on:keydown=on_key
                on:cancel=on_cancel
                on:close=on_close
                on:click=on_click
            >
                <div class="panel-head">
                    <h2 id="buycard-cart-title" class="sheet-title" tabindex="-1" node_ref=heading>
                        {move || cart_pay::title(pay, lang.get())}
                    </h2>
                    <button
                        type="button"
                        class="close"
                        aria-label=move || Msg::Close.text(lang.get())
                        aria-disabled=move || (!pay.can_close()).to_string()
                        on:click=move |_| close_panel()
                    >
                        <span aria-hidden="true">"×"</span>
                    </button>
                </div>
                {notice_view}
                {move || open.get().then(body)}
                <p class="sr-only" role="status" aria-live="polite">{said}</p>
                <p class="sr-only" role="status" aria-live="polite">
                    {move || cart_pay::status(pay, lang.get())}
                </p>
            </dialog>
        </div>
    }
}

/// The host API's adds (a "#cart" reply, a host's own button), beside the badge: said, with
/// Undo for [`UNDO_WINDOW_MS`], as a card's own add is. Gone early if the line leaves the cart.
fn host_added_toast(
    lang: Memo<Lang>,
    badge: NodeRef<leptos::html::Button>,
) -> impl IntoView + use<> {
    let added = cart_store::host_added();
    let cart = cart_store::cart();
    let said = RwSignal::new(String::new());
    let timer = StoredValue::new_local(None::<Timeout>);
    let undo_button = NodeRef::<leptos::html::Button>::new();
    let dismiss = move || {
        let focused = undo_button.get_untracked().is_some_and(|b| has_focus(&b));
        added.set(None);
        timer.set_value(None);
        if focused {
            focus(badge.get_untracked());
        }
    };
    Effect::new(move |_| {
        let Some(now) = added.get() else { return };
        let lang = lang.get_untracked();
        said.set(format!(
            "{} {}",
            Msg::AddedNamed.fill(lang, &[&now.title]),
            Msg::InYourCart.fill(lang, &[&now.quantity.to_string()])
        ));
        let ticket = now.undo;
        let window = i32::try_from(UNDO_WINDOW_MS).unwrap_or(i32::MAX);
        timer.set_value(Timeout::new(window, move || {
            cart_store::expire_undo(ticket);
            if added.get_untracked().is_some_and(|a| a.undo == ticket) {
                dismiss();
            }
        }));
    });
    Effect::new(move |_| {
        let gone = added.with(|a| {
            a.as_ref()
                .is_some_and(|a| cart.with(|c| c.quantity_of(&a.key)) == 0)
        });
        if gone {
            dismiss();
        }
    });
    let on_undo = move |_| {
        let Some(now) = added.get_untracked() else {
            return;
        };
        let lang = lang.get_untracked();
        match cart_store::undo(now.undo, &now.key) {
            Ok(()) => said.set(Msg::Removed.text(lang)),
            Err(error) => said.set(error.message().text(lang)),
        }
        dismiss();
    };
    let toast = move || {
        added.get().map(|now| {
            let lang = lang.get();
            view! {
                <p class="toast cart-toast">
                    <span>{Msg::AddedNamed.fill(lang, &[&now.title])}</span>
                    " "
                    <button type="button" class="undo" node_ref=undo_button on:click=on_undo>
                        {Msg::Undo.text(lang)}
                    </button>
                </p>
            }
        })
    };
    view! {
        {toast}
        <p class="sr-only" role="status" aria-live="polite">{said}</p>
    }
}

/// Amounts in several currencies are listed, never added.
fn amounts(locale: &Locale, amounts: &[Money]) -> String {
    amounts
        .iter()
        .map(|m| format_money(locale.tag(), *m))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// One shop's lines and its estimated subtotal.
#[component]
fn ShopGroup(
    endpoint: String,
    locale: Memo<Locale>,
    removed: Callback<()>,
    stepped: Callback<u32>,
) -> impl IntoView {
    let cart = cart_store::cart();
    let lang = Memo::new(move |_| locale.with(|l| l.lang));
    let shop = endpoint.clone();
    let in_group = move |f: &dyn Fn(&Group<'_>) -> String| {
        cart.with(|c| {
            c.groups()
                .iter()
                .find(|g| g.endpoint == shop)
                .map(f)
                .unwrap_or_default()
        })
    };
    let in_group = StoredValue::new_local(in_group);
    let name = Memo::new(move |_| {
        in_group.with_value(|f| f(&|g| g.seller().unwrap_or(g.endpoint).to_owned()))
    });
    let shop = endpoint.clone();
    let keys = move || {
        cart.with(|c| {
            c.lines()
                .iter()
                .filter(|l| l.key().endpoint() == shop)
                .map(|l| l.key().clone())
                .collect::<Vec<_>>()
        })
    };
    let subtotal = move || {
        let locale = locale.get();
        in_group.with_value(|f| {
            f(&|g| {
                g.subtotals()
                    .map(|sums| amounts(&locale, &sums))
                    .unwrap_or_default()
            })
        })
    };
    view! {
        <section class="cart-group" aria-label=name>
            <h3 class="shop">{name}</h3>
            <ul class="cart-lines">
                <For each=keys key=|key| key.clone() let:key>
                    <CartLine key locale removed stepped />
                </For>
            </ul>
            <p class="group-subtotal">
                <span>{move || Msg::EstimatedSubtotal.text(lang.get())}</span>
                <span class="amount">{subtotal}</span>
            </p>
        </section>
    }
}

/// One line: photo, title, variant, what changed, the stepper, Remove.
#[component]
fn CartLine(
    key: LineKey,
    locale: Memo<Locale>,
    removed: Callback<()>,
    stepped: Callback<u32>,
) -> impl IntoView {
    let cart = cart_store::cart();
    let line = {
        let key = key.clone();
        Memo::new(move |_| cart.with(|c| c.line(&key).cloned()))
    };
    let lang = Memo::new(move |_| locale.with(|l| l.lang));
    // What does not change while the line is shown is drawn once.
    let Some(first) = line.get_untracked() else {
        return ().into_any();
    };
    let title = first.estimate().title().to_owned();
    let name = title.clone();
    let thumb = match first.estimate().image() {
        Some(url) => {
            view! { <img class="thumb" src=url.to_owned() alt="" width="48" height="48" /> }
                .into_any()
        }
        None => view! { <span class="thumb" aria-hidden="true"></span> }.into_any(),
    };
    let variant = first
        .estimate()
        .variant_label()
        .map(|v| view! { <p class="line-variant">{v.to_owned()}</p> });
    let quantity = Memo::new(move |_| line.with(|l| l.as_ref().map_or(0, |l| l.quantity())));
    let limit = Memo::new(move |_| line.with(|l| l.as_ref().map_or(0, |l| l.estimate().limit())));
    let sold_out = Memo::new(move |_| line.with(|l| l.as_ref().is_some_and(|l| l.sold_out())));

    let step_key = key.clone();
    let step = move |delta: i64| {
        let now = i64::from(quantity.get_untracked());
        let to = u32::try_from(now + delta).unwrap_or(0);
        if to == 0 || to > limit.get_untracked() {
            return;
        }
        if let Ok(kept) = cart_store::set_quantity(&step_key, to) {
            stepped.run(kept);
        }
    };
    let step = StoredValue::new_local(step);
    let remove_key = key.clone();
    let remove = move |_| {
        cart_store::remove(std::slice::from_ref(&remove_key));
        removed.run(());
    };
    let notices = move || {
        let locale = locale.get();
        let lang = locale.lang;
        let notices = line.with(|l| l.as_ref().map(|l| l.notices().to_vec()).unwrap_or_default());
        notices
            .into_iter()
            .filter(|n| !matches!(n, LineNotice::SoldOut))
            .map(|notice| {
                let words = match notice {
                    LineNotice::PriceChanged { from, to } => Msg::PriceChangedFromTo.fill(
                        lang,
                        &[
                            &format_money(locale.tag(), from),
                            &format_money(locale.tag(), to),
                        ],
                    ),
                    LineNotice::QuantityReduced { to } => {
                        Msg::QuantityReducedTo.fill(lang, &[&to.to_string()])
                    }
                    LineNotice::SoldOut => String::new(),
                };
                view! { <p class="line-notice">{words}</p> }
            })
            .collect_view()
    };
    let subtotal = move || {
        let locale = locale.get();
        line.with(|l| {
            l.as_ref()
                .and_then(|l| l.subtotal().ok())
                .map(|m| format_money(locale.tag(), m))
        })
    };
    let controls = move || {
        let lang = lang.get();
        let title = name.clone();
        if sold_out.get() {
            let remove = remove.clone();
            return view! {
                <button type="button" class="remove sold-out" on:click=remove>
                    {Msg::SoldOutRemove.text(lang)}
                </button>
            }
            .into_any();
        }
        let remove = remove.clone();
        view! {
            <div class="stepper" role="group" aria-label=format!("{} — {}", Msg::Quantity.text(lang), title)>
                <button
                    type="button"
                    class="dec"
                    aria-label=Msg::DecreaseQuantity.text(lang)
                    aria-disabled=move || (quantity.get() <= 1).to_string()
                    on:click=move |_| step.with_value(|s| s(-1))
                >
                    <span aria-hidden="true">"−"</span>
                </button>
                <span class="qty">{quantity}</span>
                <button
                    type="button"
                    class="inc"
                    aria-label=Msg::IncreaseQuantity.text(lang)
                    aria-disabled=move || (quantity.get() >= limit.get()).to_string()
                    on:click=move |_| step.with_value(|s| s(1))
                >
                    <span aria-hidden="true">"+"</span>
                </button>
            </div>
            <button type="button" class="remove" on:click=remove>
                {Msg::Remove.text(lang)}
                <span class="sr-only">" " {title.clone()}</span>
            </button>
        }
        .into_any()
    };
    view! {
        <li class="cart-line" class:sold-out=sold_out>
            {thumb}
            <div class="line-text">
                <p class="line-title">{title}</p>
                {variant}
                {notices}
                <div class="line-controls">{controls}</div>
            </div>
            <p class="line-price">{subtotal}</p>
        </li>
    }
    .into_any()
}
