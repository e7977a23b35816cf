//! Checkout sessions: line items, fulfillment options and selections, totals, status, messages,
//! links, payment capabilities. Going down, what the target cannot hold is left out.

use serde_json::{Value, json};

use super::requests::{buyer_down, quantity, selected_down, selected_up, single_option};
use super::support::{
    AdaptError, Obj, amount_of, array_mut, as_object, index, integer_at, member, str_at,
    take_array, take_object, total,
};
use super::vocab::{ORDER_STATUS, fold_totals, link_down, message_down, status_down};
use super::{Version, payment};

/// Legacy line-item amounts: (member, `Total.type`, display text).
const LINE_AMOUNTS: [(&str, &str, &str); 5] = [
    ("base_amount", "items_base_amount", "Base Amount"),
    ("discount", "discount", "Discount"),
    ("subtotal", "subtotal", "Subtotal"),
    ("tax", "tax", "Tax"),
    ("total", "total", "Total"),
];
/// ≤ 2025-12-12 fulfillment-option amounts.
const OPTION_AMOUNTS: [(&str, &str, &str); 3] = [
    ("subtotal", "subtotal", "Subtotal"),
    ("tax", "tax", "Tax"),
    ("total", "total", "Total"),
];

fn set_protocol(o: &mut Obj, version: Version) {
    if let Some(protocol) = o.get_mut("protocol").and_then(Value::as_object_mut) {
        protocol.insert("version".into(), version.as_str().into());
    }
}

/// An older version's session → 2026-04-17.
pub(super) fn up(version: Version, mut o: Obj) -> Result<Obj, AdaptError> {
    set_protocol(&mut o, Version::CURRENT);
    if !version.legacy_items() {
        return Ok(o);
    }
    for (i, line) in array_mut(&mut o, "line_items", "$")?
        .into_iter()
        .flatten()
        .enumerate()
    {
        line_item_up(line, &index("$.line_items", i))?;
    }
    if version <= Version::V2025_12_12 {
        let options = array_mut(&mut o, "fulfillment_options", "$")?;
        for (i, option) in options.into_iter().flatten().enumerate() {
            let path = index("$.fulfillment_options", i);
            let option = as_object(option, &path)?;
            if let Some(subtitle) = option.remove("subtitle") {
                option.insert("description".into(), subtitle);
            }
            let totals = amounts_to_totals(option, &OPTION_AMOUNTS, &path)?;
            option.insert("totals".into(), Value::Array(totals));
        }
    }
    if let Some(address) = o.remove("fulfillment_address") {
        o.insert("fulfillment_details".into(), json!({ "address": address }));
    }
    if let Some(selected) = take_array(&mut o, "selected_fulfillment_options", "$")? {
        let flat = selected_up(version, selected, "$.selected_fulfillment_options")?;
        o.insert("selected_fulfillment_options".into(), Value::Array(flat));
    }
    if let Some(chosen) = o.remove("fulfillment_option_id") {
        let kind = o
            .get("fulfillment_options")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|f| f.get("id") == Some(&chosen))
            .and_then(|f| f.get("type").cloned())
            .unwrap_or_else(|| "shipping".into());
        let lines: Vec<Value> = o
            .get("line_items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| l.get("id").cloned())
            .collect();
        o.insert(
            "selected_fulfillment_options".into(),
            json!([{"type": kind, "option_id": chosen, "item_ids": lines}]),
        );
    }
    let payment_provider = take_object(&mut o, "payment_provider", "$")?;
    let authentication_provider = take_object(&mut o, "authentication_provider", "$")?;
    let capabilities =
        payment::capabilities_up(version, payment_provider, authentication_provider)?;
    o.insert("capabilities".into(), Value::Object(capabilities));
    if version == Version::V2025_09_29 {
        for link in array_mut(&mut o, "links", "$")?.into_iter().flatten() {
            if link
                .get("type")
                .is_some_and(|t| t == "seller_shop_policies")
            {
                link["type"] = "return_policy".into();
            }
        }
    }
    Ok(o)
}

/// Legacy `{item: {id, quantity}, base_amount, …}` → `{item: {id}, quantity, totals}`.
fn line_item_up(line: &mut Value, path: &str) -> Result<(), AdaptError> {
    let line = as_object(line, path)?;
    let item_path = member(path, "item");
    let item = line
        .get_mut("item")
        .ok_or_else(|| AdaptError::Missing {
            path: item_path.clone(),
        })
        .and_then(|item| as_object(item, &item_path))?;
    let units = quantity(item, &item_path)?;
    item.remove("quantity");
    line.insert("quantity".into(), units.into());
    let totals = amounts_to_totals(line, &LINE_AMOUNTS, path)?;
    line.insert("totals".into(), Value::Array(totals));
    Ok(())
}

/// Removes the integer members named in `amounts` and lists them as totals.
fn amounts_to_totals(
    obj: &mut Obj,
    amounts: &[(&str, &str, &str)],
    path: &str,
) -> Result<Vec<Value>, AdaptError> {
    let mut totals = Vec::new();
    for (name, kind, text) in amounts {
        if let Some(amount) = integer_at(obj, name, path)? {
            totals.push(total(kind, text, amount));
        }
        obj.remove(*name);
    }
    Ok(totals)
}

/// A 2026-04-17 session → an older version.
pub(super) fn down(version: Version, mut o: Obj) -> Result<Obj, AdaptError> {
    set_protocol(&mut o, version);
    if let Some(totals) = array_mut(&mut o, "totals", "$")? {
        fold_totals(version, totals);
    }
    let metadata_channel = o
        .get("authentication_metadata")
        .map(|m| m.get("channel").is_some());
    if metadata_channel == Some(false) && version >= Version::V2025_12_12 {
        o.remove("authentication_metadata");
    }
    if !version.legacy_items() {
        for line in array_mut(&mut o, "line_items", "$")?.into_iter().flatten() {
            if let Some(totals) = line.get_mut("totals").and_then(Value::as_array_mut) {
                fold_totals(version, totals);
            }
        }
        for option in array_mut(&mut o, "fulfillment_options", "$")?
            .into_iter()
            .flatten()
        {
            if let Some(totals) = option.get_mut("totals").and_then(Value::as_array_mut) {
                fold_totals(version, totals);
            }
        }
        let order = o.get_mut("order").and_then(Value::as_object_mut);
        if let Some(order) = order
            && !str_at(order, "status").is_some_and(|s| ORDER_STATUS.contains(&s))
        {
            order.remove("status");
        }
        return Ok(o);
    }
    if let Some(status) = o.get("status") {
        let status = status_down(version, status)?;
        o.insert("status".into(), status.into());
    }
    for (i, line) in array_mut(&mut o, "line_items", "$")?
        .into_iter()
        .flatten()
        .enumerate()
    {
        line_item_down(line, &index("$.line_items", i))?;
    }
    if let Some(options) = take_array(&mut o, "fulfillment_options", "$")? {
        let mut kept = Vec::with_capacity(options.len());
        for (i, mut option) in options.into_iter().enumerate() {
            let path = index("$.fulfillment_options", i);
            let obj = as_object(&mut option, &path)?;
            if !matches!(str_at(obj, "type"), Some("shipping" | "digital")) {
                continue;
            }
            option_down(version, obj, &path)?;
            kept.push(option);
        }
        o.insert("fulfillment_options".into(), Value::Array(kept));
    }
    if let Some(mut selected) = take_array(&mut o, "selected_fulfillment_options", "$")? {
        let path = "$.selected_fulfillment_options";
        if version == Version::V2025_09_29 {
            // Pickup and local delivery options were left out above.
            selected.retain(|s| {
                matches!(
                    s.get("type").and_then(Value::as_str),
                    Some("shipping" | "digital")
                )
            });
            if let Some(id) = single_option(selected, path, false, version)? {
                o.insert("fulfillment_option_id".into(), id.into());
            }
        } else {
            let nested = selected_down(version, selected, path, false)?;
            o.insert("selected_fulfillment_options".into(), Value::Array(nested));
        }
    }
    if version == Version::V2025_09_29
        && let Some(mut details) = take_object(&mut o, "fulfillment_details", "$")?
        && let Some(address) = details.remove("address")
    {
        o.insert("fulfillment_address".into(), address);
    }
    if let Some(capabilities) = take_object(&mut o, "capabilities", "$")? {
        let (payment, authentication) = payment::providers_down(version, &capabilities);
        if let Some(payment) = payment {
            o.insert("payment_provider".into(), payment);
        }
        if let Some(authentication) = authentication {
            o.insert("authentication_provider".into(), authentication);
        }
    }
    if let Some(buyer) = o.get_mut("buyer")
        && buyer_down(version, buyer, "$.buyer").is_err()
    {
        o.remove("buyer");
    }
    if let Some(links) = take_array(&mut o, "links", "$")? {
        let links = links
            .into_iter()
            .filter_map(|l| link_down(version, l))
            .collect();
        o.insert("links".into(), Value::Array(links));
    }
    if let Some(messages) = take_array(&mut o, "messages", "$")? {
        let messages = messages.into_iter().filter_map(message_down).collect();
        o.insert("messages".into(), Value::Array(messages));
    }
    Ok(o)
}

/// `{item: {id}, quantity, totals}` → legacy `{item: {id, quantity}, base_amount, …}`.
fn line_item_down(line: &mut Value, path: &str) -> Result<(), AdaptError> {
    let line = as_object(line, path)?;
    let units = line.remove("quantity").ok_or_else(|| AdaptError::Missing {
        path: member(path, "quantity"),
    })?;
    let totals = take_array(line, "totals", path)?.unwrap_or_default();
    let count = units.as_i64().unwrap_or(1);
    let unit_amount = line.get("unit_amount").and_then(Value::as_i64);
    let item_path = member(path, "item");
    let item = line
        .get_mut("item")
        .ok_or_else(|| AdaptError::Missing {
            path: item_path.clone(),
        })
        .and_then(|item| as_object(item, &item_path))?;
    item.insert("quantity".into(), units);
    let discount = amount_of(&totals, "discount")
        .or_else(|| amount_of(&totals, "items_discount"))
        .unwrap_or(0);
    let tax = amount_of(&totals, "tax").unwrap_or(0);
    let (subtotal, grand) = (amount_of(&totals, "subtotal"), amount_of(&totals, "total"));
    let base = amount_of(&totals, "items_base_amount")
        .or_else(|| subtotal.map(|s| s.saturating_add(discount)))
        .or_else(|| unit_amount.map(|u| u.saturating_mul(count)))
        .or_else(|| grand.map(|t| t.saturating_sub(tax).saturating_add(discount)))
        .ok_or_else(|| AdaptError::Missing {
            path: member(path, "totals"),
        })?;
    let subtotal = subtotal.unwrap_or(base.saturating_sub(discount));
    let grand = grand.unwrap_or(subtotal.saturating_add(tax));
    for (name, value) in [
        ("base_amount", base),
        ("discount", discount),
        ("subtotal", subtotal),
        ("tax", tax),
        ("total", grand),
    ] {
        line.insert(name.into(), value.into());
    }
    Ok(())
}

/// A fulfillment option of a version before 2026-01-30.
fn option_down(version: Version, option: &mut Obj, path: &str) -> Result<(), AdaptError> {
    if version >= Version::V2026_01_16 {
        if let Some(totals) = option.get_mut("totals").and_then(Value::as_array_mut) {
            fold_totals(version, totals);
        }
        return Ok(());
    }
    if let Some(description) = option.remove("description") {
        option.insert("subtitle".into(), description);
    }
    let totals = take_array(option, "totals", path)?.unwrap_or_default();
    let (subtotal, tax) = (amount_of(&totals, "subtotal"), amount_of(&totals, "tax"));
    let grand = amount_of(&totals, "total")
        .or_else(|| subtotal.map(|s| s.saturating_add(tax.unwrap_or(0))))
        .unwrap_or_else(|| {
            totals
                .iter()
                .filter_map(|t| t.get("amount").and_then(Value::as_i64))
                .fold(0, i64::saturating_add)
        });
    option.insert("total".into(), grand.into());
    if version == Version::V2025_09_29 {
        let tax = tax.unwrap_or(0);
        option.insert("tax".into(), tax.into());
        option.insert("subtotal".into(), subtotal.unwrap_or(grand - tax).into());
    } else {
        if let Some(tax) = tax {
            option.insert("tax".into(), tax.into());
        }
        if let Some(subtotal) = subtotal {
            option.insert("subtotal".into(), subtotal.into());
        }
    }
    Ok(())
}
