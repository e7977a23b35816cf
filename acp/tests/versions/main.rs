//! The version adapters against every dated version's own schemas and examples.
//!
//! Round trip: each example of each version goes to 2026-04-17 (which must parse into this
//! crate's types and validate against the current schema) and back, where it must validate
//! against its own version's schema and equal the original. The one normalisation: 2025-09-29's
//! examples order `quantity: 2.5`, which no later version can say (a unit is a repeated id), so
//! the adapter's refusal is asserted and the round trip runs with quantity 2. (The 2025-09-29
//! schema itself says "greater than 0" the draft-4 way; the validator gets the 2020-12 spelling.)
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::PathBuf;

use buycard_acp::ErrorResponse;
use buycard_acp::cart::{CartCreateRequest, CartUpdateRequest};
use buycard_acp::checkout::{
    CancelSessionRequest, CheckoutSession, CheckoutSessionCompleteRequest,
    CheckoutSessionCreateRequest, CheckoutSessionUpdateRequest,
};
use buycard_acp::delegate_payment::{DelegatePaymentRequest, DelegatePaymentResponse};
use buycard_acp::versions::{AdaptError, Body, Version, from_current, to_current};
use serde_json::{Value, json};

mod mapping;
mod protocol;

const FILES: [&str; 2] = [
    "examples.agentic_checkout.json",
    "examples.delegate_payment.json",
];

pub(crate) fn spec(version: Version, folder: &str, file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(version.spec_dir())
        .join(folder)
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("JSON")
}

/// Each example's kind, by key. `None`: deliberately not a body the adapters convert. An
/// unknown key fails, so a new example cannot be skipped silently.
fn body_of(file: &str, key: &str) -> Option<Body> {
    let skipped = key.starts_with("webhook_") // webhook events: another API
        || key.starts_with("discovery_") // discovery document: not versioned per body
        || key.starts_with("authentication_result_"); // fragments, inside complete requests
    if skipped {
        return None;
    }
    let body = if file == "examples.delegate_payment.json" {
        match key {
            "delegate_payment_request" => Body::DelegatePaymentRequest,
            "delegate_payment_success_response" => Body::DelegatePaymentResponse,
            _ if key.starts_with("delegate_payment_error_") => Body::DelegatePaymentError,
            _ => panic!("unmapped example {file} {key}"),
        }
    } else if key.starts_with("create_checkout_session_request") {
        Body::CreateRequest
    } else if key.starts_with("update_checkout_session_request") {
        Body::UpdateRequest
    } else if key.starts_with("complete_checkout_session_request")
        || (key.starts_with("complete_session_with_") && key.ends_with("_request"))
    {
        Body::CompleteRequest
    } else if key.starts_with("cancel_checkout_session_request") {
        Body::CancelRequest
    } else if key.ends_with("_checkout_session_response") || key.starts_with("checkout_session_") {
        Body::Session
    } else if key.starts_with("error_") {
        Body::Error
    } else {
        panic!("unmapped example {file} {key}")
    };
    Some(body)
}

/// Validators of every version's definitions, built on first use.
#[derive(Default)]
pub(crate) struct Schemas(HashMap<(Version, &'static str, String), jsonschema::Validator>);

impl Schemas {
    fn errors(&mut self, version: Version, body: Body, value: &Value) -> Vec<String> {
        let Some(mut definition) = body.definition(version).map(str::to_owned) else {
            return if value == &json!({}) {
                Vec::new()
            } else {
                vec![format!("{version} has no {body:?} body: {value}")]
            };
        };
        if body == Body::Session && value.get("order").is_some() {
            definition = "CheckoutSessionWithOrder".into();
        }
        let key = (version, body.schema_file(), definition.clone());
        let validator = self.0.entry(key).or_insert_with(|| {
            let mut bundle = spec(version, "json-schema", body.schema_file());
            draft_2020_bounds(&mut bundle);
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$ref": format!("#/$defs/{definition}"),
                "$defs": bundle["$defs"],
            });
            jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("{version} {definition}: {e}"))
        });
        validator
            .iter_errors(value)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect()
    }

    pub(crate) fn assert_valid(&mut self, version: Version, body: Body, value: &Value, what: &str) {
        let errors = self.errors(version, body, value);
        assert!(
            errors.is_empty(),
            "{what}: invalid {version} {body:?}: {errors:#?}\n{value:#}"
        );
    }
}

/// 2025-09-29 writes "greater than 0" the draft-4 way (`minimum: 0, exclusiveMinimum: true`),
/// which a draft 2020-12 validator refuses to compile: rewritten as `exclusiveMinimum: 0`.
fn draft_2020_bounds(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("exclusiveMinimum") == Some(&Value::Bool(true))
                && let Some(minimum) = map.remove("minimum")
            {
                map.insert("exclusiveMinimum".into(), minimum);
            }
            map.values_mut().for_each(draft_2020_bounds);
        }
        Value::Array(items) => items.iter_mut().for_each(draft_2020_bounds),
        _ => {}
    }
}

/// The current JSON parses into this crate's type for the body.
pub(crate) fn assert_typed(body: Body, value: &Value, what: &str) {
    let v = value.clone();
    let parsed = match body {
        Body::CreateRequest => serde_json::from_value::<CheckoutSessionCreateRequest>(v).map(drop),
        Body::UpdateRequest => serde_json::from_value::<CheckoutSessionUpdateRequest>(v).map(drop),
        Body::CompleteRequest => {
            serde_json::from_value::<CheckoutSessionCompleteRequest>(v).map(drop)
        }
        Body::CancelRequest => serde_json::from_value::<CancelSessionRequest>(v).map(drop),
        Body::Session => serde_json::from_value::<CheckoutSession>(v).map(drop),
        Body::DelegatePaymentRequest => {
            serde_json::from_value::<DelegatePaymentRequest>(v).map(drop)
        }
        Body::DelegatePaymentResponse => {
            serde_json::from_value::<DelegatePaymentResponse>(v).map(drop)
        }
        Body::Error | Body::DelegatePaymentError => {
            serde_json::from_value::<ErrorResponse>(v).map(drop)
        }
        Body::CartCreateRequest => serde_json::from_value::<CartCreateRequest>(v).map(drop),
        Body::CartUpdateRequest => serde_json::from_value::<CartUpdateRequest>(v).map(drop),
        Body::CartCancelRequest => {
            serde_json::from_value::<serde_json::Map<String, Value>>(v).map(drop)
        }
        Body::Cart => serde_json::from_value::<buycard_acp::cart::Cart>(v).map(drop),
    };
    parsed.unwrap_or_else(|e| panic!("{what}: does not parse as {body:?}: {e}\n{value:#}"));
}

/// Every example of every version with its kind: (version, key, body, example).
pub(crate) fn all_examples() -> Vec<(Version, String, Body, Value)> {
    let mut out = Vec::new();
    for version in Version::ALL {
        for file in FILES {
            let Value::Object(examples) = spec(version, "examples", file) else {
                panic!("{file} is an object");
            };
            for (key, example) in examples {
                if let Some(body) = body_of(file, &key) {
                    out.push((version, key, body, example));
                }
            }
        }
    }
    out
}

/// Replaces 2025-09-29's fractional quantities (2.5) by 2.
pub(crate) fn whole_quantities(value: &mut Value) -> usize {
    let mut fixed = 0;
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "quantity" && child.as_f64().is_some_and(|q| q.fract() != 0.0) {
                    *child = json!(2);
                    fixed += 1;
                } else {
                    fixed += whole_quantities(child);
                }
            }
        }
        Value::Array(items) => fixed += items.iter_mut().map(whole_quantities).sum::<usize>(),
        _ => {}
    }
    fixed
}

#[test]
fn every_example_goes_to_current_and_back_unchanged() {
    let mut schemas = Schemas::default();
    let mut count = HashMap::new();
    for (version, key, body, example) in all_examples() {
        let what = format!("{version} {key}");
        schemas.assert_valid(
            version,
            body,
            &example,
            &format!("{what} (the example itself)"),
        );
        let mut original = example.clone();
        if whole_quantities(&mut original) > 0 {
            assert_eq!(version, Version::V2025_09_29, "{what}");
            let refused = to_current(version, body, example).expect_err("2.5 units");
            assert!(
                matches!(&refused, AdaptError::Invalid { path, .. } if path.ends_with(".quantity")),
                "{what}: {refused}"
            );
        }
        let current = to_current(version, body, original.clone())
            .unwrap_or_else(|e| panic!("{what}: to_current: {e}"));
        schemas.assert_valid(Version::CURRENT, body, &current, &what);
        assert_typed(body, &current, &what);
        let back = from_current(version, body, current)
            .unwrap_or_else(|e| panic!("{what}: from_current: {e}"));
        schemas.assert_valid(version, body, &back, &what);
        assert_eq!(back, original, "{what}: the round trip changed the example");
        *count.entry(version).or_insert(0) += 1;
    }
    for version in Version::ALL {
        assert!(
            count.get(&version).copied().unwrap_or(0) >= 7,
            "{version}: {count:?}"
        );
    }
}

/// What a body can hold that an older version cannot say, and what the test does about it.
fn make_expressible(value: &mut Value, path: &str) {
    match path {
        "$.order_notes" | "$.authentication_result" => {
            value.as_object_mut().unwrap().remove(&path[2..]);
        }
        "$.payment_data.handler_id" => value["payment_data"]["handler_id"] = json!("stripe"),
        _ => panic!("unexpected inexpressible member {path}"),
    }
}

#[test]
fn every_example_goes_down_to_every_version_validly() {
    let mut schemas = Schemas::default();
    for (source, key, body, mut example) in all_examples() {
        whole_quantities(&mut example);
        let current = to_current(source, body, example).unwrap();
        for target in Version::ALL {
            let what = format!("{source} {key} -> {target}");
            let mut input = current.clone();
            let down = loop {
                match from_current(target, body, input.clone()) {
                    Ok(down) => break down,
                    Err(AdaptError::Inexpressible { path, version, .. }) => {
                        assert_eq!(version, target, "{what}");
                        make_expressible(&mut input, &path);
                    }
                    Err(e) => panic!("{what}: {e}"),
                }
            };
            schemas.assert_valid(target, body, &down, &what);
            let again = to_current(target, body, down).unwrap_or_else(|e| panic!("{what}: {e}"));
            schemas.assert_valid(Version::CURRENT, body, &again, &what);
            assert_typed(body, &again, &what);
        }
    }
}
