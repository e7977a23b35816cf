//! The delegate-payment examples of the specification round-trip, and no card number leaks
//! through `Debug`.

use buycard_acp::ErrorResponse;
use buycard_acp::delegate_payment::{DelegatePaymentRequest, DelegatePaymentResponse};
mod common;

use serde_json::Value;

fn examples() -> Value {
    common::examples("examples.delegate_payment.json")
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(key: &str) -> T {
    common::round_trip(key, &examples()[key])
}

#[test]
fn examples_round_trip() {
    let request: DelegatePaymentRequest = round_trip("delegate_payment_request");
    assert_eq!(request.allowance.reason, "one_time");
    assert_eq!(request.allowance.max_amount, 2000);
    let response: DelegatePaymentResponse = round_trip("delegate_payment_success_response");
    assert!(response.id.starts_with("vt_"));
    for key in [
        "delegate_payment_error_invalid_card",
        "delegate_payment_error_idempotency_conflict",
        "delegate_payment_error_rate_limit",
        "delegate_payment_error_idempotency_key_required",
        "delegate_payment_error_idempotency_in_flight",
    ] {
        let _: ErrorResponse = round_trip(key);
    }
}

#[test]
fn debug_never_shows_the_card_number_or_cvc() {
    let request: DelegatePaymentRequest =
        serde_json::from_value(examples()["delegate_payment_request"].clone()).expect("parses");
    let shown = format!("{request:?} {:#?}", request.payment_method);
    assert!(!shown.contains("4242424242424242"), "{shown}");
    assert!(!shown.contains("223"), "the CVC is hidden: {shown}");
    assert!(shown.contains("4242"), "the last four digits may be shown");
}
