//! The merchant speaks every dated ACP version a client asks for (ACP §2.1 `API-Version`), as
//! one layer in front of the checkout and delegate-payment routes:
//!
//! - `API-Version` must be one of the versions this merchant is configured to speak
//!   (`--acp-version`, all five by default); otherwise 400 with `supported_versions`, which is
//!   what a negotiating client reads.
//! - A request body's members are checked against that version's schema: a field the version
//!   does not define is a 400 naming it (`param` is its JSONPath), never silently dropped.
//! - A body in an earlier version is converted to 2026-04-17 before the handlers (which speak
//!   only that), and the answer is converted back to the version asked for.
//! - Carts (`/carts…`) exist only in 2026-04-17: in an earlier version they are a 404.

use std::sync::Arc;

use axum::body::{Body as HttpBody, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use buycard_acp::versions::{self, Body, Version};
use serde_json::Value;

use crate::AppState;
use crate::error::ApiError;
use crate::idempotency::BODY_LIMIT;

/// The path's segments after `/carts`, when it is a cart route (at the root or under `/api`).
fn cart_route(path: &str) -> Option<Vec<&str>> {
    let mut segments = path.split('/').filter(|s| !s.is_empty()).peekable();
    segments.next_if_eq(&"api");
    segments.next_if_eq(&"carts")?;
    Some(segments.collect())
}

/// What a request body is, by route.
fn request_kind(method: &Method, path: &str) -> Option<Body> {
    if let Some(rest) = cart_route(path) {
        return match (method, rest.as_slice()) {
            (&Method::POST, []) => Some(Body::CartCreateRequest),
            (&Method::PUT, [_]) => Some(Body::CartUpdateRequest),
            (&Method::POST, [_, "cancel"]) => Some(Body::CartCancelRequest),
            _ => None,
        };
    }
    if method != Method::POST {
        return None;
    }
    let path = path.trim_end_matches('/');
    Some(if path.ends_with("/agentic_commerce/delegate_payment") {
        Body::DelegatePaymentRequest
    } else if path.ends_with("/checkout_sessions") {
        Body::CreateRequest
    } else if path.ends_with("/complete") {
        Body::CompleteRequest
    } else if path.ends_with("/cancel") {
        Body::CancelRequest
    } else {
        Body::UpdateRequest
    })
}

fn unsupported(app: &AppState, given: Option<&str>) -> Response {
    let (code, message) = match given {
        None => (
            "missing_api_version",
            "The API-Version header is required".to_owned(),
        ),
        Some(other) => (
            "unsupported_api_version",
            format!("API-Version {other:?} is not supported"),
        ),
    };
    let mut error = ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", code, message);
    error.body.supported_versions =
        Some(app.versions.iter().map(|v| v.as_str().to_owned()).collect());
    error.into_response()
}

pub async fn layer(State(app): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get("api-version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(version) = given
        .as_deref()
        .and_then(Version::parse)
        .filter(|v| app.versions.contains(v))
    else {
        return unsupported(&app, given.as_deref());
    };
    // Carts are new in 2026-04-17: a client speaking an earlier version is talking to a merchant
    // of that version, which has no such route, so the answer is the 404 of any unknown route
    // (in that version's error shape), not a 400 about the version: the version is fine for
    // everything else it asks. The message says which version has carts.
    if !version.has_carts() && cart_route(request.uri().path()).is_some() {
        let first = Version::ALL.into_iter().find(|v| v.has_carts());
        let error = ApiError::new(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "not_found",
            format!(
                "ACP {version} has no carts; they exist from API-Version {}",
                first.unwrap_or(Version::CURRENT)
            ),
        );
        return translate_response(version, false, error.into_response()).await;
    }
    let kind = request_kind(request.method(), request.uri().path());
    let delegate = kind == Some(Body::DelegatePaymentRequest);
    let request = match kind {
        Some(kind) => match translate_request(version, kind, request).await {
            Ok(request) => request,
            Err(error) => return error.into_response(),
        },
        None => request,
    };
    let response = next.run(request).await;
    if version == Version::CURRENT {
        return response;
    }
    translate_response(version, delegate, response).await
}

async fn translate_request(
    version: Version,
    kind: Body,
    request: Request,
) -> Result<Request, ApiError> {
    let (mut parts, body) = request.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "request_too_large",
            "The request body is too large",
        )
    })?;
    // A body that is not JSON goes on as it is: the handler explains what is wrong with it.
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Request::from_parts(parts, HttpBody::from(bytes)));
    };
    if let Some(path) = versions::unknown_fields(version, kind, &value)
        .into_iter()
        .next()
    {
        return Err(ApiError::bad_request(
            "unknown_field",
            format!("{path} is not a field of this request in ACP {version}"),
            &path,
        ));
    }
    if version == Version::CURRENT {
        return Ok(Request::from_parts(parts, HttpBody::from(bytes)));
    }
    let current = versions::to_current(version, kind, value).map_err(|e| {
        ApiError::bad_request(
            "invalid",
            format!("Not a valid ACP {version} request: {e}"),
            "$",
        )
    })?;
    let bytes = serde_json::to_vec(&current).map_err(|_| ApiError::internal())?;
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Request::from_parts(parts, HttpBody::from(bytes)))
}

async fn translate_response(version: Version, delegate: bool, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::internal().into_response();
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, HttpBody::from(bytes));
    };
    let kind = if !parts.status.is_success() {
        if delegate {
            Body::DelegatePaymentError
        } else {
            Body::Error
        }
    } else if delegate {
        Body::DelegatePaymentResponse
    } else {
        Body::Session
    };
    let mut value = value;
    if kind == Body::Session && version < Version::V2026_01_30 {
        legacy_provider(&mut value);
    }
    match versions::from_current(version, kind, value) {
        Ok(wire) => {
            let Ok(bytes) = serde_json::to_vec(&wire) else {
                return ApiError::internal().into_response();
            };
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, HttpBody::from(bytes))
        }
        Err(error) => {
            tracing::error!(%version, %error, "cannot express an answer in the client's version");
            ApiError::internal().into_response()
        }
    }
}

/// Before payment handlers (2026-01-30), ACP names one payment provider, `stripe`, and a
/// session without it cannot be paid. The test PSP issues the same kind of delegated,
/// single-use token, so to those clients this merchant's card handler is `stripe`.
fn legacy_provider(session: &mut Value) {
    let Some(handlers) = session
        .pointer_mut("/capabilities/payment/handlers")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for handler in handlers {
        if let Some(handler) = handler.as_object_mut() {
            handler.insert("psp".into(), Value::String("stripe".into()));
        }
    }
}

/// `--error-style framework`: error bodies wrapped as `{"detail": {...}}`, as web frameworks
/// (FastAPI's `HTTPException`, for one) send them. For testing clients that must read both.
pub async fn framework_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status().is_success() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::internal().into_response();
    };
    let wrapped = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) => serde_json::json!({ "detail": value }),
        Err(_) => return Response::from_parts(parts, HttpBody::from(bytes)),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, HttpBody::from(wrapped.to_string()))
}
