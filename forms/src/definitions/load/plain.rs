//! Reading a definition file so that every problem in it is found in one round, and the TOML
//! reader's and serde's English told in plain Swedish: what is wrong and what to write instead,
//! without the implementation's type names. The English stays with each problem for engineers.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// A problem the reader found: where, the Swedish, and the English it was told from.
pub(super) struct Found {
    pub span: Option<Range<usize>>,
    pub message: String,
    pub english: String,
}

/// Reads `text` into `T`. A syntax error stops the file (what follows it cannot be read
/// reliably), but every syntax error the reader recovers from is reported. Otherwise each
/// entry that does not fit is reported and left out, and the file is read again, until the rest
/// fits: so every key, value and type problem of the file is found at once. The value only when
/// nothing was found.
pub(super) fn read<T: DeserializeOwned>(text: &str) -> (Option<T>, Vec<Found>) {
    let (mut document, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        let mut found: Vec<Found> = syntax
            .iter()
            .map(|e| Found {
                span: e.span(),
                message: syntax_error(e.message()),
                english: e.message().to_string(),
            })
            .collect();
        found.dedup_by(|a, b| a.span == b.span);
        return (None, found);
    }
    let mut found = Vec::new();
    // Keys left out, so that a required one is not reported again as missing.
    let mut removed: Vec<(String, Range<usize>)> = Vec::new();
    // Each round removes one entry, so a file has at most as many rounds as entries.
    for _ in 0..text.len().max(1) {
        match T::deserialize(toml::de::Deserializer::from(document.clone())) {
            Ok(value) => return (found.is_empty().then_some(value), found),
            Err(e) => {
                let Some(span) = e.span() else {
                    found.push(problem(None, e.message()));
                    break;
                };
                let missing =
                    e.message().strip_prefix("missing field `").and_then(|r| r.split('`').next());
                // The key was removed here, or misspelt (`nme` for `name`): the same mistake.
                // The table's span may be only its header, so the key is after its start.
                let follows = missing.is_some_and(|key| {
                    removed.iter().any(|(k, at)| k == key && at.start >= span.start)
                });
                if let Some(meant) = meant_key(e.message()) {
                    removed.push((meant, span.clone()));
                }
                if !follows {
                    found.push(problem(Some(span.clone()), e.message()));
                }
                match prune_table(document.get_mut(), &span) {
                    Some(key) => removed.push(key),
                    None => break,
                }
            }
        }
    }
    (None, found)
}

/// For "unknown field `nme`, expected one of `name`, ...": the key that was meant, if close.
fn meant_key(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, allowed) = rest.split_once('`')?;
    super::closest(unknown, quoted(allowed)).map(str::to_string)
}

fn problem(span: Option<Range<usize>>, english: &str) -> Found {
    Found { span, message: translate(english), english: english.to_string() }
}

fn holds(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Removes the innermost entry of `table` that holds `span`; whether one was. Every entry is
/// searched, as the span of an array of tables need not hold its tables' spans.
fn prune_table(table: &mut DeTable<'_>, span: &Range<usize>) -> Option<(String, Range<usize>)> {
    let mut remove = None;
    for (k, v) in table.iter_mut() {
        if holds(&k.span(), span) || holds(&v.span(), span) && !is_container(v) {
            remove = Some((k.get_ref().to_string(), k.span()));
            break;
        }
        if let Some(removed) = prune_value(v, span) {
            return Some(removed);
        }
        if holds(&v.span(), span) {
            remove = Some((k.get_ref().to_string(), k.span()));
            break;
        }
    }
    let (name, key) = remove?;
    let all = std::mem::replace(table, DeTable::new());
    *table = all.into_iter().filter(|(k, _)| k.span() != key).collect();
    Some((name, key))
}

fn is_container(value: &Spanned<DeValue<'_>>) -> bool {
    matches!(value.get_ref(), DeValue::Table(_) | DeValue::Array(_))
}

fn prune_value(
    value: &mut Spanned<DeValue<'_>>,
    span: &Range<usize>,
) -> Option<(String, Range<usize>)> {
    match value.get_mut() {
        DeValue::Table(table) => prune_table(table, span),
        DeValue::Array(array) => {
            let mut remove = None;
            for (i, element) in array.as_mut().iter_mut().enumerate() {
                if let Some(removed) = prune_value(element, span) {
                    return Some(removed);
                }
                if holds(&element.span(), span) {
                    remove = Some(i);
                    break;
                }
            }
            let i = remove?;
            let at = array[i].span();
            let kept: Vec<_> = std::mem::replace(array, DeArray::new())
                .into_iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, v)| v)
                .collect();
            *array = kept.into_iter().collect();
            Some((String::new(), at))
        }
        _ => None,
    }
}

/// The backquoted words of `text`: "unknown field `a`, expected `b`" gives `a`, `b`.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// A list in Swedish: "a, b eller c".
fn one_of(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|w| format!("`{w}`")).collect();
            format!("{} eller `{last}`", init.join(", "))
        }
    }
}

/// serde's and toml's English, told in Swedish.
pub(super) fn translate(message: &str) -> String {
    let message = message.trim_end();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (unknown, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = quoted(allowed);
        let mut text = format!("okänd nyckel `{unknown}`");
        match super::closest(unknown, allowed.iter().copied()) {
            Some(key) => text.push_str(&format!("; menade du `{key}`?")),
            None => text.push('.'),
        }
        if allowed.is_empty() {
            text.push_str(" Här får inga nycklar stå.");
        } else {
            text.push_str(&format!(" Här får stå: {}", one_of(&allowed)));
        }
        return text;
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (unknown, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = quoted(allowed);
        let hint = match super::closest(unknown, allowed.iter().copied()) {
            Some(word) => format!("menade du `{word}`? Skriv"),
            None => "skriv".to_string(),
        };
        return format!("okänt värde `{unknown}`; {hint} ett av: {}", one_of(&allowed));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return format!("nyckeln `{key}` saknas; lägg till den här ({key} = …)");
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return format!("nyckeln `{key}` står två gånger; ta bort den ena");
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (found, wanted) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
            let quoted_number = found
                .strip_prefix("string \"")
                .and_then(|s| s.strip_suffix('"'))
                .filter(|s| s.parse::<f64>().is_ok());
            let text = match quoted_number {
                Some(number) if is_number(wanted) => format!(
                    "här står talet {number} inom citattecken, som en text; skriv talet utan \
                     citattecken: {number}"
                ),
                _ => format!("här står {}; {}", what_was_found(found), what_to_write(wanted)),
            };
            return text;
        }
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        let (_, wanted) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("fel antal värden i listan; {}", what_to_write(wanted));
    }
    if message.contains("overflowed") {
        return "talet är för stort; skriv ett mindre tal".to_string();
    }
    if message.starts_with("duplicate key") {
        return "nyckeln står två gånger; ta bort den ena".to_string();
    }
    "värdet passar inte här; jämför med exemplen i guiden (docs/configuring-a-company.md)"
        .to_string()
}

/// The value that was found, from serde's `Unexpected` ("string \"3\"", "integer `3`").
fn what_was_found(found: &str) -> String {
    let inner = |prefix: &str| found.strip_prefix(prefix).map(|s| s.trim_matches(['`', '"']));
    if let Some(s) = inner("string ") {
        format!("texten \"{s}\"")
    } else if let Some(n) = inner("integer ") {
        format!("talet {n}")
    } else if let Some(n) = inner("floating point ") {
        format!("decimaltalet {n}")
    } else if let Some(b) = inner("boolean ") {
        format!("{b} (sant eller falskt)")
    } else if found == "sequence" {
        "en lista [ … ]".to_string()
    } else if found == "map" {
        "en tabell".to_string()
    } else {
        "ett värde av fel sort".to_string()
    }
}

fn is_number(wanted: &str) -> bool {
    ["u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize", "f32", "f64"]
        .contains(&wanted)
        || wanted.contains("integer")
        || wanted.contains("float")
        || wanted.contains("number")
}

/// What to write instead, from serde's `Expected` ("u32", "a string", "struct FieldDef").
fn what_to_write(wanted: &str) -> String {
    let wanted = wanted.trim();
    let text = if wanted.starts_with('u') && is_number(wanted) {
        "skriv ett heltal, 0 eller större, utan citattecken"
    } else if wanted.starts_with('i') && is_number(wanted) {
        "skriv ett heltal utan citattecken"
    } else if is_number(wanted) {
        "skriv ett tal utan citattecken, med punkt före decimalerna (t.ex. 43.6)"
    } else if wanted.contains("string") || wanted.contains("char") {
        "skriv en text inom citattecken, t.ex. \"Säkringsändring\""
    } else if wanted.contains("bool") {
        "skriv true eller false, utan citattecken"
    } else if wanted.contains("sequence") || wanted.contains("array") {
        "skriv en lista inom hakparenteser, t.ex. [\"a\", \"b\"]"
    } else if wanted.starts_with("struct") || wanted.contains("map") || wanted.contains("table") {
        "skriv en tabell: en rubrik inom hakparenteser med nycklar under, eller { nyckel = värde }"
    } else if wanted.starts_with('`') || wanted.starts_with("one of") {
        return format!("skriv ett av: {}", one_of(&quoted(wanted)));
    } else {
        "skriv ett värde av det slag guiden visar för den här nyckeln"
    };
    text.to_string()
}

/// The TOML reader's syntax errors ("invalid basic string, expected `\"`"), in Swedish.
pub(super) fn syntax_error(message: &str) -> String {
    let (what, wanted) = message.split_once(", expected ").unwrap_or((message, ""));
    let what = what.trim();
    let problem = if what.contains("basic string") || what.contains("literal string") {
        "en text är inte avslutad eller innehåller ett tecken som inte får stå där; \
         avsluta texten med samma citattecken som den börjar med"
    } else if what.contains("escaped value") {
        "efter \\ i en text måste ett giltigt tecken följa; skriv \\\\ för ett bakstreck"
    } else if what.contains("missing comma between array") {
        "kommatecken saknas mellan värdena i listan"
    } else if what.contains("extra comma") {
        "ett kommatecken för mycket; ta bort det"
    } else if what.contains("missing comma") {
        "kommatecken saknas mellan nycklarna i { … }"
    } else if what.contains("missing value") || what.contains("key with no value") {
        "värdet saknas efter ="
    } else if what.contains("missing assignment") || what.contains("key-value") {
        "här ska stå nyckel = värde, en per rad"
    } else if what.contains("unclosed") || what.contains("close") {
        "en hakparentes eller klammer är inte stängd"
    } else if what.contains("key") {
        "en nyckel får bara ha bokstäverna a–z, siffror, _ och -; skriv annars nyckeln inom citattecken"
    } else if what.contains("duplicate") {
        "nyckeln eller tabellen står två gånger; ta bort den ena"
    } else if what.contains("integer")
        || what.contains("float")
        || what.contains("number")
        || what.contains("boolean")
    {
        "ett tal eller sanningsvärde är felskrivet; skriv t.ex. 25, 43.6 eller true"
    } else if what.contains("table") {
        "en tabellrubrik är felskriven; skriv [namn] eller [[namn]] på en egen rad"
    } else if what.contains("value") {
        "värdet går inte att läsa; en text ska stå inom citattecken, t.ex. \"Helsingborg\""
    } else {
        "filen går inte att läsa här"
    };
    let wanted = quoted(wanted);
    if wanted.is_empty() {
        format!("TOML-fel: {problem}")
    } else {
        format!("TOML-fel: {problem} (här väntas {})", one_of(&wanted))
    }
}

#[cfg(test)]
mod tests {
    use super::{syntax_error, translate};

    const ENGINEERS_WORDS: [&str; 6] =
        ["expected", "invalid type", "variant", "u32", "string", "struct"];

    fn plain(text: &str) -> &str {
        for word in ENGINEERS_WORDS {
            assert!(!text.contains(word), "{text:?} says {word:?}");
        }
        text
    }

    #[test]
    fn serde_is_told_in_swedish() {
        assert_eq!(
            plain(&translate("invalid type: string \"3\", expected u32")),
            "här står talet 3 inom citattecken, som en text; skriv talet utan citattecken: 3"
        );
        assert_eq!(
            plain(&translate("unknown variant `nummer`, expected one of `text`, `number`, `date`")),
            "okänt värde `nummer`; menade du `number`? Skriv ett av: `text`, `number` eller `date`"
        );
        assert_eq!(
            plain(&translate("unknown field `mandatry`, expected `id` or `mandatory`")),
            "okänd nyckel `mandatry`; menade du `mandatory`? Här får stå: `id` eller `mandatory`"
        );
        assert_eq!(
            plain(&translate("missing field `name`")),
            "nyckeln `name` saknas; lägg till den här (name = …)"
        );
        plain(&translate("invalid type: integer `3`, expected a string"));
        plain(&translate("invalid type: sequence, expected struct FieldDef"));
        plain(&translate("invalid value: integer `-1`, expected u32"));
        plain(&translate("something else entirely"));
    }

    #[test]
    fn syntax_errors_are_told_in_swedish() {
        plain(&syntax_error("invalid basic string, expected `\"`"));
        plain(&syntax_error("missing comma between array elements, expected `,`"));
    }
}
