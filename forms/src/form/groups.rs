//! Repeatable groups in a case's values. Item `n` (from 1) of group `g` keeps its field `x`
//! under `g[n].x` and the group its number of items under `g[]`: flat, so that every rule for
//! values (checks, lengths, edits, the history) applies to items unchanged, and an item left
//! empty still counts. In JSON (the API and the stores) a group is an array of objects keyed by
//! the ids of its items (shared CONTRACT.md section 6); [`json`] turns one into the other.

use std::collections::BTreeMap;

use super::FieldValues;

const MOST_ITEMS: usize = crate::definitions::Group::MOST_ITEMS as usize;

/// The key of item `n`'s field `item` in group `group`: `production.inverters[2].power_kw`.
pub fn item_key(group: &str, n: usize, item: &str) -> String {
    format!("{group}[{n}].{item}")
}

/// The key of a group's number of items: `production.inverters[]`.
pub fn count_key(group: &str) -> String {
    format!("{group}[]")
}

/// `(group, n, item)` of an item's key.
pub fn parse_item_key(key: &str) -> Option<(&str, usize, &str)> {
    let (group, rest) = key.split_once('[')?;
    let (digits, item) = rest.split_once("].")?;
    // One way to write each key: no leading zeros.
    if item.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((group, digits.parse().ok()?, item))
}

/// The group whose count `key` is, for `g[]`.
pub fn parse_count_key(key: &str) -> Option<&str> {
    key.strip_suffix("[]")
}

/// How many items `group` has in `values`.
pub fn item_count(values: &FieldValues, group: &str) -> usize {
    values.get(&count_key(group)).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// A value of a case's fields as JSON has it: text, or a group's items.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(untagged)]
pub enum JsonValue {
    Text(String),
    Items(Vec<BTreeMap<String, String>>),
}

/// Case fields as JSON: `#[serde(with = "crate::form::groups::json")]`.
pub mod json {
    use super::*;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Flat values as JSON: each group an array of its items.
    pub fn nest(values: &FieldValues) -> BTreeMap<String, JsonValue> {
        let mut json = BTreeMap::new();
        let mut groups: BTreeMap<&str, Vec<BTreeMap<String, String>>> = BTreeMap::new();
        for (key, value) in values {
            if let Some(group) = parse_count_key(key) {
                let items = groups.entry(group).or_default();
                // Never more than a group can take, whatever was stored.
                let n: usize = value.parse().unwrap_or(0).min(MOST_ITEMS);
                if items.len() < n {
                    items.resize(n, BTreeMap::new());
                }
            } else if let Some((group, n, item)) =
                parse_item_key(key).filter(|(_, n, _)| *n <= MOST_ITEMS)
            {
                let items = groups.entry(group).or_default();
                if items.len() < n {
                    items.resize(n, BTreeMap::new());
                }
                items[n - 1].insert(item.to_string(), value.clone());
            } else {
                json.insert(key.clone(), JsonValue::Text(value.clone()));
            }
        }
        for (group, items) in groups {
            json.insert(group.to_string(), JsonValue::Items(items));
        }
        json
    }

    /// JSON values flat; empty values and empty groups are absent.
    pub fn flatten(json: BTreeMap<String, JsonValue>) -> FieldValues {
        let mut values = FieldValues::new();
        for (key, value) in json {
            match value {
                JsonValue::Text(text) if text.is_empty() => {}
                JsonValue::Text(text) => {
                    values.insert(key, text);
                }
                JsonValue::Items(items) if items.is_empty() => {}
                JsonValue::Items(items) => {
                    values.insert(count_key(&key), items.len().to_string());
                    for (i, item) in items.into_iter().enumerate() {
                        for (id, text) in item.into_iter().filter(|(_, t)| !t.is_empty()) {
                            values.insert(item_key(&key, i + 1, &id), text);
                        }
                    }
                }
            }
        }
        values
    }

    pub fn serialize<S: Serializer>(values: &FieldValues, s: S) -> Result<S::Ok, S::Error> {
        nest(values).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FieldValues, D::Error> {
        BTreeMap::<String, JsonValue>::deserialize(d).map(flatten)
    }

    /// The JSON Schema of case fields: `#[schemars(with = "groups::json::Schema")]`.
    pub type Schema = BTreeMap<String, JsonValue>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_group_the_item_and_its_field() {
        assert_eq!(
            item_key("production.inverters", 2, "power_kw"),
            "production.inverters[2].power_kw"
        );
        assert_eq!(
            parse_item_key("production.inverters[2].power_kw"),
            Some(("production.inverters", 2, "power_kw"))
        );
        for key in ["owner.name", "g[0].x", "g[02].x", "g[1].", "g[x].y", "g[]"] {
            assert_eq!(parse_item_key(key), None, "{key}");
        }
        assert_eq!(parse_count_key("g[]"), Some("g"));
    }

    #[test]
    fn json_keeps_groups_as_arrays_and_empty_items_in_place() {
        let json: BTreeMap<String, JsonValue> = serde_json::from_value(serde_json::json!({
            "owner.name": "Anna",
            "g": [{"a": "1", "b": ""}, {}, {"a": "3"}],
            "empty": [],
        }))
        .unwrap();
        let values = json::flatten(json);
        assert_eq!(values.get("g[]").map(String::as_str), Some("3"));
        assert_eq!(values.get("g[1].a").map(String::as_str), Some("1"));
        assert!(!values.contains_key("g[1].b") && !values.contains_key("empty[]"));
        assert_eq!(item_count(&values, "g"), 3);
        assert_eq!(
            serde_json::to_value(json::nest(&values)).unwrap(),
            serde_json::json!({"owner.name": "Anna", "g": [{"a": "1"}, {}, {"a": "3"}]})
        );
    }
}
