//! Edits of a case's fields: read from JSON, checked even in a draft, applied; and "Kopiera
//! från ägare".

use std::collections::BTreeMap;

use super::validation::{field_text_problem, file_value, too_long};
use super::*;
use crate::definitions::{Field, FieldKind};

impl<'d> Form<'d> {
    /// Reads an edit sent as JSON: a string sets a field, `null` clears it, and a number is
    /// taken only for a field of type number, as a whole number (`12.0` is 12). Anything else
    /// is a problem naming the field. Ids the form lacks pass as text, for
    /// [`Form::check_edit`] to name them.
    pub fn edits_from_json(
        &self,
        json: BTreeMap<String, serde_json::Value>,
    ) -> Result<Edits, Vec<Problem>> {
        use serde_json::Value;
        let mut edits = Edits::new();
        let mut problems = Vec::new();
        for (id, value) in json {
            let field = self.field(&id).map(|f| f.field);
            if let Some(group) = field.and_then(|f| f.group.as_ref()) {
                let items = match &value {
                    Value::Array(items) => items.as_slice(),
                    Value::Null => &[],
                    _ => {
                        problems.push(wrong_json_type(id, field));
                        continue;
                    }
                };
                // A group is sent whole: its items replace the ones it had.
                let count = (!items.is_empty()).then(|| items.len().to_string());
                edits.insert(groups::count_key(&id), count);
                for (i, item) in items.iter().enumerate() {
                    let Value::Object(item) = item else {
                        problems.push(Problem {
                            field: format!("{id}[{}]", i + 1),
                            code: ProblemCode::InvalidFormat,
                            message: format!(
                                "{} {} ska vara ett objekt med fälten.",
                                group.item_label,
                                i + 1
                            ),
                        });
                        continue;
                    };
                    for (item_id, value) in item {
                        let key = groups::item_key(&id, i + 1, item_id);
                        let item_field = group.items.iter().find(|f| &f.id == item_id);
                        match json_text(value, item_field) {
                            Some(edit) => {
                                edits.insert(key, edit);
                            }
                            None => problems.push(wrong_json_type(key, item_field)),
                        }
                    }
                }
                continue;
            }
            match json_text(&value, field) {
                Some(edit) => {
                    edits.insert(id, edit);
                }
                None => problems.push(wrong_json_type(id, field)),
            }
        }
        if problems.is_empty() { Ok(edits) } else { Err(problems) }
    }

    /// The problems an edit of `parts` may not have even in a draft: unknown fields (except to
    /// clear them), fields of another part, and over-long values (measured as they would be
    /// stored). Format problems are allowed while the case is being filled in; they stop a
    /// submit.
    pub fn check_edit(&self, parts: &[FormPart], changes: &Edits) -> Vec<Problem> {
        changes
            .iter()
            .filter_map(|(id, value)| match self.key_field(id) {
                // Clearing a field the form no longer has (the definitions changed) is fine.
                None if value.is_none() => None,
                None => Some(unknown_field(id)),
                Some((f, _)) if !parts.contains(&f.part()) => Some(Problem {
                    field: id.clone(),
                    code: ProblemCode::UnknownField,
                    message: match f.part() {
                        FormPart::Completion => format!(
                            "{} fylls i med färdiganmälan, när nätbolaget har godkänt anmälan.",
                            f.field.label
                        ),
                        FormPart::Notice => {
                            format!("{} hör till anmälan, inte till färdiganmälan.", f.field.label)
                        }
                    },
                }),
                Some((f, _)) if f.field.is_file() => Some(file_value(f.field)),
                Some((f, _)) if f.field.kind == FieldKind::Computed => Some(Problem {
                    field: id.clone(),
                    code: ProblemCode::InvalidFormat,
                    message: format!(
                        "{} räknas ut av formuläret och kan inte ändras.",
                        f.field.label
                    ),
                }),
                Some((f, field)) if f.field.group.is_some() => {
                    self.group_edit_problem(id, f.field, field, value.as_deref(), changes)
                }
                Some((f, _)) => value.as_deref().and_then(|v| {
                    let v = f.field.normalize(v);
                    field_text_problem(f.field, &v).or_else(|| too_long(f.field, &v))
                }),
            })
            .collect()
    }

    /// The problem with one key of a group's edit: its number of items within `max_items`, an
    /// item within that number and a known field of the items, its value's text and length.
    fn group_edit_problem(
        &self,
        key: &str,
        group_field: &Field,
        field: &Field,
        value: Option<&str>,
        changes: &Edits,
    ) -> Option<Problem> {
        let group = group_field.group.as_ref()?;
        let count = |value: Option<&str>| value.map_or(Some(0), |v| v.parse::<usize>().ok());
        if let Some(name) = groups::parse_count_key(key) {
            return match count(value) {
                Some(n) if n <= group.max_items as usize => None,
                _ => Some(Problem {
                    field: name.to_string(),
                    code: ProblemCode::OutOfRange,
                    message: format!("{}: högst {} får anges.", group_field.label, group.max_items),
                }),
            };
        }
        let Some((_, n, _)) = groups::parse_item_key(key) else {
            return Some(unknown_field(key));
        };
        let edited = changes.get(&groups::count_key(&group_field.id)).map(|c| count(c.as_deref()));
        if !matches!(edited, Some(Some(items)) if n <= items) {
            return Some(unknown_field(key));
        }
        let v = field.normalize(value?);
        let problem = field_text_problem(field, &v).or_else(|| too_long(field, &v))?;
        Some(Problem {
            field: key.to_string(),
            message: format!("{} {n}: {}", group.item_label, problem.message),
            ..problem
        })
    }

    /// Applies an edit: a value sets a field as [`Field::normalize`] makes it, `None` or an
    /// empty value clears it. Ids the form does not have are only ever cleared.
    pub fn apply_edit(&self, values: &mut FieldValues, changes: Edits) {
        // A group's number of items in the edit means it is sent whole: its old items go.
        for group in changes.keys().filter_map(|k| groups::parse_count_key(k)) {
            let prefix = format!("{group}[");
            values.retain(|key, _| !key.starts_with(&prefix));
        }
        for (id, value) in changes {
            let value = match (self.key_field(&id), value) {
                (Some((_, field)), Some(v)) => Some(field.normalize(&v)),
                _ => None,
            };
            match value.filter(|v| !v.is_empty()) {
                Some(v) => values.insert(id, v),
                None => values.remove(&id),
            };
        }
        self.compute(values);
    }

    /// "Kopiera från ägare": each payer field becomes its owner field; an empty owner field
    /// empties the payer field, so the two are the same afterwards.
    pub fn copy_from_owner(&self, values: &FieldValues) -> FieldValues {
        let mut copied = values.clone();
        for (owner, payer) in &self.definitions.copy_from_owner {
            if self.field(owner).is_none() || self.field(payer).is_none() {
                continue;
            }
            match values.get(owner) {
                Some(v) => copied.insert(payer.clone(), v.clone()),
                None => copied.remove(payer),
            };
        }
        copied
    }
}

fn unknown_field(id: &str) -> Problem {
    Problem {
        field: id.to_string(),
        code: ProblemCode::UnknownField,
        message: format!("Fältet {id} finns inte i den här anmälan."),
    }
}

/// A JSON value of `field` (`None`: one the form lacks) as an edit: a string sets it, `null`
/// clears it, a number is taken for a number field (whole unless it has decimals).
fn json_text(value: &serde_json::Value, field: Option<&Field>) -> Option<Option<String>> {
    use serde_json::Value;
    match (value, field) {
        (Value::Null, _) => Some(None),
        (Value::String(s), _) => Some(Some(s.clone())),
        (Value::Number(n), None) => Some(Some(n.to_string())),
        (Value::Number(n), Some(f)) if f.kind == FieldKind::Number && f.decimals > 0 => {
            Some(Some(n.to_string()))
        }
        (Value::Number(n), Some(f)) if f.kind == FieldKind::Number => whole_number(n).map(Some),
        _ => None,
    }
}

/// A JSON number as the text of a whole number, if it is one.
fn whole_number(n: &serde_json::Number) -> Option<String> {
    if n.is_i64() || n.is_u64() {
        return Some(n.to_string());
    }
    // 12.0 is 12; `as` is exact for whole numbers in i64's range.
    let f = n.as_f64().filter(|f| f.fract() == 0.0)?;
    (f >= i64::MIN as f64 && f < i64::MAX as f64).then(|| (f as i64).to_string())
}

fn wrong_json_type(id: String, field: Option<&Field>) -> Problem {
    let message = match field {
        Some(f) if f.kind == FieldKind::Group => {
            format!(
                "Fältet {} ska vara en lista med ett objekt per {}.",
                f.label,
                f.group.as_ref().map_or("del", |g| g.item_label.as_str()).to_lowercase()
            )
        }
        Some(f) if f.kind == FieldKind::Number => {
            format!("Fältet {} ska vara ett heltal.", f.label)
        }
        Some(f) => format!("Fältet {} ska vara text.", f.label),
        None => format!("Fältet {id} ska vara text."),
    };
    Problem { field: id, code: ProblemCode::InvalidFormat, message }
}
