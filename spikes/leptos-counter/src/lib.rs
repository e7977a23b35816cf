//! Spike: the smallest Leptos 0.8 CSR app (a counter), for calibration.
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(|| {
        let count = RwSignal::new(0);
        view! {
            <button on:click=move |_| count.update(|n| *n += 1)>"Clicked " {count} " times"</button>
        }
    });
}
