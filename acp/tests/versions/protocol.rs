//! Unknown members, foreign error bodies and version negotiation.

use buycard_acp::versions::{Body, Version, error_from_any, newest_common, unknown_fields};
use serde_json::json;

use crate::all_examples;

#[test]
fn unknown_fields_are_named_by_json_path() {
    let create = json!({"currency": "usd", "capabilities": {},
        "line_items": [{"id": "a", "quantity": 2}]});
    assert_eq!(
        unknown_fields(Version::CURRENT, Body::CreateRequest, &create),
        ["$.line_items[0].quantity"]
    );
    let legacy = json!({"items": [{"id": "a", "quantity": 1}], "line_items": [{"id": "a"}]});
    assert_eq!(
        unknown_fields(Version::V2026_01_16, Body::CreateRequest, &legacy),
        ["$.line_items"]
    );
    let complete = json!({"payment_data": {"handler_id": "h", "instrument": {"type": "card",
        "credential": {"type": "spt", "token": "t"}}, "cvv": "123"}, "buyer": {"email": "a@b.co",
        "nickname": "x"}});
    assert_eq!(
        unknown_fields(Version::CURRENT, Body::CompleteRequest, &complete),
        ["$.buyer.nickname", "$.payment_data.cvv"]
    );
    let update = json!({"selected_fulfillment_options": [{"type": "shipping",
        "shipping": {"option_id": "o", "item_ids": [], "speed": 1}}]});
    assert_eq!(
        unknown_fields(Version::V2025_12_12, Body::UpdateRequest, &update),
        ["$.selected_fulfillment_options[0].shipping.speed"]
    );
    let cancel = json!({"intent_trace": {"reason_code": "other"}});
    assert_eq!(
        unknown_fields(Version::V2025_09_29, Body::CancelRequest, &cancel),
        ["$.intent_trace"]
    );
    assert!(unknown_fields(Version::V2025_12_12, Body::CancelRequest, &cancel).is_empty());
    assert!(unknown_fields(Version::CURRENT, Body::CreateRequest, &json!([1])).is_empty());
    for (version, key, body, example) in all_examples() {
        let unknown = unknown_fields(version, body, &example);
        assert!(unknown.is_empty(), "{version} {key}: {unknown:?}");
    }
}

#[test]
fn errors_of_any_shape_read_as_acp_errors() {
    let flat = br#"{"type":"invalid_request","code":"out_of_stock","message":"Gone","param":"$.line_items[0]"}"#;
    let e = error_from_any(400, flat);
    assert_eq!(
        (
            e.kind.as_str(),
            e.code.as_str(),
            e.message.as_str(),
            e.param.as_deref()
        ),
        (
            "invalid_request",
            "out_of_stock",
            "Gone",
            Some("$.line_items[0]")
        )
    );

    let versions = br#"{"type":"invalid_request","code":"unsupported_api_version","message":"No","supported_versions":["2025-12-12","2026-01-30"]}"#;
    let e = error_from_any(400, versions);
    assert_eq!(
        e.supported_versions.as_deref(),
        Some(&["2025-12-12".to_owned(), "2026-01-30".to_owned()][..])
    );

    let wrapped =
        br#"{"detail":{"type":"processing_error","code":"psp_down","message":"PSP down"}}"#;
    let e = error_from_any(500, wrapped);
    assert_eq!(
        (e.kind.as_str(), e.code.as_str()),
        ("processing_error", "psp_down")
    );

    let text = br#"{"detail":"Not Found"}"#;
    let e = error_from_any(404, text);
    assert_eq!(
        (e.kind.as_str(), e.code.as_str(), e.message.as_str()),
        ("invalid_request", "not_found", "Not Found")
    );

    let fastapi = br#"{"detail":[{"loc":["body","items",0,"quantity"],"msg":"Input should be greater than 0","type":"greater_than"}]}"#;
    let e = error_from_any(422, fastapi);
    assert_eq!(
        (e.kind.as_str(), e.code.as_str()),
        ("invalid_request", "invalid")
    );
    assert_eq!(e.param.as_deref(), Some("$.items[0].quantity"));
    assert_eq!(
        e.message,
        "$.items[0].quantity: Input should be greater than 0"
    );

    let several = br#"{"detail":[{"loc":["header","api-version"],"msg":"Field required","type":"missing"},{"loc":["body","buyer","e-mail"],"msg":"Bad","type":"value_error"}]}"#;
    let e = error_from_any(422, several);
    assert_eq!(e.param.as_deref(), Some("$.buyer['e-mail']"));
    assert!(
        e.message
            .starts_with("2 validation errors: Field required; "),
        "{}",
        e.message
    );

    let nested = br#"{"error":{"type":"invalid_request","code":"missing","message":"Email required","param":"$.buyer.email"}}"#;
    let e = error_from_any(400, nested);
    assert_eq!(
        (e.code.as_str(), e.param.as_deref()),
        ("missing", Some("$.buyer.email"))
    );

    let legacy = br#"{"type":"request_not_idempotent","code":"idempotency_conflict","message":"Reused key"}"#;
    assert_eq!(error_from_any(422, legacy).kind, "invalid_request");

    let message_only = br#"{"message":"Rate limited, slow down"}"#;
    let e = error_from_any(429, message_only);
    assert_eq!(
        (e.kind.as_str(), e.code.as_str(), e.message.as_str()),
        (
            "service_unavailable",
            "rate_limited",
            "Rate limited, slow down"
        )
    );

    let e = error_from_any(502, b"");
    assert_eq!(
        (e.kind.as_str(), e.code.as_str()),
        ("service_unavailable", "bad_gateway")
    );
    assert!(e.message.contains("502"), "{}", e.message);

    let e = error_from_any(
        500,
        b"<html><body><h1>500 Internal Server Error</h1></body></html>",
    );
    assert_eq!(e.kind, "processing_error");
    assert!(!e.message.contains('<'), "{}", e.message);

    let e = error_from_any(504, b"upstream request timeout\n");
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("timeout", "upstream request timeout")
    );

    for hostile in [
        &b"\xff\xfe\x00garbage"[..],
        b"null",
        b"[]",
        b"42",
        b"{\"detail\":[1,[2]]}",
    ] {
        let e = error_from_any(418, hostile);
        assert_eq!(e.kind, "invalid_request");
        assert!(!e.message.is_empty());
    }
    let deep = format!("{}{}", "{\"detail\":".repeat(50), "}".repeat(50));
    assert!(!error_from_any(500, deep.as_bytes()).message.is_empty());
}

#[test]
fn versions_negotiate_the_newest_common_one() {
    assert_eq!(
        newest_common(&Version::ALL, &["2026-01-30", "2025-12-12", "junk"]),
        Some(Version::V2026_01_30)
    );
    assert_eq!(
        newest_common(
            &[Version::V2025_09_29, Version::V2026_04_17],
            &["2026-01-16", "2025-09-29"]
        ),
        Some(Version::V2025_09_29)
    );
    assert_eq!(newest_common(&Version::ALL, &["2027-01-01"]), None);
    assert_eq!(newest_common(&[], &["2026-04-17"]), None);

    assert_eq!(Version::CURRENT.as_str(), buycard_acp::API_VERSION);
    assert!(
        Version::ALL
            .windows(2)
            .all(|w| w[0] < w[1] && w[0].as_str() < w[1].as_str())
    );
    for version in Version::ALL {
        assert_eq!(Version::parse(version.as_str()), Some(version));
        assert_eq!(version.to_string().parse::<Version>(), Ok(version));
    }
    assert_eq!(Version::parse(" 2025-12-12 "), Some(Version::V2025_12_12));
    assert!("2025-12-13".parse::<Version>().is_err());
}
