//! Every checkout example of the specification parses into these types and is written back
//! unchanged (fields not modelled are carried in `extra`).

use buycard_acp::ErrorResponse;
use buycard_acp::checkout::{
    CancelSessionRequest, CheckoutSession, CheckoutSessionCompleteRequest,
    CheckoutSessionCreateRequest, CheckoutSessionUpdateRequest, Status, TotalType,
};
mod common;

use serde_json::Value;

fn examples() -> Value {
    common::examples("examples.agentic_checkout.json")
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(key: &str) -> T {
    common::round_trip(key, &examples()[key])
}

#[test]
fn requests_round_trip() {
    for key in [
        "create_checkout_session_request",
        "create_checkout_session_request_with_first_touch_attribution",
    ] {
        let req: CheckoutSessionCreateRequest = round_trip(key);
        assert!(!req.line_items.is_empty());
    }
    let _: CheckoutSessionUpdateRequest = round_trip("update_checkout_session_request");
    for key in [
        "complete_checkout_session_request",
        "complete_checkout_session_request_seller_backed",
        "complete_checkout_session_request_with_last_touch_attribution",
        "complete_session_with_authentication_result_request",
        "complete_session_with_denied_authentication_request",
    ] {
        let _: CheckoutSessionCompleteRequest = round_trip(key);
    }
    for key in [
        "cancel_checkout_session_request",
        "cancel_checkout_session_request_timing_deferred",
    ] {
        let _: CancelSessionRequest = round_trip(key);
    }
}

#[test]
fn sessions_round_trip() {
    for key in [
        "create_checkout_session_response",
        "update_checkout_session_response",
        "get_checkout_session_response",
        "cancel_checkout_session_response",
        "checkout_session_authentication_required",
        "checkout_session_with_out_of_stock",
        "checkout_session_with_payment_declined",
    ] {
        let session: CheckoutSession = round_trip(key);
        assert!(
            session.total().is_some() || session.totals.is_empty(),
            "{key}"
        );
    }
    let done: CheckoutSession = round_trip("complete_checkout_session_response");
    assert_eq!(done.status, Status::Completed);
    assert!(done.order.is_some());
    let auth: CheckoutSession = round_trip("checkout_session_authentication_required");
    assert_eq!(auth.status, Status::AuthenticationRequired);
    assert!(auth.authentication_metadata.is_some());
}

#[test]
fn error_examples_round_trip() {
    for key in [
        "error_400_requires_3ds",
        "error_400_invalid_item",
        "error_400_idempotency_key_required",
        "error_422_idempotency_conflict",
        "error_409_idempotency_in_flight",
    ] {
        let _: ErrorResponse = round_trip(key);
    }
}

#[test]
fn unknown_status_is_tolerated() {
    let mut session = examples()["get_checkout_session_response"].clone();
    session["status"] = "on_hold_for_a_future_reason".into();
    let parsed: CheckoutSession = serde_json::from_value(session).expect("tolerated");
    assert_eq!(parsed.status, Status::Other);
    assert!(parsed.totals.iter().any(|t| t.kind == TotalType::Total));
}
