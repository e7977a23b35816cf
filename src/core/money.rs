//! Money: an integer count of minor units in an ISO 4217 currency. Never a float.
//!
//! Formatting for a reader's locale is the browser's job (`Intl.NumberFormat`, see
//! `web::intl`); this module produces the exact decimal string that `Intl` is given, so no amount
//! ever passes through a binary floating-point number.

use thiserror::Error;

/// An ISO 4217 alphabetic code: three ASCII upper-case letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("currency code {0:?} is not three upper-case letters (ISO 4217)")]
    InvalidCurrency(String),
}

impl Currency {
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Self([a, b, c])),
            _ => Err(MoneyError::InvalidCurrency(code.chars().take(16).collect())),
        }
    }

    pub fn code(&self) -> &str {
        // Constructed only from ASCII upper-case letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of digits after the decimal separator (the ISO 4217 "minor unit").
    ///
    /// Most currencies have 2; the exceptions are listed. Unknown codes default to 2, which is
    /// what ACP merchants overwhelmingly use.
    pub fn minor_digits(&self) -> u32 {
        match self.code() {
            // Zero-decimal currencies.
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            // Three-decimal currencies.
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            // Four-decimal units of account.
            "CLF" | "UYW" => 4,
            _ => 2,
        }
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of money in minor units (cents for USD/EUR, yen for JPY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    pub minor: u64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: u64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// From an ACP `{amount, currency}` pair (a feed's, as [`crate::core::listing`] reads it).
    pub fn from_acp(price: &crate::core::listing::Price) -> Result<Self, MoneyError> {
        Ok(Self::new(price.amount, Currency::parse(&price.currency)?))
    }

    /// The exact amount in major units as a plain decimal string ("19.99", "1000", "0.005"):
    /// the input `Intl.NumberFormat.prototype.format` takes without rounding through a float.
    pub fn to_decimal_string(&self) -> String {
        let digits = self.currency.minor_digits();
        if digits == 0 {
            return self.minor.to_string();
        }
        let scale = 10u64.pow(digits);
        format!(
            "{}.{:0width$}",
            self.minor / scale,
            self.minor % scale,
            width = digits as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").expect("valid")
    }

    #[test]
    fn decimal_strings_for_the_common_exponents() {
        let cases = [
            (1999, "USD", "19.99"),
            (5, "EUR", "0.05"),
            (0, "EUR", "0.00"),
            (100_000, "EUR", "1000.00"),
            (1500, "JPY", "1500"),
            (1234, "KWD", "1.234"),
            (7, "BHD", "0.007"),
            (12345, "CLF", "1.2345"),
        ];
        for (minor, code, expected) in cases {
            let money = Money::new(minor, Currency::parse(code).expect("valid"));
            assert_eq!(money.to_decimal_string(), expected, "{minor} {code}");
        }
    }

    #[test]
    fn absurd_amounts_stay_exact() {
        let money = Money::new(u64::MAX, usd());
        assert_eq!(money.to_decimal_string(), "184467440737095516.15");
    }

    #[test]
    fn currency_codes_are_validated() {
        for bad in ["usd", "US", "USDX", "", "U$D", "ÉUR", "<b>"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} must be rejected");
        }
        assert_eq!(
            Currency::parse("EUR").map(|c| c.to_string()).as_deref(),
            Ok("EUR")
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The decimal string always reads back as the same integer number of minor units.
        #[test]
        fn decimal_string_is_lossless(minor in proptest::prelude::any::<u64>(), code in "[A-Z]{3}") {
            let currency = Currency::parse(&code).expect("generated valid");
            let text = Money::new(minor, currency).to_decimal_string();
            let digits = currency.minor_digits() as usize;
            let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
            proptest::prop_assert_eq!(frac.len(), digits);
            let back: u128 = format!("{whole}{frac}").parse().expect("digits only");
            proptest::prop_assert_eq!(back, u128::from(minor));
        }
    }
}
