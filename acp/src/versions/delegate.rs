//! Delegate payment (the same shape in every version, with narrower fields before 2026-04-17)
//! and the flat checkout `Error`.

use serde_json::Value;

use super::support::{AdaptError, Obj, str_at};
use super::{Body, Version};

/// Delegate-payment error codes before 2026-04-17.
const LEGACY_CODES: [&str; 4] = [
    "invalid_card",
    "duplicate_request",
    "idempotency_conflict",
    "too_many_requests",
];
/// 2026-04-17 idempotency error codes (`invalid_request`), legacy `request_not_idempotent`.
const IDEMPOTENCY_CODES: [&str; 3] = [
    "idempotency_key_required",
    "idempotency_conflict",
    "idempotency_in_flight",
];

/// An older version's delegate-payment body → 2026-04-17.
pub(super) fn up(body: Body, mut o: Obj) -> Obj {
    if body == Body::DelegatePaymentRequest
        && let Some(card) = o.get_mut("payment_method").and_then(Value::as_object_mut)
    {
        let last4 = str_at(card, "display_last4");
        if last4.is_some_and(|l| l.len() != 4 || !l.bytes().all(|b| b.is_ascii_digit())) {
            card.remove("display_last4");
        }
    }
    o
}

/// A 2026-04-17 delegate-payment body → an older version.
pub(super) fn down(version: Version, body: Body, mut o: Obj) -> Result<Obj, AdaptError> {
    match body {
        Body::DelegatePaymentRequest => {
            let signals = o.get("risk_signals").and_then(Value::as_array);
            if signals.is_none_or(Vec::is_empty) {
                return Err(AdaptError::inexpressible(
                    "$.risk_signals",
                    version,
                    "the version requires at least one risk signal",
                ));
            }
            if version <= Version::V2025_12_12
                && let Some(card) = o.get_mut("payment_method").and_then(Value::as_object_mut)
                && let Some(iin) = str_at(card, "iin").filter(|i| i.chars().count() > 6)
            {
                let first_six: String = iin.chars().take(6).collect();
                card.insert("iin".into(), first_six.into());
            }
        }
        Body::DelegatePaymentError => {
            let code = str_at(&o, "code").unwrap_or_default();
            let legacy = match code {
                _ if LEGACY_CODES.contains(&code) => code,
                "idempotency_in_flight" => "duplicate_request",
                "idempotency_key_required" => "idempotency_conflict",
                _ => {
                    return Err(AdaptError::invalid(
                        "$.code",
                        format!("unknown delegate-payment error code {code:?}"),
                    ));
                }
            };
            o.insert("code".into(), legacy.into());
        }
        _ => {}
    }
    Ok(o)
}

/// An older version's checkout error → 2026-04-17.
pub(super) fn error_up(mut o: Obj) -> Obj {
    if str_at(&o, "type") == Some("request_not_idempotent") {
        o.insert("type".into(), "invalid_request".into());
    }
    o
}

/// A 2026-04-17 checkout error → an older version.
pub(super) fn error_down(version: Version, mut o: Obj) -> Obj {
    let idempotency = str_at(&o, "code").is_some_and(|c| IDEMPOTENCY_CODES.contains(&c));
    if version < Version::V2026_04_17
        && idempotency
        && str_at(&o, "type") == Some("invalid_request")
    {
        o.insert("type".into(), "request_not_idempotent".into());
    }
    o
}
