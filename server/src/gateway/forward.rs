//! One server-to-server ACP call to a merchant (or its PSP): the version adapters on the way out
//! and back, the headers ACP wants, negotiation on a version the merchant refuses, and every
//! failure as ACP's flat error.

use axum::Json;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use buycard_acp::versions::{self, Body, Version};
use serde_json::Value;

use super::Gateway;
use super::registry::{Merchant, Secret, VersionChoice};
use crate::error::ApiError;
use crate::{now, rfc3339, signing};

/// What the inbound request hands to the next hop.
#[derive(Debug, Clone)]
pub struct Hop {
    /// The card's key, sent on unchanged: a retry at any hop is the same intent.
    pub idempotency_key: Option<String>,
    pub request_id: String,
}

/// A call to make, in the current version's terms.
pub struct Call {
    method: Method,
    path: String,
    body: Option<(Body, Value)>,
}

impl Call {
    pub fn post(path: &str, kind: Body, body: Value) -> Self {
        Self {
            method: Method::POST,
            path: path.to_owned(),
            body: Some((kind, body)),
        }
    }

    pub fn put(path: &str, kind: Body, body: Value) -> Self {
        Self {
            method: Method::PUT,
            path: path.to_owned(),
            body: Some((kind, body)),
        }
    }

    pub fn get(path: &str) -> Self {
        Self {
            method: Method::GET,
            path: path.to_owned(),
            body: None,
        }
    }
}

/// A merchant's successful answer, converted to the current version.
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    /// The merchant answered with a stored response (`Idempotent-Replayed: true`).
    pub replayed: bool,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.replayed {
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        response
    }
}

/// Where a call goes and with which credentials.
pub struct Target<'a> {
    pub url: String,
    pub api_key: Option<&'a Secret>,
    pub signing_secret: Option<&'a Secret>,
    /// What a successful answer is.
    pub answer: Body,
}

/// A checkout call to `merchant`, negotiating the version when the registry says so.
pub async fn checkout(
    gateway: &Gateway,
    merchant: &Merchant,
    hop: &Hop,
    call: Call,
) -> Result<Answer, ApiError> {
    let target = Target {
        url: format!("{}{}", merchant.checkout_url, call.path),
        api_key: merchant.api_key.as_ref(),
        signing_secret: merchant.signing_secret.as_ref(),
        answer: Body::Session,
    };
    let answer = negotiating(gateway, merchant, &target, hop, &call).await;
    let mut answer = answer.map_err(Refused::into_error)?;
    fill_psp_account(&mut answer.body, merchant);
    Ok(answer)
}

/// Sends `call` in the version last agreed with `merchant`; when the registry says to negotiate
/// and the merchant names the versions it speaks instead, once more in the newest common one,
/// which is remembered. Every call path negotiates for itself: the version is a per-process
/// cache, and the instance that serves this call may not be the one that negotiated before.
pub async fn negotiating(
    gateway: &Gateway,
    merchant: &Merchant,
    target: &Target<'_>,
    hop: &Hop,
    call: &Call,
) -> Result<Answer, Refused> {
    let version = gateway.version(merchant);
    let answer = send(gateway, merchant, target, hop, call, version).await;
    if let Err(Refused::Version(theirs)) = &answer
        && merchant.version == VersionChoice::Negotiate
    {
        let theirs: Vec<&str> = theirs.iter().map(String::as_str).collect();
        if let Some(common) =
            versions::newest_common(&Version::ALL, &theirs).filter(|v| *v != version)
        {
            gateway.remember(merchant, common);
            return send(gateway, merchant, target, hop, call, common).await;
        }
    }
    answer
}

/// Why a call did not succeed.
pub enum Refused {
    /// 400 naming the versions the peer speaks instead.
    Version(Vec<String>),
    Error(ApiError),
}

impl Refused {
    pub fn into_error(self) -> ApiError {
        match self {
            Refused::Error(error) => error,
            Refused::Version(theirs) => {
                let mut error = ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "service_unavailable",
                    "merchant_version_unsupported",
                    format!(
                        "This shop speaks ACP {} only, which this platform does not",
                        theirs.join(", ")
                    ),
                );
                error.body.supported_versions = Some(theirs);
                error
            }
        }
    }
}

/// Sends `call` once in `version`.
pub async fn send(
    gateway: &Gateway,
    merchant: &Merchant,
    target: &Target<'_>,
    hop: &Hop,
    call: &Call,
    version: Version,
) -> Result<Answer, Refused> {
    let body = match &call.body {
        Some((kind, current)) => {
            let mut current = current.clone();
            if *kind == Body::CompleteRequest && version < Version::V2026_01_30 {
                // Before payment handlers, ACP names one payment provider, `stripe`: the
                // delegated token the card pays with is that provider's kind of token,
                // issued by the PSP the registry names for this merchant.
                if let Some(data) = current
                    .get_mut("payment_data")
                    .and_then(Value::as_object_mut)
                {
                    data.insert("handler_id".into(), Value::String("stripe".into()));
                }
            }
            let wire = versions::from_current(version, *kind, current).map_err(|e| {
                Refused::Error(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_request",
                    "invalid",
                    format!("This shop's checkout (ACP {version}) cannot take this request: {e}"),
                ))
            })?;
            serde_json::to_vec(&wire).map_err(|_| Refused::Error(ApiError::internal()))?
        }
        None => Vec::new(),
    };
    let mut request = gateway
        .client
        .request(call.method.clone(), &target.url)
        .header("API-Version", version.as_str())
        .header(header::ACCEPT, "application/json");
    if !hop.request_id.is_empty() {
        request = request.header("Request-Id", &hop.request_id);
    }
    if let Some(key) = &hop.idempotency_key {
        request = request.header("Idempotency-Key", key);
    }
    if let Some(key) = target.api_key {
        request = request.bearer_auth(key.expose());
    }
    if let Some(secret) = target.signing_secret {
        let timestamp = rfc3339(now());
        request = request
            .header(
                "Signature",
                signing::sign(secret.expose().as_bytes(), &timestamp, &body),
            )
            .header("Timestamp", timestamp);
    }
    if call.method == Method::POST || call.method == Method::PUT {
        request = request
            .header(header::CONTENT_TYPE, "application/json")
            .body(body);
    }
    let response = request.send().await.map_err(|e| {
        tracing::warn!(merchant = %merchant.id, url = %target.url, error = %e, "merchant unreachable");
        let (status, code) = if e.is_timeout() {
            (StatusCode::GATEWAY_TIMEOUT, "merchant_timeout")
        } else {
            (StatusCode::BAD_GATEWAY, "merchant_unreachable")
        };
        Refused::Error(ApiError::new(
            status,
            "service_unavailable",
            code,
            "The shop's checkout did not answer; it is safe to retry",
        ))
    })?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    let bytes = response.bytes().await.map_err(|_| {
        Refused::Error(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "service_unavailable",
            "merchant_unreachable",
            "The shop's answer was cut off; it is safe to retry",
        ))
    })?;
    if !status.is_success() {
        let error = versions::error_from_any(status.as_u16(), &bytes);
        if status == StatusCode::BAD_REQUEST
            && let Some(theirs) = error.supported_versions.clone()
        {
            return Err(Refused::Version(theirs));
        }
        tracing::info!(merchant = %merchant.id, %status, code = %error.code, "merchant refused");
        // A merchant refusing the platform's own credentials is the platform's problem, not
        // the buyer's: the card must not read it as "sign in".
        let status = match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => StatusCode::BAD_GATEWAY,
            other => other,
        };
        return Err(Refused::Error(ApiError {
            status,
            body: Box::new(error),
            retry_after,
        }));
    }
    let unreadable = || {
        Refused::Error(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "service_unavailable",
            "merchant_answer_unreadable",
            "The shop answered something this platform cannot read",
        ))
    };
    let wire: Value = serde_json::from_slice(&bytes).map_err(|_| unreadable())?;
    let body = versions::to_current(version, target.answer, wire).map_err(|e| {
        tracing::warn!(merchant = %merchant.id, error = %e, "merchant answer not convertible");
        unreadable()
    })?;
    Ok(Answer {
        status,
        body,
        replayed,
    })
}

/// The card reads the account to pay (`allowance.merchant_id`) from the session's handler;
/// versions before 2026-01-16 do not say it, the registry does.
fn fill_psp_account(session: &mut Value, merchant: &Merchant) {
    let Some(handlers) = session
        .pointer_mut("/capabilities/payment/handlers")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for handler in handlers {
        if let Some(config) = handler.get_mut("config").and_then(Value::as_object_mut) {
            config
                .entry("merchant_id")
                .or_insert_with(|| Value::String(merchant.psp.merchant_id.clone()));
        }
    }
}
