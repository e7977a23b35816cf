//! The buy flow as a state machine: stages, events, and the effects it asks the edge to run.
//!
//! Pure and synchronous: [`Flow::handle`] takes an [`Event`] (a tap, a timer, the outcome of the
//! request in flight) and returns the [`Effect`]s to run. The edge runs them (HTTP with
//! timeouts, timers, DOM events) and feeds their outcomes back. Nothing here knows about the
//! browser, so every sequence of taps and server answers can be tested natively.
//!
//! Guarantees (property-tested below):
//! - At most one request is in flight.
//! - One Idempotency-Key per intent: every retry of a request reuses its key; a new key is made
//!   only when the buyer asks for something new (Buy, Confirm, Pay, Cancel). This holds for the
//!   wallet's requests (payment method, token) and the payment provider's as for the merchant's.
//! - Nothing about payment is hard-coded: the handler and the merchant a token is for come from
//!   the session ([`Session::handler`]).
//! - Never two different `complete`s for one intent, and none after an order is placed. After a
//!   `complete` whose outcome is unknown (no answer, 5xx, in flight), the session is re-read
//!   before anything else. A page that reloads with a `complete` unanswered resumes the same
//!   way ([`Flow::resume`]), from the request the edge kept.
//! - Once the merchant says the item sold out, it stays sold out: no new checkout, and Close
//!   only closes the sheet.
//! - No stuck state: when nothing is in flight and no timer is pending, the stage is one the
//!   buyer can act on. A session that only lacks a delivery choice gets the merchant's first
//!   option; one that is not ready for a reason the card cannot fix is said in words.

//!
//! The flow speaks checkout, not wire format: sessions are `core::checkout`'s read models, and
//! requests are intents that `core::checkout::request` writes as bodies.

pub use super::checkout::{
    Authentication, CardEntry, Contact, Delivery, DeliveryChoice, Order, Purchase, SavedBuyer,
    Session, Status, Visitor,
};
use super::checkout::{Problem, ProblemKind, Target};
use super::checkout_error::CheckoutError;
use super::retry::Backoff;

/// How long the confirmation must be visible before Confirm works (a double tap or a
/// click-jacked tap cannot buy).
pub const ARM_DELAY_MS: u32 = 600;

/// What the buyer sees.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// The card with its Buy button.
    Idle,
    /// Buy was tapped: reading the wallet and opening a checkout session.
    Starting,
    /// Saved buyer: the confirmation sheet with the merchant's totals. `armed` once it has been
    /// visible for [`ARM_DELAY_MS`].
    Confirming { armed: bool },
    /// New buyer: the details sheet.
    Details,
    /// Paying: token and `complete` in flight.
    Placing,
    /// The payment's outcome is unknown (no answer, a 5xx, the merchant still at it): the
    /// session is being read again before anything else. The sheet says "Checking your order…".
    Checking,
    /// The bank's 3-D Secure challenge is shown.
    Authenticating,
    /// The order is placed; the sheet says so until the buyer closes it.
    Placed(Order),
    /// The merchant says the item sold out. `open` while the sheet says so; once closed, the
    /// card shows the item as sold out and offers no Buy.
    SoldOut { open: bool },
    /// Something failed; the sheet says what and offers to try again or cancel.
    Failed(CheckoutError),
}

impl Stage {
    /// The host element's `data-state`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Stage::Idle => "ready",
            Stage::Starting => "loading",
            Stage::Confirming { .. } | Stage::Authenticating => "confirming",
            Stage::Details => "details",
            Stage::Placing => "placing",
            Stage::Checking => "checking",
            Stage::Placed(_) => "placed",
            Stage::SoldOut { .. } => "soldout",
            Stage::Failed(_) => "error",
        }
    }

    /// Whether the sheet is shown (the card's own Buy button is not, meanwhile).
    pub fn sheet_open(&self) -> bool {
        !matches!(
            self,
            Stage::Idle | Stage::Starting | Stage::SoldOut { open: false }
        )
    }

    /// Whether the sheet shows how the purchase ended (placed, sold out): the buyer closes it
    /// ([`Event::Close`]) rather than cancels it.
    pub fn is_result(&self) -> bool {
        matches!(self, Stage::Placed(_) | Stage::SoldOut { open: true })
    }

    /// Whether the card offers its Buy button (hidden while the sheet is open): not once the
    /// merchant has said the item sold out.
    pub fn offers_buy(&self) -> bool {
        !matches!(self, Stage::SoldOut { .. })
    }
}

/// What the buyer typed in the details sheet. The card goes to the wallet (or the payment
/// provider), never to the merchant; `Debug` never shows it.
#[derive(Clone, PartialEq)]
pub struct Details {
    pub contact: Contact,
    pub delivery: Delivery,
    pub card: CardEntry,
    pub save: bool,
}

impl std::fmt::Debug for Details {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Details")
            .field("save", &self.save)
            .finish_non_exhaustive()
    }
}

/// The new buyer's contact and delivery details.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressEntry {
    pub contact: Contact,
    pub delivery: Delivery,
}

/// The new buyer's card, and whether the wallet keeps it for one-click next time.
#[derive(Debug, Clone, PartialEq)]
pub struct CardPayment {
    pub card: CardEntry,
    pub save: bool,
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The Buy button.
    Buy,
    /// Confirm (saved buyer) or the sheet's Pay button after details were sent.
    Confirm,
    /// New buyer, step 1: contact and delivery address (the session's totals follow them).
    SubmitAddress(Box<AddressEntry>),
    /// New buyer: a delivery option of the session's, by id.
    ChooseOption(String),
    /// New buyer, step 2: the card, once the sheet shows what will be charged.
    Pay(Box<CardPayment>),
    /// Cancel button or Escape.
    Cancel,
    /// Close button or Escape on a result (placed, sold out): back to the card.
    Close,
    /// "Try again" on a failure.
    Retry,
    /// The 3-D Secure challenge finished (any outcome).
    Authenticated(Authentication),
    /// A timer the flow asked for fired.
    Timer(Timer),
    /// The request in flight finished.
    Done(Outcome),
}

/// A timer the flow started. The number is its generation: a timer from an earlier attempt
/// (before a Cancel, say) is recognised and ignored when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// The confirmation has been visible long enough.
    Arm(u32),
    /// The backoff before resending the request in flight elapsed.
    Resend(u32),
}

/// The outcome of the request in flight.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `GET /wallet/buyer`: who the visitor is to the host's wallet.
    Wallet(Visitor),
    /// A checkout session (create, update, get, complete, cancel).
    Session(Box<Session>),
    /// A payment method saved or vaulted from the details sheet.
    PaymentMethod(String),
    /// A delegated payment token.
    Token(String),
    Failed(CheckoutError),
}

/// A request the edge must send. Keys are Idempotency-Keys: the same value on every resend.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Wallet,
    Create {
        key: String,
        purchase: Purchase,
        contact: Option<Contact>,
        delivery: Option<Delivery>,
    },
    /// What is given changes; the rest of the session stays.
    Update {
        key: String,
        session_id: String,
        contact: Option<Contact>,
        delivery: Option<Delivery>,
        choice: Option<DeliveryChoice>,
    },
    /// Vault the card typed in the sheet at the wallet's payment provider.
    AddPaymentMethod {
        key: String,
        details: Box<Details>,
    },
    /// No wallet: the card goes straight to the merchant's payment provider (ACP delegate
    /// payment), which returns a token for exactly this session and amount.
    DelegateCard {
        key: String,
        card: Box<CardEntry>,
        session_id: String,
        merchant_id: String,
        amount: i64,
        currency: String,
    },
    Token {
        key: String,
        payment_method_id: String,
        session_id: String,
        /// From the session's payment handler: the token is bound to this merchant.
        merchant_id: String,
        amount: i64,
        currency: String,
    },
    Complete {
        key: String,
        session_id: String,
        /// The session's payment handler the token is for ([`Session::handler`]).
        handler_id: String,
        token: String,
        authentication: Option<Authentication>,
    },
    Get {
        session_id: String,
    },
    Cancel {
        key: String,
        session_id: String,
    },
}

impl Request {
    pub fn is_complete(&self) -> bool {
        matches!(self, Request::Complete { .. })
    }

    /// Whether the flow waits for this request's answer. A cancel is fired and forgotten: the
    /// flow is already Idle, and may have sent the next request (a new session) by the time the
    /// cancel's answer comes back, so the shell must not deliver it as an `Event::Done`, which
    /// would be taken for the answer to what is on the wire then.
    pub fn answered(&self) -> bool {
        !matches!(self, Request::Cancel { .. })
    }

    /// The Idempotency-Key the edge sends with this request (every request that changes
    /// something has one; reads have none).
    pub fn key(&self) -> Option<&str> {
        match self {
            Request::Create { key, .. }
            | Request::Update { key, .. }
            | Request::AddPaymentMethod { key, .. }
            | Request::DelegateCard { key, .. }
            | Request::Token { key, .. }
            | Request::Complete { key, .. }
            | Request::Cancel { key, .. } => Some(key),
            Request::Wallet | Request::Get { .. } => None,
        }
    }
}

/// Events for the host page.
#[derive(Debug, Clone, PartialEq)]
pub enum HostEvent {
    Checkout {
        session_id: String,
        total: Option<i64>,
        currency: String,
    },
    Order {
        order: Order,
    },
    Cancel {
        session_id: Option<String>,
    },
    Error(CheckoutError),
}

/// What the edge must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send(Box<Request>),
    StartTimer(Timer, u32),
    Emit(HostEvent),
    /// Show the bank's challenge (3-D Secure) described by the session's metadata.
    Challenge,
}

/// What a session shown to the buyer calls for next.
#[derive(Debug, Clone, PartialEq)]
enum Next {
    /// Ready: the confirmation (saved buyer) or the card fields (new buyer).
    Pay,
    /// Only a delivery choice is missing: choose the merchant's first option.
    ChooseDefault(DeliveryChoice),
    /// The buyer's contact or address is missing or wrong: the details sheet.
    AskDetails,
    /// Not ready for a reason the card cannot fix.
    Stuck(CheckoutError),
}

/// A problem that blocks payment (a declined card does not: another card may be tried).
fn blocking(problem: &Problem) -> bool {
    problem.blocks() && problem.kind != ProblemKind::PaymentDeclined
}

fn about_choice(problem: &Problem) -> bool {
    problem.target() == Target::DeliveryChoice
}

fn about_details(problem: &Problem) -> bool {
    problem.target() == Target::Details
}

/// A session that is not ready for a reason the card cannot fix, said with the merchant's
/// problem (if it named one).
fn not_ready(problem: Option<&Problem>) -> CheckoutError {
    CheckoutError::NotReady {
        code: problem.and_then(|p| p.code()).map(str::to_owned),
        param: problem.and_then(|p| p.param.clone()),
    }
}

/// What `session` calls for, given whether the buyer's details were already sent.
fn next_step(session: &Session, details_sent: bool) -> Next {
    let blockers: Vec<&Problem> = session.problems.iter().filter(|p| blocking(p)).collect();
    let unchosen = session.chosen.is_empty();
    let open = matches!(session.status, Status::NotReady | Status::Ready);
    if open
        && unchosen
        && blockers.iter().all(|p| about_choice(p))
        && let Some(first) = session.delivery_options.first()
    {
        return Next::ChooseDefault(DeliveryChoice {
            option_id: first.id.clone(),
            kind: first.kind.clone(),
        });
    }
    if session.status != Status::NotReady {
        return if session.status == Status::Ready {
            Next::Pay
        } else {
            Next::AskDetails
        };
    }
    // A choice not made yet is the card's to make once the details are in.
    let fixable = |p: &&&Problem| about_details(p) || (unchosen && about_choice(p));
    let stuck = |p: Option<&&Problem>| Next::Stuck(not_ready(p.copied()));
    if let Some(unfixable) = blockers.iter().find(|m| !fixable(m)) {
        return stuck(Some(unfixable));
    }
    if details_sent && !blockers.iter().any(|m| about_details(m)) {
        // Everything the card knows was sent, and what is missing is not the buyer's to give.
        return stuck(blockers.first());
    }
    Next::AskDetails
}

/// Where the flow gets fresh Idempotency-Keys and jitter (UUIDs and `Math.random()` in the
/// browser, counters in tests).
pub trait Entropy {
    fn key(&mut self) -> String;
    fn jitter(&mut self) -> f64;
}

#[derive(Debug)]
pub struct Flow {
    purchase: Purchase,
    has_wallet: bool,
    backoff: Backoff,
    stage: Stage,
    session: Option<Session>,
    saved: Option<SavedBuyer>,
    payment_method_id: Option<String>,
    token: Option<String>,
    /// The key of the current `complete` intent, reused on every resend.
    complete_key: Option<String>,
    in_flight: Option<Request>,
    retries: u32,
    /// The generation of the pending resend / arm timer, if one is pending.
    resend_pending: Option<u32>,
    arm_pending: Option<u32>,
    /// Timer generations; kept across attempts.
    timer_gen: u32,
    /// A `complete` may have taken effect unseen: re-read the session before anything else.
    verify_first: bool,
    /// The last `complete` sent, to send again unchanged (same key, same body) when the session
    /// shows it never took effect.
    last_complete: Option<Request>,
    /// The new buyer's contact and address, once sent.
    address: Option<AddressEntry>,
    /// A problem to show in the open sheet (a declined card).
    notice: Option<CheckoutError>,
    /// The update in flight chooses the merchant's first delivery option for the buyer.
    defaulting: bool,
    /// Nobody is signed in to the host's wallet: the card goes to the merchant's payment
    /// provider and nothing is saved.
    guest: bool,
}

impl Flow {
    pub fn new(purchase: Purchase, has_wallet: bool) -> Self {
        Self {
            purchase,
            has_wallet,
            backoff: Backoff::default(),
            stage: Stage::Idle,
            session: None,
            saved: None,
            payment_method_id: None,
            token: None,
            complete_key: None,
            in_flight: None,
            retries: 0,
            resend_pending: None,
            arm_pending: None,
            timer_gen: 0,
            verify_first: false,
            last_complete: None,
            address: None,
            notice: None,
            defaulting: false,
            guest: false,
        }
    }

    /// The same flow, retrying transient failures on `backoff`'s schedule.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// A flow picked up after the page went away while `complete` (a [`Request::Complete`]
    /// the edge kept) may have reached the merchant: as after a lost answer, it reads the
    /// session first ([`Stage::Checking`]) and, if the session shows the payment never took
    /// effect, "Try again" sends that very request again, key and token and all, so a late
    /// first copy and the retry make one order at most. Returns the flow and the read to send.
    /// Anything but a `complete` gives a flow at [`Stage::Idle`] and nothing to send.
    pub fn resume(purchase: Purchase, has_wallet: bool, complete: Request) -> (Self, Vec<Effect>) {
        let mut flow = Self::new(purchase, has_wallet);
        let Request::Complete {
            key,
            session_id,
            token,
            ..
        } = &complete
        else {
            return (flow, Vec::new());
        };
        flow.complete_key = Some(key.clone());
        flow.token = Some(token.clone());
        let get = Request::Get {
            session_id: session_id.clone(),
        };
        flow.last_complete = Some(complete);
        flow.verify_first = true;
        flow.stage = Stage::Checking;
        let effects = flow.send(get);
        (flow, effects)
    }

    /// The session being bought through: the one shown, else the one the last `complete` was
    /// for (a resumed flow has not read its session yet).
    fn session_id(&self) -> Option<String> {
        self.session.as_ref().map(|s| s.id.clone()).or_else(|| {
            self.last_complete.as_ref().and_then(|c| match c {
                Request::Complete { session_id, .. } => Some(session_id.clone()),
                _ => None,
            })
        })
    }

    /// A problem to show in the open sheet, such as a declined card.
    pub fn notice(&self) -> Option<&CheckoutError> {
        self.notice.as_ref()
    }

    pub fn stage(&self) -> &Stage {
        &self.stage
    }

    /// The latest authoritative session: what the sheets show (never client-side totals).
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    pub fn saved_buyer(&self) -> Option<&SavedBuyer> {
        self.saved.as_ref()
    }

    pub fn in_flight(&self) -> Option<&Request> {
        self.in_flight.as_ref()
    }

    /// Whether the buyer's card goes to the host's wallet, which can save it for one-click: a
    /// host with a wallet and a visitor signed in to it. A guest's card goes to the merchant's
    /// payment provider.
    pub fn can_save(&self) -> bool {
        self.has_wallet && !self.guest
    }

    /// Whether the failure shown can be tried again (the sheet offers "Try again" only then).
    /// After a payment whose outcome is unknown it always can: that retry looks at the session.
    pub fn can_retry(&self) -> bool {
        match &self.stage {
            Stage::Failed(error) => self.verify_first || error.can_try_again(),
            _ => false,
        }
    }

    /// Whether "Try again" means looking at the session again: the payment's outcome is unknown.
    pub fn checks_again(&self) -> bool {
        matches!(self.stage, Stage::Failed(_)) && self.verify_first
    }

    /// Whether the flow is waiting for something it asked for (a request or a timer).
    pub fn waiting(&self) -> bool {
        self.in_flight.is_some() || self.resend_pending.is_some() || self.arm_pending.is_some()
    }

    /// Whether a request is on the wire or waits to be resent: [`Flow::waiting`] without the
    /// confirmation's arming delay (which a cart's checkout holds for its own sheet).
    pub fn requesting(&self) -> bool {
        self.in_flight.is_some() || self.resend_pending.is_some()
    }

    /// Starts over for a new attempt, keeping timer generations unique.
    fn reset(&mut self) {
        let (timer_gen, backoff) = (self.timer_gen, self.backoff);
        *self = Flow::new(self.purchase.clone(), self.has_wallet);
        self.timer_gen = timer_gen;
        self.backoff = backoff;
    }

    fn arm(&mut self) -> Effect {
        self.timer_gen += 1;
        self.arm_pending = Some(self.timer_gen);
        Effect::StartTimer(Timer::Arm(self.timer_gen), ARM_DELAY_MS)
    }

    fn resend_after(&mut self, ms: u32) -> Effect {
        self.timer_gen += 1;
        self.resend_pending = Some(self.timer_gen);
        Effect::StartTimer(Timer::Resend(self.timer_gen), ms)
    }

    fn send(&mut self, request: Request) -> Vec<Effect> {
        self.retries = 0;
        self.in_flight = Some(request.clone());
        vec![Effect::Send(Box::new(request))]
    }

    fn fail(&mut self, error: CheckoutError) -> Vec<Effect> {
        // Whatever stopped the check, what the buyer needs to hear is that the order's fate is
        // not known yet.
        let error = if self.verify_first {
            CheckoutError::Unconfirmed
        } else {
            error
        };
        self.in_flight = None;
        self.defaulting = false;
        self.stage = Stage::Failed(error.clone());
        vec![Effect::Emit(HostEvent::Error(error))]
    }

    pub fn handle(&mut self, event: Event, entropy: &mut dyn Entropy) -> Vec<Effect> {
        match event {
            Event::Buy => self.on_buy(entropy),
            Event::Confirm => self.on_confirm(entropy),
            Event::SubmitAddress(entry) => self.on_address(*entry, entropy),
            Event::ChooseOption(option) => self.on_option(option, entropy),
            Event::Pay(payment) => self.on_pay(*payment, entropy),
            Event::Cancel => self.on_cancel(entropy),
            Event::Close => self.on_close(entropy),
            Event::Retry => self.on_retry(entropy),
            Event::Authenticated(result) => self.on_authenticated(result, entropy),
            Event::Timer(Timer::Arm(generation)) => {
                if self.arm_pending != Some(generation) {
                    return Vec::new(); // Stale: from an earlier attempt.
                }
                self.arm_pending = None;
                if self.stage == (Stage::Confirming { armed: false }) {
                    self.stage = Stage::Confirming { armed: true };
                }
                Vec::new()
            }
            Event::Timer(Timer::Resend(generation)) => {
                if self.resend_pending != Some(generation) {
                    return Vec::new();
                }
                self.resend_pending = None;
                match self.in_flight.clone() {
                    Some(request) => vec![Effect::Send(Box::new(request))],
                    None => Vec::new(),
                }
            }
            Event::Done(outcome) => self.on_done(outcome, entropy),
        }
    }

    fn on_buy(&mut self, entropy: &mut dyn Entropy) -> Vec<Effect> {
        if self.stage != Stage::Idle || self.waiting() {
            // A second tap while starting does nothing; a result is closed first; a sold-out
            // item cannot be bought.
            return Vec::new();
        }
        self.reset();
        self.stage = Stage::Starting;
        if self.has_wallet {
            self.send(Request::Wallet)
        } else {
            self.create(entropy)
        }
    }

    fn create(&mut self, entropy: &mut dyn Entropy) -> Vec<Effect> {
        let (contact, delivery) = match &self.saved {
            Some(saved) => (Some(saved.contact.clone()), saved.delivery.clone()),
            None => (None, None),
        };
        self.send(Request::Create {
            key: entropy.key(),
            purchase: self.purchase.clone(),
            contact,
            delivery,
        })
    }

    fn on_confirm(&mut self, entropy: &mut dyn Entropy) -> Vec<Effect> {
        let ready = self.session.as_ref().is_some_and(Session::is_ready);
        let can = matches!(self.stage, Stage::Confirming { armed: true });
        if !can || !ready || self.waiting() {
            return Vec::new(); // Not armed yet, a double tap, or nothing to pay.
        }
        self.stage = Stage::Placing;
        // One intent, one key: every resend of this complete reuses it.
        self.complete_key = Some(entropy.key());
        self.token = None;
        self.request_token(entropy)
    }

    /// Asks the wallet for a token for the session, under a new key (kept on every resend).
    fn request_token(&mut self, entropy: &mut dyn Entropy) -> Vec<Effect> {
        let (Some(session), Some(pm)) = (&self.session, self.payment_method_id.clone()) else {
            return self.fail(CheckoutError::Invalid {
                code: "missing".into(),
                param: Some("$.payment_data".into()),
            });
        };
        let Some(handler) = &session.handler else {
            return self.fail(CheckoutError::NoPaymentHandler);
        };
        let request = Request::Token {
            key: entropy.key(),
            payment_method_id: pm,
            session_id: session.id.clone(),
            merchant_id: handler.merchant_id.clone(),
            amount: session.total().unwrap_or(0),
            currency: session.currency.clone(),
        };
        self.send(request)
    }

    fn complete(&mut self, authentication: Option<Authentication>) -> Vec<Effect> {
        let (Some(session), Some(token), Some(key)) =
            (&self.session, self.token.clone(), self.complete_key.clone())
        else {
            return self.fail(CheckoutError::Invalid {
                code: "missing".into(),
                param: Some("$.payment_data".into()),
            });
        };
        let Some(handler) = &session.handler else {
            return self.fail(CheckoutError::NoPaymentHandler);
        };
        let request = Request::Complete {
            key,
            session_id: session.id.clone(),
            handler_id: handler.id.clone(),
            token,
            authentication,
        };
        self.last_complete = Some(request.clone());
        self.send(request)
    }

    fn update(
        &mut self,
        entropy: &mut dyn Entropy,
        change: impl FnOnce(&mut Request),
    ) -> Vec<Effect> {
        let Some(session) = &self.session else {
            return Vec::new();
        };
        let mut request = Request::Update {
            key: entropy.key(),
            session_id: session.id.clone(),
            contact: None,
            delivery: None,
            choice: None,
        };
        change(&mut request);
        self.notice = None;
        self.send(request)
    }

    fn on_address(&mut self, entry: AddressEntry, entropy: &mut dyn Entropy) -> Vec<Effect> {
        if self.stage != Stage::Details || self.waiting() || self.session.is_none() {
            return Vec::new();
        }
        self.address = Some(entry.clone());
        self.update(entropy, |request| {
            if let Request::Update {
                contact, delivery, ..
            } = request
            {
                *contact = Some(entry.contact);
                *delivery = Some(entry.delivery);
            }
        })
    }

    fn on_option(&mut self, option_id: String, entropy: &mut dyn Entropy) -> Vec<Effect> {
        if self.stage != Stage::Details || self.waiting() {
            return Vec::new();
        }
        let Some(option) = self
            .session
            .as_ref()
            .and_then(|s| s.delivery_option(&option_id))
        else {
            return Vec::new();
        };
        let choice = DeliveryChoice {
            option_id,
            kind: option.kind.clone(),
        };
        self.update(entropy, |request| {
            if let Request::Update { choice: chosen, .. } = request {
                *chosen = Some(choice);
            }
        })
    }

    fn on_pay(&mut self, payment: CardPayment, entropy: &mut dyn Entropy) -> Vec<Effect> {
        let ready = self.session.as_ref().is_some_and(Session::is_ready);
        if self.stage != Stage::Details || self.waiting() || !ready {
            return Vec::new(); // The sheet must show the merchant's total first.
        }
        let (Some(session), Some(address)) = (self.session.clone(), self.address.clone()) else {
            return Vec::new();
        };
        let Some(handler) = session.handler.clone() else {
            // Nothing to pay with: the card is not sent anywhere.
            return self.fail(CheckoutError::NoPaymentHandler);
        };
        self.stage = Stage::Placing;
        self.notice = None;
        // One Pay tap, one intent, one key for its complete.
        self.complete_key = Some(entropy.key());
        self.token = None;
        if self.can_save() {
            self.send(Request::AddPaymentMethod {
                key: entropy.key(),
                details: Box::new(Details {
                    contact: address.contact,
                    delivery: address.delivery,
                    card: payment.card,
                    save: payment.save,
                }),
            })
        } else {
            self.send(Request::DelegateCard {
                key: entropy.key(),
                card: Box::new(payment.card),
                session_id: session.id.clone(),
                merchant_id: handler.merchant_id,
                amount: session.total().unwrap_or(0),
                currency: session.currency.clone(),
            })
        }
    }

    fn on_cancel(&mut self, entropy: &mut dyn Entropy) -> Vec<Effect> {
        let cancellable = matches!(
            self.stage,
            Stage::Confirming { .. }
                | Stage::Details
                | Stage::Authenticating
                | Stage::Failed(_)
                | Stage::Starting
        );
        // Paying cannot be cancelled halfway, nor while a payment's outcome is unknown: the
        // session is looked at first (Retry), so an order that went through is never lost.
        // A request on the wire is answered first (its late answer must not be taken for a new
        // one); one waiting to be resent is simply dropped.
        let on_the_wire = self.in_flight.is_some() && self.resend_pending.is_none();
        if !cancellable || self.verify_first || on_the_wire {
            return Vec::new();
        }
        let session_id = self.session.as_ref().map(|s| s.id.clone());
        let open = self.session.as_ref().is_some_and(|s| {
            !matches!(
                s.status,
                Status::Completed | Status::Canceled | Status::Expired
            )
        });
        let mut effects = vec![Effect::Emit(HostEvent::Cancel {
            session_id: session_id.clone(),
        })];
        self.reset();
        if let (Some(session_id), true) = (session_id, open) {
            // Fire and forget: the flow is Idle again; the outcome is ignored.
            effects.push(Effect::Send(Box::new(Request::Cancel {
                key: entropy.key(),
                session_id,
            })));
        }
        effects
    }

    fn on_close(&mut self, entropy: &mut dyn Entropy) -> Vec<Effect> {
        match self.stage {
            Stage::Placed(_) => {
                // Back to the card, which may be bought again.
                self.reset();
                Vec::new()
            }
            Stage::SoldOut { open: true } => {
                // The card stays sold out. A session the merchant still holds open for it is
                // canceled (fire and forget), as Cancel would; never one whose payment's
                // outcome is unknown.
                let open_session = self.session.take().filter(|s| {
                    !self.verify_first
                        && !matches!(
                            s.status,
                            Status::Completed | Status::Canceled | Status::Expired
                        )
                });
                self.stage = Stage::SoldOut { open: false };
                match open_session {
                    Some(session) => vec![
                        Effect::Emit(HostEvent::Cancel {
                            session_id: Some(session.id.clone()),
                        }),
                        Effect::Send(Box::new(Request::Cancel {
                            key: entropy.key(),
                            session_id: session.id,
                        })),
                    ],
                    None => Vec::new(),
                }
            }
            _ => Vec::new(), // Nothing to close: a checkout is canceled, not closed.
        }
    }

    fn on_retry(&mut self, entropy: &mut dyn Entropy) -> Vec<Effect> {
        if !self.can_retry() || self.waiting() {
            return Vec::new(); // Nothing failed, or trying again would fail the same way.
        }
        if self.verify_first
            && let Some(id) = self.session_id()
        {
            // The last complete may have succeeded: look before paying again.
            self.stage = Stage::Checking;
            return self.send(Request::Get { session_id: id });
        }
        if self.stage == Stage::Failed(CheckoutError::NotCharged)
            && let Some(complete) = self.last_complete.clone()
        {
            // The session shows the payment never reached the merchant: send that very request
            // again, with its key, so a late first copy and this one make one order at most.
            self.stage = Stage::Placing;
            return self.send(complete);
        }
        match (
            &self.session,
            self.saved.is_some() || self.payment_method_id.is_some(),
        ) {
            (None, _) => {
                self.stage = Stage::Starting;
                if self.has_wallet && self.saved.is_none() {
                    self.send(Request::Wallet)
                } else {
                    self.create(entropy)
                }
            }
            (Some(session), true) if self.saved.is_some() && session.is_ready() => {
                self.stage = Stage::Confirming { armed: false };
                vec![self.arm()]
            }
            (Some(_), _) => {
                self.stage = Stage::Details;
                Vec::new()
            }
        }
    }

    fn on_authenticated(
        &mut self,
        result: Authentication,
        entropy: &mut dyn Entropy,
    ) -> Vec<Effect> {
        if self.stage != Stage::Authenticating || self.waiting() {
            return Vec::new();
        }
        self.stage = Stage::Placing;
        // A different body (it carries the result), so a new key: reusing the first would be an
        // ACP idempotency conflict. The first complete's answer was definite (authentication
        // required), so this is not a second payment attempt.
        self.complete_key = Some(entropy.key());
        self.complete(Some(result))
    }

    fn show_session(&mut self, entropy: &mut dyn Entropy) -> Vec<Effect> {
        let after_default = std::mem::take(&mut self.defaulting);
        let Some(session) = &self.session else {
            return Vec::new();
        };
        let details_sent = self.saved.is_some() || self.address.is_some();
        let next = match next_step(session, details_sent) {
            Next::ChooseDefault(choice) if !after_default => {
                // Only the delivery choice is missing: make the merchant's first one (the
                // details sheet's picker shows it and the buyer may change it).
                self.defaulting = true;
                return self.update(entropy, |request| {
                    if let Request::Update { choice: chosen, .. } = request {
                        *chosen = Some(choice);
                    }
                });
            }
            // The merchant took no notice of the choice: do not ask again and again.
            Next::ChooseDefault(_) if session.is_ready() => Next::Pay,
            Next::ChooseDefault(_) => {
                Next::Stuck(not_ready(session.problems.iter().find(|p| blocking(p))))
            }
            next => next,
        };
        let checkout = Effect::Emit(HostEvent::Checkout {
            session_id: session.id.clone(),
            total: session.total(),
            currency: session.currency.clone(),
        });
        if session.has(&ProblemKind::OutOfStock) {
            self.stage = Stage::SoldOut { open: true };
            return vec![checkout];
        }
        if let Some(limit) = session
            .problems
            .iter()
            .find(|p| p.kind == ProblemKind::QuantityExceeded)
        {
            // More than one order may hold: say so rather than ask for details.
            let error = CheckoutError::QuantityExceeded {
                param: limit.param.clone(),
            };
            let mut effects = vec![checkout];
            effects.extend(self.fail(error));
            return effects;
        }
        match (next, &self.saved) {
            (Next::Stuck(error), _) => {
                let mut effects = vec![checkout];
                effects.extend(self.fail(error));
                effects
            }
            (Next::Pay, Some(_)) => {
                self.stage = Stage::Confirming { armed: false };
                vec![checkout, self.arm()]
            }
            _ => {
                self.stage = Stage::Details;
                vec![checkout]
            }
        }
    }

    fn on_done(&mut self, outcome: Outcome, entropy: &mut dyn Entropy) -> Vec<Effect> {
        let Some(request) = self.in_flight.clone() else {
            return Vec::new(); // A late answer to something abandoned (e.g. a cancel).
        };
        if let Outcome::Failed(error) = outcome {
            return self.on_failure(request, error, entropy);
        }
        self.in_flight = None;
        match (request, outcome) {
            (Request::Wallet, Outcome::Wallet(visitor)) => {
                match visitor {
                    Visitor::Saved(saved) => {
                        self.payment_method_id = Some(saved.card.id.clone());
                        self.saved = Some(*saved);
                    }
                    Visitor::NothingSaved => {}
                    Visitor::Guest => self.guest = true,
                }
                self.create(entropy)
            }
            (Request::Create { .. } | Request::Update { .. }, Outcome::Session(session)) => {
                self.session = Some(*session);
                self.show_session(entropy)
            }
            (Request::AddPaymentMethod { .. }, Outcome::PaymentMethod(id)) => {
                self.payment_method_id = Some(id);
                self.request_token(entropy)
            }
            (Request::Token { .. } | Request::DelegateCard { .. }, Outcome::Token(token)) => {
                self.token = Some(token);
                self.complete(None)
            }
            (Request::Complete { .. } | Request::Get { .. }, Outcome::Session(session)) => {
                let checked = std::mem::take(&mut self.verify_first);
                self.after_payment(*session, checked, entropy)
            }
            (_, _) => self.fail(CheckoutError::Invalid {
                code: "unexpected_answer".into(),
                param: None,
            }),
        }
    }

    /// The session after a `complete`, or after reading it again when the outcome was unknown
    /// (`checked`).
    fn after_payment(
        &mut self,
        session: Session,
        checked: bool,
        entropy: &mut dyn Entropy,
    ) -> Vec<Effect> {
        let declined = session.has(&ProblemKind::PaymentDeclined);
        let status = session.status;
        // A completed session is a placed order. ACP 2025-09-29 cannot carry the order in the
        // session (it reaches the platform by webhook): the buyer is told the order is placed,
        // with no reference or link the merchant did not give.
        let order = session.order.clone().unwrap_or_else(|| Order {
            id: String::new(),
            checkout_session_id: session.id.clone(),
            permalink_url: String::new(),
            number: None,
        });
        self.session = Some(session);
        match status {
            Status::Completed => {
                self.stage = Stage::Placed(order.clone());
                self.complete_key = None;
                self.last_complete = None;
                vec![Effect::Emit(HostEvent::Order { order })]
            }
            Status::AuthenticationRequired => {
                self.stage = Stage::Authenticating;
                vec![Effect::Challenge]
            }
            _ if declined => {
                // That card's intent is over: the sheet stays open, says so, and takes another
                // card (a new intent, a new key).
                self.complete_key = None;
                self.last_complete = None;
                self.token = None;
                self.saved = None;
                self.payment_method_id = None;
                self.stage = Stage::Details;
                self.notice = Some(CheckoutError::PaymentDeclined);
                vec![Effect::Emit(HostEvent::Error(
                    CheckoutError::PaymentDeclined,
                ))]
            }
            Status::Canceled | Status::Expired => {
                // Nothing more can happen in this session: start over on Retry.
                self.session = None;
                self.complete_key = None;
                self.fail(CheckoutError::SessionClosed)
            }
            Status::InProgress => {
                // The merchant is still taking payment: look again shortly.
                let id = self
                    .session
                    .as_ref()
                    .map(|s| s.id.clone())
                    .unwrap_or_default();
                self.verify_first = true;
                self.stage = Stage::Checking;
                self.in_flight = Some(Request::Get { session_id: id });
                vec![self.resend_after(ARM_DELAY_MS)]
            }
            _ if checked
                && self.last_complete.is_some()
                && self.session.as_ref().is_some_and(Session::is_ready) =>
            {
                // The payment never reached the merchant: nothing was charged. Say so; "Try
                // again" sends the same complete again.
                self.fail(CheckoutError::NotCharged)
            }
            _ => {
                self.complete_key = None;
                let effects = self.show_session(entropy);
                let mut all = vec![Effect::Emit(HostEvent::Error(CheckoutError::Invalid {
                    code: "not_ready".into(),
                    param: None,
                }))];
                all.extend(effects);
                all
            }
        }
    }

    fn on_failure(
        &mut self,
        request: Request,
        error: CheckoutError,
        entropy: &mut dyn Entropy,
    ) -> Vec<Effect> {
        if request.is_complete() && error.outcome_unknown() {
            // The order may exist: re-read the session before anything else.
            self.verify_first = true;
            self.stage = Stage::Checking;
            let session_id = match &request {
                Request::Complete { session_id, .. } => session_id.clone(),
                _ => String::new(),
            };
            self.in_flight = Some(Request::Get { session_id });
            self.retries = 0;
            return vec![Effect::Send(Box::new(
                self.in_flight.clone().unwrap_or(Request::Wallet),
            ))];
        }
        if error.retryable()
            && let Some(delay) =
                self.backoff
                    .delay_ms(self.retries, error.retry_after_secs(), entropy.jitter())
        {
            // Same request, same key, after a pause.
            self.retries += 1;
            return vec![self.resend_after(delay)];
        }
        match error {
            CheckoutError::OutOfStock { .. } => {
                self.in_flight = None;
                self.stage = Stage::SoldOut { open: true };
                vec![Effect::Emit(HostEvent::Error(error))]
            }
            CheckoutError::SessionClosed
                if matches!(request, Request::Complete { .. } | Request::Get { .. }) =>
            {
                // Completed elsewhere (another tab or card) or expired: look at it.
                let session_id = self.session_id().unwrap_or_default();
                self.verify_first = true;
                self.in_flight = Some(Request::Get {
                    session_id: session_id.clone(),
                });
                if matches!(request, Request::Get { .. }) {
                    return self.fail(error);
                }
                vec![Effect::Send(Box::new(Request::Get { session_id }))]
            }
            other => self.fail(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    fn purchase() -> Purchase {
        Purchase {
            item_id: "tee-m".into(),
            quantity: 1,
            currency: "usd".into(),
        }
    }

    /// A session as the merchant writes it, read through `core::checkout`.
    fn session(id: &str, status: &str, messages: serde_json::Value, order: bool) -> Box<Session> {
        read(session_value(id, status, messages, order))
    }

    fn read(value: serde_json::Value) -> Box<Session> {
        Box::new(serde_json::from_value(value).expect("a session the card reads"))
    }

    /// A session's JSON, with one card payment handler and a total of 30.25.
    fn session_value(
        id: &str,
        status: &str,
        messages: serde_json::Value,
        order: bool,
    ) -> serde_json::Value {
        let mut value = json!({
            "id": id, "status": status, "currency": "usd",
            "capabilities": {"payment": {"handlers": [{"id": "card", "name": "dev.acp.tokenized.card", "version": "1",
                "spec": "https://acp.dev/x", "requires_delegate_payment": true, "requires_pci_compliance": false,
                "psp": "test", "config_schema": "https://acp.dev/c", "instrument_schemas": [],
                "config": {"merchant_id": "shop_1"}}]}},
            "line_items": [], "fulfillment_options": [], "messages": messages, "links": [],
            "totals": [{"type": "total", "display_text": "Total", "amount": 3025}]
        });
        if order {
            value["order"] = json!({"id": "ord_1", "checkout_session_id": id, "permalink_url": "http://shop/orders/ord_1"});
        }
        value
    }

    fn saved() -> Box<SavedBuyer> {
        Box::new(
            serde_json::from_value(json!({
                "buyer": {"email": "ada@example.com"},
                "fulfillment_details": {"name": "Ada"},
                "payment_method": {"id": "pm_ada", "brand": "visa", "last4": "4242", "exp_month": "12", "exp_year": "2030"}
            }))
            .expect("saved"),
        )
    }

    fn address() -> Box<AddressEntry> {
        Box::new(AddressEntry {
            contact: Contact {
                email: "new@example.com".into(),
                ..Default::default()
            },
            delivery: Delivery::default(),
        })
    }

    fn card() -> Box<CardPayment> {
        Box::new(CardPayment {
            card: CardEntry {
                number: "4242424242424242".into(),
                exp_month: "12".into(),
                exp_year: "2030".into(),
                cvc: "123".into(),
                name: "New".into(),
            },
            save: true,
        })
    }

    fn sent(effects: &[Effect]) -> Vec<&Request> {
        effects
            .iter()
            .filter_map(|e| {
                if let Effect::Send(r) = e {
                    Some(&**r)
                } else {
                    None
                }
            })
            .collect()
    }

    /// `base` with some top-level fields replaced, as a merchant would send them.
    fn patched(mut base: serde_json::Value, patch: serde_json::Value) -> Box<Session> {
        for (name, field) in patch.as_object().expect("a JSON object") {
            base[name] = field.clone();
        }
        read(base)
    }

    /// A new buyer's sheet, from the merchant's first answer to the total being shown: the
    /// session is not ready, the address goes in, the merchant answers ready.
    fn details_until_ready(flow: &mut Flow, e: &mut Counter, id: &str) {
        flow.handle(
            Event::Done(Outcome::Session(session(
                id,
                "not_ready_for_payment",
                json!([]),
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::Details);
        flow.handle(Event::SubmitAddress(address()), e);
        flow.handle(
            Event::Done(Outcome::Session(session(
                id,
                "ready_for_payment",
                json!([]),
                false,
            ))),
            e,
        );
        assert_eq!(
            flow.stage(),
            &Stage::Details,
            "the sheet shows the total, unpaid"
        );
    }

    /// A payment handler as a session lists it.
    fn handler(id: &str, name: &str, delegate: bool, merchant: &str) -> serde_json::Value {
        json!({"id": id, "name": name, "version": "1", "spec": "https://acp.dev/x",
            "requires_delegate_payment": delegate, "requires_pci_compliance": false, "psp": "test",
            "config_schema": "https://acp.dev/c", "instrument_schemas": [],
            "config": {"merchant_id": merchant}})
    }

    /// Two delivery options, none chosen.
    fn delivery_options() -> serde_json::Value {
        json!([
            {"type": "shipping", "id": "ship_standard", "title": "Standard",
             "totals": [{"type": "total", "display_text": "Standard", "amount": 500}]},
            {"type": "shipping", "id": "ship_express", "title": "Express",
             "totals": [{"type": "total", "display_text": "Express", "amount": 1500}]}
        ])
    }

    fn error(code: &str, param: &str) -> serde_json::Value {
        json!({"type": "error", "code": code, "param": param, "content_type": "plain", "content": "x"})
    }

    /// A saved buyer up to an armed confirmation sheet.
    fn confirming(e: &mut Counter) -> Flow {
        confirming_with(e, session("cs_1", "ready_for_payment", json!([]), false))
    }

    /// A saved buyer up to an armed confirmation sheet for `ready`.
    fn confirming_with(e: &mut Counter, ready: Box<Session>) -> Flow {
        let mut flow = Flow::new(purchase(), true);
        assert_eq!(sent(&flow.handle(Event::Buy, e)), [&Request::Wallet]);
        let create = flow.handle(Event::Done(Outcome::Wallet(Visitor::Saved(saved()))), e);
        assert!(matches!(
            sent(&create)[0],
            Request::Create {
                contact: Some(_),
                ..
            }
        ));
        let shown = flow.handle(Event::Done(Outcome::Session(ready)), e);
        assert!(
            shown
                .iter()
                .any(|e| matches!(e, Effect::StartTimer(Timer::Arm(_), ARM_DELAY_MS)))
        );
        assert!(shown.iter().any(|e| matches!(
            e,
            Effect::Emit(HostEvent::Checkout {
                total: Some(3025),
                ..
            })
        )));
        assert_eq!(flow.stage(), &Stage::Confirming { armed: false });
        assert!(
            flow.handle(Event::Confirm, e).is_empty(),
            "Confirm does nothing until armed"
        );
        let Some(Effect::StartTimer(arm, _)) = shown
            .iter()
            .find(|e| matches!(e, Effect::StartTimer(..)))
            .cloned()
        else {
            panic!("arm timer")
        };
        flow.handle(Event::Timer(Timer::Arm(999)), e);
        assert_eq!(
            flow.stage(),
            &Stage::Confirming { armed: false },
            "a stale timer does not arm"
        );
        flow.handle(Event::Timer(arm), e);
        assert_eq!(flow.stage(), &Stage::Confirming { armed: true });
        flow
    }

    #[test]
    fn a_saved_buyer_buys_in_two_taps() {
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        let token = flow.handle(Event::Confirm, e);
        assert_eq!(
            sent(&token),
            [&Request::Token {
                key: "k3".into(),
                payment_method_id: "pm_ada".into(),
                session_id: "cs_1".into(),
                merchant_id: "shop_1".into(),
                amount: 3025,
                currency: "usd".into()
            }]
        );
        assert!(
            flow.handle(Event::Confirm, e).is_empty(),
            "a double tap is ignored"
        );
        let complete = flow.handle(Event::Done(Outcome::Token("vt_1".into())), e);
        assert!(
            matches!(sent(&complete)[0], Request::Complete { token, authentication: None, handler_id, .. } if token == "vt_1" && handler_id == "card")
        );
        let placed = flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "completed",
                json!([]),
                true,
            ))),
            e,
        );
        assert!(matches!(flow.stage(), Stage::Placed(order) if order.id == "ord_1"));
        assert!(matches!(&placed[0], Effect::Emit(HostEvent::Order { .. })));
        assert_eq!(flow.stage().as_str(), "placed");
    }

    #[test]
    fn a_completed_session_without_an_order_is_placed_not_a_failure() {
        // ACP 2025-09-29 sessions cannot carry `order`: completed is still placed.
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        flow.handle(Event::Confirm, e);
        flow.handle(Event::Done(Outcome::Token("vt_1".into())), e);
        let placed = flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "completed",
                json!([]),
                false,
            ))),
            e,
        );
        assert!(matches!(
            flow.stage(),
            Stage::Placed(order) if order.id.is_empty() && order.checkout_session_id == "cs_1" && order.permalink_url.is_empty()
        ));
        assert!(matches!(&placed[0], Effect::Emit(HostEvent::Order { .. })));
    }

    #[test]
    fn an_unanswered_complete_is_verified_before_anything_else() {
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        flow.handle(Event::Confirm, e);
        let complete = flow.handle(Event::Done(Outcome::Token("vt_1".into())), e);
        let Request::Complete { key, .. } = sent(&complete)[0].clone() else {
            panic!("complete")
        };
        let verify = flow.handle(Event::Done(Outcome::Failed(CheckoutError::Network)), e);
        assert_eq!(
            sent(&verify),
            [&Request::Get {
                session_id: "cs_1".into()
            }]
        );
        assert!(
            flow.handle(Event::Cancel, e).is_empty(),
            "no cancel while the outcome is unknown"
        );
        // The GET fails too: the buyer sees an error and Retry looks again, never pays again.
        let pause = flow.handle(Event::Done(Outcome::Failed(CheckoutError::Server(503))), e);
        let [Effect::StartTimer(resend @ Timer::Resend(_), _)] = pause.as_slice() else {
            panic!("{pause:?}")
        };
        assert_eq!(
            sent(&flow.handle(Event::Timer(*resend), e)),
            [&Request::Get {
                session_id: "cs_1".into()
            }]
        );
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "completed",
                json!([]),
                true,
            ))),
            e,
        );
        assert!(matches!(flow.stage(), Stage::Placed(_)));
        assert_eq!(key, "k2", "one key for the intent");
    }

    #[test]
    fn an_unknown_outcome_says_checking_then_not_charged_and_retry_resends_the_same_complete() {
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        flow.handle(Event::Confirm, e);
        let complete = flow.handle(Event::Done(Outcome::Token("vt_1".into())), e);
        let first = sent(&complete)[0].clone();
        assert_eq!(flow.stage(), &Stage::Placing);
        flow.handle(Event::Done(Outcome::Failed(CheckoutError::Network)), e);
        assert_eq!(
            flow.stage(),
            &Stage::Checking,
            "the sheet says it is checking"
        );
        assert_eq!(flow.stage().as_str(), "checking");
        assert!(flow.stage().sheet_open());
        // The session is still ready for payment: the complete never reached the merchant.
        let answer = flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "ready_for_payment",
                json!([]),
                false,
            ))),
            e,
        );
        assert_eq!(
            flow.stage(),
            &Stage::Failed(CheckoutError::NotCharged),
            "never a silent return to the sheet"
        );
        assert!(matches!(
            answer.as_slice(),
            [Effect::Emit(HostEvent::Error(CheckoutError::NotCharged))]
        ));
        assert!(flow.can_retry() && !flow.checks_again());
        // Try again sends that very complete: same key, same token.
        let again = flow.handle(Event::Retry, e);
        assert_eq!(sent(&again), [&first]);
        assert_eq!(flow.stage(), &Stage::Placing);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "completed",
                json!([]),
                true,
            ))),
            e,
        );
        assert!(matches!(flow.stage(), Stage::Placed(_)));
    }

    #[test]
    fn a_check_that_cannot_be_made_says_so_and_offers_to_check_again() {
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        flow.backoff.max_retries = 0;
        flow.handle(Event::Confirm, e);
        flow.handle(Event::Done(Outcome::Token("vt_1".into())), e);
        flow.handle(Event::Done(Outcome::Failed(CheckoutError::Server(502))), e);
        assert_eq!(flow.stage(), &Stage::Checking);
        let failed = flow.handle(Event::Done(Outcome::Failed(CheckoutError::Network)), e);
        assert_eq!(flow.stage(), &Stage::Failed(CheckoutError::Unconfirmed));
        assert!(matches!(
            failed.as_slice(),
            [Effect::Emit(HostEvent::Error(CheckoutError::Unconfirmed))]
        ));
        assert!(flow.checks_again(), "Try again reads \"Check again\"");
        flow.handle(Event::Retry, e);
        assert_eq!(flow.stage(), &Stage::Checking);
    }

    #[test]
    fn after_an_uncertain_complete_retry_looks_before_paying_again() {
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        flow.backoff.max_retries = 0; // give up at once, to reach the buyer's Retry
        flow.handle(Event::Confirm, e);
        flow.handle(Event::Done(Outcome::Token("vt_1".into())), e);
        // The complete went through but its answer was lost; so is the answer to the GET.
        let verify = flow.handle(Event::Done(Outcome::Failed(CheckoutError::Network)), e);
        assert_eq!(
            sent(&verify),
            [&Request::Get {
                session_id: "cs_1".into()
            }]
        );
        flow.handle(Event::Done(Outcome::Failed(CheckoutError::Network)), e);
        assert!(matches!(flow.stage(), Stage::Failed(_)));
        assert!(
            flow.handle(Event::Cancel, e).is_empty(),
            "the order may exist: no cancel yet"
        );
        // Retry looks at the session; it never starts a new payment blindly.
        let retry = flow.handle(Event::Retry, e);
        assert_eq!(
            sent(&retry),
            [&Request::Get {
                session_id: "cs_1".into()
            }]
        );
        assert!(
            !sent(&retry)
                .iter()
                .any(|r| r.is_complete() || matches!(r, Request::Token { .. }))
        );
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "completed",
                json!([]),
                true,
            ))),
            e,
        );
        assert!(
            matches!(flow.stage(), Stage::Placed(_)),
            "the order that went through is shown"
        );
    }

    #[test]
    fn transient_failures_resend_the_same_request() {
        let e = &mut Counter(0);
        let mut flow = Flow::new(purchase(), false);
        let create = flow.handle(Event::Buy, e);
        let first = sent(&create)[0].clone();
        let pause = flow.handle(
            Event::Done(Outcome::Failed(CheckoutError::InFlight {
                retry_after_secs: Some(2),
            })),
            e,
        );
        let [Effect::StartTimer(resend, 2_000)] = pause.as_slice() else {
            panic!("Retry-After is honoured: {pause:?}")
        };
        assert_eq!(
            sent(&flow.handle(Event::Timer(*resend), e)),
            [&first],
            "same key"
        );
        // Retries are bounded: then the buyer is told, and Retry starts again.
        for _ in 0..5 {
            let pause = flow.handle(Event::Done(Outcome::Failed(CheckoutError::Server(500))), e);
            if let [Effect::StartTimer(timer, _)] = pause.as_slice() {
                flow.handle(Event::Timer(*timer), e);
            }
        }
        flow.handle(Event::Done(Outcome::Failed(CheckoutError::Server(500))), e);
        assert!(matches!(
            flow.stage(),
            Stage::Failed(CheckoutError::Server(500))
        ));
        assert!(!flow.waiting());
        assert!(matches!(
            sent(&flow.handle(Event::Retry, e))[0],
            Request::Create { .. }
        ));
    }

    #[test]
    fn a_signed_out_visitor_checks_out_as_a_guest_through_the_merchants_payment_provider() {
        // The host has a wallet, but nobody is signed in to it (401): the card is not sent to
        // the wallet (which would refuse it), nothing is saved, and the order goes through.
        let e = &mut Counter(0);
        let mut flow = Flow::new(purchase(), true);
        flow.handle(Event::Buy, e);
        assert!(
            flow.can_save(),
            "until the wallet answers, a host wallet may save"
        );
        flow.handle(Event::Done(Outcome::Wallet(Visitor::Guest)), e);
        assert!(!flow.can_save(), "a guest has nothing to save to");
        details_until_ready(&mut flow, e, "cs_g");
        let pay = flow.handle(Event::Pay(card()), e);
        assert!(
            matches!(sent(&pay)[0], Request::DelegateCard { session_id, merchant_id, amount: 3025, .. }
                if session_id == "cs_g" && merchant_id == "shop_1"),
            "{pay:?}"
        );
        let complete = flow.handle(Event::Done(Outcome::Token("vt_guest".into())), e);
        assert!(
            matches!(sent(&complete)[0], Request::Complete { token, .. } if token == "vt_guest")
        );
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_g",
                "completed",
                json!([]),
                true,
            ))),
            e,
        );
        assert!(matches!(flow.stage(), Stage::Placed(_)));
    }

    #[test]
    fn a_new_buyer_sees_the_total_before_paying_and_can_replace_a_declined_card() {
        let e = &mut Counter(0);
        let mut flow = Flow::new(purchase(), true);
        flow.handle(Event::Buy, e);
        let create = flow.handle(Event::Done(Outcome::Wallet(Visitor::NothingSaved)), e);
        assert!(matches!(
            sent(&create)[0],
            Request::Create { contact: None, .. }
        ));
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_9",
                "not_ready_for_payment",
                json!([]),
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::Details);
        assert!(
            flow.handle(Event::Pay(card()), e).is_empty(),
            "no paying before the total is known"
        );
        let update = flow.handle(Event::SubmitAddress(address()), e);
        assert!(
            matches!(sent(&update)[0], Request::Update { session_id, contact: Some(_), .. } if session_id == "cs_9")
        );
        // The session now has the merchant's total; the sheet shows it and nothing is charged yet.
        let shown = flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_9",
                "ready_for_payment",
                json!([]),
                false,
            ))),
            e,
        );
        assert!(sent(&shown).is_empty());
        assert_eq!(flow.stage(), &Stage::Details);
        let vault = flow.handle(Event::Pay(card()), e);
        assert!(
            matches!(sent(&vault)[0], Request::AddPaymentMethod { details, .. } if details.save)
        );
        assert!(
            !format!("{vault:?}").contains("4242424242424242"),
            "Debug never shows the card"
        );
        let token = flow.handle(Event::Done(Outcome::PaymentMethod("pm_new".into())), e);
        assert!(
            matches!(sent(&token)[0], Request::Token { payment_method_id, .. } if payment_method_id == "pm_new")
        );
        let complete = flow.handle(Event::Done(Outcome::Token("vt_bad".into())), e);
        let Request::Complete { key: first_key, .. } = sent(&complete)[0].clone() else {
            panic!()
        };
        let declined = json!([{"type": "error", "code": "payment_declined", "content_type": "plain", "content": "Declined"}]);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_9",
                "ready_for_payment",
                declined,
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::Details, "the sheet stays open");
        assert_eq!(flow.notice(), Some(&CheckoutError::PaymentDeclined));
        // Another card: a new intent, a new key; the address is kept.
        flow.handle(Event::Pay(card()), e);
        flow.handle(Event::Done(Outcome::PaymentMethod("pm_good".into())), e);
        let again = flow.handle(Event::Done(Outcome::Token("vt_good".into())), e);
        let Request::Complete {
            key: second_key, ..
        } = sent(&again)[0].clone()
        else {
            panic!()
        };
        assert_ne!(first_key, second_key);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_9",
                "completed",
                json!([]),
                true,
            ))),
            e,
        );
        assert!(matches!(flow.stage(), Stage::Placed(_)));
    }

    #[test]
    fn without_a_wallet_the_card_goes_to_the_payment_provider() {
        let e = &mut Counter(0);
        let mut flow = Flow::new(purchase(), false);
        flow.handle(Event::Buy, e);
        details_until_ready(&mut flow, e, "cs_5");
        let delegate = flow.handle(Event::Pay(card()), e);
        assert!(matches!(sent(&delegate)[0],
            Request::DelegateCard { session_id, merchant_id, amount: 3025, .. } if session_id == "cs_5" && merchant_id == "shop_1"));
        let complete = flow.handle(Event::Done(Outcome::Token("vt_psp".into())), e);
        assert!(matches!(sent(&complete)[0], Request::Complete { token, .. } if token == "vt_psp"));
    }

    #[test]
    fn a_delivery_option_is_sent_to_the_merchant() {
        let e = &mut Counter(0);
        let mut flow = Flow::new(purchase(), false);
        flow.handle(Event::Buy, e);
        let with_options = patched(
            session_value("cs_6", "ready_for_payment", json!([]), false),
            json!({"fulfillment_options": delivery_options(),
                   "selected_fulfillment_options": [{"type": "shipping", "option_id": "ship_standard", "item_ids": []}]}),
        );
        flow.handle(Event::Done(Outcome::Session(with_options)), e);
        assert!(
            flow.handle(Event::ChooseOption("teleport".into()), e)
                .is_empty(),
            "only offered options"
        );
        let update = flow.handle(Event::ChooseOption("ship_express".into()), e);
        assert!(matches!(sent(&update)[0],
            Request::Update { choice: Some(choice), contact: None, .. } if choice.option_id == "ship_express" && choice.kind == "shipping"));
    }

    #[test]
    fn three_d_secure_completes_with_the_result_under_a_new_key() {
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        flow.handle(Event::Confirm, e);
        let first = flow.handle(Event::Done(Outcome::Token("vt_3ds".into())), e);
        let Request::Complete { key, .. } = sent(&first)[0].clone() else {
            panic!()
        };
        let challenge = flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "authentication_required",
                json!([]),
                false,
            ))),
            e,
        );
        assert_eq!(challenge, [Effect::Challenge]);
        assert_eq!(flow.stage(), &Stage::Authenticating);
        let result = Authentication {
            outcome: "authenticated".into(),
            details: None,
        };
        let second = flow.handle(Event::Authenticated(result.clone()), e);
        assert!(
            matches!(sent(&second)[0], Request::Complete { key: k, authentication: Some(r), .. } if *k != key && *r == result)
        );
    }

    #[test]
    fn a_quantity_over_the_limit_is_reported_not_asked_about() {
        let e = &mut Counter(0);
        let mut flow = Flow::new(purchase(), false);
        flow.handle(Event::Buy, e);
        let limited = json!([{"type": "error", "code": "quantity_exceeded", "param": "$.line_items[0].item.id",
            "content_type": "plain", "content": "2 max"}]);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_q",
                "not_ready_for_payment",
                limited,
                false,
            ))),
            e,
        );
        assert!(matches!(
            flow.stage(),
            Stage::Failed(CheckoutError::QuantityExceeded { .. })
        ));
    }

    #[test]
    fn cancel_and_sold_out() {
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        let cancel = flow.handle(Event::Cancel, e);
        assert!(
            matches!(&cancel[0], Effect::Emit(HostEvent::Cancel { session_id: Some(id) }) if id == "cs_1")
        );
        assert!(
            matches!(sent(&cancel)[0], Request::Cancel { session_id, .. } if session_id == "cs_1")
        );
        assert_eq!(flow.stage(), &Stage::Idle);

        let mut flow = Flow::new(purchase(), false);
        flow.handle(Event::Buy, e);
        let gone = json!([{"type": "error", "code": "out_of_stock", "param": "$.line_items[0].item.id", "content_type": "plain", "content": "Sold out"}]);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_2",
                "not_ready_for_payment",
                gone,
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::SoldOut { open: true });
        assert_eq!(flow.stage().as_str(), "soldout");
    }

    #[test]
    fn close_after_an_order_returns_to_the_card() {
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        assert!(flow.stage().sheet_open());
        assert!(
            flow.handle(Event::Close, e).is_empty()
                && flow.stage() == &(Stage::Confirming { armed: true }),
            "a checkout is canceled, not closed"
        );
        flow.handle(Event::Confirm, e);
        flow.handle(Event::Done(Outcome::Token("vt_1".into())), e);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "completed",
                json!([]),
                true,
            ))),
            e,
        );
        assert!(matches!(flow.stage(), Stage::Placed(_)));
        assert!(flow.stage().sheet_open() && flow.stage().is_result());
        assert!(
            flow.handle(Event::Buy, e).is_empty(),
            "no new checkout under the open result"
        );
        assert!(
            flow.handle(Event::Cancel, e).is_empty(),
            "a placed order is not canceled"
        );
        let closed = flow.handle(Event::Close, e);
        assert!(
            closed.is_empty(),
            "closing a placed order sends and emits nothing: {closed:?}"
        );
        assert_eq!(flow.stage(), &Stage::Idle);
        assert!(!flow.stage().sheet_open() && flow.stage().offers_buy());
        assert!(flow.session().is_none());
        assert_eq!(flow.stage().as_str(), "ready");
        // The card can be bought again, from the start.
        assert_eq!(sent(&flow.handle(Event::Buy, e)), [&Request::Wallet]);
    }

    #[test]
    fn closing_sold_out_keeps_the_card_sold_out_with_no_buy() {
        let e = &mut Counter(0);
        let mut flow = Flow::new(purchase(), false);
        flow.handle(Event::Buy, e);
        let gone = json!([{"type": "error", "code": "out_of_stock", "param": "$.line_items[0].item.id", "content_type": "plain", "content": "Sold out"}]);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_2",
                "not_ready_for_payment",
                gone,
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::SoldOut { open: true });
        assert!(flow.stage().sheet_open() && flow.stage().is_result());
        assert!(!flow.stage().offers_buy());
        assert!(flow.handle(Event::Buy, e).is_empty());
        assert!(flow.handle(Event::Cancel, e).is_empty());
        // Close: the sheet goes, the merchant's open session is canceled, the card stays sold out.
        let closed = flow.handle(Event::Close, e);
        assert!(
            matches!(&closed[0], Effect::Emit(HostEvent::Cancel { session_id: Some(id) }) if id == "cs_2")
        );
        assert!(
            matches!(sent(&closed)[..], [Request::Cancel { session_id, .. }] if session_id == "cs_2")
        );
        assert_eq!(flow.stage(), &Stage::SoldOut { open: false });
        assert!(!flow.stage().sheet_open() && !flow.stage().is_result());
        assert!(
            !flow.stage().offers_buy(),
            "no Buy, as for an item sold out in the feed"
        );
        assert_eq!(flow.stage().as_str(), "soldout");
        assert!(!flow.waiting());
        assert!(
            flow.handle(Event::Buy, e).is_empty(),
            "a sold-out item cannot be bought"
        );
        assert!(flow.handle(Event::Close, e).is_empty());
        assert!(flow.handle(Event::Retry, e).is_empty());

        // Sold out before any session existed (the merchant refused the create): nothing to cancel.
        let mut flow = Flow::new(purchase(), false);
        flow.handle(Event::Buy, e);
        flow.handle(
            Event::Done(Outcome::Failed(CheckoutError::OutOfStock { param: None })),
            e,
        );
        assert_eq!(flow.stage(), &Stage::SoldOut { open: true });
        assert!(flow.handle(Event::Close, e).is_empty());
        assert_eq!(flow.stage(), &Stage::SoldOut { open: false });
    }

    /// A new buyer whose address is in and whose sheet shows the merchant's total.
    fn details_ready(e: &mut Counter, wallet: bool) -> Flow {
        let mut flow = Flow::new(purchase(), wallet);
        flow.handle(Event::Buy, e);
        if wallet {
            flow.handle(Event::Done(Outcome::Wallet(Visitor::NothingSaved)), e);
        }
        let missing = json!([error("missing", "$.buyer.email")]);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_n",
                "not_ready_for_payment",
                missing,
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::Details, "the buyer can fix that");
        flow.handle(Event::SubmitAddress(address()), e);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_n",
                "ready_for_payment",
                json!([]),
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::Details);
        flow
    }

    /// Fails the request in flight with `error` and fires the resend timer: what was resent.
    fn resend_after(flow: &mut Flow, error: CheckoutError, e: &mut Counter) -> Vec<Request> {
        let pause = flow.handle(Event::Done(Outcome::Failed(error)), e);
        let [Effect::StartTimer(resend @ Timer::Resend(_), _)] = pause.as_slice() else {
            panic!("a pause before the resend: {pause:?}")
        };
        sent(&flow.handle(Event::Timer(*resend), e))
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn wallet_and_payment_provider_requests_carry_the_flows_key_on_every_resend() {
        // Saved buyer: the token is asked for under a key, and a 503's resend carries it again.
        let e = &mut Counter(0);
        let mut flow = confirming(e);
        let token = flow.handle(Event::Confirm, e);
        let first = sent(&token)[0].clone();
        let Request::Token { key, .. } = &first else {
            panic!("{first:?}")
        };
        assert!(!key.is_empty());
        assert_eq!(first.key(), Some(key.as_str()));
        assert_eq!(
            resend_after(&mut flow, CheckoutError::Server(503), e),
            std::slice::from_ref(&first),
            "the resend carries the same key"
        );
        assert_eq!(
            resend_after(&mut flow, CheckoutError::Network, e),
            std::slice::from_ref(&first),
            "and so does the next one"
        );

        // New buyer with a wallet: the card is vaulted under one key, resent unchanged; the token
        // that follows has its own.
        let mut flow = details_ready(e, true);
        let vault = sent(&flow.handle(Event::Pay(card()), e))[0].clone();
        let Some(vault_key) = vault.key().map(str::to_owned) else {
            panic!("the vaulting has a key: {vault:?}")
        };
        assert!(matches!(vault, Request::AddPaymentMethod { .. }));
        assert_eq!(
            resend_after(&mut flow, CheckoutError::Server(503), e),
            [vault]
        );
        let token = flow.handle(Event::Done(Outcome::PaymentMethod("pm_new".into())), e);
        let token = sent(&token)[0].clone();
        assert!(matches!(&token, Request::Token { key, .. } if *key != vault_key));
        assert_eq!(
            resend_after(&mut flow, CheckoutError::Server(503), e),
            [token]
        );

        // No wallet: the delegate payment likewise (a key of the flow's, not the edge's).
        let mut flow = details_ready(e, false);
        let delegate = sent(&flow.handle(Event::Pay(card()), e))[0].clone();
        assert!(matches!(&delegate, Request::DelegateCard { key, .. } if !key.is_empty()));
        assert_eq!(
            resend_after(&mut flow, CheckoutError::Network, e),
            std::slice::from_ref(&delegate)
        );
        // Another Pay after a decline is a new intent: a new key.
        flow.handle(Event::Done(Outcome::Token("vt_bad".into())), e);
        let declined = json!([{"type": "error", "code": "payment_declined", "content_type": "plain", "content": "Declined"}]);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_n",
                "ready_for_payment",
                declined,
                false,
            ))),
            e,
        );
        let again = sent(&flow.handle(Event::Pay(card()), e))[0].clone();
        assert!(matches!(again, Request::DelegateCard { .. }));
        assert_ne!(again.key(), delegate.key());
    }

    #[test]
    fn the_payment_handler_is_the_one_the_session_offers() {
        let e = &mut Counter(0);
        let offered = patched(
            session_value("cs_h", "ready_for_payment", json!([]), false),
            json!({"capabilities": {"payment": {"handlers": [
                handler("wallet_pay", "com.example.wallet", false, "acct_wallet"),
                handler("stripe", "com.stripe.tokenized.card", true, "acct_9"),
            ]}}}),
        );
        let mut flow = confirming_with(e, offered);
        let token = flow.handle(Event::Confirm, e);
        assert!(
            matches!(sent(&token)[0], Request::Token { merchant_id, .. } if merchant_id == "acct_9"),
            "the token names that handler's merchant"
        );
        let complete = flow.handle(Event::Done(Outcome::Token("vt_s".into())), e);
        assert!(
            matches!(sent(&complete)[0], Request::Complete { handler_id, .. } if handler_id == "stripe"),
            "{complete:?}"
        );

        // No handler says it takes delegated cards: the first one offered.
        let only = patched(
            session_value("cs_h2", "ready_for_payment", json!([]), false),
            json!({"capabilities": {"payment": {"handlers": [
                handler("psp_generic", "com.example.pay", false, "acct_g"),
            ]}}}),
        );
        let mut flow = confirming_with(e, only);
        flow.handle(Event::Confirm, e);
        let complete = flow.handle(Event::Done(Outcome::Token("vt_g".into())), e);
        assert!(
            matches!(sent(&complete)[0], Request::Complete { handler_id, .. } if handler_id == "psp_generic")
        );
    }

    #[test]
    fn a_session_without_a_payment_handler_is_a_clear_failure_and_nothing_is_sent() {
        let e = &mut Counter(0);
        for capabilities in [json!({}), json!({"payment": {"handlers": []}})] {
            let none = patched(
                session_value("cs_0", "ready_for_payment", json!([]), false),
                json!({ "capabilities": capabilities }),
            );
            // Saved buyer: Confirm asks the wallet for nothing.
            let mut flow = confirming_with(e, none.clone());
            let confirm = flow.handle(Event::Confirm, e);
            assert!(sent(&confirm).is_empty(), "{confirm:?}");
            assert_eq!(
                flow.stage(),
                &Stage::Failed(CheckoutError::NoPaymentHandler)
            );
            assert!(confirm.contains(&Effect::Emit(HostEvent::Error(
                CheckoutError::NoPaymentHandler
            ))));
            assert!(!flow.can_retry(), "trying again would fail the same way");
            assert!(flow.handle(Event::Retry, e).is_empty());
            let cancel = flow.handle(Event::Cancel, e);
            assert!(matches!(sent(&cancel)[0], Request::Cancel { .. }));
            assert_eq!(flow.stage(), &Stage::Idle);

            // New buyer: the card goes nowhere.
            let mut flow = Flow::new(purchase(), false);
            flow.handle(Event::Buy, e);
            flow.handle(Event::Done(Outcome::Session(none.clone())), e);
            flow.handle(Event::SubmitAddress(address()), e);
            flow.handle(Event::Done(Outcome::Session(none)), e);
            let pay = flow.handle(Event::Pay(card()), e);
            assert!(sent(&pay).is_empty(), "{pay:?}");
            assert_eq!(
                flow.stage(),
                &Stage::Failed(CheckoutError::NoPaymentHandler)
            );
        }
    }

    #[test]
    fn a_session_waiting_only_for_a_delivery_choice_gets_the_first_option() {
        let e = &mut Counter(0);
        let chosen = patched(
            session_value("cs_d", "ready_for_payment", json!([]), false),
            json!({"fulfillment_options": delivery_options(),
                   "selected_fulfillment_options": [{"type": "shipping", "option_id": "ship_standard", "item_ids": []}]}),
        );
        // Saved buyer: the merchant wants a choice and says so on the choice.
        let mut flow = Flow::new(purchase(), true);
        flow.handle(Event::Buy, e);
        flow.handle(Event::Done(Outcome::Wallet(Visitor::Saved(saved()))), e);
        let waiting = patched(
            session_value(
                "cs_d",
                "not_ready_for_payment",
                json!([error("missing", "$.selected_fulfillment_options")]),
                false,
            ),
            json!({ "fulfillment_options": delivery_options() }),
        );
        let choose = flow.handle(Event::Done(Outcome::Session(waiting.clone())), e);
        let [Effect::Send(update)] = choose.as_slice() else {
            panic!("one update and nothing else yet: {choose:?}")
        };
        let Request::Update {
            key,
            session_id,
            contact: None,
            delivery: None,
            choice: Some(choice),
        } = &**update
        else {
            panic!("{update:?}")
        };
        assert_eq!((key.as_str(), session_id.as_str()), ("k2", "cs_d"));
        assert_eq!(
            choice,
            &DeliveryChoice {
                option_id: "ship_standard".into(),
                kind: "shipping".into(),
            }
        );
        assert_eq!(
            flow.stage(),
            &Stage::Starting,
            "no sheet before the choice is made"
        );
        // Resent with its key after a 503, like any update.
        assert_eq!(
            resend_after(&mut flow, CheckoutError::Server(503), e),
            [(**update).clone()]
        );
        let shown = flow.handle(Event::Done(Outcome::Session(chosen.clone())), e);
        assert_eq!(flow.stage(), &Stage::Confirming { armed: false });
        assert!(
            shown
                .iter()
                .any(|e| matches!(e, Effect::Emit(HostEvent::Checkout { .. })))
        );

        // A ready session with options and no choice: chosen too, without asking.
        let mut flow = Flow::new(purchase(), true);
        flow.handle(Event::Buy, e);
        flow.handle(Event::Done(Outcome::Wallet(Visitor::Saved(saved()))), e);
        let unchosen = patched(
            session_value("cs_d", "ready_for_payment", json!([]), false),
            json!({ "fulfillment_options": delivery_options() }),
        );
        let choose = flow.handle(Event::Done(Outcome::Session(unchosen.clone())), e);
        assert!(matches!(
            sent(&choose)[..],
            [Request::Update {
                choice: Some(_),
                ..
            }]
        ));
        flow.handle(Event::Done(Outcome::Session(chosen.clone())), e);
        assert_eq!(flow.stage(), &Stage::Confirming { armed: false });

        // New buyer: after the address, the same; the sheet then shows the choice.
        let mut flow = Flow::new(purchase(), false);
        flow.handle(Event::Buy, e);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_d",
                "not_ready_for_payment",
                json!([]),
                false,
            ))),
            e,
        );
        flow.handle(Event::SubmitAddress(address()), e);
        let choose = flow.handle(Event::Done(Outcome::Session(waiting.clone())), e);
        assert!(
            matches!(sent(&choose)[..], [Request::Update { choice: Some(choice), .. }] if choice.option_id == "ship_standard")
        );
        flow.handle(Event::Done(Outcome::Session(chosen)), e);
        assert_eq!(flow.stage(), &Stage::Details);
        assert!(
            flow.session()
                .is_some_and(|s| s.chosen == ["ship_standard"])
        );
        assert!(matches!(
            sent(&flow.handle(Event::Pay(card()), e))[..],
            [Request::DelegateCard { .. }]
        ));

        // A merchant that takes no notice of the choice is not asked forever.
        let mut flow = Flow::new(purchase(), true);
        flow.handle(Event::Buy, e);
        flow.handle(Event::Done(Outcome::Wallet(Visitor::Saved(saved()))), e);
        flow.handle(Event::Done(Outcome::Session(waiting.clone())), e);
        let again = flow.handle(Event::Done(Outcome::Session(waiting)), e);
        assert!(sent(&again).is_empty(), "{again:?}");
        assert!(matches!(
            flow.stage(),
            Stage::Failed(CheckoutError::NotReady { .. })
        ));
        assert!(!flow.waiting());
    }

    #[test]
    fn a_session_the_card_cannot_fix_is_said_never_a_dead_confirm() {
        let e = &mut Counter(0);
        let unfixable = [
            // Saved buyer: something about the order itself.
            (json!([error("invalid", "$.currency")]), delivery_options()),
            // Saved buyer: everything was sent, nothing is said and there is nothing to choose.
            (json!([]), json!([])),
            // A choice complaint next to one the card cannot fix.
            (
                json!([
                    error("missing", "$.selected_fulfillment_options"),
                    error("invalid", "$.line_items[0].item.id")
                ]),
                delivery_options(),
            ),
        ];
        for (messages, options) in unfixable {
            let mut flow = Flow::new(purchase(), true);
            flow.handle(Event::Buy, e);
            flow.handle(Event::Done(Outcome::Wallet(Visitor::Saved(saved()))), e);
            let stuck = patched(
                session_value("cs_x", "not_ready_for_payment", messages.clone(), false),
                json!({ "fulfillment_options": options }),
            );
            let shown = flow.handle(Event::Done(Outcome::Session(stuck)), e);
            assert!(sent(&shown).is_empty(), "{messages}: {shown:?}");
            let Stage::Failed(error @ CheckoutError::NotReady { .. }) = flow.stage() else {
                panic!("{messages}: {:?}", flow.stage())
            };
            assert_eq!(error.code(), "not_ready");
            assert_eq!(error.message(), super::super::i18n::Msg::ErrCannotTakeOrder);
            assert!(shown.contains(&Effect::Emit(HostEvent::Error(error.clone()))));
            assert!(
                !flow.can_retry(),
                "no Try again that would show the same thing"
            );
            assert!(flow.handle(Event::Confirm, e).is_empty());
            assert!(flow.handle(Event::Retry, e).is_empty());
            let cancel = flow.handle(Event::Cancel, e);
            assert!(matches!(sent(&cancel)[..], [Request::Cancel { .. }]));
        }
        let first = CheckoutError::NotReady {
            code: Some("invalid".into()),
            param: Some("$.line_items[0].item.id".into()),
        };

        // New buyer: details the buyer can fix bring the sheet; after them, the rest is said.
        let mut flow = Flow::new(purchase(), false);
        flow.handle(Event::Buy, e);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_y",
                "not_ready_for_payment",
                json!([
                    error("missing", "$.buyer.email"),
                    error("missing", "$.fulfillment_details.address")
                ]),
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::Details);
        flow.handle(Event::SubmitAddress(address()), e);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_y",
                "not_ready_for_payment",
                json!([error(
                    "invalid",
                    "$.fulfillment_details.address.postal_code"
                )]),
                false,
            ))),
            e,
        );
        assert_eq!(
            flow.stage(),
            &Stage::Details,
            "a wrong postal code is the buyer's to fix"
        );
        flow.handle(Event::SubmitAddress(address()), e);
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_y",
                "not_ready_for_payment",
                json!([error("invalid", "$.line_items[0].item.id")]),
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::Failed(first));
    }

    #[test]
    fn a_flow_resumed_after_a_reload_checks_before_paying_and_resends_the_same_complete() {
        let e = &mut Counter(0);
        let complete = Request::Complete {
            key: "k_pay".into(),
            session_id: "cs_1".into(),
            handler_id: "card".into(),
            token: "vt_1".into(),
            authentication: None,
        };
        // The order went through before the page went away.
        let (mut flow, effects) = Flow::resume(purchase(), true, complete.clone());
        assert_eq!(flow.stage(), &Stage::Checking);
        assert_eq!(
            sent(&effects),
            [&Request::Get {
                session_id: "cs_1".into()
            }]
        );
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "completed",
                json!([]),
                true,
            ))),
            e,
        );
        assert!(matches!(flow.stage(), Stage::Placed(_)));

        // It did not: nothing was charged, and Try again is that very complete.
        let (mut flow, _) = Flow::resume(purchase(), true, complete.clone());
        flow.handle(Event::Done(Outcome::Failed(CheckoutError::Network)), e);
        let resend = flow.handle(Event::Timer(Timer::Resend(1)), e);
        assert!(matches!(sent(&resend)[0], Request::Get { .. }));
        flow.handle(
            Event::Done(Outcome::Session(session(
                "cs_1",
                "ready_for_payment",
                json!([]),
                false,
            ))),
            e,
        );
        assert_eq!(flow.stage(), &Stage::Failed(CheckoutError::NotCharged));
        assert_eq!(sent(&flow.handle(Event::Retry, e)), [&complete]);

        // The check cannot be made: Check again reads the session again, never a new one.
        let (mut flow, _) = Flow::resume(purchase(), true, complete.clone());
        flow = flow.with_backoff(Backoff {
            max_retries: 0,
            ..Backoff::default()
        });
        flow.handle(Event::Done(Outcome::Failed(CheckoutError::Network)), e);
        assert_eq!(flow.stage(), &Stage::Failed(CheckoutError::Unconfirmed));
        assert!(
            flow.handle(Event::Cancel, e).is_empty(),
            "no cancel while in doubt"
        );
        assert_eq!(
            sent(&flow.handle(Event::Retry, e)),
            [&Request::Get {
                session_id: "cs_1".into()
            }]
        );
        // Anything but a complete resumes nothing.
        let (flow, effects) = Flow::resume(purchase(), true, Request::Wallet);
        assert_eq!((flow.stage(), effects.is_empty()), (&Stage::Idle, true));
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use std::collections::{HashMap, HashSet};

        use proptest::prelude::*;

        use super::*;

        /// What the simulated merchant knows.
        #[derive(Default)]
        struct Merchant {
            next_session: u32,
            /// session → the key of the complete that completed it
            completed: HashMap<String, String>,
            status: HashMap<String, &'static str>,
        }

        #[derive(Debug, Clone, Copy)]
        enum Step {
            Buy,
            Confirm,
            Cancel,
            /// Close on a result (or anywhere: it must do nothing there).
            Close,
            Retry,
            Address,
            Pay,
            Authenticate,
            FireTimers,
            /// Answer the request in flight: 0 = success, 1 = lost after applying, 2 = lost
            /// before applying, 3 = 503, 4 = in flight, 5 = declined/3DS/sold out variants,
            /// 6 = a session that wants a delivery choice (create) or cannot be fixed (update).
            Answer(u8),
        }

        fn step() -> impl Strategy<Value = Step> {
            prop_oneof![
                1 => Just(Step::Buy),
                1 => Just(Step::Confirm),
                1 => Just(Step::Cancel),
                1 => Just(Step::Close),
                1 => Just(Step::Retry),
                1 => Just(Step::Address),
                1 => Just(Step::Pay),
                1 => Just(Step::Authenticate),
                3 => Just(Step::FireTimers),
                8 => (0u8..7).prop_map(Step::Answer),
            ]
        }

        fn answer(merchant: &mut Merchant, request: &Request, choice: u8) -> Outcome {
            let apply = matches!(choice, 0 | 1 | 5);
            let outcome = match request {
                Request::Wallet => Outcome::Wallet(match choice % 3 {
                    0 => Visitor::Saved(saved()),
                    1 => Visitor::NothingSaved,
                    _ => Visitor::Guest,
                }),
                Request::Create { .. } => {
                    merchant.next_session += 1;
                    let id = format!("cs_{}", merchant.next_session);
                    let status = if matches!(choice, 5 | 6) {
                        "not_ready_for_payment"
                    } else {
                        "ready_for_payment"
                    };
                    merchant.status.insert(id.clone(), status);
                    match choice {
                        5 => Outcome::Session(session(
                            &id,
                            status,
                            json!([{"type": "error", "code": "out_of_stock", "content_type": "plain", "content": "x"}]),
                            false,
                        )),
                        6 => Outcome::Session(patched(
                            session_value(
                                &id,
                                status,
                                json!([error("missing", "$.selected_fulfillment_options")]),
                                false,
                            ),
                            json!({ "fulfillment_options": delivery_options() }),
                        )),
                        _ => Outcome::Session(session(&id, status, json!([]), false)),
                    }
                }
                Request::Update {
                    session_id,
                    choice: chosen,
                    ..
                } => match chosen {
                    Some(chosen) => {
                        merchant
                            .status
                            .insert(session_id.clone(), "ready_for_payment");
                        Outcome::Session(patched(
                            session_value(session_id, "ready_for_payment", json!([]), false),
                            json!({"fulfillment_options": delivery_options(),
                                   "selected_fulfillment_options": [{"type": chosen.kind,
                                       "option_id": chosen.option_id, "item_ids": []}]}),
                        ))
                    }
                    None if choice == 6 => {
                        merchant
                            .status
                            .insert(session_id.clone(), "not_ready_for_payment");
                        Outcome::Session(session(
                            session_id,
                            "not_ready_for_payment",
                            json!([error("invalid", "$.currency")]),
                            false,
                        ))
                    }
                    None => {
                        merchant
                            .status
                            .insert(session_id.clone(), "ready_for_payment");
                        Outcome::Session(session(session_id, "ready_for_payment", json!([]), false))
                    }
                },
                Request::AddPaymentMethod { .. } => Outcome::PaymentMethod("pm_x".into()),
                Request::Token { .. } | Request::DelegateCard { .. } => {
                    Outcome::Token(format!("vt_{choice}"))
                }
                Request::Complete {
                    key,
                    session_id,
                    authentication,
                    ..
                } => match merchant.completed.get(session_id) {
                    Some(done) if done == key => {
                        Outcome::Session(session(session_id, "completed", json!([]), true))
                    }
                    Some(_) => Outcome::Failed(CheckoutError::SessionClosed),
                    None if choice == 5 && authentication.is_none() => Outcome::Session(session(
                        session_id,
                        "authentication_required",
                        json!([]),
                        false,
                    )),
                    None if choice == 4 => {
                        let declined = json!([{"type": "error", "code": "payment_declined", "content_type": "plain", "content": "x"}]);
                        Outcome::Session(session(session_id, "ready_for_payment", declined, false))
                    }
                    None if apply => {
                        merchant.completed.insert(session_id.clone(), key.clone());
                        merchant.status.insert(session_id.clone(), "completed");
                        Outcome::Session(session(session_id, "completed", json!([]), true))
                    }
                    None => Outcome::Failed(CheckoutError::Network),
                },
                Request::Get { session_id } => {
                    let done = merchant.completed.contains_key(session_id);
                    let status = merchant
                        .status
                        .get(session_id)
                        .copied()
                        .unwrap_or("ready_for_payment");
                    Outcome::Session(session(session_id, status, json!([]), done))
                }
                Request::Cancel { session_id, .. } => {
                    merchant.status.insert(session_id.clone(), "canceled");
                    Outcome::Session(session(session_id, "canceled", json!([]), false))
                }
            };
            match choice {
                1 => Outcome::Failed(CheckoutError::Network), // applied, answer lost
                // Lost before the server saw it (nothing was applied for choice 2).
                2 => Outcome::Failed(CheckoutError::Network),
                3 => Outcome::Failed(CheckoutError::Server(503)),
                4 if !request.is_complete() => Outcome::Failed(CheckoutError::InFlight {
                    retry_after_secs: None,
                }),
                _ => outcome,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// Random taps, timers and server answers (including answers lost after the server
            /// acted) never produce a second complete for a session, never lose a placed order,
            /// never have two requests in flight, and never stall. Every request that changes
            /// something (the wallet's and the payment provider's too) carries a key of the
            /// flow's; a key always goes with the same request, and a resend is the request
            /// that failed, key and all.
            #[test]
            fn never_two_completes_never_stuck(steps in proptest::collection::vec(step(), 1..120), wallet in any::<bool>()) {
                let e = &mut Counter(0);
                let mut flow = Flow::new(purchase(), wallet);
                // One retry, so random walks often exhaust them and reach the buyer's Retry.
                flow.backoff.max_retries = 1;
                let mut merchant = Merchant::default();
                let mut outstanding: Option<Request> = None;
                let mut timers: HashSet<Timer> = HashSet::new();
                // session → keys of the completes sent for it
                let mut complete_keys: HashMap<String, HashSet<String>> = HashMap::new();
                // key → the request first sent with it
                let mut by_key: HashMap<String, Request> = HashMap::new();
                let mut last_sent: Option<Request> = None;
                // The merchant said the item sold out: the card stays so.
                let mut sold_out = false;
                for step in steps {
                    let resending = matches!(step, Step::FireTimers);
                    let before = flow.stage().clone();
                    let effects = match step {
                        Step::Buy => flow.handle(Event::Buy, e),
                        Step::Confirm => flow.handle(Event::Confirm, e),
                        Step::Cancel => flow.handle(Event::Cancel, e),
                        Step::Close => flow.handle(Event::Close, e),
                        Step::Retry => flow.handle(Event::Retry, e),
                        Step::Address => flow.handle(Event::SubmitAddress(address()), e),
                        Step::Pay => flow.handle(Event::Pay(card()), e),
                        Step::Authenticate => flow.handle(
                            Event::Authenticated(Authentication { outcome: "authenticated".into(), details: None }),
                            e,
                        ),
                        Step::FireTimers => {
                            let mut all = Vec::new();
                            for timer in std::mem::take(&mut timers) {
                                all.extend(flow.handle(Event::Timer(timer), e));
                            }
                            all
                        }
                        Step::Answer(choice) => match outstanding.take() {
                            Some(request) => {
                                let outcome = answer(&mut merchant, &request, choice);
                                flow.handle(Event::Done(outcome), e)
                            }
                            None => Vec::new(),
                        },
                    };
                    if let Step::Close = step {
                        // Close ends a result and nothing else: a placed order goes back to the
                        // card, sold out stays sold out with the sheet closed.
                        match &before {
                            Stage::Placed(_) => prop_assert_eq!(flow.stage(), &Stage::Idle),
                            Stage::SoldOut { .. } => prop_assert_eq!(flow.stage(), &Stage::SoldOut { open: false }),
                            other => {
                                prop_assert_eq!(flow.stage(), other);
                                prop_assert!(effects.is_empty(), "Close did something in {:?}", other);
                            }
                        }
                    }
                    if sold_out {
                        prop_assert!(
                            matches!(flow.stage(), Stage::SoldOut { .. }),
                            "sold out, then {:?}", flow.stage()
                        );
                        prop_assert!(
                            effects.iter().all(|e| matches!(e, Effect::Send(r) if matches!(**r, Request::Cancel { .. })) || matches!(e, Effect::Emit(HostEvent::Cancel { .. }))),
                            "a sold-out card asked for {:?}", effects
                        );
                    }
                    sold_out |= matches!(flow.stage(), Stage::SoldOut { .. });
                    for effect in effects {
                        match effect {
                            Effect::Send(request) => {
                                let request = *request;
                                match (&request, request.key()) {
                                    (Request::Wallet | Request::Get { .. }, _) => {}
                                    (_, None) => prop_assert!(false, "no key: {:?}", request),
                                    (_, Some(key)) => {
                                        prop_assert!(!key.is_empty());
                                        let first = by_key.entry(key.to_owned()).or_insert_with(|| request.clone());
                                        prop_assert_eq!(&*first, &request, "one key, two different requests");
                                        if resending {
                                            prop_assert_eq!(Some(&request), last_sent.as_ref(), "a resend is the request that failed");
                                        }
                                    }
                                }
                                if let Request::Cancel { .. } = request {
                                    continue; // fire and forget
                                }
                                last_sent = Some(request.clone());
                                prop_assert!(outstanding.is_none(), "two requests in flight: {:?} and {:?}", outstanding, request);
                                if let Request::Complete { key, session_id, .. } = &request {
                                    let keys = complete_keys.entry(session_id.clone()).or_default();
                                    keys.insert(key.clone());
                                    if let Some(done_key) = merchant.completed.get(session_id) {
                                        prop_assert_eq!(done_key, key, "a new complete for a completed session");
                                    }
                                }
                                outstanding = Some(request);
                            }
                            Effect::StartTimer(timer, _) => {
                                timers.insert(timer);
                            }
                            Effect::Emit(_) | Effect::Challenge => {}
                        }
                    }
                    // Never stuck: when nothing is pending, the buyer can act.
                    if outstanding.is_none() && timers.is_empty() {
                        prop_assert!(
                            !matches!(flow.stage(), Stage::Starting | Stage::Placing | Stage::Checking),
                            "stuck in {:?}", flow.stage()
                        );
                        // A failure offers Try again or Cancel (one of them works).
                        if let Stage::Failed(_) = flow.stage() {
                            prop_assert!(flow.can_retry() || !flow.verify_first, "a failure with no way out");
                        }
                    }
                    // Never a Confirm that cannot work: the sheet is for a session ready to pay.
                    if let Stage::Confirming { .. } = flow.stage() {
                        prop_assert!(
                            flow.session().is_some_and(|s| s.status == Status::Ready),
                            "a confirmation for {:?}", flow.session().map(|s| s.status)
                        );
                    }
                    // A placed order is what the merchant completed.
                    if let Stage::Placed(order) = flow.stage() {
                        prop_assert!(merchant.completed.contains_key(&order.checkout_session_id));
                    }
                }
                // Each completed session was completed by exactly one key, and the flow never
                // tried another key on it afterwards (checked as sent).
                for (session, key) in &merchant.completed {
                    prop_assert!(complete_keys.get(session).is_some_and(|keys| keys.contains(key)));
                }
            }
        }
    }
}
