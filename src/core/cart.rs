//! The cart: what the buyer added from any card, across shops, until it is checked out.
//!
//! A line is one product variant at one shop, identified by [`LineKey`] (the shop's checkout
//! `endpoint`, the `feed`, the `product` and the `variant`), with a quantity and the
//! [`Estimate`] the card showed when it was added. Estimates are what the panel shows; the
//! merchant's checkout session has the last word on prices and stock, and [`Cart::reconcile`]
//! says per line what changed ([`LineNotice`]) before the buyer pays.
//!
//! Pure: no storage, no clock. Times come from the shell (`Date.now()`), which also arms the
//! undo timer; [`Cart::to_json`] and [`Cart::from_json`] are what it keeps in `localStorage`
//! (a visitor's cart) or sends to the platform (a signed-in buyer's). Everything that enters the
//! cart (the host's `buycard.cart.add`, a stored value any script on the page could have
//! written) is untrusted: keys are bounded, URLs pass [`safe_http_url`], text is cut, and a
//! stored value that cannot be read gives an empty cart and a [`LoadNotice`], never a panic.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::card::{CardModel, MAX_TITLE_CHARS};
use super::i18n::Msg;
use super::money::{Currency, Money};
use super::url::{endpoint_base, safe_http_url};

/// Most lines a cart holds: a panel of 50 lines is already long, and a bound keeps the stored
/// value (and any hostile one) small.
pub const MAX_LINES: usize = 50;
/// Most units of one line when the merchant states no lower limit.
pub const MAX_QUANTITY: u32 = 99;
/// How long "Added to your cart. Undo" can undo, in milliseconds.
pub const UNDO_WINDOW_MS: u64 = 5_000;
/// Longest endpoint, feed, product or variant id, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// Longest image URL kept, in bytes.
pub const MAX_IMAGE_URL_BYTES: usize = 2_048;
/// Largest stored value read back, in bytes. A full cart of the longest fields fits (tested);
/// anything larger was not written by this code.
pub const MAX_STORED_BYTES: usize = 512 * 1024;
/// The stored format's version (`"v"`).
pub const STORAGE_VERSION: u64 = 1;

/// Why a cart operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CartError {
    #[error("the cart holds at most {MAX_LINES} lines")]
    Full,
    /// A field of a line is empty, too long or not allowed (the field's name).
    #[error("`{0}` is empty, too long or not allowed")]
    Invalid(&'static str),
    #[error("this product is not in the cart")]
    NotInCart,
    /// The add is no longer the cart's last change, or its window passed.
    #[error("there is nothing to undo")]
    NothingToUndo,
    /// Amounts in different currencies are never added up.
    #[error("the amounts are in different currencies")]
    MixedCurrencies,
    #[error("the amount is too large")]
    Overflow,
}

impl CartError {
    /// What the buyer is told.
    pub fn message(&self) -> Msg {
        match self {
            CartError::Full => Msg::CartFull,
            CartError::Invalid(_) | CartError::NotInCart | CartError::Overflow => {
                Msg::CartCannotAdd
            }
            CartError::NothingToUndo => Msg::CartUndoExpired,
            CartError::MixedCurrencies => Msg::CartMixedCurrencies,
        }
    }
}

/// Which product variant, at which shop. Two adds of the same key are one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawKey")]
pub struct LineKey {
    endpoint: String,
    feed: String,
    product: String,
    variant: String,
}

#[derive(Deserialize)]
struct RawKey {
    endpoint: String,
    feed: String,
    product: String,
    variant: String,
}

impl TryFrom<RawKey> for LineKey {
    type Error = CartError;

    fn try_from(raw: RawKey) -> Result<Self, CartError> {
        LineKey::new(&raw.endpoint, &raw.feed, &raw.product, &raw.variant)
    }
}

fn id(value: &str, name: &'static str) -> Result<String, CartError> {
    let value = value.trim();
    let bad =
        value.is_empty() || value.len() > MAX_ID_BYTES || value.chars().any(|c| c.is_control());
    if bad {
        Err(CartError::Invalid(name))
    } else {
        Ok(value.to_owned())
    }
}

impl LineKey {
    /// A key from the host's words: the endpoint must be one a card could talk to
    /// ([`endpoint_base`], kept without its trailing slash so `/shops/a/` and `/shops/a` are one
    /// shop); the ids must be non-empty, at most [`MAX_ID_BYTES`], with no control characters.
    pub fn new(
        endpoint: &str,
        feed: &str,
        product: &str,
        variant: &str,
    ) -> Result<Self, CartError> {
        let endpoint = endpoint_base(endpoint)
            .filter(|e| !e.is_empty() && e.len() <= MAX_ID_BYTES)
            .ok_or(CartError::Invalid("endpoint"))?;
        Ok(Self {
            endpoint: endpoint.to_owned(),
            feed: id(feed, "feed")?,
            product: id(product, "product")?,
            variant: id(variant, "variant")?,
        })
    }

    /// The shop's checkout base, which groups lines by merchant.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn feed(&self) -> &str {
        &self.feed
    }

    pub fn product(&self) -> &str {
        &self.product
    }

    /// The feed's variant id: the item a checkout session is opened for.
    pub fn variant(&self) -> &str {
        &self.variant
    }
}

/// Cuts text to [`MAX_TITLE_CHARS`] characters, as the card does.
fn bounded(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_TITLE_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
    }
}

fn label(text: Option<&str>) -> Option<String> {
    text.map(bounded).filter(|t| !t.is_empty())
}

/// What the card showed when the line was added: the panel's words and picture, and the price
/// its subtotals are estimated from. Built only through its constructors, so text is bounded
/// and the image URL is one a page may load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    title: String,
    variant_label: Option<String>,
    seller: Option<String>,
    image: Option<String>,
    unit_price: Money,
    max_quantity: Option<u32>,
}

impl Estimate {
    pub fn new(title: &str, unit_price: Money) -> Self {
        Self {
            title: bounded(title),
            variant_label: None,
            seller: None,
            image: None,
            unit_price,
            max_quantity: None,
        }
    }

    /// What the card shows for its variant, when it has a price (nothing without one can be
    /// estimated, so it is not added).
    pub fn from_card(model: &CardModel) -> Option<Self> {
        let price = model.price?;
        let variant_label = model
            .choices
            .iter()
            .find(|c| c.id == model.variant_id)
            .map(|c| c.label.as_str());
        Some(
            Self::new(&model.title, price)
                .with_variant_label(variant_label)
                .with_seller(model.seller.as_deref())
                .with_image(model.image.as_ref().map(|i| i.url.as_str())),
        )
    }

    /// "M", "Hardcover": which variant, in the merchant's words.
    pub fn with_variant_label(mut self, text: Option<&str>) -> Self {
        self.variant_label = label(text);
        self
    }

    /// The merchant's name, which heads the shop's group in the panel.
    pub fn with_seller(mut self, text: Option<&str>) -> Self {
        self.seller = label(text);
        self
    }

    /// The photo; kept only if it is an http(s) URL ([`safe_http_url`]) of bounded length.
    pub fn with_image(mut self, url: Option<&str>) -> Self {
        self.image = url
            .and_then(safe_http_url)
            .filter(|u| u.len() <= MAX_IMAGE_URL_BYTES)
            .map(str::to_owned);
        self
    }

    /// The merchant's most per order, when known (0 is taken as unknown).
    pub fn with_max_quantity(mut self, max: Option<u32>) -> Self {
        self.max_quantity = max.filter(|m| *m > 0);
        self
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn variant_label(&self) -> Option<&str> {
        self.variant_label.as_deref()
    }

    pub fn seller(&self) -> Option<&str> {
        self.seller.as_deref()
    }

    pub fn image(&self) -> Option<&str> {
        self.image.as_deref()
    }

    pub fn unit_price(&self) -> Money {
        self.unit_price
    }

    pub fn max_quantity(&self) -> Option<u32> {
        self.max_quantity
    }

    /// The most units of this line: the merchant's limit, never above [`MAX_QUANTITY`].
    pub fn limit(&self) -> u32 {
        self.max_quantity
            .map_or(MAX_QUANTITY, |m| m.min(MAX_QUANTITY))
    }
}

/// What changed about a line since it was added, for the panel to say before the buyer pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineNotice {
    /// "Sold out — remove".
    SoldOut,
    /// "Price changed from {0} to {1}" (the estimate now has the new price).
    PriceChanged { from: Money, to: Money },
    /// The merchant's limit is lower than the quantity, which was reduced to it.
    QuantityReduced { to: u32 },
}

impl LineNotice {
    /// The words; the shell fills in the amounts ([`Money`] formatted by `Intl`) or the
    /// quantity.
    pub fn message(&self) -> Msg {
        match self {
            LineNotice::SoldOut => Msg::SoldOutRemove,
            LineNotice::PriceChanged { .. } => Msg::PriceChangedFromTo,
            LineNotice::QuantityReduced { .. } => Msg::QuantityReducedTo,
        }
    }
}

/// One line of the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    key: LineKey,
    quantity: u32,
    estimate: Estimate,
    /// From the last [`Cart::reconcile`] that covered this line; not stored.
    notices: Vec<LineNotice>,
}

impl Line {
    pub fn key(&self) -> &LineKey {
        &self.key
    }

    /// Between 1 and [`Estimate::limit`].
    pub fn quantity(&self) -> u32 {
        self.quantity
    }

    pub fn estimate(&self) -> &Estimate {
        &self.estimate
    }

    pub fn notices(&self) -> &[LineNotice] {
        &self.notices
    }

    /// Whether the last reconcile said it sold out: the panel offers to remove it, and checkout
    /// leaves it out.
    pub fn sold_out(&self) -> bool {
        self.notices.contains(&LineNotice::SoldOut)
    }

    /// The estimated amount of the line (unit price × quantity).
    pub fn subtotal(&self) -> Result<Money, CartError> {
        let price = self.estimate.unit_price;
        price
            .minor
            .checked_mul(u64::from(self.quantity))
            .map(|minor| Money::new(minor, price.currency))
            .ok_or(CartError::Overflow)
    }
}

/// The lines of one shop, in the order they were first added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<'a> {
    pub endpoint: &'a str,
    pub lines: Vec<&'a Line>,
}

impl Group<'_> {
    /// The shop's name from its first line that names it.
    pub fn seller(&self) -> Option<&str> {
        self.lines.iter().find_map(|l| l.estimate.seller())
    }

    /// Units in the group.
    pub fn count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// The estimated subtotal. A shop whose lines are priced in two currencies has no single
    /// subtotal ([`CartError::MixedCurrencies`]; [`Group::subtotals`] gives one per currency):
    /// amounts in different currencies are never added.
    pub fn subtotal(&self) -> Result<Money, CartError> {
        match self.subtotals()?.as_slice() {
            [one] => Ok(*one),
            [] => Err(CartError::NotInCart),
            _ => Err(CartError::MixedCurrencies),
        }
    }

    /// One estimated subtotal per currency, in the order the currencies first appear.
    pub fn subtotals(&self) -> Result<Vec<Money>, CartError> {
        sum_by_currency(self.lines.iter().map(|l| l.subtotal()))
    }
}

/// Adds amounts up per currency, in first-seen order.
fn sum_by_currency(
    amounts: impl Iterator<Item = Result<Money, CartError>>,
) -> Result<Vec<Money>, CartError> {
    let mut sums: Vec<Money> = Vec::new();
    for amount in amounts {
        let amount = amount?;
        match sums.iter_mut().find(|s| s.currency == amount.currency) {
            Some(sum) => {
                sum.minor = sum
                    .minor
                    .checked_add(amount.minor)
                    .ok_or(CartError::Overflow)?;
            }
            None => sums.push(amount),
        }
    }
    Ok(sums)
}

/// An add that can be undone: [`Cart::undo`] takes it back while it is the cart's last change
/// and within [`UNDO_WINDOW_MS`]. The shell arms a timer for the window (to hide "Undo") and
/// calls [`Cart::expire_undo`] when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UndoTicket(u64);

/// What an add did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    /// The line's quantity now.
    pub quantity: u32,
    /// Fewer units were added than asked: the line reached its limit.
    pub capped: bool,
    pub undo: UndoTicket,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct LastAdd {
    ticket: UndoTicket,
    at_ms: u64,
    key: LineKey,
    /// The line before the add, at its position; `None` when the add made it.
    before: Option<Line>,
}

/// The cart: lines in the order they were first added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cart {
    lines: Vec<Line>,
    last_add: Option<LastAdd>,
    tickets: u64,
}

/// The current price and stock of a line's product, from the feed or the merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fresh {
    pub key: LineKey,
    /// `None`: the source gives no price; the estimate is kept.
    pub price: Option<Money>,
    pub available: bool,
    pub max_quantity: Option<u32>,
}

impl Fresh {
    /// From the card model of the line's product, as the feed now describes it.
    pub fn from_card(key: LineKey, model: &CardModel) -> Self {
        Self {
            key,
            price: model.price,
            available: model.availability.is_buyable(),
            max_quantity: None,
        }
    }
}

/// The result of [`Cart::merge`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub cart: Cart,
    /// Visitor lines that did not fit ([`MAX_LINES`]); the panel says the cart is full.
    pub left_out: usize,
}

impl Cart {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    pub fn line(&self, key: &LineKey) -> Option<&Line> {
        self.lines.iter().find(|l| &l.key == key)
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Units in the cart: the badge's number.
    pub fn count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// Units of one product variant: a card's "In your cart (2)" (0 when absent).
    pub fn quantity_of(&self, key: &LineKey) -> u32 {
        self.line(key).map_or(0, |l| l.quantity)
    }

    fn position(&self, key: &LineKey) -> Option<usize> {
        self.lines.iter().position(|l| &l.key == key)
    }

    /// Adds `quantity` units. The same product variant again adds up on its line, up to the
    /// line's limit (the merchant's, else [`MAX_QUANTITY`]); the estimate becomes the one just
    /// seen. A new line is refused once the cart has [`MAX_LINES`].
    pub fn add(
        &mut self,
        key: LineKey,
        estimate: Estimate,
        quantity: u32,
        now_ms: u64,
    ) -> Result<Added, CartError> {
        if quantity == 0 {
            return Err(CartError::Invalid("quantity"));
        }
        let limit = estimate.limit();
        let (before, line) = match self.position(&key) {
            Some(at) => {
                let before = self.lines[at].clone();
                let line = &mut self.lines[at];
                line.quantity = line.quantity.saturating_add(quantity).min(limit);
                // The card just showed this estimate: what a reconcile said before is stale.
                line.estimate = estimate;
                line.notices.clear();
                (Some(before), line)
            }
            None if self.lines.len() >= MAX_LINES => return Err(CartError::Full),
            None => {
                self.lines.push(Line {
                    key: key.clone(),
                    quantity: quantity.min(limit),
                    estimate,
                    notices: Vec::new(),
                });
                let last = self.lines.len() - 1;
                (None, &mut self.lines[last])
            }
        };
        let had = before.as_ref().map_or(0, |b| b.quantity);
        let added = Added {
            quantity: line.quantity,
            capped: line.quantity < had.saturating_add(quantity),
            undo: UndoTicket(self.tickets + 1),
        };
        self.tickets += 1;
        self.last_add = Some(LastAdd {
            ticket: added.undo,
            at_ms: now_ms,
            key,
            before,
        });
        Ok(added)
    }

    /// Whether `ticket` can still be undone at `now_ms`.
    pub fn can_undo(&self, ticket: UndoTicket, now_ms: u64) -> bool {
        self.last_add.as_ref().is_some_and(|last| {
            last.ticket == ticket && now_ms.saturating_sub(last.at_ms) <= UNDO_WINDOW_MS
        })
    }

    /// Takes back the add of `ticket`: the line as it was before (or gone, if the add made it).
    /// Only the cart's last change can be undone, within [`UNDO_WINDOW_MS`].
    pub fn undo(&mut self, ticket: UndoTicket, now_ms: u64) -> Result<(), CartError> {
        if !self.can_undo(ticket, now_ms) {
            return Err(CartError::NothingToUndo);
        }
        let Some(last) = self.last_add.take() else {
            return Err(CartError::NothingToUndo);
        };
        match (self.position(&last.key), last.before) {
            (Some(at), Some(before)) => self.lines[at] = before,
            (Some(at), None) => {
                self.lines.remove(at);
            }
            (None, _) => return Err(CartError::NothingToUndo),
        }
        Ok(())
    }

    /// The undo window of `ticket` closed (the shell's timer fired).
    pub fn expire_undo(&mut self, ticket: UndoTicket) {
        if self.last_add.as_ref().is_some_and(|l| l.ticket == ticket) {
            self.last_add = None;
        }
    }

    /// Sets a line's quantity (the stepper): 0 removes the line; more than its limit is capped.
    /// Returns the quantity kept.
    pub fn set_quantity(&mut self, key: &LineKey, quantity: u32) -> Result<u32, CartError> {
        let at = self.position(key).ok_or(CartError::NotInCart)?;
        self.last_add = None;
        if quantity == 0 {
            self.lines.remove(at);
            return Ok(0);
        }
        let line = &mut self.lines[at];
        line.quantity = quantity.min(line.estimate.limit());
        line.notices
            .retain(|n| !matches!(n, LineNotice::QuantityReduced { .. }));
        Ok(line.quantity)
    }

    /// Removes a line; `None` if it was not there.
    pub fn remove(&mut self, key: &LineKey) -> Option<Line> {
        let at = self.position(key)?;
        self.last_add = None;
        Some(self.lines.remove(at))
    }

    /// Removes every line of `keys` that is there (the checkout's placed orders). Keys that are
    /// not there are ignored, so doing it twice is harmless.
    pub fn remove_all(&mut self, keys: &[LineKey]) {
        let before = self.lines.len();
        self.lines.retain(|l| !keys.contains(&l.key));
        if self.lines.len() != before {
            self.last_add = None;
        }
    }

    /// The lines by shop (endpoint), shops in the order their first line was added.
    pub fn groups(&self) -> Vec<Group<'_>> {
        let mut groups: Vec<Group<'_>> = Vec::new();
        for line in &self.lines {
            match groups.iter_mut().find(|g| g.endpoint == line.key.endpoint) {
                Some(group) => group.lines.push(line),
                None => groups.push(Group {
                    endpoint: &line.key.endpoint,
                    lines: vec![line],
                }),
            }
        }
        groups
    }

    /// The estimated total, one amount per currency.
    pub fn totals(&self) -> Result<Vec<Money>, CartError> {
        sum_by_currency(self.lines.iter().map(Line::subtotal))
    }

    /// The cart a buyer has after signing in: the account's cart (kept by the platform) with
    /// the visitor's (kept in this browser) merged in, with no line twice.
    ///
    /// A product variant in both keeps the account's line and position, with the **larger** of
    /// the two quantities (capped at its limit), not their sum. Adding the same thing as a
    /// visitor and, earlier, while signed in (on a phone, from another post) is almost always
    /// one wish made twice, and a sum would silently double it at checkout; the larger one
    /// never buys more than the buyer asked for in one place, and the stepper raises it in one
    /// tap. It is also idempotent: if the merge runs twice (two tabs signing in, a retried
    /// write), nothing doubles. Visitor-only lines follow the account's, in their order, as
    /// long as the cart has room.
    pub fn merge(visitor: &Cart, account: &Cart) -> Merged {
        let mut cart = Cart {
            lines: account.lines.clone(),
            last_add: None,
            tickets: account.tickets.max(visitor.tickets),
        };
        let mut left_out = 0;
        for line in &visitor.lines {
            match cart.position(&line.key) {
                Some(at) => {
                    let kept = &mut cart.lines[at];
                    kept.quantity = kept.quantity.max(line.quantity).min(kept.estimate.limit());
                }
                None if cart.lines.len() >= MAX_LINES => left_out += 1,
                None => cart.lines.push(line.clone()),
            }
        }
        Merged { cart, left_out }
    }

    /// Brings estimates up to date with `fresh` (the feed's current prices and stock, or the
    /// merchant's) and says, per line, what changed: sold out, a new price, a quantity over the
    /// merchant's limit (reduced to it). Lines `fresh` does not mention keep their estimates
    /// and notices. The notices stay on the lines for the panel until the next reconcile.
    pub fn reconcile(&mut self, fresh: &[Fresh]) -> Vec<(LineKey, LineNotice)> {
        let by_key: HashMap<&LineKey, &Fresh> = fresh.iter().map(|f| (&f.key, f)).collect();
        let mut said = Vec::new();
        let mut changed = false;
        for line in &mut self.lines {
            let Some(fresh) = by_key.get(&line.key) else {
                continue;
            };
            let before = line.clone();
            line.notices.clear();
            if !fresh.available {
                line.notices.push(LineNotice::SoldOut);
            } else {
                if let Some(price) = fresh.price.filter(|p| *p != line.estimate.unit_price) {
                    line.notices.push(LineNotice::PriceChanged {
                        from: line.estimate.unit_price,
                        to: price,
                    });
                    line.estimate.unit_price = price;
                }
                if let Some(max) = fresh.max_quantity.filter(|m| *m > 0) {
                    line.estimate.max_quantity = Some(max);
                }
                let limit = line.estimate.limit();
                if line.quantity > limit {
                    line.quantity = limit;
                    line.notices.push(LineNotice::QuantityReduced { to: limit });
                }
            }
            said.extend(line.notices.iter().map(|n| (line.key.clone(), n.clone())));
            changed |= *line != before;
        }
        if changed {
            self.last_add = None;
        }
        said
    }

    /// The cart as stored: JSON with `"v": 1`. Always at most [`MAX_STORED_BYTES`] (the
    /// fields are bounded). Notices and the undo are not stored.
    pub fn to_json(&self) -> String {
        let stored = Stored {
            v: STORAGE_VERSION,
            lines: self.lines.iter().map(StoredLine::from).collect(),
        };
        // Plain strings and numbers, which serde_json always writes; should it ever fail, an
        // empty cart is stored rather than a panic in the page.
        serde_json::to_string(&stored).unwrap_or_else(|_| r#"{"v":1,"lines":[]}"#.to_owned())
    }

    /// A stored cart read back. Never fails: what cannot be read gives an empty cart (or the
    /// lines that could be read) and a notice for the panel.
    pub fn from_json(text: &str) -> Loaded {
        let empty = |notice| Loaded {
            cart: Cart::new(),
            notice: Some(notice),
        };
        if text.len() > MAX_STORED_BYTES {
            return empty(LoadNotice::TooLarge);
        }
        let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_str(text) else {
            return empty(LoadNotice::Corrupt);
        };
        match doc.get("v").and_then(serde_json::Value::as_u64) {
            Some(STORAGE_VERSION) => {}
            Some(newer) if newer > STORAGE_VERSION => return empty(LoadNotice::Newer(newer)),
            _ => return empty(LoadNotice::Corrupt),
        }
        let Some(serde_json::Value::Array(lines)) = doc.remove("lines") else {
            return empty(LoadNotice::Corrupt);
        };
        let mut cart = Cart::new();
        let mut dropped = 0;
        for value in lines {
            let line = serde_json::from_value::<StoredLine>(value)
                .ok()
                .and_then(StoredLine::into_line);
            match line {
                Some(line)
                    if cart.lines.len() < MAX_LINES || cart.position(&line.key).is_some() =>
                {
                    let (key, estimate, quantity) = (line.key, line.estimate, line.quantity);
                    if cart.add(key, estimate, quantity, 0).is_err() {
                        dropped += 1;
                    }
                }
                _ => dropped += 1,
            }
        }
        cart.last_add = None;
        Loaded {
            cart,
            notice: (dropped > 0).then_some(LoadNotice::LinesDropped(dropped)),
        }
    }
}

/// A stored cart read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub cart: Cart,
    pub notice: Option<LoadNotice>,
}

impl Loaded {
    /// Whether the shell may write this cart over the stored value: not when that value came
    /// from a newer version of the page, whose cart an older tab must not destroy.
    pub fn may_save(&self) -> bool {
        !matches!(self.notice, Some(LoadNotice::Newer(_)))
    }
}

/// Why a stored cart was read as empty, or only in part.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LoadNotice {
    #[error("the stored cart is larger than {MAX_STORED_BYTES} bytes")]
    TooLarge,
    #[error("the stored value is not a cart")]
    Corrupt,
    /// Written by a newer version of the page: ignored, and not written over.
    #[error("the stored cart is version {0}, newer than this page")]
    Newer(u64),
    #[error("{0} stored lines could not be read")]
    LinesDropped(usize),
}

impl LoadNotice {
    /// What the panel says. A newer version's cart says nothing: it is still there for the
    /// page that wrote it.
    pub fn message(&self) -> Option<Msg> {
        match self {
            LoadNotice::Newer(_) => None,
            LoadNotice::LinesDropped(_) => Some(Msg::CartSomeUnreadable),
            LoadNotice::TooLarge | LoadNotice::Corrupt => Some(Msg::CartUnreadable),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    v: u64,
    lines: Vec<StoredLine>,
}

#[derive(Serialize, Deserialize)]
struct StoredMoney {
    amount: u64,
    currency: String,
}

/// One line as stored: flat, with the estimate's fields beside the key's.
#[derive(Serialize, Deserialize)]
struct StoredLine {
    #[serde(flatten)]
    key: LineKey,
    quantity: u32,
    title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    variant_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seller: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    unit_price: StoredMoney,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_quantity: Option<u32>,
}

impl From<&Line> for StoredLine {
    fn from(line: &Line) -> Self {
        let e = &line.estimate;
        Self {
            key: line.key.clone(),
            quantity: line.quantity,
            title: e.title.clone(),
            variant_label: e.variant_label.clone(),
            seller: e.seller.clone(),
            image: e.image.clone(),
            unit_price: StoredMoney {
                amount: e.unit_price.minor,
                currency: e.unit_price.currency.code().to_owned(),
            },
            max_quantity: e.max_quantity,
        }
    }
}

impl StoredLine {
    /// The line, through the same constructors as an add (so a tampered value is bounded and
    /// filtered like the host's input); `None` if it cannot be a line.
    fn into_line(self) -> Option<Line> {
        let currency = Currency::parse(&self.unit_price.currency).ok()?;
        let estimate = Estimate::new(&self.title, Money::new(self.unit_price.amount, currency))
            .with_variant_label(self.variant_label.as_deref())
            .with_seller(self.seller.as_deref())
            .with_image(self.image.as_deref())
            .with_max_quantity(self.max_quantity);
        (self.quantity > 0).then_some(Line {
            key: self.key,
            quantity: self.quantity,
            estimate,
            notices: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: u64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("valid"))
    }

    fn eur(minor: u64) -> Money {
        Money::new(minor, Currency::parse("EUR").expect("valid"))
    }

    fn key(shop: &str, variant: &str) -> LineKey {
        LineKey::new(&format!("/shops/{shop}"), "main", "prod", variant).expect("valid key")
    }

    fn tee(price: Money) -> Estimate {
        Estimate::new("Classic Tee", price)
            .with_variant_label(Some("M"))
            .with_seller(Some("Lantern Press"))
            .with_image(Some("https://cdn.example/tee.jpg"))
    }

    #[test]
    fn adding_the_same_variant_adds_up_to_its_limit() {
        let mut cart = Cart::new();
        let a = cart
            .add(key("a", "tee-m"), tee(usd(1999)), 2, 0)
            .expect("added");
        assert_eq!((a.quantity, a.capped), (2, false));
        let limited = tee(usd(1999)).with_max_quantity(Some(3));
        let b = cart.add(key("a", "tee-m"), limited, 5, 10).expect("added");
        assert_eq!(
            (b.quantity, b.capped),
            (3, true),
            "capped at the merchant's 3"
        );
        assert_eq!(cart.lines().len(), 1);
        assert_eq!(cart.count(), 3);
        assert_eq!(cart.quantity_of(&key("a", "tee-m")), 3);
        assert_eq!(cart.quantity_of(&key("a", "tee-l")), 0);
        let c = cart
            .add(key("a", "mug"), tee(usd(1)), 1_000, 20)
            .expect("added");
        assert_eq!(c.quantity, MAX_QUANTITY);
        assert_eq!(
            cart.add(key("a", "mug"), tee(usd(1)), 0, 30),
            Err(CartError::Invalid("quantity"))
        );
    }

    #[test]
    fn the_cart_is_bounded() {
        let mut cart = Cart::new();
        for n in 0..MAX_LINES {
            cart.add(key("a", &format!("v{n}")), tee(usd(100)), 1, 0)
                .expect("room");
        }
        assert_eq!(
            cart.add(key("a", "one-more"), tee(usd(100)), 1, 0),
            Err(CartError::Full)
        );
        // A line already there still adds up.
        assert!(cart.add(key("a", "v0"), tee(usd(100)), 1, 0).is_ok());
        assert_eq!(cart.lines().len(), MAX_LINES);
    }

    #[test]
    fn keys_and_estimates_from_the_host_are_checked() {
        assert_eq!(
            LineKey::new("javascript:alert(1)", "f", "p", "v"),
            Err(CartError::Invalid("endpoint"))
        );
        assert_eq!(
            LineKey::new("/shops/a", "", "p", "v"),
            Err(CartError::Invalid("feed"))
        );
        assert_eq!(
            LineKey::new("/shops/a", "f", &"p".repeat(MAX_ID_BYTES + 1), "v"),
            Err(CartError::Invalid("product"))
        );
        assert_eq!(
            LineKey::new("/shops/a", "f", "p", "v\u{0}"),
            Err(CartError::Invalid("variant"))
        );
        assert_eq!(
            LineKey::new("/shops/a/", "f", "p", "v"),
            LineKey::new("/shops/a", "f", "p", "v"),
            "one shop with or without the trailing slash"
        );
        let hostile = Estimate::new(&"x".repeat(500), usd(1))
            .with_image(Some("javascript:alert(1)"))
            .with_max_quantity(Some(0));
        assert_eq!(hostile.image(), None);
        assert_eq!(
            hostile.title().chars().count(),
            MAX_TITLE_CHARS + 1,
            "cut, with …"
        );
        assert_eq!(hostile.limit(), MAX_QUANTITY, "0 is not a limit");
    }

    #[test]
    fn undo_takes_back_the_last_add_within_its_window() {
        let mut cart = Cart::new();
        let first = cart
            .add(key("a", "tee"), tee(usd(1999)), 1, 1_000)
            .expect("added");
        let before = cart.clone();
        let second = cart
            .add(key("a", "tee"), tee(usd(1799)), 2, 2_000)
            .expect("added");
        assert_eq!(
            cart.undo(first.undo, 2_100),
            Err(CartError::NothingToUndo),
            "only the last add"
        );
        cart.undo(second.undo, 2_000 + UNDO_WINDOW_MS)
            .expect("in time");
        assert_eq!(
            cart.lines(),
            before.lines(),
            "the line as it was, price and all"
        );
        assert_eq!(
            cart.undo(second.undo, 2_001),
            Err(CartError::NothingToUndo),
            "once"
        );

        let third = cart
            .add(key("b", "mug"), tee(usd(500)), 1, 10_000)
            .expect("added");
        assert_eq!(
            cart.undo(third.undo, 10_001 + UNDO_WINDOW_MS),
            Err(CartError::NothingToUndo),
            "too late"
        );
        let fourth = cart
            .add(key("b", "cap"), tee(usd(500)), 1, 20_000)
            .expect("added");
        cart.expire_undo(fourth.undo);
        assert!(
            !cart.can_undo(fourth.undo, 20_001),
            "the shell's timer closed it"
        );
        let fifth = cart
            .add(key("b", "pin"), tee(usd(500)), 1, 30_000)
            .expect("added");
        cart.set_quantity(&key("b", "pin"), 3).expect("there");
        assert_eq!(
            cart.undo(fifth.undo, 30_001),
            Err(CartError::NothingToUndo),
            "a later change is not undone behind the buyer's back"
        );
        let sixth = cart
            .add(key("c", "new"), tee(usd(500)), 1, 40_000)
            .expect("added");
        cart.undo(sixth.undo, 40_001).expect("in time");
        assert!(
            cart.line(&key("c", "new")).is_none(),
            "a new line goes away"
        );
    }

    #[test]
    fn set_quantity_and_remove() {
        let mut cart = Cart::new();
        cart.add(
            key("a", "tee"),
            tee(usd(1999)).with_max_quantity(Some(4)),
            1,
            0,
        )
        .expect("added");
        assert_eq!(cart.set_quantity(&key("a", "tee"), 9), Ok(4));
        assert_eq!(cart.set_quantity(&key("a", "tee"), 2), Ok(2));
        assert_eq!(cart.set_quantity(&key("a", "tee"), 0), Ok(0));
        assert!(cart.is_empty());
        assert_eq!(
            cart.set_quantity(&key("a", "tee"), 1),
            Err(CartError::NotInCart)
        );
        cart.add(key("a", "tee"), tee(usd(1999)), 1, 0)
            .expect("added");
        assert!(cart.remove(&key("a", "tee")).is_some());
        assert!(cart.remove(&key("a", "tee")).is_none());
    }

    #[test]
    fn groups_follow_the_first_added_order_with_estimated_subtotals() {
        let mut cart = Cart::new();
        cart.add(key("b", "mug"), tee(usd(1250)), 2, 0)
            .expect("added");
        cart.add(key("a", "tee"), tee(usd(1999)), 1, 0)
            .expect("added");
        cart.add(key("b", "cap"), tee(usd(500)), 1, 0)
            .expect("added");
        let groups = cart.groups();
        assert_eq!(
            groups.iter().map(|g| g.endpoint).collect::<Vec<_>>(),
            ["/shops/b", "/shops/a"]
        );
        assert_eq!(groups[0].subtotal(), Ok(usd(3000)));
        assert_eq!(groups[0].count(), 3);
        assert_eq!(groups[0].seller(), Some("Lantern Press"));
        assert_eq!(groups[1].subtotal(), Ok(usd(1999)));

        cart.add(key("b", "euro"), tee(eur(700)), 1, 0)
            .expect("added");
        let groups = cart.groups();
        assert_eq!(groups[0].subtotal(), Err(CartError::MixedCurrencies));
        assert_eq!(groups[0].subtotals(), Ok(vec![usd(3000), eur(700)]));
        assert_eq!(cart.totals(), Ok(vec![usd(4999), eur(700)]));

        let mut huge = Cart::new();
        huge.add(key("a", "x"), tee(usd(u64::MAX / 2)), 3, 0)
            .expect("added");
        assert_eq!(huge.groups()[0].subtotal(), Err(CartError::Overflow));
    }

    #[test]
    fn signing_in_merges_without_duplicates_keeping_the_larger_quantity() {
        let mut account = Cart::new();
        account
            .add(key("a", "tee"), tee(usd(1999)), 2, 0)
            .expect("added");
        account
            .add(key("b", "mug"), tee(usd(1250)), 1, 0)
            .expect("added");
        let mut visitor = Cart::new();
        visitor
            .add(key("c", "pin"), tee(usd(300)), 1, 0)
            .expect("added");
        visitor
            .add(key("b", "mug"), tee(usd(1250)), 3, 0)
            .expect("added");
        visitor
            .add(key("a", "tee"), tee(usd(1999)), 1, 0)
            .expect("added");

        let merged = Cart::merge(&visitor, &account);
        assert_eq!(merged.left_out, 0);
        let lines: Vec<(&str, u32)> = merged
            .cart
            .lines()
            .iter()
            .map(|l| (l.key().variant(), l.quantity()))
            .collect();
        assert_eq!(lines, [("tee", 2), ("mug", 3), ("pin", 1)]);
        // Merging again (a second tab signing in) changes nothing.
        let again = Cart::merge(&visitor, &merged.cart);
        assert_eq!(again.cart.lines(), merged.cart.lines());

        let mut full = Cart::new();
        for n in 0..MAX_LINES {
            full.add(key("a", &format!("v{n}")), tee(usd(1)), 1, 0)
                .expect("room");
        }
        let merged = Cart::merge(&visitor, &full);
        assert_eq!((merged.cart.lines().len(), merged.left_out), (MAX_LINES, 3));
    }

    #[test]
    fn reconcile_says_what_changed() {
        let mut cart = Cart::new();
        cart.add(key("a", "tee"), tee(usd(1999)), 5, 0)
            .expect("added");
        cart.add(key("a", "mug"), tee(usd(1250)), 1, 0)
            .expect("added");
        cart.add(key("b", "pin"), tee(usd(300)), 1, 0)
            .expect("added");
        let said = cart.reconcile(&[
            Fresh {
                key: key("a", "tee"),
                price: Some(usd(2199)),
                available: true,
                max_quantity: Some(2),
            },
            Fresh {
                key: key("a", "mug"),
                price: Some(usd(1250)),
                available: false,
                max_quantity: None,
            },
        ]);
        assert_eq!(
            said,
            [
                (
                    key("a", "tee"),
                    LineNotice::PriceChanged {
                        from: usd(1999),
                        to: usd(2199)
                    }
                ),
                (key("a", "tee"), LineNotice::QuantityReduced { to: 2 }),
                (key("a", "mug"), LineNotice::SoldOut),
            ]
        );
        let tee_line = cart.line(&key("a", "tee")).expect("kept");
        assert_eq!(
            (tee_line.quantity(), tee_line.estimate().unit_price()),
            (2, usd(2199))
        );
        assert!(cart.line(&key("a", "mug")).is_some_and(Line::sold_out));
        assert!(
            cart.line(&key("b", "pin"))
                .is_some_and(|l| l.notices().is_empty())
        );
        assert_eq!(LineNotice::SoldOut.message(), Msg::SoldOutRemove);

        // Back in stock at the same price: nothing to say any more.
        let said = cart.reconcile(&[Fresh {
            key: key("a", "mug"),
            price: Some(usd(1250)),
            available: true,
            max_quantity: None,
        }]);
        assert!(said.is_empty());
        assert!(cart.line(&key("a", "mug")).is_some_and(|l| !l.sold_out()));
    }

    #[test]
    fn stored_carts_round_trip_with_a_version() {
        let mut cart = Cart::new();
        cart.add(
            key("a", "tee"),
            tee(usd(1999)).with_max_quantity(Some(3)),
            2,
            0,
        )
        .expect("added");
        cart.add(key("b", "mug"), Estimate::new("Mug", eur(1250)), 1, 0)
            .expect("added");
        let json = cart.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(value["v"], 1);
        assert_eq!(value["lines"][0]["endpoint"], "/shops/a");
        assert_eq!(value["lines"][0]["unit_price"]["currency"], "USD");
        let loaded = Cart::from_json(&json);
        assert_eq!(loaded.notice, None);
        assert!(loaded.may_save());
        assert_eq!(loaded.cart.lines(), cart.lines());
    }

    #[test]
    fn a_stored_value_that_is_not_a_cart_gives_an_empty_cart_and_a_notice() {
        for (text, notice) in [
            ("", LoadNotice::Corrupt),
            ("null", LoadNotice::Corrupt),
            ("[]", LoadNotice::Corrupt),
            (r#"{"lines":[]}"#, LoadNotice::Corrupt),
            (r#"{"v":"1","lines":[]}"#, LoadNotice::Corrupt),
            (r#"{"v":0,"lines":[]}"#, LoadNotice::Corrupt),
            (r#"{"v":1,"lines":{}}"#, LoadNotice::Corrupt),
            (r#"{"v":1,"lines":[]"#, LoadNotice::Corrupt),
            (r#"{"v":2,"lines":[],"more":true}"#, LoadNotice::Newer(2)),
        ] {
            let loaded = Cart::from_json(text);
            assert!(loaded.cart.is_empty(), "{text}");
            assert_eq!(loaded.notice, Some(notice), "{text}");
        }
        assert!(
            !Cart::from_json(r#"{"v":9}"#).may_save(),
            "a newer cart is not written over"
        );
        assert_eq!(
            Cart::from_json(r#"{"v":9}"#)
                .notice
                .and_then(|n| n.message()),
            None
        );
        let big = format!(
            r#"{{"v":1,"lines":[],"pad":"{}"}}"#,
            "x".repeat(MAX_STORED_BYTES)
        );
        assert_eq!(Cart::from_json(&big).notice, Some(LoadNotice::TooLarge));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(Cart::from_json(&deep).notice, Some(LoadNotice::Corrupt));
    }

    #[test]
    fn bad_stored_lines_are_dropped_and_the_good_ones_kept() {
        let good = r#"{"endpoint":"/shops/a","feed":"f","product":"p","variant":"v","quantity":2,
            "title":"Tee","unit_price":{"amount":100,"currency":"USD"},"image":"javascript:x"}"#;
        let text = format!(
            r#"{{"v":1,"lines":[{good},
            {{"endpoint":"javascript:x","feed":"f","product":"p","variant":"v","quantity":1,"title":"t","unit_price":{{"amount":1,"currency":"USD"}}}},
            {{"endpoint":"/shops/a","feed":"f","product":"p","variant":"w","quantity":0,"title":"t","unit_price":{{"amount":1,"currency":"USD"}}}},
            {{"endpoint":"/shops/a","feed":"f","product":"p","variant":"x","quantity":1,"title":"t","unit_price":{{"amount":-1,"currency":"USD"}}}},
            {{"endpoint":"/shops/a","feed":"f","product":"p","variant":"y","quantity":1,"title":"t","unit_price":{{"amount":1,"currency":"usd"}}}},
            {{"endpoint":"/shops/a","feed":"f","product":"p","variant":"z","quantity":4000000000,"title":"t","unit_price":{{"amount":1,"currency":"USD"}}}},
            {good}, 7, "x", null]}}"#
        );
        let loaded = Cart::from_json(&text);
        assert_eq!(loaded.notice, Some(LoadNotice::LinesDropped(7)));
        let lines = loaded.cart.lines();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (lines[0].key().variant(), lines[0].quantity()),
            ("v", 4),
            "duplicates add up"
        );
        assert_eq!(
            lines[0].estimate().image(),
            None,
            "an unsafe image is dropped"
        );
        assert_eq!(
            (lines[1].key().variant(), lines[1].quantity()),
            ("z", MAX_QUANTITY)
        );
        assert!(loaded.may_save());
    }

    #[test]
    fn a_full_cart_of_the_longest_fields_fits_the_stored_bound() {
        let mut cart = Cart::new();
        let long = "\u{1}\"".repeat(MAX_TITLE_CHARS);
        let id = |n: usize| format!("{n:0>width$}", width = MAX_ID_BYTES);
        let endpoint = format!("https://{}", "e".repeat(MAX_ID_BYTES - 8));
        let image = format!("https://{}", "i".repeat(MAX_IMAGE_URL_BYTES - 8));
        for n in 0..MAX_LINES {
            let key = LineKey::new(&endpoint, &id(n), &id(n), &id(n)).expect("valid");
            let estimate = Estimate::new(&long, usd(u64::MAX))
                .with_variant_label(Some(&long))
                .with_seller(Some(&long))
                .with_image(Some(&image))
                .with_max_quantity(Some(u32::MAX));
            cart.add(key, estimate, MAX_QUANTITY, 0).expect("room");
        }
        let json = cart.to_json();
        assert!(json.len() <= MAX_STORED_BYTES, "{} bytes", json.len());
        assert_eq!(Cart::from_json(&json).cart.lines(), cart.lines());
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::*;

        #[derive(Debug, Clone)]
        enum Op {
            Add {
                shop: u8,
                variant: u8,
                quantity: u32,
                price: u8,
                limit: Option<u8>,
                euro: bool,
            },
            Set {
                at: usize,
                quantity: u32,
            },
            Remove {
                at: usize,
            },
            Undo {
                late: bool,
            },
            Expire,
            Reconcile {
                at: usize,
                available: bool,
                price: u8,
                limit: Option<u8>,
            },
            Merge {
                shop: u8,
            },
            Reload,
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                6 => (0u8..4, 0u8..20, 0u32..150, 0u8..5, proptest::option::of(0u8..8), any::<bool>())
                    .prop_map(|(shop, variant, quantity, price, limit, euro)| Op::Add { shop, variant, quantity, price, limit, euro }),
                2 => (any::<usize>(), 0u32..150).prop_map(|(at, quantity)| Op::Set { at, quantity }),
                1 => any::<usize>().prop_map(|at| Op::Remove { at }),
                2 => any::<bool>().prop_map(|late| Op::Undo { late }),
                1 => Just(Op::Expire),
                2 => (any::<usize>(), any::<bool>(), 0u8..5, proptest::option::of(0u8..8))
                    .prop_map(|(at, available, price, limit)| Op::Reconcile { at, available, price, limit }),
                1 => (0u8..4).prop_map(|shop| Op::Merge { shop }),
                1 => Just(Op::Reload),
            ]
        }

        fn money(price: u8, euro: bool) -> Money {
            let code = if euro { "EUR" } else { "USD" };
            Money::new(
                u64::from(price) * 250,
                Currency::parse(code).expect("valid"),
            )
        }

        /// A cart's lines without their notices (which are not stored).
        type Plain = Vec<(LineKey, u32, Estimate)>;

        fn plain(cart: &Cart) -> Plain {
            cart.lines()
                .iter()
                .map(|l| (l.key.clone(), l.quantity, l.estimate.clone()))
                .collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            /// Whatever the buyer does, the count is the sum of the quantities, no product
            /// variant has two lines, every quantity is within its limit, the cart is bounded,
            /// an undo in time restores exactly the cart before the add, and the stored value
            /// reads back as the same cart.
            #[test]
            fn cart_invariants(ops in proptest::collection::vec(op(), 1..80)) {
                let mut cart = Cart::new();
                let mut now = 0u64;
                let mut last: Option<(UndoTicket, Plain)> = None;
                for op in ops {
                    now += 700;
                    let keys: Vec<LineKey> = cart.lines().iter().map(|l| l.key.clone()).collect();
                    let pick = |at: usize| (!keys.is_empty()).then(|| keys[at % keys.len()].clone());
                    match op {
                        Op::Add { shop, variant, quantity, price, limit, euro } => {
                            let before = plain(&cart);
                            let estimate = Estimate::new("t", money(price, euro))
                                .with_max_quantity(limit.map(u32::from));
                            let key = key(&shop.to_string(), &variant.to_string());
                            match cart.add(key.clone(), estimate, quantity, now) {
                                Ok(added) => {
                                    prop_assert_eq!(cart.quantity_of(&key), added.quantity);
                                    last = Some((added.undo, before));
                                }
                                Err(CartError::Full) => prop_assert_eq!(before.len(), MAX_LINES),
                                Err(CartError::Invalid(_)) => prop_assert_eq!(quantity, 0),
                                Err(other) => prop_assert!(false, "{other:?}"),
                            }
                        }
                        Op::Set { at, quantity } => {
                            if let Some(key) = pick(at) {
                                let kept = cart.set_quantity(&key, quantity);
                                prop_assert_eq!(kept, Ok(cart.quantity_of(&key)));
                            }
                        }
                        Op::Remove { at } => {
                            if let Some(key) = pick(at) {
                                prop_assert!(cart.remove(&key).is_some());
                            }
                        }
                        Op::Undo { late } => {
                            if let Some((ticket, before)) = last.take() {
                                let at = if late { now + UNDO_WINDOW_MS + 1 } else { now };
                                let could = cart.can_undo(ticket, at);
                                prop_assert_eq!(cart.undo(ticket, at).is_ok(), could);
                                if could {
                                    prop_assert_eq!(plain(&cart), before, "undo restores the cart before the add");
                                }
                            }
                        }
                        Op::Expire => {
                            if let Some((ticket, _)) = &last {
                                cart.expire_undo(*ticket);
                                prop_assert!(!cart.can_undo(*ticket, now));
                            }
                        }
                        Op::Reconcile { at, available, price, limit } => {
                            if let Some(line) = pick(at).and_then(|key| cart.line(&key).cloned()) {
                                let price = Money::new(u64::from(price) * 250, line.estimate.unit_price.currency);
                                cart.reconcile(&[Fresh { key: line.key, price: Some(price), available, max_quantity: limit.map(u32::from) }]);
                            }
                        }
                        Op::Merge { shop } => {
                            let mut other = Cart::new();
                            for (n, line) in cart.lines().iter().enumerate().filter(|(n, _)| n % 2 == 0) {
                                other.add(line.key.clone(), line.estimate.clone(), (n as u32 % 3) + 1, now).ok();
                            }
                            other.add(key(&shop.to_string(), "merged"), Estimate::new("m", money(1, false)), 2, now).ok();
                            let merged = Cart::merge(&other, &cart);
                            // No unit is invented: each line has the larger of its two quantities.
                            for line in merged.cart.lines() {
                                let most = cart.quantity_of(&line.key).max(other.quantity_of(&line.key));
                                prop_assert!(line.quantity <= most);
                            }
                            let twice = Cart::merge(&other, &merged.cart);
                            prop_assert_eq!(twice.cart.lines(), merged.cart.lines(), "merging twice changes nothing");
                            cart = merged.cart;
                        }
                        Op::Reload => {
                            let loaded = Cart::from_json(&cart.to_json());
                            prop_assert_eq!(loaded.notice, None);
                            cart = loaded.cart;
                        }
                    }
                    // Invariants.
                    let sum: u32 = cart.lines().iter().map(|l| l.quantity).sum();
                    prop_assert_eq!(cart.count(), sum);
                    prop_assert!(cart.lines().len() <= MAX_LINES);
                    let mut keys: Vec<&LineKey> = cart.lines().iter().map(|l| &l.key).collect();
                    keys.sort();
                    keys.dedup();
                    prop_assert_eq!(keys.len(), cart.lines().len(), "one line per product variant");
                    for line in cart.lines() {
                        prop_assert!((1..=line.estimate.limit()).contains(&line.quantity), "{:?}", line);
                    }
                    let grouped: usize = cart.groups().iter().map(|g| g.lines.len()).sum();
                    prop_assert_eq!(grouped, cart.lines().len());
                    let json = cart.to_json();
                    prop_assert!(json.len() <= MAX_STORED_BYTES);
                    prop_assert_eq!(plain(&Cart::from_json(&json).cart), plain(&cart));
                }
            }

            /// Whatever is stored, reading it never panics and gives a bounded, valid cart.
            #[test]
            fn any_stored_value_reads_safely(text in ".{0,400}", cut in any::<usize>(), byte in any::<u8>()) {
                for text in [text.clone(), mangled(cut, byte)] {
                    let loaded = Cart::from_json(&text);
                    prop_assert!(loaded.cart.lines().len() <= MAX_LINES);
                    for line in loaded.cart.lines() {
                        prop_assert!((1..=line.estimate.limit()).contains(&line.quantity));
                    }
                }
            }
        }

        /// A valid stored cart with one byte changed or the text cut short.
        fn mangled(cut: usize, byte: u8) -> String {
            let mut cart = Cart::new();
            cart.add(key("a", "v"), Estimate::new("Tee", money(3, false)), 2, 0)
                .ok();
            cart.add(key("b", "w"), Estimate::new("Mug", money(2, true)), 1, 0)
                .ok();
            let mut bytes = cart.to_json().into_bytes();
            let at = cut % bytes.len();
            if byte.is_multiple_of(2) {
                bytes.truncate(at);
            } else {
                bytes[at] = byte;
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}
