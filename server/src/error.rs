//! Errors as ACP's flat error body (`{"type","code","message","param"}`) with an HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use buycard_acp::ErrorResponse;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Boxed: errors travel in every handler's `Result`, so they stay one pointer wide.
    pub body: Box<ErrorResponse>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorResponse::new(kind, code, message)),
            retry_after: None,
        }
    }

    pub fn param(mut self, param: &str) -> Self {
        self.body.param = Some(param.to_owned());
        self
    }

    pub fn feed_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "feed_not_found",
            "Feed not found",
        )
        .param("id")
    }

    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "not_found",
            "No such endpoint",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(*self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status, self.body.code, self.body.message
        )
    }
}

impl ApiError {
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "processing_error",
            "internal_error",
            "The server could not process the request; it is safe to retry",
        )
    }

    pub fn bad_request(code: &str, message: impl Into<String>, param: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", code, message).param(param)
    }

    /// Another request changed the checkout session while this one ran (possibly on another
    /// instance), and retrying here did not get through: the client retries shortly, with the
    /// same Idempotency-Key.
    pub fn concurrent_update() -> Self {
        Self::changed_meanwhile("checkout session")
    }

    /// [`ApiError::concurrent_update`] for another kind of record ("cart").
    pub fn changed_meanwhile(what: &str) -> Self {
        let mut error = Self::new(
            StatusCode::CONFLICT,
            "invalid_request",
            "concurrent_update",
            format!("The {what} changed while this request ran; retry shortly"),
        );
        error.retry_after = Some(1);
        error
    }

    pub fn is_concurrent_update(&self) -> bool {
        self.status == StatusCode::CONFLICT && self.body.code == "concurrent_update"
    }

    pub fn session_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "not_found",
            "Checkout session not found",
        )
        .param("$.id")
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        tracing::error!(%error, "store failure");
        Self::internal()
    }
}
