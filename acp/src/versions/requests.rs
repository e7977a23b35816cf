//! Create, update, complete and cancel requests, and the pieces sessions share with them
//! (buyer, address, selected fulfillment options).

use serde_json::{Value, json};

use super::support::{
    AdaptError, Obj, index, into_object, member, required_str, str_at, take_array, take_object,
};
use super::{Body, Defaults, MAX_UNITS, Version, payment, schema};

/// Request members that change what is bought, paid or delivered: never dropped silently.
const MEANINGFUL: [&str; 5] = [
    "order_notes",
    "coupons",
    "discounts",
    "fulfillment_groups",
    "quote_id",
];

/// An older version's request → 2026-04-17.
pub(super) fn up(
    version: Version,
    body: Body,
    mut o: Obj,
    defaults: &Defaults,
) -> Result<Obj, AdaptError> {
    if version.legacy_items()
        && let Some(items) = take_array(&mut o, "items", "$")?
    {
        o.insert("line_items".into(), Value::Array(items_up(items)?));
    }
    if let Some(address) = o.remove("fulfillment_address") {
        o.insert("fulfillment_details".into(), json!({ "address": address }));
    }
    if let Some(selected) = take_array(&mut o, "selected_fulfillment_options", "$")? {
        let flat = selected_up(version, selected, "$.selected_fulfillment_options")?;
        o.insert("selected_fulfillment_options".into(), Value::Array(flat));
    }
    if let Some(chosen) = o.remove("fulfillment_option_id") {
        o.insert(
            "selected_fulfillment_options".into(),
            json!([{"type": "shipping", "option_id": chosen, "item_ids": []}]),
        );
    }
    if body == Body::CreateRequest && version < Version::V2026_01_30 {
        o.insert("currency".into(), defaults.currency.clone().into());
        o.insert("capabilities".into(), json!({}));
    }
    if version < Version::V2026_01_30
        && let Some(data) = take_object(&mut o, "payment_data", "$")?
    {
        let data = payment::payment_data_up(data, defaults, "$.payment_data")?;
        o.insert("payment_data".into(), Value::Object(data));
    }
    if version == Version::V2026_01_16
        && let Some(result) = take_object(&mut o, "authentication_result", "$")?
    {
        let result = payment::authentication_result_up(result, "$.authentication_result")?;
        o.insert("authentication_result".into(), Value::Object(result));
    }
    Ok(o)
}

/// A 2026-04-17 request → an older version.
pub(super) fn down(version: Version, body: Body, mut o: Obj) -> Result<Obj, AdaptError> {
    if body == Body::CancelRequest && version == Version::V2025_09_29 {
        return Ok(Obj::new());
    }
    for key in MEANINGFUL {
        if o.contains_key(key) && !schema::allows(version, body, key) {
            return Err(AdaptError::inexpressible(
                member("$", key),
                version,
                "the version has no such member and leaving it out would change the order",
            ));
        }
    }
    if version.legacy_items()
        && let Some(items) = take_array(&mut o, "line_items", "$")?
    {
        o.insert(
            "items".into(),
            Value::Array(items_down(items, "$.line_items")?),
        );
    }
    if version == Version::V2025_09_29
        && let Some(mut details) = take_object(&mut o, "fulfillment_details", "$")?
        && let Some(address) = details.remove("address")
    {
        o.insert("fulfillment_address".into(), address);
    }
    if let Some(selected) = take_array(&mut o, "selected_fulfillment_options", "$")? {
        let path = "$.selected_fulfillment_options";
        if version == Version::V2025_09_29 {
            if let Some(id) = single_option(selected, path, true, version)? {
                o.insert("fulfillment_option_id".into(), id.into());
            }
        } else {
            let nested = selected_down(version, selected, path, true)?;
            o.insert("selected_fulfillment_options".into(), Value::Array(nested));
        }
    }
    if version < Version::V2026_01_30
        && let Some(buyer) = o.get_mut("buyer")
    {
        buyer_down(version, buyer, "$.buyer")?;
    }
    if version < Version::V2026_01_30
        && let Some(data) = take_object(&mut o, "payment_data", "$")?
    {
        let data = payment::payment_data_down(version, data, "$.payment_data")?;
        o.insert("payment_data".into(), Value::Object(data));
    }
    if let Some(result) = take_object(&mut o, "authentication_result", "$")? {
        let path = "$.authentication_result";
        match version {
            Version::V2025_09_29 => {
                return Err(AdaptError::inexpressible(
                    path,
                    version,
                    "the version has no 3-D Secure",
                ));
            }
            Version::V2026_01_16 => {
                let result = payment::authentication_result_down(result, path)?;
                o.insert("authentication_result".into(), Value::Object(result));
            }
            _ => {
                o.insert("authentication_result".into(), Value::Object(result));
            }
        }
    }
    Ok(o)
}

/// `[{id, quantity: n}]` → the id listed `n` times.
fn items_up(items: Vec<Value>) -> Result<Vec<Value>, AdaptError> {
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let path = index("$.items", i);
        let item = into_object(item, &path)?;
        let id = required_str(&item, "id", &path)?;
        let units = quantity(&item, &path)?;
        if out.len() + units > MAX_UNITS {
            return Err(AdaptError::invalid(
                member(&path, "quantity"),
                format!("more than {MAX_UNITS} units in one request"),
            ));
        }
        out.extend(std::iter::repeat_n(json!({ "id": id }), units));
    }
    Ok(out)
}

/// A legacy `quantity`: a whole number ≥ 1.
pub(super) fn quantity(item: &Obj, path: &str) -> Result<usize, AdaptError> {
    let path = member(path, "quantity");
    let value = item
        .get("quantity")
        .ok_or_else(|| AdaptError::Missing { path: path.clone() })?;
    let n = super::support::integer(value, &path)?;
    usize::try_from(n)
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| AdaptError::invalid(path, format!("{n} is not a quantity (≥ 1)")))
}

/// Each id listed once per unit → `[{id, quantity}]`, in first-seen order.
fn items_down(items: Vec<Value>, path: &str) -> Result<Vec<Value>, AdaptError> {
    let mut counted: Vec<(String, u64)> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let item_path = index(path, i);
        let id = required_str(&into_object(item, &item_path)?, "id", &item_path)?;
        match counted.iter_mut().find(|(seen, _)| *seen == id) {
            Some((_, n)) => *n += 1,
            None => counted.push((id, 1)),
        }
    }
    Ok(counted
        .into_iter()
        .map(|(id, quantity)| json!({ "id": id, "quantity": quantity }))
        .collect())
}

/// Gives a buyer the first and last names versions before 2026-01-30 require, from `full_name`
/// split at its first space.
pub(super) fn buyer_down(
    version: Version,
    buyer: &mut Value,
    path: &str,
) -> Result<(), AdaptError> {
    let buyer = super::support::as_object(buyer, path)?;
    if buyer.contains_key("first_name") && buyer.contains_key("last_name") {
        return Ok(());
    }
    let split = str_at(buyer, "full_name")
        .and_then(|full| full.trim().split_once(char::is_whitespace))
        .map(|(first, last)| (first.trim().to_owned(), last.trim().to_owned()))
        .filter(|(first, last)| !first.is_empty() && !last.is_empty());
    let Some((first, last)) = split else {
        let missing = if buyer.contains_key("first_name") {
            "last_name"
        } else {
            "first_name"
        };
        return Err(AdaptError::inexpressible(
            member(path, missing),
            version,
            "the version requires first and last names",
        ));
    };
    buyer.entry("first_name").or_insert(first.into());
    buyer.entry("last_name").or_insert(last.into());
    Ok(())
}

/// 2025-12-12 / 2026-01-16 `{type, shipping|digital: {option_id, item_ids}}` → flat.
pub(super) fn selected_up(
    version: Version,
    selected: Vec<Value>,
    path: &str,
) -> Result<Vec<Value>, AdaptError> {
    if version == Version::V2025_09_29 || version >= Version::V2026_01_30 {
        return Ok(selected);
    }
    let mut out = Vec::with_capacity(selected.len());
    for (i, choice) in selected.into_iter().enumerate() {
        let path = index(path, i);
        let mut choice = into_object(choice, &path)?;
        let kind = required_str(&choice, "type", &path)?;
        let inner = match take_object(&mut choice, &kind, &path)? {
            Some(inner) => inner,
            None => ["shipping", "digital"]
                .into_iter()
                .find_map(|k| choice.remove(k))
                .map(|v| into_object(v, &path))
                .transpose()?
                .ok_or_else(|| AdaptError::Missing {
                    path: member(&path, &kind),
                })?,
        };
        let option_id = required_str(&inner, "option_id", &member(&path, &kind))?;
        let item_ids = inner.get("item_ids").cloned().unwrap_or_else(|| json!([]));
        out.push(json!({"type": kind, "option_id": option_id, "item_ids": item_ids}));
    }
    Ok(out)
}

/// Flat → 2025-12-12 / 2026-01-16 nested. A kind the version lacks is inexpressible in a
/// request (`strict`) and left out of a session.
pub(super) fn selected_down(
    version: Version,
    selected: Vec<Value>,
    path: &str,
    strict: bool,
) -> Result<Vec<Value>, AdaptError> {
    if version >= Version::V2026_01_30 {
        return Ok(selected);
    }
    let mut out = Vec::with_capacity(selected.len());
    for (i, choice) in selected.into_iter().enumerate() {
        let path = index(path, i);
        let choice = into_object(choice, &path)?;
        let kind = required_str(&choice, "type", &path)?;
        if !matches!(kind.as_str(), "shipping" | "digital") {
            if strict {
                return Err(AdaptError::inexpressible(
                    member(&path, "type"),
                    version,
                    format!("no {kind} fulfillment before 2026-01-30"),
                ));
            }
            continue;
        }
        let option_id = required_str(&choice, "option_id", &path)?;
        let item_ids = choice.get("item_ids").cloned().unwrap_or_else(|| json!([]));
        out.push(json!({"type": kind, kind: {"option_id": option_id, "item_ids": item_ids}}));
    }
    Ok(out)
}

/// 2025-09-29's single `fulfillment_option_id`: the shipping selection's, else the only one's.
/// Two different options are inexpressible in a request (`strict`); a session keeps the first.
pub(super) fn single_option(
    selected: Vec<Value>,
    path: &str,
    strict: bool,
    version: Version,
) -> Result<Option<String>, AdaptError> {
    let choices: Vec<(String, String)> = selected
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let path = index(path, i);
            let c = c.as_object().ok_or_else(|| AdaptError::WrongType {
                path: path.clone(),
                expected: "an object",
            })?;
            Ok((
                required_str(c, "type", &path)?,
                required_str(c, "option_id", &path)?,
            ))
        })
        .collect::<Result<_, AdaptError>>()?;
    let shipping: Vec<&String> = choices
        .iter()
        .filter(|(kind, _)| kind == "shipping")
        .map(|(_, id)| id)
        .collect();
    let all = if shipping.is_empty() {
        choices.iter().map(|(_, id)| id).collect()
    } else {
        shipping
    };
    let mut candidates: Vec<&String> = Vec::new();
    for id in all {
        if !candidates.contains(&id) {
            candidates.push(id);
        }
    }
    if strict && candidates.len() > 1 {
        return Err(AdaptError::inexpressible(
            path,
            version,
            "the version selects a single fulfillment option",
        ));
    }
    Ok(candidates.first().map(|id| (*id).clone()))
}
