// Needs playwright-core (npm install playwright-core) and Debian chromium; the site of make_site.py on 127.0.0.1:8765.
// Times: first paint of 60 cards (navigation to all data-state=ready), a re-mount of all 60 with the
// feed cached (what a hand-over to another module costs per card), and compiling each wasm.
import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
for (const [page_, wasm] of [['t-mod.html', 'mod/buycard_bg.wasm'], ['t-lite.html', 'lite/card_lite_bg.wasm']]) {
  for (let run = 0; run < 3; run++) {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:8765/${page_}`);
    await page.waitForFunction(() => [...document.querySelectorAll('buy-card')].every(e => e.dataset.state === 'ready'), null, { timeout: 20000, polling: 5 });
    const first = await page.evaluate(() => performance.now());
    const remount = await page.evaluate(async () => {
      const tl = document.getElementById('tl');
      const cards = [...tl.children];
      const t0 = performance.now();
      for (const c of cards) c.remove();
      for (const c of cards) tl.append(c);
      await new Promise(r => { const tick = () => cards.every(e => e.dataset.state === 'ready' && e.shadowRoot.querySelector('.price')) ? r() : setTimeout(tick, 0); tick(); });
      return performance.now() - t0;
    });
    const compile = await page.evaluate(async (w) => {
      const bytes = await (await fetch(w)).arrayBuffer();
      const t0 = performance.now(); await WebAssembly.compile(bytes); return performance.now() - t0;
    }, wasm);
    console.log(`${page_} run ${run}: all 60 ready at ${first.toFixed(0)} ms; re-mount 60 cards ${remount.toFixed(1)} ms (${(remount / 60).toFixed(2)} ms/card); WebAssembly.compile ${compile.toFixed(1)} ms`);
    await page.close();
  }
}
await browser.close();
