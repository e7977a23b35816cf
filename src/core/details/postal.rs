//! Postal codes and countries: which country the sheet starts with, and what a postal code
//! looks like in each country of [`COUNTRIES`](super::COUNTRIES), written out by hand (a regex
//! engine would weigh more than the whole sheet).

use super::COUNTRIES;
use crate::core::i18n::{Msg, PostalWord};

/// What postal codes look like in one country: the word people use for them, and an example
/// the error message shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostalRule {
    pub word: PostalWord,
    pub example: &'static str,
    /// Letters are part of the code (the keyboard should not be numeric).
    pub letters: bool,
}

/// The rule for `country` (an ISO 3166-1 alpha-2 code of [`COUNTRIES`]); `None` elsewhere.
pub fn postal_rule(country: &str) -> Option<PostalRule> {
    let rule = |word, example, letters| {
        Some(PostalRule {
            word,
            example,
            letters,
        })
    };
    match country {
        "US" => rule(PostalWord::Zip, "94103", false),
        // Canada Post says "postal code"; the British say "postcode".
        "CA" => rule(PostalWord::PostalCode, "K1A 0B1", true),
        "GB" => rule(PostalWord::Postcode, "SW1A 1AA", true),
        "FR" => rule(PostalWord::PostalCode, "75001", false),
        "BE" => rule(PostalWord::PostalCode, "1000", false),
        "DE" => rule(PostalWord::PostalCode, "10115", false),
        "ES" => rule(PostalWord::PostalCode, "28013", false),
        "IT" => rule(PostalWord::PostalCode, "00184", false),
        "NL" => rule(PostalWord::PostalCode, "1012 AB", true),
        _ => None,
    }
}

/// The label of the postal code field for `country`.
pub fn postal_label(country: &str) -> Msg {
    Msg::FieldPostal(postal_rule(country).map_or(PostalWord::PostalCode, |r| r.word))
}

/// What the buyer is told when a postal code does not fit `country`.
pub fn postal_error(country: &str) -> Msg {
    match postal_rule(country) {
        Some(rule) => Msg::ErrFieldPostal(rule.word, rule.example),
        None => Msg::ErrFieldCountry,
    }
}

/// `raw` as a postal code of `country`, written the way that country writes it (`k1a0b1` →
/// `K1A 0B1`, `123456789` → `12345-6789`), or `None` when it cannot be one.
pub fn normalise_postal_code(country: &str, raw: &str) -> Option<String> {
    // People type spaces anywhere (and hyphens in ZIP+4); the shapes below put them back.
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    match country {
        "US" => {
            let plain: String = compact.replace('-', "");
            let hyphens = compact.matches('-').count();
            let hyphen_in_place = hyphens == 0 || (hyphens == 1 && compact.find('-') == Some(5));
            match plain.len() {
                5 if hyphens == 0 && digits(&plain) => Some(plain),
                9 if hyphen_in_place && digits(&plain) => {
                    Some(format!("{}-{}", &plain[..5], &plain[5..]))
                }
                _ => None,
            }
        }
        "CA" => canadian(&compact.replace('-', "")),
        "GB" => british(&compact),
        "FR" | "DE" | "IT" => (compact.len() == 5 && digits(&compact)).then_some(compact),
        "ES" => {
            // The first two digits are the province, 01 to 52.
            let province: u8 = compact.get(..2)?.parse().ok()?;
            (compact.len() == 5 && digits(&compact) && (1..=52).contains(&province))
                .then_some(compact)
        }
        "BE" => {
            (compact.len() == 4 && digits(&compact) && !compact.starts_with('0')).then_some(compact)
        }
        "NL" => {
            let (number, letters) = (compact.get(..4)?, compact.get(4..)?);
            let letters_ok = letters.len() == 2
                && letters.bytes().all(|b| b.is_ascii_uppercase())
                && !matches!(letters, "SA" | "SD" | "SS");
            (digits(number) && !number.starts_with('0') && letters_ok)
                .then(|| format!("{number} {letters}"))
        }
        _ => None,
    }
}

/// `A1A 1A1`, with the letters Canada Post uses (never D, F, I, O, Q, U; no W or Z first).
fn canadian(compact: &str) -> Option<String> {
    let bytes = compact.as_bytes();
    if bytes.len() != 6 {
        return None;
    }
    let letter = |b: u8, first: bool| {
        b.is_ascii_uppercase() && !b"DFIOQU".contains(&b) && !(first && b"WZ".contains(&b))
    };
    let ok = bytes.iter().enumerate().all(|(i, &b)| {
        if i % 2 == 0 {
            letter(b, i == 0)
        } else {
            b.is_ascii_digit()
        }
    });
    ok.then(|| format!("{} {}", &compact[..3], &compact[3..]))
}

/// A UK postcode: an outward code (`A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A`), then an inward
/// code (`9AA`); plus `GIR 0AA`.
fn british(compact: &str) -> Option<String> {
    if compact == "GIR0AA" {
        return Some("GIR 0AA".to_owned());
    }
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        let letter = |c: u8| c.is_ascii_uppercase() && !b"CIKMOV".contains(&c);
        b[0].is_ascii_digit() && letter(b[1]) && letter(b[2])
    };
    // The outward code's shape: L for a letter, 9 for a digit.
    let shape: String = outward
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' => 'L',
            b'0'..=b'9' => '9',
            _ => '?',
        })
        .collect();
    let first = outward.as_bytes()[0];
    let outward_ok = matches!(
        shape.as_str(),
        "L9" | "L99" | "LL9" | "LL99" | "L9L" | "LL9L"
    ) && !b"QVX".contains(&first);
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

/// The region subtag of a BCP 47 tag (`fr-CA` → `CA`, `zh-Hant-TW` → `TW`), upper-cased.
fn region(tag: &str) -> Option<String> {
    tag.split(['-', '_'])
        .skip(1)
        .take_while(|subtag| subtag.len() > 1) // a singleton starts extensions (`-u-…`)
        .find(|subtag| subtag.len() == 2 && subtag.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

fn language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn listed(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .map(|(listed, ..)| *listed)
        .find(|listed| *listed == code)
}

/// The country the sheet starts with for a reader whose locale is `tag`: its region when the
/// sheet lists it (`fr-CA` → CA, `en-GB` → GB), else the country its language is most spoken
/// in among those listed (`fr` → FR, `de` → DE), else the United States.
pub fn default_country(tag: &str) -> &'static str {
    if let Some(country) = region(tag).as_deref().and_then(listed) {
        return country;
    }
    match language(tag).as_str() {
        "fr" => "FR",
        "de" => "DE",
        "es" => "ES",
        "it" => "IT",
        "nl" => "NL",
        _ => "US",
    }
}

/// As [`default_country`], but a locale without a region (a post's `lang="en"`) takes the
/// region of the browser's first language in the same language (`en-GB`): the words come from
/// the post, the country from the reader.
pub fn default_country_with_hints<'a>(
    tag: &str,
    browser: impl IntoIterator<Item = &'a str>,
) -> &'static str {
    if region(tag).as_deref().and_then(listed).is_some() {
        return default_country(tag);
    }
    let wanted = language(tag);
    browser
        .into_iter()
        .filter(|hint| language(hint) == wanted)
        .find_map(|hint| region(hint).as_deref().and_then(listed))
        .unwrap_or_else(|| default_country(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(country: &str, raw: &str) -> Option<String> {
        normalise_postal_code(country, raw)
    }

    #[test]
    fn us_zip_codes_are_five_digits_or_zip_plus_four() {
        assert_eq!(ok("US", "94103").as_deref(), Some("94103"));
        assert_eq!(ok("US", " 94103-1234 ").as_deref(), Some("94103-1234"));
        assert_eq!(ok("US", "941031234").as_deref(), Some("94103-1234"));
        for bad in [
            "9410",
            "941033",
            "9410-31234",
            "K1A 0B1",
            "94-103",
            "ABCDE",
            "",
        ] {
            assert_eq!(ok("US", bad), None, "{bad}");
        }
    }

    #[test]
    fn canadian_postal_codes_are_normalised() {
        assert_eq!(ok("CA", "k1a0b1").as_deref(), Some("K1A 0B1"));
        assert_eq!(ok("CA", "K1A 0B1").as_deref(), Some("K1A 0B1"));
        assert_eq!(ok("CA", " h2x  1y4 ").as_deref(), Some("H2X 1Y4"));
        // Letters Canada Post never uses, a W first, a US ZIP, a short code.
        for bad in [
            "D1A 0B1", "K1O 0B1", "W1A 0B1", "94103", "K1A 0B", "K1A 0BB",
        ] {
            assert_eq!(ok("CA", bad), None, "{bad}");
        }
    }

    #[test]
    fn british_postcodes_take_every_outward_shape() {
        for (raw, written) in [
            ("sw1a1aa", "SW1A 1AA"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("gir 0aa", "GIR 0AA"),
        ] {
            assert_eq!(ok("GB", raw).as_deref(), Some(written), "{raw}");
        }
        for bad in [
            "SW1A 1AI",
            "Q1 1AA",
            "SW1A1A",
            "12345",
            "K1A 0B1",
            "SW1AA 1AA",
        ] {
            assert_eq!(ok("GB", bad), None, "{bad}");
        }
    }

    #[test]
    fn continental_codes_have_their_own_lengths() {
        assert_eq!(ok("FR", "75004").as_deref(), Some("75004"));
        assert_eq!(ok("FR", "75 004").as_deref(), Some("75004"));
        assert_eq!(ok("DE", "10115").as_deref(), Some("10115"));
        assert_eq!(ok("IT", "00184").as_deref(), Some("00184"));
        assert_eq!(ok("ES", "28013").as_deref(), Some("28013"));
        assert_eq!(ok("ES", "60013"), None, "no province 60");
        assert_eq!(ok("BE", "1000").as_deref(), Some("1000"));
        assert_eq!(ok("BE", "0100"), None);
        assert_eq!(ok("NL", "1012ab").as_deref(), Some("1012 AB"));
        assert_eq!(ok("NL", "1012 SS"), None);
        assert_eq!(ok("NL", "0123 AB"), None);
        for country in ["FR", "DE", "IT", "ES"] {
            assert_eq!(ok(country, "7500"), None, "{country}");
            assert_eq!(ok(country, "750011"), None, "{country}");
            assert_eq!(ok(country, "7500A"), None, "{country}");
        }
    }

    #[test]
    fn every_listed_country_has_a_rule_whose_example_passes() {
        for (code, ..) in COUNTRIES {
            let rule = postal_rule(code).expect(code);
            assert_eq!(
                ok(code, rule.example).as_deref(),
                Some(rule.example),
                "{code}'s example is written as the country writes it"
            );
            assert!(matches!(postal_error(code), Msg::ErrFieldPostal(..)));
        }
        assert_eq!(postal_rule("ZZ"), None);
        assert_eq!(ok("ZZ", "12345"), None);
    }

    #[test]
    fn the_default_country_follows_the_locale() {
        for (tag, country) in [
            ("fr-CA", "CA"),
            ("en-GB", "GB"),
            ("en_CA", "CA"),
            ("nl-BE", "BE"),
            ("fr", "FR"),
            ("fr-FR", "FR"),
            ("fr-CH", "FR"),
            ("de", "DE"),
            ("de-AT", "DE"),
            ("es-ES", "ES"),
            ("it", "IT"),
            ("nl", "NL"),
            ("en", "US"),
            ("en-US", "US"),
            ("en-AU", "US"),
            ("zh-Hant-TW", "US"),
            ("fr-Latn-CA", "CA"),
            ("en-u-rg-gbzzzz", "US"),
            ("ja", "US"),
            ("", "US"),
        ] {
            assert_eq!(default_country(tag), country, "{tag}");
        }
    }

    #[test]
    fn a_locale_without_a_region_takes_the_browsers() {
        assert_eq!(default_country_with_hints("en", ["en-GB", "fr-FR"]), "GB");
        assert_eq!(default_country_with_hints("fr", ["en-US", "fr-CA"]), "CA");
        assert_eq!(default_country_with_hints("fr", ["en-GB"]), "FR");
        assert_eq!(
            default_country_with_hints("en-US", ["en-GB"]),
            "US",
            "an explicit region wins"
        );
        assert_eq!(default_country_with_hints("en", ["en-AU"]), "US");
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Whatever is typed, a code that passes is already written the country's way.
        #[test]
        fn normalising_is_idempotent(raw in "[ 0-9A-Za-z-]{0,10}", index in 0usize..9) {
            let country = COUNTRIES[index].0;
            if let Some(code) = normalise_postal_code(country, &raw) {
                proptest::prop_assert_eq!(normalise_postal_code(country, &code), Some(code));
            }
        }
    }
}
