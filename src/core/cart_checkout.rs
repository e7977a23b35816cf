//! Checkout of a cart across shops, as a state machine: one checkout session per shop, one
//! confirmation sheet with every shop's authoritative totals, and one Pay that pays the shops one
//! by one, in order, each with its own token bound to its own session and amount.
//!
//! Pure and synchronous, in the style of [`flow`]: [`CartCheckout::handle`] takes an [`Event`]
//! and returns the [`Effect`]s to run; the shell runs them and feeds their outcomes back.
//!
//! **Each shop is a [`Flow`].** Everything that makes paying safe (one Idempotency-Key per
//! intent and the same key on every resend, a payment whose answer was lost is checked before
//! anything else and, if it never took effect, sent again unchanged, no `complete` after an
//! order, 3-D Secure, backoff, sold out) is already the single-product flow's, property-tested
//! there. Re-implementing it per shop would be a second copy of the rules that matter most, so
//! this module does not: it owns one `Flow` per shop and only decides *when* each is told what,
//! passing every request of a shop's flow to the shell as it is. It adds three things:
//! - One wallet read for every shop. The first shop's flow reads it; the others' reads are
//!   answered from that answer (a new checkout reads it again).
//! - A shop buys several items: its flow's one `create` is widened to all of the shop's items
//!   ([`Request::Open`], same key and buyer details); no other request names items.
//! - One arming for the sheet. The shops' confirmation delays are not shown to the buyer; they
//!   elapse when the combined sheet's does ([`ARM_DELAY_MS`] after it shows every total).
//!
//! Rules (property-tested below, with random taps, timers, answers per shop and reloads):
//! - At most one order per shop: a placed shop is never paid again, and a shop whose payment's
//!   outcome is unknown is looked at before anything else (Close and Cancel wait for that).
//! - Pay pays the ready shops in order and stops at the first that is not placed; the others are
//!   "not attempted". What is placed stands: its lines leave the cart at once
//!   ([`Effect::RemoveLines`], [`Removal::Placed`]); every other line stays.
//! - Try again after that goes back to the confirmation for the shops not placed (their totals
//!   may have changed), and pays only those. A payment that never reached its shop is sent again
//!   unchanged (same key, same token); a declined saved card starts that shop over with a new
//!   session.
//! - A double tap on Pay does nothing more; Pay works only once the sheet has been shown for
//!   [`ARM_DELAY_MS`].
//! - A reload mid-payment loses nothing that matters: [`Effect::Save`] hands the shell a
//!   [`Progress`] (the orders placed, the payment in flight per shop: its key, session and
//!   token) before each payment is sent, and [`CartCheckout::resume`] picks up from it.
//!
//! How the shell drives it: `handle(Event::CheckOut)`, then run every effect. `Send` goes to the
//! shop's endpoint (or the host's wallet, for the wallet's requests) and comes back as
//! `Event::Done { shop, outcome }`; `StartTimer` comes back as `Event::Timer` (drop it if the
//! sheet goes away); `Challenge` shows the bank's step for that shop and comes back as
//! `Event::Authenticated`; `Emit` dispatches a `buycard:*` event; `RemoveLines` removes lines
//! from the cart ([`Cart::remove_all`]); `Save` writes [`Progress`] to `sessionStorage` (or
//! clears it). The sheet renders [`CartCheckout::stage`] and each [`Shop`]'s state and session.

use serde::{Deserialize, Serialize};

use super::cart::{Cart, LineKey};
use super::checkout::{Authentication, Contact, Delivery, Order, Purchase, Session, Visitor};
use super::checkout_error::CheckoutError;
use super::flow::{self, AddressEntry, CardPayment, Entropy, Flow, HostEvent, Outcome};
use super::i18n::Msg;
use super::money::{Currency, Money};
use super::retry::Backoff;

/// How long the combined sheet must be visible before Pay works.
pub const ARM_DELAY_MS: u32 = flow::ARM_DELAY_MS;
/// The version of [`Progress`] as stored.
pub const PROGRESS_VERSION: u32 = 1;
/// Largest stored [`Progress`] read back, in bytes.
pub const MAX_PROGRESS_BYTES: usize = 256 * 1024;

/// What the buyer sees.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// The cart panel with its Check out button.
    Idle,
    /// Reading the wallet and opening each shop's session.
    Opening,
    /// A new buyer: the details sheet, once for every shop.
    Details,
    /// The confirmation: per shop its lines, delivery, tax and total, the shops that cannot take
    /// their items now (with why), the grand total and one Pay. `armed` once it has been shown
    /// for [`ARM_DELAY_MS`].
    Review { armed: bool },
    /// Paying the shops one by one ([`CartCheckout::paying`] is the one being paid).
    Paying,
    /// How it ended, per shop: placed, not placed (why), not attempted.
    Report,
    /// Nothing could be opened (the wallet could not be read).
    Failed(CheckoutError),
    /// Canceled or closed: the shell drops this checkout.
    Closed,
}

impl Stage {
    /// The host element's `data-state`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Stage::Idle => "ready",
            Stage::Opening => "loading",
            Stage::Details => "details",
            Stage::Review { .. } => "confirming",
            Stage::Paying => "placing",
            Stage::Report => "result",
            Stage::Failed(_) => "error",
            Stage::Closed => "closed",
        }
    }
}

/// Where one shop's checkout stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ShopState {
    /// Its session is being opened (or its buyer's details sent), or it waits for the wallet.
    Opening,
    /// A new buyer's details are needed before its session can be paid.
    NeedsDetails,
    /// Its session is ready to pay, with the merchant's totals.
    Ready,
    /// Its session could not be opened or is not payable: listed in the confirmation with why,
    /// not paid.
    Unavailable(CheckoutError),
    /// Its turn to pay (token, payment, the bank's step, a check).
    Paying,
    Placed(Order),
    /// Its payment failed; [`CheckoutError::Unconfirmed`] when its outcome could not be checked
    /// yet (Try again checks again).
    Failed(CheckoutError),
    /// Not paid because a shop before it was not placed.
    NotAttempted,
    /// The buyer removed its lines from the cart.
    Removed,
}

/// How a shop ended, for the report: every shop is listed once.
#[derive(Debug, Clone, PartialEq)]
pub enum ShopResult {
    /// "Placed with {shop}", with the order's number.
    Placed(Order),
    /// "Not placed with {shop}: {why}".
    NotPlaced(CheckoutError),
    /// "Not yet ordered from {shop}".
    NotAttempted,
    Removed,
}

impl ShopResult {
    /// The words; the shell fills in the shop's name (and the reason's words).
    pub fn message(&self) -> Msg {
        match self {
            ShopResult::Placed(_) => Msg::PlacedWith,
            ShopResult::NotPlaced(_) => Msg::NotPlacedWith,
            ShopResult::NotAttempted => Msg::NotAttemptedWith,
            ShopResult::Removed => Msg::Removed,
        }
    }
}

/// One cart line a shop's session buys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub line: LineKey,
    pub quantity: u32,
}

/// A request for the shell to send. Keys are Idempotency-Keys, the same on every resend.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Open the shop's checkout session for all its items (its flow's `create`, widened;
    /// `core::checkout::request::create_items` writes the body).
    Open {
        key: String,
        items: Vec<Purchase>,
        contact: Option<Contact>,
        delivery: Option<Delivery>,
    },
    /// Any other request of the shop's flow, as `flow` defines it (the wallet's requests go to
    /// the host's wallet, the rest to the shop's endpoint).
    Flow(flow::Request),
}

impl Request {
    /// The Idempotency-Key to send (reads have none).
    pub fn key(&self) -> Option<&str> {
        match self {
            Request::Open { key, .. } => Some(key),
            Request::Flow(request) => request.key(),
        }
    }
}

/// A timer the checkout started. Numbers are generations: a stale timer is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// The combined sheet has been visible long enough.
    Arm(u32),
    /// A shop's flow's timer (a resend after a pause, a look at a payment in progress).
    Shop { shop: usize, timer: flow::Timer },
}

/// Why lines leave the cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// Their shop placed the order.
    Placed,
    /// The buyer removed them from the confirmation or the report.
    Dropped,
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The panel's Check out.
    CheckOut,
    /// A new buyer's contact and address, for every shop.
    SubmitAddress(Box<AddressEntry>),
    /// A new buyer's Change on the confirmation: back to the details step, whose Continue sends
    /// the details again to every shop not placed (so every shop has the same ones).
    ChangeDetails,
    /// The sheet's one Pay: `None` for a saved buyer, the card for a new one
    /// ([`CartCheckout::needs_card`]).
    Pay(Option<Box<CardPayment>>),
    /// The bank's step for the shop being paid finished.
    Authenticated(Authentication),
    /// Try again: the shops that could not open (confirmation), the shops not placed (report),
    /// or the wallet (failed).
    Retry,
    /// Remove a shop's lines from the cart (one that is not placed nor being paid).
    Remove(usize),
    /// Cancel (before paying): the sessions are canceled, the cart stays.
    Cancel,
    /// Close the report (or, like Cancel, the sheet before paying).
    Close,
    Timer(Timer),
    /// The request sent for `shop` finished.
    Done {
        shop: usize,
        outcome: Outcome,
    },
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send {
        shop: usize,
        request: Box<Request>,
    },
    StartTimer(Timer, u32),
    /// Dispatch a shop's flow's event on the host.
    Emit {
        shop: usize,
        event: HostEvent,
    },
    /// Show the bank's step for this shop's session.
    Challenge {
        shop: usize,
    },
    /// Remove these lines from the cart ([`Cart::remove_all`]; doing it twice is harmless).
    RemoveLines {
        lines: Vec<LineKey>,
        because: Removal,
    },
    /// Keep this (`sessionStorage`) to [`CartCheckout::resume`] after a reload; `None`: forget
    /// it. Run it before the effects that follow it.
    Save(Option<Box<Progress>>),
}

/// One shop of the checkout: its items and its flow.
#[derive(Debug)]
pub struct Shop {
    endpoint: String,
    currency: Currency,
    seller: Option<String>,
    items: Vec<Item>,
    state: ShopState,
    flow: Flow,
    /// The flow's arming timer, fired when the combined sheet's fires.
    arm: Option<u32>,
    /// The new buyer's details went to this shop's current session.
    address_sent: bool,
    /// The payment sent and not yet settled (kept for a reload).
    pending: Option<flow::Request>,
}

impl Shop {
    /// The shop's checkout base (the cart lines' endpoint).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The merchant's name, from the cart's estimates.
    pub fn seller(&self) -> Option<&str> {
        self.seller.as_deref()
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn lines(&self) -> Vec<LineKey> {
        self.items.iter().map(|i| i.line.clone()).collect()
    }

    pub fn state(&self) -> &ShopState {
        &self.state
    }

    /// The merchant's session: what the sheet shows for this shop (never the cart's estimates).
    pub fn session(&self) -> Option<&Session> {
        self.flow.session()
    }

    /// The shop's flow's stage (Placing, Checking, Authenticating while it is paid).
    pub fn flow_stage(&self) -> &flow::Stage {
        self.flow.stage()
    }

    /// The signed-in buyer's saved details, as the wallet gave them to this shop's flow.
    pub fn saved_buyer(&self) -> Option<&flow::SavedBuyer> {
        self.flow.saved_buyer()
    }

    /// A problem to show beside the shop (a declined card).
    pub fn notice(&self) -> Option<&CheckoutError> {
        self.flow.notice()
    }

    pub fn result(&self) -> ShopResult {
        match &self.state {
            ShopState::Placed(order) => ShopResult::Placed(order.clone()),
            ShopState::Failed(error) | ShopState::Unavailable(error) => {
                ShopResult::NotPlaced(error.clone())
            }
            ShopState::Removed => ShopResult::Removed,
            ShopState::Opening
            | ShopState::NeedsDetails
            | ShopState::Ready
            | ShopState::Paying
            | ShopState::NotAttempted => ShopResult::NotAttempted,
        }
    }

    fn purchases(&self) -> Vec<Purchase> {
        purchases(&self.items, self.currency)
    }

    /// Whether a payment's outcome is unknown: being sent or checked, or not checked yet.
    fn in_doubt(&self) -> bool {
        self.flow.checks_again()
            || matches!(
                self.flow.stage(),
                flow::Stage::Placing | flow::Stage::Checking
            )
    }

    fn progress(&self) -> ShopProgress {
        ShopProgress {
            endpoint: self.endpoint.clone(),
            currency: self.currency.code().to_owned(),
            seller: self.seller.clone(),
            items: self.items.clone(),
            placed: match &self.state {
                ShopState::Placed(order) => Some(order.clone()),
                _ => None,
            },
            pending: self.pending.as_ref().and_then(PendingPayment::from_request),
            removed: self.state == ShopState::Removed,
        }
    }
}

/// What survives a reload: per shop its items, its order once placed, and the payment sent
/// whose outcome is not settled. Stored as JSON with `"v": 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub v: u32,
    pub has_wallet: bool,
    pub shops: Vec<ShopProgress>,
}

/// One shop in [`Progress`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopProgress {
    pub endpoint: String,
    /// ISO 4217, upper case.
    pub currency: String,
    #[serde(default)]
    pub seller: Option<String>,
    pub items: Vec<Item>,
    #[serde(default)]
    pub placed: Option<Order>,
    #[serde(default)]
    pub pending: Option<PendingPayment>,
    /// The buyer removed its lines from the cart: it is not paid after a reload either.
    #[serde(default)]
    pub removed: bool,
}

/// A `complete` that was sent and whose outcome is not settled: sent again exactly as it was if
/// the session shows it never took effect. The token is single-use and bound to this session
/// and amount; it is kept in the tab's `sessionStorage` only until the outcome is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPayment {
    pub key: String,
    pub session_id: String,
    pub handler_id: String,
    pub token: String,
    #[serde(default)]
    pub authentication: Option<Authentication>,
}

impl PendingPayment {
    fn from_request(request: &flow::Request) -> Option<Self> {
        match request {
            flow::Request::Complete {
                key,
                session_id,
                handler_id,
                token,
                authentication,
            } => Some(Self {
                key: key.clone(),
                session_id: session_id.clone(),
                handler_id: handler_id.clone(),
                token: token.clone(),
                authentication: authentication.clone(),
            }),
            _ => None,
        }
    }

    fn into_request(self) -> flow::Request {
        flow::Request::Complete {
            key: self.key,
            session_id: self.session_id,
            handler_id: self.handler_id,
            token: self.token,
            authentication: self.authentication,
        }
    }
}

impl Progress {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Progress read back; `None` for anything this version did not write (too large, corrupt,
    /// another version, a shop with no items or a bad currency). Never panics.
    pub fn from_json(text: &str) -> Option<Self> {
        if text.len() > MAX_PROGRESS_BYTES {
            return None;
        }
        let progress: Progress = serde_json::from_str(text).ok()?;
        let valid = progress.v == PROGRESS_VERSION
            && progress.shops.iter().all(|shop| {
                !shop.items.is_empty()
                    && shop.items.iter().all(|i| i.quantity > 0)
                    && Currency::parse(&shop.currency).is_ok()
            });
        valid.then_some(progress)
    }
}

/// The checkout of a cart across shops.
#[derive(Debug)]
pub struct CartCheckout {
    shops: Vec<Shop>,
    has_wallet: bool,
    stage: Stage,
    /// The wallet's answer, shared by every shop; read again by each new checkout.
    visitor: Option<Visitor>,
    /// The shop whose flow reads the wallet for all.
    reader: Option<usize>,
    /// Shops whose flows wait for the reader's answer.
    parked: Vec<usize>,
    /// A new buyer's details, sent to every shop's session.
    address: Option<AddressEntry>,
    /// A new buyer's card, for this round of payments only.
    card: Option<CardPayment>,
    /// The card's "save" was already asked of one shop this round.
    card_used: bool,
    arm_gen: u32,
    arm_pending: Option<u32>,
    /// A shop of this round of payments was not placed: the rest are not attempted.
    round_failed: bool,
}

impl CartCheckout {
    /// A checkout of `cart`: one shop per endpoint and currency (a session has one currency),
    /// shops in the order their first line was added. Lines the last reconcile said are sold
    /// out are left out (they stay in the cart, which says so). `has_wallet`: the host has a
    /// wallet (saved buyers pay in two taps).
    pub fn new(cart: &Cart, has_wallet: bool) -> Self {
        let mut shops: Vec<Shop> = Vec::new();
        for line in cart.lines().iter().filter(|l| !l.sold_out()) {
            let currency = line.estimate().unit_price().currency;
            let item = Item {
                line: line.key().clone(),
                quantity: line.quantity(),
            };
            let endpoint = line.key().endpoint();
            match shops
                .iter_mut()
                .find(|s| s.endpoint == endpoint && s.currency == currency)
            {
                Some(shop) => {
                    shop.items.push(item);
                    if shop.seller.is_none() {
                        shop.seller = line.estimate().seller().map(str::to_owned);
                    }
                }
                None => shops.push(Self::shop(
                    endpoint.to_owned(),
                    currency,
                    line.estimate().seller().map(str::to_owned),
                    vec![item],
                    has_wallet,
                )),
            }
        }
        Self::with_shops(shops, has_wallet, Stage::Idle)
    }

    fn shop(
        endpoint: String,
        currency: Currency,
        seller: Option<String>,
        items: Vec<Item>,
        has_wallet: bool,
    ) -> Shop {
        let first = purchases(&items, currency).into_iter().next();
        Shop {
            endpoint,
            currency,
            seller,
            items,
            state: ShopState::Opening,
            // The flow's purchase names the shop's first item; its create is widened to all.
            flow: Flow::new(first.unwrap_or_else(no_purchase), has_wallet),
            arm: None,
            address_sent: false,
            pending: None,
        }
    }

    fn with_shops(shops: Vec<Shop>, has_wallet: bool, stage: Stage) -> Self {
        Self {
            shops,
            has_wallet,
            stage,
            visitor: None,
            reader: None,
            parked: Vec::new(),
            address: None,
            card: None,
            card_used: false,
            arm_gen: 0,
            arm_pending: None,
            round_failed: false,
        }
    }

    /// Picks up after a reload: placed shops stay placed (their lines are removed again, which
    /// is harmless), a shop whose payment was in flight is looked at before anything else (the
    /// same `complete` is sent again if the session shows it never took effect), and the rest
    /// were not attempted. Returns the checkout and the effects to run.
    pub fn resume(progress: Progress, entropy: &mut dyn Entropy) -> (Self, Vec<Effect>) {
        let has_wallet = progress.has_wallet;
        let mut shops = Vec::new();
        let mut resumed = Vec::new();
        for saved in progress.shops {
            let Ok(currency) = Currency::parse(&saved.currency) else {
                continue;
            };
            let mut shop = Self::shop(
                saved.endpoint,
                currency,
                saved.seller,
                saved.items,
                has_wallet,
            );
            shop.state = match (saved.placed, saved.pending) {
                (Some(order), _) => ShopState::Placed(order),
                (None, _) if saved.removed => ShopState::Removed,
                (None, Some(pending)) => {
                    let complete = pending.into_request();
                    let purchase = shop.flow_purchase();
                    let (flow, effects) = Flow::resume(purchase, has_wallet, complete.clone());
                    shop.flow = flow;
                    shop.pending = Some(complete);
                    resumed.push((shops.len(), effects));
                    ShopState::Paying
                }
                (None, None) => ShopState::NotAttempted,
            };
            shops.push(shop);
        }
        let paying = !resumed.is_empty();
        let mut checkout = Self::with_shops(shops, has_wallet, Stage::Report);
        let mut out = Vec::new();
        for shop in &checkout.shops {
            if let ShopState::Placed(_) = shop.state {
                out.push(Effect::RemoveLines {
                    lines: shop.lines(),
                    because: Removal::Placed,
                });
            }
        }
        if paying {
            checkout.stage = Stage::Paying;
            // Nothing of this round is paid but what was in flight: the rest wait for Try again.
            checkout.round_failed = true;
        }
        for (shop, effects) in resumed {
            checkout.drive(shop, effects, entropy, &mut out);
        }
        checkout.settle(entropy, &mut out);
        (checkout, out)
    }

    /// The same checkout, retrying each shop's transient failures on `backoff`'s schedule.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        for shop in &mut self.shops {
            let placeholder = Flow::new(shop.flow_purchase(), self.has_wallet);
            let flow = std::mem::replace(&mut shop.flow, placeholder);
            shop.flow = flow.with_backoff(backoff);
        }
        self
    }

    pub fn stage(&self) -> &Stage {
        &self.stage
    }

    pub fn shops(&self) -> &[Shop] {
        &self.shops
    }

    pub fn is_empty(&self) -> bool {
        self.shops.is_empty()
    }

    /// The shop being paid (or checked after a reload).
    pub fn paying(&self) -> Option<usize> {
        self.shops.iter().position(|s| s.state == ShopState::Paying)
    }

    /// Every shop once, in order, with how it ended (or stands).
    pub fn results(&self) -> Vec<ShopResult> {
        self.shops.iter().map(Shop::result).collect()
    }

    /// The report's heading.
    pub fn heading(&self) -> Msg {
        let results = self.results();
        let counted = results.iter().filter(|r| **r != ShopResult::Removed);
        let placed = counted
            .clone()
            .filter(|r| matches!(r, ShopResult::Placed(_)))
            .count();
        match (placed, counted.count()) {
            (0, _) => Msg::OrdersNotPlaced,
            (placed, all) if placed == all => Msg::OrdersPlaced,
            _ => Msg::SomeOrdersPlaced,
        }
    }

    /// What Pay will charge: the ready shops' session totals, one sum per currency, as the
    /// merchants state them.
    pub fn to_pay(&self) -> Vec<Money> {
        let mut sums: Vec<Money> = Vec::new();
        for shop in self.shops.iter().filter(|s| s.state == ShopState::Ready) {
            let Some(session) = shop.session() else {
                continue;
            };
            let amount = session.total().and_then(|t| u64::try_from(t).ok());
            let currency = Currency::parse(&session.currency.to_ascii_uppercase()).ok();
            let (Some(amount), Some(currency)) = (amount, currency) else {
                continue;
            };
            match sums.iter_mut().find(|s| s.currency == currency) {
                Some(sum) => sum.minor = sum.minor.saturating_add(amount),
                None => sums.push(Money::new(amount, currency)),
            }
        }
        sums
    }

    /// How many shops Pay pays ("Total for {n} shops").
    pub fn ready_shops(&self) -> usize {
        self.shops
            .iter()
            .filter(|s| s.state == ShopState::Ready)
            .count()
    }

    /// Whether Pay needs the buyer's card (a new buyer): the sheet shows the card fields.
    pub fn needs_card(&self) -> bool {
        self.shops
            .iter()
            .any(|s| s.state == ShopState::Ready && *s.flow.stage() == flow::Stage::Details)
    }

    /// Whether the card a new buyer types may be saved for next time (signed in to the host's
    /// wallet; a guest has nowhere to save it).
    pub fn can_save(&self) -> bool {
        !self.shops.is_empty() && self.shops.iter().all(|s| s.flow.can_save())
    }

    /// Whether a shop to pay declined the card last typed (the sheet marks the card's field).
    pub fn declined(&self) -> bool {
        self.shops.iter().any(|s| {
            s.state == ShopState::Ready && s.flow.notice() == Some(&CheckoutError::PaymentDeclined)
        })
    }

    /// The new buyer's details as sent to the shops (the confirmation's "Ship to").
    pub fn details(&self) -> Option<&AddressEntry> {
        self.address.as_ref()
    }

    /// Whether a new buyer's Change on the confirmation goes back to the details step.
    pub fn can_change_details(&self) -> bool {
        matches!(self.stage, Stage::Review { .. }) && self.address.is_some()
    }

    /// Whether Try again can lead anywhere.
    pub fn can_retry(&self) -> bool {
        match &self.stage {
            Stage::Failed(_) => self.reader.is_some_and(|r| self.shops[r].flow.can_retry()),
            Stage::Review { .. } | Stage::Report => {
                (0..self.shops.len()).any(|i| self.retryable(i, self.stage == Stage::Report))
            }
            _ => false,
        }
    }

    /// Whether the sheet can be closed (or canceled): not while paying, nor while a shop's
    /// payment is in doubt (Try again checks it first).
    pub fn can_close(&self) -> bool {
        !matches!(self.stage, Stage::Paying | Stage::Closed)
            && !self.shops.iter().any(Shop::in_doubt)
    }

    /// What is kept for a reload.
    pub fn progress(&self) -> Progress {
        Progress {
            v: PROGRESS_VERSION,
            has_wallet: self.has_wallet,
            shops: self.shops.iter().map(Shop::progress).collect(),
        }
    }

    pub fn handle(&mut self, event: Event, entropy: &mut dyn Entropy) -> Vec<Effect> {
        let mut out = Vec::new();
        match event {
            Event::CheckOut => self.on_check_out(),
            Event::SubmitAddress(entry) => self.on_address(*entry),
            Event::ChangeDetails => self.on_change_details(),
            Event::Pay(card) => self.on_pay(card.map(|c| *c)),
            Event::Authenticated(result) => {
                if let Some(shop) = self.paying() {
                    let effects = self.shops[shop]
                        .flow
                        .handle(flow::Event::Authenticated(result), entropy);
                    self.drive(shop, effects, entropy, &mut out);
                }
            }
            Event::Retry => self.on_retry(entropy, &mut out),
            Event::Remove(shop) => self.on_remove(shop, entropy, &mut out),
            Event::Cancel | Event::Close => self.on_close(entropy, &mut out),
            Event::Timer(Timer::Arm(generation)) => self.on_armed(generation, entropy, &mut out),
            Event::Timer(Timer::Shop { shop, timer }) => {
                if let Some(s) = self.shops.get_mut(shop) {
                    let effects = s.flow.handle(flow::Event::Timer(timer), entropy);
                    self.drive(shop, effects, entropy, &mut out);
                }
            }
            Event::Done { shop, outcome } => self.on_done(shop, outcome, entropy, &mut out),
        }
        self.settle(entropy, &mut out);
        out
    }

    fn on_check_out(&mut self) {
        if self.stage != Stage::Idle || self.shops.is_empty() {
            return; // A second tap while opening, or nothing to check out.
        }
        // The buyer may have signed in or out since: the wallet is read again.
        self.visitor = None;
        self.stage = Stage::Opening;
    }

    fn on_address(&mut self, entry: AddressEntry) {
        if self.stage != Stage::Details {
            return;
        }
        self.address = Some(entry);
        for shop in &mut self.shops {
            if shop.state == ShopState::NeedsDetails {
                shop.state = ShopState::Opening;
                shop.address_sent = false;
            }
        }
        self.stage = Stage::Opening;
    }

    fn on_change_details(&mut self) {
        if !matches!(self.stage, Stage::Review { .. }) || self.address.is_none() {
            return; // Only a new buyer's details, and only before paying.
        }
        // Forgotten until the buyer continues, or the shops would be sent the old ones again.
        self.address = None;
        for shop in &mut self.shops {
            let new_buyer = *shop.flow.stage() == flow::Stage::Details;
            let refused = shop.state == ShopState::Unavailable(CheckoutError::DetailsRefused);
            if new_buyer && (shop.state == ShopState::Ready || refused) {
                shop.state = ShopState::NeedsDetails;
                shop.address_sent = false;
            }
        }
        self.arm_pending = None;
        self.stage = Stage::Details;
    }

    fn on_pay(&mut self, card: Option<CardPayment>) {
        if self.stage != (Stage::Review { armed: true }) || self.ready_shops() == 0 {
            return; // Not armed yet, a double tap, or nothing to pay.
        }
        if self.needs_card() && card.is_none() {
            return; // The sheet asks for the card first.
        }
        self.card = card;
        self.card_used = false;
        self.round_failed = false;
        self.stage = Stage::Paying;
    }

    fn on_armed(&mut self, generation: u32, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) {
        if self.arm_pending != Some(generation) {
            return; // Stale: from an earlier confirmation.
        }
        self.arm_pending = None;
        if self.stage != (Stage::Review { armed: false }) {
            return;
        }
        self.stage = Stage::Review { armed: true };
        // The combined sheet's delay is every shop's.
        for shop in 0..self.shops.len() {
            if let Some(generation) = self.shops[shop].arm.take() {
                let effects = self.shops[shop]
                    .flow
                    .handle(flow::Event::Timer(flow::Timer::Arm(generation)), entropy);
                self.drive(shop, effects, entropy, out);
            }
        }
    }

    fn on_done(
        &mut self,
        shop: usize,
        outcome: Outcome,
        entropy: &mut dyn Entropy,
        out: &mut Vec<Effect>,
    ) {
        let Some(s) = self.shops.get_mut(shop) else {
            return;
        };
        let wallet_read = s.flow.in_flight() == Some(&flow::Request::Wallet);
        if wallet_read && self.stage == Stage::Closed {
            return; // Nothing was opened for this shop, and nothing will be.
        }
        if let (true, Outcome::Wallet(visitor)) = (wallet_read, &outcome) {
            // The one wallet read: every other shop's is answered from it.
            self.visitor = Some(visitor.clone());
            self.reader = None;
        }
        let effects = s.flow.handle(flow::Event::Done(outcome), entropy);
        self.drive(shop, effects, entropy, out);
        if let Some(visitor) = self.visitor.clone().filter(|_| self.stage != Stage::Closed) {
            for parked in std::mem::take(&mut self.parked) {
                let effects = self.shops[parked]
                    .flow
                    .handle(flow::Event::Done(Outcome::Wallet(visitor.clone())), entropy);
                self.drive(parked, effects, entropy, out);
            }
        }
        if self.stage == Stage::Closed {
            // Closed while this was on the wire: its session is canceled now.
            self.cancel_shop(shop, entropy, out);
        }
    }

    /// Whether Try again would do something for shop `i` (`report`: after paying; else only
    /// shops that could not open).
    fn retryable(&self, i: usize, report: bool) -> bool {
        let shop = &self.shops[i];
        let flow = &shop.flow;
        match &shop.state {
            ShopState::Unavailable(_) => flow.can_retry(),
            ShopState::Failed(_) | ShopState::NotAttempted if report => {
                flow.can_retry()
                    || matches!(
                        flow.stage(),
                        flow::Stage::Confirming { .. } | flow::Stage::Details | flow::Stage::Idle
                    )
            }
            _ => false,
        }
    }

    fn on_retry(&mut self, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) {
        match self.stage {
            Stage::Failed(_) => {
                let Some(reader) = self.reader else {
                    return;
                };
                if !self.shops[reader].flow.can_retry() {
                    return;
                }
                self.stage = Stage::Opening;
                let effects = self.shops[reader].flow.handle(flow::Event::Retry, entropy);
                self.drive(reader, effects, entropy, out);
            }
            Stage::Review { .. } | Stage::Report => {
                let report = self.stage == Stage::Report;
                let mut any = false;
                for i in 0..self.shops.len() {
                    if self.retryable(i, report) {
                        any = true;
                        self.reopen(i, entropy, out);
                    }
                }
                if any {
                    self.stage = Stage::Opening;
                }
            }
            _ => {}
        }
    }

    /// Brings a shop that was not placed back towards a payable session.
    fn reopen(&mut self, i: usize, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) {
        let saved = matches!(self.visitor, Some(Visitor::Saved(_)));
        let shop = &mut self.shops[i];
        shop.state = ShopState::Opening;
        let declined = shop.flow.notice() == Some(&CheckoutError::PaymentDeclined);
        let effects = match shop.flow.stage() {
            // The saved card was declined: that session is over for it; a new one tries again.
            flow::Stage::Details if declined && saved => {
                shop.address_sent = false;
                let mut effects = shop.flow.handle(flow::Event::Cancel, entropy);
                effects.extend(shop.flow.handle(flow::Event::Buy, entropy));
                effects
            }
            // A payment that never reached the shop is sent again as it was, on Pay.
            flow::Stage::Failed(CheckoutError::NotCharged) => return,
            // Check again (a payment in doubt), or the step that failed (the details are sent
            // again if it goes back to asking for them).
            flow::Stage::Failed(_) => {
                shop.address_sent = false;
                shop.flow.handle(flow::Event::Retry, entropy)
            }
            // Ready as it stands (a new buyer's session takes another card), or not started.
            _ => return,
        };
        self.drive(i, effects, entropy, out);
    }

    fn on_remove(&mut self, i: usize, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) {
        let removable = matches!(self.stage, Stage::Review { .. } | Stage::Report)
            && self.shops.get(i).is_some_and(|shop| {
                !shop.in_doubt()
                    && !matches!(
                        shop.state,
                        ShopState::Placed(_) | ShopState::Paying | ShopState::Removed
                    )
            });
        if !removable {
            return;
        }
        self.shops[i].state = ShopState::Removed;
        self.shops[i].pending = None;
        out.push(Effect::RemoveLines {
            lines: self.shops[i].lines(),
            because: Removal::Dropped,
        });
        out.push(self.save());
        self.cancel_shop(i, entropy, out);
    }

    fn on_close(&mut self, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) {
        if self.stage == Stage::Idle {
            self.stage = Stage::Closed;
            return;
        }
        if !self.can_close() {
            return; // Paying, or a payment in doubt: it is looked at first.
        }
        self.stage = Stage::Closed;
        self.card = None;
        for shop in 0..self.shops.len() {
            self.cancel_shop(shop, entropy, out);
        }
        out.push(Effect::Save(None));
    }

    /// Cancels the shop's open session, if it has one and nothing is on the wire (the answer of
    /// what is comes first; the session is canceled then).
    fn cancel_shop(&mut self, i: usize, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) {
        let shop = &mut self.shops[i];
        if let ShopState::Placed(_) = shop.state {
            return;
        }
        let event = match shop.flow.stage() {
            flow::Stage::SoldOut { open: true } => flow::Event::Close,
            _ => flow::Event::Cancel,
        };
        let effects = shop.flow.handle(event, entropy);
        self.drive(i, effects, entropy, out);
    }

    /// Passes a shop's flow's effects to the shell, answering its wallet reads from the one
    /// read, widening its create to the shop's items, keeping its arming for the sheet's, and
    /// saving each payment before it is sent.
    fn drive(
        &mut self,
        shop: usize,
        effects: Vec<flow::Effect>,
        entropy: &mut dyn Entropy,
        out: &mut Vec<Effect>,
    ) {
        for effect in effects {
            match effect {
                flow::Effect::Send(request) => self.send(shop, *request, entropy, out),
                flow::Effect::StartTimer(flow::Timer::Arm(generation), _) => {
                    self.shops[shop].arm = Some(generation);
                }
                flow::Effect::StartTimer(timer, ms) => {
                    out.push(Effect::StartTimer(Timer::Shop { shop, timer }, ms));
                }
                flow::Effect::Emit(event) => out.push(Effect::Emit { shop, event }),
                flow::Effect::Challenge => out.push(Effect::Challenge { shop }),
            }
        }
    }

    fn send(
        &mut self,
        shop: usize,
        request: flow::Request,
        entropy: &mut dyn Entropy,
        out: &mut Vec<Effect>,
    ) {
        let request = match request {
            flow::Request::Wallet => match self.visitor.clone() {
                Some(visitor) => {
                    let effects = self.shops[shop]
                        .flow
                        .handle(flow::Event::Done(Outcome::Wallet(visitor)), entropy);
                    return self.drive(shop, effects, entropy, out);
                }
                None if self.reader.is_none_or(|r| r == shop) => {
                    self.reader = Some(shop);
                    Request::Flow(flow::Request::Wallet)
                }
                None => {
                    if !self.parked.contains(&shop) {
                        self.parked.push(shop);
                    }
                    return;
                }
            },
            flow::Request::Create {
                key,
                contact,
                delivery,
                ..
            } => Request::Open {
                key,
                items: self.shops[shop].purchases(),
                contact,
                delivery,
            },
            complete @ flow::Request::Complete { .. } => {
                // Kept before it leaves: a reload from here on checks this payment first.
                self.shops[shop].pending = Some(complete.clone());
                out.push(self.save());
                Request::Flow(complete)
            }
            other => Request::Flow(other),
        };
        out.push(Effect::Send {
            shop,
            request: Box::new(request),
        });
    }

    fn save(&self) -> Effect {
        Effect::Save(Some(Box::new(self.progress())))
    }

    /// Follows the shops' flows and moves the checkout on: opens the shops that wait, shows the
    /// confirmation once every shop is settled, pays the next ready shop or ends the round.
    fn settle(&mut self, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) {
        if matches!(self.stage, Stage::Idle | Stage::Closed) {
            return;
        }
        // Each pass either changes a shop's state or stops; a shop's state only moves forward
        // within one event, so this ends.
        for _ in 0..=(self.shops.len() * 4 + 4) {
            let mut changed = false;
            for i in 0..self.shops.len() {
                changed |= self.follow(i, entropy, out);
            }
            changed |= self.advance(entropy, out);
            if !changed {
                break;
            }
        }
    }

    /// Moves the checkout's stage on; whether anything changed.
    fn advance(&mut self, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) -> bool {
        match self.stage {
            Stage::Opening | Stage::Details | Stage::Failed(_) => {
                let mut changed = self.start_waiting_shops(entropy, out);
                let failed_read = self
                    .reader
                    .filter(|_| self.visitor.is_none())
                    .and_then(|r| match self.shops[r].flow.stage() {
                        flow::Stage::Failed(error) if !self.shops[r].flow.requesting() => {
                            Some(error.clone())
                        }
                        _ => None,
                    });
                let next = if let Some(error) = failed_read {
                    Stage::Failed(error)
                } else if self.shops.iter().any(|s| s.state == ShopState::Opening) {
                    Stage::Opening
                } else if self
                    .shops
                    .iter()
                    .any(|s| s.state == ShopState::NeedsDetails)
                {
                    Stage::Details
                } else {
                    self.arm_gen += 1;
                    self.arm_pending = Some(self.arm_gen);
                    out.push(Effect::StartTimer(Timer::Arm(self.arm_gen), ARM_DELAY_MS));
                    Stage::Review { armed: false }
                };
                changed |= next != self.stage;
                self.stage = next;
                changed
            }
            Stage::Paying => {
                if self.paying().is_some() {
                    return false;
                }
                let next = self.shops.iter().position(|s| s.state == ShopState::Ready);
                match next {
                    Some(i) if !self.round_failed => {
                        self.start_paying(i, entropy, out);
                        true
                    }
                    _ => {
                        for shop in &mut self.shops {
                            if shop.state == ShopState::Ready {
                                shop.state = ShopState::NotAttempted;
                            }
                        }
                        self.card = None;
                        self.stage = Stage::Report;
                        true
                    }
                }
            }
            Stage::Idle | Stage::Review { .. } | Stage::Report | Stage::Closed => false,
        }
    }

    /// Starts the shops that wait to open: all at once once the wallet's answer is known (or
    /// there is no wallet), else the first, whose flow reads it for all.
    fn start_waiting_shops(&mut self, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) -> bool {
        let mut started = false;
        for i in 0..self.shops.len() {
            let shop = &self.shops[i];
            let waiting = shop.state == ShopState::Opening
                && *shop.flow.stage() == flow::Stage::Idle
                && !shop.flow.requesting();
            let wallet_unknown = self.has_wallet && self.visitor.is_none();
            if !waiting || (wallet_unknown && self.reader.is_some()) {
                continue;
            }
            let effects = self.shops[i].flow.handle(flow::Event::Buy, entropy);
            self.shops[i].address_sent = false;
            self.drive(i, effects, entropy, out);
            started = true;
        }
        started
    }

    fn start_paying(&mut self, i: usize, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) {
        let card = self.card.clone().map(|card| CardPayment {
            // Saving the card is asked of the first shop paid with it, not of each.
            save: card.save && !self.card_used,
            ..card
        });
        let shop = &mut self.shops[i];
        shop.state = ShopState::Paying;
        let mut effects = Vec::new();
        let event = match shop.flow.stage() {
            flow::Stage::Confirming { armed } => {
                if let (false, Some(generation)) = (*armed, shop.arm.take()) {
                    effects.extend(
                        shop.flow
                            .handle(flow::Event::Timer(flow::Timer::Arm(generation)), entropy),
                    );
                }
                flow::Event::Confirm
            }
            flow::Stage::Failed(CheckoutError::NotCharged) => flow::Event::Retry,
            flow::Stage::Details => match card {
                Some(card) => {
                    self.card_used = true;
                    flow::Event::Pay(Box::new(card))
                }
                None => {
                    shop.state = ShopState::Failed(CheckoutError::Invalid {
                        code: "missing".into(),
                        param: Some("$.payment_data".into()),
                    });
                    self.round_failed = true;
                    return;
                }
            },
            _ => {
                shop.state = ShopState::Failed(not_ready());
                self.round_failed = true;
                return;
            }
        };
        effects.extend(shop.flow.handle(event, entropy));
        self.drive(i, effects, entropy, out);
    }

    /// Follows shop `i`'s flow into the shop's state; whether it changed.
    fn follow(&mut self, i: usize, entropy: &mut dyn Entropy, out: &mut Vec<Effect>) -> bool {
        let next = match self.shops[i].state {
            ShopState::Opening | ShopState::NeedsDetails => self.opened(i, entropy, out),
            ShopState::Paying => self.paid(i),
            _ => None,
        };
        let Some(next) = next else {
            return false;
        };
        if next == self.shops[i].state {
            return false;
        }
        let shop = &mut self.shops[i];
        match &next {
            ShopState::Placed(_) => {
                shop.pending = None;
                out.push(Effect::RemoveLines {
                    lines: shop.lines(),
                    because: Removal::Placed,
                });
            }
            ShopState::Failed(CheckoutError::NotCharged | CheckoutError::Unconfirmed) => {
                self.round_failed = true;
            }
            ShopState::Failed(_) => {
                shop.pending = None;
                self.round_failed = true;
            }
            _ => {}
        }
        let was_paying = shop.state == ShopState::Paying;
        shop.state = next;
        if was_paying || matches!(self.shops[i].state, ShopState::Placed(_)) {
            out.push(self.save());
        }
        true
    }

    /// Where an opening shop stands, from its flow (`None`: unchanged).
    fn opened(
        &mut self,
        i: usize,
        entropy: &mut dyn Entropy,
        out: &mut Vec<Effect>,
    ) -> Option<ShopState> {
        let shop = &self.shops[i];
        let flow = &shop.flow;
        if let flow::Stage::Placed(order) = flow.stage() {
            return Some(ShopState::Placed(order.clone()));
        }
        if flow.requesting() {
            return None;
        }
        let ready = flow.session().is_some_and(Session::is_ready);
        Some(match flow.stage() {
            flow::Stage::Confirming { .. } => ShopState::Ready,
            flow::Stage::Details if shop.address_sent && ready => ShopState::Ready,
            // The buyer's details went to this shop and it still asks for them: it refuses
            // them. Listed as such; the other shops can be paid, or the details changed.
            flow::Stage::Details if shop.address_sent && self.address.is_some() => {
                ShopState::Unavailable(CheckoutError::DetailsRefused)
            }
            flow::Stage::Details => match self.address.clone() {
                Some(address) if !shop.address_sent => {
                    let effects = self.shops[i]
                        .flow
                        .handle(flow::Event::SubmitAddress(Box::new(address)), entropy);
                    self.shops[i].address_sent = true;
                    self.drive(i, effects, entropy, out);
                    return self.shops[i]
                        .flow
                        .requesting()
                        .then_some(ShopState::Opening)
                        .or(Some(ShopState::NeedsDetails));
                }
                _ => ShopState::NeedsDetails,
            },
            flow::Stage::Failed(_) if flow.checks_again() => {
                ShopState::Failed(CheckoutError::Unconfirmed)
            }
            flow::Stage::Failed(CheckoutError::NotCharged) => ShopState::Ready,
            // The wallet could not be read: the checkout as a whole says so.
            flow::Stage::Failed(_) if self.reader == Some(i) && self.visitor.is_none() => {
                return None;
            }
            flow::Stage::Failed(error) => ShopState::Unavailable(error.clone()),
            flow::Stage::SoldOut { .. } => {
                ShopState::Unavailable(CheckoutError::OutOfStock { param: None })
            }
            flow::Stage::Idle
            | flow::Stage::Starting
            | flow::Stage::Placing
            | flow::Stage::Checking
            | flow::Stage::Authenticating
            | flow::Stage::Placed(_) => return None,
        })
    }

    /// Where the shop being paid stands, from its flow (`None`: still paying).
    fn paid(&self, i: usize) -> Option<ShopState> {
        let flow = &self.shops[i].flow;
        if let flow::Stage::Placed(order) = flow.stage() {
            return Some(ShopState::Placed(order.clone()));
        }
        if flow.requesting() {
            return None;
        }
        Some(match flow.stage() {
            flow::Stage::Failed(_) if flow.checks_again() => {
                ShopState::Failed(CheckoutError::Unconfirmed)
            }
            flow::Stage::Failed(error) => ShopState::Failed(error.clone()),
            flow::Stage::SoldOut { .. } => {
                ShopState::Failed(CheckoutError::OutOfStock { param: None })
            }
            flow::Stage::Details if flow.notice() == Some(&CheckoutError::PaymentDeclined) => {
                ShopState::Failed(CheckoutError::PaymentDeclined)
            }
            // Waiting for the bank, or (never without a request or timer) on its way.
            flow::Stage::Authenticating
            | flow::Stage::Placing
            | flow::Stage::Checking
            | flow::Stage::Starting => return None,
            // The merchant answered the payment with a session that is not ready: its totals
            // may have changed, so it is confirmed again before anything is paid.
            flow::Stage::Idle
            | flow::Stage::Confirming { .. }
            | flow::Stage::Details
            | flow::Stage::Placed(_) => ShopState::Failed(not_ready()),
        })
    }
}

impl Shop {
    /// The purchase the shop's flow is made with: its first item.
    fn flow_purchase(&self) -> Purchase {
        self.purchases()
            .into_iter()
            .next()
            .unwrap_or_else(no_purchase)
    }
}

/// What a shop's session buys: each item's variant, in the shop's currency (lower case, as
/// checkout requests write it).
fn purchases(items: &[Item], currency: Currency) -> Vec<Purchase> {
    let currency = currency.code().to_ascii_lowercase();
    items
        .iter()
        .map(|item| Purchase {
            item_id: item.line.variant().to_owned(),
            quantity: item.quantity,
            currency: currency.clone(),
        })
        .collect()
}

/// A shop always has an item; this stands in for none rather than panic.
fn no_purchase() -> Purchase {
    Purchase {
        item_id: String::new(),
        quantity: 1,
        currency: String::new(),
    }
}

fn not_ready() -> CheckoutError {
    CheckoutError::Invalid {
        code: "not_ready".into(),
        param: None,
    }
}

#[cfg(test)]
mod tests {
    fn request_is_answered(request: &Request) -> bool {
        match request {
            Request::Flow(request) => request.answered(),
            Request::Open { .. } => true,
        }
    }

    use std::collections::{HashMap, HashSet};

    use serde_json::{Value, json};

    use super::*;
    use crate::core::cart::Estimate;
    use crate::core::checkout::SavedBuyer;

    struct Counter(u32);

    impl Entropy for Counter {
        fn key(&mut self) -> String {
            self.0 += 1;
            format!("k{}", self.0)
        }
        fn jitter(&mut self) -> f64 {
            0.5
        }
    }

    fn usd(minor: u64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("valid"))
    }

    fn key(shop: &str, variant: &str) -> LineKey {
        LineKey::new(&format!("/shops/{shop}"), "main", "p", variant).expect("valid")
    }

    /// A cart of `shops`, each with its variants (one unit each, two of the first).
    fn cart(shops: &[(&str, &[&str])]) -> Cart {
        let mut cart = Cart::new();
        for (shop, variants) in shops {
            for (n, variant) in variants.iter().enumerate() {
                let estimate = Estimate::new(variant, usd(1000)).with_seller(Some(shop));
                let quantity = if n == 0 { 2 } else { 1 };
                cart.add(key(shop, variant), estimate, quantity, 0)
                    .expect("room");
            }
        }
        cart
    }

    fn saved() -> SavedBuyer {
        serde_json::from_value(json!({
            "buyer": {"email": "ada@example.com"},
            "fulfillment_details": {"name": "Ada"},
            "payment_method": {"id": "pm_ada", "brand": "visa", "last4": "4242"}
        }))
        .expect("saved buyer")
    }

    fn address() -> AddressEntry {
        AddressEntry {
            contact: Contact {
                email: "new@example.com".into(),
                ..Default::default()
            },
            delivery: Delivery::default(),
        }
    }

    fn card(save: bool) -> Box<CardPayment> {
        Box::new(CardPayment {
            card: crate::core::checkout::CardEntry {
                number: "4242424242424242".into(),
                exp_month: "12".into(),
                exp_year: "2030".into(),
                cvc: "123".into(),
                name: "New".into(),
            },
            save,
        })
    }

    fn error(code: &str, param: &str) -> Value {
        json!({"type": "error", "code": code, "param": param, "content_type": "plain", "content": "x"})
    }

    /// A session as a merchant writes it: one card handler, a total of 30.25.
    fn session(id: &str, status: &str, messages: Value, order: Option<&str>) -> Box<Session> {
        let mut value = json!({
            "id": id, "status": status, "currency": "usd",
            "capabilities": {"payment": {"handlers": [{"id": "card", "name": "dev.acp.tokenized.card",
                "version": "1", "spec": "https://acp.dev/x", "requires_delegate_payment": true,
                "requires_pci_compliance": false, "psp": "test", "config_schema": "https://acp.dev/c",
                "instrument_schemas": [], "config": {"merchant_id": format!("psp_{id}")}}]}},
            "line_items": [], "fulfillment_options": [], "messages": messages, "links": [],
            "totals": [{"type": "total", "display_text": "Total", "amount": 3025}]
        });
        if let Some(number) = order {
            value["order"] = json!({"id": format!("ord_{id}"), "checkout_session_id": id,
                "permalink_url": "https://shop.example/o", "order_number": number});
        }
        Box::new(serde_json::from_value(value).expect("a session the card reads"))
    }

    /// Who the wallet says the visitor is.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Who {
        Saved,
        NothingSaved,
        Guest,
    }

    /// One shop's merchant, as far as the tests need one.
    #[derive(Default)]
    struct Merchant {
        next: u32,
        /// session → status
        status: HashMap<String, &'static str>,
        /// session → the key of the complete that completed it
        completed: HashMap<String, String>,
        /// Open key → the session it opened (ACP idempotency: a resend gets the same one)
        opened: HashMap<String, String>,
        orders: u32,
    }

    /// The shell, the wallet and the merchants around one checkout.
    struct World {
        checkout: CartCheckout,
        cart: Cart,
        has_wallet: bool,
        who: Who,
        merchants: HashMap<String, Merchant>,
        /// shop → the request on the wire for it
        outstanding: HashMap<usize, Request>,
        timers: HashSet<Timer>,
        progress: Option<Progress>,
        removed_placed: HashSet<LineKey>,
        removed_dropped: HashSet<LineKey>,
        /// Every request sent, with its shop's endpoint.
        log: Vec<(String, Request)>,
        by_key: HashMap<String, Request>,
        e: Counter,
    }

    impl World {
        fn new(cart: Cart, has_wallet: bool, who: Who) -> Self {
            Self {
                checkout: CartCheckout::new(&cart, has_wallet).with_backoff(Backoff {
                    max_retries: 1,
                    ..Backoff::default()
                }),
                cart,
                has_wallet,
                who,
                merchants: HashMap::new(),
                outstanding: HashMap::new(),
                timers: HashSet::new(),
                progress: None,
                removed_placed: HashSet::new(),
                removed_dropped: HashSet::new(),
                log: Vec::new(),
                by_key: HashMap::new(),
                e: Counter(0),
            }
        }

        fn endpoint(&self, shop: usize) -> String {
            self.checkout.shops()[shop].endpoint().to_owned()
        }

        fn merchant(&mut self, shop: usize) -> &mut Merchant {
            let endpoint = self.endpoint(shop);
            self.merchants.entry(endpoint).or_default()
        }

        fn orders(&self, endpoint: &str) -> u32 {
            self.merchants.get(endpoint).map_or(0, |m| m.orders)
        }

        /// Handles an event and runs its effects; checks what every effect must satisfy.
        fn run(&mut self, event: Event) -> Vec<Effect> {
            let effects = self.checkout.handle(event, &mut self.e);
            self.apply(&effects);
            effects
        }

        fn apply(&mut self, effects: &[Effect]) {
            for effect in effects {
                match effect {
                    Effect::Send { shop, request } => self.send(*shop, (**request).clone()),
                    Effect::StartTimer(timer, _) => {
                        self.timers.insert(*timer);
                    }
                    Effect::RemoveLines { lines, because } => {
                        self.cart.remove_all(lines);
                        match because {
                            Removal::Placed => self.removed_placed.extend(lines.iter().cloned()),
                            Removal::Dropped => self.removed_dropped.extend(lines.iter().cloned()),
                        }
                    }
                    Effect::Save(progress) => self.progress = progress.as_deref().cloned(),
                    Effect::Emit { .. } | Effect::Challenge { .. } => {}
                }
            }
        }

        fn send(&mut self, shop: usize, request: Request) {
            let endpoint = self.endpoint(shop);
            if let Some(key) = request.key() {
                let first = self
                    .by_key
                    .entry(key.to_owned())
                    .or_insert_with(|| request.clone());
                assert_eq!(first, &request, "one key, two different requests");
            }
            if let Request::Open { .. } = request {
                assert_eq!(
                    self.orders(&endpoint),
                    0,
                    "a shop with an order is opened again"
                );
            }
            self.log.push((endpoint, request.clone()));
            if let Request::Flow(flow::Request::Complete {
                key, session_id, ..
            }) = &request
            {
                assert_eq!(
                    self.checkout.shops()[shop].state(),
                    &ShopState::Paying,
                    "a payment for a shop that is not being paid"
                );
                let merchant = self.merchant(shop);
                if let Some(done) = merchant.completed.get(session_id) {
                    assert_eq!(done, key, "a new complete for a completed session");
                }
                assert!(
                    merchant.completed.keys().all(|s| s == session_id),
                    "a shop with an order is paid again in another session"
                );
            }
            if let Request::Flow(flow::Request::Cancel { session_id, .. }) = &request {
                // Fire and forget: the merchant cancels what is not completed, and its answer
                // is never delivered (the shells drop what `answered` says is not waited for).
                assert!(!request_is_answered(&request));
                let merchant = self.merchant(shop);
                if merchant.status.get(session_id) != Some(&"completed") {
                    merchant.status.insert(session_id.clone(), "canceled");
                }
                return;
            }
            let previous = self.outstanding.insert(shop, request);
            assert!(previous.is_none(), "two requests in flight for shop {shop}");
        }

        /// Answers shop `shop`'s request on the wire (see `outcome` for `choice`).
        fn answer(&mut self, shop: usize, choice: u8) -> Vec<Effect> {
            let Some(request) = self.outstanding.remove(&shop) else {
                return Vec::new();
            };
            let outcome = self.outcome(shop, &request, choice);
            self.run(Event::Done { shop, outcome })
        }

        /// Answers every request on the wire with `choice` until none is left.
        fn settle(&mut self, choice: u8) {
            for _ in 0..20 {
                let shops: Vec<usize> = self.outstanding.keys().copied().collect();
                if shops.is_empty() {
                    return;
                }
                for shop in shops {
                    self.answer(shop, choice);
                }
            }
        }

        fn fire_timers(&mut self) {
            for timer in std::mem::take(&mut self.timers) {
                self.run(Event::Timer(timer));
            }
        }

        /// What a merchant (or the wallet) answers. `choice`: 0 success, 1 applied and the
        /// answer lost, 2 lost before it arrived, 3 a 503, 4 a declined card (a payment) or
        /// "in flight" (anything else), 5 the bank's step (a payment) or sold out (opening),
        /// 6 sold out at payment, a session that needs a delivery choice (opening) or cannot
        /// be fixed (an update).
        fn outcome(&mut self, shop: usize, request: &Request, choice: u8) -> Outcome {
            let applied = matches!(choice, 0 | 1 | 5 | 6);
            let who = self.who;
            let merchant = self.merchant(shop);
            let outcome = match request {
                Request::Flow(flow::Request::Wallet) => Outcome::Wallet(match who {
                    Who::Saved => Visitor::Saved(Box::new(saved())),
                    Who::NothingSaved => Visitor::NothingSaved,
                    Who::Guest => Visitor::Guest,
                }),
                Request::Open { key, contact, .. } => {
                    let id = match merchant.opened.get(key) {
                        Some(id) => id.clone(),
                        None if applied || choice == 4 => {
                            merchant.next += 1;
                            let id = format!("cs_{shop}_{}", merchant.next);
                            merchant.opened.insert(key.clone(), id.clone());
                            id
                        }
                        None => String::new(),
                    };
                    let status = if contact.is_some() && choice != 6 {
                        "ready_for_payment"
                    } else {
                        "not_ready_for_payment"
                    };
                    merchant.status.entry(id.clone()).or_insert(status);
                    match choice {
                        5 => Outcome::Session(session(
                            &id,
                            status,
                            json!([{"type": "error", "code": "out_of_stock", "content_type": "plain", "content": "x"}]),
                            None,
                        )),
                        6 => Outcome::Session(session(
                            &id,
                            "not_ready_for_payment",
                            json!([error("invalid", "$.currency")]),
                            None,
                        )),
                        _ if contact.is_none() => Outcome::Session(session(
                            &id,
                            status,
                            json!([error("missing", "$.buyer.email")]),
                            None,
                        )),
                        _ => Outcome::Session(session(&id, status, json!([]), None)),
                    }
                }
                Request::Flow(flow::Request::Update { session_id, .. }) => {
                    if choice == 6 {
                        Outcome::Session(session(
                            session_id,
                            "not_ready_for_payment",
                            json!([error("invalid", "$.currency")]),
                            None,
                        ))
                    } else {
                        if applied {
                            merchant
                                .status
                                .insert(session_id.clone(), "ready_for_payment");
                        }
                        Outcome::Session(session(session_id, "ready_for_payment", json!([]), None))
                    }
                }
                Request::Flow(flow::Request::AddPaymentMethod { .. }) => {
                    Outcome::PaymentMethod("pm_new".into())
                }
                Request::Flow(flow::Request::Token { key, .. })
                | Request::Flow(flow::Request::DelegateCard { key, .. }) => {
                    Outcome::Token(format!("vt_{key}"))
                }
                Request::Flow(flow::Request::Complete {
                    key,
                    session_id,
                    authentication,
                    ..
                }) => match (
                    merchant.completed.get(session_id),
                    merchant.status.get(session_id),
                ) {
                    (Some(done), _) if done == key => {
                        Outcome::Session(session(session_id, "completed", json!([]), Some("LP-1")))
                    }
                    (Some(_), _) | (_, Some(&"canceled")) => {
                        Outcome::Failed(CheckoutError::SessionClosed)
                    }
                    _ if choice == 4 => Outcome::Session(session(
                        session_id,
                        "ready_for_payment",
                        json!([{"type": "error", "code": "payment_declined", "content_type": "plain", "content": "x"}]),
                        None,
                    )),
                    _ if choice == 5 && authentication.is_none() => Outcome::Session(session(
                        session_id,
                        "authentication_required",
                        json!([]),
                        None,
                    )),
                    _ if choice == 6 => Outcome::Failed(CheckoutError::OutOfStock { param: None }),
                    _ if applied => {
                        merchant.completed.insert(session_id.clone(), key.clone());
                        merchant.status.insert(session_id.clone(), "completed");
                        merchant.orders += 1;
                        Outcome::Session(session(session_id, "completed", json!([]), Some("LP-1")))
                    }
                    _ => Outcome::Failed(CheckoutError::Network),
                },
                Request::Flow(flow::Request::Get { session_id }) => {
                    let status = merchant
                        .status
                        .get(session_id)
                        .copied()
                        .unwrap_or("ready_for_payment");
                    let order = merchant
                        .completed
                        .contains_key(session_id)
                        .then_some("LP-1");
                    Outcome::Session(session(session_id, status, json!([]), order))
                }
                Request::Flow(flow::Request::Cancel { session_id, .. }) => {
                    Outcome::Session(session(session_id, "canceled", json!([]), None))
                }
                Request::Flow(flow::Request::Create { .. }) => {
                    unreachable!("a shop's create is always widened to Open")
                }
            };
            let payment = matches!(request, Request::Flow(flow::Request::Complete { .. }));
            match choice {
                1 | 2 => Outcome::Failed(CheckoutError::Network),
                3 => Outcome::Failed(CheckoutError::Server(503)),
                4 if !payment => Outcome::Failed(CheckoutError::InFlight {
                    retry_after_secs: None,
                }),
                _ => outcome,
            }
        }

        /// The page reloads: what was on the wire reaches its merchant or not (`arrives`), the
        /// timers are gone, and the shell resumes from the progress it kept (or starts a new
        /// checkout of the cart).
        fn reload(&mut self, arrives: bool) {
            self.drop_requests(arrives);
            let backoff = Backoff {
                max_retries: 1,
                ..Backoff::default()
            };
            match self
                .progress
                .as_ref()
                .and_then(|p| Progress::from_json(&p.to_json()))
            {
                Some(progress) => {
                    let (checkout, effects) = CartCheckout::resume(progress, &mut self.e);
                    self.checkout = checkout.with_backoff(backoff);
                    self.apply(&effects);
                }
                None => {
                    self.checkout =
                        CartCheckout::new(&self.cart, self.has_wallet).with_backoff(backoff);
                }
            }
        }

        /// What is on the wire reaches its merchant (`arrives`) or not, and its answer goes
        /// nowhere; timers are gone.
        fn drop_requests(&mut self, arrives: bool) {
            for (shop, request) in std::mem::take(&mut self.outstanding) {
                let _ = self.outcome(shop, &request, if arrives { 1 } else { 2 });
            }
            self.timers.clear();
        }

        fn completes(&self, endpoint: &str) -> Vec<&Request> {
            self.log
                .iter()
                .filter(|(e, r)| {
                    e == endpoint && matches!(r, Request::Flow(flow::Request::Complete { .. }))
                })
                .map(|(_, r)| r)
                .collect()
        }
    }

    /// A saved buyer's world up to the armed confirmation, every answer a success.
    fn reviewed(shops: &[(&str, &[&str])]) -> World {
        let mut world = World::new(cart(shops), true, Who::Saved);
        world.run(Event::CheckOut);
        world.settle(0);
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: false });
        world.fire_timers();
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: true });
        world
    }

    #[test]
    fn a_saved_buyer_pays_every_shop_in_two_taps() {
        let mut world = World::new(
            cart(&[("lantern", &["tee", "mug"]), ("ink", &["pen"])]),
            true,
            Who::Saved,
        );
        let opened = world.run(Event::CheckOut);
        // One wallet read, by the first shop's flow, for every shop.
        assert!(matches!(
            opened.as_slice(),
            [Effect::Send { shop: 0, request }] if **request == Request::Flow(flow::Request::Wallet)
        ));
        assert!(
            world.run(Event::CheckOut).is_empty(),
            "a second tap does nothing"
        );
        world.answer(0, 0);
        let opens: Vec<&Request> = world.outstanding.values().collect();
        assert_eq!(opens.len(), 2, "both sessions open at once");
        match &world.outstanding[&0] {
            Request::Open { items, contact, .. } => {
                let ids: Vec<(&str, u32)> = items
                    .iter()
                    .map(|p| (p.item_id.as_str(), p.quantity))
                    .collect();
                assert_eq!(
                    ids,
                    [("tee", 2), ("mug", 1)],
                    "one session for all of a shop's lines"
                );
                assert_eq!(
                    contact.as_ref().map(|c| c.email.as_str()),
                    Some("ada@example.com")
                );
            }
            other => panic!("{other:?}"),
        }
        world.settle(0);
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: false });
        assert!(world.run(Event::Pay(None)).is_empty(), "not armed yet");
        world.fire_timers();
        assert_eq!(world.checkout.to_pay(), [usd(6050)]);
        assert_eq!(world.checkout.ready_shops(), 2);
        assert!(!world.checkout.needs_card());

        world.run(Event::Pay(None));
        assert_eq!(world.checkout.stage(), &Stage::Paying);
        assert_eq!(world.checkout.paying(), Some(0));
        assert!(
            world.run(Event::Pay(None)).is_empty(),
            "a double tap does nothing more"
        );
        assert_eq!(world.outstanding.len(), 1, "one shop at a time");
        world.settle(0);
        assert_eq!(world.checkout.stage(), &Stage::Report);
        assert_eq!(world.checkout.heading(), Msg::OrdersPlaced);
        assert!(
            world
                .checkout
                .results()
                .iter()
                .all(|r| matches!(r, ShopResult::Placed(o) if o.number.as_deref() == Some("LP-1")))
        );
        assert!(world.cart.is_empty(), "placed lines leave the cart");
        // Each shop's token was for its own session and amount.
        let tokens: Vec<(&str, &str, i64)> = world
            .log
            .iter()
            .filter_map(|(_, r)| match r {
                Request::Flow(flow::Request::Token {
                    session_id,
                    merchant_id,
                    amount,
                    ..
                }) => Some((session_id.as_str(), merchant_id.as_str(), *amount)),
                _ => None,
            })
            .collect();
        assert_eq!(
            tokens,
            [
                ("cs_0_1", "psp_cs_0_1", 3025),
                ("cs_1_1", "psp_cs_1_1", 3025)
            ]
        );
        world.run(Event::Close);
        assert_eq!(world.checkout.stage(), &Stage::Closed);
        assert_eq!(world.progress, None, "nothing left to resume");
    }

    #[test]
    fn a_decline_after_a_success_keeps_the_order_and_the_rest_in_the_cart() {
        let mut world = reviewed(&[("a", &["tee"]), ("b", &["mug"]), ("c", &["pen"])]);
        world.run(Event::Pay(None));
        world.answer(0, 0); // a: token
        world.answer(0, 0); // a: paid
        assert!(matches!(
            world.checkout.shops()[0].state(),
            ShopState::Placed(_)
        ));
        world.answer(1, 0); // b: token
        world.answer(1, 4); // b: declined
        assert_eq!(world.checkout.stage(), &Stage::Report);
        assert_eq!(world.checkout.heading(), Msg::SomeOrdersPlaced);
        let results = world.checkout.results();
        assert!(matches!(results[0], ShopResult::Placed(_)));
        assert_eq!(
            results[1],
            ShopResult::NotPlaced(CheckoutError::PaymentDeclined)
        );
        assert_eq!(results[2], ShopResult::NotAttempted);
        assert_eq!(world.checkout.results()[1].message(), Msg::NotPlacedWith);
        let left: Vec<&str> = world
            .cart
            .lines()
            .iter()
            .map(|l| l.key().variant())
            .collect();
        assert_eq!(
            left,
            ["mug", "pen"],
            "only the placed shop's lines left the cart"
        );

        // Try again: the confirmation again for b (a new session) and c, then only they pay.
        assert!(world.checkout.can_retry());
        world.run(Event::Retry);
        world.settle(0);
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: false });
        assert_eq!(world.checkout.ready_shops(), 2);
        world.fire_timers();
        world.run(Event::Pay(None));
        world.settle(0);
        assert_eq!(world.checkout.heading(), Msg::OrdersPlaced);
        assert_eq!(
            world.completes("/shops/a").len(),
            1,
            "a is never paid again"
        );
        assert!(world.cart.is_empty());
        for shop in ["/shops/a", "/shops/b", "/shops/c"] {
            assert_eq!(world.orders(shop), 1, "{shop}");
        }
    }

    #[test]
    fn a_shop_that_cannot_open_is_listed_and_can_be_removed_or_kept() {
        let mut world = World::new(
            cart(&[("a", &["tee"]), ("b", &["mug"]), ("c", &["pen"])]),
            true,
            Who::Saved,
        );
        world.run(Event::CheckOut);
        world.answer(0, 0);
        world.answer(1, 5); // b: sold out
        world.answer(2, 6); // c: a session the card cannot fix
        world.settle(0);
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: false });
        assert_eq!(
            world.checkout.shops()[1].state(),
            &ShopState::Unavailable(CheckoutError::OutOfStock { param: None })
        );
        assert!(matches!(
            world.checkout.shops()[2].state(),
            ShopState::Unavailable(CheckoutError::NotReady { .. })
        ));
        assert_eq!(world.checkout.ready_shops(), 1);
        world.fire_timers();
        // Removing b takes its lines out of the cart; c is kept (not paid, still in the cart).
        world.run(Event::Remove(1));
        assert_eq!(world.checkout.shops()[1].state(), &ShopState::Removed);
        assert!(world.cart.line(&key("b", "mug")).is_none());
        assert!(world.removed_dropped.contains(&key("b", "mug")));
        world.run(Event::Pay(None));
        world.settle(0);
        assert_eq!(world.checkout.stage(), &Stage::Report);
        let results = world.checkout.results();
        assert!(matches!(results[0], ShopResult::Placed(_)));
        assert_eq!(results[1], ShopResult::Removed);
        assert!(matches!(
            results[2],
            ShopResult::NotPlaced(CheckoutError::NotReady { .. })
        ));
        assert_eq!(world.checkout.heading(), Msg::SomeOrdersPlaced);
        assert!(world.cart.line(&key("c", "pen")).is_some());
        assert!(
            world.run(Event::Remove(0)).is_empty(),
            "a placed shop stays placed"
        );
    }

    #[test]
    fn a_lost_payment_is_checked_and_sent_again_unchanged() {
        let mut world = reviewed(&[("a", &["tee"]), ("b", &["mug"])]);
        world.run(Event::Pay(None));
        world.answer(0, 0); // token
        let first = world.outstanding[&0].clone();
        world.answer(0, 2); // the payment is lost before it arrives
        assert!(matches!(
            world.outstanding[&0],
            Request::Flow(flow::Request::Get { .. })
        ));
        world.answer(0, 0); // the session shows no order
        assert_eq!(world.checkout.stage(), &Stage::Report);
        assert_eq!(
            world.checkout.results()[0],
            ShopResult::NotPlaced(CheckoutError::NotCharged)
        );
        assert_eq!(world.checkout.results()[1], ShopResult::NotAttempted);
        world.run(Event::Retry);
        world.settle(0);
        world.fire_timers();
        world.run(Event::Pay(None));
        assert_eq!(
            world.outstanding[&0], first,
            "the very same payment, key and token"
        );
        world.settle(0);
        assert_eq!(world.checkout.heading(), Msg::OrdersPlaced);
        assert_eq!(world.orders("/shops/a"), 1);
    }

    #[test]
    fn a_payment_in_doubt_blocks_close_until_it_is_checked() {
        let mut world = reviewed(&[("a", &["tee"]), ("b", &["mug"])]);
        world.run(Event::Pay(None));
        world.answer(0, 0); // token
        world.answer(0, 1); // paid, answer lost
        world.answer(0, 3); // the check fails
        world.fire_timers();
        world.answer(0, 3); // and again: its outcome stays unknown
        assert_eq!(world.checkout.stage(), &Stage::Report);
        assert_eq!(
            world.checkout.results()[0],
            ShopResult::NotPlaced(CheckoutError::Unconfirmed)
        );
        assert!(!world.checkout.can_close());
        assert!(world.run(Event::Close).is_empty());
        assert!(world.run(Event::Remove(0)).is_empty());
        assert!(world.cart.line(&key("a", "tee")).is_some());
        world.run(Event::Retry); // Check again
        world.answer(0, 0);
        assert!(matches!(world.checkout.results()[0], ShopResult::Placed(_)));
        assert!(world.cart.line(&key("a", "tee")).is_none());
        assert_eq!(world.orders("/shops/a"), 1);
    }

    #[test]
    fn a_payment_being_checked_again_cannot_be_closed_away() {
        let mut world = reviewed(&[("a", &["tee"])]);
        world.run(Event::Pay(None));
        world.answer(0, 0); // token
        world.answer(0, 1); // paid, answer lost
        world.answer(0, 3);
        world.fire_timers();
        world.answer(0, 3); // the check fails twice: in doubt
        world.run(Event::Retry); // Check again: on the wire
        assert_eq!(world.checkout.stage(), &Stage::Opening);
        assert!(!world.checkout.can_close());
        assert!(world.run(Event::Cancel).is_empty());
        assert!(world.run(Event::Close).is_empty());
        assert!(
            world
                .progress
                .as_ref()
                .is_some_and(|p| p.shops[0].pending.is_some())
        );
        world.answer(0, 0);
        assert!(matches!(world.checkout.results()[0], ShopResult::Placed(_)));
    }

    #[test]
    fn a_reload_mid_payment_resumes_from_the_saved_progress() {
        for arrives in [true, false] {
            let mut world = reviewed(&[("a", &["tee"]), ("b", &["mug"]), ("c", &["pen"])]);
            world.run(Event::Pay(None));
            world.answer(0, 0);
            world.answer(0, 0); // a placed
            world.answer(1, 0); // b's token; its payment is on the wire
            let payment = world.outstanding[&1].clone();
            let saved = world
                .progress
                .clone()
                .expect("kept before the payment left");
            assert!(saved.shops[0].placed.is_some());
            assert!(saved.shops[1].pending.is_some());
            world.reload(arrives);
            assert_eq!(world.checkout.stage(), &Stage::Paying);
            assert!(matches!(
                world.checkout.shops()[0].state(),
                ShopState::Placed(_)
            ));
            assert!(
                matches!(
                    world.outstanding[&1],
                    Request::Flow(flow::Request::Get { .. })
                ),
                "looked at before anything else"
            );
            world.answer(1, 0);
            assert_eq!(world.checkout.stage(), &Stage::Report);
            assert_eq!(world.checkout.results()[2], ShopResult::NotAttempted);
            if arrives {
                assert!(matches!(world.checkout.results()[1], ShopResult::Placed(_)));
            } else {
                assert_eq!(
                    world.checkout.results()[1],
                    ShopResult::NotPlaced(CheckoutError::NotCharged)
                );
                world.run(Event::Retry);
                world.settle(0);
                world.fire_timers();
                world.run(Event::Pay(None));
                assert_eq!(world.outstanding[&1], payment, "sent again unchanged");
            }
            world.settle(0);
            if !arrives {
                assert_eq!(world.checkout.heading(), Msg::OrdersPlaced);
            }
            assert_eq!(world.orders("/shops/b"), 1);
        }
    }

    #[test]
    fn a_new_buyer_gives_details_once_and_pays_every_shop_with_one_card() {
        let mut world = World::new(
            cart(&[("a", &["tee"]), ("b", &["mug"])]),
            true,
            Who::NothingSaved,
        );
        world.run(Event::CheckOut);
        world.settle(0);
        assert_eq!(world.checkout.stage(), &Stage::Details);
        world.run(Event::SubmitAddress(Box::new(address())));
        let updates = world
            .outstanding
            .values()
            .filter(|r| {
                matches!(
                    r,
                    Request::Flow(flow::Request::Update {
                        contact: Some(_),
                        ..
                    })
                )
            })
            .count();
        assert_eq!(updates, 2, "the details go to every shop's session");
        world.settle(0);
        world.fire_timers();
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: true });
        assert!(world.checkout.needs_card());
        assert!(
            world.run(Event::Pay(None)).is_empty(),
            "a new buyer's Pay needs the card"
        );
        world.run(Event::Pay(Some(card(true))));
        world.settle(0);
        assert_eq!(world.checkout.heading(), Msg::OrdersPlaced);
        let saves: Vec<bool> = world
            .log
            .iter()
            .filter_map(|(_, r)| match r {
                Request::Flow(flow::Request::AddPaymentMethod { details, .. }) => {
                    Some(details.save)
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            saves,
            [true, false],
            "the card is saved once, not once per shop"
        );
    }

    #[test]
    fn a_guest_pays_each_shop_through_its_payment_provider() {
        let mut world = World::new(cart(&[("a", &["tee"]), ("b", &["mug"])]), false, Who::Guest);
        let opened = world.run(Event::CheckOut);
        assert_eq!(opened.len(), 2, "no wallet: both sessions open at once");
        world.settle(0);
        world.run(Event::SubmitAddress(Box::new(address())));
        world.settle(0);
        world.fire_timers();
        world.run(Event::Pay(Some(card(false))));
        world.settle(0);
        assert_eq!(world.checkout.heading(), Msg::OrdersPlaced);
        let delegated: Vec<&str> = world
            .log
            .iter()
            .filter_map(|(_, r)| match r {
                Request::Flow(flow::Request::DelegateCard { session_id, .. }) => {
                    Some(session_id.as_str())
                }
                _ => None,
            })
            .collect();
        assert_eq!(delegated, ["cs_0_1", "cs_1_1"], "one token per session");
    }

    /// A guest's checkout of shops a and b after the details, where shop b answers them with a
    /// session that still asks for them (a postal code it does not take).
    fn refused_by_b() -> World {
        let mut world = World::new(cart(&[("a", &["tee"]), ("b", &["mug"])]), false, Who::Guest);
        world.run(Event::CheckOut);
        world.settle(0);
        assert_eq!(world.checkout.stage(), &Stage::Details);
        world.run(Event::SubmitAddress(Box::new(address())));
        let Some(Request::Flow(flow::Request::Update { session_id, .. })) =
            world.outstanding.remove(&1)
        else {
            panic!("b's details are on the wire");
        };
        let refused = json!([error(
            "invalid",
            "$.fulfillment_details.address.postal_code"
        )]);
        world.run(Event::Done {
            shop: 1,
            outcome: Outcome::Session(session(&session_id, "not_ready_for_payment", refused, None)),
        });
        world.settle(0);
        world.fire_timers();
        world
    }

    #[test]
    fn a_shop_that_refuses_the_details_is_listed_and_the_others_can_be_paid() {
        let mut world = refused_by_b();
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: true });
        assert_eq!(
            world.checkout.shops()[1].state(),
            &ShopState::Unavailable(CheckoutError::DetailsRefused)
        );
        assert!(
            !world.checkout.can_retry(),
            "the same details would be refused again"
        );
        assert_eq!(world.checkout.ready_shops(), 1);
        assert!(world.checkout.needs_card());
        world.run(Event::Pay(Some(card(false))));
        world.settle(0);
        assert_eq!(world.checkout.heading(), Msg::SomeOrdersPlaced);
        assert_eq!((world.orders("/shops/a"), world.orders("/shops/b")), (1, 0));
        assert_eq!(world.cart.lines().len(), 1, "b's mugs stay in the cart");
    }

    #[test]
    fn changed_details_go_to_every_shop_not_placed_and_nothing_is_sent_before_continue() {
        let mut world = refused_by_b();
        assert!(world.checkout.can_change_details());
        let effects = world.run(Event::ChangeDetails);
        assert!(effects.is_empty(), "nothing is sent before Continue");
        assert_eq!(world.checkout.stage(), &Stage::Details);
        assert!(world.checkout.details().is_none());
        assert!(
            world.run(Event::Pay(Some(card(false)))).is_empty(),
            "no Pay from the details step"
        );
        let mut moved = address();
        moved.contact.email = "moved@example.com".into();
        world.run(Event::SubmitAddress(Box::new(moved)));
        let mut sent: Vec<(usize, String)> = world
            .outstanding
            .iter()
            .filter_map(|(shop, r)| match r {
                Request::Flow(flow::Request::Update {
                    contact: Some(c), ..
                }) => Some((*shop, c.email.clone())),
                _ => None,
            })
            .collect();
        sent.sort();
        assert_eq!(
            sent,
            [
                (0, "moved@example.com".into()),
                (1, "moved@example.com".into())
            ],
            "the same details to both shops, the one that refused them included"
        );
        world.settle(0);
        world.fire_timers();
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: true });
        assert_eq!(world.checkout.ready_shops(), 2);
        world.run(Event::Pay(Some(card(false))));
        world.settle(0);
        assert_eq!(world.checkout.heading(), Msg::OrdersPlaced);
        assert!(world.cart.is_empty());
    }

    #[test]
    fn a_declined_card_is_said_and_another_pays_without_the_details_again() {
        let mut world = World::new(cart(&[("a", &["tee"]), ("b", &["mug"])]), false, Who::Guest);
        world.run(Event::CheckOut);
        world.settle(0);
        world.run(Event::SubmitAddress(Box::new(address())));
        world.settle(0);
        world.fire_timers();
        world.run(Event::Pay(Some(card(false))));
        world.answer(0, 0); // a's token
        world.answer(0, 4); // a's payment: declined
        assert_eq!(world.checkout.stage(), &Stage::Report);
        assert!(!world.checkout.declined(), "said in the report first");
        world.run(Event::Retry);
        world.settle(0);
        world.fire_timers();
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: true });
        assert!(world.checkout.needs_card());
        assert!(world.checkout.declined(), "the card's field is marked");
        let updates = world
            .log
            .iter()
            .filter(|(_, r)| matches!(r, Request::Flow(flow::Request::Update { .. })))
            .count();
        assert_eq!(updates, 2, "the details are not asked nor sent again");
        world.run(Event::Pay(Some(card(false))));
        world.settle(0);
        assert_eq!(world.checkout.heading(), Msg::OrdersPlaced);
        assert_eq!((world.orders("/shops/a"), world.orders("/shops/b")), (1, 1));
    }

    #[test]
    fn a_wallet_that_cannot_be_read_fails_the_checkout_until_retried() {
        let mut world = World::new(cart(&[("a", &["tee"]), ("b", &["mug"])]), true, Who::Saved);
        world.run(Event::CheckOut);
        world.answer(0, 3);
        world.fire_timers();
        world.answer(0, 3);
        assert_eq!(
            world.checkout.stage(),
            &Stage::Failed(CheckoutError::Server(503))
        );
        assert!(world.outstanding.is_empty(), "no shop opened anything");
        assert!(world.checkout.can_retry());
        world.run(Event::Retry);
        world.settle(0);
        assert_eq!(world.checkout.stage(), &Stage::Review { armed: false });
        world.run(Event::Cancel);
        assert_eq!(world.checkout.stage(), &Stage::Closed);
        let canceled = world
            .log
            .iter()
            .filter(|(_, r)| matches!(r, Request::Flow(flow::Request::Cancel { .. })))
            .count();
        assert_eq!(canceled, 2, "both sessions are canceled");
        assert_eq!(world.cart.lines().len(), 2, "the cart stays");
    }

    #[test]
    fn the_bank_step_is_for_the_shop_being_paid() {
        let mut world = reviewed(&[("a", &["tee"]), ("b", &["mug"])]);
        world.run(Event::Pay(None));
        world.answer(0, 0);
        let effects = world.answer(0, 5);
        assert!(effects.contains(&Effect::Challenge { shop: 0 }));
        assert!(!world.checkout.can_close(), "not while the bank asks");
        world.run(Event::Authenticated(Authentication {
            outcome: "authenticated".into(),
            details: None,
        }));
        world.settle(0);
        assert_eq!(world.checkout.heading(), Msg::OrdersPlaced);
    }

    #[test]
    fn sold_out_lines_and_currencies_shape_the_shops() {
        let mut cart = cart(&[("a", &["tee", "mug"]), ("b", &["pen"])]);
        let euro = Money::new(500, Currency::parse("EUR").expect("valid"));
        cart.add(key("a", "card"), Estimate::new("Card", euro), 1, 0)
            .expect("room");
        cart.reconcile(&[crate::core::cart::Fresh {
            key: key("a", "mug"),
            price: None,
            available: false,
            max_quantity: None,
        }]);
        let checkout = CartCheckout::new(&cart, true);
        let shops: Vec<(&str, String, usize)> = checkout
            .shops()
            .iter()
            .map(|s| (s.endpoint(), s.currency().to_string(), s.items().len()))
            .collect();
        assert_eq!(
            shops,
            [
                ("/shops/a", "USD".to_owned(), 1),
                ("/shops/b", "USD".to_owned(), 1),
                ("/shops/a", "EUR".to_owned(), 1)
            ],
            "a sold-out line is left out; one session per shop and currency"
        );
        assert!(CartCheckout::new(&Cart::new(), true).is_empty());
    }

    #[test]
    fn stored_progress_reads_back_only_when_it_is_what_was_written() {
        let mut world = reviewed(&[("a", &["tee"])]);
        world.run(Event::Pay(None));
        world.answer(0, 0);
        let progress = world.progress.clone().expect("saved");
        let json = progress.to_json();
        assert_eq!(Progress::from_json(&json), Some(progress.clone()));
        let value: Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(value["v"], 1);
        assert_eq!(
            value["shops"][0]["pending"]["key"],
            world.outstanding[&0].key().unwrap_or("")
        );
        for bad in [
            String::new(),
            "null".into(),
            json.replace("\"v\":1", "\"v\":2"),
            json.replace("\"USD\"", "\"usd\""),
            json.replace("\"quantity\":2", "\"quantity\":0"),
            json[..json.len() / 2].to_owned(),
            format!("{{\"pad\":\"{}\"}}", "x".repeat(MAX_PROGRESS_BYTES)),
        ] {
            assert_eq!(Progress::from_json(&bad), None, "{bad:.60}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;
        use proptest::test_runner::TestCaseError;

        use super::*;

        #[derive(Debug, Clone, Copy)]
        enum Step {
            CheckOut,
            Pay,
            PayWithCard,
            Retry,
            Cancel,
            Close,
            Remove(u8),
            Address,
            ChangeDetails,
            Authenticate,
            FireTimers,
            /// Answer shop n's request with a choice of `World::outcome`.
            Answer(u8, u8),
            /// Reload the page; what was on the wire arrives or not.
            Reload(bool),
        }

        /// Mostly successes, so walks reach the payments; every failure often enough.
        fn choice() -> impl Strategy<Value = u8> {
            prop_oneof![6 => Just(0u8), 6 => 1u8..7]
        }

        fn step() -> impl Strategy<Value = Step> {
            prop_oneof![
                2 => Just(Step::CheckOut),
                3 => Just(Step::Pay),
                2 => Just(Step::PayWithCard),
                2 => Just(Step::Retry),
                1 => Just(Step::Cancel),
                1 => Just(Step::Close),
                1 => any::<u8>().prop_map(Step::Remove),
                2 => Just(Step::Address),
                1 => Just(Step::ChangeDetails),
                1 => Just(Step::Authenticate),
                5 => Just(Step::FireTimers),
                16 => (any::<u8>(), choice()).prop_map(|(shop, choice)| Step::Answer(shop, choice)),
                1 => any::<bool>().prop_map(Step::Reload),
            ]
        }

        fn check(world: &World) -> Result<(), TestCaseError> {
            for (endpoint, merchant) in &world.merchants {
                prop_assert!(merchant.orders <= 1, "two orders at {}", endpoint);
            }
            for line in &world.removed_placed {
                prop_assert_eq!(
                    world.orders(line.endpoint()),
                    1,
                    "removed as placed: {:?}",
                    line
                );
            }
            let checkout = &world.checkout;
            prop_assert_eq!(checkout.results().len(), checkout.shops().len());
            for shop in checkout.shops() {
                let lines = shop.lines();
                match shop.state() {
                    ShopState::Placed(_) => {
                        prop_assert_eq!(world.orders(shop.endpoint()), 1);
                        prop_assert!(lines.iter().all(|l| world.removed_placed.contains(l)));
                    }
                    ShopState::Removed => {
                        prop_assert!(lines.iter().all(|l| world.removed_dropped.contains(l)));
                    }
                    other => {
                        // What is not placed stays in the cart.
                        prop_assert!(
                            lines.iter().all(|l| world.cart.line(l).is_some()),
                            "{:?} lost its lines",
                            other
                        );
                    }
                }
            }
            if *checkout.stage() == Stage::Report {
                // The report says exactly which orders are placed: an order it does not show
                // as placed is one it says it could not check yet.
                for (shop, result) in checkout.shops().iter().zip(checkout.results()) {
                    let placed = world.orders(shop.endpoint()) == 1;
                    match result {
                        ShopResult::Placed(_) => prop_assert!(placed),
                        ShopResult::NotPlaced(CheckoutError::Unconfirmed) => {}
                        other => prop_assert!(
                            !placed,
                            "{} has an order, reported {:?}",
                            shop.endpoint(),
                            other
                        ),
                    }
                }
            }
            // Never stuck: with nothing on the wire and no timer, the buyer can act.
            if world.outstanding.is_empty() && world.timers.is_empty() {
                let at_the_bank = checkout.paying().is_some_and(|i| {
                    *checkout.shops()[i].flow_stage() == flow::Stage::Authenticating
                });
                match checkout.stage() {
                    Stage::Opening | Stage::Review { armed: false } => {
                        prop_assert!(false, "stuck in {:?}", checkout.stage())
                    }
                    Stage::Paying => prop_assert!(at_the_bank, "stuck paying"),
                    Stage::Failed(_) => prop_assert!(checkout.can_retry()),
                    Stage::Report => prop_assert!(checkout.can_close() || checkout.can_retry()),
                    _ => {}
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// Random taps, timers, answers per shop (success, lost after or before arriving,
            /// 5xx, in flight, declined, the bank's step, sold out) and reloads: no shop ever
            /// gets two orders, a shop with an order is never paid again, every resend of a
            /// payment is the same request under the same key, the lines that leave the cart
            /// are exactly those of the placed shops (the rest stay), the report lists every
            /// shop once and says exactly which are placed, a double Pay does nothing more,
            /// and the checkout never stalls.
            #[test]
            fn at_most_one_order_per_shop_and_an_honest_report(
                shape in proptest::collection::vec(1usize..=2, 1..=3),
                has_wallet in any::<bool>(),
                who in 0u8..3,
                steps in proptest::collection::vec(step(), 1..200),
            ) {
                let names = ["a", "b", "c"];
                let variants: [&[&str]; 2] = [&["x"], &["x", "y"]];
                let shops: Vec<(&str, &[&str])> = shape
                    .iter()
                    .enumerate()
                    .map(|(n, lines)| (names[n], variants[lines - 1]))
                    .collect();
                let who = match who {
                    0 => Who::Saved,
                    1 => Who::NothingSaved,
                    _ => Who::Guest,
                };
                let mut world = World::new(cart(&shops), has_wallet, who);
                for step in steps {
                    let before = world.checkout.stage().clone();
                    let count = world.checkout.shops().len().max(1);
                    let effects = match step {
                        Step::CheckOut => {
                            if *world.checkout.stage() == Stage::Closed {
                                // The shell drops a closed checkout (answers still due to it
                                // reach their merchants and no one else); Check out starts a
                                // new one.
                                world.drop_requests(true);
                                world.checkout = CartCheckout::new(&world.cart, world.has_wallet)
                                    .with_backoff(Backoff { max_retries: 1, ..Backoff::default() });
                            }
                            world.run(Event::CheckOut)
                        }
                        Step::Pay => world.run(Event::Pay(None)),
                        Step::PayWithCard => world.run(Event::Pay(Some(card(true)))),
                        Step::Retry => world.run(Event::Retry),
                        Step::Cancel => world.run(Event::Cancel),
                        Step::Close => world.run(Event::Close),
                        Step::Remove(shop) => world.run(Event::Remove(usize::from(shop) % count)),
                        Step::Address => world.run(Event::SubmitAddress(Box::new(address()))),
                        Step::ChangeDetails => world.run(Event::ChangeDetails),
                        Step::Authenticate => world.run(Event::Authenticated(Authentication {
                            outcome: "authenticated".into(),
                            details: None,
                        })),
                        Step::FireTimers => {
                            world.fire_timers();
                            Vec::new()
                        }
                        Step::Answer(shop, choice) => {
                            // One of the shops with a request on the wire.
                            let mut busy: Vec<usize> = world.outstanding.keys().copied().collect();
                            busy.sort_unstable();
                            match busy.get(usize::from(shop) % busy.len().max(1)) {
                                Some(&shop) => world.answer(shop, choice),
                                None => Vec::new(),
                            }
                        }
                        Step::Reload(arrives) => {
                            world.reload(arrives);
                            Vec::new()
                        }
                    };
                    if matches!(step, Step::Pay | Step::PayWithCard) && before == Stage::Paying {
                        prop_assert!(effects.is_empty(), "a second Pay did {:?}", effects);
                    }
                    check(&world)?;
                }
            }
        }
    }
}
