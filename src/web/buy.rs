//! The Buy button and the sheet: renders `core::flow`'s stage and sends it events. Requests run
//! through `web::checkout`; timers are tracked and cleared when the card goes away.

use buycard_acp::checkout::CheckoutSession;
use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::HtmlElement;

use super::checkout::{Backend, run};
use super::intl::format_money;
use super::track::Timeout;
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
struct Ctx {
    flow: StoredValue<Flow, LocalStorage>,
    stage: RwSignal<Stage>,
    session: RwSignal<Option<CheckoutSession>>,
    saved: RwSignal<Option<SavedBuyer>>,
    notice: RwSignal<Option<CheckoutError>>,
    timers: StoredValue<Vec<Timeout>, LocalStorage>,
    backend: StoredValue<Backend>,
    host: StoredValue<HtmlElement, LocalStorage>,
}

fn dispatch(ctx: Ctx, event: Event) {
    let Some(effects) = ctx
        .flow
        .try_update_value(|flow| flow.handle(event, &mut BrowserEntropy))
    else {
        return; // The card was removed meanwhile.
    };
    ctx.flow.with_value(|flow| {
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
    let detail = js_sys::Object::new();
    let set = |key: &str, value: JsValue| {
        _ = js_sys::Reflect::set(&detail, &key.into(), &value);
    };
    let name = match event {
        HostEvent::Checkout {
            session_id,
            total,
            currency,
        } => {
            set("checkout_session_id", session_id.into());
            set(
                "total",
                total
                    .map(|t| JsValue::from_f64(t as f64))
                    .unwrap_or(JsValue::NULL),
            );
            set("currency", currency.into());
            "buycard:checkout"
        }
        HostEvent::Order { order } => {
            set("order_id", order.id.into());
            set("checkout_session_id", order.checkout_session_id.into());
            set("permalink_url", order.permalink_url.into());
            "buycard:order"
        }
        HostEvent::Cancel { session_id } => {
            set(
                "checkout_session_id",
                session_id.map(JsValue::from).unwrap_or(JsValue::NULL),
            );
            "buycard:cancel"
        }
        HostEvent::Error(error) => {
            set("code", error.code().into());
            set("message", error.text(crate::core::i18n::Lang::En).into());
            set("retryable", error.retryable().into());
            "buycard:error"
        }
    };
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        ctx.host.with_value(|host| _ = host.dispatch_event(&event));
    }
}

fn money(locale: &Locale, session: &CheckoutSession, minor: i64) -> String {
    match (
        Currency::parse(&session.currency.to_ascii_uppercase()),
        u64::try_from(minor),
    ) {
        (Ok(currency), Ok(minor)) => format_money(locale.tag(), Money::new(minor, currency)),
        _ => minor.to_string(),
    }
}

/// The Buy button and its sheet, for one purchase.
#[component]
pub fn BuyFlow(
    backend: Backend,
    purchase: Purchase,
    host: HtmlElement,
    locale: Locale,
) -> impl IntoView {
    let has_wallet = backend.wallet.is_some();
    let ctx = Ctx {
        flow: StoredValue::new_local(Flow::new(purchase, has_wallet)),
        stage: RwSignal::new(Stage::Idle),
        session: RwSignal::new(None),
        saved: RwSignal::new(None),
        notice: RwSignal::new(None),
        timers: StoredValue::new_local(Vec::new()),
        backend: StoredValue::new(backend),
        host: StoredValue::new_local(host),
    };
    let lang = locale.lang;
    let buy_button = NodeRef::<leptos::html::Button>::new();
    let sheet_title = NodeRef::<leptos::html::H2>::new();

    // The host's data-state follows the flow; focus moves into the sheet and back to Buy.
    Effect::new(move |previous: Option<bool>| {
        let stage = ctx.stage.get();
        ctx.host
            .with_value(|host| _ = host.set_attribute("data-state", stage.as_str()));
        let open = !matches!(stage, Stage::Idle | Stage::Starting);
        if open && previous != Some(true) {
            if let Some(title) = sheet_title.get() {
                _ = title.focus();
            }
        } else if !open
            && previous == Some(true)
            && let Some(button) = buy_button.get()
        {
            _ = button.focus();
        }
        open
    });

    let on_key = move |event: web_sys::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            dispatch(ctx, Event::Cancel);
        }
    };
    let status_text = move || match ctx.stage.get() {
        Stage::Placing => Msg::Placing.text(lang),
        Stage::Placed(_) => Msg::Placed.text(lang),
        Stage::Failed(error) => error.text(lang),
        Stage::SoldOut => Msg::SoldOut.text(lang),
        _ => String::new(),
    };

    let sheet = move || {
        let stage = ctx.stage.get();
        if matches!(stage, Stage::Idle | Stage::Starting) {
            return None;
        }
        let locale = locale.clone();
        let body = match stage {
            Stage::Confirming { .. } | Stage::Placing | Stage::Authenticating => {
                let session = ctx.session.get();
                let saved = ctx.saved.get();
                let summary = session.map(|session| {
                    let lines = session
                        .line_items
                        .iter()
                        .map(|line| {
                            let amount = line.totals.iter().find(|t| t.kind == buycard_acp::checkout::TotalType::Subtotal).map(|t| t.amount).unwrap_or(0);
                            view! {
                                <li>
                                    <span>{line.name.clone().unwrap_or_default()} " × " {line.quantity}</span>
                                    <span>{money(&locale, &session, amount)}</span>
                                </li>
                            }
                        })
                        .collect_view();
                    let row = |kind: buycard_acp::checkout::TotalType, label: Msg, class: &'static str| {
                        session.totals.iter().find(|t| t.kind == kind).map(|t| {
                            view! {
                                <li class=class>
                                    <span>{label.text(lang)}</span>
                                    <span>{money(&locale, &session, t.amount)}</span>
                                </li>
                            }
                        })
                    };
                    use buycard_acp::checkout::TotalType as T;
                    view! {
                        <ul class="lines">{lines}</ul>
                        <ul class="totals">
                            {row(T::Fulfillment, Msg::Delivery, "delivery")}
                            {row(T::Tax, Msg::Tax, "tax")}
                            {row(T::Total, Msg::Total, "total")}
                        </ul>
                    }
                });
                let payer = saved.map(|saved| {
                    let card = format!("{} •••• {}", capitalise(&saved.payment_method.brand), saved.payment_method.last4);
                    let ship = saved
                        .fulfillment_details
                        .as_ref()
                        .and_then(|f| f.address.as_ref())
                        .map(|a| format!("{}, {}", a.name, a.city));
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
                                        Event::Authenticated(buycard_acp::checkout::AuthenticationResult {
                                            outcome: "authenticated".into(),
                                            outcome_details: Some(test_challenge_details()),
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
                    <p class="placed">{Msg::Placed.text(lang)}</p>
                    <p class="order-id">{order.id.clone()}</p>
                    {link}
                }
                    .into_any()
            }
            Stage::Failed(error) => view! {
                <p class="problem" role="alert">{error.text(lang)}</p>
                <div class="actions">
                    <button type="button" class="retry" on:click=move |_| dispatch(ctx, Event::Retry)>
                        {Msg::Retry.text(lang)}
                    </button>
                    <button type="button" class="cancel" on:click=move |_| dispatch(ctx, Event::Cancel)>
                        {Msg::Cancel.text(lang)}
                    </button>
                </div>
            }
                .into_any(),
            Stage::SoldOut => view! { <p class="problem">{Msg::ErrSoldOut.text(lang)}</p> }.into_any(),
            Stage::Details | Stage::Idle | Stage::Starting => {
                let notice = ctx.notice.get().map(|n| view! { <p class="problem" role="alert">{n.text(lang)}</p> });
                view! {
                    {notice}
                    <p>{Msg::DetailsUnavailable.text(lang)}</p>
                    <div class="actions">
                        <button type="button" class="cancel" on:click=move |_| dispatch(ctx, Event::Cancel)>
                            {Msg::Cancel.text(lang)}
                        </button>
                    </div>
                }
                    .into_any()
            }
        };
        Some(view! {
            <div class="sheet" role="dialog" aria-modal="true" aria-labelledby="buycard-sheet-title" on:keydown=on_key>
                <h2 id="buycard-sheet-title" class="sheet-title" tabindex="-1" node_ref=sheet_title>
                    {Msg::ConfirmTitle.text(lang)}
                </h2>
                {body}
            </div>
        })
    };

    view! {
        <div class="buy">
            <button
                type="button"
                class="buy-button"
                node_ref=buy_button
                aria-busy=move || matches!(ctx.stage.get(), Stage::Starting).to_string()
                on:click=move |_| dispatch(ctx, Event::Buy)
            >
                {Msg::Buy.text(lang)}
            </button>
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
fn test_challenge_details() -> serde_json::Map<String, serde_json::Value> {
    let mut details = serde_json::Map::new();
    details.insert(
        "three_ds_cryptogram".into(),
        "AAIBBYNoEwAAACcKhAJkdQAAAAA=".into(),
    );
    details.insert("electronic_commerce_indicator".into(), "05".into());
    details.insert(
        "transaction_id".into(),
        js_sys::Date::now().to_string().into(),
    );
    details.insert("version".into(), "2.2.0".into());
    details
}
