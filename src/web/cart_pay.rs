//! The cart's checkout sheet: runs `core::cart_checkout` inside `<buy-cart>`'s dialog. Like
//! `web::buy` for one product, it only renders the state machine and runs its effects (requests
//! through `web::checkout`, tracked timers, host events, removing placed lines from the cart,
//! the progress kept for a reload); every decision is `CartCheckout`'s.
//!
//! A buyer without saved details gives them once for every shop with the single card's address
//! form, and types the card below every shop's totals in its card form (`web::details`): one
//! form, two sheets.

use leptos::prelude::*;
use web_sys::HtmlElement;

use super::buy::{BrowserEntropy, bank_step, capitalise, emit_on, summary};
use super::cart_store;
use super::checkout::{Backend, open, run};
use super::details::{Actions, Form, Parts};
use super::intl::format_money;
use super::track::Timeout;
use crate::core::cart::{Cart, LineKey};
use crate::core::cart_checkout::{
    CartCheckout, Effect, Event, Progress, Request, Shop, ShopResult, ShopState, Stage,
};
use crate::core::checkout::Session;
use crate::core::checkout_error::CheckoutError;
use crate::core::details::ship_to_line;
use crate::core::flow::{self, AddressEntry, CardPayment, Outcome};
use crate::core::i18n::{Lang, Locale, Msg, pay_label};
use crate::core::money::{Currency, Money};
use crate::core::url::endpoint_base;

/// Where the progress of a cart's payment is kept for a reload of the tab: `<buy-cart>` picks it
/// up again when it mounts ([`Pay::resume`]).
pub const PROGRESS_KEY: &str = "buycard:cart-checkout";
/// What the report names beside the progress, kept for a reload: the product titles (the paid
/// lines are no longer in the cart to name them) and what each placed shop charged (a resumed
/// checkout has no session of a shop placed before the reload).
const KEPT_KEY: &str = "buycard:cart-checkout-kept";

/// A kept value larger than this is not read back (50 lines of bounded titles fit easily).
const MAX_KEPT_BYTES: usize = 64 * 1024;

/// See [`KEPT_KEY`].
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Kept {
    labels: Vec<(LineKey, String)>,
    /// Per placed shop (its endpoint): the total charged, in minor units, and its currency.
    charged: Vec<(String, u64, String)>,
}

impl Kept {
    fn store(&self) {
        if let Some(storage) = session_storage()
            && let Ok(json) = serde_json::to_string(self)
        {
            _ = storage.set_item(KEPT_KEY, &json);
        }
    }

    fn load() -> Option<Self> {
        let json = session_storage()?.get_item(KEPT_KEY).ok().flatten()?;
        (json.len() <= MAX_KEPT_BYTES)
            .then(|| serde_json::from_str(&json).ok())
            .flatten()
    }

    /// What `endpoint` charged, as kept.
    fn charged(&self, endpoint: &str) -> Option<Money> {
        let (_, minor, currency) = self.charged.iter().find(|(e, ..)| e == endpoint)?;
        Some(Money::new(*minor, Currency::parse(currency).ok()?))
    }
}
/// Where a new buyer's contact and address for the cart are kept in the tab until every shop
/// has its order (never the card).
const DRAFT_KEY: &str = "buycard:details:cart";

/// One shop as the sheet draws it.
#[derive(Debug, Clone, PartialEq)]
struct ShopView {
    name: String,
    state: ShopState,
    session: Option<Session>,
    authenticating: bool,
    /// What this shop's part buys, as the cart named it ("Tidewater LP × 2, Print").
    bought: String,
    /// The cart's product title of each item, in the order the session was opened with them.
    titles: Vec<Option<String>>,
    /// What a placed shop charged: its session's total, or what was kept before a reload.
    charged: Option<Money>,
}

/// Everything the sheet shows: it is drawn again only when this changes, so a request that
/// changes nothing visible does not take focus from the control the buyer is in.
#[derive(Debug, Clone, PartialEq)]
struct Sheet {
    /// The stage, with Review's `armed` left out (arming only enables Pay).
    stage: Stage,
    shops: Vec<ShopView>,
    to_pay: Vec<Money>,
    ready: usize,
    /// "Visa •••• 4242", from the wallet's answer.
    card: Option<String>,
    /// "Ada Lovelace, San Francisco": where a saved buyer's orders go, from the wallet.
    saved_ship_to: Option<String>,
    can_retry: bool,
    heading: Msg,
    /// A new buyer: Pay needs the card typed below the totals.
    needs_card: bool,
    /// The card last typed was declined by a shop still to pay.
    declined: bool,
    /// The typed card may be saved for next time.
    can_save: bool,
    /// The new buyer's details as the shops have them, and whether Change is offered.
    details: Option<AddressEntry>,
    can_change: bool,
}

impl Sheet {
    fn of(checkout: &CartCheckout, kept: &Kept) -> Self {
        let labels = kept.labels.as_slice();
        let stage = match checkout.stage() {
            Stage::Review { .. } => Stage::Review { armed: false },
            stage => stage.clone(),
        };
        let shops = checkout
            .shops()
            .iter()
            .map(|shop| ShopView {
                name: shop.seller().unwrap_or(shop.endpoint()).to_owned(),
                state: shop.state().clone(),
                session: shop.session().cloned(),
                authenticating: *shop.state() == ShopState::Paying
                    && *shop.flow_stage() == flow::Stage::Authenticating,
                bought: bought(shop, labels),
                charged: shop
                    .session()
                    .and_then(session_total)
                    .or_else(|| kept.charged(shop.endpoint())),
                titles: shop
                    .items()
                    .iter()
                    .map(|item| {
                        labels
                            .iter()
                            .find(|(key, _)| *key == item.line)
                            .map(|(_, title)| title.clone())
                    })
                    .collect(),
            })
            .collect();
        let saved_ship_to = checkout
            .shops()
            .iter()
            .find_map(|shop| shop.saved_buyer())
            .and_then(|saved| saved.ship_to());
        let card = checkout
            .shops()
            .iter()
            .find_map(|shop| shop.saved_buyer())
            .map(|saved| {
                format!(
                    "{} •••• {}",
                    capitalise(&saved.card.brand),
                    saved.card.last4
                )
            });
        Sheet {
            stage,
            shops,
            to_pay: checkout.to_pay(),
            ready: checkout.ready_shops(),
            card,
            saved_ship_to,
            can_retry: checkout.can_retry(),
            heading: checkout.heading(),
            needs_card: checkout.needs_card(),
            declined: checkout.declined(),
            can_save: checkout.can_save(),
            details: checkout.details().cloned(),
            can_change: checkout.can_change_details(),
        }
    }

    fn idle() -> Self {
        Sheet {
            stage: Stage::Idle,
            shops: Vec::new(),
            to_pay: Vec::new(),
            ready: 0,
            card: None,
            saved_ship_to: None,
            can_retry: false,
            heading: Msg::YourCart,
            needs_card: false,
            declined: false,
            can_save: false,
            details: None,
            can_change: false,
        }
    }

    fn authenticating(&self) -> bool {
        self.shops.iter().any(|s| s.authenticating)
    }
}

/// The session as the confirmation shows it: a merchant that names a line by its variant alone
/// ("Black vinyl") gets the product's title from the cart in front ("Tidewater LP (Black
/// vinyl)"), so the sheet names what the panel named. Only when the session has one line per
/// item, in their order (what the checkout opened it with).
fn named(session: &Session, titles: &[Option<String>]) -> Session {
    let mut session = session.clone();
    if session.lines.len() == titles.len() {
        for (line, title) in session.lines.iter_mut().zip(titles) {
            if let Some(title) = title
                && !line.title.contains(title.as_str())
            {
                line.title = format!("{title} ({})", line.title);
            }
        }
    }
    session
}

/// The cart's names of what a shop's part buys (the merchant's line titles for lines the cart
/// no longer holds, e.g. after a reload once they were placed).
fn bought(shop: &Shop, labels: &[(LineKey, String)]) -> String {
    let named: Vec<String> = shop
        .items()
        .iter()
        .filter_map(|item| {
            let (_, title) = labels.iter().find(|(key, _)| *key == item.line)?;
            Some(match item.quantity {
                1 => title.clone(),
                n => format!("{title} × {n}"),
            })
        })
        .collect();
    if named.len() == shop.items().len() {
        return named.join(", ");
    }
    shop.session()
        .map(|session| {
            session
                .lines
                .iter()
                .map(|line| match line.quantity {
                    1 => line.title.clone(),
                    n => format!("{} × {n}", line.title),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The checkout's state and what runs it; `Copy`, so tasks and timers can hold it. It belongs
/// to `<buy-cart>`'s owner and goes away with it.
#[derive(Clone, Copy)]
pub(super) struct Pay {
    checkout: StoredValue<Option<CartCheckout>, LocalStorage>,
    sheet: RwSignal<Sheet>,
    armed: RwSignal<bool>,
    can_close: RwSignal<bool>,
    /// Bumped by each new checkout: answers and timers of an earlier one are dropped.
    generation: StoredValue<u32>,
    timers: StoredValue<Vec<Timeout>, LocalStorage>,
    wallet: StoredValue<Option<String>>,
    host: StoredValue<HtmlElement, LocalStorage>,
    /// The product titles and the amounts charged, kept for a reload.
    kept: StoredValue<Kept>,
    /// What a new buyer types, kept while the sheet is drawn again and between checkouts.
    form: Form,
}

impl Pay {
    /// `locale`: the country a new buyer's form starts with.
    pub(super) fn new(host: HtmlElement, locale: &Locale) -> Self {
        let sheet = RwSignal::new(Sheet::idle());
        // The details typed are forgotten once every shop has its order.
        let placed = Memo::new(move |_| {
            sheet.with(|s| s.stage == Stage::Report && s.heading == Msg::OrdersPlaced)
        });
        Pay {
            checkout: StoredValue::new_local(None),
            sheet,
            armed: RwSignal::new(false),
            can_close: RwSignal::new(true),
            generation: StoredValue::new(0),
            timers: StoredValue::new_local(Vec::new()),
            wallet: StoredValue::new(None),
            host: StoredValue::new_local(host),
            kept: StoredValue::new(Kept::default()),
            form: Form::new(locale, DRAFT_KEY.to_owned(), placed),
        }
    }

    /// The stage shown (`Idle`: the cart's lines).
    pub(super) fn stage(self) -> Stage {
        self.sheet.with(|s| s.stage.clone())
    }

    /// Whether the panel may be closed now (not while a payment is in doubt).
    pub(super) fn can_close(self) -> bool {
        self.can_close.get()
    }

    /// Whether a checkout is under way (the panel shows it instead of the lines).
    pub(super) fn active(self) -> bool {
        self.checkout.with_value(Option::is_some)
    }

    /// Check out: a checkout of the cart as it is now, with the host's wallet at `wallet` (a
    /// saved buyer pays in two taps; anyone else gives their details and card once).
    pub(super) fn start(self, cart: &Cart, wallet: Option<String>) {
        if self.active() {
            return;
        }
        let checkout = CartCheckout::new(cart, wallet.is_some());
        if checkout.is_empty() {
            return;
        }
        let kept = Kept {
            labels: labels(cart),
            charged: Vec::new(),
        };
        kept.store();
        self.kept.set_value(kept);
        self.begin(checkout, wallet);
        dispatch(self, Event::CheckOut);
    }

    /// After a reload: the checkout this tab left unfinished, if it kept one. Placed shops stay
    /// placed, a payment that was in flight is looked at (and sent again, with its key, only if
    /// it never took effect), the rest wait for Try again. `true` if there was one to show.
    pub(super) fn resume(self, cart: &Cart, wallet: Option<String>) -> bool {
        if self.active() {
            return false;
        }
        let Some(storage) = session_storage() else {
            return false;
        };
        let Some(text) = storage.get_item(PROGRESS_KEY).ok().flatten() else {
            return false;
        };
        let Some(progress) = Progress::from_json(&text) else {
            // Not ours to read (another version, or damaged): nothing to pick up.
            _ = storage.remove_item(PROGRESS_KEY);
            return false;
        };
        let (checkout, effects) = CartCheckout::resume(progress, &mut BrowserEntropy);
        if checkout.is_empty() {
            _ = storage.remove_item(PROGRESS_KEY);
            return false;
        }
        // What was kept when it began, else the titles the cart holds now.
        let kept = Kept::load().unwrap_or_else(|| Kept {
            labels: labels(cart),
            charged: Vec::new(),
        });
        self.kept.set_value(kept);
        self.begin(checkout, wallet);
        refresh(self);
        run_effects(self, effects);
        true
    }

    fn begin(self, checkout: CartCheckout, wallet: Option<String>) {
        self.generation.update_value(|g| *g = g.wrapping_add(1));
        self.wallet.set_value(wallet);
        self.checkout.set_value(Some(checkout));
    }

    /// Closes the sheet if the checkout allows it (back to the cart's lines); `false` if not.
    pub(super) fn close(self) -> bool {
        if !self.active() {
            return true;
        }
        if !self.can_close.get_untracked() {
            return false;
        }
        dispatch(self, Event::Close);
        !self.active()
    }
}

/// Forgets a kept checkout (a fresh page's store, for tests that share one page).
pub(super) fn forget_progress() {
    if let Some(storage) = session_storage() {
        _ = storage.remove_item(PROGRESS_KEY);
        _ = storage.remove_item(KEPT_KEY);
    }
}

/// A session's total as money (`None` without a total or with a currency that is not ISO 4217).
fn session_total(session: &Session) -> Option<Money> {
    let minor = u64::try_from(session.total()?).ok()?;
    let currency = Currency::parse(&session.currency.to_ascii_uppercase()).ok()?;
    Some(Money::new(minor, currency))
}

/// Keeps what each newly placed shop charged, for the report after a reload.
fn remember_charged(pay: Pay, checkout: &CartCheckout) {
    let new: Vec<(String, u64, String)> = pay.kept.with_value(|kept| {
        checkout
            .shops()
            .iter()
            .filter(|shop| matches!(shop.state(), ShopState::Placed(_)))
            .filter(|shop| kept.charged(shop.endpoint()).is_none())
            .filter_map(|shop| {
                let total = shop.session().and_then(session_total)?;
                Some((
                    shop.endpoint().to_owned(),
                    total.minor,
                    total.currency.code().to_owned(),
                ))
            })
            .collect()
    });
    if !new.is_empty() {
        pay.kept.update_value(|kept| {
            kept.charged.extend(new);
            kept.store();
        });
    }
}

fn labels(cart: &Cart) -> Vec<(LineKey, String)> {
    cart.lines()
        .iter()
        .map(|line| (line.key().clone(), line.estimate().title().to_owned()))
        .collect()
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|now| *now != value) {
        signal.set(value);
    }
}

/// Redraws what changed; a closed checkout is dropped with its timers.
fn refresh(pay: Pay) {
    let closed = pay
        .checkout
        .with_value(|c| c.as_ref().is_none_or(|c| *c.stage() == Stage::Closed));
    if closed {
        // Nothing of the card outlives its checkout.
        pay.form.forget_card();
        pay.checkout.set_value(None);
        pay.timers.set_value(Vec::new());
        pay.generation.update_value(|g| *g = g.wrapping_add(1));
        set_if_changed(pay.sheet, Sheet::idle());
        set_if_changed(pay.armed, false);
        set_if_changed(pay.can_close, true);
        return;
    }
    pay.checkout.with_value(|checkout| {
        if let Some(checkout) = checkout {
            remember_charged(pay, checkout);
            let sheet = pay.kept.with_value(|kept| Sheet::of(checkout, kept));
            set_if_changed(pay.sheet, sheet);
            set_if_changed(
                pay.armed,
                *checkout.stage() == Stage::Review { armed: true },
            );
            set_if_changed(pay.can_close, checkout.can_close());
        }
    });
}

pub(super) fn dispatch(pay: Pay, event: Event) {
    let Some(Some(effects)) = pay.checkout.try_update_value(|checkout| {
        checkout
            .as_mut()
            .map(|c| c.handle(event, &mut BrowserEntropy))
    }) else {
        return; // No checkout, or the cart element went away.
    };
    refresh(pay);
    run_effects(pay, effects);
}

fn run_effects(pay: Pay, effects: Vec<Effect>) {
    let generation = pay.generation.get_value();
    for effect in effects {
        match effect {
            Effect::Send { shop, request } => {
                let endpoint = pay.checkout.with_value(|c| {
                    c.as_ref()
                        .and_then(|c| c.shops().get(shop))
                        .map(|s| s.endpoint().to_owned())
                });
                let Some(endpoint) = endpoint else { continue };
                let wallet = pay.wallet.get_value();
                let answered = match &*request {
                    Request::Flow(request) => request.answered(),
                    Request::Open { .. } => true,
                };
                leptos::task::spawn_local(async move {
                    let outcome = send(endpoint, wallet, *request).await;
                    // An answer for a checkout that was closed meanwhile is dropped, and so is
                    // a cancel's (see `flow::Request::answered`).
                    if answered && pay.generation.try_get_value() == Some(generation) {
                        dispatch(pay, Event::Done { shop, outcome });
                    }
                });
            }
            Effect::StartTimer(timer, ms) => {
                let fire = move || {
                    if pay.generation.try_get_value() == Some(generation) {
                        dispatch(pay, Event::Timer(timer));
                    }
                };
                if let Some(timeout) = Timeout::new(i32::try_from(ms).unwrap_or(i32::MAX), fire) {
                    pay.timers.update_value(|timers| timers.push(timeout));
                }
            }
            Effect::Emit { event, .. } => pay.host.with_value(|host| emit_on(host, event)),
            // The sheet shows the bank's step while the shop being paid authenticates.
            Effect::Challenge { .. } => {}
            Effect::RemoveLines { lines, .. } => cart_store::remove(&lines),
            Effect::Save(progress) => {
                if let Some(storage) = session_storage() {
                    match progress {
                        Some(progress) => {
                            _ = storage.set_item(PROGRESS_KEY, &progress.to_json());
                        }
                        None => forget_progress(),
                    }
                }
            }
        }
    }
}

/// Runs one shop's request: `Open` is its session for all its items, the rest as the card's.
async fn send(endpoint: String, wallet: Option<String>, request: Request) -> Outcome {
    let Some(endpoint) = endpoint_base(&endpoint).map(str::to_owned) else {
        return Outcome::Failed(CheckoutError::Unauthorized);
    };
    let backend = Backend { endpoint, wallet };
    match request {
        Request::Open {
            key,
            items,
            contact,
            delivery,
        } => open(&backend, &key, &items, contact.as_ref(), delivery.as_ref()).await,
        Request::Flow(request) => run(&backend, &request).await,
    }
}

/// Amounts in several currencies are listed, never added.
fn amounts(locale: &Locale, sums: &[Money]) -> String {
    sums.iter()
        .map(|m| format_money(locale.tag(), *m))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The sheet's heading for what it shows.
pub(super) fn title(pay: Pay, lang: Lang) -> String {
    pay.sheet
        .with(|sheet| match &sheet.stage {
            Stage::Idle | Stage::Closed => Msg::YourCart,
            Stage::Report => sheet.heading,
            Stage::Failed(_) => Msg::OrdersNotPlaced,
            Stage::Details => Msg::YourDetails,
            Stage::Opening | Stage::Review { .. } | Stage::Paying => Msg::ConfirmOrdersTitle,
        })
        .text(lang)
}

/// What the live region says of the checkout.
pub(super) fn status(pay: Pay, lang: Lang) -> String {
    pay.sheet.with(|sheet| {
        let paying = sheet.shops.iter().find(|s| s.state == ShopState::Paying);
        match (&sheet.stage, paying) {
            (Stage::Opening, _) => Msg::OpeningCheckout.text(lang),
            (Stage::Paying, Some(shop)) if shop.authenticating => {
                Msg::ErrNeedsAuthentication.text(lang)
            }
            (Stage::Paying, Some(shop)) => Msg::PayingShop.fill(lang, &[&shop.name]),
            (Stage::Report, _) => sheet.heading.text(lang),
            (Stage::Failed(error), _) => error.text(lang),
            _ => String::new(),
        }
    })
}

/// Whether the bank's step is showing (its own heading takes the focus).
pub(super) fn authenticating(pay: Pay) -> bool {
    pay.sheet.with(Sheet::authenticating)
}

/// The checkout's body inside the panel, below its heading.
pub(super) fn body(pay: Pay, locale: Locale, bank_title: NodeRef<leptos::html::H3>) -> AnyView {
    let lang = locale.lang;
    let sheet = pay.sheet.get();
    let close = move || {
        view! {
            <button type="button" class="done" on:click=move |_| _ = pay.close()>
                {Msg::Close.text(lang)}
            </button>
        }
    };
    let retry = sheet.can_retry.then(|| {
        view! {
            <button type="button" class="retry primary" part="primary" on:click=move |_| dispatch(pay, Event::Retry)>
                {Msg::Retry.text(lang)}
            </button>
        }
    });
    match sheet.stage.clone() {
        Stage::Idle | Stage::Closed => ().into_any(),
        Stage::Opening => {
            let shops = sheet
                .shops
                .iter()
                .map(|shop| {
                    view! {
                        <li class="pay-shop opening" aria-busy="true">
                            <span class="spinner" aria-hidden="true"></span>
                            <span>{shop.name.clone()}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p class="pay-note">{Msg::OpeningCheckout.text(lang)}</p>
                <ul class="pay-shops">{shops}</ul>
            }
            .into_any()
        }
        Stage::Details => details(pay, &sheet, lang),
        Stage::Review { .. } => review(pay, &sheet, &locale, retry),
        Stage::Paying => {
            let bank = sheet.shops.iter().find(|s| s.authenticating).map(|shop| {
                let asks = shop
                    .session
                    .as_ref()
                    .and_then(|s| s.total().map(|t| super::buy::money(&locale, s, t)))
                    .map_or_else(
                        || Msg::ErrNeedsAuthentication.text(lang),
                        |amount| Msg::BankAsks.fill(lang, &[&amount, &shop.name]),
                    );
                let answer =
                    Callback::new(move |result| dispatch(pay, Event::Authenticated(result)));
                bank_step(lang, sheet.card.clone(), asks, bank_title, answer)
            });
            view! {
                {progress(&sheet, &locale)}
                {bank}
            }
            .into_any()
        }
        Stage::Report => {
            let unplaced = sheet.shops.iter().any(|s| {
                matches!(
                    s.state,
                    ShopState::Failed(_) | ShopState::Unavailable(_) | ShopState::NotAttempted
                )
            });
            let note = unplaced.then(|| {
                view! { <p class="pay-note">{Msg::LeftInCart.text(lang)}</p> }
            });
            view! {
                {progress(&sheet, &locale)}
                {note}
                <div class="actions">{retry} {close()}</div>
            }
            .into_any()
        }
        Stage::Failed(error) => view! {
            <p class="problem" role="alert">{error.text(lang)}</p>
            <div class="actions">{retry} {close()}</div>
        }
        .into_any(),
    }
}

/// The new buyer's form, wired to the cart's checkout.
fn parts(pay: Pay, lang: Lang) -> Parts {
    let actions = Actions {
        address: Callback::new(move |entry: AddressEntry| {
            // The checkout takes it only at the details step (not while the shops answer).
            let asked = pay.sheet.with_untracked(|s| s.stage == Stage::Details);
            if asked {
                dispatch(pay, Event::SubmitAddress(Box::new(entry)));
            }
            asked
        }),
        pay: Callback::new(move |card: CardPayment| {
            dispatch(pay, Event::Pay(Some(Box::new(card))));
        }),
        declined: Signal::derive(move || pay.sheet.with(|s| s.declined)),
        armed: pay.armed.into(),
    };
    Parts {
        form: pay.form,
        lang,
        actions,
    }
}

/// The details step: the contact and address once, for every shop that needs them.
fn details(pay: Pay, sheet: &Sheet, lang: Lang) -> AnyView {
    let shops = sheet
        .shops
        .iter()
        .filter(|s| s.state == ShopState::NeedsDetails)
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <div class="new-buyer">
            <p class="pay-note">{Msg::DetailsForShops.fill(lang, &[&shops])}</p>
            {parts(pay, lang).address_form(Signal::stored(true))}
            <div class="actions">
                <button type="button" class="cancel" on:click=move |_| dispatch(pay, Event::Cancel)>
                    {Msg::Cancel.text(lang)}
                </button>
            </div>
        </div>
    }
    .into_any()
}

/// Each shop's outcome so far, one block per shop: paying; placed (the order's number, what
/// was charged, what was bought); not placed (why, and what it would have bought).
fn progress(sheet: &Sheet, locale: &Locale) -> impl IntoView + use<> {
    let lang = locale.lang;
    let rows = sheet
        .shops
        .iter()
        .zip(sheet.shops.iter().map(|s| result(&s.state)))
        .filter(|(_, result)| *result != Some(ShopResult::Removed))
        .map(|(shop, result)| {
            let name = shop.name.as_str();
            let charged = shop.charged.map(|m| format_money(locale.tag(), m));
            let (class, words, order) = match result {
                _ if shop.state == ShopState::Paying => {
                    ("paying", Msg::PayingShop.fill(lang, &[name]), None)
                }
                Some(ShopResult::Placed(order)) => {
                    let number = order
                        .number
                        .as_deref()
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(|n| Msg::OrderNumber.fill(lang, &[n]));
                    // One row for every shop, read from the start: "Paid $35.03 · Order …".
                    let line = [
                        charged.map(|amount| Msg::Charged.fill(lang, &[&amount])),
                        number,
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                    let order =
                        (!line.is_empty()).then(|| view! { <p class="order-line">{line}</p> });
                    ("placed", Msg::PlacedWith.fill(lang, &[name]), order)
                }
                Some(ShopResult::NotPlaced(error)) => (
                    "not-placed",
                    Msg::NotPlacedWith.fill(lang, &[name, &error.text(lang)]),
                    Some(view! { <p class="order-line">{Msg::NotCharged.text(lang)}</p> }),
                ),
                _ => (
                    "not-attempted",
                    Msg::NotAttemptedWith.fill(lang, &[name]),
                    Some(view! { <p class="order-line">{Msg::NotCharged.text(lang)}</p> }),
                ),
            };
            let busy = (class == "paying").then_some("true");
            let bought = (!shop.bought.is_empty()).then(|| shop.bought.clone());
            view! {
                <li class=format!("pay-shop {class}") aria-busy=busy>
                    <p class="pay-result">{words}</p>
                    {order}
                    {bought.map(|b| view! { <p class="bought">{b}</p> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="pay-shops">{rows}</ul> }
}

/// How a shop stands for the progress list (`None`: not settled yet).
fn result(state: &ShopState) -> Option<ShopResult> {
    match state {
        ShopState::Placed(order) => Some(ShopResult::Placed(order.clone())),
        ShopState::Failed(error) | ShopState::Unavailable(error) => {
            Some(ShopResult::NotPlaced(error.clone()))
        }
        ShopState::Removed => Some(ShopResult::Removed),
        ShopState::NotAttempted => Some(ShopResult::NotAttempted),
        ShopState::Opening | ShopState::NeedsDetails | ShopState::Ready | ShopState::Paying => None,
    }
}

/// The confirmation: per shop the merchant's lines and totals, the shops that cannot take their
/// items (with why, and Remove from cart), the grand total, the card, and one Pay.
fn review(
    pay: Pay,
    sheet: &Sheet,
    locale: &Locale,
    retry: Option<impl IntoView + 'static>,
) -> AnyView {
    let lang = locale.lang;
    let shops = sheet
        .shops
        .iter()
        .enumerate()
        .filter_map(|(index, shop)| match (&shop.state, &shop.session) {
            (ShopState::Ready, Some(session)) => Some(
                view! {
                    <section class="pay-group" aria-label=shop.name.clone()>
                        <h3 class="shop">{shop.name.clone()}</h3>
                        {summary(locale, &named(session, &shop.titles), None)}
                    </section>
                }
                .into_any(),
            ),
            (ShopState::Unavailable(error), _) => {
                let why = Msg::CannotOpenWith.fill(lang, &[&shop.name, &error.text(lang)]);
                Some(
                    view! {
                        <section class="pay-group unavailable" aria-label=shop.name.clone()>
                            <p class="problem">{why}</p>
                            <button
                                type="button"
                                class="remove"
                                on:click=move |_| dispatch(pay, Event::Remove(index))
                            >
                                {Msg::RemoveFromCart.text(lang)}
                                <span class="sr-only">" " {shop.name.clone()}</span>
                            </button>
                        </section>
                    }
                    .into_any(),
                )
            }
            _ => None,
        })
        .collect_view();
    let total = amounts(locale, &sheet.to_pay);
    let payable = sheet.ready > 0 && !sheet.to_pay.is_empty();
    let grand = if payable {
        view! {
            <p class="grand-total">
                <span>{Msg::TotalForShops(sheet.ready).text(lang)}</span>
                <span class="amount">{total.clone()}</span>
            </p>
            {(sheet.ready > 1).then(|| view! {
                <p class="pay-note charges">{Msg::SeparateCharges(sheet.ready).text(lang)}</p>
            })}
        }
        .into_any()
    } else {
        view! { <p class="pay-note">{Msg::NothingToPay.text(lang)}</p> }.into_any()
    };
    // Where the orders go, as every shop has it, and Change (back to the details step).
    let ship = sheet.details.as_ref().map(|details| {
        let to = details
            .delivery
            .address
            .as_ref()
            .map(|address| ship_to_line(address, lang));
        let change = sheet.can_change.then(|| {
            view! {
                <button type="button" class="change" on:click=move |_| dispatch(pay, Event::ChangeDetails)>
                    {Msg::ChangeDetails.text(lang)}
                </button>
            }
        });
        view! {
            <div class="ship-to">
                <dl class="payer">
                    {to.map(|to| view! {
                        <div>
                            <dt>{Msg::ShipTo.text(lang)}</dt>
                            <dd>{to}</dd>
                        </div>
                    })}
                    <div>
                        <dt>{Msg::FieldEmail.text(lang)}</dt>
                        <dd>{details.contact.email.clone()}</dd>
                    </div>
                </dl>
                {change}
            </div>
        }
    });
    // A new buyer types the card below the totals; its Pay names the amount.
    let card_form = (payable && sheet.needs_card).then(|| {
        let label = Signal::stored(pay_label(lang, Some(&total)));
        view! {
            <div class="new-buyer">
                {parts(pay, lang).card_form(sheet.can_save, label)}
            </div>
        }
    });
    let saved_ship_to = sheet.saved_ship_to.clone();
    let card = sheet.card.clone().filter(|_| payable).map(|card| {
        view! {
            <dl class="payer">
                {saved_ship_to.map(|to| view! {
                    <div>
                        <dt>{Msg::ShipTo.text(lang)}</dt>
                        <dd>{to}</dd>
                    </div>
                })}
                <div>
                    <dt>{Msg::PayWith.text(lang)}</dt>
                    <dd class="card-name">{card}</dd>
                </div>
            </dl>
        }
    });
    let pay_button = (payable && !sheet.needs_card).then(|| {
        let armed = pay.armed;
        view! {
            <button
                type="button"
                class="confirm primary"
                part="primary"
                aria-disabled=move || (!armed.get()).to_string()
                on:click=move |_| {
                    if armed.get_untracked() {
                        dispatch(pay, Event::Pay(None));
                    }
                }
            >
                {pay_label(lang, Some(&total))}
            </button>
        }
    });
    view! {
        {shops}
        {grand}
        {ship}
        {card}
        {card_form}
        <div class="actions">
            {pay_button}
            {retry}
            <button type="button" class="cancel" on:click=move |_| dispatch(pay, Event::Cancel)>
                {Msg::Cancel.text(lang)}
            </button>
        </div>
    }
    .into_any()
}
