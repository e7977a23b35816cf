// Preview page only: the demo wallet's sign-in, standing in for the host site's own login.
const status = document.getElementById("signed-in");
async function refresh() {
  const answer = await fetch("/wallet/buyer", { credentials: "include" });
  status.textContent = answer.status === 200 ? `signed in: ${(await answer.json()).buyer.email}` : "not signed in";
}
document.querySelectorAll("[data-buyer]").forEach((button) =>
  button.addEventListener("click", async () => {
    await fetch("/wallet/sign_in", {
      method: "POST",
      credentials: "include",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ buyer_id: button.dataset.buyer }),
    });
    refresh();
  }),
);
document.querySelector("[data-sign-out]").addEventListener("click", async () => {
  await fetch("/wallet/sign_out", { method: "POST", credentials: "include" });
  refresh();
});
refresh();
