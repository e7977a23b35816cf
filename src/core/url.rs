//! URLs from feeds and attributes are untrusted: only these helpers turn them into `href`/`src`.

/// `raw` if it is an absolute `http:` or `https:` URL with a host and no whitespace or control
/// characters; `None` for anything else (`javascript:`, `data:`, relative paths, garbage).
pub fn safe_http_url(raw: &str) -> Option<&str> {
    let url = raw.trim();
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let lower = url.get(..8)?.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return None;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    (!host.is_empty() && !host.starts_with('@')).then_some(url)
}

/// The base URL of a checkout backend, from the `endpoint` attribute: an absolute http(s) URL or
/// a same-origin path (`/api`). Returned without a trailing slash, ready for `{base}/feeds/...`.
pub fn endpoint_base(raw: &str) -> Option<&str> {
    let trimmed = raw.trim();
    let same_origin_path = trimmed.starts_with('/')
        && !trimmed.starts_with("//")
        && !trimmed
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\');
    if same_origin_path || safe_http_url(trimmed).is_some() {
        Some(trimmed.trim_end_matches('/'))
    } else {
        None
    }
}

/// Percent-encodes a path segment (an id from an attribute) so it cannot add path segments,
/// a query or a fragment.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_pass() {
        assert_eq!(
            safe_http_url(" https://shop.example/p?id=1 "),
            Some("https://shop.example/p?id=1")
        );
        assert_eq!(
            safe_http_url("HTTP://shop.example"),
            Some("HTTP://shop.example")
        );
        for hostile in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https:///path",
            "https://",
            "//evil.example/x",
            "/relative",
            "https://exa mple.com",
            "https://\u{0}evil",
            "vbscript:x",
            "",
        ] {
            assert_eq!(safe_http_url(hostile), None, "{hostile:?}");
        }
    }

    #[test]
    fn endpoints() {
        assert_eq!(endpoint_base("/api/"), Some("/api"));
        assert_eq!(
            endpoint_base("http://127.0.0.1:8787"),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(endpoint_base("javascript:alert(1)"), None);
        assert_eq!(endpoint_base("//evil.example"), None);
        assert_eq!(endpoint_base("api"), None);
    }

    #[test]
    fn segments_cannot_escape() {
        assert_eq!(encode_segment("demo"), "demo");
        assert_eq!(encode_segment("../x?y#z"), "..%2Fx%3Fy%23z");
        assert_eq!(encode_segment("é"), "%C3%A9");
    }
}
