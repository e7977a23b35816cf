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
use crate::core::i18n::{Lang, Locale, Msg};
use crate::core::money::{Currency, Money};
use crate::core::url::safe_http_url;

/// UUIDs for Idempotency-Keys, `Math.random()` for jitter.
pub(super) struct BrowserEntropy;

impl Entropy for BrowserEntropy {
    fn key(&mut self) -> String {
        super::checkout::idempotency_key()
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
    // Only what changed is set: a view drawn again for nothing would take focus from the
    // control the buyer is in.
    ctx.flow.with_value(|flow| {
        set_if_changed(ctx.can_retry, flow.can_retry());
        set_if_changed(ctx.stage, flow.stage().clone());
        set_if_changed(ctx.session, flow.session().cloned());
        set_if_changed(ctx.saved, flow.saved_buyer().cloned());
        set_if_changed(ctx.notice, flow.notice().cloned());
    });
    for effect in effects {
        match effect {
            FlowEffect::Send(request) => {
                let backend = ctx.backend.get_value();
                leptos::task::spawn_local(async move {
                    let outcome = run(&backend, &request).await;
                    if request.answered() {
                        dispatch(ctx, Event::Done(outcome));
                    }
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

fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|now| *now != value) {
        signal.set(value);
    }
}

/// `buycard:*` events on the host element: they bubble and cross the shadow boundary.
fn emit(ctx: Ctx, event: HostEvent) {
    ctx.host.with_value(|host| emit_on(host, event));
}

/// Dispatches a flow's host event on `host` (a card's, or the cart's for each shop it pays).
pub(super) fn emit_on(host: &HtmlElement, event: HostEvent) {
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
                (
                    "order_number",
                    order.number.map_or(JsValue::NULL, JsValue::from),
                ),
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
                ("message", error.text(Lang::En).into()),
                ("retryable", error.retryable().into()),
            ],
        ),
    };
    super::source::emit(host, name, &detail);
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

/// What the sheet shows of the product it sells: the sheet covers the card on a phone, so it
/// names the product, its photo and its seller itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetItem {
    pub title: String,
    /// The product photo's URL, shown as a small thumbnail.
    pub image: Option<String>,
    pub seller: Option<String>,
}

/// What the sheet is showing: focus moves to its heading whenever this changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    Closed,
    Details,
    Confirm,
    Paying,
    Bank,
    Checking,
    Placed,
    SoldOut,
    Failed,
}

impl Screen {
    fn of(stage: &Stage) -> Self {
        match stage {
            Stage::Idle | Stage::Starting | Stage::SoldOut { open: false } => Screen::Closed,
            Stage::Details => Screen::Details,
            Stage::Confirming { .. } => Screen::Confirm,
            Stage::Placing => Screen::Paying,
            Stage::Authenticating => Screen::Bank,
            Stage::Checking => Screen::Checking,
            Stage::Placed(_) => Screen::Placed,
            Stage::SoldOut { open: true } => Screen::SoldOut,
            Stage::Failed(_) => Screen::Failed,
        }
    }
}

/// The Buy button and its sheet, for one purchase. The sheet is a modal `<dialog>`: a bottom
/// sheet on a phone, a centred panel on a wider screen (ARCHITECTURE.md says why).
#[component]
pub fn BuyFlow(
    backend: Backend,
    purchase: Purchase,
    host: HtmlElement,
    locale: Locale,
    /// The product as the sheet names it.
    item: SheetItem,
    /// The unit price the card showed (minor units), to notice a change.
    shown_price: Option<i64>,
    /// A pre-order: the button says "Pre-order".
    #[prop(optional)]
    preorder: bool,
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
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let sheet_title = NodeRef::<leptos::html::H2>::new();
    let bank_title = NodeRef::<leptos::html::H3>::new();

    // Whether the sheet is open (the Buy button is hidden meanwhile), and whether the card
    // still offers Buy at all (not once the merchant said the item sold out).
    let open = Memo::new(move |_| ctx.stage.with(Stage::sheet_open));
    let offers_buy = Memo::new(move |_| ctx.stage.with(Stage::offers_buy));
    let screen = Memo::new(move |_| ctx.stage.with(Screen::of));

    // The host's data-state follows the flow, and the card hears of a sell-out.
    Effect::new(move |_| {
        let stage = ctx.stage.get();
        ctx.host
            .with_value(|host| _ = host.set_attribute("data-state", stage.as_str()));
        if matches!(stage, Stage::SoldOut { open: true }) {
            on_sold_out.run(());
        }
    });

    // The dialog opens and closes with the flow; focus goes to the heading of whatever the sheet
    // now shows (the bank's own heading for its step), and back to Buy when it closes.
    Effect::new(move |previous: Option<Screen>| {
        let now = screen.get();
        let before = previous.unwrap_or(Screen::Closed);
        if now == before {
            return now;
        }
        let Some(dialog) = dialog.get() else {
            return before; // Not mounted yet: try again on the next change.
        };
        if now == Screen::Closed {
            dialog.close();
            if offers_buy.get_untracked()
                && let Some(button) = buy_button.get()
            {
                // The button's `hidden` follows the same stage, in a render effect this effect
                // may run before: show it now, or `focus()` would do nothing.
                button.set_hidden(false);
                _ = button.focus();
            }
            return now;
        }
        if !dialog.open() {
            _ = dialog.show_modal();
        }
        let heading: Option<HtmlElement> = match now {
            Screen::Bank => bank_title.get().map(Into::into),
            _ => sheet_title.get().map(Into::into),
        };
        if let Some(heading) = heading {
            _ = heading.focus();
        }
        now
    });

    if autostart {
        // After mount, once: the sheet's focus handling needs its nodes.
        Effect::new(move |_| untrack(|| dispatch(ctx, Event::Buy)));
    }

    // Escape closes a result and cancels a checkout; while paying or checking, the flow ignores
    // it and the sheet stays.
    let on_key = move |event: web_sys::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            let result = ctx.stage.with_untracked(Stage::is_result);
            dispatch(ctx, if result { Event::Close } else { Event::Cancel });
        }
    };
    // The browser's own close request (Escape, the back gesture) goes through the flow too.
    let on_cancel = move |event: web_sys::Event| {
        event.prevent_default();
        let result = ctx.stage.with_untracked(Stage::is_result);
        dispatch(ctx, if result { Event::Close } else { Event::Cancel });
    };
    // A browser may close a modal dialog despite `preventDefault` (repeated close requests): if
    // the flow still has it open, it opens again.
    let on_close = move |_| {
        if open.get_untracked()
            && let Some(dialog) = dialog.get_untracked()
        {
            _ = dialog.show_modal();
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
        Stage::Checking => Msg::CheckingOrder.text(lang),
        Stage::Authenticating => Msg::ErrNeedsAuthentication.text(lang),
        Stage::Placed(_) => Msg::Placed.text(lang),
        Stage::Failed(error) => error.text(lang),
        Stage::SoldOut { .. } => Msg::SoldOut.text(lang),
        _ => String::new(),
    };

    let seller = item.seller.clone();
    // Drawn only while the sheet is open: a closed sheet loads no thumbnail.
    let product = move || {
        let thumb = match item.image.clone() {
            Some(url) => {
                view! { <img class="thumb" src=url alt="" width="48" height="48" /> }.into_any()
            }
            // No photo: no empty square; the title and seller stand alone.
            None => ().into_any(),
        };
        let seller = item.seller.clone().map(
            |seller| view! { <p class="item-seller">{Msg::SoldBy.text(lang)} " " {seller}</p> },
        );
        view! {
            <div class="item">
                {thumb}
                <div class="item-text">
                    <p class="item-title">{item.title.clone()}</p>
                    {seller}
                </div>
            </div>
        }
    };

    // The body is drawn again when what it shows changes; arming Confirm only enables the
    // button (its `aria-disabled` follows the stage by itself).
    let drawn = Memo::new(move |_| match ctx.stage.get() {
        Stage::Confirming { .. } => Stage::Confirming { armed: false },
        stage => stage,
    });
    let body = move || {
        let stage = drawn.get();
        let locale = locale.clone();
        match stage {
            Stage::Confirming { .. } | Stage::Placing | Stage::Authenticating => {
                let session = ctx.session.get();
                let saved = ctx.saved.get();
                let total = session
                    .as_ref()
                    .and_then(|s| s.total().map(|t| money(&locale, s, t)));
                let digital = session.as_ref().is_some_and(Session::is_digital);
                let card_name = saved.as_ref().map(|saved| {
                    format!(
                        "{} •••• {}",
                        capitalise(&saved.card.brand),
                        saved.card.last4
                    )
                });
                let summary = session.map(|session| summary(&locale, &session, shown_price));
                let payer = saved.map(|saved| {
                    // An emailed ticket is sent to an address, never shipped.
                    let to = if digital {
                        Some((Msg::SentTo, saved.contact.email.clone()))
                    } else {
                        saved.ship_to().map(|ship| (Msg::ShipTo, ship))
                    };
                    view! {
                        <dl class="payer">
                            <div>
                                <dt>{Msg::PayWith.text(lang)}</dt>
                                <dd class="card-name">{card_name.clone()}</dd>
                            </div>
                            {to.map(|(label, to)| view! {
                                <div class="ship">
                                    <dt>{label.text(lang)}</dt>
                                    <dd>{to}</dd>
                                </div>
                            })}
                        </dl>
                    }
                });
                let authenticating = matches!(stage, Stage::Authenticating);
                let challenge = authenticating.then(|| {
                    let asks = match (total.as_deref(), seller.as_deref()) {
                        (Some(amount), Some(merchant)) => {
                            Msg::BankAsks.fill(lang, &[amount, merchant])
                        }
                        (Some(amount), None) => Msg::BankAsksAmount.fill(lang, &[amount]),
                        _ => Msg::ErrNeedsAuthentication.text(lang),
                    };
                    let answer =
                        Callback::new(move |result| dispatch(ctx, Event::Authenticated(result)));
                    bank_step(lang, card_name.clone(), asks, bank_title, answer)
                });
                let armed = move || matches!(ctx.stage.get(), Stage::Confirming { armed: true });
                // The one primary action names the amount; while paying, it says what it waits
                // for.
                let label = match stage {
                    Stage::Placing => Msg::Paying.text(lang),
                    Stage::Authenticating => Msg::WaitingForBank.text(lang),
                    _ => crate::core::i18n::pay_label(lang, total.as_deref()),
                };
                let busy = matches!(stage, Stage::Placing | Stage::Authenticating);
                let cancel = (!matches!(stage, Stage::Placing)).then(|| {
                    view! {
                        <button type="button" class="cancel" on:click=move |_| dispatch(ctx, Event::Cancel)>
                            {Msg::Cancel.text(lang)}
                        </button>
                    }
                });
                view! {
                    {summary}
                    {payer}
                    {challenge}
                    <div class="actions">
                        <button
                            type="button"
                            class="confirm primary"
                            part="primary"
                            aria-disabled=move || (!armed()).to_string()
                            aria-busy=busy.to_string()
                            on:click=move |_| dispatch(ctx, Event::Confirm)
                        >
                            {label}
                        </button>
                        {cancel}
                    </div>
                }
                .into_any()
            }
            Stage::Checking => view! {
                <div class="checking">
                    <span class="spinner" aria-hidden="true"></span>
                    <p>{Msg::CheckingHint.text(lang)}</p>
                </div>
            }
            .into_any(),
            Stage::Placed(order) => {
                let link = safe_http_url(&order.permalink_url).map(|url| {
                    view! {
                        <a class="order-link" href=url.to_owned() target="_blank" rel="noopener noreferrer">
                            {Msg::ViewOrder.text(lang)}
                            <span class="sr-only">" " {Msg::OpensInNewTab.text(lang)}</span>
                        </a>
                    }
                });
                let number = order
                    .number
                    .filter(|n| !n.trim().is_empty())
                    .map(|n| view! { <p class="order-number">{Msg::OrderNumber.fill(lang, &[n.trim()])}</p> });
                // What was paid, and with what, as the merchant's session says.
                let card = ctx.saved.get_untracked().map(|saved| {
                    format!(
                        " · {} •••• {}",
                        capitalise(&saved.card.brand),
                        saved.card.last4
                    )
                });
                let paid = ctx.session.with_untracked(|session| {
                    session
                        .as_ref()
                        .and_then(|s| s.total().map(|t| money(&locale, s, t)))
                });
                let paid = paid.map(|paid| {
                    view! {
                        <dl class="payer">
                            <div>
                                <dt>{Msg::Paid.text(lang)}</dt>
                                <dd class="paid">{paid} {card}</dd>
                            </div>
                        </dl>
                    }
                });
                view! {
                    {paid}
                    {number}
                    {link}
                    {close_button()}
                }
                .into_any()
            }
            Stage::Failed(error) => {
                // No "Try again" that would fail the same way (a shop that refuses this page).
                let again = if ctx.flow.with_value(Flow::checks_again) {
                    Msg::CheckAgain
                } else {
                    Msg::Retry
                };
                let retry = ctx.can_retry.get().then(|| {
                    view! {
                        <button type="button" class="retry primary" part="primary" on:click=move |_| dispatch(ctx, Event::Retry)>
                            {again.text(lang)}
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
                locale,
                ctx.flow.with_value(Flow::can_save),
                shown_price,
            ),
        }
    };
    let title = move || {
        let msg = match ctx.stage.get() {
            Stage::Details => Msg::YourDetails,
            Stage::Checking => Msg::CheckingOrder,
            Stage::Failed(CheckoutError::Unconfirmed) => Msg::UnconfirmedTitle,
            Stage::Failed(_) => Msg::NotPlacedTitle,
            Stage::Placed(_) => Msg::Placed,
            Stage::SoldOut { .. } => Msg::SoldOut,
            _ => Msg::ConfirmTitle,
        };
        msg.text(lang)
    };
    // A placed order's heading is the news itself.
    let title_class = move || {
        if matches!(ctx.stage.get(), Stage::Placed(_)) {
            "sheet-title placed"
        } else {
            "sheet-title"
        }
    };

    // The Buy button is hidden, not just disabled, while the sheet is open; gone once sold out.
    let buy_label = if preorder { Msg::PreOrder } else { Msg::Buy };
    let buy = move || {
        offers_buy.get().then(|| {
            view! {
                <button
                    type="button"
                    class="buy-button primary"
                    part="buy"
                    node_ref=buy_button
                    hidden=open
                    aria-busy=move || matches!(ctx.stage.get(), Stage::Starting).to_string()
                    on:click=move |_| dispatch(ctx, Event::Buy)
                >
                    {buy_label.text(lang)}
                </button>
            }
        })
    };

    view! {
        <div class="buy">
            {buy}
            <dialog
                class="sheet"
                part="sheet"
                node_ref=dialog
                aria-labelledby="buycard-sheet-title"
                on:keydown=on_key
                on:cancel=on_cancel
                on:close=on_close
            >
                <h2 id="buycard-sheet-title" class=title_class tabindex="-1" node_ref=sheet_title>
                    {title}
                </h2>
                {move || open.get().then(|| view! { {product.clone()()} {body.clone()()} })}
            </dialog>
            <p class="sr-only" role="status" aria-live="polite">{status_text}</p>
        </div>
    }
}

pub(super) fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// The bank's 3-D Secure step for one payment: the card it is for, what the bank asks (already
/// in words), and Approve / Fail, answered through `answer`. `title` gets the focus.
pub(super) fn bank_step(
    lang: Lang,
    card_name: Option<String>,
    asks: String,
    title: NodeRef<leptos::html::H3>,
    answer: Callback<Authentication>,
) -> impl IntoView {
    let reply = move |outcome: &'static str| {
        move |_| {
            answer.run(Authentication {
                outcome: outcome.into(),
                details: (outcome == "authenticated").then(test_challenge_details),
            })
        }
    };
    view! {
        <section class="challenge" aria-labelledby="buycard-bank-title">
            <p class="bank-card">{card_name}</p>
            <h3 id="buycard-bank-title" tabindex="-1" node_ref=title>
                {Msg::BankTitle.text(lang)}
            </h3>
            <p class="bank-asks">{asks}</p>
            <p class="bank-note">{Msg::BankTestNote.text(lang)}</p>
            <div class="bank-actions">
                <button type="button" class="approve" on:click=reply("authenticated")>
                    {Msg::BankApprove.text(lang)}
                </button>
                <button type="button" class="fail" on:click=reply("denied")>
                    {Msg::BankFail.text(lang)}
                </button>
            </div>
        </section>
    }
}

/// What the reference PSP's test challenge returns when the buyer approves.
fn test_challenge_details() -> ThreeDsDetails {
    ThreeDsDetails {
        three_ds_cryptogram: "AAIBBYNoEwAAACcKhAJkdQAAAAA=".into(),
        electronic_commerce_indicator: "05".into(),
        // Date.now() is whole milliseconds: printed as the integer it is.
        transaction_id: (js_sys::Date::now() as u64).to_string(),
        version: "2.2.0".into(),
    }
}
