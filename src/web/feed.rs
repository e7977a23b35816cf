//! The page-wide feed cache: one request per feed, shared by every card on the page.
//!
//! A timeline has many cards, often from one merchant. The first card to ask for a feed starts
//! the request; the others await the same shared future. A failed request is forgotten when a
//! card retries, so a retry really goes back to the network.
//!
//! The request is a plain `GET` with no custom header, so a cross-origin endpoint needs no CORS
//! preflight (ACP's feed API does not require `API-Version` on reads).
//!
//! A feed the shop does not serve to this page (no `Access-Control-Allow-Origin` for it) fails
//! in the browser exactly like a network failure. A second request in `no-cors` mode tells the
//! two apart without any new permission: it resolves, with an opaque answer the card cannot
//! read, when the server answered at all.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::Request;
use web_sys::RequestMode;

use super::track::{self, Deadline};
use crate::core::catalog::{Catalog, FeedError};
use crate::core::url::encode_segment;

pub type FeedResult = Result<Rc<Catalog>, FeedError>;
type SharedFeed = Shared<LocalBoxFuture<'static, FeedResult>>;

/// How long a feed request may take before the card says so and offers a retry.
pub const TIMEOUT_MS: i32 = 15_000;

thread_local! {
    static CACHE: RefCell<HashMap<String, SharedFeed>> = RefCell::new(HashMap::new());
}

/// `{base}/feeds/{feed}/products`, with the feed id percent-encoded.
pub fn products_url(base: &str, feed: &str) -> String {
    format!("{base}/feeds/{}/products", encode_segment(feed))
}

/// The products of the feed at `url`, fetched at most once per page (unless it failed and was
/// [`forget_failure`]d).
pub fn products(url: &str) -> SharedFeed {
    CACHE.with(|cache| {
        cache
            .borrow_mut()
            .entry(url.to_owned())
            .or_insert_with(|| fetch(url.to_owned()).boxed_local().shared())
            .clone()
    })
}

/// Starts fetching the feed at `url` unless the page already has it or asks for it, without
/// waiting for the answer (a card not yet near the viewport).
pub fn prefetch(url: &str) {
    if CACHE.with(|cache| cache.borrow().contains_key(url)) {
        return;
    }
    let feed = products(url);
    wasm_bindgen_futures::spawn_local(async move {
        _ = feed.await;
    });
}

/// Drops a failed result so the next [`products`] call fetches again. A success or a request
/// still in flight is kept.
pub fn forget_failure(url: &str) {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache
            .get(url)
            .and_then(|shared| shared.peek())
            .is_some_and(Result::is_err)
        {
            cache.remove(url);
        }
    });
}

async fn fetch(url: String) -> FeedResult {
    track::fetch_started();
    let deadline = Deadline::new(TIMEOUT_MS)
        .ok_or_else(|| FeedError::Network("AbortController is not available".into()))?;
    let network_error = |e: gloo_net::Error| {
        if deadline.expired() {
            FeedError::Timeout
        } else {
            FeedError::Network(e.to_string())
        }
    };
    let sent = Request::get(&url)
        .abort_signal(Some(&deadline.signal()))
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) if deadline.expired() => return Err(network_error(error)),
        Err(error) => {
            // Down, or up and hiding its answer from this page? Ask without reading.
            let probe = Request::get(&url)
                .mode(RequestMode::NoCors)
                .abort_signal(Some(&deadline.signal()))
                .send()
                .await;
            return Err(match probe {
                Ok(_) => FeedError::Unavailable,
                Err(_) => network_error(error),
            });
        }
    };
    match response.status() {
        200..=299 => {}
        404 => return Err(FeedError::NotFound),
        status => return Err(FeedError::Http(status)),
    }
    let body = response.text().await.map_err(network_error)?;
    Catalog::parse(&body).map(Rc::new)
}
