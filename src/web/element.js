// Custom element glue. wasm-bindgen cannot extend HTMLElement, so this class only forwards the
// lifecycle callbacks to Rust (src/web/element.rs), which owns all state and rendering.
export function defineElement(tag, observedAttributes, connected, disconnected, changed) {
  if (customElements.get(tag)) {
    return false;
  }
  customElements.define(
    tag,
    class extends HTMLElement {
      static get observedAttributes() {
        return observedAttributes;
      }
      connectedCallback() {
        connected(this);
      }
      disconnectedCallback() {
        disconnected(this);
      }
      attributeChangedCallback(name, oldValue, newValue) {
        if (oldValue !== newValue) {
          changed(this, name, newValue);
        }
      }
    },
  );
  return true;
}
