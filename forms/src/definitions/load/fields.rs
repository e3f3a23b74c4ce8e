//! Field definitions, in `base.toml` and in a company's own file, and references to fields.

use std::collections::BTreeSet;

use super::{IDENTIFIER_HINT, INSTALLATION_TYPES, Report, is_identifier};
use crate::attachment::{FileRules, FileType};
use crate::definitions::format::{FieldDef, FieldKind, Text};
use crate::definitions::{Choice, Field};

fn default_max_length(kind: FieldKind) -> u32 {
    match kind {
        FieldKind::Text | FieldKind::Choice => 100,
        FieldKind::Textarea => 2000,
        FieldKind::Number => 12,
        FieldKind::Date => 10,
        FieldKind::Email => 254,
        FieldKind::Phone => 20,
        FieldKind::PostalCode => 6,
        FieldKind::Gsrn => 18,
        FieldKind::IdentityNumber => 13,
        // A file field holds no value; its files' names are checked on their own.
        FieldKind::File => 0,
    }
}

pub(super) fn check_field(
    report: &mut Report,
    file: &str,
    def: &FieldDef,
    section_ids: &BTreeSet<&str>,
    type_ids: &BTreeSet<&str>,
    seen: &mut BTreeSet<String>,
) -> Option<Field> {
    let id = def.id.get_ref();
    let Some((section, name)) = id.split_once('.') else {
        report.at_text(
            file,
            &def.id,
            format!("field id `{id}` must be section.name, e.g. owner.email"),
        );
        return None;
    };
    if !section_ids.contains(section) {
        let known = section_ids.iter().copied().collect::<Vec<_>>().join(", ");
        report.at_text(
            file,
            &def.id,
            format!("field id `{id}` names an unknown section `{section}`; use one of: {known}"),
        );
        return None;
    }
    if !is_identifier(name) {
        report.at_text(file, &def.id, format!("field id `{id}`: {IDENTIFIER_HINT} after the dot"));
        return None;
    }
    if !seen.insert(id.clone()) {
        report.at_text(
            file,
            &def.id,
            format!("field `{id}` is already defined; remove the duplicate or change its id"),
        );
        return None;
    }
    let is_number = def.kind == FieldKind::Number;
    if !is_number && (def.min.is_some() || def.max.is_some() || def.unit.is_some()) {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: min, max and unit apply only to type = \"number\""),
        );
    }
    if let (Some(min), Some(max)) = (def.min, def.max)
        && min > max
    {
        report.at_text(file, &def.id, format!("`{id}`: min ({min}) is greater than max ({max})"));
    }
    let choices = match (def.kind, &def.choices) {
        (FieldKind::Choice, Some(choices)) if !choices.is_empty() => {
            let mut values = BTreeSet::new();
            for c in choices {
                if !values.insert(c.value.as_str()) {
                    report.at_text(
                        file,
                        &def.id,
                        format!("`{id}`: choice `{}` appears twice", c.value),
                    );
                }
            }
            choices
                .iter()
                .map(|c| Choice { value: c.value.clone(), label: c.label.clone() })
                .collect()
        }
        (FieldKind::Choice, _) => {
            report.at_text(
                file,
                &def.id,
                format!("`{id}` is a choice without choices; add at least one"),
            );
            Vec::new()
        }
        (_, Some(_)) => {
            report.at_text(
                file,
                &def.id,
                format!("`{id}`: choices apply only to type = \"choice\""),
            );
            Vec::new()
        }
        (_, None) => Vec::new(),
    };
    let files = check_file_rules(report, file, def);
    let mut check_types = |list: &Option<Vec<Text>>| -> Option<Vec<String>> {
        let list = list.as_ref()?;
        for t in list {
            if !type_ids.contains(t.get_ref().as_str()) {
                report.at_text(
                    file,
                    t,
                    format!("unknown installation type `{}`; it must be defined in {INSTALLATION_TYPES}", t.get_ref()),
                );
            }
        }
        Some(list.iter().map(|t| t.get_ref().clone()).collect())
    };
    let installation_types = check_types(&def.installation_types);
    let mandatory_in = check_types(&def.mandatory_in).unwrap_or_default();
    if def.mandatory && !mandatory_in.is_empty() {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: give either mandatory = true or mandatory_in, not both"),
        );
    }
    if let Some(types) = &installation_types {
        for (t, text) in mandatory_in.iter().zip(def.mandatory_in.iter().flatten()) {
            if !types.contains(t) {
                report.at_text(
                    file,
                    text,
                    format!(
                        "`{id}` is mandatory in `{t}` but `{t}` is not in its installation_types"
                    ),
                );
            }
        }
    }
    Some(Field {
        id: id.clone(),
        section: section.to_string(),
        label: def.label.clone(),
        help: def.help.clone(),
        kind: def.kind,
        max_length: def.max_length.unwrap_or_else(|| default_max_length(def.kind)),
        min: def.min,
        max: def.max,
        unit: def.unit.clone(),
        choices,
        files,
        installation_types,
        mandatory: def.mandatory,
        mandatory_in,
        // Set once every field it may depend on is known (`visibility.rs`).
        visible_when: None,
    })
}

/// A file field's `accept`, `max_size_mb` and `max_files`, with their defaults; these keys on
/// another type are an error.
fn check_file_rules(report: &mut Report, file: &str, def: &FieldDef) -> Option<FileRules> {
    let id = def.id.get_ref();
    if def.kind != FieldKind::File {
        if def.accept.is_some() || def.max_size_mb.is_some() || def.max_files.is_some() {
            report.at_text(
                file,
                &def.id,
                format!("`{id}`: accept, max_size_mb and max_files apply only to type = \"file\""),
            );
        }
        return None;
    }
    let mut accept = Vec::new();
    for name in def.accept.iter().flatten() {
        match FileType::parse(name.get_ref()) {
            Some(t) if accept.contains(&t) => report.at_text(
                file,
                name,
                format!("`{}` is listed twice in accept", name.get_ref()),
            ),
            Some(t) => accept.push(t),
            None => {
                let known = FileType::ALL.map(FileType::as_str);
                let message = match super::closest(name.get_ref(), known) {
                    Some(near) => format!(
                        "unknown file type `{}` in accept; did you mean `{near}`?",
                        name.get_ref()
                    ),
                    None => format!(
                        "unknown file type `{}` in accept; use pdf, jpeg or png",
                        name.get_ref()
                    ),
                };
                report.at_text(file, name, message);
            }
        }
    }
    match &def.accept {
        None => accept = FileType::ALL.to_vec(),
        Some(list) if list.is_empty() => report.at_text(
            file,
            &def.id,
            format!(
                "`{id}`: accept is empty; list pdf, jpeg or png, or leave accept out for all three"
            ),
        ),
        Some(_) => {}
    }
    let mut in_range = |key: &str, value: Option<u32>, default: u32, most: u32| {
        let value = value.unwrap_or(default);
        if !(1..=most).contains(&value) {
            let message = format!("`{id}`: {key} = {value} is out of range; give 1 to {most}");
            report.at_text(file, &def.id, message);
        }
        value
    };
    let max_size_mb =
        in_range("max_size_mb", def.max_size_mb, FileRules::DEFAULT_MB, FileRules::LARGEST_MB);
    let max_files =
        in_range("max_files", def.max_files, FileRules::DEFAULT_FILES, FileRules::MOST_FILES);
    if def.max_length.is_some() {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: a file field has no max_length; use max_size_mb"),
        );
    }
    Some(FileRules { accept, max_size_mb, max_files })
}

/// Reports a file field where a value is needed (a lookup, "Kopiera från ägare", an automatic
/// approval); `what` names the place.
pub(super) fn no_file_field(report: &mut Report, file: &str, field: &Field, at: &Text, what: &str) {
    if field.is_file() {
        report.at_text(
            file,
            at,
            format!(
                "`{}` is a file field and holds no value, so it cannot be used in {what}",
                field.id
            ),
        );
    }
}

/// Reports a reference to a field that does not exist; returns the field when it does.
pub(super) fn field_ref<'f>(
    report: &mut Report,
    file: &str,
    fields: &'f [Field],
    id: &Text,
) -> Option<&'f Field> {
    let found = fields.iter().find(|f| &f.id == id.get_ref());
    if found.is_none() {
        let message = match super::closest(id.get_ref(), fields.iter().map(|f| f.id.as_str())) {
            Some(near) => {
                format!("field `{}` is not defined; did you mean `{near}`?", id.get_ref())
            }
            None => format!(
                "field `{}` is not defined; correct the id or define the field",
                id.get_ref()
            ),
        };
        report.at_text(file, id, message);
    }
    found
}
