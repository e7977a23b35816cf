// Preview pages only: the theme chosen in the demo menu ("system", "light" or "dark"), applied
// before the first paint. A classic script in <head>, so the page never flashes the other theme.
// The page follows it through `color-scheme` (preview.css); the cards and the banner through
// their `theme` attribute, which demo-wallet.js sets once they are in the document.
(() => {
  let theme = "system";
  try {
    theme = localStorage.getItem("murmur-theme") ?? "system";
  } catch {
    // Storage refused (private mode, a sandboxed frame): the reader's system preference.
  }
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
})();
