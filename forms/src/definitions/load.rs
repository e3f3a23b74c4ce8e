//! Parsing and checking the definition files. Every problem is reported with its file and line
//! and says what to do; all problems are collected, not just the first.

use std::{collections::BTreeSet, fmt, ops::Range};

use regex::Regex;
use serde::de::DeserializeOwned;

use super::format::{self, FieldDef, FieldKind, Text};
use super::{
    Choice, Company, Definitions, Field, InstallationType, JobType, LookupRules, NetworkArea,
    Offer, Section, Source,
};
use crate::registry::REGISTRY_COLUMNS;

/// One problem in the definitions, at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub file: String,
    /// 1-based; 0 when the problem is with the file as a whole.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        }
    }
}

/// Every problem found in a set of definition files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DefinitionErrors(pub Vec<DefinitionError>);

impl DefinitionErrors {
    pub(super) fn single(file: String, message: String) -> Self {
        DefinitionErrors(vec![DefinitionError { file, line: 0, column: 0, message }])
    }
}

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

const BASE: &str = "base.toml";
const INSTALLATION_TYPES: &str = "installation_types.toml";
const COMPANIES: &str = "companies/";

/// Collects problems with their positions.
struct Report<'s> {
    root: &'s str,
    sources: &'s [Source],
    errors: Vec<DefinitionError>,
}

impl<'s> Report<'s> {
    fn at(&mut self, file: &str, span: Option<Range<usize>>, message: impl Into<String>) {
        let (line, column) = match (span, self.sources.iter().find(|s| s.path == file)) {
            (Some(span), Some(source)) => line_and_column(&source.text, span.start),
            _ => (0, 0),
        };
        self.errors.push(DefinitionError {
            file: format!("{}/{}", self.root, file),
            line,
            column,
            message: message.into(),
        });
    }

    fn at_text(&mut self, file: &str, text: &Text, message: impl Into<String>) {
        self.at(file, Some(text.span()), message);
    }

    fn parse<T: DeserializeOwned>(&mut self, source: &Source) -> Option<T> {
        match toml::from_str(&source.text) {
            Ok(value) => Some(value),
            Err(e) => {
                let message = format!(
                    "{} (check the spelling and format against definitions/schema/)",
                    e.message().trim_end()
                );
                self.at(&source.path, e.span(), message);
                None
            }
        }
    }
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

pub(super) fn load(root: &str, sources: &[Source]) -> Result<Definitions, DefinitionErrors> {
    let mut report = Report { root, sources, errors: Vec::new() };
    let mut base = None;
    let mut types = None;
    let mut companies = Vec::new();
    for source in sources {
        if source.path == BASE {
            base = report.parse::<format::BaseFile>(source);
        } else if source.path == INSTALLATION_TYPES {
            types = report.parse::<format::InstallationTypesFile>(source);
        } else if let Some(id) = company_id(&source.path) {
            if let Some(file) = report.parse::<format::CompanyFile>(source) {
                companies.push((id, source.path.as_str(), file));
            }
        } else if !source.path.starts_with("schema/") {
            report.at(
                &source.path,
                None,
                "unknown file: the definitions are base.toml, installation_types.toml and \
                 companies/<id>.toml (id of lowercase letters, digits and _)",
            );
        }
    }
    for (name, found) in [(BASE, base.is_some()), (INSTALLATION_TYPES, types.is_some())] {
        if !found && !report.errors.iter().any(|e| e.file.ends_with(name)) {
            report.at(name, None, "file missing; the definitions need it");
        }
    }
    let (Some(base), Some(types)) = (base, types) else {
        return Err(DefinitionErrors(report.errors));
    };
    if companies.is_empty() && report.errors.is_empty() {
        report.at("companies/", None, "no network company defined; add companies/<id>.toml");
    }

    let installation_types = check_installation_types(&mut report, &types);
    let type_ids: BTreeSet<&str> = installation_types.iter().map(|t| t.id.as_str()).collect();
    let sections = check_sections(&mut report, &base);
    let section_ids: BTreeSet<&str> = sections.iter().map(|s| s.id.as_str()).collect();
    let mut base_ids = BTreeSet::new();
    let fields: Vec<Field> = base
        .fields
        .iter()
        .filter_map(|f| check_field(&mut report, BASE, f, &section_ids, &type_ids, &mut base_ids))
        .collect();
    let lookup = check_lookup(&mut report, &base.lookup, &fields);
    let copy_from_owner = check_copy_from_owner(&mut report, &base, &fields);

    let mut prefixes_seen: Vec<(String, String)> = Vec::new();
    let mut checked_companies: Vec<Company> = companies
        .iter()
        .map(|(id, path, file)| {
            let context = CompanyContext {
                path,
                section_ids: &section_ids,
                base_fields: &fields,
                base_ids: &base_ids,
                installation_types: &installation_types,
            };
            check_company(&mut report, &context, id, file, &mut prefixes_seen)
        })
        .collect();
    checked_companies.sort_by(|a, b| a.id.cmp(&b.id));

    if report.errors.is_empty() {
        Ok(Definitions {
            sections,
            fields,
            installation_types,
            companies: checked_companies,
            lookup,
            copy_from_owner,
        })
    } else {
        Err(DefinitionErrors(report.errors))
    }
}

fn company_id(path: &str) -> Option<String> {
    let stem = path.strip_prefix(COMPANIES)?.strip_suffix(".toml")?;
    is_identifier(stem).then(|| stem.to_string())
}

fn is_identifier(id: &str) -> bool {
    static IDENTIFIER: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    IDENTIFIER.get_or_init(|| Regex::new("^[a-z][a-z0-9_]*$").unwrap()).is_match(id)
}

const IDENTIFIER_HINT: &str = "use lowercase letters a-z, digits and _, starting with a letter";

/// Reports a duplicate or malformed identifier; returns whether it is fine to use.
fn check_new_id(
    report: &mut Report,
    file: &str,
    id: &Text,
    what: &str,
    seen: &mut BTreeSet<String>,
) -> bool {
    if !is_identifier(id.get_ref()) {
        report.at_text(file, id, format!("invalid {what} `{}`: {IDENTIFIER_HINT}", id.get_ref()));
        false
    } else if !seen.insert(id.get_ref().clone()) {
        report.at_text(
            file,
            id,
            format!("duplicate {what} `{}`: each id may appear only once", id.get_ref()),
        );
        false
    } else {
        true
    }
}

fn check_installation_types(
    report: &mut Report,
    file: &format::InstallationTypesFile,
) -> Vec<InstallationType> {
    let mut seen = BTreeSet::new();
    let mut types = Vec::new();
    for def in &file.installation_types {
        if !check_new_id(report, INSTALLATION_TYPES, &def.id, "installation type id", &mut seen) {
            continue;
        }
        let mut job_seen = BTreeSet::new();
        let job_types: Vec<JobType> = def
            .job_types
            .iter()
            .filter(|j| {
                check_new_id(report, INSTALLATION_TYPES, &j.id, "job type id", &mut job_seen)
            })
            .map(|j| JobType { id: j.id.get_ref().clone(), name: j.name.clone() })
            .collect();
        if def.job_types.is_empty() {
            report.at_text(
                INSTALLATION_TYPES,
                &def.id,
                "the installation type has no job type; add at least one [[installation_type.job_type]]",
            );
        }
        types.push(InstallationType {
            id: def.id.get_ref().clone(),
            name: def.name.clone(),
            job_types,
        });
    }
    types
}

fn check_sections(report: &mut Report, base: &format::BaseFile) -> Vec<Section> {
    let mut seen = BTreeSet::new();
    base.sections
        .iter()
        .filter(|s| check_new_id(report, BASE, &s.id, "section id", &mut seen))
        .map(|s| Section { id: s.id.get_ref().clone(), title: s.title.clone() })
        .collect()
}

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
    }
}

fn check_field(
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
        installation_types,
        mandatory: def.mandatory,
        mandatory_in,
    })
}

/// Reports a reference to a field that does not exist; returns the field when it does.
fn field_ref<'f>(
    report: &mut Report,
    file: &str,
    fields: &'f [Field],
    id: &Text,
) -> Option<&'f Field> {
    let found = fields.iter().find(|f| &f.id == id.get_ref());
    if found.is_none() {
        report.at_text(
            file,
            id,
            format!("field `{}` is not defined; correct the id or define the field", id.get_ref()),
        );
    }
    found
}

fn check_lookup(report: &mut Report, def: &format::LookupDef, fields: &[Field]) -> LookupRules {
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
                    "unknown registry column `{}`; use one of: {}",
                    column.get_ref(),
                    REGISTRY_COLUMNS.join(", ")
                ),
            );
        }
        if let Some(f) = field_ref(report, BASE, fields, field) {
            if never.contains(f.id.as_str()) || f.kind == FieldKind::IdentityNumber {
                report.at_text(
                    BASE,
                    field,
                    format!("`{}` must never be returned by a lookup; remove this line", f.id),
                );
            }
            if !targets.insert(f.id.as_str()) {
                report.at_text(
                    BASE,
                    field,
                    format!("`{}` is already filled from another column", f.id),
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

fn check_copy_from_owner(
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
        if source.section != "owner" || target.section != "payer" {
            report.at_text(
                BASE,
                from,
                "copy_from_owner copies from owner.* fields to payer.* fields",
            );
        } else if source.kind != target.kind {
            report.at_text(
                BASE,
                to,
                format!(
                    "`{}` and `{}` have different types and cannot be copied",
                    source.id, target.id
                ),
            );
        } else {
            pairs.push((source.id.clone(), target.id.clone()));
        }
    }
    pairs
}

struct CompanyContext<'a> {
    path: &'a str,
    section_ids: &'a BTreeSet<&'a str>,
    base_fields: &'a [Field],
    base_ids: &'a BTreeSet<String>,
    installation_types: &'a [InstallationType],
}

fn check_company(
    report: &mut Report,
    cx: &CompanyContext,
    id: &str,
    file: &format::CompanyFile,
    prefixes_seen: &mut Vec<(String, String)>,
) -> Company {
    let path = cx.path;
    for prefix in &file.gsrn_prefixes {
        let p = prefix.get_ref();
        if p.len() != 9 || !p.starts_with("735999") || !p.bytes().all(|b| b.is_ascii_digit()) {
            report.at_text(
                path,
                prefix,
                format!("GSRN prefix `{p}` must be 735999 followed by three digits"),
            );
        } else if let Some((_, other)) = prefixes_seen.iter().find(|(q, _)| q == p) {
            let message = if other == id {
                format!("GSRN prefix `{p}` is listed twice; remove one")
            } else {
                format!("GSRN prefix `{p}` is already used by network company `{other}`")
            };
            report.at_text(path, prefix, message);
        } else {
            prefixes_seen.push((p.clone(), id.to_string()));
        }
    }
    if file.gsrn_prefixes.is_empty() {
        report.at(
            path,
            None,
            "gsrn_prefixes is empty; give the company's prefix, e.g. \"735999123\"",
        );
    }

    let mut area_seen = BTreeSet::new();
    let network_areas = file
        .network_areas
        .iter()
        .filter(|a| check_new_id(report, path, &a.id, "network area id", &mut area_seen))
        .map(|a| NetworkArea { id: a.id.get_ref().clone(), name: a.name.clone() })
        .collect();

    let type_ids: BTreeSet<&str> = cx.installation_types.iter().map(|t| t.id.as_str()).collect();
    let mut ids = cx.base_ids.clone();
    let extra: Vec<Field> = file
        .fields
        .iter()
        .filter_map(|f| check_field(report, path, f, cx.section_ids, &type_ids, &mut ids))
        .collect();
    let all_fields: Vec<Field> = cx.base_fields.iter().chain(&extra).cloned().collect();
    for m in &file.mandatory {
        field_ref(report, path, &all_fields, m);
    }

    let mut offer_seen = BTreeSet::new();
    let mut offers = Vec::new();
    for def in &file.installation_types {
        let Some(kind) = cx.installation_types.iter().find(|t| &t.id == def.id.get_ref()) else {
            report.at_text(
                path,
                &def.id,
                format!(
                    "unknown installation type `{}`; it must be defined in {INSTALLATION_TYPES}",
                    def.id.get_ref()
                ),
            );
            continue;
        };
        if !offer_seen.insert(kind.id.clone()) {
            report.at_text(
                path,
                &def.id,
                format!("installation type `{}` is offered twice", kind.id),
            );
            continue;
        }
        let job_types = match &def.job_types {
            None => kind.job_types.iter().map(|j| j.id.clone()).collect(),
            Some(list) => {
                if list.is_empty() {
                    report.at_text(
                        path,
                        &def.id,
                        format!(
                            "`{}` is offered without job types; list at least one, or leave \
                             job_types out to offer all",
                            kind.id
                        ),
                    );
                }
                let mut listed = BTreeSet::new();
                for j in list {
                    if !listed.insert(j.get_ref().as_str()) {
                        report.at_text(
                            path,
                            j,
                            format!("job type `{}` is listed twice", j.get_ref()),
                        );
                    } else if !kind.job_types.iter().any(|k| &k.id == j.get_ref()) {
                        report.at_text(
                            path,
                            j,
                            format!("`{}` is not a job type of `{}`", j.get_ref(), kind.id),
                        );
                    }
                }
                list.iter().map(|j| j.get_ref().clone()).collect()
            }
        };
        for m in &def.mandatory {
            if let Some(field) = field_ref(report, path, &all_fields, m)
                && !field.appears_in(&kind.id)
            {
                let message =
                    format!("`{}` does not appear in installation type `{}`", field.id, kind.id);
                report.at_text(path, m, message);
            }
        }
        offers.push(Offer {
            installation_type: kind.id.clone(),
            job_types,
            mandatory: def.mandatory.iter().map(|m| m.get_ref().clone()).collect(),
        });
    }
    if file.installation_types.is_empty() {
        report.at(path, None, "the company offers no installation type; add [[installation_type]]");
    }
    if file.network_areas.is_empty() {
        report.at(path, None, "the company has no network area; add [[network_area]]");
    }

    Company {
        id: id.to_string(),
        name: file.name.clone(),
        gsrn_prefixes: file.gsrn_prefixes.iter().map(|p| p.get_ref().clone()).collect(),
        mandatory: file.mandatory.iter().map(|m| m.get_ref().clone()).collect(),
        network_areas,
        offers,
        fields: extra,
    }
}
