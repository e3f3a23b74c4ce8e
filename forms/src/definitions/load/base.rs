//! The parts of `base.toml` besides its fields: sections, lookup rules, "Kopiera från ägare".

use std::collections::BTreeSet;

use super::fields::{field_ref, no_file_field};
use super::{BASE, Report, check_new_id};
use crate::definitions::format::{self, FieldKind};
use crate::definitions::{Field, LookupRules, Section};
use crate::registry::REGISTRY_COLUMNS;

pub(super) fn check_sections(report: &mut Report, base: &format::BaseFile) -> Vec<Section> {
    let mut seen = BTreeSet::new();
    base.sections
        .iter()
        .filter(|s| check_new_id(report, BASE, &s.id, "sektions-id", &mut seen))
        .map(|s| Section { id: s.id.get_ref().clone(), title: s.title.clone(), visible_when: None })
        .collect()
}

pub(super) fn check_lookup(
    report: &mut Report,
    def: &format::LookupDef,
    fields: &[Field],
) -> LookupRules {
    for id in def.always_overwrite.iter().chain(&def.never_returned) {
        field_ref(report, BASE, fields, id);
    }
    let never: BTreeSet<&str> = def.never_returned.iter().map(|t| t.get_ref().as_str()).collect();
    let mut targets = BTreeSet::new();
    for (column, field) in &def.projection {
        if !REGISTRY_COLUMNS.contains(&column.get_ref().as_str()) {
            report.at_text(
                BASE,
                column,
                format!(
                    "okänd registerkolumn `{}`; använd en av: {}",
                    column.get_ref(),
                    REGISTRY_COLUMNS.join(", ")
                ),
            );
        }
        if let Some(f) = field_ref(report, BASE, fields, field) {
            no_file_field(
                report,
                BASE,
                f,
                field,
                "[lookup.projection] (vad Hämta anl-data fyller i)",
            );
            if never.contains(f.id.as_str()) || f.kind == FieldKind::IdentityNumber {
                report.at_text(
                    BASE,
                    field,
                    format!("`{}` får aldrig lämnas ut av Hämta anl-data; ta bort raden", f.id),
                );
            }
            if !targets.insert(f.id.as_str()) {
                report.at_text(
                    BASE,
                    field,
                    format!("`{}` fylls redan från en annan kolumn; ta bort den ena raden", f.id),
                );
            }
        }
    }
    LookupRules {
        always_overwrite: def.always_overwrite.iter().map(|t| t.get_ref().clone()).collect(),
        never_returned: def.never_returned.iter().map(|t| t.get_ref().clone()).collect(),
        projection: def
            .projection
            .iter()
            .map(|(c, f)| (c.get_ref().clone(), f.get_ref().clone()))
            .collect(),
    }
}

pub(super) fn check_copy_from_owner(
    report: &mut Report,
    base: &format::BaseFile,
    fields: &[Field],
) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (from, to) in &base.copy_from_owner {
        let source = field_ref(report, BASE, fields, from);
        let target = field_ref(report, BASE, fields, to);
        let (Some(source), Some(target)) = (source, target) else {
            continue;
        };
        let no_value = |f: &Field| f.is_file() || f.kind == FieldKind::Group;
        if no_value(source) || no_value(target) {
            let (f, at) = if no_value(source) { (source, from) } else { (target, to) };
            no_file_field(report, BASE, f, at, "copy_from_owner");
        } else if source.section != "owner" || target.section != "payer" {
            report.at_text(
                BASE,
                from,
                "copy_from_owner kopierar från fält owner.* till fält payer.*; skriv owner.namn = \"payer.namn\"",
            );
        } else if source.kind != target.kind {
            report.at_text(
                BASE,
                to,
                format!(
                    "`{}` och `{}` har olika type och kan inte kopieras; koppla ihop fält av samma type",
                    source.id, target.id
                ),
            );
        } else {
            pairs.push((source.id.clone(), target.id.clone()));
        }
    }
    pairs
}
