//! The app in a real browser (`cargo xtask test` runs it with buycard's browser tests): the
//! banner and both cards render, each in its own shadow root, and the app's stepper counts (the
//! pin card's `quantity` follows it; buycard's tests check that a quantity prop reaches the
//! checkout).
#![cfg(target_arch = "wasm32")]

use buycard_test_support::{document, sleep, wait_for};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

// The platform's feed of the shop, without the platform: the test server answers nothing else.
#[wasm_bindgen(inline_js = r#"
export function serveFeed(path, body) {
  const real = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    if (new URL(url, location.href).pathname !== path) return real(input, init);
    return Promise.resolve(new Response(body, { status: 200, headers: { "content-type": "application/json" } }));
  };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = serveFeed)]
    fn serve_feed(path: &str, body: &str);
}

const FEED: &str = r#"{"products":[
  {"id":"night-market-print","title":"Night Market print","variants":[{"id":"nm-a3","title":"A3",
    "price":{"amount":12000,"currency":"USD"},"availability":{"available":true,"status":"limited_stock"}}]},
  {"id":"enamel-pin","title":"Lantern enamel pin","variants":[{"id":"pin-gold","title":"Gold",
    "price":{"amount":800,"currency":"USD"},"availability":{"available":true,"status":"in_stock"}}]}
]}"#;

/// The components' host elements, in page order.
fn hosts(root: &Element) -> Vec<HtmlElement> {
    let list = root.query_selector_all("[data-state]").expect("selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|node| node.unchecked_into())
        .collect()
}

fn shadow_text(host: &HtmlElement, selector: &str) -> String {
    host.shadow_root()
        .and_then(|root| root.query_selector(selector).ok().flatten())
        .and_then(|node| node.text_content())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn the_banner_and_both_cards_render_in_their_shadow_roots_beside_the_apps_stepper() {
    serve_feed("/shops/lantern/feeds/demo/products", FEED);
    let root = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    let app = leptos::mount::mount_to(root.clone().unchecked_into(), leptos_host::App);

    wait_for("the banner and both cards ready", || {
        let hosts = hosts(&root);
        hosts.len() == 3
            && hosts
                .iter()
                .all(|h| h.get_attribute("data-state").as_deref() == Some("ready"))
    })
    .await;
    let hosts = hosts(&root);
    let states: Vec<_> = hosts
        .iter()
        .map(|h| h.get_attribute("data-state"))
        .collect();
    assert_eq!(
        states,
        vec![Some("ready".to_owned()); 3],
        "banner, print, pin"
    );
    assert!(
        hosts
            .iter()
            .all(|h| h.tag_name() == "DIV" && h.shadow_root().is_some())
    );
    assert_eq!(shadow_text(&hosts[1], ".title"), "Night Market print");
    assert_eq!(shadow_text(&hosts[2], ".title"), "Lantern enamel pin");
    assert!(shadow_text(&hosts[0], ".carousel").contains("Lantern enamel pin"));
    assert_eq!(
        hosts[2].class_name(),
        "pin-card",
        "attr:class reaches the host"
    );

    let more: HtmlElement = root
        .query_selector("button[aria-label=More]")
        .expect("selector")
        .expect("the stepper")
        .unchecked_into();
    more.click();
    more.click();
    // Leptos updates the text on its next tick.
    sleep(20).await;
    let output = root
        .query_selector("output")
        .expect("selector")
        .expect("output");
    assert_eq!(output.text_content().as_deref(), Some("3"));
    drop(app);
    root.remove();
}
