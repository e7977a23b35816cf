#!/bin/sh
# What Trunk does after cargo (wasm-bindgen --target web --reference-types, wasm-opt -Oz), by hand,
# plus a copy optimised with -g (same code, names kept) for spikes/wasm_weight.py.
# Usage: pipeline.sh RAW.wasm OUT_DIR NAME [extra wasm-bindgen args]
set -eu
raw=$1 out=$2 name=$3; shift 3
opt=${WASM_OPT:-/work/main/build/tools/node_modules/.bin/wasm-opt}
mkdir -p "$out"
wasm-bindgen --target=web --out-dir="$out" --out-name="$name" --reference-types --no-typescript "$@" "$raw"
"$opt" --output="$out/$name.named.wasm" -Oz -g "$out/${name}_bg.wasm" --enable-reference-types
"$opt" --output="$out/${name}_bg.wasm" -Oz "$out/${name}_bg.wasm" --enable-reference-types
python3 - "$out" "$name" <<'PY'
import sys, os, gzip, brotli
out, name = sys.argv[1:]
files = [f'{name}_bg.wasm', f'{name}.js'] + [os.path.join(r, f)[len(out)+1:] for r, _, fs in os.walk(os.path.join(out, 'snippets')) for f in fs]
tot = [0, 0, 0]
for f in files:
    b = open(os.path.join(out, f), 'rb').read()
    r = (len(b), len(gzip.compress(b, 9, mtime=0)), len(brotli.compress(b, quality=11, lgwin=22)))
    tot = [a + c for a, c in zip(tot, r)]
    print(f'  {f:<60} raw {r[0]/1024:7.1f} KiB  gz {r[1]/1024:6.1f}  br {r[2]/1024:6.1f}')
print(f'  {"total":<60} raw {tot[0]/1024:7.1f} KiB  gz {tot[1]/1024:6.1f}  br {tot[2]/1024:6.1f}')
PY
