//! Field definitions, in `base.toml` and in a company's own file, and references to fields.

use std::collections::BTreeSet;

use super::visibility::{choice_value, condition};
use super::{IDENTIFIER_HINT, INSTALLATION_TYPES, Report, is_identifier};
use crate::attachment::{FileRules, FileType};
use crate::definitions::format::{FieldDef, FieldKind, Text};
use crate::definitions::{Choice, Computation, Field, Group};

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
        // A group's value is its items; each item field has its own.
        FieldKind::Group => 0,
        FieldKind::Computed => 24,
    }
}

/// The installation types and job types fields may name.
pub(super) struct Kinds<'a> {
    pub(super) installation: BTreeSet<&'a str>,
    pub(super) jobs: BTreeSet<&'a str>,
}

impl<'a> Kinds<'a> {
    pub(super) fn of(types: &'a [crate::definitions::InstallationType]) -> Self {
        Kinds {
            installation: types.iter().map(|t| t.id.as_str()).collect(),
            jobs: types.iter().flat_map(|t| &t.job_types).map(|j| j.id.as_str()).collect(),
        }
    }
}

/// Item fields take any type but these: a file belongs to the case, a group or computed value
/// inside an item would nest, and an identity number must stay out of what is repeated freely.
const NOT_IN_ITEMS: [FieldKind; 4] =
    [FieldKind::File, FieldKind::Group, FieldKind::Computed, FieldKind::IdentityNumber];

pub(super) fn check_field(
    report: &mut Report,
    file: &str,
    def: &FieldDef,
    section_ids: &BTreeSet<&str>,
    kinds: &Kinds,
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
    Some(field_from(report, file, def, section, kinds))
}

/// The field `def` declares in `section`, with every check of its keys against its type.
fn field_from(
    report: &mut Report,
    file: &str,
    def: &FieldDef,
    section: &str,
    kinds: &Kinds,
) -> Field {
    let id = def.id.get_ref();
    let is_number = def.kind == FieldKind::Number;
    let numeric = is_number || def.kind == FieldKind::Computed;
    if !numeric && (def.min.is_some() || def.max.is_some() || def.unit.is_some()) {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: min, max and unit apply only to type = \"number\" and \"computed\""),
        );
    }
    if !is_number && def.decimals.is_some() {
        report.at_text(file, &def.id, format!("`{id}`: decimals apply only to type = \"number\""));
    }
    if def.decimals.is_some_and(|d| d > 6) {
        report.at_text(file, &def.id, format!("`{id}`: decimals must be 0 to 6"));
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
            if !kinds.installation.contains(t.get_ref().as_str()) {
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
    let job_types = def.job_types.as_ref().map(|jobs| {
        for job in jobs.iter().filter(|j| !kinds.jobs.contains(j.get_ref().as_str())) {
            report.at_text(
                file,
                job,
                format!(
                    "unknown job type `{}`; it must be a job type in {INSTALLATION_TYPES}",
                    job.get_ref()
                ),
            );
        }
        jobs.iter().map(|j| j.get_ref().clone()).collect()
    });
    let group = check_group(report, file, def, section, kinds);
    let computed = computation(report, file, def);
    Field {
        id: id.clone(),
        section: section.to_string(),
        label: def.label.clone(),
        help: def.help.clone(),
        kind: def.kind,
        max_length: def.max_length.unwrap_or_else(|| default_max_length(def.kind)),
        min: def.min,
        max: def.max,
        unit: def.unit.clone(),
        decimals: def.decimals.unwrap_or(0),
        choices,
        files,
        installation_types,
        job_types,
        mandatory: def.mandatory,
        mandatory_in,
        // Set once every field it may depend on is known (`visibility.rs`).
        visible_when: None,
        group,
        computed,
    }
}

/// A group's items and limits; these keys on another type are an error.
fn check_group(
    report: &mut Report,
    file: &str,
    def: &FieldDef,
    section: &str,
    kinds: &Kinds,
) -> Option<Group> {
    let id = def.id.get_ref();
    let keys = def.items.is_some()
        || def.item_label.is_some()
        || def.min_items.is_some()
        || def.max_items.is_some();
    if def.kind != FieldKind::Group {
        if keys {
            report.at_text(
                file,
                &def.id,
                format!("`{id}`: item, item_label, min_items and max_items apply only to type = \"group\""),
            );
        }
        return None;
    }
    let defs = def.items.as_deref().unwrap_or_default();
    if defs.is_empty() {
        report.at_text(
            file,
            &def.id,
            format!("`{id}` is a group without items; add its fields as [[field.item]] under it"),
        );
    }
    let min_items = def.min_items.unwrap_or(u32::from(def.mandatory));
    let max_items = def.max_items.unwrap_or(Group::DEFAULT_MAX_ITEMS);
    if min_items > max_items {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: min_items ({min_items}) is greater than max_items ({max_items}); lower min_items or raise max_items"),
        );
    }
    if !(1..=Group::MOST_ITEMS).contains(&max_items) {
        report.at_text(
            file,
            &def.id,
            format!(
                "`{id}`: max_items = {max_items} is out of range; give 1 to {}",
                Group::MOST_ITEMS
            ),
        );
    }
    let mut seen = BTreeSet::new();
    let mut items: Vec<Field> = Vec::new();
    for item in defs {
        let name = item.id.get_ref();
        if !is_identifier(name) {
            report.at_text(
                file,
                &item.id,
                format!(
                    "item id `{name}` in `{id}`: {IDENTIFIER_HINT}; an item's id has no section"
                ),
            );
            continue;
        }
        if !seen.insert(name.clone()) {
            report.at_text(
                file,
                &item.id,
                format!("item `{name}` appears twice in `{id}`; remove one"),
            );
            continue;
        }
        if NOT_IN_ITEMS.contains(&item.kind) {
            report.at_text(
                file,
                &item.id,
                format!("item `{name}` in `{id}` cannot be of this type; a group's items are text, numbers, dates, choices and the like, not files, groups, computed values or identity numbers"),
            );
            continue;
        }
        // The form keeps or drops a group whole, so these on an item would be ignored.
        if item.installation_types.is_some()
            || item.mandatory_in.is_some()
            || item.job_types.is_some()
        {
            report.at_text(
                file,
                &item.id,
                format!("item `{name}` in `{id}`: installation_types, job_types and mandatory_in belong on the group, not on its items; move them to `{id}`"),
            );
        }
        let mut field = field_from(report, file, item, section, kinds);
        if let Some(when) = &item.visible_when {
            // Within an item: the item's own earlier choice.
            match items.iter().find(|f| &f.id == when.field.get_ref()) {
                Some(controller) if controller.kind == FieldKind::Choice && when.equals.is_some() => {
                    let equals = when.equals.as_ref().expect("checked");
                    if choice_value(report, file, controller, equals) {
                        field.visible_when = Some(condition(when, &controller.id));
                    }
                }
                _ => report.at_text(
                    file,
                    &when.field,
                    format!("item `{name}` in `{id}` can depend only on a choice item above it in the same group, with equals; e.g. {{ field = \"kind\", equals = \"...\" }}"),
                ),
            }
        }
        items.push(field);
    }
    let item_label = def.item_label.clone().unwrap_or_else(|| def.label.clone());
    Some(Group { items, item_label, min_items, max_items })
}

/// What a computed value is computed from, as written; the fields it names are checked once
/// every field is known (`computed.rs`).
fn computation(report: &mut Report, file: &str, def: &FieldDef) -> Option<Computation> {
    let id = def.id.get_ref();
    let Some(c) = &def.computed else {
        if def.kind == FieldKind::Computed {
            report.at_text(
                file,
                &def.id,
                format!("`{id}` is computed but says not how; add computed = {{ sum = \"group.item\" }} (or max, count, product)"),
            );
        }
        return None;
    };
    if def.kind != FieldKind::Computed {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: computed applies only to type = \"computed\""),
        );
        return None;
    }
    let item = |text: &Text| {
        let (group, item) = text.get_ref().rsplit_once('.').unwrap_or(("", text.get_ref()));
        (group.to_string(), item.to_string())
    };
    let given = [c.sum.is_some(), c.max.is_some(), c.count.is_some(), c.product.is_some()];
    let computation = match (&c.sum, &c.max, &c.count, &c.product) {
        _ if given.iter().filter(|g| **g).count() != 1 => None,
        (Some(sum), ..) => Some(Computation::Sum { group: item(sum).0, item: item(sum).1 }),
        (_, Some(max), ..) => Some(Computation::Max { group: item(max).0, item: item(max).1 }),
        (_, _, Some(count), _) => Some(Computation::Count { group: count.get_ref().clone() }),
        (.., Some(factors)) if factors.len() == 2 => {
            Some(Computation::Product(factors[0].get_ref().clone(), factors[1].get_ref().clone()))
        }
        _ => None,
    };
    if computation.is_none() {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: give exactly one of sum, max, count (each one field) or product (two fields)"),
        );
    }
    computation
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
    if field.kind == FieldKind::Group {
        report.at_text(
            file,
            at,
            format!(
                "`{}` is a group and holds no single value, so it cannot be used in {what}; use a computed value of it",
                field.id
            ),
        );
    } else if field.is_file() {
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
