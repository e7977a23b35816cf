//! The Buy button and the sheet: renders `core::flow`'s stage and sends it events. Requests run
//! through `web::checkout`; timers are tracked and cleared when the card goes away.

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::HtmlElement;

use super::checkout::{Backend, run};
use super::details::{Form, details_sheet};
use super::intl::format_money;
use super::track::Timeout;
use crate::core::checkout::{Authentication, Session, ThreeDsDetails};
use crate::core::checkout_error::CheckoutError;
use crate::core::flow::{
    Effect as FlowEffect, Entropy, Event, Flow, HostEvent, Purchase, SavedBuyer, Stage,
};
use crate::core::i18n::{Locale, Msg};
use crate::core::money::{Currency, Money};
use crate::core::url::safe_http_url;

/// UUIDs for Idempotency-Keys, `Math.random()` for jitter.
struct BrowserEntropy;

impl Entropy for BrowserEntropy {
    fn key(&mut self) -> String {
        web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.random_uuid())
            .unwrap_or_else(|| format!("bc-{}", js_sys::Date::now()))
    }

    fn jitter(&mut self) -> f64 {
        js_sys::Math::random()
    }
}

/// Everything the dispatcher touches; `Copy`, so async tasks and timers can hold it. All of it
/// belongs to the card's reactive owner and goes away with the card.
#[derive(Clone, Copy)]
pub(super) struct Ctx {
    flow: StoredValue<Flow, LocalStorage>,
    stage: RwSignal<Stage>,
    pub(super) session: RwSignal<Option<Session>>,
    saved: RwSignal<Option<SavedBuyer>>,
    pub(super) notice: RwSignal<Option<CheckoutError>>,
    /// Whether the failure shown can be tried again (else the sheet offers only Cancel).
    can_retry: RwSignal<bool>,
    timers: StoredValue<Vec<Timeout>, LocalStorage>,
    backend: StoredValue<Backend>,
    host: StoredValue<HtmlElement, LocalStorage>,
}

/// Whether the flow is waiting for a request or a timer (a new intent would be ignored).
pub(super) fn waiting(ctx: Ctx) -> bool {
    ctx.flow.try_with_value(Flow::waiting).unwrap_or(true)
}

pub(super) fn dispatch(ctx: Ctx, event: Event) {
    let Some(effects) = ctx
        .flow
        .try_update_value(|flow| flow.handle(event, &mut BrowserEntropy))
    else {
        return; // The card was removed meanwhile.
    };
    ctx.flow.with_value(|flow| {
        ctx.can_retry.set(flow.can_retry());
        ctx.stage.set(flow.stage().clone());
        ctx.session.set(flow.session().cloned());
        ctx.saved.set(flow.saved_buyer().cloned());
        ctx.notice.set(flow.notice().cloned());
    });
    for effect in effects {
        match effect {
            FlowEffect::Send(request) => {
                let backend = ctx.backend.get_value();
                leptos::task::spawn_local(async move {
                    let outcome = run(&backend, &request).await;
                    dispatch(ctx, Event::Done(outcome));
                });
            }
            FlowEffect::StartTimer(timer, ms) => {
                let fire = move || dispatch(ctx, Event::Timer(timer));
                if let Some(timeout) = Timeout::new(i32::try_from(ms).unwrap_or(i32::MAX), fire) {
                    ctx.timers.update_value(|timers| timers.push(timeout));
                }
            }
            FlowEffect::Emit(event) => emit(ctx, event),
            FlowEffect::Challenge => {} // The sheet shows the challenge for Stage::Authenticating.
        }
    }
}

/// `buycard:*` events on the host element: they bubble and cross the shadow boundary.
fn emit(ctx: Ctx, event: HostEvent) {
    let (name, detail): (&str, Vec<(&str, JsValue)>) = match event {
        HostEvent::Checkout {
            session_id,
            total,
            currency,
        } => (
            "buycard:checkout",
            vec![
                ("checkout_session_id", session_id.into()),
                (
                    "total",
                    total.map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64)),
                ),
                ("currency", currency.into()),
            ],
        ),
        HostEvent::Order { order } => (
            "buycard:order",
            vec![
                ("order_id", order.id.into()),
                ("checkout_session_id", order.checkout_session_id.into()),
                ("permalink_url", order.permalink_url.into()),
            ],
        ),
        HostEvent::Cancel { session_id } => (
            "buycard:cancel",
            vec![(
                "checkout_session_id",
                session_id.map_or(JsValue::NULL, JsValue::from),
            )],
        ),
        HostEvent::Error(error) => (
            "buycard:error",
            vec![
                ("code", error.code().into()),
                ("message", error.text(crate::core::i18n::Lang::En).into()),
                ("retryable", error.retryable().into()),
            ],
        ),
    };
    ctx.host
        .with_value(|host| super::source::emit(host, name, &detail));
}

pub(super) fn money(locale: &Locale, session: &Session, minor: i64) -> String {
    match (
        Currency::parse(&session.currency.to_ascii_uppercase()),
        u64::try_from(minor),
    ) {
        (Ok(currency), Ok(minor)) => format_money(locale.tag(), Money::new(minor, currency)),
        _ => minor.to_string(),
    }
}

/// The session's lines and totals: what will be charged, as the merchant computed it.
pub(super) fn summary(
    locale: &Locale,
    session: &Session,
    shown_price: Option<i64>,
) -> impl IntoView + use<> {
    let lang = locale.lang;
    // The card showed the feed's price; the merchant's is authoritative. Say so if they differ.
    let changed = shown_price.filter(|shown| {
        session
            .lines
            .first()
            .and_then(|l| l.unit_amount)
            .is_some_and(|now| now != *shown)
    });
    let changed = changed.map(|_| view! { <p class="notice price-changed" role="status">{Msg::PriceChanged.text(lang)}</p> });
    let lines = session
        .lines
        .iter()
        .map(|line| {
            let ships = line
                .ships_on
                .as_deref()
                .and_then(|date| super::intl::format_date(locale.tag(), date))
                .map(|date| view! { <span class="ships">{Msg::ShipsFrom.text(lang)} " " {date}</span> });
            view! {
                <li>
                    <span>{line.title.clone()} " × " {line.quantity} {ships}</span>
                    <span>{money(locale, session, line.subtotal)}</span>
                </li>
            }
        })
        .collect_view();
    let row = |amount: Option<i64>, label: Msg, class: &'static str| {
        amount.map(|amount| {
            view! {
                <li class=class>
                    <span>{label.text(lang)}</span>
                    <span>{money(locale, session, amount)}</span>
                </li>
            }
        })
    };
    let totals = session.totals;
    view! {
        {changed}
        <ul class="lines">{lines}</ul>
        <ul class="totals">
            {row(totals.delivery, Msg::Delivery, "delivery")}
            {row(totals.tax, Msg::Tax, "tax")}
            {row(totals.total, Msg::Total, "total")}
        </ul>
    }
}

/// The Buy button and its sheet, for one purchase.
#[component]
pub fn BuyFlow(
    backend: Backend,
    purchase: Purchase,
    host: HtmlElement,
    locale: Locale,
    /// The unit price the card showed (minor units), to notice a change.
    shown_price: Option<i64>,
    /// Start buying as soon as it is shown: the tap that showed it (a banner's slide) was the Buy
    /// tap.
    #[prop(optional)]
    autostart: bool,
    /// Told when the merchant says the item sold out, so the card can say so too.
    on_sold_out: Callback<()>,
) -> impl IntoView {
    let has_wallet = backend.wallet.is_some();
    // What a new buyer types is kept per shop and item for this tab, until an order is placed.
    let draft_key = format!("buycard:details:{}:{}", backend.endpoint, purchase.item_id);
    let ctx = Ctx {
        flow: StoredValue::new_local(Flow::new(purchase, has_wallet)),
        stage: RwSignal::new(Stage::Idle),
        session: RwSignal::new(None),
        saved: RwSignal::new(None),
        notice: RwSignal::new(None),
        can_retry: RwSignal::new(false),
        timers: StoredValue::new_local(Vec::new()),
        backend: StoredValue::new(backend),
        host: StoredValue::new_local(host),
    };
    let lang = locale.lang;
    let placed = Memo::new(move |_| matches!(ctx.stage.get(), Stage::Placed(_)));
    let form = Form::new(&locale, draft_key, placed);
    let buy_button = NodeRef::<leptos::html::Button>::new();
    let sheet_title = NodeRef::<leptos::html::H2>::new();

    // Whether the sheet is open (the Buy button is hidden meanwhile), and whether the card
    // still offers Buy at all (not once the merchant said the item sold out).
    let open = Memo::new(move |_| ctx.stage.with(Stage::sheet_open));
    let offers_buy = Memo::new(move |_| ctx.stage.with(Stage::offers_buy));

    // The host's data-state follows the flow; the card hears of a sell-out; focus moves into
    // the sheet (again when it turns to a result: the sheet is drawn anew) and back to Buy.
    Effect::new(move |previous: Option<(bool, bool)>| {
        let stage = ctx.stage.get();
        ctx.host
            .with_value(|host| _ = host.set_attribute("data-state", stage.as_str()));
        if matches!(stage, Stage::SoldOut { open: true }) {
            on_sold_out.run(());
        }
        let (was_open, was_result) = previous.unwrap_or_default();
        let (open, result) = (stage.sheet_open(), stage.is_result());
        if open && (!was_open || (result && !was_result)) {
            if let Some(title) = sheet_title.get() {
                _ = title.focus();
            }
        } else if !open
            && was_open
            && stage.offers_buy()
            && let Some(button) = buy_button.get()
        {
            // The button's `hidden` follows the same stage, in a render effect this effect
            // may run before: show it now, or `focus()` would do nothing.
            button.set_hidden(false);
            _ = button.focus();
        }
        (open, result)
    });

    if autostart {
        // After mount, once: the sheet's focus handling needs its nodes.
        Effect::new(move |_| untrack(|| dispatch(ctx, Event::Buy)));
    }

    // Escape closes a result and cancels a checkout.
    let on_key = move |event: web_sys::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            let result = ctx.stage.with_untracked(Stage::is_result);
            dispatch(ctx, if result { Event::Close } else { Event::Cancel });
        }
    };
    let close_button = move || {
        view! {
            <div class="actions">
                <button type="button" class="done" on:click=move |_| dispatch(ctx, Event::Close)>
                    {Msg::Close.text(lang)}
                </button>
            </div>
        }
    };
    let status_text = move || match ctx.stage.get() {
        Stage::Placing => Msg::Placing.text(lang),
        Stage::Placed(_) => Msg::Placed.text(lang),
        Stage::Failed(error) => error.text(lang),
        Stage::SoldOut { .. } => Msg::SoldOut.text(lang),
        _ => String::new(),
    };

    // The sheet is drawn again when the stage changes, not on every event (each sets the stage):
    // redrawing would take focus from the field the buyer is in.
    let stage_now = Memo::new(move |_| ctx.stage.get());
    let sheet = move || {
        let stage = stage_now.get();
        if !stage.sheet_open() {
            return None;
        }
        let locale = locale.clone();
        let title = match stage {
            Stage::Details => Msg::YourDetails,
            Stage::Placed(_) => Msg::Placed,
            Stage::SoldOut { .. } => Msg::SoldOut,
            _ => Msg::ConfirmTitle,
        };
        // A placed order's heading is the news itself.
        let title_class = if matches!(stage, Stage::Placed(_)) {
            "sheet-title placed"
        } else {
            "sheet-title"
        };
        let body = match stage {
            Stage::Confirming { .. } | Stage::Placing | Stage::Authenticating => {
                let session = ctx.session.get();
                let saved = ctx.saved.get();
                let summary = session.map(|session| summary(&locale, &session, shown_price));
                let payer = saved.map(|saved| {
                    let card = format!("{} •••• {}", capitalise(&saved.card.brand), saved.card.last4);
                    let ship = saved.ship_to();
                    view! {
                        <p class="payer">{Msg::PayWith.text(lang)} " " <span class="card-name">{card}</span></p>
                        {ship.map(|ship| view! { <p class="ship">{Msg::ShipTo.text(lang)} " " {ship}</p> })}
                    }
                });
                let authenticating = matches!(ctx.stage.get_untracked(), Stage::Authenticating);
                let challenge = authenticating.then(|| {
                    view! {
                        <div class="challenge" role="group" aria-label=Msg::ErrNeedsAuthentication.text(lang)>
                            <p>{Msg::ErrNeedsAuthentication.text(lang)}</p>
                            <button
                                type="button"
                                class="approve"
                                on:click=move |_| {
                                    dispatch(
                                        ctx,
                                        Event::Authenticated(Authentication {
                                            outcome: "authenticated".into(),
                                            details: Some(test_challenge_details()),
                                        }),
                                    )
                                }
                            >
                                {Msg::Confirm.text(lang)}
                            </button>
                        </div>
                    }
                });
                let armed = move || matches!(ctx.stage.get(), Stage::Confirming { armed: true });
                view! {
                    {summary}
                    {payer}
                    {challenge}
                    <div class="actions">
                        <button
                            type="button"
                            class="confirm"
                            aria-disabled=move || (!armed()).to_string()
                            on:click=move |_| dispatch(ctx, Event::Confirm)
                        >
                            {Msg::Confirm.text(lang)}
                        </button>
                        <button type="button" class="cancel" on:click=move |_| dispatch(ctx, Event::Cancel)>
                            {Msg::Cancel.text(lang)}
                        </button>
                    </div>
                }
                    .into_any()
            }
            Stage::Placed(order) => {
                let link = safe_http_url(&order.permalink_url).map(|url| {
                    view! {
                        <a class="order-link" href=url.to_owned() target="_blank" rel="noopener noreferrer">
                            {Msg::ViewOrder.text(lang)}
                        </a>
                    }
                });
                view! {
                    {(!order.id.is_empty()).then(|| view! { <p class="order-id">{order.id.clone()}</p> })}
                    {link}
                    {close_button()}
                }
                .into_any()
            }
            Stage::Failed(error) => {
                // No "Try again" that would fail the same way (a shop that refuses this page).
                let retry = ctx.can_retry.get().then(|| {
                    view! {
                        <button type="button" class="retry" on:click=move |_| dispatch(ctx, Event::Retry)>
                            {Msg::Retry.text(lang)}
                        </button>
                    }
                });
                view! {
                    <p class="problem" role="alert">{error.text(lang)}</p>
                    <div class="actions">
                        {retry}
                        <button type="button" class="cancel" on:click=move |_| dispatch(ctx, Event::Cancel)>
                            {Msg::Cancel.text(lang)}
                        </button>
                    </div>
                }
                    .into_any()
            }
            Stage::SoldOut { .. } => view! {
                <p class="problem">{Msg::ErrSoldOut.text(lang)}</p>
                {close_button()}
            }
            .into_any(),
            Stage::Details | Stage::Idle | Stage::Starting => details_sheet(
                ctx,
                form,
                locale.clone(),
                ctx.flow.with_value(Flow::can_save),
                shown_price,
            ),
        };
        Some(view! {
            <div class="sheet" role="dialog" aria-modal="true" aria-labelledby="buycard-sheet-title" on:keydown=on_key>
                <h2 id="buycard-sheet-title" class=title_class tabindex="-1" node_ref=sheet_title>
                    {title.text(lang)}
                </h2>
                {body}
            </div>
        })
    };

    // The Buy button is hidden, not just disabled, while the sheet is open; gone once sold out.
    let buy = move || {
        offers_buy.get().then(|| {
            view! {
                <button
                    type="button"
                    class="buy-button"
                    node_ref=buy_button
                    hidden=open
                    aria-busy=move || matches!(ctx.stage.get(), Stage::Starting).to_string()
                    on:click=move |_| dispatch(ctx, Event::Buy)
                >
                    {Msg::Buy.text(lang)}
                </button>
            }
        })
    };

    view! {
        <div class="buy">
            {buy}
            {sheet}
            <p class="sr-only" role="status" aria-live="polite">{status_text}</p>
        </div>
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// What the reference PSP's test challenge returns when the buyer approves.
fn test_challenge_details() -> ThreeDsDetails {
    ThreeDsDetails {
        three_ds_cryptogram: "AAIBBYNoEwAAACcKhAJkdQAAAAA=".into(),
        electronic_commerce_indicator: "05".into(),
        transaction_id: js_sys::Date::now().to_string(),
        version: "2.2.0".into(),
    }
}
