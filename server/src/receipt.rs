//! The page an order's `permalink_url` opens: a receipt a buyer can read on a phone. Lines
//! (quantity × unit price = amount), then the session's own totals (items, delivery, tax,
//! total) so everything adds up as the merchant computed it, money in the currency's units
//! with its symbol, the date in words, the delivery choice and address. Server-rendered HTML
//! with its styles in the page (no script), light and dark by `prefers-color-scheme`.

use buycard_acp::checkout::{CheckoutSession, TotalType};
use serde::{Deserialize, Serialize};

/// What the receipt shows, kept with the order when it is placed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub lines: Vec<ReceiptLine>,
    /// The session's totals in its order, without the per-type duplicates (`subtotal` equal to
    /// the items' base).
    pub totals: Vec<(String, i64, bool)>,
    /// The delivery option chosen, e.g. "Standard shipping" or "Email delivery".
    pub delivery: Option<String>,
    /// Where it goes: "Ada Lovelace, 12 Analytical Way, San Francisco, CA 94107, US", or an email.
    pub deliver_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub name: String,
    pub quantity: u32,
    pub unit_amount: i64,
    /// Quantity × unit price, before tax (tax is its own total).
    pub amount: i64,
}

impl Receipt {
    pub fn of(session: &CheckoutSession) -> Self {
        let lines = session
            .line_items
            .iter()
            .map(|l| {
                let base = l
                    .totals
                    .iter()
                    .find(|t| t.kind == TotalType::ItemsBaseAmount)
                    .map(|t| t.amount);
                let unit = l
                    .unit_amount
                    .or_else(|| base.map(|b| b / i64::from(l.quantity.max(1))))
                    .unwrap_or(0);
                ReceiptLine {
                    name: l.name.clone().unwrap_or_else(|| l.item.id.clone()),
                    quantity: l.quantity,
                    unit_amount: unit,
                    amount: base.unwrap_or(unit * i64::from(l.quantity)),
                }
            })
            .collect();
        let items = session
            .totals
            .iter()
            .find(|t| t.kind == TotalType::ItemsBaseAmount)
            .map(|t| t.amount);
        let totals = session
            .totals
            .iter()
            .filter(|t| !(t.kind == TotalType::Subtotal && Some(t.amount) == items))
            .map(|t| (t.display_text.clone(), t.amount, t.kind == TotalType::Total))
            .collect();
        let chosen: Vec<&str> = session
            .selected_fulfillment_options
            .iter()
            .flatten()
            .map(|s| s.option_id.as_str())
            .collect();
        let option = session
            .fulfillment_options
            .iter()
            .find(|o| chosen.contains(&o.id.as_str()));
        let details = session.fulfillment_details.as_ref();
        let deliver_to = match (option.map(|o| o.kind.as_str()), details) {
            (Some("digital"), Some(d)) => d
                .email
                .clone()
                .or_else(|| session.buyer.as_ref().map(|b| b.email.clone())),
            (Some("digital"), None) => session.buyer.as_ref().map(|b| b.email.clone()),
            (_, Some(d)) => d.address.as_ref().map(|a| {
                let mut place = vec![a.name.as_str(), a.line_one.as_str()];
                if let Some(two) = a.line_two.as_deref().filter(|l| !l.is_empty()) {
                    place.push(two);
                }
                // "San Francisco, CA 94107"; "Paris 75004" where there is no state.
                let region = [a.state.as_str(), a.postal_code.as_str()]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let city = match (a.city.is_empty(), a.state.is_empty()) {
                    (false, false) => format!("{}, {region}", a.city),
                    _ => format!("{} {region}", a.city).trim().to_owned(),
                };
                format!("{}, {city}, {}", place.join(", "), a.country)
            }),
            _ => None,
        };
        Self {
            lines,
            totals,
            delivery: option.map(|o| o.title.clone()),
            deliver_to,
        }
    }
}

/// `amount` minor units of `currency` for English readers: `$133.70`, `€24.90`, `¥1,200`,
/// `CHF 12.00`. Never a float.
pub fn money(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    let (symbol, decimals) = match code.as_str() {
        "USD" => ("$", 2),
        "EUR" => ("€", 2),
        "GBP" => ("£", 2),
        "CAD" => ("CA$", 2),
        "AUD" => ("A$", 2),
        "JPY" => ("¥", 0),
        "KRW" => ("₩", 0),
        _ => ("", 2),
    };
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let scale = 10u64.pow(decimals);
    let whole = (abs / scale).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let number = if decimals == 0 {
        grouped
    } else {
        format!(
            "{grouped}.{:0width$}",
            abs % scale,
            width = decimals as usize
        )
    };
    if symbol.is_empty() {
        format!("{sign}{code} {number}")
    } else {
        format!("{sign}{symbol}{number}")
    }
}

/// An RFC 3339 time in words: `November 25, 2026 at 17:54 UTC`.
pub fn when(rfc3339: &str) -> String {
    let Ok(t) =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
    else {
        return rfc3339.to_owned();
    };
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{} {}, {} at {:02}:{:02} UTC",
        t.month(),
        t.day(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --fg: #16181d; --muted: #5b6270;
  --line: #dde1e6; --accent: #1d5fc2; }
@media (prefers-color-scheme: dark) { :root { --bg: #0f1115; --card: #181b21; --fg: #eceef2;
  --muted: #a3aab6; --line: #2c313a; --accent: #8ab4ff; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
main { max-width: 34rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 1.25rem; }
h1 { font-size: 1.375rem; line-height: 1.25; margin: 0 0 .25rem; }
.meta { color: var(--muted); margin: 0 0 1rem; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: .5rem 0; vertical-align: top; text-align: left; }
td.amount, th.amount { text-align: right; white-space: nowrap; padding-left: 1rem; }
tbody tr + tr td { border-top: 1px solid var(--line); }
.qty { display: block; color: var(--muted); font-size: .875rem; }
tfoot td { border-top: 1px solid var(--line); }
tfoot tr.total td { font-weight: 700; font-size: 1.125rem; border-top: 2px solid var(--fg); }
.name { overflow-wrap: anywhere; }
dl { margin: 1rem 0 0; display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
";

/// The whole page.
/// `reference` is the order number the buyer reads (the id when the order has none).
pub fn page(reference: &str, created_at: &str, currency: &str, receipt: &Receipt) -> String {
    let lines: String = receipt
        .lines
        .iter()
        .map(|l| {
            format!(
                "<tr><td><span class=\"name\">{name}</span><span class=\"qty\">{qty} × {unit}</span></td>\
                 <td class=\"amount\">{amount}</td></tr>",
                name = escape(&l.name),
                qty = l.quantity,
                unit = money(l.unit_amount, currency),
                amount = money(l.amount, currency),
            )
        })
        .collect();
    let totals: String = receipt
        .totals
        .iter()
        .map(|(label, amount, grand)| {
            format!(
                "<tr{class}><td>{label}</td><td class=\"amount\">{amount}</td></tr>",
                class = if *grand { " class=\"total\"" } else { "" },
                label = escape(label),
                amount = money(*amount, currency),
            )
        })
        .collect();
    let mut details = String::new();
    if let Some(delivery) = &receipt.delivery {
        details.push_str(&format!("<dt>Delivery</dt><dd>{}</dd>", escape(delivery)));
    }
    if let Some(to) = &receipt.deliver_to {
        details.push_str(&format!("<dt>Sent to</dt><dd>{}</dd>", escape(to)));
    }
    details.push_str(&format!("<dt>Order</dt><dd>{}</dd>", escape(reference)));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Your order {id}</title><style>{STYLE}</style></head><body><main>\
         <section class=\"card\" aria-labelledby=\"title\">\
         <h1 id=\"title\">Thank you, your order is placed</h1>\
         <p class=\"meta\">Placed {placed}</p>\
         <table><caption class=\"visually-hidden\">What you bought</caption>\
         <thead class=\"visually-hidden\"><tr><th>Item</th><th class=\"amount\">Amount</th></tr></thead>\
         <tbody>{lines}</tbody><tfoot>{totals}</tfoot></table>\
         <dl>{details}</dl></section></main></body></html>",
        id = escape(reference),
        placed = escape(&when(created_at)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_in_the_currencys_units_never_minor_units() {
        assert_eq!(money(13370, "usd"), "$133.70");
        assert_eq!(money(2490, "EUR"), "€24.90");
        assert_eq!(money(123456789, "usd"), "$1,234,567.89");
        assert_eq!(money(1200, "jpy"), "¥1,200");
        assert_eq!(money(5, "usd"), "$0.05");
        assert_eq!(money(-250, "usd"), "-$2.50");
        assert_eq!(money(1200, "chf"), "CHF 12.00");
    }

    #[test]
    fn dates_read_as_words() {
        assert_eq!(
            when("2026-11-25T17:54:09Z"),
            "November 25, 2026 at 17:54 UTC"
        );
        assert_eq!(when("not a date"), "not a date");
    }
}
