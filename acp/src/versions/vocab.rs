//! The enumerations that differ between versions: status, total types, messages, links.

use serde_json::Value;

use super::Version;
use super::support::{AdaptError, Obj, str_at};

/// `Total.type` before 2026-01-30.
const LEGACY_TOTALS: [&str; 8] = [
    "items_base_amount",
    "items_discount",
    "subtotal",
    "discount",
    "fulfillment",
    "tax",
    "fee",
    "total",
];
/// 2026-01-30 `Order.status`.
pub(super) const ORDER_STATUS: [&str; 4] = ["confirmed", "processing", "shipped", "delivered"];
/// Message error codes before 2026-01-30.
const LEGACY_ERROR_CODES: [&str; 6] = [
    "missing",
    "invalid",
    "out_of_stock",
    "payment_declined",
    "requires_sign_in",
    "requires_3ds",
];

/// A total type the version lacks → the nearest it has, or left out.
pub(super) fn fold_totals(version: Version, totals: &mut Vec<Value>) {
    totals.retain_mut(|t| {
        let Some(kind) = t.get("type").and_then(Value::as_str) else {
            return false;
        };
        let known = if version.legacy_items() {
            LEGACY_TOTALS.contains(&kind)
        } else {
            kind != "amount_refunded"
        };
        let folded = match kind {
            _ if known => return true,
            "gift_wrap" | "tip" => "fee",
            "store_credit" => "discount",
            _ => return false,
        };
        t["type"] = folded.into();
        true
    });
}

/// A session status of a version before 2026-01-30.
pub(super) fn status_down(version: Version, status: &Value) -> Result<&'static str, AdaptError> {
    Ok(match status.as_str().unwrap_or_default() {
        "not_ready_for_payment" | "incomplete" | "requires_escalation" => "not_ready_for_payment",
        "authentication_required" if version == Version::V2025_09_29 => "not_ready_for_payment",
        "authentication_required" => "authentication_required",
        "ready_for_payment" => "ready_for_payment",
        "in_progress" | "pending_approval" | "complete_in_progress" => "in_progress",
        "completed" => "completed",
        "canceled" | "expired" => "canceled",
        _ => {
            return Err(AdaptError::invalid(
                "$.status",
                format!("unknown status {status}"),
            ));
        }
    })
}

/// A link of a version before 2026-01-30, if the version has its type.
pub(super) fn link_down(version: Version, mut link: Value) -> Option<Value> {
    let kind = link.get("type")?.as_str()?;
    let kind = match (version, kind) {
        (_, "terms_of_use" | "privacy_policy") => kind.to_owned(),
        (Version::V2025_09_29, "return_policy" | "shipping_policy") => {
            "seller_shop_policies".to_owned()
        }
        (Version::V2025_09_29, _) => return None,
        (_, "return_policy") => kind.to_owned(),
        _ => return None,
    };
    link["type"] = kind.into();
    Some(link)
}

/// A message before 2026-01-30: info or error, with the members those had.
pub(super) fn message_down(message: Value) -> Option<Value> {
    let message = message.as_object()?;
    let (kind, code) = match str_at(message, "type")? {
        "info" | "warning" => ("info", None),
        "error" => {
            let code = str_at(message, "code").unwrap_or("invalid");
            let code = match code {
                _ if LEGACY_ERROR_CODES.contains(&code) => code,
                "low_stock" => "out_of_stock",
                _ => "invalid",
            };
            ("error", Some(code))
        }
        _ => return None,
    };
    let mut out = Obj::new();
    out.insert("type".into(), kind.into());
    if let Some(code) = code {
        out.insert("code".into(), code.into());
    }
    for key in ["param", "content_type", "content"] {
        if let Some(value) = message.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    Some(Value::Object(out))
}
