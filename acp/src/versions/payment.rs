//! Payment: legacy `payment_provider` / `authentication_provider` ↔ `capabilities`, legacy
//! `payment_data {token, provider}` ↔ `{handler_id, instrument}`, and 2026-01-16's 3-D Secure
//! outcomes.

use serde_json::{Value, json};

use super::support::{AdaptError, Obj, member, required_str, str_at};
use super::{Defaults, Version};

/// Payment providers the legacy schemas name (`PaymentProvider.provider`, `PaymentData.provider`).
const PROVIDERS: [&str; 1] = ["stripe"];
/// Authentication providers 2026-01-16 names.
const AUTHENTICATION_PROVIDERS: [&str; 2] = ["stripe", "adyen"];
/// Card networks 2025-12-12 / 2026-01-16 name.
const NETWORKS: [&str; 4] = ["amex", "discover", "mastercard", "visa"];
/// The handler a legacy provider becomes.
const HANDLER_NAME: &str = "dev.acp.tokenized.card";
const HANDLER_SPEC: &str = "https://acp.dev/handlers/tokenized.card";
const HANDLER_CONFIG_SCHEMA: &str = "https://acp.dev/schemas/handlers/tokenized.card/config.json";
const HANDLER_INSTRUMENT_SCHEMA: &str =
    "https://acp.dev/schemas/handlers/tokenized.card/instrument.json";
/// Members of 2026-01-30+ `PaymentData` for invoiced (B2B) payment.
const INVOICE_MEMBERS: [&str; 4] = [
    "purchase_order_number",
    "payment_terms",
    "due_date",
    "approval_required",
];

/// A legacy session's providers → `capabilities`.
pub(super) fn capabilities_up(
    version: Version,
    payment_provider: Option<Obj>,
    authentication_provider: Option<Obj>,
) -> Result<Obj, AdaptError> {
    let mut capabilities = Obj::new();
    if let Some(provider) = payment_provider {
        let name = required_str(&provider, "provider", "$.payment_provider")?;
        let mut config = Obj::new();
        if let Some(merchant) = provider.get("merchant_id") {
            config.insert("merchant_id".into(), merchant.clone());
        }
        config.insert("psp".into(), name.clone().into());
        let networks = provider
            .get("supported_payment_methods")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .find(|m| str_at(m, "type") == Some("card"))
            .and_then(|m| m.get("supported_card_networks"));
        if let Some(networks) = networks {
            config.insert("accepted_brands".into(), networks.clone());
        }
        let handler = json!({
            "id": name,
            "name": HANDLER_NAME,
            "version": version.as_str(),
            "spec": HANDLER_SPEC,
            "requires_delegate_payment": true,
            "requires_pci_compliance": false,
            "psp": name,
            "config_schema": HANDLER_CONFIG_SCHEMA,
            "instrument_schemas": [HANDLER_INSTRUMENT_SCHEMA],
            "config": config,
        });
        capabilities.insert("payment".into(), json!({ "handlers": [handler] }));
    }
    let three_ds = authentication_provider.is_some_and(|a| {
        a.get("supported_authentication_methods")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|m| m == "3ds"))
    });
    if three_ds {
        capabilities.insert("interventions".into(), json!({ "supported": ["3ds"] }));
    }
    Ok(capabilities)
}

fn handlers(capabilities: &Obj) -> Vec<&Obj> {
    capabilities
        .get("payment")
        .and_then(|p| p.get("handlers"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect()
}

fn config_str<'a>(handler: &'a Obj, key: &str) -> Option<&'a str> {
    handler
        .get("config")
        .and_then(Value::as_object)
        .and_then(|c| str_at(c, key))
}

/// `capabilities` → a legacy session's `payment_provider` and (2026-01-16)
/// `authentication_provider`, when a handler's PSP is one the version names.
pub(super) fn providers_down(
    version: Version,
    capabilities: &Obj,
) -> (Option<Value>, Option<Value>) {
    let handlers = handlers(capabilities);
    let named: Vec<&Obj> = handlers
        .iter()
        .copied()
        .filter(|h| str_at(h, "psp").is_some_and(|p| PROVIDERS.contains(&p)))
        .collect();
    let chosen = named
        .iter()
        .find(|h| str_at(h, "name") == Some(HANDLER_NAME))
        .or_else(|| named.first());
    let payment = chosen.and_then(|h| {
        let psp = str_at(h, "psp")?;
        let merchant = config_str(h, "merchant_id");
        let methods = if version == Version::V2025_09_29 {
            json!(["card"])
        } else {
            let networks: Vec<&str> = match h
                .get("config")
                .and_then(|c| c.get("accepted_brands"))
                .and_then(Value::as_array)
            {
                Some(brands) => brands
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|b| NETWORKS.contains(b))
                    .collect(),
                None => NETWORKS.to_vec(),
            };
            json!([{ "type": "card", "supported_card_networks": networks }])
        };
        match (version, merchant) {
            (Version::V2026_01_16, None) => None,
            (Version::V2026_01_16, Some(m)) => Some(json!({
                "provider": psp, "merchant_id": m, "supported_payment_methods": methods
            })),
            _ => Some(json!({ "provider": psp, "supported_payment_methods": methods })),
        }
    });
    let three_ds = capabilities
        .get("interventions")
        .and_then(|i| i.get("supported"))
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|m| m == "3ds"));
    let authentication = (version == Version::V2026_01_16 && three_ds)
        .then(|| {
            handlers.iter().find_map(|h| {
                let psp = str_at(h, "psp").filter(|p| AUTHENTICATION_PROVIDERS.contains(p))?;
                let merchant = config_str(h, "merchant_id")?;
                Some(json!({
                    "provider": psp,
                    "merchant_id": merchant,
                    "supported_authentication_methods": ["3ds"]
                }))
            })
        })
        .flatten();
    (payment, authentication)
}

/// Legacy `{token, provider, billing_address?}` → `{handler_id, instrument, billing_address?}`.
pub(super) fn payment_data_up(
    mut data: Obj,
    defaults: &Defaults,
    path: &str,
) -> Result<Obj, AdaptError> {
    let token = required_str(&data, "token", path)?;
    let provider = required_str(&data, "provider", path)?;
    let mut out = Obj::new();
    out.insert(
        "handler_id".into(),
        defaults.handler_id.clone().unwrap_or(provider).into(),
    );
    out.insert(
        "instrument".into(),
        json!({"type": "card", "credential": {"type": "spt", "token": token}}),
    );
    if let Some(address) = data.remove("billing_address") {
        out.insert("billing_address".into(), address);
    }
    Ok(out)
}

/// `{handler_id, instrument, billing_address?}` → legacy `{token, provider, billing_address?}`.
pub(super) fn payment_data_down(
    version: Version,
    mut data: Obj,
    path: &str,
) -> Result<Obj, AdaptError> {
    if let Some(key) = INVOICE_MEMBERS.iter().find(|k| data.contains_key(**k)) {
        return Err(AdaptError::inexpressible(
            member(path, key),
            version,
            "the version pays by card token only",
        ));
    }
    let handler = required_str(&data, "handler_id", path)?;
    if !PROVIDERS.contains(&handler.as_str()) {
        return Err(AdaptError::inexpressible(
            member(path, "handler_id"),
            version,
            format!(
                "the version names a provider ({}), not {handler:?}",
                PROVIDERS.join(", ")
            ),
        ));
    }
    let instrument_path = member(path, "instrument");
    let credential_path = member(&instrument_path, "credential");
    let token = data
        .get("instrument")
        .ok_or_else(|| AdaptError::Missing {
            path: instrument_path.clone(),
        })?
        .get("credential")
        .and_then(Value::as_object)
        .ok_or_else(|| AdaptError::Missing {
            path: credential_path.clone(),
        })
        .and_then(|c| required_str(c, "token", &credential_path))?;
    let mut out = Obj::new();
    out.insert("token".into(), token.into());
    out.insert("provider".into(), handler.into());
    if let Some(address) = data.remove("billing_address") {
        out.insert("billing_address".into(), address);
    }
    Ok(out)
}

/// 3-D Secure outcomes: (2026-01-16, 2026-04-17), the first row for each value read back.
const OUTCOMES: [(&str, &str); 10] = [
    ("authenticated", "authenticated"),
    ("failed", "denied"),
    ("rejected", "rejected"),
    ("attempt", "attempt_acknowledged"),
    ("unavailable", "not_supported"),
    ("failed", "abandoned"),
    ("failed", "canceled"),
    ("attempt", "informational"),
    ("unavailable", "internal_error"),
    ("unavailable", "processing_error"),
];
/// Outcomes that require `outcome_details` in 2026-04-17.
const WITH_DETAILS: [&str; 3] = ["authenticated", "informational", "attempt_acknowledged"];
/// Electronic commerce indicators 2026-04-17 names.
const ECI: [&str; 5] = ["01", "02", "05", "06", "07"];

/// 2026-01-16 `AuthenticationResult` → 2026-04-17.
pub(super) fn authentication_result_up(mut result: Obj, path: &str) -> Result<Obj, AdaptError> {
    let outcome = required_str(&result, "outcome", path)?;
    let current = OUTCOMES
        .iter()
        .find(|(old, _)| *old == outcome)
        .map(|(_, new)| *new)
        .ok_or_else(|| {
            AdaptError::invalid(
                member(path, "outcome"),
                format!("unknown outcome {outcome:?}"),
            )
        })?;
    result.insert("outcome".into(), current.into());
    let details_path = member(path, "outcome_details");
    match result.get("outcome_details") {
        Some(details) => {
            let eci = details
                .get("electronic_commerce_indicator")
                .and_then(Value::as_str);
            if let Some(eci) = eci.filter(|e| !ECI.contains(e)) {
                return Err(AdaptError::invalid(
                    member(&details_path, "electronic_commerce_indicator"),
                    format!("{eci:?} is not an ECI value"),
                ));
            }
        }
        None if WITH_DETAILS.contains(&current) => {
            return Err(AdaptError::Missing { path: details_path });
        }
        None => {}
    }
    Ok(result)
}

/// 2026-04-17 `AuthenticationResult` → 2026-01-16.
pub(super) fn authentication_result_down(mut result: Obj, path: &str) -> Result<Obj, AdaptError> {
    let outcome = required_str(&result, "outcome", path)?;
    let old = OUTCOMES
        .iter()
        .find(|(_, new)| *new == outcome)
        .map(|(old, _)| *old)
        .ok_or_else(|| {
            AdaptError::invalid(
                member(path, "outcome"),
                format!("unknown outcome {outcome:?}"),
            )
        })?;
    result.insert("outcome".into(), old.into());
    Ok(result)
}
