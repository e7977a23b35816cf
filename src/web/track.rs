//! Accounting of what the component holds on to, so tests can prove that removing cards releases
//! everything: mounted cards, live Leptos views, pending timers, feed fetches started.

use std::cell::Cell;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

thread_local! {
    static CARDS: Cell<usize> = const { Cell::new(0) };
    static WAITING: Cell<usize> = const { Cell::new(0) };
    static VIEWS: Cell<usize> = const { Cell::new(0) };
    static TIMERS: Cell<usize> = const { Cell::new(0) };
    static FETCHES: Cell<usize> = const { Cell::new(0) };
    static LISTENERS: Cell<usize> = const { Cell::new(0) };
    static OBSERVERS: Cell<usize> = const { Cell::new(0) };
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
    /// Elements (cards and banners) with a mounted view (connected, not yet disconnected).
    pub cards: usize,
    /// Cards connected but not near the viewport yet: a placeholder, no view.
    pub waiting: usize,
    /// Card and banner components whose reactive owner has not been disposed.
    pub views: usize,
    /// Timers scheduled and neither fired nor cleared.
    pub timers: usize,
    /// Feed requests sent since the page loaded (a page of cards should send one per feed).
    pub feed_fetches: usize,
    /// Event listeners added on targets that outlive an element (document, media queries).
    pub listeners: usize,
    /// `IntersectionObserver`s observing and not yet disconnected.
    pub observers: usize,
}

pub fn stats() -> Stats {
    Stats {
        cards: CARDS.with(Cell::get),
        waiting: WAITING.with(Cell::get),
        views: VIEWS.with(Cell::get),
        timers: TIMERS.with(Cell::get),
        feed_fetches: FETCHES.with(Cell::get),
        listeners: LISTENERS.with(Cell::get),
        observers: OBSERVERS.with(Cell::get),
    }
}

pub(crate) fn card_mounted(up: bool) {
    bump(&CARDS, up);
}

pub(crate) fn card_waiting(up: bool) {
    bump(&WAITING, up);
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

/// An event listener on a target that outlives the element (the document, a media query list);
/// dropping it removes the listener.
pub struct Listener {
    target: web_sys::EventTarget,
    event: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    pub fn new(
        target: &web_sys::EventTarget,
        event: &'static str,
        callback: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<Self> {
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(callback);
        target
            .add_event_listener_with_callback(event, callback.as_ref().unchecked_ref())
            .ok()?;
        bump(&LISTENERS, true);
        Some(Self {
            target: target.clone(),
            event,
            callback,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        _ = self.target.remove_event_listener_with_callback(
            self.event,
            self.callback.as_ref().unchecked_ref(),
        );
        bump(&LISTENERS, false);
    }
}

/// An `IntersectionObserver` that disconnects when dropped.
pub struct Observer {
    observer: web_sys::IntersectionObserver,
    _callback: Closure<dyn FnMut(js_sys::Array)>,
}

impl Observer {
    /// Observes `targets` within `root` at these visibility thresholds.
    pub fn new(
        root: &web_sys::Element,
        thresholds: &[f64],
        targets: impl IntoIterator<Item = web_sys::Element>,
        callback: impl FnMut(js_sys::Array) + 'static,
    ) -> Option<Self> {
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(callback);
        let init = web_sys::IntersectionObserverInit::new();
        init.set_root(Some(root));
        let list: js_sys::Array = thresholds
            .iter()
            .map(|t| wasm_bindgen::JsValue::from_f64(*t))
            .collect();
        init.set_threshold(&list);
        let observer = web_sys::IntersectionObserver::new_with_options(
            callback.as_ref().unchecked_ref(),
            &init,
        )
        .ok()?;
        for target in targets {
            observer.observe(&target);
        }
        bump(&OBSERVERS, true);
        Some(Self {
            observer,
            _callback: callback,
        })
    }
}

impl Observer {
    /// Tells when targets come within `margin` of the viewport.
    pub fn near(margin: &str, callback: impl FnMut(js_sys::Array) + 'static) -> Option<Self> {
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(callback);
        let init = web_sys::IntersectionObserverInit::new();
        init.set_root_margin(margin);
        let observer = web_sys::IntersectionObserver::new_with_options(
            callback.as_ref().unchecked_ref(),
            &init,
        )
        .ok()?;
        bump(&OBSERVERS, true);
        Some(Self {
            observer,
            _callback: callback,
        })
    }

    pub fn observe(&self, target: &web_sys::Element) {
        self.observer.observe(target);
    }

    pub fn unobserve(&self, target: &web_sys::Element) {
        self.observer.unobserve(target);
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.observer.disconnect();
        bump(&OBSERVERS, false);
    }
}
