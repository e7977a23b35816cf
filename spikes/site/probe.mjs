// Needs playwright-core (npm install playwright-core) and Debian chromium; the site of make_site.py on 127.0.0.1:8765.
// Loads http://127.0.0.1:PORT/page.html, waits, prints console errors, the requests made and each element's state.
import { chromium } from 'playwright-core';
const port = process.argv[2] || '8765';
const page_ = process.argv[3] || 'page.html';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage();
const log = [];
page.on('console', m => log.push(`console.${m.type()}: ${m.text()}`));
page.on('pageerror', e => log.push(`pageerror: ${e.message}`));
page.on('requestfinished', async r => { const s = await r.sizes().catch(() => null); log.push(`req ${r.url().replace(/^http:\/\/[^/]+/, '')} ${s ? s.responseBodySize : '?'}`); });
const t0 = Date.now();
await page.goto(`http://127.0.0.1:${port}/${page_}`);
await page.waitForTimeout(4000);
const states = await page.evaluate(() => [...document.querySelectorAll('buy-card,buy-cart,product-carousel')].map(e => `${e.localName}[${e.getAttribute('product') || ''}] state=${e.getAttribute('data-state')} error=${e.getAttribute('data-error')} text=${(e.shadowRoot?.textContent || '').replace(/\s+/g, ' ').slice(0, 120)}`));
console.log(log.join('\n'));
console.log(states.join('\n'));
// Click the first card's Buy if any, to see the sheet open.
const buy = page.locator('buy-card').first().locator('button.buy-button');
if (await buy.count()) {
  await buy.click().catch(e => console.log('click failed', e.message));
  await page.waitForTimeout(1500);
  const sheet = await page.evaluate(() => document.querySelector('buy-card').shadowRoot.querySelector('dialog')?.open);
  console.log('after Buy: dialog open =', sheet, ' state=', await page.evaluate(() => document.querySelector('buy-card').getAttribute('data-state')));
  console.log(log.slice(-5).join('\n'));
}
await browser.close();
