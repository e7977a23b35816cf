//! Every dated version's JSON schemas, embedded, and a walker over them: which members of a body
//! a version's schema does not allow (`additionalProperties: false`), to report them
//! ([`super::unknown_fields`]) or to leave them out ([`prune`]).
//!
//! The walker follows `properties`, `additionalProperties`, `items`, local `$ref`s and the
//! branches of `allOf` / `anyOf` / `oneOf`. A member is unknown only when some schema that
//! applies forbids it and no branch allows it; a schema that says nothing about members
//! (`{"required": [...]}`) neither allows nor forbids. `if` / `then` only add requirements and
//! are not followed.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::support::{index, member};
use super::{Body, Version};

macro_rules! spec {
    ($dir:literal, $file:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/",
            $dir,
            "/json-schema/",
            $file
        ))
    };
}

/// `schema.agentic_checkout.json` of each version, in [`Version::ALL`] order.
const CHECKOUT: [&str; 5] = [
    spec!("acp-legacy/2025-09-29", "schema.agentic_checkout.json"),
    spec!("acp-legacy/2025-12-12", "schema.agentic_checkout.json"),
    spec!("acp-legacy/2026-01-16", "schema.agentic_checkout.json"),
    spec!("acp-legacy/2026-01-30", "schema.agentic_checkout.json"),
    spec!("acp-2026-04-17", "schema.agentic_checkout.json"),
];

/// `schema.delegate_payment.json` of each version, in [`Version::ALL`] order.
const DELEGATE: [&str; 5] = [
    spec!("acp-legacy/2025-09-29", "schema.delegate_payment.json"),
    spec!("acp-legacy/2025-12-12", "schema.delegate_payment.json"),
    spec!("acp-legacy/2026-01-16", "schema.delegate_payment.json"),
    spec!("acp-legacy/2026-01-30", "schema.delegate_payment.json"),
    spec!("acp-2026-04-17", "schema.delegate_payment.json"),
];

/// `schema.cart.json`: only 2026-04-17 has carts.
const CART: &str = spec!("acp-2026-04-17", "schema.cart.json");

/// The file a cart definition refers into (`schema.agentic_checkout.json#/$defs/Item`).
const CHECKOUT_FILE: &str = "schema.agentic_checkout.json";

static PARSED: [OnceLock<Option<Map<String, Value>>>; 10] = [const { OnceLock::new() }; 10];
static CART_DEFS: OnceLock<Option<Map<String, Value>>> = OnceLock::new();

fn parse_defs(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut bundle)) => match bundle.remove("$defs") {
            Some(Value::Object(defs)) => Some(defs),
            _ => None,
        },
        _ => None,
    }
}

/// The `$defs` of the schema file that defines `body` in `version` (parsed once). A cart's are
/// the cart schema's and the checkout schema's together (their names do not clash), so the
/// cart's references into the checkout schema resolve as local ones do.
fn defs(version: Version, body: Body) -> Option<&'static Map<String, Value>> {
    let slot = version as usize;
    if body.is_delegate_payment() {
        return PARSED[5 + slot]
            .get_or_init(|| parse_defs(DELEGATE[slot]))
            .as_ref();
    }
    let checkout = PARSED[slot]
        .get_or_init(|| parse_defs(CHECKOUT[slot]))
        .as_ref();
    if !body.is_cart() {
        return checkout;
    }
    if !version.has_carts() {
        return None;
    }
    let checkout = checkout?;
    CART_DEFS
        .get_or_init(|| {
            let mut defs = parse_defs(CART)?;
            for (name, def) in checkout {
                if defs.insert(name.clone(), def.clone()).is_some() {
                    return None;
                }
            }
            Some(defs)
        })
        .as_ref()
}

/// The definition a `$ref` names: local (`#/$defs/Item`) or in the checkout schema
/// (`schema.agentic_checkout.json#/$defs/Item`, from the cart schema).
fn referenced<'a>(defs: &'a Map<String, Value>, reference: &str) -> Option<&'a Value> {
    let local = reference.strip_prefix(CHECKOUT_FILE).unwrap_or(reference);
    defs.get(local.strip_prefix("#/$defs/")?)
}

/// The schema definition of `body` in `version`, with the `$defs` it refers into.
fn definition(
    version: Version,
    body: Body,
) -> Option<(&'static Map<String, Value>, &'static Value)> {
    let defs = defs(version, body)?;
    Some((defs, defs.get(body.definition(version)?)?))
}

/// What the applicable schemas say about one member.
enum Verdict<'a> {
    /// Some schema allows it; its value must match these (none: anything).
    Allowed(Vec<&'a Value>),
    /// A schema forbids it and none allows it.
    Forbidden,
    /// No schema says anything about it.
    Open,
}

/// `node` and every schema it brings in through `$ref` and `allOf` / `anyOf` / `oneOf`.
fn expand<'a>(defs: &'a Map<String, Value>, node: &'a Value, out: &mut Vec<&'a Value>, depth: u8) {
    if depth > 24 {
        return;
    }
    out.push(node);
    let Some(obj) = node.as_object() else { return };
    if let Some(target) = obj
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| referenced(defs, r))
    {
        expand(defs, target, out, depth + 1);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for branch in obj.get(key).and_then(Value::as_array).into_iter().flatten() {
            expand(defs, branch, out, depth + 1);
        }
    }
}

fn expanded<'a>(defs: &'a Map<String, Value>, schemas: &[&'a Value]) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for s in schemas {
        expand(defs, s, &mut out, 0);
    }
    out
}

fn verdict<'a>(nodes: &[&'a Value], key: &str) -> Verdict<'a> {
    let (mut allowed, mut any_allowed, mut forbidden) = (Vec::new(), false, false);
    for node in nodes {
        let Some(obj) = node.as_object() else {
            forbidden |= node == &&Value::Bool(false);
            continue;
        };
        if let Some(schema) = obj.get("properties").and_then(|p| p.get(key)) {
            any_allowed = true;
            allowed.push(schema);
            continue;
        }
        match obj.get("additionalProperties") {
            Some(Value::Bool(false)) => forbidden = true,
            Some(Value::Bool(true)) => any_allowed = true,
            Some(schema @ Value::Object(_)) => {
                any_allowed = true;
                allowed.push(schema);
            }
            _ => {}
        }
    }
    if any_allowed {
        Verdict::Allowed(allowed)
    } else if forbidden {
        Verdict::Forbidden
    } else {
        Verdict::Open
    }
}

fn item_schemas<'a>(nodes: &[&'a Value]) -> Vec<&'a Value> {
    nodes.iter().filter_map(|n| n.get("items")).collect()
}

fn report(
    defs: &Map<String, Value>,
    schemas: &[&Value],
    value: &Value,
    path: &str,
    out: &mut Vec<String>,
) {
    let nodes = expanded(defs, schemas);
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match verdict(&nodes, key) {
                    Verdict::Forbidden => out.push(member(path, key)),
                    Verdict::Allowed(subs) if !subs.is_empty() => {
                        report(defs, &subs, child, &member(path, key), out);
                    }
                    _ => {}
                }
            }
        }
        Value::Array(items) => {
            let subs = item_schemas(&nodes);
            if !subs.is_empty() {
                for (i, child) in items.iter().enumerate() {
                    report(defs, &subs, child, &index(path, i), out);
                }
            }
        }
        _ => {}
    }
}

fn prune_with(defs: &Map<String, Value>, schemas: &[&Value], value: &mut Value) {
    let nodes = expanded(defs, schemas);
    match value {
        Value::Object(map) => {
            map.retain(|key, child| match verdict(&nodes, key) {
                Verdict::Forbidden => false,
                Verdict::Allowed(subs) => {
                    if !subs.is_empty() {
                        prune_with(defs, &subs, child);
                    }
                    true
                }
                Verdict::Open => true,
            });
        }
        Value::Array(items) => {
            let subs = item_schemas(&nodes);
            if !subs.is_empty() {
                items
                    .iter_mut()
                    .for_each(|child| prune_with(defs, &subs, child));
            }
        }
        _ => {}
    }
}

/// JSONPaths of the members of `value` that `version`'s schema for `body` does not allow. With
/// no definition (2025-09-29 has no cancel body), every member is unknown.
pub(super) fn unknown(version: Version, body: Body, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match definition(version, body) {
        Some((defs, def)) => report(defs, &[def], value, "$", &mut out),
        None => out.extend(
            value
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| member("$", k)),
        ),
    }
    out
}

/// Leaves out of `value` every member `version`'s schema for `body` does not allow.
pub(super) fn prune(version: Version, body: Body, value: &mut Value) {
    match definition(version, body) {
        Some((defs, def)) => prune_with(defs, &[def], value),
        None => {
            if let Some(map) = value.as_object_mut() {
                map.clear();
            }
        }
    }
}

/// Whether `version`'s schema for `body` allows the top-level member `key`.
pub(super) fn allows(version: Version, body: Body, key: &str) -> bool {
    match definition(version, body) {
        Some((defs, def)) => !matches!(verdict(&expanded(defs, &[def]), key), Verdict::Forbidden),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_schema_parses_and_defines_every_body() {
        for version in Version::ALL {
            for body in Body::ALL {
                if let Some(name) = body.definition(version) {
                    assert!(definition(version, body).is_some(), "{version} {name}");
                }
            }
        }
        assert!(
            Body::CancelRequest
                .definition(Version::V2025_09_29)
                .is_none()
        );
    }

    #[test]
    fn cart_bodies_follow_their_references_into_the_checkout_schema() {
        let create = serde_json::json!({"line_items": [{"id": "a", "quantity": 2}],
            "buyer": {"email": "a@b.co", "nickname": "x"}, "locale": "en-US", "currency": "usd"});
        assert_eq!(
            unknown(Version::CURRENT, Body::CartCreateRequest, &create),
            ["$.buyer.nickname", "$.currency", "$.line_items[0].quantity"]
        );
        let update = serde_json::json!({"line_items": [{"id": "a", "name": "A"}], "locale": "fr"});
        assert_eq!(
            unknown(Version::CURRENT, Body::CartUpdateRequest, &update),
            ["$.locale"],
            "an update has no locale"
        );
        let cancel = serde_json::json!({"reason": "changed my mind"});
        assert_eq!(
            unknown(Version::CURRENT, Body::CartCancelRequest, &cancel),
            ["$.reason"]
        );
        assert!(
            unknown(
                Version::CURRENT,
                Body::CartCancelRequest,
                &serde_json::json!({})
            )
            .is_empty()
        );
        for version in Version::ALL {
            assert_eq!(
                Body::CartCreateRequest.definition(version).is_some(),
                version == Version::CURRENT
            );
        }
    }
}
