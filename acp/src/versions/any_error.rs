//! Any merchant's error answer as ACP's flat error.

use serde_json::{Map, Value};

use super::support::{index, member};
use crate::ErrorResponse;

/// `Error.type` values kept as they come (checkout's, and delegate payment's `rate_limit_exceeded`).
const TYPES: [&str; 4] = [
    "invalid_request",
    "processing_error",
    "service_unavailable",
    "rate_limit_exceeded",
];
/// Validation errors listed in a message before "and N more".
const LISTED: usize = 5;
/// The longest plain-text body quoted in a message, in characters.
const QUOTED: usize = 300;

/// Any merchant's error answer as ACP's flat error (`{"type", "code", "message", "param"?}`).
///
/// Reads a flat ACP body; a framework-wrapped `{"detail": {...flat...}}`; `{"detail": "text"}`;
/// a list of validation errors such as FastAPI/pydantic's `{"detail": [{"loc": ["body", "items",
/// 0, "quantity"], "msg": "...", "type": "..."}]}` (code `invalid`, the messages joined, `param`
/// the first error's location as a JSONPath without the leading `"body"`); `{"error": {...}}` or
/// `{"error": "text"}`; `{"errors": [...]}`. A short plain-text body becomes the message; an
/// empty, HTML or unreadable body gets a message from the HTTP `status`. Missing `type` and
/// `code` come from the status (`invalid_request` / `processing_error` / `service_unavailable`;
/// `not_found`, `rate_limited`, …); legacy `request_not_idempotent` reads as `invalid_request`.
/// `supported_versions` is kept when present. Never panics.
pub fn error_from_any(status: u16, body: &[u8]) -> ErrorResponse {
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let mut error = parsed
        .as_ref()
        .and_then(|v| from_json(status, v, 0))
        .unwrap_or_else(|| from_text(status, body));
    if error.supported_versions.is_none() {
        error.supported_versions = parsed.as_ref().and_then(versions);
    }
    error
}

fn from_json(status: u16, value: &Value, depth: u8) -> Option<ErrorResponse> {
    if depth > 4 {
        return None;
    }
    match value {
        Value::Object(obj) => {
            for key in ["detail", "error", "errors"] {
                let Some(inner) = obj.get(key) else { continue };
                let found = match inner {
                    Value::String(text) if !text.trim().is_empty() => {
                        Some(status_error(status, text.trim().to_owned()))
                    }
                    Value::Array(list) => validation(status, list)
                        .or_else(|| list.first().and_then(|v| from_json(status, v, depth + 1))),
                    Value::Object(_) => from_json(status, inner, depth + 1),
                    _ => None,
                };
                if let Some(mut found) = found {
                    if found.supported_versions.is_none() {
                        found.supported_versions = versions(value);
                    }
                    return Some(found);
                }
            }
            flat(status, obj)
        }
        Value::Array(list) => validation(status, list),
        Value::String(text) if !text.trim().is_empty() => {
            Some(status_error(status, text.trim().to_owned()))
        }
        _ => None,
    }
}

/// A flat error, when the object has at least a type, code or message.
fn flat(status: u16, obj: &Map<String, Value>) -> Option<ErrorResponse> {
    let text = |key: &str| {
        obj.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    if text("type").is_none() && text("code").is_none() && text("message").is_none() {
        return None;
    }
    let kind = match text("type") {
        Some(kind) if TYPES.contains(&kind) => kind,
        Some("request_not_idempotent") => "invalid_request",
        _ => status_kind(status),
    };
    Some(ErrorResponse {
        kind: kind.to_owned(),
        code: text("code").unwrap_or(status_code(status)).to_owned(),
        message: text("message")
            .map(str::to_owned)
            .unwrap_or_else(|| status_message(status)),
        param: text("param").map(str::to_owned),
        supported_versions: versions_in(obj),
    })
}

/// A list of validation errors (`{"loc": [...], "msg": "..."}`), if it is one.
fn validation(status: u16, list: &[Value]) -> Option<ErrorResponse> {
    let entries: Vec<(Option<String>, String)> = list
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|e| {
            let msg = e
                .get("msg")
                .or_else(|| e.get("message"))
                .and_then(Value::as_str)?;
            Some((
                e.get("loc")
                    .and_then(Value::as_array)
                    .and_then(|l| location(l)),
                msg.trim().to_owned(),
            ))
        })
        .collect();
    if entries.is_empty() {
        return None;
    }
    let described: Vec<String> = entries
        .iter()
        .take(LISTED)
        .map(|(at, msg)| match at {
            Some(at) => format!("{at}: {msg}"),
            None => msg.clone(),
        })
        .collect();
    let mut message = if entries.len() == 1 {
        described.join("")
    } else {
        format!(
            "{} validation errors: {}",
            entries.len(),
            described.join("; ")
        )
    };
    if entries.len() > LISTED {
        message.push_str(&format!("; and {} more", entries.len() - LISTED));
    }
    Some(ErrorResponse {
        kind: if status >= 500 {
            status_kind(status)
        } else {
            "invalid_request"
        }
        .to_owned(),
        code: "invalid".to_owned(),
        message,
        param: entries.iter().find_map(|(at, _)| at.clone()),
        supported_versions: None,
    })
}

/// A JSONPath from a validation error's `loc`, without the leading `"body"`. Locations in the
/// query, path, headers or cookies are not body members: no path.
fn location(loc: &[Value]) -> Option<String> {
    let mut parts = loc.iter().peekable();
    match parts.peek().and_then(|p| p.as_str()) {
        Some("body") => {
            parts.next();
        }
        Some("query" | "path" | "header" | "cookie") => return None,
        _ => {}
    }
    let mut path = "$".to_owned();
    for part in parts {
        path = match part {
            Value::String(name) => member(&path, name),
            Value::Number(n) => match n.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(i) => index(&path, i),
                None => return None,
            },
            _ => return None,
        };
    }
    Some(path)
}

/// `supported_versions` of an object, when it is a list of strings.
fn versions(value: &Value) -> Option<Vec<String>> {
    versions_in(value.as_object()?)
}

fn versions_in(obj: &Map<String, Value>) -> Option<Vec<String>> {
    let list = obj.get("supported_versions")?.as_array()?;
    list.iter().map(|v| v.as_str().map(str::to_owned)).collect()
}

/// A body that is not JSON: its text when short and plain, else the status.
fn from_text(status: u16, body: &[u8]) -> ErrorResponse {
    let text = std::str::from_utf8(body).unwrap_or_default().trim();
    let plain = !text.is_empty()
        && !text.starts_with('<')
        && !text.starts_with('{')
        && !text.starts_with('[')
        && !text.chars().any(|c| c.is_control() && !c.is_whitespace());
    if plain {
        let mut quoted: String = text.chars().take(QUOTED).collect();
        if text.chars().count() > QUOTED {
            quoted.push('…');
        }
        status_error(status, quoted)
    } else {
        status_error(status, status_message(status))
    }
}

fn status_error(status: u16, message: String) -> ErrorResponse {
    ErrorResponse::new(status_kind(status), status_code(status), message)
}

fn status_kind(status: u16) -> &'static str {
    match status {
        429 | 502..=504 => "service_unavailable",
        400..=499 => "invalid_request",
        _ => "processing_error",
    }
}

fn status_code(status: u16) -> &'static str {
    match status {
        400 | 422 => "invalid",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 | 504 => "timeout",
        409 => "conflict",
        410 => "expired",
        413 => "too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        501 => "not_implemented",
        502 => "bad_gateway",
        503 => "service_unavailable",
        400..=499 => "invalid_request",
        _ => "processing_error",
    }
}

fn status_message(status: u16) -> String {
    let reason = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    };
    if reason.is_empty() {
        format!("The merchant answered HTTP {status} without a readable error")
    } else {
        format!("The merchant answered HTTP {status} ({reason}) without a readable error")
    }
}
