//! Mapping rules, one at a time: quantities, defaults, what requests refuse to lose, how sessions,
//! delegate payment and errors narrow for older versions.

use buycard_acp::checkout::Status;
use buycard_acp::versions::{
    AdaptError, Body, Defaults, MAX_UNITS, Version, decode_session, from_current, to_current,
    to_current_with,
};
use serde_json::{Value, json};

use crate::{Schemas, spec};

#[test]
fn legacy_quantities_are_repeated_ids_and_back() {
    let legacy = json!({"items": [{"id": "a", "quantity": 2}, {"id": "b", "quantity": 1.0}]});
    let current = to_current(Version::V2025_12_12, Body::CreateRequest, legacy).unwrap();
    assert_eq!(
        current["line_items"],
        json!([{"id": "a"}, {"id": "a"}, {"id": "b"}])
    );
    assert_eq!(current["currency"], "usd");
    let update = json!({"line_items": [{"id": "b"}, {"id": "a", "name": "A"}, {"id": "b"}]});
    let down = from_current(Version::V2026_01_16, Body::UpdateRequest, update).unwrap();
    assert_eq!(
        down,
        json!({"items": [{"id": "b", "quantity": 2}, {"id": "a", "quantity": 1}]})
    );

    let fractional = json!({"items": [{"id": "a", "quantity": 1}, {"id": "b", "quantity": 0.5}]});
    let err = to_current(Version::V2025_09_29, Body::CreateRequest, fractional).unwrap_err();
    assert_eq!(err.path(), "$.items[1].quantity");
    let zero = json!({"items": [{"id": "a", "quantity": 0}]});
    let err = to_current(Version::V2025_12_12, Body::UpdateRequest, zero).unwrap_err();
    assert_eq!(err.path(), "$.items[0].quantity");
    let huge = json!({"items": [{"id": "a", "quantity": MAX_UNITS + 1}]});
    let err = to_current(Version::V2025_12_12, Body::CreateRequest, huge).unwrap_err();
    assert!(matches!(err, AdaptError::Invalid { .. }), "{err}");
}

#[test]
fn legacy_requests_fill_what_they_leave_unsaid() {
    let defaults = Defaults {
        currency: "eur".into(),
        handler_id: Some("card_tokenized".into()),
    };
    let create = json!({"items": [{"id": "a", "quantity": 1}], "fulfillment_address": {
        "name": "A", "line_one": "1 Rue", "city": "Paris", "state": "IDF", "country": "FR",
        "postal_code": "75001"}});
    let current =
        to_current_with(Version::V2025_09_29, Body::CreateRequest, create, &defaults).unwrap();
    assert_eq!(current["currency"], "eur");
    assert_eq!(current["capabilities"], json!({}));
    assert_eq!(current["fulfillment_details"]["address"]["city"], "Paris");

    let complete = json!({"payment_data": {"token": "spt_1", "provider": "stripe"}});
    let current = to_current_with(
        Version::V2025_12_12,
        Body::CompleteRequest,
        complete,
        &defaults,
    )
    .unwrap();
    assert_eq!(
        current["payment_data"],
        json!({"handler_id": "card_tokenized", "instrument": {"type": "card",
            "credential": {"type": "spt", "token": "spt_1"}}})
    );

    let update = json!({"fulfillment_option_id": "ship_fast"});
    let current = to_current(Version::V2025_09_29, Body::UpdateRequest, update).unwrap();
    assert_eq!(
        current["selected_fulfillment_options"],
        json!([{"type": "shipping", "option_id": "ship_fast", "item_ids": []}])
    );
}

#[test]
fn requests_never_lose_meaning_silently() {
    let complete = json!({"payment_data": {"handler_id": "card_tokenized", "instrument": {
        "type": "card", "credential": {"type": "spt", "token": "vt_1"}}}});
    let err = from_current(Version::V2026_01_16, Body::CompleteRequest, complete).unwrap_err();
    assert_eq!(err.path(), "$.payment_data.handler_id");

    let update = json!({"selected_fulfillment_options": [
        {"type": "pickup", "option_id": "store", "item_ids": ["li_1"]}]});
    let err = from_current(Version::V2025_12_12, Body::UpdateRequest, update).unwrap_err();
    assert_eq!(err.path(), "$.selected_fulfillment_options[0].type");

    let two = json!({"selected_fulfillment_options": [
        {"type": "shipping", "option_id": "a", "item_ids": ["li_1"]},
        {"type": "shipping", "option_id": "b", "item_ids": ["li_2"]}]});
    let err = from_current(Version::V2025_09_29, Body::UpdateRequest, two).unwrap_err();
    assert_eq!(err.path(), "$.selected_fulfillment_options");

    let notes = json!({"line_items": [{"id": "a"}], "order_notes": "ring twice"});
    let err = from_current(Version::V2026_01_30, Body::UpdateRequest, notes).unwrap_err();
    assert!(matches!(err, AdaptError::Inexpressible { .. }), "{err}");
    assert_eq!(err.path(), "$.order_notes");

    let buyer = json!({"buyer": {"email": "a@example.com"}, "line_items": [{"id": "a"}]});
    let err = from_current(Version::V2025_12_12, Body::UpdateRequest, buyer).unwrap_err();
    assert_eq!(err.path(), "$.buyer.first_name");
    let named = json!({"buyer": {"full_name": "Ada King Lovelace", "email": "a@example.com"}});
    let down = from_current(Version::V2025_12_12, Body::UpdateRequest, named).unwrap();
    assert_eq!(
        down["buyer"],
        json!({"first_name": "Ada", "last_name": "King Lovelace", "email": "a@example.com"})
    );
}

/// A session like the reference server's: its own PSP, a digital and a pickup option, a
/// warning, gift wrap, a company on the address.
fn rich_session() -> Value {
    let total =
        |kind: &str, amount: i64| json!({"type": kind, "display_text": kind, "amount": amount});
    json!({
        "id": "cs_1",
        "protocol": {"version": "2026-04-17"},
        "capabilities": {"payment": {"handlers": [{
            "id": "card_tokenized", "name": "dev.acp.tokenized.card", "version": "2026-01-22",
            "spec": "https://acp.dev/handlers/tokenized.card", "requires_delegate_payment": true,
            "requires_pci_compliance": false, "psp": "buycard_test_psp",
            "config_schema": "https://acp.dev/schemas/handlers/tokenized.card/config.json",
            "instrument_schemas": ["https://acp.dev/schemas/handlers/tokenized.card/instrument.json"],
            "config": {"merchant_id": "m_1"}, "display_order": 0}]}},
        "buyer": {"email": "a@example.com"},
        "status": "incomplete",
        "currency": "usd",
        "line_items": [{"id": "li_1", "item": {"id": "sku_1", "name": "Mug"}, "quantity": 2,
            "unit_amount": 500, "product_id": "p_1",
            "totals": [total("items_base_amount", 1000), total("tax", 100), total("total", 1100)]}],
        "fulfillment_details": {"name": "A", "address": {"name": "A", "line_one": "1 Main St",
            "city": "SF", "state": "CA", "country": "US", "postal_code": "94102", "company": "ACME"}},
        "fulfillment_options": [
            {"type": "digital", "id": "email", "title": "Email", "totals": [total("total", 0)]},
            {"type": "pickup", "id": "store", "title": "Store", "location": {"name": "Shop",
                "address": {"name": "Shop", "line_one": "2 Main St", "city": "SF", "state": "CA",
                "country": "US", "postal_code": "94102"}}, "totals": [total("total", 0)]}],
        "selected_fulfillment_options": [
            {"type": "pickup", "option_id": "store", "item_ids": ["li_1"]},
            {"type": "digital", "option_id": "email", "item_ids": ["li_1"]}],
        "totals": [total("subtotal", 1000), total("gift_wrap", 300), total("amount_refunded", 5),
            total("total", 1400)],
        "messages": [{"type": "warning", "code": "low_stock", "severity": "low",
            "content_type": "plain", "content": "Only 2 left", "param": "$.line_items[0]"},
            {"type": "error", "code": "quantity_exceeded", "resolution": "requires_buyer_input",
            "content_type": "plain", "content": "Too many"}],
        "links": [{"type": "faq", "url": "https://example.com/faq"},
            {"type": "shipping_policy", "title": "Shipping", "url": "https://example.com/ship"}],
        "authentication_metadata": {"acquirer_details": {"acquirer_bin": "424242",
            "acquirer_country": "US", "acquirer_merchant_id": "m_1", "merchant_name": "Shop"},
            "directory_server": "visa"},
        "created_at": "2026-04-20T10:00:00Z",
        "order": {"id": "o_1", "checkout_session_id": "cs_1",
            "permalink_url": "https://example.com/o/1", "status": "placed"}
    })
}

#[test]
fn sessions_go_down_as_faithfully_as_the_version_allows() {
    let mut schemas = Schemas::default();
    for version in Version::ALL {
        let down = from_current(version, Body::Session, rich_session()).unwrap();
        schemas.assert_valid(
            version,
            Body::Session,
            &down,
            &format!("rich session -> {version}"),
        );
        let back = decode_session(version, down.clone()).unwrap();
        assert_eq!(back.line_items[0].quantity, 2, "{version}");
        if version < Version::V2026_01_30 {
            assert!(
                down.get("payment_provider").is_none(),
                "not stripe: {version}"
            );
            assert!(down.get("buyer").is_none(), "no names: {version}");
            assert_eq!(down["status"], "not_ready_for_payment");
            assert_eq!(down["messages"][0]["type"], "info");
            assert_eq!(down["messages"][1]["code"], "invalid");
            assert_eq!(down["fulfillment_options"].as_array().unwrap().len(), 1);
            assert_eq!(down["line_items"][0]["base_amount"], 1000);
            assert_eq!(down["line_items"][0]["subtotal"], 1000);
            assert_eq!(down["line_items"][0]["total"], 1100);
            let kinds: Vec<&Value> = down["totals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| &t["type"])
                .collect();
            assert_eq!(kinds, [&json!("subtotal"), &json!("fee"), &json!("total")]);
        }
    }
    let oldest = from_current(Version::V2025_09_29, Body::Session, rich_session()).unwrap();
    assert_eq!(oldest["fulfillment_option_id"], "email");
    assert_eq!(
        oldest["links"],
        json!([{"type": "seller_shop_policies", "url": "https://example.com/ship"}])
    );
    assert!(
        oldest.get("order").is_none(),
        "2025-09-29's session schema cannot carry an order"
    );
    let stripe = {
        let mut s = rich_session();
        s["capabilities"]["payment"]["handlers"][0]["psp"] = json!("stripe");
        s["capabilities"]["interventions"] = json!({"supported": ["3ds"]});
        s
    };
    let down = from_current(Version::V2026_01_16, Body::Session, stripe).unwrap();
    assert_eq!(
        down["payment_provider"],
        json!({"provider": "stripe", "merchant_id": "m_1", "supported_payment_methods": [
            {"type": "card", "supported_card_networks": ["amex", "discover", "mastercard", "visa"]}]})
    );
    assert_eq!(down["authentication_provider"]["merchant_id"], "m_1");
}

#[test]
fn legacy_sessions_read_as_current() {
    let legacy = spec(
        Version::V2026_01_16,
        "examples",
        "examples.agentic_checkout.json",
    );
    let session = decode_session(
        Version::V2026_01_16,
        legacy["checkout_session_authentication_required"].clone(),
    )
    .unwrap();
    assert_eq!(session.status, Status::AuthenticationRequired);
    let payment = session.capabilities.payment.as_ref().unwrap();
    assert_eq!(payment.handlers[0].id, "stripe");
    assert_eq!(payment.handlers[0].psp, "stripe");
    assert_eq!(payment.handlers[0].config["merchant_id"], "acct_1234567890");
    assert_eq!(session.total(), Some(7875));
    let line = &session.line_items[0];
    assert_eq!((line.quantity, line.totals.len()), (1, 5));

    let with_nulls = json!({"id": "cs", "status": "ready_for_payment", "currency": "usd",
        "line_items": [], "totals": [], "fulfillment_options": [], "messages": [], "links": [],
        "buyer": null, "payment_provider": null, "from_the_future": {"x": 1}});
    let current = to_current(Version::V2025_12_12, Body::Session, with_nulls).unwrap();
    assert_eq!(current.get("buyer"), None);
    assert_eq!(current.get("from_the_future"), None);
    assert_eq!(current["capabilities"], json!({}));
}

#[test]
fn delegate_payment_narrows_for_older_versions() {
    let examples = spec(
        Version::CURRENT,
        "examples",
        "examples.delegate_payment.json",
    );
    let mut request = examples["delegate_payment_request"].clone();
    request["payment_method"]["iin"] = json!("42424242");
    let down = from_current(
        Version::V2025_12_12,
        Body::DelegatePaymentRequest,
        request.clone(),
    )
    .unwrap();
    assert_eq!(down["payment_method"]["iin"], "424242");
    request["risk_signals"] = json!([]);
    let err =
        from_current(Version::V2026_01_30, Body::DelegatePaymentRequest, request).unwrap_err();
    assert_eq!(err.path(), "$.risk_signals");

    let in_flight = examples["delegate_payment_error_idempotency_in_flight"].clone();
    let down = from_current(Version::V2026_01_30, Body::DelegatePaymentError, in_flight).unwrap();
    assert_eq!(down["code"], "duplicate_request");

    let mut legacy = spec(
        Version::V2025_09_29,
        "examples",
        "examples.delegate_payment.json",
    );
    legacy["delegate_payment_request"]["payment_method"]["display_last4"] = json!("42");
    let current = to_current(
        Version::V2025_09_29,
        Body::DelegatePaymentRequest,
        legacy["delegate_payment_request"].clone(),
    )
    .unwrap();
    assert!(current["payment_method"].get("display_last4").is_none());
}

#[test]
fn checkout_errors_map_idempotency_types() {
    let legacy = json!({"type": "request_not_idempotent", "code": "idempotency_conflict",
        "message": "Same key, other body"});
    let current = to_current(Version::V2026_01_16, Body::Error, legacy.clone()).unwrap();
    assert_eq!(current["type"], "invalid_request");
    assert_eq!(
        from_current(Version::V2026_01_16, Body::Error, current).unwrap(),
        legacy
    );
    let with_versions = json!({"type": "invalid_request", "code": "unsupported_api_version",
        "message": "Use another", "supported_versions": ["2026-04-17"]});
    let down = from_current(Version::V2026_01_30, Body::Error, with_versions).unwrap();
    assert!(down.get("supported_versions").is_none());
}
