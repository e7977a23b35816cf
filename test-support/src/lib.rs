//! Waiting in a real page, for the browser tests (`wasm-bindgen-test` in headless Chromium).
//! Natively the crate is empty.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use wasm_bindgen_futures::JsFuture;

/// The test page's document.
pub fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("document")
}

/// Resolves after `ms` milliseconds (a `setTimeout`), letting the page run meanwhile.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    JsFuture::from(promise).await.expect("sleep");
}

/// Polls `condition` every 20 ms for at most 5 s; panics naming `what` if it never holds.
pub async fn wait_for(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..250 {
        if condition() {
            return;
        }
        sleep(20).await;
    }
    panic!("timed out waiting for {what}");
}
