//! A checkout session as the card sees it: the merchant's authoritative lines and totals, the
//! delivery choices, what stands in the way of paying, the handler to pay through, the order.
//!
//! [`Session`] deserialises straight from an ACP 2026-04-17 `CheckoutSession` (serde, through a
//! private mirror of the few fields it reads): unknown fields and values are ignored, so a
//! newer merchant does not break the card, and the JSONPaths, message codes and handler configs
//! of the wire are turned into the card's own types here, once.

use serde::{Deserialize, Serialize};

/// What the card knows about a checkout session.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "wire::Session")]
pub struct Session {
    pub id: String,
    pub status: Status,
    /// ISO 4217, as the merchant wrote it (`usd`).
    pub currency: String,
    pub lines: Vec<Line>,
    pub totals: Totals,
    pub delivery_options: Vec<DeliveryOption>,
    /// The ids of the chosen delivery options; empty while none is chosen.
    pub chosen: Vec<String>,
    /// What the merchant says stands in the way (errors) or is worth knowing (warnings).
    pub problems: Vec<Problem>,
    /// The handler the card pays through; `None` when the session offers nothing to pay with.
    pub handler: Option<Handler>,
    /// The order, once the session is completed (a merchant may not say).
    pub order: Option<Order>,
}

impl Session {
    /// What will be charged, if the merchant states it.
    pub fn total(&self) -> Option<i64> {
        self.totals.total
    }

    pub fn is_ready(&self) -> bool {
        self.status == Status::Ready
    }

    /// The delivery option called `id`, if the session offers it.
    pub fn delivery_option(&self, id: &str) -> Option<&DeliveryOption> {
        self.delivery_options.iter().find(|o| o.id == id)
    }

    /// Whether what is bought is delivered digitally (an emailed ticket): the chosen delivery
    /// options, or the only ones offered, are all `digital`. The sheet then says "Sent to" an
    /// email address, never "Ship to".
    pub fn is_digital(&self) -> bool {
        let chosen: Vec<&DeliveryOption> = if self.chosen.is_empty() {
            self.delivery_options.iter().collect()
        } else {
            self.chosen
                .iter()
                .filter_map(|id| self.delivery_option(id))
                .collect()
        };
        !chosen.is_empty() && chosen.iter().all(|o| o.kind == "digital")
    }

    /// Whether a problem of this kind is reported (as an error or a warning).
    pub fn has(&self, kind: &ProblemKind) -> bool {
        self.problems.iter().any(|p| &p.kind == kind)
    }
}

/// Where a session stands, in the card's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Something is missing or wrong ([`Session::problems`] says what).
    NotReady,
    Ready,
    /// The bank wants 3-D Secure before the merchant can take payment.
    AuthenticationRequired,
    /// The merchant is still taking payment.
    InProgress,
    Completed,
    Canceled,
    Expired,
    /// Anything else (incomplete, escalated, pending approval, a status added later): not
    /// payable by the card.
    Other,
}

/// One line of the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub title: String,
    pub quantity: u32,
    /// The merchant's unit price, to compare with the one the card showed.
    pub unit_amount: Option<i64>,
    /// The line's amount before delivery and tax (0 if the merchant does not say).
    pub subtotal: i64,
    /// Pre-orders: when the item can ship (RFC 3339).
    pub ships_on: Option<String>,
}

/// The session's totals the sheet shows, in minor units of its currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub delivery: Option<i64>,
    pub tax: Option<i64>,
    pub total: Option<i64>,
}

/// A delivery option the merchant offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOption {
    pub id: String,
    /// ACP's fulfillment type (`shipping`, `digital`, …), sent back with the choice.
    pub kind: String,
    pub title: String,
    /// What it costs, if the merchant says.
    pub amount: Option<i64>,
}

/// Something the merchant reports about the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The JSONPath of the offending input, if the merchant names one.
    pub param: Option<String>,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A field is missing ([`Problem::param`] says which).
    Missing,
    /// A field is wrong.
    Invalid,
    OutOfStock,
    /// More than one order may hold.
    QuantityExceeded,
    /// The card was declined: another card may work.
    PaymentDeclined,
    /// The bank wants 3-D Secure.
    RequiresAuthentication,
    /// A price changed since the buyer saw it.
    PriceChanged,
    /// Any other code, as the merchant wrote it (empty if it gave none).
    Other {
        code: String,
    },
}

impl ProblemKind {
    fn from_code(code: Option<String>) -> Self {
        match code.as_deref() {
            Some("missing") => Self::Missing,
            Some("invalid") => Self::Invalid,
            Some("out_of_stock") => Self::OutOfStock,
            Some("quantity_exceeded") => Self::QuantityExceeded,
            Some("payment_declined") => Self::PaymentDeclined,
            Some("requires_3ds") => Self::RequiresAuthentication,
            Some("price_change" | "price_changed") => Self::PriceChanged,
            _ => Self::Other {
                code: code.unwrap_or_default(),
            },
        }
    }

    /// The merchant's code, for errors and events.
    pub fn code(&self) -> &str {
        match self {
            Self::Missing => "missing",
            Self::Invalid => "invalid",
            Self::OutOfStock => "out_of_stock",
            Self::QuantityExceeded => "quantity_exceeded",
            Self::PaymentDeclined => "payment_declined",
            Self::RequiresAuthentication => "requires_3ds",
            Self::PriceChanged => "price_change",
            Self::Other { code } => code,
        }
    }
}

/// Whether a problem stands in the way of paying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// ACP `MessageError`: blocks the session.
    Error,
    /// ACP `MessageWarning`: worth saying, does not block.
    Warning,
}

/// What a problem is about, from its JSONPath.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The buyer's contact or delivery address: the details sheet can fix it.
    Details,
    /// The delivery choice.
    DeliveryChoice,
    /// Anything else (the items, the currency, …), or nowhere in particular.
    Other,
}

impl Problem {
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn target(&self) -> Target {
        match self.param.as_deref() {
            Some(p) if p.starts_with("$.buyer") || p.starts_with("$.fulfillment_details") => {
                Target::Details
            }
            Some(p) if p.contains("fulfillment_option") => Target::DeliveryChoice,
            _ => Target::Other,
        }
    }

    /// The merchant's code, `None` if it gave none.
    pub fn code(&self) -> Option<&str> {
        Some(self.kind.code()).filter(|c| !c.is_empty())
    }
}

/// How the card pays: the session's payment handler and the merchant a delegated token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub id: String,
    /// The PSP account a token's allowance is bound to (empty if no handler names one).
    pub merchant_id: String,
}

/// A placed order. (Written too: a cart's checkout keeps the orders it placed across a reload.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Empty when the merchant did not say (the order exists all the same).
    pub id: String,
    pub checkout_session_id: String,
    /// The order's page; empty when the merchant gave none.
    #[serde(default)]
    pub permalink_url: String,
    /// The reference the buyer reads ("LP-4F7K-2Q9X"), when the merchant gives one (ACP
    /// 2026-01-30 and later). The card never shows the system's `id` instead.
    #[serde(default, rename = "order_number")]
    pub number: Option<String>,
}

/// The few fields of ACP's `CheckoutSession` the card reads, as they are on the wire.
mod wire {
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Session {
        id: String,
        status: Status,
        currency: String,
        #[serde(default)]
        line_items: Vec<LineItem>,
        #[serde(default)]
        totals: Vec<Total>,
        #[serde(default)]
        fulfillment_options: Vec<FulfillmentOption>,
        #[serde(default)]
        selected_fulfillment_options: Option<Vec<Selected>>,
        #[serde(default)]
        messages: Vec<Message>,
        #[serde(default)]
        capabilities: Capabilities,
        #[serde(default)]
        order: Option<super::Order>,
    }

    #[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
    #[serde(rename_all = "snake_case")]
    enum Status {
        NotReadyForPayment,
        ReadyForPayment,
        AuthenticationRequired,
        InProgress,
        Completed,
        Canceled,
        Expired,
        #[serde(other)]
        Other,
    }

    #[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
    #[serde(rename_all = "snake_case")]
    enum TotalKind {
        Subtotal,
        Fulfillment,
        Tax,
        Total,
        #[serde(other)]
        Other,
    }

    #[derive(Deserialize)]
    struct Total {
        #[serde(rename = "type")]
        kind: TotalKind,
        amount: i64,
    }

    #[derive(Deserialize)]
    struct LineItem {
        quantity: u32,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        unit_amount: Option<i64>,
        #[serde(default)]
        fulfillable_on: Option<String>,
        #[serde(default)]
        totals: Vec<Total>,
    }

    #[derive(Deserialize)]
    struct FulfillmentOption {
        #[serde(rename = "type")]
        kind: String,
        id: String,
        #[serde(default)]
        title: String,
        #[serde(default)]
        totals: Vec<Total>,
    }

    #[derive(Deserialize)]
    struct Selected {
        option_id: String,
    }

    #[derive(Deserialize)]
    struct Message {
        /// `info`, `warning` or `error`.
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        param: Option<String>,
    }

    #[derive(Deserialize, Default)]
    struct Capabilities {
        #[serde(default)]
        payment: Option<Payment>,
    }

    #[derive(Deserialize)]
    struct Payment {
        #[serde(default)]
        handlers: Vec<PaymentHandler>,
    }

    #[derive(Deserialize)]
    struct PaymentHandler {
        id: String,
        #[serde(default)]
        name: String,
        #[serde(default)]
        requires_delegate_payment: bool,
        #[serde(default)]
        instrument_schemas: Vec<String>,
        #[serde(default)]
        config: Config,
    }

    /// A handler's config is the handler's business; the card needs only its merchant.
    #[derive(Deserialize, Default)]
    struct Config {
        #[serde(default)]
        merchant_id: Option<serde_json::Value>,
    }

    fn find(totals: &[Total], kind: TotalKind) -> Option<i64> {
        totals.iter().find(|t| t.kind == kind).map(|t| t.amount)
    }

    /// Whether a handler takes cards: its name or an instrument schema has a `card` segment
    /// (`dev.acp.tokenized.card`, `…/tokenized.card/instrument.json`).
    fn takes_cards(handler: &PaymentHandler) -> bool {
        let has_card = |text: &str| {
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|segment| segment.eq_ignore_ascii_case("card"))
        };
        has_card(&handler.name) || handler.instrument_schemas.iter().any(|s| has_card(s))
    }

    fn merchant(handler: &PaymentHandler) -> Option<String> {
        handler
            .config
            .merchant_id
            .as_ref()
            .and_then(|m| m.as_str())
            .map(str::to_owned)
    }

    /// The handler the card pays through: the first that takes delegated card tokens, else the
    /// first that takes delegated tokens, else the first offered. The merchant a token names is
    /// that handler's, else that of any handler that requires delegate payment.
    fn handler(handlers: &[PaymentHandler]) -> Option<super::Handler> {
        let chosen = handlers
            .iter()
            .find(|h| h.requires_delegate_payment && takes_cards(h))
            .or_else(|| handlers.iter().find(|h| h.requires_delegate_payment))
            .or_else(|| handlers.first())?;
        let merchant_id = merchant(chosen)
            .or_else(|| {
                handlers
                    .iter()
                    .filter(|h| h.requires_delegate_payment)
                    .find_map(merchant)
            })
            .unwrap_or_default();
        Some(super::Handler {
            id: chosen.id.clone(),
            merchant_id,
        })
    }

    impl From<Session> for super::Session {
        fn from(wire: Session) -> Self {
            use super::Status as S;
            let status = match wire.status {
                Status::NotReadyForPayment => S::NotReady,
                Status::ReadyForPayment => S::Ready,
                Status::AuthenticationRequired => S::AuthenticationRequired,
                Status::InProgress => S::InProgress,
                Status::Completed => S::Completed,
                Status::Canceled => S::Canceled,
                Status::Expired => S::Expired,
                Status::Other => S::Other,
            };
            let lines = wire
                .line_items
                .into_iter()
                .map(|line| super::Line {
                    subtotal: find(&line.totals, TotalKind::Subtotal).unwrap_or(0),
                    title: line.name.unwrap_or_default(),
                    quantity: line.quantity,
                    unit_amount: line.unit_amount,
                    ships_on: line.fulfillable_on,
                })
                .collect();
            let delivery_options = wire
                .fulfillment_options
                .into_iter()
                .map(|option| super::DeliveryOption {
                    amount: find(&option.totals, TotalKind::Total)
                        .or_else(|| option.totals.first().map(|t| t.amount)),
                    id: option.id,
                    kind: option.kind,
                    title: option.title,
                })
                .collect();
            let problems = wire
                .messages
                .into_iter()
                .filter_map(|message| {
                    let severity = match message.kind.as_str() {
                        "error" => super::Severity::Error,
                        "warning" => super::Severity::Warning,
                        _ => return None, // Information, not a problem.
                    };
                    Some(super::Problem {
                        kind: super::ProblemKind::from_code(message.code),
                        param: message.param,
                        severity,
                    })
                })
                .collect();
            let handlers = wire.capabilities.payment.map(|p| p.handlers);
            Self {
                id: wire.id,
                status,
                currency: wire.currency,
                lines,
                totals: super::Totals {
                    delivery: find(&wire.totals, TotalKind::Fulfillment),
                    tax: find(&wire.totals, TotalKind::Tax),
                    total: find(&wire.totals, TotalKind::Total),
                },
                delivery_options,
                chosen: wire
                    .selected_fulfillment_options
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| s.option_id)
                    .collect(),
                problems,
                handler: handlers.as_deref().and_then(handler),
                order: wire.order,
            }
        }
    }
}
