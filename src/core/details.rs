//! The new buyer's details sheet: what is asked (country first, then the fields that country
//! needs) and how each field is checked, with a specific message per field.
//!
//! Pure: the view keeps what the buyer typed (nothing is lost after an error) and shows these
//! messages beside the fields.

use super::checkout::{Address, CardEntry, Contact, Delivery};
use super::i18n::Msg;

/// Countries the sheet offers, with their names in English and French. Shipping elsewhere is the
/// merchant's call; the list only shapes the form.
pub const COUNTRIES: &[(&str, &str, &str)] = &[
    ("US", "United States", "États-Unis"),
    ("CA", "Canada", "Canada"),
    ("FR", "France", "France"),
    ("BE", "Belgium", "Belgique"),
    ("DE", "Germany", "Allemagne"),
    ("ES", "Spain", "Espagne"),
    ("IT", "Italy", "Italie"),
    ("NL", "Netherlands", "Pays-Bas"),
    ("GB", "United Kingdom", "Royaume-Uni"),
];

/// Whether addresses in `country` need a state or province.
pub fn needs_state(country: &str) -> bool {
    matches!(country, "US" | "CA")
}

/// A field of the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Email,
    Name,
    Country,
    LineOne,
    City,
    State,
    PostalCode,
    CardNumber,
    Expiry,
    Cvc,
}

impl Field {
    /// Stable token for ids and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Name => "name",
            Field::Country => "country",
            Field::LineOne => "line_one",
            Field::City => "city",
            Field::State => "state",
            Field::PostalCode => "postal_code",
            Field::CardNumber => "card_number",
            Field::Expiry => "expiry",
            Field::Cvc => "cvc",
        }
    }

    pub fn label(self) -> Msg {
        match self {
            Field::Email => Msg::FieldEmail,
            Field::Name => Msg::FieldName,
            Field::Country => Msg::FieldCountry,
            Field::LineOne => Msg::FieldLineOne,
            Field::City => Msg::FieldCity,
            Field::State => Msg::FieldState,
            Field::PostalCode => Msg::FieldPostalCode,
            Field::CardNumber => Msg::FieldCardNumber,
            Field::Expiry => Msg::FieldExpiry,
            Field::Cvc => Msg::FieldCvc,
        }
    }
}

/// What the buyer typed in the address step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressForm {
    pub email: String,
    pub name: String,
    pub country: String,
    pub line_one: String,
    pub line_two: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
}

/// What the buyer typed in the card step (`expiry` as `MM/YY` or `MM/YYYY`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CardForm {
    pub number: String,
    pub expiry: String,
    pub cvc: String,
}

impl std::fmt::Debug for CardForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardForm([redacted])")
    }
}

pub type Problems = Vec<(Field, Msg)>;

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The buyer's contact and delivery details, or every problem at once.
pub fn check_address(form: &AddressForm) -> Result<(Contact, Delivery), Problems> {
    let mut problems = Vec::new();
    let email = form.email.trim();
    let plausible_email = email.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
    }) && !email.contains(char::is_whitespace);
    if !plausible_email {
        problems.push((Field::Email, Msg::ErrFieldEmail));
    }
    if blank(&form.name) {
        problems.push((Field::Name, Msg::ErrFieldRequired));
    }
    let country = form.country.trim().to_ascii_uppercase();
    if !COUNTRIES.iter().any(|(code, ..)| *code == country) {
        problems.push((Field::Country, Msg::ErrFieldCountry));
    }
    if blank(&form.line_one) {
        problems.push((Field::LineOne, Msg::ErrFieldRequired));
    }
    if blank(&form.city) {
        problems.push((Field::City, Msg::ErrFieldRequired));
    }
    if needs_state(&country) && blank(&form.state) {
        problems.push((Field::State, Msg::ErrFieldRequired));
    }
    let postal = form.postal_code.trim();
    let postal_ok = match country.as_str() {
        "US" => {
            let digits: String = postal.chars().filter(|c| c.is_ascii_digit()).collect();
            (digits.len() == 5 || digits.len() == 9)
                && postal.chars().all(|c| c.is_ascii_digit() || c == '-')
        }
        "FR" | "DE" | "ES" | "IT" => {
            postal.len() == 5 && postal.chars().all(|c| c.is_ascii_digit())
        }
        "BE" => postal.len() == 4 && postal.chars().all(|c| c.is_ascii_digit()),
        _ => !postal.is_empty(),
    };
    if !postal_ok {
        problems.push((Field::PostalCode, Msg::ErrFieldPostalCode));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let name = form.name.trim().to_owned();
    let contact = Contact {
        email: email.to_owned(),
        full_name: Some(name.clone()),
        ..Default::default()
    };
    let address = Address {
        name: name.clone(),
        line_one: form.line_one.trim().to_owned(),
        line_two: Some(form.line_two.trim().to_owned()).filter(|l| !l.is_empty()),
        city: form.city.trim().to_owned(),
        state: form.state.trim().to_owned(),
        country,
        postal_code: postal.to_owned(),
    };
    let delivery = Delivery {
        name: Some(name),
        email: Some(email.to_owned()),
        phone_number: None,
        address: Some(address),
    };
    Ok((contact, delivery))
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The card, or every problem at once. `today` is (year, month).
pub fn check_card(form: &CardForm, name: &str, today: (i32, u32)) -> Result<CardEntry, Problems> {
    let mut problems = Vec::new();
    let digits: String = form
        .number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !(12..=19).contains(&digits.len())
        || !digits.chars().all(|c| c.is_ascii_digit())
        || !luhn(&digits)
    {
        problems.push((Field::CardNumber, Msg::ErrFieldCardNumber));
    }
    let expiry = form.expiry.trim().split_once('/').and_then(|(m, y)| {
        let month: u32 = m.trim().parse().ok().filter(|m| (1..=12).contains(m))?;
        let year: i32 = y.trim().parse().ok()?;
        let year = if year < 100 { 2000 + year } else { year };
        Some((year, month))
    });
    match expiry {
        None => problems.push((Field::Expiry, Msg::ErrFieldExpiry)),
        Some(expiry) if expiry < today => problems.push((Field::Expiry, Msg::ErrFieldExpired)),
        Some(_) => {}
    }
    let cvc = form.cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
        problems.push((Field::Cvc, Msg::ErrFieldCvc));
    }
    match (problems.is_empty(), expiry) {
        (true, Some((year, month))) => Ok(CardEntry {
            number: digits,
            exp_month: format!("{month:02}"),
            exp_year: year.to_string(),
            cvc: cvc.to_owned(),
            name: name.trim().to_owned(),
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> AddressForm {
        AddressForm {
            email: "camille@example.fr".into(),
            name: "Camille Claudel".into(),
            country: "fr".into(),
            line_one: "3 quai Bourbon".into(),
            city: "Paris".into(),
            postal_code: "75004".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_address_becomes_a_contact_and_a_delivery_address() {
        let (contact, delivery) = check_address(&paris()).expect("valid");
        assert_eq!(contact.email, "camille@example.fr");
        let address = delivery.address.expect("address");
        assert_eq!(
            (address.country.as_str(), address.state.as_str()),
            ("FR", ""),
            "no state needed in France"
        );
    }

    #[test]
    fn every_problem_is_reported_on_its_field() {
        let form = AddressForm {
            country: "US".into(),
            postal_code: "9410".into(),
            email: "ada@".into(),
            ..Default::default()
        };
        let fields: Vec<Field> = check_address(&form)
            .expect_err("invalid")
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            [
                Field::Email,
                Field::Name,
                Field::LineOne,
                Field::City,
                Field::State,
                Field::PostalCode
            ]
        );
        let mut bad = paris();
        bad.postal_code = "7500".into();
        bad.country = "ZZ".into();
        let fields: Vec<Field> = check_address(&bad)
            .expect_err("invalid")
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, [Field::Country]);
    }

    #[test]
    fn cards_are_checked_before_leaving_the_page() {
        let today = (2026, 11);
        let ok = check_card(
            &CardForm {
                number: "4242 4242 4242 4242".into(),
                expiry: "12/30".into(),
                cvc: "123".into(),
            },
            "Ada",
            today,
        )
        .expect("valid");
        assert_eq!(
            (
                ok.number.as_str(),
                ok.exp_month.as_str(),
                ok.exp_year.as_str()
            ),
            ("4242424242424242", "12", "2030")
        );
        let fields = |number: &str, expiry: &str, cvc: &str| -> Vec<Field> {
            check_card(
                &CardForm {
                    number: number.into(),
                    expiry: expiry.into(),
                    cvc: cvc.into(),
                },
                "Ada",
                today,
            )
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect()
        };
        assert_eq!(
            fields("4242 4242 4242 4241", "12/30", "123"),
            [Field::CardNumber]
        );
        assert_eq!(
            fields("4242424242424242", "13/30", "12"),
            [Field::Expiry, Field::Cvc]
        );
        assert_eq!(
            fields("4242424242424242", "10/2026", "123"),
            [Field::Expiry],
            "expired"
        );
        assert!(
            fields("4242424242424242", "11/2026", "1234").is_empty(),
            "valid through its month"
        );
        assert!(
            !format!(
                "{:?}",
                CardForm {
                    number: "4242424242424242".into(),
                    ..Default::default()
                }
            )
            .contains("4242")
        );
    }
}
