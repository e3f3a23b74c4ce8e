//! JSON Schema (Draft 2020-12) of a form's fields: the `fields` object of a case.
//!
//! Values are strings, as typed into a form; empty values are absent. Keywords a standard
//! validator cannot check (check digits, number ranges on strings) are carried as `x-` annotations
//! for the browser, which checks them the same way the server does.

use serde_json::{Map, Value, json};

use crate::definitions::{Field, FieldKind};
use crate::form::{Form, FormPart};

impl Form<'_> {
    /// The JSON Schema of this form's field values, with Swedish titles.
    pub fn json_schema(&self) -> Value {
        let mut properties = Map::new();
        // File fields hold no value: their files are attachments, described apart.
        let mut attachments = Map::new();
        for f in &self.fields {
            match &f.field.files {
                Some(rules) => {
                    attachments.insert(
                        f.field.id.clone(),
                        json!({
                            "title": f.field.label,
                            "x-section": f.field.section,
                            "accept": rules.accept,
                            "max_size_mb": rules.max_size_mb,
                            "max_files": rules.max_files,
                            "mandatory": f.mandatory,
                        }),
                    );
                }
                None => {
                    properties.insert(f.field.id.clone(), self.field_schema(f.field));
                }
            }
        }
        let required: Vec<&str> =
            // The notice's: the completion notice's fields are required when it is sent.
            self.fields
                .iter()
                .filter(|f| f.mandatory && f.part() == FormPart::Notice && !f.field.is_file())
                .map(|f| f.field.id.as_str())
                .collect();
        let mut schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": format!("schemas/{}/{}.json", self.company.id, self.installation_type.id),
            "title": format!("{} – {}", self.company.name, self.installation_type.name),
            "type": "object",
            "additionalProperties": false,
            "properties": properties,
            "required": required,
        });
        if !attachments.is_empty() {
            schema["x-attachments"] = attachments.into();
        }
        schema
    }

    fn field_schema(&self, field: &Field) -> Value {
        let mut schema = json!({
            "type": "string",
            "title": field.label,
            "minLength": 1,
            "maxLength": field.max_length,
            "x-section": field.section,
            "x-type": field.kind,
        });
        let s = schema.as_object_mut().expect("an object");
        if let Some(help) = &field.help {
            s.insert("description".into(), help.clone().into());
        }
        if let Some(pattern) = self.pattern(field) {
            s.insert("pattern".into(), pattern.into());
        }
        let mut set = |key: &str, value: Value| {
            s.insert(key.into(), value);
        };
        match field.kind {
            FieldKind::Number => {
                if let Some(min) = field.min {
                    set("x-minimum", min.into());
                }
                if let Some(max) = field.max {
                    set("x-maximum", max.into());
                }
                if let Some(unit) = &field.unit {
                    set("x-unit", unit.clone().into());
                }
            }
            FieldKind::Date => set("format", "date".into()),
            FieldKind::Choice => {
                let choices: Vec<Value> = field
                    .choices
                    .iter()
                    .map(|c| json!({"const": c.value, "title": c.label}))
                    .collect();
                set("oneOf", choices.into());
            }
            FieldKind::Email => set("format", "email".into()),
            FieldKind::Gsrn => set("x-check-digit", "gs1".into()),
            FieldKind::IdentityNumber => set("x-check-digit", "luhn".into()),
            FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Phone
            | FieldKind::PostalCode
            | FieldKind::File => {}
        }
        schema
    }
}
