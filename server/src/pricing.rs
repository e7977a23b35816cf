//! The merchant's rules, as pure functions: what a session contains, costs and lacks.
//!
//! [`render`] turns a stored [`SessionState`] into the authoritative ACP `CheckoutSession`:
//! line items with their totals, fulfillment options for the destination, tax by a simple rule
//! per destination, the session totals, the messages (out of stock, quantity limits, missing
//! details) and the status. Totals are recomputed on every change; nothing is trusted from the
//! client but ids, quantities and addresses.

use std::collections::{BTreeMap, HashMap};

use buycard_acp::checkout::{
    Address, Buyer, Capabilities, CheckoutSession, FulfillmentDetails, FulfillmentOption, Item,
    LineItem, Link, Message, Order, Payment, PaymentHandler, SelectedFulfillmentOption, Status,
    Total, TotalType,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, json};

/// What the merchant sells, per variant: the feed's price plus what only the merchant knows
/// (`inventory.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub variant_id: String,
    pub product_id: String,
    pub name: String,
    pub image: Option<String>,
    pub unit_amount: i64,
    /// Lower-case ISO 4217, as ACP checkout writes it.
    pub currency: String,
    /// Delivered by email (tickets, e-books): no shipping address needed.
    pub digital: bool,
    pub max_quantity_per_order: Option<u32>,
    /// Pre-order release date (RFC 3339): buyable before it.
    pub fulfillable_on: Option<String>,
    pub buyable: bool,
}

pub type Offers = HashMap<String, Offer>;

/// A session as stored: only what the buyer chose. Everything else is derived by [`render`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    pub id: String,
    /// Stored only for states the rules cannot derive: `authentication_required`, `completed`,
    /// `canceled`. Otherwise `None` and computed.
    pub fixed_status: Option<Status>,
    pub currency: String,
    /// (variant id, quantity), in the order first requested.
    pub items: Vec<(String, u32)>,
    pub buyer: Option<Buyer>,
    pub fulfillment_details: Option<FulfillmentDetails>,
    pub selected: Option<Vec<SelectedFulfillmentOption>>,
    pub locale: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub expires_at: String,
    pub order: Option<Order>,
    /// Messages from the last payment attempt (declined card), shown until the next attempt.
    pub payment_messages: Vec<Message>,
    /// The token waiting for a 3-D Secure result.
    pub pending_token: Option<String>,
    /// The stored version this state was read at (not part of the document): a write succeeds
    /// only if nobody else wrote in between.
    #[serde(skip)]
    pub version: i64,
}

/// Groups requested items by id: ACP 2026-04-17 `Item` has no quantity, so the same id listed
/// twice means two units.
pub fn quantities(items: &[Item]) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for item in items {
        match out.iter_mut().find(|(id, _)| *id == item.id) {
            Some((_, n)) => *n = n.saturating_add(1),
            None => out.push((item.id.clone(), 1)),
        }
    }
    out
}

/// Tax in basis points for a destination: a deliberately simple rule.
pub fn tax_rate_bp(address: &Address) -> u32 {
    match (
        address.country.to_ascii_uppercase().as_str(),
        address.state.to_ascii_uppercase().as_str(),
    ) {
        ("US", "CA") => 725,
        ("US", "NY") => 888,
        ("US", "OR" | "MT" | "NH" | "DE") => 0,
        ("US", _) => 500,
        ("FR" | "IT" | "AT", _) => 2000,
        ("DE", _) => 1900,
        ("ES" | "NL" | "BE", _) => 2100,
        _ => 0,
    }
}

/// `amount × rate`, rounded half up.
fn apply_bp(amount: i64, bp: u32) -> i64 {
    (amount * i64::from(bp) + 5_000) / 10_000
}

struct ShippingRate {
    id: &'static str,
    title: &'static str,
    description: &'static str,
    domestic: i64,
    international: i64,
}

const SHIPPING: [ShippingRate; 2] = [
    ShippingRate {
        id: "ship_standard",
        title: "Standard",
        description: "Arrives in 5–7 business days",
        domestic: 500,
        international: 1500,
    },
    ShippingRate {
        id: "ship_express",
        title: "Express",
        description: "Arrives in 1–2 business days",
        domestic: 1500,
        international: 3500,
    },
];
pub const DIGITAL_OPTION: &str = "digital_email";

/// The merchant's fixed facts.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub id: String,
    pub country: String,
    pub public_url: String,
}

fn total(kind: TotalType, text: &str, amount: i64) -> Total {
    Total::new(kind, text, amount)
}

/// An error message on `param`, for the buyer to act on.
pub fn error(code: &str, param: &str, content: String) -> Message {
    Message {
        kind: "error".into(),
        code: Some(code.into()),
        severity: None,
        resolution: Some("requires_buyer_input".into()),
        param: Some(param.into()),
        content_type: "plain".into(),
        content,
    }
}

/// The card payment handler this merchant accepts: tokens from its delegate-payment PSP.
pub fn payment_handler(merchant: &Merchant) -> PaymentHandler {
    let mut config = Map::new();
    config.insert("merchant_id".into(), json!(merchant.id));
    config.insert("psp".into(), json!("buycard_test_psp"));
    config.insert(
        "delegate_payment_url".into(),
        json!(format!(
            "{}/agentic_commerce/delegate_payment",
            merchant.public_url
        )),
    );
    config.insert(
        "accepted_brands".into(),
        json!(["visa", "mastercard", "amex"]),
    );
    config.insert("supports_3ds".into(), json!(true));
    config.insert("environment".into(), json!("test"));
    PaymentHandler {
        id: "card_tokenized".into(),
        name: "dev.acp.tokenized.card".into(),
        display_name: Some("Card".into()),
        version: "2026-01-22".into(),
        spec: "https://acp.dev/handlers/tokenized.card".into(),
        requires_delegate_payment: true,
        requires_pci_compliance: false,
        psp: "buycard_test_psp".into(),
        config_schema: "https://acp.dev/schemas/handlers/tokenized.card/config.json".into(),
        instrument_schemas: vec![
            "https://acp.dev/schemas/handlers/tokenized.card/instrument.json".into(),
        ],
        config,
        display_order: Some(0),
    }
}

fn address_problem(address: &Address) -> Option<(&'static str, &'static str)> {
    let blank = |s: &str| s.trim().is_empty();
    if blank(&address.name) {
        Some(("$.fulfillment_details.address.name", "name"))
    } else if blank(&address.line_one) {
        Some(("$.fulfillment_details.address.line_one", "street address"))
    } else if blank(&address.city) {
        Some(("$.fulfillment_details.address.city", "city"))
    } else if blank(&address.postal_code) {
        Some(("$.fulfillment_details.address.postal_code", "postal code"))
    } else if address.country.len() != 2
        || !address.country.chars().all(|c| c.is_ascii_alphabetic())
    {
        Some((
            "$.fulfillment_details.address.country",
            "country (two-letter code)",
        ))
    } else if address.country.eq_ignore_ascii_case("US") && blank(&address.state) {
        Some(("$.fulfillment_details.address.state", "state"))
    } else {
        None
    }
}

/// A line item's id: one line per variant.
pub fn line_id(variant_id: &str) -> String {
    format!("li_{variant_id}")
}

/// Whether `offer` can be bought at all now: not discontinued, not sold out (`available` is the
/// stock, `None` when the variant is not stock-tracked).
pub fn sellable(offer: &Offer, available: Option<i64>) -> bool {
    offer.buyable && available != Some(0)
}

/// What keeps `quantity` of `offer` from being bought now, as a message code and its words:
/// sold out, over the per-order limit, or more than is left.
pub fn availability_problem(
    offer: &Offer,
    quantity: u32,
    available: Option<i64>,
) -> Option<(&'static str, String)> {
    if !sellable(offer, available) {
        Some((
            "out_of_stock",
            format!(
                "'{}' is sold out. Please choose something else.",
                offer.name
            ),
        ))
    } else if let Some(max) = offer.max_quantity_per_order.filter(|max| quantity > *max) {
        Some((
            "quantity_exceeded",
            format!("'{}' is limited to {max} per order.", offer.name),
        ))
    } else if let Some(left) = available.filter(|n| *n < i64::from(quantity)) {
        Some((
            "out_of_stock",
            format!("Only {left} of '{}' left.", offer.name),
        ))
    } else {
        None
    }
}

/// The line for `quantity` of `offer`. With `tax` (a checkout that knows the destination) its
/// totals are base, subtotal, tax and total; without (a cart's estimate) base, subtotal and a
/// total before tax.
pub fn line_item(
    offer: &Offer,
    quantity: u32,
    available: Option<i64>,
    tax: Option<i64>,
) -> LineItem {
    let base = offer.unit_amount * i64::from(quantity);
    let status = match (available, &offer.fulfillable_on) {
        (_, Some(_)) => "pre_order",
        (Some(0), _) => "out_of_stock",
        (Some(n), _) if n <= 10 => "low_stock",
        _ => "in_stock",
    };
    let mut totals = vec![
        total(TotalType::ItemsBaseAmount, "Base amount", base),
        total(TotalType::Subtotal, "Subtotal", base),
    ];
    if let Some(tax) = tax {
        totals.push(total(TotalType::Tax, "Tax", tax));
    }
    totals.push(total(TotalType::Total, "Total", base + tax.unwrap_or(0)));
    let mut extra = Map::new();
    extra.insert("sku".into(), json!(offer.variant_id));
    LineItem {
        id: line_id(&offer.variant_id),
        item: Item {
            id: offer.variant_id.clone(),
            name: None,
            unit_amount: None,
        },
        quantity,
        name: Some(offer.name.clone()),
        description: None,
        images: offer.image.clone().map(|i| vec![i]),
        unit_amount: Some(offer.unit_amount),
        product_id: Some(offer.product_id.clone()),
        variant_id: Some(offer.variant_id.clone()),
        availability_status: Some(status.into()),
        available_quantity: available,
        max_quantity_per_order: offer.max_quantity_per_order,
        fulfillable_on: offer.fulfillable_on.clone(),
        totals,
        extra,
    }
}

/// The authoritative session for `state`, given the offers and current stock (a variant with
/// no stock row is not stock-tracked).
pub fn render(
    state: &SessionState,
    offers: &Offers,
    stock: &HashMap<String, i64>,
    merchant: &Merchant,
) -> CheckoutSession {
    let mut messages = Vec::new();
    let mut line_items = Vec::new();
    let mut physical_ids = Vec::new();
    let mut digital_ids = Vec::new();
    let address = state
        .fulfillment_details
        .as_ref()
        .and_then(|f| f.address.as_ref());
    let tax_bp = address.map(tax_rate_bp).unwrap_or(0);
    let (mut items_base, mut items_tax) = (0i64, 0i64);

    for (index, (variant_id, quantity)) in state.items.iter().enumerate() {
        let param = format!("$.line_items[{index}].item.id");
        let line_id = line_id(variant_id);
        let Some(offer) = offers.get(variant_id) else {
            messages.push(error(
                "invalid",
                &param,
                format!("The item '{variant_id}' is not sold here."),
            ));
            continue;
        };
        let available = stock.get(variant_id).copied();
        if let Some((code, content)) = availability_problem(offer, *quantity, available) {
            messages.push(error(code, &param, content));
        }
        if offer.currency != state.currency {
            messages.push(error(
                "invalid",
                "$.currency",
                format!(
                    "'{}' is sold in {}, not {}.",
                    offer.name,
                    offer.currency.to_uppercase(),
                    state.currency.to_uppercase()
                ),
            ));
        }
        let base = offer.unit_amount * i64::from(*quantity);
        let tax = apply_bp(base, tax_bp);
        items_base += base;
        items_tax += tax;
        if offer.digital {
            digital_ids.push(line_id.clone());
        } else {
            physical_ids.push(line_id.clone());
        }
        line_items.push(line_item(offer, *quantity, available, Some(tax)));
    }

    // Fulfillment: email for digital items, shipping rates for the rest.
    let domestic = address.is_none_or(|a| a.country.eq_ignore_ascii_case(&merchant.country));
    let mut options = Vec::new();
    if !digital_ids.is_empty() {
        options.push(FulfillmentOption {
            kind: "digital".into(),
            id: DIGITAL_OPTION.into(),
            title: "Email delivery".into(),
            description: Some("Sent to your email address".into()),
            carrier: None,
            earliest_delivery_time: None,
            latest_delivery_time: None,
            totals: vec![total(TotalType::Total, "Email delivery", 0)],
            extra: Map::new(),
        });
    }
    if !physical_ids.is_empty() {
        for rate in &SHIPPING {
            let price = if domestic {
                rate.domestic
            } else {
                rate.international
            };
            options.push(FulfillmentOption {
                kind: "shipping".into(),
                id: rate.id.into(),
                title: rate.title.into(),
                description: Some(rate.description.into()),
                carrier: Some("Demo Post".into()),
                earliest_delivery_time: None,
                latest_delivery_time: None,
                totals: vec![total(TotalType::Total, rate.title, price)],
                extra: Map::new(),
            });
        }
    }
    let price_of = |id: &str| {
        options
            .iter()
            .find(|o| o.id == id)
            .and_then(|o| o.totals.first())
            .map(|t| t.amount)
    };
    // The buyer's choice when it is still offered, else the cheapest.
    let mut selected = Vec::new();
    if !digital_ids.is_empty() {
        selected.push(SelectedFulfillmentOption {
            kind: "digital".into(),
            option_id: DIGITAL_OPTION.into(),
            item_ids: digital_ids.clone(),
        });
    }
    if !physical_ids.is_empty() {
        let chosen = state
            .selected
            .iter()
            .flatten()
            .find(|s| s.kind == "shipping" && price_of(&s.option_id).is_some())
            .map(|s| s.option_id.clone())
            .unwrap_or_else(|| SHIPPING[0].id.to_owned());
        selected.push(SelectedFulfillmentOption {
            kind: "shipping".into(),
            option_id: chosen,
            item_ids: physical_ids.clone(),
        });
    }
    let fulfillment: i64 = selected.iter().filter_map(|s| price_of(&s.option_id)).sum();

    // What is still missing before payment.
    // The receipt goes to the buyer's email, or the delivery contact's.
    let email = state
        .buyer
        .as_ref()
        .map(|b| b.email.as_str())
        .into_iter()
        .chain(
            state
                .fulfillment_details
                .as_ref()
                .and_then(|f| f.email.as_deref()),
        )
        .map(str::trim)
        .find(|e| e.contains('@'));
    if state.items.is_empty() {
        messages.push(error(
            "missing",
            "$.line_items",
            "Add an item to check out.".into(),
        ));
    }
    if email.is_none() {
        messages.push(error(
            "missing",
            "$.buyer.email",
            "An email address is needed for the receipt.".into(),
        ));
    }
    if !physical_ids.is_empty() {
        match address {
            None => messages.push(error(
                "missing",
                "$.fulfillment_details.address",
                "A shipping address is needed.".into(),
            )),
            Some(address) => {
                if let Some((param, what)) = address_problem(address) {
                    messages.push(error(
                        "invalid",
                        param,
                        format!("The shipping address needs a {what}."),
                    ));
                }
            }
        }
    }
    messages.extend(state.payment_messages.iter().cloned());

    let blocking = messages
        .iter()
        .any(|m| m.kind == "error" && m.code.as_deref() != Some("payment_declined"));
    let status = state.fixed_status.unwrap_or(if blocking {
        Status::NotReadyForPayment
    } else {
        Status::ReadyForPayment
    });
    let grand_total = items_base + items_tax + fulfillment;
    let mut totals = vec![
        total(TotalType::ItemsBaseAmount, "Items", items_base),
        total(TotalType::Subtotal, "Subtotal", items_base),
    ];
    if !selected.is_empty() {
        totals.push(total(TotalType::Fulfillment, "Delivery", fulfillment));
    }
    totals.push(total(TotalType::Tax, "Tax", items_tax));
    totals.push(total(TotalType::Total, "Total", grand_total));

    let mut extra = Map::new();
    extra.insert(
        "protocol".into(),
        json!({"version": buycard_acp::API_VERSION}),
    );
    CheckoutSession {
        id: state.id.clone(),
        capabilities: Capabilities {
            payment: Some(Payment {
                handlers: vec![payment_handler(merchant)],
            }),
            extra: Map::new(),
        },
        buyer: state.buyer.clone(),
        status,
        currency: state.currency.clone(),
        locale: state.locale.clone(),
        line_items,
        fulfillment_details: state.fulfillment_details.clone(),
        fulfillment_options: options,
        selected_fulfillment_options: (!selected.is_empty()).then_some(selected),
        totals,
        messages,
        links: vec![
            Link {
                kind: "terms_of_use".into(),
                title: Some("Terms".into()),
                url: format!("{}/legal/terms", merchant.public_url),
            },
            Link {
                kind: "return_policy".into(),
                title: Some("Returns".into()),
                url: format!("{}/legal/returns", merchant.public_url),
            },
        ],
        authentication_metadata: (status == Status::AuthenticationRequired).then(|| {
            json!({
                "acquirer_details": {
                    "acquirer_bin": "424242",
                    "acquirer_country": merchant.country,
                    "acquirer_merchant_id": merchant.id,
                    "merchant_name": "buycard demo shop"
                },
                "directory_server": "visa"
            })
        }),
        created_at: Some(state.created_at.clone()),
        updated_at: Some(state.updated_at.clone()),
        expires_at: Some(state.expires_at.clone()),
        order: state.order.clone(),
        extra,
    }
}

/// Sums of a rendered session, for quick checks.
pub fn totals_by_kind(session: &CheckoutSession) -> BTreeMap<String, i64> {
    session
        .totals
        .iter()
        .map(|t| {
            (
                serde_json::to_value(t.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                t.amount,
            )
        })
        .collect()
}

/// The first blocking error: what `complete` names when it refuses.
pub fn first_blocker(session: &CheckoutSession) -> Option<&Message> {
    session
        .messages
        .iter()
        .find(|m| m.kind == "error" && m.code.as_deref() != Some("payment_declined"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offers() -> Offers {
        let offer = |id: &str, amount: i64, digital: bool, max: Option<u32>, buyable: bool| Offer {
            variant_id: id.into(),
            product_id: format!("p-{id}"),
            name: id.to_uppercase(),
            image: None,
            unit_amount: amount,
            currency: "usd".into(),
            digital,
            max_quantity_per_order: max,
            fulfillable_on: None,
            buyable,
        };
        [
            offer("print", 12000, false, Some(2), true),
            offer("ticket", 4500, true, Some(8), true),
            offer("gone", 3200, false, None, false),
        ]
        .into_iter()
        .map(|o| (o.variant_id.clone(), o))
        .collect()
    }

    fn merchant() -> Merchant {
        Merchant {
            id: "demo".into(),
            country: "US".into(),
            public_url: "http://shop.test".into(),
        }
    }

    fn state(items: &[(&str, u32)]) -> SessionState {
        SessionState {
            id: "cs_1".into(),
            fixed_status: None,
            currency: "usd".into(),
            items: items.iter().map(|(i, q)| (i.to_string(), *q)).collect(),
            buyer: None,
            fulfillment_details: None,
            selected: None,
            locale: None,
            created_at: "2026-11-23T00:00:00Z".into(),
            updated_at: "2026-11-23T00:00:00Z".into(),
            expires_at: "2026-11-24T00:00:00Z".into(),
            order: None,
            payment_messages: vec![],
            pending_token: None,
            version: 0,
        }
    }

    fn ca_address() -> Address {
        Address {
            name: "Ada".into(),
            line_one: "1 Main St".into(),
            line_two: None,
            city: "San Francisco".into(),
            state: "CA".into(),
            country: "US".into(),
            postal_code: "94102".into(),
            company: None,
        }
    }

    fn ready(mut s: SessionState, address: Option<Address>) -> SessionState {
        s.buyer = Some(Buyer {
            email: "ada@example.com".into(),
            ..Default::default()
        });
        s.fulfillment_details = Some(FulfillmentDetails {
            address,
            ..Default::default()
        });
        s
    }

    #[test]
    fn repeated_ids_are_quantities() {
        let items: Vec<Item> = ["a", "b", "a"]
            .iter()
            .map(|id| Item {
                id: id.to_string(),
                name: None,
                unit_amount: None,
            })
            .collect();
        assert_eq!(
            quantities(&items),
            vec![("a".to_owned(), 2), ("b".to_owned(), 1)]
        );
    }

    #[test]
    fn a_complete_physical_order_is_ready_with_exact_totals() {
        let s = ready(state(&[("print", 1)]), Some(ca_address()));
        let session = render(
            &s,
            &offers(),
            &HashMap::from([("print".into(), 5)]),
            &merchant(),
        );
        assert_eq!(
            session.status,
            Status::ReadyForPayment,
            "{:?}",
            session.messages
        );
        let t = totals_by_kind(&session);
        assert_eq!(t["items_base_amount"], 12000);
        assert_eq!(t["tax"], 870, "7.25% CA tax, rounded half up");
        assert_eq!(
            t["fulfillment"], 500,
            "standard domestic shipping by default"
        );
        assert_eq!(t["total"], 12000 + 870 + 500);
        assert_eq!(
            session.line_items[0].availability_status.as_deref(),
            Some("low_stock")
        );
    }

    #[test]
    fn totals_follow_the_address_and_the_option() {
        let mut s = ready(
            state(&[("print", 1)]),
            Some(Address {
                country: "FR".into(),
                state: "".into(),
                ..ca_address()
            }),
        );
        s.selected = Some(vec![SelectedFulfillmentOption {
            kind: "shipping".into(),
            option_id: "ship_express".into(),
            item_ids: vec![],
        }]);
        let t = totals_by_kind(&render(&s, &offers(), &HashMap::new(), &merchant()));
        assert_eq!(t["tax"], 2400, "20% in France");
        assert_eq!(t["fulfillment"], 3500, "international express");
        assert_eq!(t["total"], 12000 + 2400 + 3500);
    }

    #[test]
    fn digital_goods_need_no_address() {
        let s = ready(state(&[("ticket", 2)]), None);
        let session = render(&s, &offers(), &HashMap::new(), &merchant());
        assert_eq!(
            session.status,
            Status::ReadyForPayment,
            "{:?}",
            session.messages
        );
        assert_eq!(session.fulfillment_options.len(), 1);
        assert_eq!(session.fulfillment_options[0].kind, "digital");
        assert_eq!(totals_by_kind(&session)["total"], 9000);
    }

    #[test]
    fn problems_become_messages_on_the_offending_field() {
        let session = render(
            &state(&[("print", 3), ("gone", 1), ("nope", 1)]),
            &offers(),
            &HashMap::new(),
            &merchant(),
        );
        assert_eq!(session.status, Status::NotReadyForPayment);
        let codes: Vec<(&str, &str)> = session
            .messages
            .iter()
            .map(|m| {
                (
                    m.code.as_deref().unwrap_or(""),
                    m.param.as_deref().unwrap_or(""),
                )
            })
            .collect();
        assert!(
            codes.contains(&("quantity_exceeded", "$.line_items[0].item.id")),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("out_of_stock", "$.line_items[1].item.id")),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("invalid", "$.line_items[2].item.id")),
            "{codes:?}"
        );
        assert!(codes.contains(&("missing", "$.buyer.email")), "{codes:?}");
        assert!(
            codes.contains(&("missing", "$.fulfillment_details.address")),
            "{codes:?}"
        );
        assert_eq!(
            first_blocker(&session).and_then(|m| m.param.as_deref()),
            Some("$.line_items[0].item.id")
        );
    }

    #[test]
    fn stock_below_the_quantity_is_out_of_stock() {
        let s = ready(state(&[("print", 2)]), Some(ca_address()));
        let session = render(
            &s,
            &offers(),
            &HashMap::from([("print".into(), 1)]),
            &merchant(),
        );
        assert_eq!(session.status, Status::NotReadyForPayment);
        assert_eq!(session.messages[0].code.as_deref(), Some("out_of_stock"));
    }

    #[test]
    fn fixed_states_are_kept() {
        let mut s = ready(state(&[("ticket", 1)]), None);
        s.fixed_status = Some(Status::Canceled);
        assert_eq!(
            render(&s, &offers(), &HashMap::new(), &merchant()).status,
            Status::Canceled
        );
    }
}
