//! The page-wide cart: one [`Cart`] behind one signal that every element subscribes to (each
//! `<buy-card>` and `<buy-cart>` has its own shadow root and reactive owner, so the store lives
//! outside all of them), where it is kept, and the host page's API.
//!
//! Where it is kept:
//! - A visitor's cart is in `localStorage` (`buycard.cart`, [`Cart::to_json`]); a value that
//!   cannot be read gives an empty cart and a notice, and the `storage` event keeps other tabs in
//!   step.
//! - Once a wallet base is known (a `wallet` attribute) and the page has a cart, `GET
//!   {wallet}/cart` asks whether the buyer is signed in. 200: the platform keeps the cart from
//!   then on (a non-empty visitor cart is merged into it first, then cleared from this browser);
//!   401 or anything else: the visitor cart stays.
//!
//! Every change is made here first (adding is instant), then, for a signed-in buyer, queued for
//! the platform with an `Idempotency-Key` (one per operation, the same on every retry) and sent
//! in order; one the platform did not take is sent again, later, until it does. The platform's
//! answer replaces the cart only when nothing is left to send and its lines differ from ours
//! (another device changed it), so an undo ticket survives the round trip.
//!
//! The host page: `window.buycard.cart.add({endpoint, feed, product, variant, quantity})`
//! (a Promise), the same object as the `detail` of a `buycard:add-to-cart` event dispatched on
//! `document`, and `buycard:cart` on `document` after every change.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use gloo_net::http::{Method, RequestBuilder};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::checkout::idempotency_key;
use super::feed;
use super::track::Deadline;
use crate::core::card::CardModel;
use crate::core::cart::{
    Added, Cart, CartError, Estimate, Fresh, LineKey, LineNotice, LoadNotice, Loaded, UndoTicket,
};
use crate::core::money::{Currency, Money};
use crate::core::url::endpoint_base;

/// The `localStorage` key of a visitor's cart.
pub const STORAGE_KEY: &str = "buycard.cart";
/// How long one request to the platform's cart API may take.
const TIMEOUT_MS: i32 = 15_000;
/// Tries of the merge on sign-in (the same Idempotency-Key each time) before leaving the
/// visitor's cart in this browser until the next page.
const ATTEMPTS: u32 = 2;
/// The first wait before a change the platform did not take is sent again; it doubles, up to
/// the second.
const RETRY_FIRST_MS: i32 = 1_000;
const RETRY_MAX_MS: i32 = 30_000;
/// Merges sent on sign-in while the buyer keeps adding, at most.
const MERGE_ROUNDS: u32 = 4;

/// Who keeps the cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeper {
    /// This browser's `localStorage`.
    Visitor,
    /// The platform, for the signed-in buyer.
    Account,
}

struct Store {
    /// Never disposed: the signals below belong to it, not to any element.
    _owner: Owner,
    cart: RwSignal<Cart>,
    /// Whether the host has a cart (a `<buy-cart>` in the page, or the host used the API).
    present: RwSignal<bool>,
    /// Why the stored cart was read as empty (or in part), for the panel.
    notice: RwSignal<Option<LoadNotice>>,
    /// The host API's latest add, for `<buy-cart>` to announce with its Undo.
    host_added: RwSignal<Option<HostAdded>>,
    keeper: Cell<Keeper>,
    wallet: RefCell<Option<String>>,
    /// Whether the stored value may be written over (not one from a newer page).
    may_save: Cell<bool>,
    /// The sign-in check has started (once per page, unless reset).
    checked: Cell<bool>,
    /// Changes not yet taken by the platform, oldest first ([`flush`] sends them).
    outbox: RefCell<VecDeque<Op>>,
    /// A [`flush`] is running.
    flushing: Cell<bool>,
    /// Whether the platform keeps the cart is being asked (on the page's first cart use).
    deciding: Cell<bool>,
    /// Lines removed while that was asked, to remove from the platform's cart if it is adopted.
    removed_meanwhile: RefCell<Vec<LineKey>>,
    /// The platform refused a change: its cart is read again once the outbox is empty.
    stale: Cell<bool>,
    /// Bumped by [`reset`]: answers to requests made before it are dropped.
    epoch: Cell<u64>,
}

thread_local! {
    static STORE: Store = Store::new();
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
}

impl Store {
    fn new() -> Self {
        let owner = Owner::new_root(None);
        let (cart, present, notice, host_added) = owner.with(|| {
            (
                RwSignal::new(Cart::new()),
                RwSignal::new(false),
                RwSignal::new(None),
                RwSignal::new(None),
            )
        });
        let store = Self {
            _owner: owner,
            cart,
            present,
            notice,
            host_added,
            keeper: Cell::new(Keeper::Visitor),
            wallet: RefCell::new(None),
            may_save: Cell::new(true),
            checked: Cell::new(false),
            outbox: RefCell::new(VecDeque::new()),
            flushing: Cell::new(false),
            deciding: Cell::new(false),
            removed_meanwhile: RefCell::new(Vec::new()),
            stale: Cell::new(false),
            epoch: Cell::new(0),
        };
        let loaded = loaded_from(read_storage());
        store.may_save.set(loaded.may_save());
        store.cart.set(loaded.cart);
        store.notice.set(loaded.notice);
        store
    }
}

fn with<R>(f: impl FnOnce(&Store) -> R) -> R {
    STORE.with(f)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn read_storage() -> Option<String> {
    storage()?.get_item(STORAGE_KEY).ok().flatten()
}

fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// The cart, for views (subscribe with `with`/`get`).
pub fn cart() -> RwSignal<Cart> {
    with(|s| s.cart)
}

/// Whether the page has a cart (cards offer "Add to cart" by default when it does).
pub fn present() -> RwSignal<bool> {
    with(|s| s.present)
}

/// The stored cart's load notice.
pub fn load_notice() -> RwSignal<Option<LoadNotice>> {
    with(|s| s.notice)
}

/// An add made through the host's API (a card's own add is announced by the card).
#[derive(Debug, Clone, PartialEq)]
pub struct HostAdded {
    pub key: LineKey,
    pub title: String,
    pub undo: UndoTicket,
    /// Units of this line in the cart after the add.
    pub quantity: u32,
}

/// The host API's latest add: `<buy-cart>` shows it with Undo and says it.
pub fn host_added() -> RwSignal<Option<HostAdded>> {
    with(|s| s.host_added)
}

/// Units in the cart.
pub fn count() -> u32 {
    with(|s| s.cart.with_untracked(Cart::count))
}

/// Who keeps the cart now.
pub fn keeper() -> Keeper {
    with(|s| s.keeper.get())
}

/// The page has a cart: a `<buy-cart>` connected, or the host used the API.
pub fn mark_present() {
    let newly = with(|s| {
        let was = s.present.get_untracked();
        if !was {
            s.present.set(true);
        }
        !was
    });
    if newly {
        check_account();
    }
}

/// The host's wallet API base (from a `wallet` attribute); the first one named is used.
pub fn set_wallet(raw: Option<&str>) {
    let Some(base) = raw.and_then(endpoint_base) else {
        return;
    };
    let set = with(|s| {
        let mut wallet = s.wallet.borrow_mut();
        if wallet.is_some() {
            return false;
        }
        *wallet = Some(base.to_owned());
        true
    });
    if set {
        check_account();
    }
}

/// Changes the cart, then keeps it (visitor) and tells the page.
fn change<R>(f: impl FnOnce(&mut Cart) -> R) -> R {
    let (cart, keeper) = with(|s| (s.cart, s.keeper.get()));
    // On a copy (at most MAX_LINES lines): the signal is set once, after the change.
    let mut next = cart.get_untracked();
    let out = f(&mut next);
    cart.set(next);
    if keeper == Keeper::Visitor {
        save_local();
    }
    emit_changed();
    out
}

fn save_local() {
    let (may_save, json) = with(|s| (s.may_save.get(), s.cart.with_untracked(Cart::to_json)));
    if may_save && let Some(storage) = storage() {
        _ = storage.set_item(STORAGE_KEY, &json);
    }
}

/// `buycard:cart` on `document`: `{count, lines: [{endpoint, feed, product, variant, quantity}]}`.
fn emit_changed() {
    let detail = js_sys::Object::new();
    let lines = js_sys::Array::new();
    let count = with(|s| {
        s.cart.with_untracked(|cart| {
            for line in cart.lines() {
                let key = line.key();
                let entry = js_sys::Object::new();
                for (name, value) in [
                    ("endpoint", key.endpoint()),
                    ("feed", key.feed()),
                    ("product", key.product()),
                    ("variant", key.variant()),
                ] {
                    _ = js_sys::Reflect::set(&entry, &name.into(), &value.into());
                }
                _ = js_sys::Reflect::set(&entry, &"quantity".into(), &line.quantity().into());
                lines.push(&entry);
            }
            cart.count()
        })
    });
    _ = js_sys::Reflect::set(&detail, &"count".into(), &count.into());
    _ = js_sys::Reflect::set(&detail, &"lines".into(), &lines);
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    let document = web_sys::window().and_then(|w| w.document());
    if let (Some(document), Ok(event)) = (
        document,
        web_sys::CustomEvent::new_with_event_init_dict("buycard:cart", &init),
    ) {
        _ = document.dispatch_event(&event);
    }
}

/// Adds units of a product variant (the card's Add to cart, the host's API).
pub fn add(key: LineKey, estimate: Estimate, quantity: u32) -> Result<Added, CartError> {
    let added = change(|cart| cart.add(key.clone(), estimate, quantity, now_ms()))?;
    if keeper() == Keeper::Account {
        let line = with(|s| s.cart.with_untracked(|c| c.line(&key).cloned()));
        if let Some(line) = line {
            // The stored format of the one line, with the quantity added (the platform adds it).
            let mut one = Cart::new();
            let (k, e) = (line.key().clone(), line.estimate().clone());
            if one.add(k, e, quantity, 0).is_ok() {
                sync("/cart/add", one.to_json());
            }
        }
    }
    Ok(added)
}

/// Takes back an add while its Undo is shown.
pub fn undo(ticket: UndoTicket, key: &LineKey) -> Result<(), CartError> {
    change(|cart| cart.undo(ticket, now_ms()))?;
    if keeper() == Keeper::Account {
        let quantity = with(|s| s.cart.with_untracked(|c| c.quantity_of(key)));
        sync("/cart/set", set_body(key, quantity));
    }
    Ok(())
}

/// The Undo of `ticket` is no longer shown.
pub fn expire_undo(ticket: UndoTicket) {
    with(|s| s.cart.update_untracked(|cart| cart.expire_undo(ticket)));
}

/// The stepper: 0 removes the line.
pub fn set_quantity(key: &LineKey, quantity: u32) -> Result<u32, CartError> {
    let kept = change(|cart| cart.set_quantity(key, quantity))?;
    if keeper() == Keeper::Account {
        sync("/cart/set", set_body(key, kept));
    }
    Ok(kept)
}

/// Removes lines (the panel's Remove, a sold-out line's button).
pub fn remove(keys: &[LineKey]) {
    change(|cart| cart.remove_all(keys));
    with(|s| {
        if s.deciding.get() {
            s.removed_meanwhile.borrow_mut().extend_from_slice(keys);
        }
    });
    if keeper() == Keeper::Account {
        let keys: Vec<serde_json::Value> = keys.iter().map(key_json).collect();
        sync(
            "/cart/remove",
            serde_json::json!({ "keys": keys }).to_string(),
        );
    }
}

/// Brings estimates up to date with the feeds (when the panel opens).
pub fn reconcile(fresh: &[Fresh]) {
    if fresh.is_empty() {
        return;
    }
    let said = change(|cart| cart.reconcile(fresh));
    if keeper() == Keeper::Account {
        for (key, notice) in said {
            if let LineNotice::QuantityReduced { to } = notice {
                sync("/cart/set", set_body(&key, to));
            }
        }
    }
}

fn key_json(key: &LineKey) -> serde_json::Value {
    serde_json::json!({
        "endpoint": key.endpoint(),
        "feed": key.feed(),
        "product": key.product(),
        "variant": key.variant(),
    })
}

fn set_body(key: &LineKey, quantity: u32) -> String {
    let mut body = key_json(key);
    body["quantity"] = quantity.into();
    body.to_string()
}

/// What the lines cost and whether they can be bought now, for the panel: the platform's
/// estimate when the host has a wallet (each merchant's own ACP cart where it keeps one, else
/// its feed, as the gateway reads them), else the feeds read from here. Lines neither source
/// covers are left as they are.
pub async fn fresh() -> Vec<Fresh> {
    match fresh_from_platform().await {
        Some(fresh) => fresh,
        None => fresh_from_feeds().await,
    }
}

/// The gateway's answer to `POST {wallet}/cart/estimate`, as far as the panel reads it.
#[derive(serde::Deserialize)]
struct Estimates {
    shops: Vec<ShopEstimate>,
}

#[derive(serde::Deserialize)]
struct ShopEstimate {
    endpoint: String,
    source: String,
    currency: Option<String>,
    lines: Vec<LineEstimate>,
}

#[derive(serde::Deserialize)]
struct LineEstimate {
    product: String,
    variant: String,
    unit_amount: Option<u64>,
    available: bool,
}

async fn fresh_from_platform() -> Option<Vec<Fresh>> {
    let url = wallet_url("/cart/estimate")?;
    let cart = with(|s| s.cart.with_untracked(Cart::clone));
    if cart.is_empty() {
        return Some(Vec::new());
    }
    let Some((200, text)) = call(Method::POST, &url, None, Some(&cart.to_json())).await else {
        return None;
    };
    let answer: Estimates = serde_json::from_str(&text).ok()?;
    let mut fresh = Vec::new();
    for line in cart.lines() {
        let key = line.key();
        // A shop that is not on the platform says nothing about its lines.
        let Some(shop) = answer
            .shops
            .iter()
            .find(|s| s.endpoint == key.endpoint() && s.source != "unknown")
        else {
            continue;
        };
        let Some(estimate) = shop
            .lines
            .iter()
            .find(|l| l.product == key.product() && l.variant == key.variant())
        else {
            continue;
        };
        let currency = shop
            .currency
            .as_deref()
            .and_then(|c| Currency::parse(&c.to_ascii_uppercase()).ok());
        fresh.push(Fresh {
            key: key.clone(),
            price: estimate
                .unit_amount
                .zip(currency)
                .map(|(minor, currency)| Money::new(minor, currency)),
            available: estimate.available,
            max_quantity: None,
        });
    }
    Some(fresh)
}

/// The current feed data of every line (lines whose feed cannot be read now are left alone).
async fn fresh_from_feeds() -> Vec<Fresh> {
    let keys: Vec<LineKey> = with(|s| {
        s.cart
            .with_untracked(|c| c.lines().iter().map(|l| l.key().clone()).collect())
    });
    let mut fresh = Vec::new();
    for key in keys {
        let Some(base) = endpoint_base(key.endpoint()) else {
            continue;
        };
        let Ok(catalog) = feed::products(&feed::products_url(base, key.feed())).await else {
            continue;
        };
        match CardModel::from_catalog(&catalog, key.product(), Some(key.variant())) {
            Ok(model) if model.variant_id == key.variant() => {
                fresh.push(Fresh::from_card(key, &model));
            }
            // No longer in the feed: it cannot be bought.
            _ => fresh.push(Fresh {
                key,
                price: None,
                available: false,
                max_quantity: None,
            }),
        }
    }
    fresh
}

// ---- The platform's cart API -------------------------------------------------------------

fn wallet_url(path: &str) -> Option<String> {
    with(|s| s.wallet.borrow().as_ref().map(|w| format!("{w}{path}")))
}

/// One request with the host's cookie; `None` when no answer came.
async fn call(
    method: Method,
    url: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let deadline = Deadline::new(TIMEOUT_MS)?;
    let mut builder = RequestBuilder::new(url)
        .method(method)
        .abort_signal(Some(&deadline.signal()))
        .credentials(web_sys::RequestCredentials::Include)
        .header("Accept", "application/json");
    if let Some(key) = key {
        builder = builder.header("Idempotency-Key", key);
    }
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.to_owned()),
        None => builder.build(),
    }
    .ok()?;
    let response = request.send().await.ok()?;
    let status = response.status();
    let text = response.text().await.ok()?;
    Some((status, text))
}

/// A POST with one Idempotency-Key, tried again (same key) when no answer or a 5xx came.
async fn post(url: &str, body: &str) -> Option<(u16, String)> {
    let key = idempotency_key();
    let mut answer = None;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            sleep(500).await;
        }
        answer = call(Method::POST, url, Some(&key), Some(body)).await;
        if matches!(answer, Some((status, _)) if status < 500) {
            break;
        }
    }
    answer
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// One change for the platform, with its Idempotency-Key (the same on every try).
#[derive(Clone)]
struct Op {
    url: String,
    key: String,
    body: String,
}

/// Queues one change for the platform. Changes are sent one at a time, in the order they were
/// made (an add and a later quantity do not commute), each with its own key; see [`flush`].
fn sync(path: &'static str, body: String) {
    let Some(url) = wallet_url(path) else {
        return;
    };
    let key = idempotency_key();
    let start = with(|s| {
        s.outbox.borrow_mut().push_back(Op { url, key, body });
        !s.flushing.replace(true)
    });
    if start {
        leptos::task::spawn_local(flush());
    }
}

/// Sends the queued changes. A change that gets no answer (or a 5xx, or a 409 that says to
/// retry) is tried again with the same key, waiting longer each time (up to 30 s), and holds
/// the changes after it: nothing made in this browser is left out of the platform's cart while
/// the page is open. A change the platform refuses is dropped and the platform's cart read
/// again. The platform's answer replaces the cart only once nothing is left to send.
async fn flush() {
    let epoch = with(|s| s.epoch.get());
    let mut wait = RETRY_FIRST_MS;
    loop {
        if with(|s| s.epoch.get()) != epoch {
            break;
        }
        let Some(op) = with(|s| s.outbox.borrow().front().cloned()) else {
            break;
        };
        let answer = call(Method::POST, &op.url, Some(&op.key), Some(&op.body)).await;
        if with(|s| s.epoch.get()) != epoch {
            break;
        }
        let retry = match &answer {
            None => true,
            Some((status, _)) => *status >= 500 || *status == 409 || *status == 429,
        };
        if retry {
            sleep(wait).await;
            wait = (wait * 2).min(RETRY_MAX_MS);
            continue;
        }
        wait = RETRY_FIRST_MS;
        let last = with(|s| {
            let mut outbox = s.outbox.borrow_mut();
            outbox.pop_front();
            outbox.is_empty()
        });
        match answer {
            Some((200, text)) if last => apply_account(Cart::from_json(&text).cart),
            Some((200, _)) => {}
            // Refused (signed out meanwhile, or a change the platform cannot take): its copy
            // is the truth; read it again once the rest is sent.
            _ => with(|s| s.stale.set(true)),
        }
    }
    let refetch = with(|s| {
        // After a reset or a sign-in change, the flush of the new epoch owns the flag.
        if s.epoch.get() != epoch {
            return false;
        }
        s.flushing.set(false);
        s.outbox.borrow().is_empty() && s.stale.replace(false)
    });
    if refetch
        && let Some(url) = wallet_url("/cart")
        && let Some((200, text)) = call(Method::GET, &url, None, None).await
        && with(|s| s.epoch.get() == epoch && s.outbox.borrow().is_empty())
    {
        apply_account(Cart::from_json(&text).cart);
    }
}

/// Keys and quantities, in order: what both sides must agree on.
fn shape(cart: &Cart) -> Vec<(LineKey, u32)> {
    cart.lines()
        .iter()
        .map(|l| (l.key().clone(), l.quantity()))
        .collect()
}

/// The platform's cart becomes ours when it differs.
fn apply_account(account: Cart) {
    let cart = with(|s| s.cart);
    if cart.with_untracked(|c| shape(c) != shape(&account)) {
        cart.set(account);
        emit_changed();
    }
}

/// Once a wallet is known and the page has a cart: is the buyer signed in?
fn check_account() {
    let ready = with(|s| {
        let ready = s.present.get_untracked() && s.wallet.borrow().is_some() && !s.checked.get();
        if ready {
            s.checked.set(true);
        }
        ready
    });
    let Some(url) = ready.then(|| wallet_url("/cart")).flatten() else {
        return;
    };
    let epoch = with(|s| s.epoch.get());
    with(|s| s.deciding.set(true));
    leptos::task::spawn_local(async move {
        adopt_account(url, epoch).await;
        with(|s| {
            s.deciding.set(false);
            s.removed_meanwhile.borrow_mut().clear();
        });
    });
}

/// Asks whether the buyer is signed in and, if so, makes the platform's cart this page's cart
/// (with the visitor's lines merged in).
async fn adopt_account(url: String, epoch: u64) {
    let current = move || with(|s| s.epoch.get()) == epoch;
    let Some((200, text)) = call(Method::GET, &url, None, None).await else {
        return; // 401 (signed out) or no answer: the visitor cart stays.
    };
    if !current() {
        return;
    }
    let account = Cart::from_json(&text).cart;
    let Some(merge_url) = wallet_url("/cart/merge") else {
        return;
    };
    // The visitor's lines go into the account. Adds made while a merge is on its way are
    // merged by the next one (merging is idempotent: the larger quantity is kept), so the
    // account's answer never overwrites a line this browser has and it has not.
    let mut sent = with(|s| s.cart.with_untracked(Cart::clone));
    if sent.is_empty() {
        become_account(account);
        return;
    }
    for _ in 0..MERGE_ROUNDS {
        let Some((200, text)) = post(&merge_url, &sent.to_json()).await else {
            return; // Not merged: the visitor cart stays, in this browser.
        };
        if !current() {
            return;
        }
        let Ok(answer) = serde_json::from_str::<serde_json::Value>(&text) else {
            return;
        };
        let Some(merged) = answer.get("cart") else {
            return;
        };
        let dropped = answer
            .get("left_out")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        let now = with(|s| s.cart.with_untracked(Cart::clone));
        if shape(&now) != shape(&sent) {
            sent = now;
            continue;
        }
        if let Some(storage) = storage() {
            _ = storage.remove_item(STORAGE_KEY);
        }
        become_account(Cart::from_json(&merged.to_string()).cart);
        if dropped > 0 {
            with(|s| {
                s.notice
                    .set(Some(LoadNotice::LinesDropped(dropped as usize)))
            });
        }
        return;
    }
}

/// The platform's cart becomes this page's. Lines removed here while that was being decided
/// (a checkout's placed lines, picked up after a reload) are removed from it too.
fn become_account(mut account: Cart) {
    let removed = with(|s| {
        s.keeper.set(Keeper::Account);
        std::mem::take(&mut *s.removed_meanwhile.borrow_mut())
    });
    if !removed.is_empty() {
        account.remove_all(&removed);
    }
    apply_account(account);
    if !removed.is_empty() {
        let keys: Vec<serde_json::Value> = removed.iter().map(key_json).collect();
        sync(
            "/cart/remove",
            serde_json::json!({ "keys": keys }).to_string(),
        );
    }
}

// ---- The host page's API -----------------------------------------------------------------

/// Why the host's add was refused: the `code` of the rejected Promise's error.
fn refusal(code: &str) -> JsValue {
    let error = js_sys::Error::new(&format!("buycard: cannot add to cart ({code})"));
    _ = js_sys::Reflect::set(&error, &"code".into(), &code.into());
    error.into()
}

fn text_field(detail: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(detail, &name.into())
        .ok()
        .and_then(|v| v.as_string())
        .filter(|v| !v.trim().is_empty())
}

/// The host's add: the estimate (title, price, photo) comes from the feed, never from the host.
async fn host_add(detail: JsValue) -> Result<JsValue, JsValue> {
    mark_present();
    let (Some(endpoint), Some(feed_id), Some(product)) = (
        text_field(&detail, "endpoint"),
        text_field(&detail, "feed"),
        text_field(&detail, "product"),
    ) else {
        return Err(refusal("invalid"));
    };
    let variant = text_field(&detail, "variant");
    let quantity = match js_sys::Reflect::get(&detail, &"quantity".into())
        .ok()
        .filter(|q| !q.is_undefined() && !q.is_null())
    {
        None => 1,
        Some(q) => match q.as_f64() {
            Some(q) if q.fract() == 0.0 && (1.0..=99.0).contains(&q) => q as u32,
            _ => return Err(refusal("invalid")),
        },
    };
    let base = endpoint_base(&endpoint).ok_or_else(|| refusal("invalid"))?;
    let catalog = feed::products(&feed::products_url(base, &feed_id))
        .await
        .map_err(|_| refusal("feed_unavailable"))?;
    let model = CardModel::from_catalog(&catalog, &product, variant.as_deref())
        .map_err(|_| refusal("not_found"))?;
    if !model.availability.is_buyable() {
        return Err(refusal("sold_out"));
    }
    let estimate = Estimate::from_card(&model).ok_or_else(|| refusal("no_price"))?;
    let key = LineKey::new(&endpoint, &feed_id, &product, &model.variant_id)
        .map_err(|_| refusal("invalid"))?;
    let title = estimate.title().to_owned();
    let added = add(key.clone(), estimate, quantity).map_err(|e| {
        refusal(match e {
            CartError::Full => "full",
            _ => "invalid",
        })
    })?;
    with(|s| {
        s.host_added.set(Some(HostAdded {
            key,
            title,
            undo: added.undo,
            quantity: added.quantity,
        }))
    });
    let answer = js_sys::Object::new();
    _ = js_sys::Reflect::set(&answer, &"quantity".into(), &added.quantity.into());
    _ = js_sys::Reflect::set(&answer, &"count".into(), &count().into());
    Ok(answer.into())
}

/// `window.buycard.cart.add`, the `buycard:add-to-cart` listener and the `storage` listener: once
/// per page, for the page's life.
pub fn install() {
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let add_fn = Closure::<dyn Fn(JsValue) -> js_sys::Promise>::new(|detail| {
        wasm_bindgen_futures::future_to_promise(host_add(detail))
    });
    let buycard = js_sys::Reflect::get(&window, &"buycard".into())
        .ok()
        .filter(JsValue::is_object)
        .unwrap_or_else(|| js_sys::Object::new().into());
    let api = js_sys::Object::new();
    _ = js_sys::Reflect::set(&api, &"add".into(), add_fn.as_ref());
    _ = js_sys::Reflect::set(&buycard, &"cart".into(), &api);
    _ = js_sys::Reflect::set(&window, &"buycard".into(), &buycard);
    add_fn.forget();

    let on_event = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let detail = event
            .dyn_ref::<web_sys::CustomEvent>()
            .map(web_sys::CustomEvent::detail)
            .unwrap_or(JsValue::UNDEFINED);
        leptos::task::spawn_local(async move {
            _ = host_add(detail).await;
        });
    });
    if let Some(document) = window.document() {
        _ = document.add_event_listener_with_callback(
            "buycard:add-to-cart",
            on_event.as_ref().unchecked_ref(),
        );
    }
    on_event.forget();

    // Another tab changed the visitor's cart.
    let on_storage = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let key = js_sys::Reflect::get(&event, &"key".into())
            .ok()
            .and_then(|k| k.as_string());
        if key.as_deref() != Some(STORAGE_KEY) || keeper() != Keeper::Visitor {
            return;
        }
        load_from(read_storage());
    });
    _ = window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    on_storage.forget();

    // The host's visitor signed in or out without a reload.
    let on_wallet = Closure::<dyn Fn(web_sys::Event)>::new(|_: web_sys::Event| wallet_changed());
    if let Some(document) = window.document() {
        _ = document.add_event_listener_with_callback(
            "buycard:wallet-changed",
            on_wallet.as_ref().unchecked_ref(),
        );
    }
    on_wallet.forget();
}

/// The host says its visitor signed in or out (`buycard:wallet-changed`): whoever the cart was
/// kept for may no longer be the one at the page. Answers and changes on their way for the
/// previous visitor are dropped; an account's cart leaves the page (this browser's visitor cart,
/// if any, takes its place), and the sign-in check runs again, so a buyer who just signed in gets
/// their account's cart with the visitor's lines merged into it, as after a reload.
pub fn wallet_changed() {
    let was_account = with(|s| {
        s.epoch.set(s.epoch.get() + 1);
        s.outbox.borrow_mut().clear();
        s.flushing.set(false);
        s.stale.set(false);
        s.deciding.set(false);
        s.removed_meanwhile.borrow_mut().clear();
        s.checked.set(false);
        s.keeper.replace(Keeper::Visitor) == Keeper::Account
    });
    if was_account {
        load_from(read_storage());
    }
    check_account();
}

/// What `localStorage` holds, read: nothing stored yet is an empty cart, not an unreadable one.
fn loaded_from(text: Option<String>) -> Loaded {
    match text {
        None => Loaded {
            cart: Cart::new(),
            notice: None,
        },
        Some(text) => Cart::from_json(&text),
    }
}

/// Reads the visitor's cart from `text` (what `localStorage` holds), without writing it back.
fn load_from(text: Option<String>) {
    let loaded = loaded_from(text);
    with(|s| {
        s.may_save.set(loaded.may_save());
        s.notice.set(loaded.notice);
        s.cart.set(loaded.cart);
    });
    emit_changed();
}

/// Reads the visitor's cart from `localStorage` again, as at page load.
#[doc(hidden)]
pub fn reload() {
    load_from(read_storage());
}

/// Back to a fresh page's store (tests share one page): an empty visitor cart, no wallet, no
/// sign-in check made, nothing stored (nor a cart checkout kept for a reload).
#[doc(hidden)]
pub fn reset() {
    if let Some(storage) = storage() {
        _ = storage.remove_item(STORAGE_KEY);
    }
    super::cart_pay::forget_progress();
    with(|s| {
        s.keeper.set(Keeper::Visitor);
        *s.wallet.borrow_mut() = None;
        s.checked.set(false);
        s.may_save.set(true);
        s.outbox.borrow_mut().clear();
        s.flushing.set(false);
        s.stale.set(false);
        s.deciding.set(false);
        s.removed_meanwhile.borrow_mut().clear();
        s.epoch.set(s.epoch.get() + 1);
        s.notice.set(None);
        s.cart.set(Cart::new());
    });
}
