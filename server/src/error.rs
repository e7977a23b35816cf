//! Errors as ACP's flat error body (`{"type","code","message","param"}`) with an HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use buycard_acp::ErrorResponse;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorResponse,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorResponse::new(kind, code, message),
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
        (self.status, Json(self.body)).into_response()
    }
}
