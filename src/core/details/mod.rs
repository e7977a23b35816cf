//! The new buyer's details sheet: what is asked (country first, then the fields that country
//! needs) and how each field is checked, with a specific message per field.
//!
//! Pure: the view keeps what the buyer typed (nothing is lost after an error) and shows these
//! messages beside the fields. [`postal`] knows each country's postal codes and which country a
//! locale starts with; [`card`] formats the card fields as they are typed.

pub mod card;
pub mod postal;

use super::checkout::{Address, CardEntry, Contact, Delivery};
use super::i18n::{Lang, Msg};
use card::{Brand, card_brand, digits_of, luhn};
use postal::{normalise_postal_code, postal_error, postal_label, postal_rule};

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

/// The name of a listed country in `lang`.
pub fn country_name(code: &str, lang: Lang) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(listed, ..)| *listed == code)
        .map(|(_, en, fr)| if lang == Lang::Fr { *fr } else { *en })
}

/// Whether addresses in `country` need a state or province.
pub fn needs_state(country: &str) -> bool {
    matches!(country, "US" | "CA")
}

/// The label of the state field: a state in the United States, a province in Canada.
pub fn state_label(country: &str) -> Msg {
    match country {
        "US" => Msg::FieldUsState,
        "CA" => Msg::FieldProvince,
        _ => Msg::FieldState,
    }
}

/// A field of the sheet, in the order the sheet shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Country,
    Email,
    Name,
    LineOne,
    LineTwo,
    City,
    State,
    PostalCode,
    CardNumber,
    Expiry,
    Cvc,
}

impl Field {
    /// Stable token for ids, `name` attributes and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Country => "country",
            Field::Email => "email",
            Field::Name => "name",
            Field::LineOne => "line_one",
            Field::LineTwo => "line_two",
            Field::City => "city",
            Field::State => "state",
            Field::PostalCode => "postal_code",
            Field::CardNumber => "card_number",
            Field::Expiry => "expiry",
            Field::Cvc => "cvc",
        }
    }

    /// The label in `country`: a ZIP code and a state in the United States, a province in
    /// Canada, a postcode in the United Kingdom.
    pub fn label_in(self, country: &str) -> Msg {
        match self {
            Field::State => state_label(country),
            Field::PostalCode => postal_label(country),
            other => other.label(),
        }
    }

    /// The label, where it does not depend on the country (see [`Field::label_in`]).
    pub fn label(self) -> Msg {
        match self {
            Field::Country => Msg::FieldCountry,
            Field::Email => Msg::FieldEmail,
            Field::Name => Msg::FieldName,
            Field::LineOne => Msg::FieldLineOne,
            Field::LineTwo => Msg::FieldLineTwo,
            Field::City => Msg::FieldCity,
            Field::State => Msg::FieldState,
            Field::PostalCode => Msg::FieldPostal(super::i18n::PostalWord::PostalCode),
            Field::CardNumber => Msg::FieldCardNumber,
            Field::Expiry => Msg::FieldExpiry,
            Field::Cvc => Msg::FieldCvc,
        }
    }

    /// The `<input>`'s `type`.
    pub fn input_type(self) -> &'static str {
        match self {
            Field::Email => "email",
            _ => "text",
        }
    }

    /// The `inputmode` in `country`: a number pad for the card's fields and for postal codes
    /// that are only digits.
    pub fn inputmode(self, country: &str) -> Option<&'static str> {
        let digits = match self {
            Field::CardNumber | Field::Expiry | Field::Cvc => true,
            Field::PostalCode => postal_rule(country).is_some_and(|rule| !rule.letters),
            _ => false,
        };
        digits.then_some("numeric")
    }

    /// The hint shown in the empty field, where the format is not obvious.
    pub fn placeholder(self) -> Option<Msg> {
        (self == Field::Expiry).then_some(Msg::ExpiryPlaceholder)
    }

    /// The HTML `autocomplete` token, so the browser can fill the field.
    pub fn autocomplete(self) -> &'static str {
        match self {
            Field::Country => "country",
            Field::Email => "email",
            Field::Name => "name",
            Field::LineOne => "address-line1",
            Field::LineTwo => "address-line2",
            Field::City => "address-level2",
            Field::State => "address-level1",
            Field::PostalCode => "postal-code",
            Field::CardNumber => "cc-number",
            Field::Expiry => "cc-exp",
            Field::Cvc => "cc-csc",
        }
    }
}

/// What the buyer typed in the address step. It is kept in the tab's session storage, so a
/// reload does not lose it (the card never is).
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

/// The first line of a stored draft: its format, so that another one is never misread.
const DRAFT_FORMAT: &str = "buycard-address-1";

impl AddressForm {
    fn fields(&self) -> [&String; 8] {
        [
            &self.email,
            &self.name,
            &self.country,
            &self.line_one,
            &self.line_two,
            &self.city,
            &self.state,
            &self.postal_code,
        ]
    }

    /// The form as stored in the tab: one field per line (a single-line field holds no line
    /// break; one that does gets a space instead). Smaller in the wasm than a JSON codec.
    pub fn to_draft(&self) -> String {
        let mut draft = DRAFT_FORMAT.to_owned();
        for field in self.fields() {
            draft.push('\n');
            draft.extend(
                field
                    .chars()
                    .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
            );
        }
        draft
    }

    /// A form read back from [`AddressForm::to_draft`]; `None` for anything else.
    pub fn from_draft(draft: &str) -> Option<Self> {
        let mut lines = draft.split('\n');
        if lines.next() != Some(DRAFT_FORMAT) {
            return None;
        }
        let mut next = || lines.next().map(str::to_owned);
        let form = Self {
            email: next()?,
            name: next()?,
            country: next()?,
            line_one: next()?,
            line_two: next()?,
            city: next()?,
            state: next()?,
            postal_code: next()?,
        };
        lines.next().is_none().then_some(form)
    }

    /// Whether nothing was typed (the country alone is a default, not something typed).
    pub fn is_blank(&self) -> bool {
        [
            &self.email,
            &self.name,
            &self.line_one,
            &self.line_two,
            &self.city,
            &self.state,
            &self.postal_code,
        ]
        .iter()
        .all(|text| text.trim().is_empty())
    }
}

/// What the buyer typed in the card step (`expiry` as `MM / YY`, `MM/YY` or `MM/YYYY`).
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

/// Every problem of a step, in the order the sheet shows the fields.
pub type Problems = Vec<(Field, Msg)>;

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

fn plausible_email(email: &str) -> bool {
    email.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty()
            && host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !host.contains('@')
    }) && !email.contains(char::is_whitespace)
}

/// The buyer's contact and delivery details, or every problem at once: "Required" for an empty
/// field, else what the field should look like (a postal code of the chosen country).
pub fn check_address(form: &AddressForm) -> Result<(Contact, Delivery), Problems> {
    let country = form.country.trim().to_ascii_uppercase();
    let email = form.email.trim();
    let postal = form.postal_code.trim();
    let listed = COUNTRIES.iter().any(|(code, ..)| *code == country);
    let postal_code = normalise_postal_code(&country, postal);
    // "Required" first; then whether what was typed can be right.
    let check = |text: &str, ok: bool, wrong: Msg| {
        if blank(text) {
            Some(Msg::ErrFieldRequired)
        } else {
            (!ok).then_some(wrong)
        }
    };
    let required = |text: &str| blank(text).then_some(Msg::ErrFieldRequired);
    // In the order the sheet shows the fields: the first is the one focused.
    let problems: Problems = [
        (
            Field::Country,
            check(&country, listed, Msg::ErrFieldCountry),
        ),
        (
            Field::Email,
            check(email, plausible_email(email), Msg::ErrFieldEmail),
        ),
        (Field::Name, required(&form.name)),
        (Field::LineOne, required(&form.line_one)),
        (Field::City, required(&form.city)),
        (
            Field::State,
            needs_state(&country)
                .then(|| required(&form.state))
                .flatten(),
        ),
        (
            Field::PostalCode,
            // Where the country is not known, neither is the shape of its codes.
            check(
                postal,
                !listed || postal_code.is_some(),
                postal_error(&country),
            ),
        ),
    ]
    .into_iter()
    .filter_map(|(field, problem)| Some((field, problem?)))
    .collect();
    let (Some(postal_code), true) = (postal_code, problems.is_empty()) else {
        return Err(problems);
    };
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
        state: if needs_state(&country) {
            form.state.trim().to_owned()
        } else {
            String::new()
        },
        country,
        postal_code,
    };
    let delivery = Delivery {
        name: Some(name),
        email: Some(email.to_owned()),
        phone_number: None,
        address: Some(address),
    };
    Ok((contact, delivery))
}

/// The card, or every problem at once. `today` is (year, month).
pub fn check_card(form: &CardForm, name: &str, today: (i32, u32)) -> Result<CardEntry, Problems> {
    let mut problems = Vec::new();
    let number: String = form
        .number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let brand = card_brand(&number);
    let lengths = brand.map_or(12..=card::MAX_DIGITS, Brand::lengths);
    if number.is_empty() {
        problems.push((Field::CardNumber, Msg::ErrFieldRequired));
    } else if number.len() < *lengths.start() && number.bytes().all(|b| b.is_ascii_digit()) {
        problems.push((Field::CardNumber, Msg::ErrFieldCardIncomplete));
    } else if !lengths.contains(&number.len())
        || !number.bytes().all(|b| b.is_ascii_digit())
        || !luhn(&number)
    {
        problems.push((Field::CardNumber, Msg::ErrFieldCardNumber));
    }
    let expiry = form.expiry.trim().split_once('/').and_then(|(m, y)| {
        let month: u32 = m.trim().parse().ok().filter(|m| (1..=12).contains(m))?;
        let year = y.trim();
        let year: i32 = match year.len() {
            2 => 2000 + year.parse::<i32>().ok()?,
            4 => year.parse().ok()?,
            _ => return None,
        };
        Some((year, month))
    });
    match expiry {
        _ if blank(&form.expiry) => problems.push((Field::Expiry, Msg::ErrFieldRequired)),
        None => problems.push((Field::Expiry, Msg::ErrFieldExpiry)),
        Some(expiry) if expiry < today => problems.push((Field::Expiry, Msg::ErrFieldExpired)),
        Some(_) => {}
    }
    let cvc = form.cvc.trim();
    let cvc_digits = cvc.bytes().all(|b| b.is_ascii_digit());
    match brand {
        _ if cvc.is_empty() => problems.push((Field::Cvc, Msg::ErrFieldRequired)),
        Some(brand) if cvc.len() != brand.cvc_len() || !cvc_digits => {
            let message = if brand == Brand::Amex {
                Msg::ErrFieldCvcFront
            } else {
                Msg::ErrFieldCvcBack
            };
            problems.push((Field::Cvc, message));
        }
        None if !(3..=4).contains(&cvc.len()) || !cvc_digits => {
            problems.push((Field::Cvc, Msg::ErrFieldCvc));
        }
        _ => {}
    }
    match (problems.is_empty(), expiry) {
        (true, Some((year, month))) => Ok(CardEntry {
            number: digits_of(&number),
            exp_month: format!("{month:02}"),
            exp_year: year.to_string(),
            cvc: cvc.to_owned(),
            name: name.trim().to_owned(),
        }),
        _ => Err(problems),
    }
}

/// An address on one line, as a confirmation shows where the order goes: "Camille Claudel,
/// 3 quai Bourbon, 75004 Paris, France" (the postal code before the city where the country
/// writes it so, after the state in the United States and Canada).
pub fn ship_to_line(address: &Address, lang: Lang) -> String {
    let country = country_name(&address.country, lang).unwrap_or(&address.country);
    let place = if needs_state(&address.country) {
        format!("{} {} {}", address.city, address.state, address.postal_code)
    } else if matches!(address.country.as_str(), "GB") {
        format!("{} {}", address.city, address.postal_code)
    } else {
        format!("{} {}", address.postal_code, address.city)
    };
    [
        Some(address.name.as_str()),
        Some(address.line_one.as_str()),
        address.line_two.as_deref(),
        Some(place.trim()),
        Some(country),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.trim().is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::i18n::PostalWord;

    #[test]
    fn an_address_reads_on_one_line_as_its_country_writes_it() {
        let (_, delivery) = check_address(&paris()).expect("valid");
        let address = delivery.address.expect("address");
        assert_eq!(
            ship_to_line(&address, Lang::Fr),
            "Camille Claudel, 3 quai Bourbon, 75004 Paris, France"
        );
        let us = Address {
            name: "Ada".into(),
            line_one: "1 Market St".into(),
            line_two: Some("Apt 2".into()),
            city: "San Francisco".into(),
            state: "CA".into(),
            country: "US".into(),
            postal_code: "94105".into(),
        };
        assert_eq!(
            ship_to_line(&us, Lang::En),
            "Ada, 1 Market St, Apt 2, San Francisco CA 94105, United States"
        );
    }

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
            fields("4242424242424242", "11/2026", "123").is_empty(),
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

    fn problems(form: &AddressForm) -> Problems {
        check_address(form).expect_err("invalid")
    }

    #[test]
    fn an_empty_field_is_required_before_anything_else() {
        let empty = AddressForm {
            country: "US".into(),
            ..Default::default()
        };
        assert_eq!(
            problems(&empty),
            [
                (Field::Email, Msg::ErrFieldRequired),
                (Field::Name, Msg::ErrFieldRequired),
                (Field::LineOne, Msg::ErrFieldRequired),
                (Field::City, Msg::ErrFieldRequired),
                (Field::State, Msg::ErrFieldRequired),
                (Field::PostalCode, Msg::ErrFieldRequired),
            ],
            "the optional second line is never required"
        );
        let no_country = AddressForm {
            country: " ".into(),
            ..paris()
        };
        assert_eq!(
            problems(&no_country),
            [(Field::Country, Msg::ErrFieldRequired)]
        );
    }

    #[test]
    fn postal_codes_are_checked_for_the_chosen_country() {
        let in_country = |country: &str, postal: &str| AddressForm {
            country: country.into(),
            state: "ON".into(),
            postal_code: postal.into(),
            ..paris()
        };
        // A US ZIP is not a Canadian postal code, and the other way round.
        assert_eq!(
            problems(&in_country("CA", "94103")),
            [(
                Field::PostalCode,
                Msg::ErrFieldPostal(PostalWord::PostalCode, "K1A 0B1")
            )]
        );
        assert_eq!(
            problems(&in_country("US", "K1A 0B1")),
            [(
                Field::PostalCode,
                Msg::ErrFieldPostal(PostalWord::Zip, "94103")
            )]
        );
        assert_eq!(
            problems(&in_country("GB", "75004")),
            [(
                Field::PostalCode,
                Msg::ErrFieldPostal(PostalWord::Postcode, "SW1A 1AA")
            )]
        );
        // What is sent is written the country's way.
        let (_, delivery) = check_address(&in_country("ca", "k1a0b1")).expect("valid");
        let address = delivery.address.expect("address");
        assert_eq!(
            (address.postal_code.as_str(), address.state.as_str()),
            ("K1A 0B1", "ON")
        );
        let (_, delivery) = check_address(&in_country("FR", "75004")).expect("valid");
        assert_eq!(
            delivery.address.expect("address").state,
            "",
            "a state typed for another country is not sent"
        );
    }

    #[test]
    fn the_second_line_is_sent_when_given() {
        let form = AddressForm {
            line_two: " Apt 4 ".into(),
            ..paris()
        };
        let (_, delivery) = check_address(&form).expect("valid");
        assert_eq!(
            delivery.address.expect("address").line_two.as_deref(),
            Some("Apt 4")
        );
    }

    #[test]
    fn card_problems_are_specific() {
        let today = (2026, 11);
        let problem = |number: &str, expiry: &str, cvc: &str| -> Problems {
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
        };
        assert_eq!(
            problem("", "", ""),
            [
                (Field::CardNumber, Msg::ErrFieldRequired),
                (Field::Expiry, Msg::ErrFieldRequired),
                (Field::Cvc, Msg::ErrFieldRequired),
            ]
        );
        assert_eq!(
            problem("4242 4242", "12 / 30", "123"),
            [(Field::CardNumber, Msg::ErrFieldCardIncomplete)]
        );
        assert_eq!(
            problem("3782 822463 10005", "12 / 30", "123"),
            [(Field::Cvc, Msg::ErrFieldCvcFront)],
            "American Express has four digits on the front"
        );
        assert!(problem("3782 822463 10005", "12 / 30", "1234").is_empty());
        assert_eq!(
            problem("4242424242424242", "12 / 3", "123"),
            [(Field::Expiry, Msg::ErrFieldExpiry)]
        );
        assert_eq!(
            problem("4242 4242 4242 4242 4242", "12 / 30", "123"),
            [(Field::CardNumber, Msg::ErrFieldCardNumber)],
            "too long"
        );
    }

    #[test]
    fn a_draft_reads_back_as_it_was_written() {
        let draft = AddressForm {
            line_two: "Bât. B\nétage 2".into(),
            ..paris()
        };
        let stored = draft.to_draft();
        let back = AddressForm::from_draft(&stored).expect("read");
        assert_eq!(
            back.line_two, "Bât. B étage 2",
            "a line break cannot shift the fields"
        );
        assert_eq!(
            AddressForm {
                line_two: draft.line_two.clone(),
                ..back
            },
            draft
        );
        assert_eq!(
            AddressForm::from_draft(&AddressForm::default().to_draft()),
            Some(AddressForm::default())
        );
        // Anything else is not a draft: another format, too few or too many lines.
        let longer = format!("{stored}\nmore");
        for other in [
            "",
            "{\"email\":\"a@b.c\"}",
            "buycard-address-1\na@b.c",
            &longer,
        ] {
            assert_eq!(AddressForm::from_draft(other), None, "{other}");
        }
        assert!(!paris().is_blank());
        assert!(
            AddressForm {
                country: "US".into(),
                ..Default::default()
            }
            .is_blank(),
            "a country alone is the default, not something typed"
        );
    }

    #[test]
    fn every_field_has_an_autocomplete_token() {
        use std::collections::HashSet;
        let all = [
            Field::Country,
            Field::Email,
            Field::Name,
            Field::LineOne,
            Field::LineTwo,
            Field::City,
            Field::State,
            Field::PostalCode,
            Field::CardNumber,
            Field::Expiry,
            Field::Cvc,
        ];
        let tokens: HashSet<&str> = all.iter().map(|f| f.autocomplete()).collect();
        assert_eq!(tokens.len(), all.len(), "one token per field");
        let numeric = |country| -> Vec<Field> {
            all.into_iter()
                .filter(|f| f.inputmode(country) == Some("numeric"))
                .collect()
        };
        assert_eq!(
            numeric("US"),
            [
                Field::PostalCode,
                Field::CardNumber,
                Field::Expiry,
                Field::Cvc
            ]
        );
        assert_eq!(
            numeric("GB"),
            [Field::CardNumber, Field::Expiry, Field::Cvc],
            "letters in a postcode"
        );
        assert_eq!(Field::Email.input_type(), "email");
        assert_eq!(
            Field::PostalCode.label_in("US"),
            Msg::FieldPostal(PostalWord::Zip)
        );
        assert_eq!(Field::State.label_in("CA"), Msg::FieldProvince);
        assert_eq!(Field::City.label_in("CA"), Msg::FieldCity);
        assert_eq!(country_name("CA", Lang::Fr), Some("Canada"));
        assert_eq!(country_name("GB", Lang::Fr), Some("Royaume-Uni"));
        assert_eq!(state_label("CA"), Msg::FieldProvince);
    }
}
