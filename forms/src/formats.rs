//! Checks of Swedish formats: GSRN (anläggnings-ID), identity numbers, postal codes, phone
//! numbers, e-mail addresses and dates. The patterns are ECMAScript-compatible so that the JSON
//! Schemas and the browser use exactly the same ones.
//! Over 500 lines with its unit tests, which read best next to the checks.

use std::sync::LazyLock;

use regex::Regex;

/// What makes a value something other than plain text: the one rule for case fields, registry
/// columns, messages, decision texts and file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFlaw {
    /// A control character: NUL, BEL, ESC, DEL and the like (a tab is one too where the text
    /// has one line).
    ControlCharacter(char),
    /// A line break in text of one line.
    LineBreak,
    /// A character that turns the direction of the text around it (U+202A–U+202E,
    /// U+2066–U+2069): text that reads otherwise than it is stored.
    DirectionOverride(char),
    /// A character without width (U+200B–U+200D, U+2060, U+FEFF) in text of one line: two
    /// names that look the same are then not the same.
    ZeroWidth(char),
}

/// The first flaw of `value` as text, if any. `multiline` text may have line breaks, tabs and
/// characters without width (which joins of emoji and some scripts need).
pub fn text_flaw(value: &str, multiline: bool) -> Option<TextFlaw> {
    value.chars().find_map(|c| match c {
        '\n' | '\r' | '\t' if multiline => None,
        '\n' | '\r' => Some(TextFlaw::LineBreak),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some(TextFlaw::DirectionOverride(c)),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' if !multiline => {
            Some(TextFlaw::ZeroWidth(c))
        }
        c if c.is_control() => Some(TextFlaw::ControlCharacter(c)),
        _ => None,
    })
}

impl TextFlaw {
    /// What is wrong, in Swedish, after the name of what holds the text ("Namn innehåller
    /// ..."); the character by its code point, since it is invisible or does not print.
    pub fn describe(self) -> String {
        match self {
            TextFlaw::LineBreak => "ska stå på en rad.".into(),
            TextFlaw::ControlCharacter(c) => format!(
                "innehåller ett styrtecken ({}), som inte är text (det följer ibland med när \
                 text kopieras).",
                code_point(c)
            ),
            TextFlaw::DirectionOverride(c) => format!(
                "innehåller ett osynligt tecken ({}) som vänder textens riktning, så att den \
                 visas annorlunda än den lagras.",
                code_point(c)
            ),
            TextFlaw::ZeroWidth(c) => format!(
                "innehåller ett osynligt tecken utan bredd ({}), så att texten inte är den \
                 som syns (det följer ibland med när text kopieras).",
                code_point(c)
            ),
        }
    }
}

/// `U+200B`.
fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Exactly one e-mail address that can stand alone in an e-mail's `To:` header: `local@domain`,
/// the local part RFC 5322's atoms joined by dots, the domain labels of letters, digits and
/// hyphens with at least one dot, at most 254 characters in all. No space, line break, comma,
/// semicolon, angle bracket or quote, so that no second address and no header rides along.
pub fn is_single_address(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let atom = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let label = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    value.chars().count() <= 254
        && local.chars().count() <= 64
        && local.split('.').all(|part| !part.is_empty() && part.chars().all(atom))
        && domain.contains('.')
        && domain.split('.').all(label)
}

/// Swedish postal codes run from 100 00 to 984 99: none starts with 0.
pub const POSTAL_CODE_PATTERN: &str = r"^[1-9][0-9]{2} ?[0-9]{2}$";
pub const PHONE_PATTERN: &str = r"^\+?(?:[ ()-]*[0-9]){7,15}[ ()-]*$";
pub const EMAIL_PATTERN: &str = r"^[^@\s]+@[^@\s]+\.[^@\s]+$";
pub const DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
pub const NUMBER_PATTERN: &str = r"^-?[0-9]+$";
pub const IDENTITY_NUMBER_PATTERN: &str = r"^(?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4}$";

/// One compiled regular expression per pattern, compiled on first use.
macro_rules! pattern_fn {
    ($name:ident, $pattern:expr) => {
        fn $name(value: &str) -> bool {
            static REGEX: LazyLock<Regex> = LazyLock::new(|| Regex::new($pattern).unwrap());
            REGEX.is_match(value)
        }
    };
}

pattern_fn!(postal_code_matches, POSTAL_CODE_PATTERN);
pattern_fn!(phone_matches, PHONE_PATTERN);
pattern_fn!(email_matches, EMAIL_PATTERN);
pattern_fn!(date_matches, DATE_PATTERN);
pattern_fn!(number_matches, NUMBER_PATTERN);
pattern_fn!(identity_number_matches, IDENTITY_NUMBER_PATTERN);

pub fn is_postal_code(value: &str) -> bool {
    postal_code_matches(value)
}

pub fn is_phone(value: &str) -> bool {
    phone_matches(value)
}

pub fn is_email(value: &str) -> bool {
    email_matches(value)
}

pub fn is_date(value: &str) -> bool {
    date_matches(value) && parse_date(value).is_some()
}

pub fn parse_date(value: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, &format).ok()
}

pub fn parse_number(value: &str) -> Option<i64> {
    if number_matches(value) { value.parse().ok() } else { None }
}

/// The pattern of a number with at most `decimals` decimals, after a comma or a point.
pub fn number_pattern(decimals: u32) -> String {
    match decimals {
        0 => NUMBER_PATTERN.to_string(),
        1 => r"^-?[0-9]+(?:[.,][0-9])?$".to_string(),
        d => format!(r"^-?[0-9]+(?:[.,][0-9]{{1,{d}}})?$"),
    }
}

/// A number with at most `decimals` decimals, written with a comma ("10,5") or a point.
pub fn parse_decimal(value: &str, decimals: u32) -> Option<rust_decimal::Decimal> {
    let (whole, fraction) = match value.split_once([',', '.']) {
        Some((whole, fraction)) => (whole, fraction),
        None => (value, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = whole.strip_prefix('-').unwrap_or(whole);
    let fine = !unsigned.is_empty()
        && unsigned.len() <= 15
        && digits(unsigned)
        && digits(fraction)
        && fraction.len() <= decimals as usize
        && (fraction.is_empty() != value.contains([',', '.']));
    if !fine {
        return None;
    }
    format!("{whole}.{}", if fraction.is_empty() { "0" } else { fraction }).parse().ok()
}

/// A decimal number as stored and shown: a point, no trailing zeros ("10.5", "15").
pub fn format_decimal(n: rust_decimal::Decimal) -> String {
    n.normalize().to_string()
}

/// The GS1 mod-10 check digit for a string of ASCII digits (weights 3,1,3,... from the right).
/// Callers check that `digits` holds only digits.
pub fn gs1_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

/// GS1's prefix of the GSRNs of Swedish electricity grids: every anläggnings-ID starts with it.
pub const GSRN_COUNTRY_PREFIX: &str = "735999";

/// A network company's GSRN prefix: [`GSRN_COUNTRY_PREFIX`] and three digits.
pub fn is_company_gsrn_prefix(prefix: &str) -> bool {
    prefix.len() == GSRN_COUNTRY_PREFIX.len() + 3
        && is_digits(prefix)
        && prefix.starts_with(GSRN_COUNTRY_PREFIX)
}

fn is_digits(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GsrnError {
    /// Not 18 digits starting with 735999.
    Format,
    CheckDigit,
    /// A valid GSRN of another network company.
    OtherCompany,
}

impl GsrnError {
    /// What is wrong, naming the number by `label`: one clause without a full stop, so that the
    /// form and the registry import can each finish it their way.
    pub fn describe(self, label: &str, company_name: &str) -> String {
        match self {
            GsrnError::Format => {
                format!("{label} ska vara 18 siffror som börjar med {GSRN_COUNTRY_PREFIX}")
            }
            GsrnError::CheckDigit => format!("Kontrollsiffran i {label} stämmer inte"),
            GsrnError::OtherCompany => {
                format!("{label} tillhör ett annat nätbolag än {company_name}")
            }
        }
    }

    /// What the installer can do about it, when there is more to say than [`Self::describe`].
    pub fn advice(self) -> Option<&'static str> {
        match self {
            GsrnError::Format => None,
            GsrnError::CheckDigit => Some("Kontrollera numret mot kundens elräkning."),
            GsrnError::OtherCompany => Some("Kontrollera numret eller välj rätt nätbolag."),
        }
    }
}

/// An anläggnings-ID without the spaces it is often written or pasted with ("735 999 100 ...").
pub fn normalize_gsrn(value: &str) -> String {
    value.split_whitespace().collect()
}

/// Checks an anläggnings-ID: 18 digits, `735999`, GS1 check digit, one of the company's prefixes.
pub fn check_gsrn(value: &str, company_prefixes: &[String]) -> Result<(), GsrnError> {
    if value.len() != 18 || !is_digits(value) || !value.starts_with(GSRN_COUNTRY_PREFIX) {
        return Err(GsrnError::Format);
    }
    let (body, check) = value.split_at(17);
    if gs1_check_digit(body) != u32::from(check.as_bytes()[0] - b'0') {
        return Err(GsrnError::CheckDigit);
    }
    if !company_prefixes.iter().any(|p| value.starts_with(p.as_str())) {
        return Err(GsrnError::OtherCompany);
    }
    Ok(())
}

/// The pattern of a company's anläggnings-ID: one of its prefixes, then nine digits (18 in all).
/// The check digit is not a pattern; the schema carries it as `x-check-digit`.
pub fn gsrn_pattern(company_prefixes: &[String]) -> String {
    format!("^(?:{})[0-9]{{9}}$", company_prefixes.join("|"))
}

/// Appends the check digit to 17 digits: a valid GSRN (for demo data and tests).
pub fn complete_gsrn(first17: &str) -> String {
    format!("{first17}{}", gs1_check_digit(first17))
}

/// The Luhn (mod 10) check digit for a string of ASCII digits, as the last digit of a
/// personnummer or organisationsnummer. Callers check that `digits` holds only digits.
pub fn luhn_check_digit(digits: &str) -> u32 {
    // With the check digit appended, the last of `digits` is the first doubled.
    (10 - luhn_sum(digits.bytes().map(|b| b - b'0'), true) % 10) % 10
}

fn luhn_valid(digits: &[u8]) -> bool {
    luhn_sum(digits.iter().copied(), false).is_multiple_of(10)
}

/// The Luhn sum of digit values, doubling every other one from the right, starting with the
/// rightmost when `double_last`.
fn luhn_sum(digits: impl DoubleEndedIterator<Item = u8>, double_last: bool) -> u32 {
    digits
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d);
            if (i % 2 == 0) == double_last {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum()
}

/// A firm's organisationsnummer as `NNNNNN-NNNN` if `value` is one: ten digits, with or without
/// the `-`, whose last is the Luhn check digit of the nine before it. (A sole trader's firm has
/// its owner's personnummer as its number, which passes too.)
pub fn normalize_org_number(value: &str) -> Option<String> {
    let value = value.trim();
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let shaped = match value.len() {
        10 => value.bytes().all(|b| b.is_ascii_digit()),
        11 => value.as_bytes()[6] == b'-' && digits.len() == 10,
        _ => false,
    };
    let ten: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
    (shaped && luhn_valid(&ten)).then(|| format!("{}-{}", &digits[..6], &digits[6..]))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    Personnummer,
    Samordningsnummer,
    Organisationsnummer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityError {
    Format,
    /// Not a real date of birth (personnummer) or date + 60 (samordningsnummer).
    Date,
    CheckDigit,
    /// Ten digits whose century cannot be told: the date exists in no century the separator
    /// allows (e.g. `000229+…`, as 1900 was no leap year).
    Century,
}

impl IdentityError {
    pub fn problem_code(self) -> crate::ProblemCode {
        match self {
            IdentityError::Format | IdentityError::Century => crate::ProblemCode::InvalidFormat,
            IdentityError::Date => crate::ProblemCode::InvalidDate,
            IdentityError::CheckDigit => crate::ProblemCode::InvalidCheckDigit,
        }
    }

    /// What is wrong and what to do, in Swedish.
    pub fn message(self) -> &'static str {
        match self {
            IdentityError::Format => {
                "Ange person-, samordnings- eller organisationsnummer med 10 eller 12 siffror, \
                 till exempel 19121212-1212 eller 556074-3089."
            }
            IdentityError::Date => {
                "Numret innehåller inget giltigt datum. Kontrollera numret med kunden."
            }
            IdentityError::CheckDigit => {
                "Kontrollsiffran stämmer inte. Kontrollera numret med kunden."
            }
            IdentityError::Century => {
                "Det går inte att avgöra vilket århundrade numret gäller. Ange det med 12 \
                 siffror, till exempel 19121212-1212."
            }
        }
    }
}

/// Checks a personnummer, samordningsnummer or organisationsnummer, in 10 or 12 digits with an
/// optional `-` or `+` before the last four.
pub fn check_identity_number(value: &str) -> Result<IdentityKind, IdentityError> {
    if !identity_number_matches(value) {
        return Err(IdentityError::Format);
    }
    let digits: Vec<u8> = value.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    let (century, ten) = if digits.len() == 12 {
        (Some(u32::from(digits[0]) * 10 + u32::from(digits[1])), &digits[2..])
    } else {
        (None, &digits[..])
    };
    let two = |i: usize| u32::from(ten[i]) * 10 + u32::from(ten[i + 1]);
    let (yy, month, day) = (two(0), two(2), two(4));
    let kind = if month >= 20 {
        // Organisationsnummer: the "month" is 20 or more; 12 digits only with the 16 prefix.
        if century.is_some_and(|c| c != 16) {
            return Err(IdentityError::Format);
        }
        IdentityKind::Organisationsnummer
    } else {
        let (kind, day) = if day > 60 {
            (IdentityKind::Samordningsnummer, day - 60)
        } else {
            (IdentityKind::Personnummer, day)
        };
        let years: Vec<i32> = match century {
            Some(c) => vec![(c * 100 + yy) as i32],
            None => vec![(1900 + yy) as i32, (2000 + yy) as i32],
        };
        let month = time::Month::try_from(month as u8).map_err(|_| IdentityError::Date)?;
        if !years.iter().any(|y| time::Date::from_calendar_date(*y, month, day as u8).is_ok()) {
            return Err(IdentityError::Date);
        }
        kind
    };
    if luhn_valid(ten) { Ok(kind) } else { Err(IdentityError::CheckDigit) }
}

/// The one way identity numbers are compared: twelve digits with century and no separator
/// (`191212121212`), so that `20121212-1212` and `19121212-1212` are two people. Ten digits are
/// resolved as the Swedish Tax Agency writes them, on the date `on` (this core has no clock):
/// with `-` or no separator the person is under 100 years old that day, with `+` 100 or older.
/// An organisationsnummer (third digit 2 or more) takes the century `16` by convention.
pub fn normalize_identity_number(value: &str, on: time::Date) -> Result<String, IdentityError> {
    let kind = check_identity_number(value)?;
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 12 {
        return Ok(digits);
    }
    if kind == IdentityKind::Organisationsnummer {
        return Ok(format!("16{digits}"));
    }
    let two = |i: usize| digits[i..i + 2].parse::<i32>().unwrap_or_default();
    let (yy, month, day) = (two(0), two(2) as u8, two(4) as u8 % 60);
    // The latest year ending in `yy` whose birthday is not after `on`: under 100 years old.
    let mut year = on.year() - on.year().rem_euclid(100) + yy;
    if (year, month, day) > (on.year(), u8::from(on.month()), on.day()) {
        year -= 100;
    }
    if value.contains('+') {
        year -= 100;
    }
    let month = time::Month::try_from(month).map_err(|_| IdentityError::Date)?;
    time::Date::from_calendar_date(year, month, day).map_err(|_| IdentityError::Century)?;
    Ok(format!("{}{digits}", year / 100))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    /// Every character the rule refuses, with the flaw it is in one line and in several.
    const NOT_TEXT: [(char, Option<TextFlaw>, Option<TextFlaw>); 17] = [
        (
            '\u{0}',
            Some(TextFlaw::ControlCharacter('\u{0}')),
            Some(TextFlaw::ControlCharacter('\u{0}')),
        ),
        (
            '\u{7}',
            Some(TextFlaw::ControlCharacter('\u{7}')),
            Some(TextFlaw::ControlCharacter('\u{7}')),
        ),
        (
            '\u{1b}',
            Some(TextFlaw::ControlCharacter('\u{1b}')),
            Some(TextFlaw::ControlCharacter('\u{1b}')),
        ),
        (
            '\u{7f}',
            Some(TextFlaw::ControlCharacter('\u{7f}')),
            Some(TextFlaw::ControlCharacter('\u{7f}')),
        ),
        (
            '\u{85}',
            Some(TextFlaw::ControlCharacter('\u{85}')),
            Some(TextFlaw::ControlCharacter('\u{85}')),
        ),
        ('\t', Some(TextFlaw::ControlCharacter('\t')), None),
        ('\n', Some(TextFlaw::LineBreak), None),
        ('\r', Some(TextFlaw::LineBreak), None),
        (
            '\u{202A}',
            Some(TextFlaw::DirectionOverride('\u{202A}')),
            Some(TextFlaw::DirectionOverride('\u{202A}')),
        ),
        (
            '\u{202E}',
            Some(TextFlaw::DirectionOverride('\u{202E}')),
            Some(TextFlaw::DirectionOverride('\u{202E}')),
        ),
        (
            '\u{2066}',
            Some(TextFlaw::DirectionOverride('\u{2066}')),
            Some(TextFlaw::DirectionOverride('\u{2066}')),
        ),
        (
            '\u{2069}',
            Some(TextFlaw::DirectionOverride('\u{2069}')),
            Some(TextFlaw::DirectionOverride('\u{2069}')),
        ),
        ('\u{200B}', Some(TextFlaw::ZeroWidth('\u{200B}')), None),
        ('\u{200C}', Some(TextFlaw::ZeroWidth('\u{200C}')), None),
        ('\u{200D}', Some(TextFlaw::ZeroWidth('\u{200D}')), None),
        ('\u{2060}', Some(TextFlaw::ZeroWidth('\u{2060}')), None),
        ('\u{FEFF}', Some(TextFlaw::ZeroWidth('\u{FEFF}')), None),
    ];

    #[test]
    fn text_that_is_not_only_text_is_told_by_its_first_flaw() {
        for (c, one_line, lines) in NOT_TEXT {
            let value = format!("Byt säkring{c} i dag");
            assert_eq!(text_flaw(&value, false), one_line, "{c:?} in one line");
            assert_eq!(text_flaw(&value, true), lines, "{c:?} in several lines");
        }
        assert_eq!(text_flaw("Åsa Öberg – Ängsvägen 3, 252 21 Helsingborg", false), None);
        assert_eq!(text_flaw("Rad 1\r\nRad 2\n\tindragen", true), None);
        // The first flaw decides.
        assert_eq!(text_flaw("a\u{200B}b\u{0}", false), Some(TextFlaw::ZeroWidth('\u{200B}')));
        // The message names the character by its code point, which is invisible itself.
        assert!(TextFlaw::ZeroWidth('\u{FEFF}').describe().contains("(U+FEFF)"));
        assert!(TextFlaw::ControlCharacter('\u{1b}').describe().contains("styrtecken (U+001B)"));
        assert!(TextFlaw::DirectionOverride('\u{202E}').describe().contains("(U+202E)"));
    }

    #[test]
    fn a_single_address_carries_nothing_else_into_a_header() {
        for good in ["anna@demo-el.se", "a.b+elanmalan@sub.example.se", "åsa@örebro.se", "x@y.se"]
        {
            assert!(is_single_address(good), "{good}");
        }
        let bad = [
            "a@b.se\r\nBcc: x@y.se",
            "a@b.se\nBcc: x@y.se",
            "a@b.se, x@y.se",
            "a@b.se,x@y.se",
            "a@b.se;x@y.se",
            "Anna <a@b.se>",
            "<a@b.se>",
            "\"a b\"@b.se",
            "a@b@c.se",
            "a b@c.se",
            "a@b.se ",
            "a@localhost",
            "@b.se",
            "a@",
            "a..b@c.se",
            ".a@c.se",
            "a@-b.se",
            "a@b..se",
            "a@b.se\u{0}",
            "",
        ];
        for bad in bad {
            assert!(!is_single_address(bad), "{bad:?}");
        }
        assert!(!is_single_address(&format!("{}@b.se", "a".repeat(65))));
        assert!(!is_single_address(&format!("a@{}.se", "b".repeat(251))));
    }

    proptest::proptest! {
        /// A refused character is found wherever it stands among printable text (`\\PC` has
        /// no control or format characters), in one line and in several.
        #[test]
        fn a_refused_character_anywhere_is_found(
            before in "[a-zåäöA-ZÅÄÖ0-9 .,\\-]{0,20}",
            after in "\\PC{0,20}",
            which in 0..NOT_TEXT.len(),
        ) {
            let (c, one_line, lines) = NOT_TEXT[which];
            let value = format!("{before}{c}{after}");
            proptest::prop_assert_eq!(text_flaw(&value, false), one_line);
            proptest::prop_assert_eq!(text_flaw(&value, true), lines);
        }

        #[test]
        fn printable_text_is_only_text(value in "[\\p{L}\\p{N}\\p{P}\\p{S} ]{0,40}") {
            proptest::prop_assert_eq!(text_flaw(&value, false), None);
            proptest::prop_assert_eq!(text_flaw(&value, true), None);
        }
    }

    #[test]
    fn gs1_check_digit_matches_known_gtin_and_gsrn() {
        // GTIN-13 from GS1's own example: 629104150021 -> 3.
        assert_eq!(gs1_check_digit("629104150021"), 3);
        // A GSRN built from 17 digits validates.
        assert_eq!(complete_gsrn("73599910000000001").len(), 18);
        let ean = complete_gsrn("73599910000000001");
        assert_eq!(check_gsrn(&ean, &prefixes(&["735999100"])), Ok(()));
    }

    #[test]
    fn gsrn_rejects_wrong_length_letters_and_other_countries() {
        let p = prefixes(&["735999100"]);
        assert_eq!(check_gsrn("73599910000000001", &p), Err(GsrnError::Format));
        assert_eq!(check_gsrn("7359991000000000012", &p), Err(GsrnError::Format));
        assert_eq!(check_gsrn("73599910000000000A", &p), Err(GsrnError::Format));
        // A valid GS1 check digit but not a Swedish grid GSRN.
        assert_eq!(check_gsrn(&complete_gsrn("64099910000000001"), &p), Err(GsrnError::Format));
    }

    #[test]
    fn gsrn_detects_every_single_digit_error() {
        let p = prefixes(&["735999100"]);
        let good = complete_gsrn("73599910012345678");
        for i in 9..18 {
            for d in b'0'..=b'9' {
                let mut bytes = good.clone().into_bytes();
                if bytes[i] == d {
                    continue;
                }
                bytes[i] = d;
                let bad = String::from_utf8(bytes).unwrap();
                assert_eq!(check_gsrn(&bad, &p), Err(GsrnError::CheckDigit), "{bad}");
            }
        }
    }

    #[test]
    fn the_gsrn_pattern_takes_the_companys_prefixes_and_18_digits() {
        let pattern = gsrn_pattern(&prefixes(&["735999902", "735999903"]));
        assert_eq!(pattern, "^(?:735999902|735999903)[0-9]{9}$");
        let regex = Regex::new(&pattern).unwrap();
        assert!(regex.is_match(&complete_gsrn("73599990300000001")));
        assert!(!regex.is_match(&complete_gsrn("73599910000000001")));
        assert!(!regex.is_match(&complete_gsrn("73599990300000001")[..17]));
    }

    #[test]
    fn gsrn_of_another_company_is_named_as_such() {
        let ean = complete_gsrn("73599990100000001");
        assert_eq!(check_gsrn(&ean, &prefixes(&["735999100"])), Err(GsrnError::OtherCompany));
        assert_eq!(check_gsrn(&ean, &prefixes(&["735999100", "735999901"])), Ok(()));
    }

    #[test]
    fn company_gsrn_prefixes_are_the_country_prefix_and_three_digits() {
        assert!(is_company_gsrn_prefix("735999100"));
        assert!(!is_company_gsrn_prefix("73599910"));
        assert!(!is_company_gsrn_prefix("7359991000"));
        assert!(!is_company_gsrn_prefix("735998100"));
        assert!(!is_company_gsrn_prefix("73599910a"));
    }

    #[test]
    fn gsrn_errors_name_the_number_and_the_company() {
        assert_eq!(
            GsrnError::Format.describe("ean", "Öresundskraft"),
            "ean ska vara 18 siffror som börjar med 735999"
        );
        assert_eq!(
            GsrnError::CheckDigit.describe("ean", "Öresundskraft"),
            "Kontrollsiffran i ean stämmer inte"
        );
        assert_eq!(
            GsrnError::OtherCompany.describe("ean", "Öresundskraft"),
            "ean tillhör ett annat nätbolag än Öresundskraft"
        );
        assert_eq!(GsrnError::Format.advice(), None);
        assert!(
            GsrnError::CheckDigit.advice().is_some() && GsrnError::OtherCompany.advice().is_some()
        );
    }

    #[test]
    fn organisation_numbers_are_checked_by_their_last_digit() {
        assert_eq!(super::normalize_org_number("5560743089").as_deref(), Some("556074-3089"));
        assert_eq!(super::normalize_org_number(" 556074-3089 ").as_deref(), Some("556074-3089"));
        for bad in ["556074-3088", "55607430", "556074+3089", "5560-743089", "55607430890", ""] {
            assert_eq!(super::normalize_org_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn luhn_check_digit_completes_valid_identity_numbers() {
        // Skatteverket's 121212-1212, Volvo Personvagnar's 556074-3089, a samordningsnummer.
        for (nine, check) in [("121212121", 2), ("556074308", 9), ("701279239", 1)] {
            assert_eq!(luhn_check_digit(nine), check, "{nine}");
            let mut digits: Vec<u8> = nine.bytes().map(|b| b - b'0').collect();
            digits.push(check as u8);
            assert!(luhn_valid(&digits));
            *digits.last_mut().unwrap() = (check as u8 + 1) % 10;
            assert!(!luhn_valid(&digits));
        }
    }

    #[test]
    fn personnummer_in_every_accepted_form() {
        // Skatteverket's test personnummer 19121212-1212.
        for v in ["121212-1212", "1212121212", "19121212-1212", "191212121212", "121212+1212"] {
            assert_eq!(check_identity_number(v), Ok(IdentityKind::Personnummer), "{v}");
        }
        assert_eq!(check_identity_number("121212-1213"), Err(IdentityError::CheckDigit));
        assert_eq!(check_identity_number("12121-21212"), Err(IdentityError::Format));
        assert_eq!(check_identity_number("1212121212a"), Err(IdentityError::Format));
        assert_eq!(check_identity_number(""), Err(IdentityError::Format));
    }

    #[test]
    fn personnummer_needs_a_real_date() {
        // 13th month and 30 February, with the Luhn digit right for the digits given.
        assert_eq!(check_identity_number("121312-1211"), Err(IdentityError::Date));
        assert_eq!(check_identity_number("190230-1231"), Err(IdentityError::Date));
        // 29 February exists in 2000 (and 1900 is no leap year, so 12 digits decide).
        assert_eq!(check_identity_number("20000229-1235"), Ok(IdentityKind::Personnummer));
        assert_eq!(check_identity_number("19000229-1235"), Err(IdentityError::Date));
    }

    #[test]
    fn samordningsnummer_has_day_plus_sixty() {
        // 19 December 1970 + 60 = 79.
        assert_eq!(check_identity_number("701279-2391"), Ok(IdentityKind::Samordningsnummer));
        assert_eq!(check_identity_number("701292-2394"), Err(IdentityError::Date));
    }

    #[test]
    fn organisationsnummer() {
        // Volvo Personvagnar AB and Skatteverket.
        assert_eq!(check_identity_number("556074-3089"), Ok(IdentityKind::Organisationsnummer));
        assert_eq!(check_identity_number("202100-5448"), Ok(IdentityKind::Organisationsnummer));
        assert_eq!(check_identity_number("16556074-3089"), Ok(IdentityKind::Organisationsnummer));
        assert_eq!(check_identity_number("556074-3088"), Err(IdentityError::CheckDigit));
        assert_eq!(check_identity_number("19556074-3089"), Err(IdentityError::Format));
    }

    #[test]
    fn postal_codes_phones_emails_dates() {
        assert!(is_postal_code("252 21") && is_postal_code("25221"));
        assert!(!is_postal_code("2522") && !is_postal_code("252-21") && !is_postal_code("25 221"));
        assert!(!is_postal_code("012 34"));
        assert!(is_phone("042-12 34 56") && is_phone("+46 42 123456") && is_phone("0701234567"));
        assert!(!is_phone("123") && !is_phone("ring mig") && !is_phone("+46 42 12345678901234"));
        assert!(is_email("anna@exempel.se") && !is_email("anna@exempel") && !is_email("a b@c.se"));
        assert!(is_date("2026-02-28") && !is_date("2026-02-30") && !is_date("28/2 2026"));
    }

    #[test]
    fn identity_numbers_compare_as_twelve_digits_by_the_tax_agencys_rule() {
        let on = time::macros::date!(2026 - 12 - 06);
        let n = |v| normalize_identity_number(v, on);
        // Twelve digits are kept: two people, a century apart.
        assert_eq!(n("20121212-1212"), Ok("201212121212".into()));
        assert_eq!(n("19121212-1212"), Ok("191212121212".into()));
        assert_eq!(n("191212121212"), Ok("191212121212".into()));
        // Ten digits with `-` or none: under 100 on the day; with `+`: 100 or older.
        assert_eq!(n("121212-1212"), Ok("201212121212".into()));
        assert_eq!(n("1212121212"), Ok("201212121212".into()));
        assert_eq!(n("121212+1212"), Ok("191212121212".into()));
        // A birthday later in the year than the day is a century back.
        assert_eq!(normalize_identity_number("261207-1239", on), Ok("192612071239".into()));
        assert_eq!(normalize_identity_number("261206-1230", on), Ok("202612061230".into()));
        // Samordningsnummer: the day plus 60.
        assert_eq!(n("701279-2391"), Ok("197012792391".into()));
        // Organisationsnummer: 16 by convention.
        assert_eq!(n("556074-3089"), Ok("165560743089".into()));
        assert_eq!(n("16556074-3089"), Ok("165560743089".into()));
        // 29 February 1900 never was: `+` cannot say which century is meant.
        assert_eq!(n("000229-1235"), Ok("200002291235".into()));
        assert_eq!(n("000229+1235"), Err(IdentityError::Century));
        assert_eq!(n("121212-1213"), Err(IdentityError::CheckDigit));
    }
}
