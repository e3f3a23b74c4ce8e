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
            format!("fält-id `{id}` ska vara sektion.namn, t.ex. owner.email"),
        );
        return None;
    };
    if !section_ids.contains(section) {
        let known = section_ids.iter().copied().collect::<Vec<_>>().join(", ");
        report.at_text(
            file,
            &def.id,
            format!("fält-id `{id}` nämner en okänd sektion `{section}`; använd en av: {known}"),
        );
        return None;
    }
    if !is_identifier(name) {
        report.at_text(file, &def.id, format!("fält-id `{id}`: {IDENTIFIER_HINT} efter punkten"));
        return None;
    }
    if !seen.insert(id.clone()) {
        report.at_text(
            file,
            &def.id,
            format!("fältet `{id}` finns redan; ta bort dubbletten eller byt id"),
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
            format!("`{id}`: min, max och unit gäller bara type = \"number\" och \"computed\"; ta bort dem"),
        );
    }
    if !is_number && def.decimals.is_some() {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: decimals gäller bara type = \"number\"; ta bort den"),
        );
    }
    if def.decimals.is_some_and(|d| d > 6) {
        report.at_text(file, &def.id, format!("`{id}`: decimals ska vara 0 till 6"));
    }
    if let (Some(min), Some(max)) = (def.min, def.max)
        && min > max
    {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: min ({min}) är större än max ({max}); sänk min eller höj max"),
        );
    }
    let choices = match (def.kind, &def.choices) {
        (FieldKind::Choice, Some(choices)) if !choices.is_empty() => {
            let mut values = BTreeSet::new();
            for c in choices {
                if !values.insert(c.value.as_str()) {
                    report.at_text(
                        file,
                        &def.id,
                        format!("`{id}`: valet `{}` står två gånger; ta bort det ena", c.value),
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
                format!("`{id}` är ett val utan alternativ; lägg till minst ett [[field.choices]]"),
            );
            Vec::new()
        }
        (_, Some(_)) => {
            report.at_text(
                file,
                &def.id,
                format!("`{id}`: choices gäller bara type = \"choice\"; ta bort dem"),
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
                    format!(
                        "okänd installationstyp `{}`; den måste finnas i {INSTALLATION_TYPES}",
                        t.get_ref()
                    ),
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
            format!("`{id}`: ange antingen mandatory = true eller mandatory_in, inte båda"),
        );
    }
    if let Some(types) = &installation_types {
        for (t, text) in mandatory_in.iter().zip(def.mandatory_in.iter().flatten()) {
            if !types.contains(t) {
                report.at_text(
                    file,
                    text,
                    format!(
                        "`{id}` är obligatoriskt i `{t}` men `{t}` finns inte i fältets installation_types; lägg till den där eller ta bort den ur mandatory_in"
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
                    "okänd jobbtyp `{}`; den måste vara en jobbtyp i {INSTALLATION_TYPES}",
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
                format!("`{id}`: item, item_label, min_items och max_items gäller bara type = \"group\"; ta bort dem"),
            );
        }
        return None;
    }
    let defs = def.items.as_deref().unwrap_or_default();
    if defs.is_empty() {
        report.at_text(
            file,
            &def.id,
            format!(
                "`{id}` är en grupp utan delar; lägg till dess fält som [[field.item]] under den"
            ),
        );
    }
    let min_items = def.min_items.unwrap_or(u32::from(def.mandatory));
    let max_items = def.max_items.unwrap_or(Group::DEFAULT_MAX_ITEMS);
    if min_items > max_items {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: min_items ({min_items}) är större än max_items ({max_items}); sänk min_items eller höj max_items"),
        );
    }
    if !(1..=Group::MOST_ITEMS).contains(&max_items) {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: max_items = {max_items} går inte; ange 1 till {}", Group::MOST_ITEMS),
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
                    "delens id `{name}` i `{id}`: {IDENTIFIER_HINT}; en dels id har ingen sektion"
                ),
            );
            continue;
        }
        if !seen.insert(name.clone()) {
            report.at_text(
                file,
                &item.id,
                format!("delen `{name}` står två gånger i `{id}`; ta bort den ena"),
            );
            continue;
        }
        if NOT_IN_ITEMS.contains(&item.kind) {
            report.at_text(
                file,
                &item.id,
                format!("delen `{name}` i `{id}` kan inte ha den här type; en grupps delar är text, tal, datum, val och liknande, inte file, group, computed eller identity_number"),
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
                format!("delen `{name}` i `{id}`: installation_types, job_types och mandatory_in hör till gruppen, inte till dess delar; flytta dem till `{id}`"),
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
                    format!("delen `{name}` i `{id}` kan bara bero på en del med val ovanför den i samma grupp, med equals; t.ex. {{ field = \"kind\", equals = \"...\" }}"),
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
                format!("`{id}` är uträknat men säger inte hur; lägg till computed = {{ sum = \"grupp.del\" }} (eller max, count, product)"),
            );
        }
        return None;
    };
    if def.kind != FieldKind::Computed {
        report.at_text(
            file,
            &def.id,
            format!("`{id}`: computed gäller bara type = \"computed\"; ta bort den"),
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
            format!(
                "`{id}`: ange precis en av sum, max, count (ett fält var) eller product (två fält)"
            ),
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
                format!("`{id}`: accept, max_size_mb och max_files gäller bara type = \"file\"; ta bort dem"),
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
                format!("`{}` står två gånger i accept; ta bort det ena", name.get_ref()),
            ),
            Some(t) => accept.push(t),
            None => {
                let known = FileType::ALL.map(FileType::as_str);
                let message = match super::closest(name.get_ref(), known) {
                    Some(near) => {
                        format!("okänd filtyp `{}` i accept; menade du `{near}`?", name.get_ref())
                    }
                    None => format!(
                        "okänd filtyp `{}` i accept; använd pdf, jpeg eller png",
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
                "`{id}`: accept är tom; ange pdf, jpeg eller png, eller ta bort accept för alla tre"
            ),
        ),
        Some(_) => {}
    }
    let mut in_range = |key: &str, value: Option<u32>, default: u32, most: u32| {
        let value = value.unwrap_or(default);
        if !(1..=most).contains(&value) {
            let message = format!("`{id}`: {key} = {value} går inte; ange 1 till {most}");
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
            format!(
                "`{id}`: ett fält med type = \"file\" har ingen max_length; använd max_size_mb"
            ),
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
                "`{}` är en grupp utan ett enda värde och kan inte användas i {what}; använd ett uträknat värde av den",
                field.id
            ),
        );
    } else if field.is_file() {
        report.at_text(
            file,
            at,
            format!(
                "`{}` är ett fält för bilagor utan värde och kan inte användas i {what}",
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
                format!("fältet `{}` finns inte; menade du `{near}`?", id.get_ref())
            }
            None => not_defined(id.get_ref(), fields),
        };
        report.at_text(file, id, message);
    }
    found
}

/// An unknown field id with no close one: the ids of its section, else the sections.
fn not_defined(id: &str, fields: &[Field]) -> String {
    let section = id.split('.').next().unwrap_or(id);
    let same: Vec<&str> =
        fields.iter().filter(|f| f.section == section).map(|f| f.id.as_str()).collect();
    if same.is_empty() {
        let mut sections: Vec<&str> = fields.iter().map(|f| f.section.as_str()).collect();
        sections.dedup();
        sections.sort_unstable();
        sections.dedup();
        format!(
            "fältet `{id}` finns inte, och ingen sektion heter `{section}`; sektionerna är: {}",
            sections.join(", ")
        )
    } else {
        format!(
            "fältet `{id}` finns inte; rätta id:t eller definiera fältet. Fälten i `{section}` är: {}",
            same.join(", ")
        )
    }
}
