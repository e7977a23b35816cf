//! Money formatting through the browser's `Intl.NumberFormat`.
//!
//! The amount is handed to `format` as an exact decimal string (see
//! [`Money::to_decimal_string`]), never as a JavaScript number, so it is not rounded through a
//! float. Formatters are cached per (locale, currency): a timeline of cards reuses a handful.

use std::cell::RefCell;
use std::collections::HashMap;

use wasm_bindgen::prelude::*;

use crate::core::money::Money;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    type NumberFormat;

    /// Throws a RangeError for a locale or currency Intl rejects: caught, never a panic.
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "NumberFormat", catch)]
    fn new(locales: &JsValue, options: &JsValue) -> Result<NumberFormat, JsValue>;

    #[wasm_bindgen(method, js_class = "NumberFormat", js_name = format)]
    fn format_decimal(this: &NumberFormat, decimal: &str) -> String;
}

thread_local! {
    static FORMATTERS: RefCell<HashMap<(String, String), Option<NumberFormat>>> =
        RefCell::new(HashMap::new());
}

fn formatter(locale: &str, currency: &str) -> Option<NumberFormat> {
    let options = js_sys::Object::new();
    let set =
        |key: &str, value: &str| js_sys::Reflect::set(&options, &key.into(), &value.into()).is_ok();
    if !(set("style", "currency") && set("currency", currency)) {
        return None;
    }
    NumberFormat::new(&JsValue::from_str(locale), &options)
        .or_else(|_| NumberFormat::new(&JsValue::from_str("en"), &options))
        .ok()
}

/// `money` formatted for `locale` (a BCP 47 tag), e.g. "$19.99" or "19,99 $US".
pub fn format_money(locale: &str, money: Money) -> String {
    let decimal = money.to_decimal_string();
    let key = (locale.to_owned(), money.currency.code().to_owned());
    FORMATTERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let entry = cache
            .entry(key)
            .or_insert_with(|| formatter(locale, money.currency.code()));
        match entry {
            Some(nf) => nf.format_decimal(&decimal),
            None => format!("{decimal} {}", money.currency),
        }
    })
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type DateTimeFormat;

    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "DateTimeFormat", catch)]
    fn new(locales: &JsValue, options: &JsValue) -> Result<DateTimeFormat, JsValue>;

    #[wasm_bindgen(method, js_class = "DateTimeFormat", js_name = format, catch)]
    fn format_date(this: &DateTimeFormat, date: &js_sys::Date) -> Result<String, JsValue>;
}

/// An RFC 3339 date (`2027-01-15T00:00:00Z`) as a long date for `locale` ("January 15, 2027",
/// "15 janvier 2027"), in UTC so the day does not shift with the reader's time zone.
pub fn format_date(locale: &str, rfc3339: &str) -> Option<String> {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"dateStyle".into(), &"long".into()).ok()?;
    js_sys::Reflect::set(&options, &"timeZone".into(), &"UTC".into()).ok()?;
    let formatter = DateTimeFormat::new(&JsValue::from_str(locale), &options)
        .or_else(|_| DateTimeFormat::new(&JsValue::from_str("en"), &options))
        .ok()?;
    formatter.format_date(&date).ok()
}
