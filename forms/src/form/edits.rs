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
            let number_field = field.is_some_and(|f| f.kind == FieldKind::Number);
            let edit = match value {
                Value::Null => Some(None),
                Value::String(s) => Some(Some(s)),
                Value::Number(n) if field.is_none() => Some(Some(n.to_string())),
                Value::Number(n) if number_field => whole_number(&n).map(Some),
                _ => None,
            };
            match edit {
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
            .filter_map(|(id, value)| match self.field(id) {
                // Clearing a field the form no longer has (the definitions changed) is fine.
                None if value.is_none() => None,
                None => Some(unknown_field(id)),
                Some(f) if !parts.contains(&f.part()) => Some(Problem {
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
                Some(f) if f.field.is_file() => Some(file_value(f.field)),
                Some(f) => value.as_deref().and_then(|v| {
                    let v = f.field.normalize(v);
                    field_text_problem(f.field, &v).or_else(|| too_long(f.field, &v))
                }),
            })
            .collect()
    }

    /// Applies an edit: a value sets a field as [`Field::normalize`] makes it, `None` or an
    /// empty value clears it. Ids the form does not have are only ever cleared.
    pub fn apply_edit(&self, values: &mut FieldValues, changes: Edits) {
        for (id, value) in changes {
            let value = match (self.field(&id), value) {
                (Some(f), Some(v)) => Some(f.field.normalize(&v)),
                _ => None,
            };
            match value.filter(|v| !v.is_empty()) {
                Some(v) => values.insert(id, v),
                None => values.remove(&id),
            };
        }
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
        Some(f) if f.kind == FieldKind::Number => {
            format!("Fältet {} ska vara ett heltal.", f.label)
        }
        Some(f) => format!("Fältet {} ska vara text.", f.label),
        None => format!("Fältet {id} ska vara text."),
    };
    Problem { field: id, code: ProblemCode::InvalidFormat, message }
}
