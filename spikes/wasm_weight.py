#!/usr/bin/env python3
"""Where the bytes of a wasm module go: function bodies by crate and by buycard module.

Usage: wasm_weight.py MODULE.wasm [--top N]

Needs the module's `name` section (wasm-bindgen keeps it; run wasm-opt with -g to keep it
through optimisation: the code is the same as without -g, only the names section is added).
Brotli shares are estimated by compressing each group's bodies concatenated (quality 11), which
over-counts a little (each group loses the context of the others)."""
import re, sys, collections
try:
    import brotli
except ImportError:
    brotli = None

def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i

def name_of(b, i):
    n, i = leb(b, i); return b[i:i+n].decode('utf-8', 'replace'), i + n

def parse(path):
    b = open(path, 'rb').read()
    i = 8; sections = []; imports_f = 0; bodies = []; names = {}; data = 0; customs = {}
    while i < len(b):
        sid = b[i]; i += 1
        size, i = leb(b, i); end = i + size
        if sid == 2:  # imports
            n, j = leb(b, i)
            for _ in range(n):
                _, j = name_of(b, j); _, j = name_of(b, j)
                kind = b[j]; j += 1
                if kind == 0: _, j = leb(b, j); imports_f += 1
                elif kind == 1:
                    j += 1; fl, j = leb(b, j); _, j = leb(b, j)
                    if fl & 1: _, j = leb(b, j)
                elif kind == 2:
                    fl, j = leb(b, j); _, j = leb(b, j)
                    if fl & 1: _, j = leb(b, j)
                elif kind == 3: j += 2
                elif kind == 4: j += 1; _, j = leb(b, j)
        elif sid == 10:
            n, j = leb(b, i)
            for _ in range(n):
                sz, j2 = leb(b, j)
                bodies.append(b[j:j2 + sz]); j = j2 + sz
        elif sid == 11:
            data = b[i:end]
        elif sid == 0:
            nm, j = name_of(b, i)
            customs[nm] = end - j
            if nm == 'name':
                while j < end:
                    sub = b[j]; j += 1
                    ssz, j = leb(b, j); send = j + ssz
                    if sub == 1:
                        n, k = leb(b, j)
                        for _ in range(n):
                            idx, k = leb(b, k); s, k = name_of(b, k); names[idx] = s
                    j = send
        sections.append((sid, size))
        i = end
    return b, sections, imports_f, bodies, names, data, customs

CRATE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::')
MODULE = re.compile(r'buycard::(web|core)::([a-z_]+)')
LEPTOS = ('tachys', 'leptos', 'reactive_graph', 'leptos_dom', 'leptos_macro', 'any_spawner',
          'or_poisoned', 'throw_error', 'hydration_context', 'send_wrapper', 'slotmap', 'leptos_config')
JSON = ('serde_json', 'serde', 'serde_core', 'buycard_acp')
BIND = ('wasm_bindgen', 'js_sys', 'web_sys', 'wasm_bindgen_futures', 'gloo_net', 'gloo_utils')
STD = ('core', 'alloc', 'std', 'hashbrown', 'dlmalloc', 'compiler_builtins', 'futures_util',
       'futures_core', 'futures_channel', 'futures_executor', 'indexmap', 'itoa', 'ryu',
       'memchr', 'smallvec', 'thiserror', 'pin_project_lite', 'rustc_hash', 'once_cell', 'async_lock',
       'event_listener', 'concurrent_queue', 'parking_lot', 'lock_api', 'scopeguard', 'paste')

ESC = {'$LT$': '<', '$GT$': '>', '$u20$': ' ', '$RF$': '&', '$C$': ',', '$BP$': '*', '$LP$': '(',
       '$RP$': ')', '$u7b$': '{', '$u7d$': '}', '$u5b$': '[', '$u5d$': ']', '$u27$': "'", '$u3b$': ';',
       '$u7e$': '~', '$u21$': '!', '$u23$': '#', '$u2b$': '+', '$u3d$': '='}

def demangle(name):
    """Rust's legacy mangling (`_ZN…E`, kept by wasm-bindgen --no-demangle), well enough to group."""
    if not name.startswith('_ZN'):
        return name
    i, parts = 3, []
    while i < len(name) and name[i].isdigit():
        j = i
        while name[j].isdigit(): j += 1
        n = int(name[i:j]); seg = name[j:j + n]; i = j + n
        if seg.startswith('_$'): seg = seg[1:]
        seg = seg.replace('..', '::')
        for k, v in ESC.items(): seg = seg.replace(k, v)
        parts.append(seg)
    if parts and re.fullmatch(r'h[0-9a-f]{16}', parts[-1]): parts[-1] = parts[-1]
    return '::'.join(parts)

def crate_kind(name):
    n = name
    m = re.match(r'core::ptr::drop_in_place<(.*)>$', n)
    if m: n = m.group(1)
    if 'core::fmt' in n and not any(k + '::' in n for k in LEPTOS + ('buycard',)):
        return 'core::fmt'
    if re.search(r'\bas (tachys|leptos|reactive_graph)::', n):
        return 'leptos (view + reactive)'
    if re.search(r'\bas serde(_core)?::', n) or 'serde_json::' in n or 'Deserialize' in n or 'Visitor' in n:
        return 'JSON (serde_json, derives)'
    crates = CRATE.findall(n)
    first = crates[0] if crates else ''
    if first in LEPTOS: return 'leptos (view + reactive)'
    if first == 'buycard': return 'buycard (app code)'
    if first in JSON: return 'JSON (serde_json, derives)'
    if first in BIND: return 'wasm-bindgen / web-sys / js-sys / gloo'
    if first in STD:
        if any(c in LEPTOS for c in crates): return 'leptos (view + reactive)'
        if any(c == 'buycard' for c in crates): return 'buycard (app code)'
        return 'std / alloc / core (generic)'
    return 'other (' + first + ')' if first else 'unnamed'

def module_of(name):
    m = MODULE.search(name)
    return f'{m.group(1)}::{m.group(2)}' if m else '(no buycard type in name)'

def br(bs):
    if not brotli: return 0
    return len(brotli.compress(b''.join(bs), quality=11, lgwin=22))

def main():
    path = sys.argv[1]
    top = int(sys.argv[sys.argv.index('--top') + 1]) if '--top' in sys.argv else 25
    b, sections, imports_f, bodies, names, data, customs = parse(path)
    total = len(b); code = sum(len(x) for x in bodies)
    paths = re.findall(rb'(?:/root/\.cargo/registry/src/[^\x00]*?|/rustc/[0-9a-f]{40}/[^\x00]*?|(?:src|acp/src)/[a-z_/]+)\.rs', data)
    named = {i: demangle(re.sub(r'\[[0-9a-f]{16}\]', '', names.get(i + imports_f, f'#{i + imports_f}'))) for i in range(len(bodies))}
    custom = sum(customs.values())
    print(f'{path}: {total} bytes ({total/1024:.1f} KiB) incl. {custom} bytes of custom sections {sorted(customs)}')
    print(f'  code {code} bytes ({len(bodies)} functions), brotli {br(bodies)}; data {len(data)} bytes, brotli {br([data])}')
    print(f'  file paths in data (panic locations): {len(paths)} mentions, {sum(map(len, paths))} bytes; distinct {len(set(paths))}, {sum(map(len, set(paths)))} bytes')
    for title, key in (('by crate', crate_kind), ('by buycard module (types or closures of it in the name)', module_of)):
        groups = collections.defaultdict(list)
        for i, body in enumerate(bodies):
            groups[key(named[i])].append(body)
        print(f'\n  {title}:')
        print(f'    {"group":<48} {"raw KiB":>8} {"share":>6} {"br KiB*":>8} {"fns":>5}')
        for g, bs in sorted(groups.items(), key=lambda kv: -sum(map(len, kv[1]))):
            raw = sum(map(len, bs))
            print(f'    {g:<48} {raw/1024:8.1f} {100*raw/code:5.1f}% {br(bs)/1024:8.1f} {len(bs):5}')
    print(f'\n  top {top} functions:')
    for i in sorted(range(len(bodies)), key=lambda i: -len(bodies[i]))[:top]:
        print(f'    {len(bodies[i]):7}  {named[i][:150]}')

if __name__ == '__main__':
    main()
