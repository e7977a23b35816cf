// Test-only instruments for the browser tests (tests/web.rs).

// A fetch stub: routes by URL path; every call is counted, stubbed or not.
export function installFetchStub() {
  if (window.__buycardStub) return;
  const realFetch = window.fetch.bind(window);
  const stub = { routes: new Map(), calls: new Map() };
  window.__buycardStub = stub;
  window.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    const path = new URL(url, location.href).pathname;
    stub.calls.set(path, (stub.calls.get(path) || 0) + 1);
    const route = stub.routes.get(path);
    if (!route) return realFetch(input, init);
    const signal = (init && init.signal) || (typeof input === "object" ? input.signal : undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (route.fail) reject(new TypeError("Failed to fetch"));
        else resolve(new Response(route.body, { status: route.status, headers: { "content-type": "application/json" } }));
      }, route.delay || 0);
      if (signal) {
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new DOMException("The operation was aborted.", "AbortError"));
        });
      }
    });
  };
}

export function stubRoute(path, status, body, delay, fail) {
  window.__buycardStub.routes.set(path, { status, body, delay, fail });
}

export function fetchCalls(path) {
  return window.__buycardStub.calls.get(path) || 0;
}

// A leak probe: listeners on long-lived targets (window, document) and pending timers.
// Listeners on a card's own nodes go away with the nodes; these would not.
export function installLeakProbe() {
  if (window.__buycardProbe) return;
  const probe = { listeners: 0, timers: new Set(), frames: new Set(), observers: 0 };
  window.__buycardProbe = probe;
  const RealObserver = window.IntersectionObserver;
  window.IntersectionObserver = class extends RealObserver {
    constructor(...args) {
      super(...args);
      this.__live = true;
      probe.observers++;
    }
    disconnect() {
      if (this.__live) probe.observers--;
      this.__live = false;
      return super.disconnect();
    }
  };
  const longLived = (target) => target === window || target === document || target === document.documentElement;
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (...args) {
    if (longLived(this)) probe.listeners++;
    return add.apply(this, args);
  };
  EventTarget.prototype.removeEventListener = function (...args) {
    if (longLived(this)) probe.listeners--;
    return remove.apply(this, args);
  };
  const setT = window.setTimeout.bind(window);
  const clearT = window.clearTimeout.bind(window);
  window.setTimeout = (fn, ms, ...rest) => {
    const id = setT((...a) => {
      probe.timers.delete(id);
      if (typeof fn === "function") fn(...a);
    }, ms, ...rest);
    probe.timers.add(id);
    return id;
  };
  window.clearTimeout = (id) => {
    probe.timers.delete(id);
    clearT(id);
  };
  const setI = window.setInterval.bind(window);
  const clearI = window.clearInterval.bind(window);
  window.setInterval = (fn, ms, ...rest) => {
    const id = setI(fn, ms, ...rest);
    probe.timers.add("i" + id);
    return id;
  };
  window.clearInterval = (id) => {
    probe.timers.delete("i" + id);
    clearI(id);
  };
  const raf = window.requestAnimationFrame.bind(window);
  const caf = window.cancelAnimationFrame.bind(window);
  window.requestAnimationFrame = (fn) => {
    const id = raf((t) => {
      probe.frames.delete(id);
      fn(t);
    });
    probe.frames.add(id);
    return id;
  };
  window.cancelAnimationFrame = (id) => {
    probe.frames.delete(id);
    caf(id);
  };
}

// [listeners on window/document, pending timers + intervals + animation frames, observers]
export function leakCounts() {
  const p = window.__buycardProbe;
  return [p.listeners, p.timers.size + p.frames.size, p.observers];
}

// Records the buycard:* events that reach the document (they bubble and are composed).
export function captureEvents() {
  if (window.__buycardEvents) return;
  window.__buycardEvents = [];
  for (const name of ["buycard:ready", "buycard:checkout", "buycard:order", "buycard:cancel", "buycard:error", "buycard:select"]) {
    document.addEventListener(name, (event) => window.__buycardEvents.push({ name, detail: event.detail, target: event.target.tagName }));
  }
}

export function takeEvents() {
  const events = JSON.stringify(window.__buycardEvents || []);
  window.__buycardEvents = [];
  return events;
}

export function peekEvents() {
  return JSON.stringify(window.__buycardEvents || []);
}

// The focused element's first class (its role in the view: "buy-button", "sheet-title"), or tag.
export function activeInShadow(host) {
  const active = host.shadowRoot && host.shadowRoot.activeElement;
  return active ? active.classList[0] || active.tagName : "";
}
