//! The client against the specification: its example sessions and errors read into the card's
//! models, and every body the card writes is valid against the ACP schema and reads back into
//! the full `buycard_acp` request types unchanged.

use buycard_acp::checkout::{
    CancelSessionRequest, CheckoutSession, CheckoutSessionCompleteRequest,
    CheckoutSessionCreateRequest, CheckoutSessionUpdateRequest,
};
use buycard_acp::delegate_payment::DelegatePaymentRequest;
use serde_json::{Value, json};

use super::answer::{self, Answer};
use super::request::{self, Allowance};
use super::*;
use crate::core::checkout_error::CheckoutError;

fn spec(path: &str) -> Value {
    let path = format!(
        "{}/../shared/acp-2026-04-17/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("the ACP spec is beside the repo"))
        .expect("JSON")
}

fn example(key: &str) -> Value {
    let value = spec("examples/examples.agentic_checkout.json")[key].clone();
    assert!(!value.is_null(), "example {key} exists");
    value
}

fn session(key: &str) -> Session {
    serde_json::from_value(example(key)).unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// `body` is valid against `definition` of the schema `file`.
fn assert_valid(file: &str, definition: &str, body: &Value) {
    let bundle = spec(&format!("json-schema/{file}"));
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/$defs/{definition}"),
        "$defs": bundle["$defs"],
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .expect("schema");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{definition}: {errors:#?}\n{body:#}");
}

/// `body` is a valid `T` (`definition` of `file`), and reads into `T` and writes back unchanged:
/// every field the card writes is one ACP defines, with the type it defines.
fn acp<T: serde::de::DeserializeOwned + serde::Serialize>(
    file: &str,
    definition: &str,
    body: &str,
) -> T {
    assert!(!body.contains("null"), "no nulls: {body}");
    let value: Value = serde_json::from_str(body).expect("JSON");
    assert_valid(file, definition, &value);
    let typed: T = serde_json::from_value(value.clone()).expect(definition);
    assert_eq!(serde_json::to_value(&typed).expect("writes"), value);
    typed
}

const CHECKOUT: &str = "schema.agentic_checkout.json";

fn ok(body: Value) -> Answer {
    Answer {
        status: 200,
        retry_after: None,
        body: body.to_string(),
    }
}

#[test]
fn the_specifications_sessions_read_into_the_cards_models() {
    let open = session("create_checkout_session_response");
    assert_eq!(open.id, "checkout_session_123");
    assert_eq!(open.status, Status::Ready);
    assert_eq!(open.currency, "usd");
    assert_eq!(
        open.lines,
        [Line {
            title: "Vintage Denim Jacket".into(),
            quantity: 1,
            unit_amount: Some(300),
            subtotal: 300,
            ships_on: None,
        }]
    );
    assert_eq!(
        open.totals,
        Totals {
            delivery: Some(100),
            tax: Some(30),
            total: Some(480),
        }
    );
    assert_eq!(
        open.delivery_options
            .iter()
            .map(|o| (o.id.as_str(), o.kind.as_str(), o.amount))
            .collect::<Vec<_>>(),
        [
            ("fulfillment_option_123", "shipping", Some(100)),
            ("fulfillment_option_456", "shipping", Some(500)),
        ]
    );
    assert_eq!(open.delivery_options[1].title, "Express");
    assert_eq!(open.chosen, ["fulfillment_option_123"]);
    assert!(open.problems.is_empty());
    // Two handlers take delegated cards; the first offered is the one, with its merchant.
    assert_eq!(
        open.handler,
        Some(Handler {
            id: "card_tokenized".into(),
            merchant_id: "acct_1234567890".into(),
        })
    );
    assert_eq!(open.order, None);

    let gone = session("checkout_session_with_out_of_stock");
    assert_eq!(gone.status, Status::NotReady);
    assert_eq!(
        gone.problems,
        [Problem {
            kind: ProblemKind::OutOfStock,
            param: Some("$.line_items[0].item.id".into()),
            severity: Severity::Error,
        }]
    );
    assert_eq!(gone.problems[0].target(), Target::Other);
    assert_eq!(gone.handler, None, "capabilities offer no payment");
    assert_eq!(gone.totals.delivery, None);

    let declined = session("checkout_session_with_payment_declined");
    assert!(declined.has(&ProblemKind::PaymentDeclined));
    assert_eq!(declined.problems[0].param, None);
    assert_eq!(declined.total(), Some(430));

    let challenge = session("checkout_session_authentication_required");
    assert_eq!(challenge.status, Status::AuthenticationRequired);
    assert_eq!(challenge.delivery_options[0].amount, Some(2500));
    assert_eq!(challenge.total(), Some(7875));

    let done = session("complete_checkout_session_response");
    assert_eq!(done.status, Status::Completed);
    assert_eq!(
        done.order,
        Some(Order {
            id: "ord_abc123".into(),
            checkout_session_id: "checkout_session_123".into(),
            permalink_url: "https://www.testshop.com/orders/ord_abc123".into(),
            number: Some("#1001".into()),
        })
    );
    assert_eq!(done.chosen, ["fulfillment_option_456"]);
    assert_eq!(done.handler, None, "an empty list of handlers is none");

    let canceled = session("cancel_checkout_session_response");
    assert_eq!(canceled.status, Status::Canceled);
    assert!(
        canceled.problems.is_empty(),
        "an info message is no problem"
    );
}

#[test]
fn every_example_session_reads_as_the_full_acp_type_does() {
    for key in [
        "create_checkout_session_response",
        "update_checkout_session_response",
        "get_checkout_session_response",
        "cancel_checkout_session_response",
        "complete_checkout_session_response",
        "checkout_session_authentication_required",
        "checkout_session_with_out_of_stock",
        "checkout_session_with_payment_declined",
    ] {
        let full: CheckoutSession = serde_json::from_value(example(key)).expect(key);
        let card = session(key);
        assert_eq!(card.id, full.id, "{key}");
        assert_eq!(card.total(), full.total(), "{key}");
        assert_eq!(card.lines.len(), full.line_items.len(), "{key}");
        assert_eq!(
            card.delivery_options.len(),
            full.fulfillment_options.len(),
            "{key}"
        );
        // Through the answer reader too, as the edge reads it.
        assert_eq!(answer::read_session(&ok(example(key))), Ok(card), "{key}");
    }
}

#[test]
fn a_session_reads_whatever_a_newer_merchant_adds() {
    let mut value = example("checkout_session_with_out_of_stock");
    value["status"] = json!("awaiting_the_moon");
    value["totals"][0]["type"] = json!("carbon_offset");
    value["messages"][0]["code"] = json!("moon_not_risen");
    value["messages"][0]["type"] = json!("warning");
    value["capabilities"] = json!({"payment": {"handlers": [
        {"id": "h", "name": "com.example.pay", "config": {"merchant_id": 42}}
    ]}});
    let session: Session = serde_json::from_value(value).expect("tolerant");
    assert_eq!(session.status, Status::Other);
    assert_eq!(session.total(), Some(330));
    assert_eq!(
        session.problems[0].kind,
        ProblemKind::Other {
            code: "moon_not_risen".into()
        }
    );
    assert!(!session.problems[0].blocks(), "a warning does not block");
    assert_eq!(
        session.handler,
        Some(Handler {
            id: "h".into(),
            merchant_id: String::new(),
        }),
        "a merchant id that is not a string is none"
    );
    // Without what the card cannot do without, it is unreadable, not a guess.
    let broken = ok(json!({"id": "cs", "currency": "usd"}));
    assert_eq!(
        answer::read_session(&broken),
        Err(CheckoutError::Invalid {
            code: "unreadable_session".into(),
            param: None,
        })
    );
}

#[test]
fn problems_say_what_they_are_about() {
    let problem = |code: &str, param: &str| -> Problem {
        let mut value = example("checkout_session_with_out_of_stock");
        value["messages"] = json!([{"type": "error", "code": code, "param": param,
            "content_type": "plain", "content": "x"}]);
        serde_json::from_value::<Session>(value)
            .expect("session")
            .problems
            .remove(0)
    };
    let email = problem("missing", "$.buyer.email");
    assert_eq!(
        (email.kind.clone(), email.target()),
        (ProblemKind::Missing, Target::Details)
    );
    let postal = problem("invalid", "$.fulfillment_details.address.postal_code");
    assert_eq!(
        (postal.kind.clone(), postal.target()),
        (ProblemKind::Invalid, Target::Details)
    );
    let choice = problem("missing", "$.selected_fulfillment_options");
    assert_eq!(choice.target(), Target::DeliveryChoice);
    let limit = problem("quantity_exceeded", "$.line_items[0].item.id");
    assert_eq!(
        (limit.kind.clone(), limit.target()),
        (ProblemKind::QuantityExceeded, Target::Other)
    );
    assert_eq!(
        problem("requires_3ds", "$.x").kind,
        ProblemKind::RequiresAuthentication
    );
    assert_eq!(problem("invalid", "$.currency").code(), Some("invalid"));
}

#[test]
fn the_specifications_errors_read_into_checkout_errors() {
    let read = |status, key: &str, retry_after| {
        answer::read_failure(&Answer {
            status,
            retry_after,
            body: example(key).to_string(),
        })
    };
    assert_eq!(
        read(409, "error_409_idempotency_in_flight", Some(2)),
        CheckoutError::InFlight {
            retry_after_secs: Some(2)
        }
    );
    assert_eq!(
        read(422, "error_422_idempotency_conflict", None),
        CheckoutError::KeyConflict
    );
    assert_eq!(
        read(400, "error_400_requires_3ds", None),
        CheckoutError::AuthenticationRequired
    );
    assert_eq!(
        read(400, "error_400_invalid_item", None),
        CheckoutError::Invalid {
            code: "invalid_item_id".into(),
            param: Some("$.line_items[0].item.id".into()),
        }
    );
    // An error body is no session.
    assert_eq!(
        answer::read_session(&Answer {
            status: 400,
            retry_after: None,
            body: example("error_400_requires_3ds").to_string(),
        }),
        Err(CheckoutError::AuthenticationRequired)
    );
}

#[test]
fn acp_answers_map_to_kinds() {
    let read = |status, code: &str, param: Option<&str>| {
        let mut body = json!({"type": "invalid_request", "code": code, "message": "m"});
        if let Some(param) = param {
            body["param"] = json!(param);
        }
        answer::read_failure(&Answer {
            status,
            retry_after: None,
            body: body.to_string(),
        })
    };
    let param = Some("$.line_items[0].item.id");
    assert_eq!(
        read(400, "out_of_stock", param),
        CheckoutError::OutOfStock {
            param: param.map(str::to_owned)
        }
    );
    assert_eq!(
        read(400, "quantity_exceeded", None),
        CheckoutError::QuantityExceeded { param: None }
    );
    assert_eq!(
        read(402, "payment_declined", None),
        CheckoutError::PaymentDeclined
    );
    assert_eq!(
        read(405, "invalid", Some("$.status")),
        CheckoutError::SessionClosed
    );
    assert_eq!(read(404, "not_found", None), CheckoutError::SessionClosed);
    assert_eq!(read(503, "down", None), CheckoutError::Server(503));
    assert_eq!(read(401, "unauthorized", None), CheckoutError::Unauthorized);
    assert_eq!(
        read(429, "rate_limited", None),
        CheckoutError::RateLimited {
            retry_after_secs: None
        }
    );
    assert_eq!(
        read(400, "missing", Some("$.buyer.email")),
        CheckoutError::Invalid {
            code: "missing".into(),
            param: Some("$.buyer.email".into())
        }
    );
    let version = Answer {
        status: 400,
        retry_after: None,
        body: r#"{"type":"invalid_request","code":"unsupported_api_version","message":"m",
            "supported_versions":["2026-04-17"]}"#
            .into(),
    };
    assert_eq!(
        answer::read_failure(&version),
        CheckoutError::UnsupportedVersion {
            supported: vec!["2026-04-17".into()]
        }
    );
    // A body that is not an ACP error still classifies by status.
    let bare = |status| Answer {
        status,
        retry_after: None,
        body: "<html>Bad Gateway</html>".into(),
    };
    assert_eq!(answer::read_failure(&bare(502)), CheckoutError::Server(502));
    assert_eq!(
        answer::read_failure(&bare(400)),
        CheckoutError::Invalid {
            code: "invalid".into(),
            param: None
        }
    );
    // The wallet's refusal is a signed-out buyer, not the shop's policy.
    assert_eq!(
        answer::read_wallet_failure(&bare(401)),
        CheckoutError::WalletRefused
    );
}

fn contact() -> Contact {
    Contact {
        email: "camille@example.fr".into(),
        full_name: Some("Camille Claudel".into()),
        ..Default::default()
    }
}

fn delivery() -> Delivery {
    Delivery {
        name: Some("Camille Claudel".into()),
        email: Some("camille@example.fr".into()),
        phone_number: None,
        address: Some(Address {
            name: "Camille Claudel".into(),
            line_one: "3 quai Bourbon".into(),
            line_two: None,
            city: "Paris".into(),
            state: String::new(),
            country: "FR".into(),
            postal_code: "75004".into(),
        }),
    }
}

#[test]
fn opening_a_session_lists_the_item_once_per_unit() {
    let purchase = Purchase {
        item_id: "tee-m".into(),
        quantity: 3,
        currency: "eur".into(),
    };
    let body = request::create(&purchase, Some(&contact()), Some(&delivery()));
    let typed: CheckoutSessionCreateRequest = acp(CHECKOUT, "CheckoutSessionCreateRequest", &body);
    assert_eq!(
        typed
            .line_items
            .iter()
            .map(|i| i.id.as_str())
            .collect::<Vec<_>>(),
        ["tee-m", "tee-m", "tee-m"],
        "2026-04-17 items have no quantity"
    );
    assert_eq!(typed.currency, "eur");
    assert_eq!(typed.capabilities, json!({}));
    let buyer = typed.buyer.expect("buyer");
    assert_eq!(
        (buyer.email.as_str(), buyer.full_name.as_deref()),
        ("camille@example.fr", Some("Camille Claudel"))
    );
    let address = typed
        .fulfillment_details
        .and_then(|f| f.address)
        .expect("address");
    assert_eq!(
        (address.city.as_str(), address.country.as_str()),
        ("Paris", "FR")
    );

    // A new buyer: items only.
    let one = Purchase {
        quantity: 1,
        ..purchase
    };
    let typed: CheckoutSessionCreateRequest = acp(
        CHECKOUT,
        "CheckoutSessionCreateRequest",
        &request::create(&one, None, None),
    );
    assert_eq!(typed.line_items.len(), 1);
    assert!(typed.buyer.is_none() && typed.fulfillment_details.is_none());
}

#[test]
fn a_carts_shop_opens_one_session_for_all_its_items() {
    let items = [
        Purchase {
            item_id: "tee-m".into(),
            quantity: 2,
            currency: "eur".into(),
        },
        Purchase {
            item_id: "mug".into(),
            quantity: 1,
            currency: "eur".into(),
        },
    ];
    let body = request::create_items(&items, Some(&contact()), Some(&delivery()));
    let typed: CheckoutSessionCreateRequest = acp(CHECKOUT, "CheckoutSessionCreateRequest", &body);
    assert_eq!(
        typed
            .line_items
            .iter()
            .map(|i| i.id.as_str())
            .collect::<Vec<_>>(),
        ["tee-m", "tee-m", "mug"]
    );
    assert_eq!(typed.currency, "eur");
    assert_eq!(
        request::create(&items[0], None, None),
        request::create_items(&items[..1], None, None),
        "one item is the card's own body"
    );
}

#[test]
fn updates_send_only_what_changes() {
    let choice = DeliveryChoice {
        option_id: "ship_express".into(),
        kind: "shipping".into(),
    };
    let typed: CheckoutSessionUpdateRequest = acp(
        CHECKOUT,
        "CheckoutSessionUpdateRequest",
        &request::update(None, None, Some(&choice)),
    );
    let selected = typed.selected_fulfillment_options.expect("a choice");
    assert_eq!(
        (
            selected[0].kind.as_str(),
            selected[0].option_id.as_str(),
            selected[0].item_ids.len()
        ),
        ("shipping", "ship_express", 0)
    );
    assert!(typed.buyer.is_none() && typed.fulfillment_details.is_none());

    let typed: CheckoutSessionUpdateRequest = acp(
        CHECKOUT,
        "CheckoutSessionUpdateRequest",
        &request::update(Some(&contact()), Some(&delivery()), None),
    );
    assert_eq!(
        typed.buyer.map(|b| b.email).as_deref(),
        Some("camille@example.fr")
    );
    assert!(typed.selected_fulfillment_options.is_none());
}

#[test]
fn paying_names_the_handler_the_token_and_the_3ds_result() {
    let typed: CheckoutSessionCompleteRequest = acp(
        CHECKOUT,
        "CheckoutSessionCompleteRequest",
        &request::complete("card_tokenized", "vt_1", None),
    );
    assert_eq!(
        typed.payment_data.handler_id.as_deref(),
        Some("card_tokenized")
    );
    let instrument = typed.payment_data.instrument.expect("instrument");
    assert_eq!(instrument.kind, "card");
    assert_eq!(instrument.credential["token"], "vt_1");
    assert!(typed.authentication_result.is_none());

    let authenticated = Authentication {
        outcome: "authenticated".into(),
        details: Some(ThreeDsDetails {
            three_ds_cryptogram: "AAIBBYNoEwAAACcKhAJkdQAAAAA=".into(),
            electronic_commerce_indicator: "05".into(),
            transaction_id: "ds_1".into(),
            version: "2.2.0".into(),
        }),
    };
    let typed: CheckoutSessionCompleteRequest = acp(
        CHECKOUT,
        "CheckoutSessionCompleteRequest",
        &request::complete("card_tokenized", "vt_2", Some(&authenticated)),
    );
    let result = typed.authentication_result.expect("3-D Secure result");
    assert_eq!(result.outcome, "authenticated");
    assert_eq!(
        result.outcome_details.expect("details")["electronic_commerce_indicator"],
        "05"
    );

    let _: CancelSessionRequest = acp(CHECKOUT, "CancelSessionRequest", &request::cancel());
}

#[test]
fn a_delegated_card_is_bound_to_the_session_and_its_total() {
    let card = CardEntry {
        number: "4242424242424242".into(),
        exp_month: "12".into(),
        exp_year: "2030".into(),
        cvc: "123".into(),
        name: "Camille Claudel".into(),
    };
    let allowance = Allowance {
        session_id: "cs_1",
        merchant_id: "acct_1",
        amount: 3025,
        currency: "eur",
    };
    let body = request::delegate_card(&card, &allowance, "2026-11-25T18:00:00.000Z");
    let typed: DelegatePaymentRequest = acp(
        "schema.delegate_payment.json",
        "DelegatePaymentRequest",
        &body,
    );
    assert_eq!(typed.payment_method.number, "4242424242424242");
    assert_eq!(typed.payment_method.card_number_type, "fpan");
    assert_eq!(
        (
            typed.allowance.checkout_session_id.as_str(),
            typed.allowance.merchant_id.as_str(),
            typed.allowance.max_amount,
            typed.allowance.currency.as_str(),
            typed.allowance.reason.as_str(),
        ),
        ("cs_1", "acct_1", 3025, "eur", "one_time")
    );
    assert_eq!(typed.allowance.expires_at, "2026-11-25T18:00:00.000Z");
}

#[test]
fn the_wallet_gets_the_card_and_the_allowance_and_its_answers_read() {
    let card = CardEntry {
        number: "4242424242424242".into(),
        exp_month: "12".into(),
        exp_year: "2030".into(),
        cvc: "123".into(),
        name: "Camille Claudel".into(),
    };
    let body: Value =
        serde_json::from_str(&request::add_card(&card, true, &contact(), &delivery()))
            .expect("JSON");
    assert_eq!(
        body,
        json!({
            "card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030",
                     "cvc": "123", "name": "Camille Claudel"},
            "save": true,
            "buyer": {"email": "camille@example.fr", "full_name": "Camille Claudel"},
            "fulfillment_details": {"name": "Camille Claudel", "email": "camille@example.fr",
                "address": {"name": "Camille Claudel", "line_one": "3 quai Bourbon",
                    "city": "Paris", "state": "", "country": "FR", "postal_code": "75004"}},
        })
    );
    let allowance = Allowance {
        session_id: "cs_1",
        merchant_id: "acct_1",
        amount: 3025,
        currency: "usd",
    };
    let body: Value =
        serde_json::from_str(&request::payment_token("pm_ada", &allowance)).expect("JSON");
    assert_eq!(
        body,
        json!({"payment_method_id": "pm_ada", "checkout_session_id": "cs_1",
               "merchant_id": "acct_1", "max_amount": 3025, "currency": "usd"})
    );

    let visitor = answer::read_visitor(&ok(json!({
        "buyer": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                  "phone_number": "+14155550100"},
        "fulfillment_details": {"name": "Ada Lovelace", "address": {"name": "Ada Lovelace",
            "line_one": "12 Analytical Way", "city": "San Francisco", "state": "CA",
            "country": "US", "postal_code": "94107"}},
        "payment_method": {"id": "pm_ada", "brand": "visa", "last4": "4242",
                           "exp_month": "12", "exp_year": "2030"}
    })))
    .expect("an answer");
    let answer::Visitor::Saved(saved) = visitor else {
        panic!("a saved buyer: {visitor:?}")
    };
    assert_eq!(saved.card.id, "pm_ada");
    assert_eq!(
        saved.ship_to().as_deref(),
        Some("Ada Lovelace, San Francisco")
    );
    // What the wallet saved goes to the merchant as it came.
    let typed: CheckoutSessionCreateRequest = acp(
        CHECKOUT,
        "CheckoutSessionCreateRequest",
        &request::create(
            &Purchase {
                item_id: "tee-m".into(),
                quantity: 1,
                currency: "usd".into(),
            },
            Some(&saved.contact),
            saved.delivery.as_ref(),
        ),
    );
    assert_eq!(
        typed.buyer.and_then(|b| b.phone_number).as_deref(),
        Some("+14155550100")
    );
    // 204: signed in, nothing saved (the new-buyer sheet, with saving); 401: nobody signed in,
    // and 404: no wallet there (a guest checkout).
    let status = |status| Answer {
        status,
        retry_after: None,
        body: String::new(),
    };
    assert_eq!(
        answer::read_visitor(&status(204)),
        Ok(answer::Visitor::NothingSaved)
    );
    assert_eq!(
        answer::read_visitor(&status(401)),
        Ok(answer::Visitor::Guest)
    );
    assert_eq!(
        answer::read_visitor(&status(404)),
        Ok(answer::Visitor::Guest)
    );

    assert_eq!(
        answer::read_wallet_token(&ok(json!({"token": "vt_1", "expires_at": "x"}))),
        Ok("vt_1".into())
    );
    assert_eq!(
        answer::read_payment_method(&ok(json!({"id": "pm_new"}))),
        Ok("pm_new".into())
    );
    assert_eq!(
        answer::read_delegated_token(&Answer {
            status: 201,
            retry_after: None,
            body: json!({"id": "vt_psp", "created": "x", "metadata": {}}).to_string(),
        }),
        Ok("vt_psp".into())
    );
    let declined = Answer {
        status: 402,
        retry_after: None,
        body: r#"{"type":"invalid_request","code":"payment_declined","message":"No"}"#.into(),
    };
    assert_eq!(
        answer::read_delegated_token(&declined),
        Err(CheckoutError::PaymentDeclined)
    );
}

#[test]
fn an_emailed_ticket_is_digital_and_a_parcel_is_not() {
    let with = |options: Value, selected: Value| -> Session {
        serde_json::from_value(json!({
            "id": "cs", "status": "ready_for_payment", "currency": "usd",
            "fulfillment_options": options,
            "selected_fulfillment_options": selected,
        }))
        .expect("a session")
    };
    let email = json!({"type": "digital", "id": "email", "title": "Email"});
    let post = json!({"type": "shipping", "id": "post", "title": "Post"});
    assert!(
        with(json!([email]), json!([])).is_digital(),
        "the only option offered"
    );
    assert!(
        with(
            json!([email, post]),
            json!([{"type": "digital", "option_id": "email", "item_ids": ["x"]}])
        )
        .is_digital(),
        "the chosen option"
    );
    assert!(
        !with(json!([email, post]), json!([])).is_digital(),
        "nothing chosen, a parcel possible"
    );
    assert!(
        !with(
            json!([email, post]),
            json!([{"type": "shipping", "option_id": "post", "item_ids": ["x"]}])
        )
        .is_digital()
    );
    assert!(
        !with(json!([]), json!([])).is_digital(),
        "no options: say nothing"
    );
}
