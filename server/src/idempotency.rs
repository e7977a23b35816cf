//! ACP §6 idempotency, once, as a layer in front of every POST handler.
//!
//! - No `Idempotency-Key`: 400 `idempotency_key_required`.
//! - Same key (scoped to identity + path), semantically equal body: the stored status and body,
//!   with `Idempotent-Replayed: true`; the handler does not run again.
//! - Same key, different body: 422 `idempotency_conflict`.
//! - Same key while the first request runs: 409 `idempotency_in_flight` with `Retry-After`.
//! - 5xx responses are not stored: a retry runs afresh.
//!
//! Handlers that change state commit the response with their change (see [`Ticket::done`]); for
//! the others (validation errors), this layer stores the response after the handler returns.

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppState;
use crate::error::ApiError;
use crate::store::{IdemBegin, IdemDone, StoredResponse};

/// Largest request body accepted on a POST.
pub const BODY_LIMIT: usize = 64 * 1024;
const MAX_KEY_LEN: usize = 255;

/// Handed to the handler of a fresh request: where its response must be recorded.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub scope: String,
    pub key: String,
}

impl Ticket {
    pub fn done(&self, status: StatusCode, body: &[u8]) -> IdemDone {
        IdemDone {
            scope: self.scope.clone(),
            key: self.key.clone(),
            response: StoredResponse {
                status: status.as_u16(),
                body: body.to_vec(),
            },
        }
    }
}

/// A keyed hash (HMAC-SHA256) of the request body in canonical form. Bodies can hold card
/// numbers (delegate payment), so only this hash is stored, under a key kept outside the database.
pub fn fingerprint(key: &[u8], body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(canonical(body).as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The request body in a form where semantically equal JSON is byte-equal: object keys sorted,
/// integral numbers written as integers (`1.0` = `1`), array order and `null` kept. A body that
/// is not JSON is compared byte for byte.
pub fn canonical(body: &[u8]) -> String {
    fn canonical(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    canonical(&map[k], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    canonical(item, out);
                }
                out.push(']');
            }
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    out.push_str(&(f as i64).to_string());
                }
                _ => out.push_str(&n.to_string()),
            },
            other => out.push_str(&other.to_string()),
        }
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => {
            let mut out = String::with_capacity(body.len());
            canonical(&value, &mut out);
            out
        }
        Err(_) => format!("raw:{}", String::from_utf8_lossy(body)),
    }
}

/// Who is calling, for scoping keys: the server-to-server client (bearer) or the browser origin.
fn identity(request: &Request) -> String {
    if request.headers().contains_key(header::AUTHORIZATION) {
        return "api".to_owned();
    }
    match request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    {
        Some(origin) => format!("origin:{origin}"),
        None => "anonymous".to_owned(),
    }
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

fn with_key(mut response: Response, key: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(key) {
        response.headers_mut().insert(IDEMPOTENCY_KEY, value);
    }
    response
}

fn stored(response: &StoredResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        Bytes::from(response.body.clone()),
    )
        .into_response()
}

pub async fn layer(State(app): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let scope = format!("{}:{}", identity(&request), request.uri().path());
    keyed(&app, scope, request, next).await
}

/// The wallet's POSTs: idempotent when the caller sends a key (the card does, so a resent
/// token request never mints a second token), scoped to the signed-in visitor's cookie so one
/// buyer's key can never replay another's answer. Without a key they run as before.
pub async fn wallet_layer(
    State(app): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if !request.headers().contains_key(IDEMPOTENCY_KEY) {
        return next.run(request).await;
    }
    let visitor = crate::wallet::cookie(request.headers())
        .map(|c| fingerprint(&app.fingerprint_key, c.as_bytes()))
        .unwrap_or_else(|| "signed-out".to_owned());
    let scope = format!("wallet:{visitor}:{}", request.uri().path());
    keyed(&app, scope, request, next).await
}

async fn keyed(app: &AppState, scope: String, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let key = match request.headers().get(IDEMPOTENCY_KEY).map(|k| k.to_str()) {
        None => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "idempotency_key_required",
                "Idempotency-Key header is required on all POST requests",
            )
            .into_response();
        }
        Some(Ok(key)) if !key.is_empty() && key.len() <= MAX_KEY_LEN => key.to_owned(),
        Some(_) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
            .into_response();
        }
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return with_key(
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                "request_too_large",
                format!("Request bodies are limited to {BODY_LIMIT} bytes"),
            )
            .into_response(),
            &key,
        );
    };
    let fingerprint = fingerprint(&app.fingerprint_key, &bytes);
    let now = crate::now();
    let begin = {
        app.store
            .idempotency
            .begin(&scope, &key, &fingerprint, now, app.idempotency_lease_secs)
            .await
            .map_err(ApiError::from)
    };
    let response = match begin {
        Err(e) => e.into_response(),
        Ok(IdemBegin::Replay(previous)) => {
            let mut response = stored(&previous);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Ok(IdemBegin::Conflict) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "idempotency_conflict",
            "Idempotency-Key has already been used with a different request body",
        )
        .into_response(),
        Ok(IdemBegin::InFlight) => {
            let mut response = ApiError::new(
                StatusCode::CONFLICT,
                "invalid_request",
                "idempotency_in_flight",
                "A request with this Idempotency-Key is currently being processed",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
        Ok(IdemBegin::Fresh) => {
            let mut request = Request::from_parts(parts, Body::from(bytes));
            let ticket = Ticket {
                scope: scope.clone(),
                key: key.clone(),
            };
            request.extensions_mut().insert(ticket.clone());
            let response = next.run(request).await;
            let (parts, body) = response.into_parts();
            let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
            let status = parts.status;
            // A 5xx, or an answer that says to retry shortly (Retry-After: a payment in
            // progress, a lost race), is not the request's answer: the retry must run.
            let outcome =
                if status.is_server_error() || parts.headers.contains_key(header::RETRY_AFTER) {
                    app.store
                        .idempotency
                        .release(&ticket.scope, &ticket.key)
                        .await
                } else {
                    let done = ticket.done(status, &body);
                    app.store.idempotency.finish(&done, now).await
                };
            if let Err(e) = outcome {
                tracing::error!(error = %e, "could not record the idempotency key");
            }
            Response::from_parts(parts, Body::from(body))
        }
    };
    with_key(response, &key)
}

#[cfg(test)]
mod tests {
    use super::{canonical, fingerprint as keyed};

    fn fingerprint(body: &[u8]) -> String {
        keyed(b"test key", body)
    }

    #[test]
    fn semantically_equal_bodies_have_one_fingerprint() {
        let a = fingerprint(br#"{"b": 1.0, "a": {"y": [1, 2], "x": null}}"#);
        let b = fingerprint(br#"{"a":{"x":null,"y":[1,2]},"b":1}"#);
        assert_eq!(a, b);
    }

    #[test]
    fn the_fingerprint_hides_the_body() {
        let body = br#"{"payment_method":{"number":"4242424242424242"}}"#;
        assert!(canonical(body).contains("4242424242424242"));
        let hash = fingerprint(body);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains("4242"));
        assert_ne!(hash, keyed(b"another key", body), "keyed");
    }

    #[test]
    fn differences_that_matter_are_kept() {
        let base = fingerprint(br#"{"a":[1,2]}"#);
        assert_ne!(base, fingerprint(br#"{"a":[2,1]}"#), "arrays are ordered");
        assert_ne!(
            fingerprint(br#"{"a":null}"#),
            fingerprint(b"{}"),
            "null is not absent"
        );
        assert_ne!(fingerprint(br#"{"a":1.5}"#), fingerprint(br#"{"a":1}"#));
        assert_ne!(fingerprint(b"not json"), fingerprint(b"not json!"));
    }
}
