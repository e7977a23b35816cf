// Preview pages only: the demo menu (who is signed in to the host site's wallet, the theme, a
// reset of the demo data) and the timeline's like buttons. It stands in for the host site's own
// login and settings; the cards never depend on it: each Buy asks GET /wallet/buyer afresh.
const menu = document.getElementById("demo");
const status = menu.querySelector("[data-demo-status]");
const who = menu.querySelector("[data-demo-who]");
const avatar = menu.querySelector("[data-demo-avatar]");

const VISITORS = {
  "signed-out": { label: "Signed out", initial: "?", said: "Signed out: Buy asks for your details and nothing is saved (guest checkout)." },
  newbie: { label: "New buyer", initial: "N", said: "Signed in as a new buyer: the first purchase asks for your details and offers to save them." },
  ada: { label: "Ada", initial: "A", said: "Signed in as Ada, with a saved card: Buy, then Confirm." },
  grace: { label: "Grace", initial: "G", said: "Signed in as Grace: her saved card asks for 3-D Secure." },
};
const BY_EMAIL = { "ada@example.com": "ada", "grace@example.com": "grace" };

// The last choice made here, to tell the new buyer (who may have saved a card since) from others.
const remembered = {
  get: () => sessionStorage.getItem("murmur-visitor"),
  set: (id) => sessionStorage.setItem("murmur-visitor", id),
};

function show(id, label) {
  const visitor = VISITORS[id];
  who.textContent = label ?? visitor?.label ?? "Signed in";
  avatar.textContent = visitor?.initial ?? (label ?? "?").slice(0, 1).toUpperCase();
  avatar.dataset.visitor = id ?? "other";
  for (const radio of menu.querySelectorAll('input[name="visitor"]')) radio.checked = radio.value === id;
}

// The wallet's answer for this visitor: 401 signed out, 204 nothing saved, 200 a saved buyer.
async function refresh() {
  const answer = await fetch("/wallet/buyer", { credentials: "include" });
  if (answer.status === 401) return show("signed-out");
  if (answer.status === 204) return show("newbie");
  if (!answer.ok) return show(null, "Demo");
  const { buyer } = await answer.json();
  const id = BY_EMAIL[buyer.email];
  if (id) return show(id);
  if (remembered.get() === "newbie") return show("newbie", "New buyer");
  show(null, buyer.first_name || buyer.email);
}

async function post(path, body) {
  return fetch(path, {
    method: "POST",
    credentials: "include",
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
}

menu.addEventListener("change", async (event) => {
  const input = event.target;
  if (input.name === "visitor") {
    const answer = input.value === "signed-out" ? await post("/wallet/sign_out") : await post("/wallet/sign_in", { buyer_id: input.value });
    remembered.set(input.value);
    // The cards look the visitor up once per page: tell them it changed.
    document.dispatchEvent(new Event("buycard:wallet-changed"));
    await refresh();
    status.textContent = answer.ok ? VISITORS[input.value].said : `The demo wallet answered ${answer.status}.`;
  } else if (input.name === "theme") {
    setTheme(input.value);
    try {
      localStorage.setItem("murmur-theme", input.value);
    } catch {
      // Not remembered; the page still changes.
    }
  }
});

menu.querySelector("[data-demo-reset]").addEventListener("click", async () => {
  const answer = await post("/wallet/demo/reset");
  status.textContent =
    answer.status === 204
      ? "Demo data reset: Ada and Grace have their saved cards, and the new buyer has nothing saved."
      : "This server has no demo reset (cargo xtask serve starts one with --demo-reset).";
  document.dispatchEvent(new Event("buycard:wallet-changed"));
  await refresh();
});

// The page follows color-scheme; the cards and the banner their theme attribute.
function setTheme(theme) {
  const forced = theme === "light" || theme === "dark";
  if (forced) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  for (const element of document.querySelectorAll("buy-card, product-carousel")) {
    if (forced) element.setAttribute("theme", theme);
    else element.removeAttribute("theme");
  }
  for (const radio of menu.querySelectorAll('input[name="theme"]')) radio.checked = radio.value === (forced ? theme : "system");
}
setTheme(document.documentElement.dataset.theme ?? "system");

// A menu closes when the visitor clicks elsewhere or presses Escape (focus back on its button).
document.addEventListener("click", (event) => {
  if (menu.open && !menu.contains(event.target)) menu.open = false;
});
menu.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && menu.open) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});

// Likes: a pressed state and a count, as any timeline has.
for (const like of document.querySelectorAll("button.like")) {
  like.addEventListener("click", () => {
    const pressed = like.getAttribute("aria-pressed") !== "true";
    like.setAttribute("aria-pressed", String(pressed));
    const count = like.querySelector("span");
    if (count && /^\d+$/.test(count.textContent)) {
      const n = Number(count.textContent) + (pressed ? 1 : -1);
      count.textContent = String(n);
      like.setAttribute("aria-label", `Like, ${n} likes`);
    }
  });
}

refresh();

// Follow, on a profile.
for (const follow of document.querySelectorAll("button.follow")) {
  follow.addEventListener("click", () => {
    follow.toggleAttribute("data-following");
    follow.textContent = follow.hasAttribute("data-following") ? "Following" : "Follow";
  });
}
