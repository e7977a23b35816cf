//! Accounting of what the component holds on to, so tests can prove that removing cards releases
//! everything: mounted cards, live Leptos views, pending timers, feed fetches started.

use std::cell::Cell;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

thread_local! {
    static CARDS: Cell<usize> = const { Cell::new(0) };
    static VIEWS: Cell<usize> = const { Cell::new(0) };
    static TIMERS: Cell<usize> = const { Cell::new(0) };
    static FETCHES: Cell<usize> = const { Cell::new(0) };
}

fn bump(counter: &'static std::thread::LocalKey<Cell<usize>>, up: bool) {
    counter.with(|c| {
        c.set(if up {
            c.get() + 1
        } else {
            c.get().saturating_sub(1)
        })
    });
}

/// Live counts, for tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Elements with a mounted view (connected, not yet disconnected).
    pub cards: usize,
    /// Card components whose reactive owner has not been disposed.
    pub views: usize,
    /// Timers scheduled and neither fired nor cleared.
    pub timers: usize,
    /// Feed requests sent since the page loaded (a page of cards should send one per feed).
    pub feed_fetches: usize,
}

pub fn stats() -> Stats {
    Stats {
        cards: CARDS.with(Cell::get),
        views: VIEWS.with(Cell::get),
        timers: TIMERS.with(Cell::get),
        feed_fetches: FETCHES.with(Cell::get),
    }
}

pub(crate) fn card_mounted(up: bool) {
    bump(&CARDS, up);
}

pub(crate) fn view_alive(up: bool) {
    bump(&VIEWS, up);
}

pub(crate) fn fetch_started() {
    bump(&FETCHES, true);
}

/// A `setTimeout` that is cleared when dropped. Firing or dropping releases it exactly once.
pub struct Timeout {
    id: Option<i32>,
    fired: std::rc::Rc<Cell<bool>>,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    pub fn new(millis: i32, callback: impl FnOnce() + 'static) -> Option<Self> {
        let window = web_sys::window()?;
        let fired = std::rc::Rc::new(Cell::new(false));
        let mut callback = Some(callback);
        let flag = fired.clone();
        let closure = Closure::<dyn FnMut()>::new(move || {
            if let Some(callback) = callback.take() {
                flag.set(true);
                bump(&TIMERS, false);
                callback();
            }
        });
        let id = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                closure.as_ref().unchecked_ref(),
                millis,
            )
            .ok()?;
        bump(&TIMERS, true);
        Some(Self {
            id: Some(id),
            fired,
            _callback: closure,
        })
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let (Some(id), false) = (self.id.take(), self.fired.get()) {
            if let Some(window) = web_sys::window() {
                window.clear_timeout_with_handle(id);
            }
            bump(&TIMERS, false);
        }
    }
}

/// A request's time limit: its `AbortSignal` fires after `millis`. Dropping the deadline clears
/// the timer, so a finished request leaves nothing pending.
pub struct Deadline {
    controller: web_sys::AbortController,
    expired: std::rc::Rc<Cell<bool>>,
    _timer: Option<Timeout>,
}

impl Deadline {
    pub fn new(millis: i32) -> Option<Self> {
        let controller = web_sys::AbortController::new().ok()?;
        let expired = std::rc::Rc::new(Cell::new(false));
        let timer = {
            let (controller, expired) = (controller.clone(), expired.clone());
            Timeout::new(millis, move || {
                expired.set(true);
                controller.abort();
            })
        };
        Some(Self {
            controller,
            expired,
            _timer: timer,
        })
    }

    pub fn signal(&self) -> web_sys::AbortSignal {
        self.controller.signal()
    }

    /// Whether the request was aborted because its time was up.
    pub fn expired(&self) -> bool {
        self.expired.get()
    }
}
