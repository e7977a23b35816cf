//! The flat ACP error body (`Error` in the feed and checkout schemas).

use serde::{Deserialize, Serialize};

/// A flat ACP error: `{"type", "code", "message", "param"?}`.
///
/// `param` is a JSONPath (checkout) or a field name (feeds) naming the offending input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// High-level category, e.g. `invalid_request`, `processing_error`, `service_unavailable`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Machine-readable code, e.g. `feed_not_found`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// With `unsupported_api_version` / `missing_api_version`: the versions the server accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_versions: Option<Vec<String>>,
}

impl ErrorResponse {
    pub fn new(kind: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            code: code.to_owned(),
            message: message.into(),
            param: None,
            supported_versions: None,
        }
    }

    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }
}
