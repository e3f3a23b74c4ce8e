//! JSON Schema (Draft 2020-12) of a form's fields: the `fields` object of a case.
//!
//! Values are strings, as typed into a form; empty values are absent. Keywords a standard
//! validator cannot check (check digits, number ranges on strings) are carried as `x-` annotations
//! for the browser, which checks them the same way the server does.

use serde_json::{Map, Value, json};

use crate::definitions::{Field, FieldKind, Group, VisibleWhen};
use crate::form::{Form, FormPart};
use crate::formats;

impl Form<'_> {
    /// The JSON Schema of this form's field values, with Swedish titles.
    ///
    /// A field shown only under conditions (`visible_when`) is checked, and required if it is
    /// mandatory, only when they hold: its schema is the `then` of an `if` on the choices up
    /// its chain, as the server checks it. Hidden, its value is kept but not checked.
    pub fn json_schema(&self) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut when_shown = Vec::new();
        // File fields hold no value: their files are attachments, described apart.
        let mut attachments = Map::new();
        for f in &self.fields {
            let id = &f.field.id;
            // The notice's: the completion notice's fields are required when it is sent.
            let mandatory = f.mandatory && f.part() == FormPart::Notice;
            if let Some(rules) = &f.field.files {
                attachments.insert(
                    id.clone(),
                    json!({
                        "title": f.field.label,
                        "x-section": f.field.section,
                        "accept": rules.accept,
                        "max_size_mb": rules.max_size_mb,
                        "max_files": rules.max_files,
                        "mandatory": f.mandatory,
                    }),
                );
                continue;
            }
            let chain = self.condition_chain(f.field);
            // A field of some job types only is required in the form of one of them
            // ([`Form::for_job_type`]): the case's job type is not among its fields.
            let mandatory = mandatory && (f.field.job_types.is_none() || self.job_type.is_some());
            if chain.is_empty() {
                let mut schema = self.field_schema(f.field);
                if mandatory && f.field.group.is_some() && schema.get("minItems").is_none() {
                    schema["minItems"] = 1.into();
                }
                properties.insert(id.clone(), schema);
                if mandatory {
                    required.push(id.as_str());
                }
                continue;
            }
            let placeholder = |schema: &Value| json!({ "type": schema["type"], "title": schema["title"], "x-visible-when": schema["x-visible-when"] });
            if chain.iter().any(|w| w.equals.is_none()) {
                // A limit on a computed value is more than JSON Schema can say of a string:
                // the condition is only annotated, and the server decides.
                properties.insert(id.clone(), placeholder(&self.field_schema(f.field)));
                continue;
            }
            let schema = self.field_schema(f.field);
            properties.insert(id.clone(), placeholder(&schema));
            let consts: Map<String, Value> =
                chain.iter().map(|w| (w.field.clone(), json!({ "const": w.equals }))).collect();
            let on: Vec<&str> = chain.iter().map(|w| w.field.as_str()).collect();
            let mut then = json!({ "properties": { id.clone(): schema } });
            if mandatory {
                then["required"] = json!([id]);
            }
            when_shown
                .push(json!({ "if": { "properties": consts, "required": on }, "then": then }));
        }
        let mut schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": format!("schemas/{}/{}.json", self.company.id, self.installation_type.id),
            "title": format!("{} – {}", self.company.name, self.installation_type.name),
            "type": "object",
            "additionalProperties": false,
            "properties": properties,
            "required": required,
        });
        if !when_shown.is_empty() {
            schema["allOf"] = when_shown.into();
        }
        if !attachments.is_empty() {
            schema["x-attachments"] = attachments.into();
        }
        schema
    }

    /// Every condition that must hold for `field` to be shown: its own and its section's, and
    /// those of the fields they depend on.
    fn condition_chain<'a>(&'a self, field: &'a Field) -> Vec<&'a VisibleWhen> {
        let mut chain = Vec::new();
        for when in self.conditions(field) {
            chain.push(when);
            if let Some(controller) = self.field(&when.field) {
                chain.extend(self.condition_chain(controller.field));
            }
        }
        // A field and its section may hang on the same choice; `required` lists each once.
        let mut seen = Vec::new();
        chain.retain(|w| {
            let new = !seen.contains(w);
            seen.push(*w);
            new
        });
        chain
    }

    fn field_schema(&self, field: &Field) -> Value {
        if let Some(group) = &field.group {
            return self.group_schema(field, group);
        }
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
        let conditions: Vec<_> = self.conditions(field).collect();
        if !conditions.is_empty() {
            s.insert("x-visible-when".into(), json!(conditions));
        }
        if let Some(jobs) = &field.job_types {
            s.insert("x-job-types".into(), json!(jobs));
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
            FieldKind::Computed => {
                set("readOnly", true.into());
                set("pattern", formats::number_pattern(28).into());
                if let Some(unit) = &field.unit {
                    set("x-unit", unit.clone().into());
                }
            }
            FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Phone
            | FieldKind::PostalCode
            | FieldKind::File
            | FieldKind::Group => {}
        }
        schema
    }

    /// A group: an array of objects keyed by its items' ids (shared CONTRACT.md section 6),
    /// each item field as any field, required or shown by the item's own values.
    fn group_schema(&self, field: &Field, group: &Group) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut when_shown = Vec::new();
        for item in &group.items {
            let schema = self.field_schema(item);
            match &item.visible_when {
                None => {
                    properties.insert(item.id.clone(), schema);
                    if item.mandatory {
                        required.push(item.id.clone());
                    }
                }
                Some(when) => {
                    properties
                        .insert(item.id.clone(), json!({ "type": "string", "title": item.label }));
                    let mut then = json!({ "properties": { item.id.clone(): schema } });
                    if item.mandatory {
                        then["required"] = json!([item.id]);
                    }
                    when_shown.push(json!({
                        "if": { "properties": { when.field.clone(): { "const": when.equals } }, "required": [when.field] },
                        "then": then,
                    }));
                }
            }
        }
        let mut items = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": properties,
            "required": required,
        });
        if !when_shown.is_empty() {
            items["allOf"] = when_shown.into();
        }
        let mut schema = json!({
            "type": "array",
            "title": field.label,
            "x-section": field.section,
            "x-type": field.kind,
            "x-item-label": group.item_label,
            "maxItems": group.max_items,
            "items": items,
        });
        if group.min_items > 0 {
            schema["minItems"] = group.min_items.into();
        }
        if let Some(help) = &field.help {
            schema["description"] = help.clone().into();
        }
        let conditions: Vec<_> = self.conditions(field).collect();
        if !conditions.is_empty() {
            schema["x-visible-when"] = json!(conditions);
        }
        if let Some(jobs) = &field.job_types {
            schema["x-job-types"] = json!(jobs);
        }
        schema
    }
}
