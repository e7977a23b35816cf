#!/usr/bin/env python3
"""A static page for the weight spikes: the demo feed at /shop/feeds/demo/products and pages of
cards, served by `python3 -m http.server` from OUT. Put a built module (pipeline.sh's output,
with the autostart line appended) under OUT/mod (pages page.html, t-mod.html) or OUT/lite
(t-lite.html).

Usage: make_site.py OUT"""
import json, os, sys

out = sys.argv[1]
root = os.path.join(os.path.dirname(__file__), '..', '..')
os.makedirs(os.path.join(out, 'shop', 'feeds', 'demo'), exist_ok=True)
products = [json.loads(l) for l in open(os.path.join(root, 'server', 'catalog', 'products.jsonl')) if l.strip()]
json.dump({'products': products}, open(os.path.join(out, 'shop', 'feeds', 'demo', 'products'), 'w'))
ids = [p['id'] for p in products]
page = '<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>{}<script type="module" src="{}"></script></body></html>'
every = ('<buy-cart wallet="/wallet"></buy-cart>'
         '<buy-card endpoint="/shop" feed="demo" product="tour-tee"></buy-card>'
         '<buy-card endpoint="/shop" feed="demo" product="night-market-print"></buy-card>'
         '<product-carousel endpoint="/shop" feed="demo"></product-carousel>')
cards = '<div id="tl">' + ''.join(f'<buy-card endpoint="/shop" feed="demo" product="{ids[i % len(ids)]}"></buy-card>' for i in range(60)) + '</div>'
for name, body, src in (('page.html', every, './mod/buycard.js'), ('lite.html', every, './lite/card_lite.js'),
                        ('t-mod.html', cards, './mod/buycard.js'), ('t-lite.html', cards, './lite/card_lite.js')):
    open(os.path.join(out, name), 'w').write(page.format(body, src))
