//! The card fields as the buyer types them: the brand from the first digits, the number grouped
//! as it is printed on the card (4-4-4-4, American Express 4-6-5), the expiry as `MM / YY`, and
//! a caret that stays after the digit just typed.
//!
//! Carets are counted in UTF-16 code units, as `selectionStart` counts them; what these
//! functions write is ASCII, where code units and bytes agree.

/// A card network, told from the number's first digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Diners,
    Jcb,
    UnionPay,
}

/// Issuer prefixes: (brand, lowest, highest, digits of the prefix).
const PREFIXES: &[(Brand, u32, u32, usize)] = &[
    (Brand::Visa, 4, 4, 1),
    (Brand::Amex, 34, 34, 2),
    (Brand::Amex, 37, 37, 2),
    (Brand::Mastercard, 51, 55, 2),
    (Brand::Mastercard, 2221, 2720, 4),
    (Brand::Discover, 6011, 6011, 4),
    (Brand::Discover, 644, 649, 3),
    (Brand::Discover, 65, 65, 2),
    (Brand::Diners, 300, 305, 3),
    (Brand::Diners, 36, 36, 2),
    (Brand::Diners, 38, 39, 2),
    (Brand::Jcb, 3528, 3589, 4),
    (Brand::UnionPay, 62, 62, 2),
];

/// The longest card number of any brand.
pub const MAX_DIGITS: usize = 19;

impl Brand {
    /// The brand as printed on cards (not translated).
    pub fn name(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
            Brand::Diners => "Diners Club",
            Brand::Jcb => "JCB",
            Brand::UnionPay => "UnionPay",
        }
    }

    /// Stable token for attributes and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Brand::Visa => "visa",
            Brand::Mastercard => "mastercard",
            Brand::Amex => "amex",
            Brand::Discover => "discover",
            Brand::Diners => "diners",
            Brand::Jcb => "jcb",
            Brand::UnionPay => "unionpay",
        }
    }

    /// The lengths a number of this brand may have.
    pub fn lengths(self) -> std::ops::RangeInclusive<usize> {
        match self {
            Brand::Visa => 13..=19,
            Brand::Mastercard => 16..=16,
            Brand::Amex => 15..=15,
            Brand::Diners => 14..=19,
            Brand::Discover | Brand::Jcb | Brand::UnionPay => 16..=19,
        }
    }

    /// Digits of the security code: four on the front of an American Express card, three on
    /// the back of the others.
    pub fn cvc_len(self) -> usize {
        if self == Brand::Amex { 4 } else { 3 }
    }

    /// How the number is grouped when `len` digits long.
    fn groups(self, len: usize) -> &'static [usize] {
        match self {
            Brand::Amex => &[4, 6, 5],
            Brand::Diners if len <= 14 => &[4, 6, 4],
            _ => &[4, 4, 4, 4, 3],
        }
    }
}

/// The brand of a number (digits only), as soon as its first digits tell it.
pub fn card_brand(digits: &str) -> Option<Brand> {
    PREFIXES
        .iter()
        .find(|(_, low, high, len)| {
            digits
                .get(..*len)
                .and_then(|prefix| prefix.parse::<u32>().ok())
                .is_some_and(|prefix| (*low..=*high).contains(&prefix))
        })
        .map(|(brand, ..)| *brand)
}

/// The digits of `text`, whatever else was typed or pasted around them.
pub fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// `digits` grouped as printed on a card of its brand (`4242 4242 4242 4242`,
/// `3782 822463 10005`).
pub fn group_card_number(digits: &str) -> String {
    let groups = match card_brand(digits) {
        Some(brand) => brand.groups(digits.len()),
        None => Brand::Visa.groups(digits.len()),
    };
    let mut out = String::with_capacity(digits.len() + groups.len());
    let mut rest = digits;
    for &size in groups.iter().chain(std::iter::repeat(&4)) {
        if rest.is_empty() {
            break;
        }
        let (group, tail) = rest.split_at(size.min(rest.len()));
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(group);
        rest = tail;
    }
    out
}

/// What the last edit of a field did (from `InputEvent.inputType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Typing, pasting, autofill.
    Insert,
    /// Backspace.
    DeleteBackward,
    /// Delete.
    DeleteForward,
}

impl Edit {
    pub fn from_input_type(input_type: &str) -> Self {
        match input_type {
            "deleteContentBackward" | "deleteWordBackward" => Edit::DeleteBackward,
            "deleteContentForward" | "deleteWordForward" => Edit::DeleteForward,
            _ => Edit::Insert,
        }
    }
}

/// A field's new text and where its caret goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    pub text: String,
    pub caret: usize,
}

/// The digits of `typed` and how many of them lie before `caret`. When an edit removed only a
/// separator (Backspace just after a space), it removes the digit beside it instead, as the
/// buyer meant: otherwise the space would come straight back and the key would do nothing.
fn digits_around_caret(previous: &str, typed: &str, caret: usize, edit: Edit) -> (String, usize) {
    let mut digits = String::new();
    let mut before = 0;
    let mut offset = 0;
    for c in typed.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            if offset < caret {
                before += 1;
            }
        }
        offset += c.len_utf16();
    }
    let only_a_separator = edit != Edit::Insert
        && typed.chars().count() < previous.chars().count()
        && digits == digits_of(previous);
    if only_a_separator {
        match edit {
            Edit::DeleteBackward if before > 0 => {
                digits.remove(before - 1);
                before -= 1;
            }
            Edit::DeleteForward if before < digits.len() => {
                digits.remove(before);
            }
            _ => {}
        }
    }
    (digits, before)
}

/// Where the caret goes in `text` to follow the `before`-th digit: right after it, or at the
/// end when it follows the last digit (past a trailing separator, ready for the next one).
fn caret_after_digits(text: &str, before: usize) -> usize {
    if before == 0 {
        return 0;
    }
    let mut seen = 0;
    for (index, c) in text.char_indices() {
        if c.is_ascii_digit() {
            seen += 1;
            if seen == before {
                let after = index + 1;
                let more_digits = text[after..].chars().any(|c| c.is_ascii_digit());
                return if more_digits { after } else { text.len() };
            }
        }
    }
    text.len()
}

/// The card number field after an edit: digits only, no more than its brand allows, grouped.
/// `previous` is the field's text before the edit, `typed` after it, `caret` the caret in
/// `typed`.
pub fn format_card_number(previous: &str, typed: &str, caret: usize, edit: Edit) -> Typed {
    let (mut digits, before) = digits_around_caret(previous, typed, caret, edit);
    let max = card_brand(&digits).map_or(MAX_DIGITS, |b| *b.lengths().end());
    digits.truncate(max);
    let text = group_card_number(&digits);
    let caret = caret_after_digits(&text, before.min(digits.len()));
    Typed { text, caret }
}

/// The expiry field after an edit, written `MM / YY`: a month's single digit gets its zero
/// (`4` → `04 / `), and an autofilled `MM/YYYY` keeps the year's last two digits.
pub fn format_expiry(previous: &str, typed: &str, caret: usize, edit: Edit) -> Typed {
    // Autofill and paste: `12/2030`, `1/2030`, `12 / 2030`.
    if let Some((month, year)) = typed.split_once('/') {
        let (month, year) = (digits_of(month), digits_of(year));
        if (1..=2).contains(&month.len()) && year.len() == 4 {
            let text = format!("{month:0>2} / {}", &year[2..]);
            let caret = text.len();
            return Typed { text, caret };
        }
    }
    let (mut digits, mut before) = digits_around_caret(previous, typed, caret, edit);
    if edit == Edit::Insert {
        // A month can only start with 0 or 1: "4" is April, "13" is January and a 3.
        let first = digits.chars().next();
        let second = digits.chars().nth(1);
        let pad = matches!(first, Some('2'..='9'))
            || (first == Some('1') && matches!(second, Some('3'..='9')))
            || (digits.len() == 1 && typed.trim_end().ends_with('/') && first != Some('0'));
        if pad {
            digits.insert(0, '0');
            before += 1;
        }
    }
    digits.truncate(4);
    let text = match digits.len() {
        0 | 1 => digits.clone(),
        _ => format!("{} / {}", &digits[..2], &digits[2..]),
    };
    let caret = caret_after_digits(&text, before.min(digits.len()));
    Typed { text, caret }
}

/// The security code field: digits only, as many as the brand's code has (4 when the brand is
/// not known yet).
pub fn format_cvc(typed: &str, brand: Option<Brand>) -> String {
    let mut digits = digits_of(typed);
    digits.truncate(brand.map_or(4, Brand::cvc_len));
    digits
}

/// The Luhn checksum every card number carries in its last digit.
pub fn luhn(digits: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands_are_told_from_the_first_digits() {
        for (digits, brand) in [
            ("4", Some(Brand::Visa)),
            ("4242424242424242", Some(Brand::Visa)),
            ("51", Some(Brand::Mastercard)),
            ("5555555555554444", Some(Brand::Mastercard)),
            ("2221", Some(Brand::Mastercard)),
            ("2720999999999999", Some(Brand::Mastercard)),
            ("2721", None),
            ("2220", None),
            ("222", None), // not yet: a 2-series Mastercard needs four digits
            ("34", Some(Brand::Amex)),
            ("378282246310005", Some(Brand::Amex)),
            ("6011111111111117", Some(Brand::Discover)),
            ("644", Some(Brand::Discover)),
            ("65", Some(Brand::Discover)),
            ("30569309025904", Some(Brand::Diners)),
            ("3566002020360505", Some(Brand::Jcb)),
            ("6200000000000005", Some(Brand::UnionPay)),
            ("5", None),
            ("56", None),
            ("", None),
        ] {
            assert_eq!(card_brand(digits), brand, "{digits}");
        }
    }

    #[test]
    fn numbers_are_grouped_as_printed() {
        assert_eq!(group_card_number("4242424242424242"), "4242 4242 4242 4242");
        assert_eq!(group_card_number("42424"), "4242 4");
        assert_eq!(group_card_number("4242"), "4242");
        assert_eq!(group_card_number("378282246310005"), "3782 822463 10005");
        assert_eq!(group_card_number("3782822"), "3782 822");
        assert_eq!(group_card_number("30569309025904"), "3056 930902 5904");
        assert_eq!(
            group_card_number("4000000000000000003"),
            "4000 0000 0000 0000 003"
        );
        assert_eq!(group_card_number(""), "");
    }

    fn typing(previous: &str, typed: &str, caret: usize) -> (String, usize) {
        let out = format_card_number(previous, typed, caret, Edit::Insert);
        (out.text, out.caret)
    }

    #[test]
    fn the_caret_stays_after_the_digit_just_typed() {
        // At the end: past the new space.
        assert_eq!(typing("4242", "42424", 5), ("4242 4".into(), 6));
        // In the middle: right after the inserted digit, whatever moved behind it.
        assert_eq!(
            typing("4242 4242", "42412 4242", 4),
            ("4241 2424 2".into(), 4)
        );
        assert_eq!(
            typing("4242 4242", "4242 14242", 6),
            ("4242 1424 2".into(), 6)
        );
        // Pasted with dashes.
        assert_eq!(
            typing("", "4242-4242-4242-4242", 19),
            ("4242 4242 4242 4242".into(), 19)
        );
        // No more digits than the brand has: an American Express number stops at 15.
        assert_eq!(
            typing("3782 822463 10005", "3782 822463 100051", 18),
            ("3782 822463 10005".into(), 17)
        );
        // Letters are dropped.
        assert_eq!(typing("42", "42a", 3), ("42".into(), 2));
    }

    #[test]
    fn backspace_after_a_space_removes_the_digit_before_it() {
        let out = format_card_number("4242 4242", "42424242", 4, Edit::DeleteBackward);
        assert_eq!((out.text.as_str(), out.caret), ("4244 242", 3));
        let out = format_card_number("4242 5", "4242 ", 5, Edit::DeleteBackward);
        assert_eq!((out.text.as_str(), out.caret), ("4242", 4));
        // Delete before a space removes the digit after it.
        let out = format_card_number("4242 5678", "42425678", 4, Edit::DeleteForward);
        assert_eq!((out.text.as_str(), out.caret), ("4242 678", 4));
    }

    fn expiry(previous: &str, typed: &str) -> String {
        format_expiry(previous, typed, typed.encode_utf16().count(), Edit::Insert).text
    }

    #[test]
    fn expiry_is_written_month_slash_year() {
        assert_eq!(expiry("", "1"), "1");
        assert_eq!(expiry("1", "12"), "12 / ");
        assert_eq!(expiry("12 / ", "12 / 3"), "12 / 3");
        assert_eq!(expiry("12 / 3", "12 / 30"), "12 / 30");
        assert_eq!(
            expiry("12 / 30", "12 / 301"),
            "12 / 30",
            "two digits of year"
        );
        assert_eq!(expiry("", "4"), "04 / ");
        assert_eq!(expiry("1", "13"), "01 / 3");
        assert_eq!(expiry("1", "1/"), "01 / ");
        assert_eq!(expiry("0", "0/"), "0");
        assert_eq!(expiry("", "12/2030"), "12 / 30");
        assert_eq!(expiry("", "1/2030"), "01 / 30");
        assert_eq!(expiry("", "12 / 2030"), "12 / 30");
        assert_eq!(expiry("", "1230"), "12 / 30");
        // Backspace just after the separator takes the month's last digit with it.
        let out = format_expiry("12 / ", "12 /", 4, Edit::DeleteBackward);
        assert_eq!((out.text.as_str(), out.caret), ("1", 1));
        // The caret after the month's second digit goes past the separator.
        assert_eq!(format_expiry("1", "12", 2, Edit::Insert).caret, 5);
    }

    #[test]
    fn the_security_code_has_the_brands_length() {
        assert_eq!(format_cvc("12345", Some(Brand::Amex)), "1234");
        assert_eq!(format_cvc("1a2 3 4", Some(Brand::Visa)), "123");
        assert_eq!(format_cvc("12345", None), "1234");
    }

    #[test]
    fn luhn_checks_the_last_digit() {
        assert!(luhn("4242424242424242"));
        assert!(luhn("378282246310005"));
        assert!(!luhn("4242424242424241"));
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Grouping only adds spaces: stripping them gives the digits back.
        #[test]
        fn grouping_then_stripping_spaces_gives_the_digits(digits in "[0-9]{0,19}") {
            let grouped = group_card_number(&digits);
            proptest::prop_assert_eq!(grouped.replace(' ', ""), digits.clone());
            proptest::prop_assert!(!grouped.starts_with(' ') && !grouped.ends_with(' '));
            proptest::prop_assert!(!grouped.contains("  "));
        }

        /// Whatever is typed where, the field holds grouped digits, the caret lies inside it
        /// with as many digits before it as were before it when typing, and formatting the
        /// result again changes nothing.
        #[test]
        fn typing_keeps_the_digits_and_the_caret(
            previous in "[0-9 ]{0,24}",
            typed in "[0-9 a-z/-]{0,24}",
            caret in 0usize..26,
        ) {
            let caret = caret.min(typed.len());
            let out = format_card_number(&previous, &typed, caret, Edit::Insert);
            let digits = digits_of(&out.text);
            proptest::prop_assert!(digits.len() <= MAX_DIGITS);
            proptest::prop_assert!(digits_of(&typed).starts_with(&digits));
            proptest::prop_assert_eq!(&out.text, &group_card_number(&digits));
            proptest::prop_assert!(out.caret <= out.text.len());
            let before = digits_of(&typed[..caret]).len().min(digits.len());
            proptest::prop_assert_eq!(digits_of(&out.text[..out.caret]).len(), before);
            let again = format_card_number(&out.text, &out.text, out.text.len(), Edit::Insert);
            proptest::prop_assert_eq!(again.text, out.text);
        }

        /// Typing any month and year digit by digit ends as `MM / YY`.
        #[test]
        fn typing_an_expiry_digit_by_digit(month in 1u32..=12, year in 0u32..=99) {
            let mut field = Typed { text: String::new(), caret: 0 };
            for c in format!("{month:02}{year:02}").chars() {
                let typed = format!("{}{c}", field.text);
                field = format_expiry(&field.text, &typed, typed.len(), Edit::Insert);
            }
            proptest::prop_assert_eq!(field.text, format!("{month:02} / {year:02}"));
        }
    }
}
