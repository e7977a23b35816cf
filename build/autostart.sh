#!/bin/sh
# Trunk post_build hook: make dist/buycard.js start itself.
#
# wasm-bindgen's `--target web` glue exports an init function that someone must call. A third-party
# page embeds buycard with a single <script type="module" src=".../buycard.js">, so the glue ends
# with a top-level await of that init, loading buycard_bg.wasm from beside the script. Modules are
# evaluated once per page, so the wasm is instantiated once however many times the script is
# included; Trunk's own loader on the preview page then finds it already initialised.
set -eu
js="${TRUNK_STAGING_DIR:?run by trunk}/buycard.js"
if [ ! -f "$js" ]; then
  echo "autostart hook: $js not found" >&2
  exit 1
fi
grep -q '^// buycard:autostart' "$js" && exit 0
grep -Eq '^export (default __wbg_init;|\{.*__wbg_init as default.*\};)' "$js" || {
  echo "autostart hook: $js does not look like wasm-bindgen --target web output" >&2
  exit 1
}
cat >> "$js" <<'JS'
// buycard:autostart
await __wbg_init({ module_or_path: new URL("buycard_bg.wasm", import.meta.url) });
JS
