//! `companies/<id>.toml`: one network company, its prefixes, areas, offers and own fields.

use std::collections::BTreeSet;

use super::fields::{check_field, field_ref, no_file_field};
use super::visibility::{FormOrder, field_conditions};
use super::{INSTALLATION_TYPES, Report, check_new_id};
use crate::definitions::format;
use crate::definitions::{
    AutoApproveRule, Company, Condition, Field, FieldKind, InstallationType, LookupLimits,
    NetworkArea, Offer, Section,
};
use crate::formats::{GSRN_COUNTRY_PREFIX, is_company_gsrn_prefix};
use crate::retention::Retention;

/// What a company file is checked against: its path and what the shared files define.
pub(super) struct CompanyContext<'a> {
    pub(super) path: &'a str,
    pub(super) sections: &'a [Section],
    pub(super) section_ids: &'a BTreeSet<&'a str>,
    pub(super) base_fields: &'a [Field],
    pub(super) base_ids: &'a BTreeSet<String>,
    pub(super) installation_types: &'a [InstallationType],
}

/// The longest `approval_conditions`: what fits on a page of the document.
const APPROVAL_CONDITIONS_MAX_CHARS: usize = 4000;

pub(super) fn check_company(
    report: &mut Report,
    cx: &CompanyContext,
    id: &str,
    file: &format::CompanyFile,
    prefixes_seen: &mut Vec<(String, String)>,
) -> Company {
    let path = cx.path;
    for prefix in &file.gsrn_prefixes {
        let p = prefix.get_ref();
        if !is_company_gsrn_prefix(p) {
            report.at_text(
                path,
                prefix,
                format!("GSRN-prefixet `{p}` ska vara {GSRN_COUNTRY_PREFIX} följt av tre siffror, t.ex. \"735999123\""),
            );
        } else if let Some((_, other)) = prefixes_seen.iter().find(|(q, _)| q == p) {
            let message = if other == id {
                format!("GSRN-prefixet `{p}` står två gånger; ta bort det ena")
            } else {
                format!(
                    "GSRN-prefixet `{p}` används redan av nätbolaget `{other}`; ange ert eget prefix"
                )
            };
            report.at_text(path, prefix, message);
        } else {
            prefixes_seen.push((p.clone(), id.to_string()));
        }
    }
    if file.gsrn_prefixes.is_empty() {
        report.at(path, None, "gsrn_prefixes är tom; ange bolagets prefix, t.ex. [\"735999123\"]");
    }

    let mut area_seen = BTreeSet::new();
    let network_areas = file
        .network_areas
        .iter()
        .filter(|a| check_new_id(report, path, &a.id, "nätområdes-id", &mut area_seen))
        .map(|a| NetworkArea { id: a.id.get_ref().clone(), name: a.name.clone() })
        .collect();

    let type_ids: BTreeSet<&str> = cx.installation_types.iter().map(|t| t.id.as_str()).collect();
    let kinds = super::fields::Kinds::of(cx.installation_types);
    let mut ids = cx.base_ids.clone();
    let mut extra: Vec<Field> = file
        .fields
        .iter()
        .filter_map(|f| check_field(report, path, f, cx.section_ids, &kinds, &mut ids))
        .collect();
    let mut all_fields: Vec<Field> = cx.base_fields.iter().chain(&extra).cloned().collect();
    let type_list: Vec<&str> = type_ids.iter().copied().collect();
    let order =
        FormOrder { sections: cx.sections, fields: &all_fields, installation_types: &type_list };
    for (id, when) in field_conditions(report, path, &file.fields, &order) {
        extra.iter_mut().filter(|f| f.id == id).for_each(|f| f.visible_when = Some(when.clone()));
    }
    all_fields.splice(cx.base_fields.len().., extra.iter().cloned());
    super::computed::check_computed(report, path, &file.fields, &all_fields);
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
                    "okänd installationstyp `{}`; den måste finnas i {INSTALLATION_TYPES}",
                    def.id.get_ref()
                ),
            );
            continue;
        };
        if !offer_seen.insert(kind.id.clone()) {
            report.at_text(
                path,
                &def.id,
                format!("installationstypen `{}` står två gånger; ta bort den ena [[installation_type]]", kind.id),
            );
            continue;
        }
        let job_types: Vec<String> = match &def.job_types {
            None => kind.job_types.iter().map(|j| j.id.clone()).collect(),
            Some(list) => {
                if list.is_empty() {
                    report.at_text(
                        path,
                        &def.id,
                        format!(
                            "`{}` erbjuds utan jobbtyper; ange minst en, eller ta bort \
                             job_types för att erbjuda alla",
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
                            format!("jobbtypen `{}` står två gånger; ta bort den ena", j.get_ref()),
                        );
                    } else if !kind.job_types.iter().any(|k| &k.id == j.get_ref()) {
                        report.at_text(
                            path,
                            j,
                            format!("`{}` är inte en jobbtyp i `{}`", j.get_ref(), kind.id),
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
                let message = format!(
                    "`{}` finns inte i installationstypen `{}`; välj ett fält som finns där",
                    field.id, kind.id
                );
                report.at_text(path, m, message);
            }
        }
        let mut completion_only = Vec::new();
        for j in &def.completion_only {
            let job = j.get_ref();
            if !kind.job_types.iter().any(|k| &k.id == job) {
                let message = format!(
                    "completion_only: `{job}` är inte en jobbtyp i `{}`; använd en av dess \
                     jobbtyper i {INSTALLATION_TYPES}",
                    kind.id
                );
                report.at_text(path, j, message);
            } else if !job_types.contains(job) {
                let message = format!(
                    "completion_only: `{job}` erbjuds inte; lägg till den i job_types eller ta bort \
                     den ur completion_only"
                );
                report.at_text(path, j, message);
            } else if completion_only.contains(j.get_ref()) {
                report.at_text(
                    path,
                    j,
                    format!("jobbtypen `{}` står två gånger; ta bort den ena", j.get_ref()),
                );
            } else {
                completion_only.push(j.get_ref().clone());
            }
        }
        offers.push(Offer {
            installation_type: kind.id.clone(),
            job_types,
            mandatory: def.mandatory.iter().map(|m| m.get_ref().clone()).collect(),
            completion_only,
        });
    }
    if file.installation_types.is_empty() {
        report.at(
            path,
            None,
            "bolaget erbjuder ingen installationstyp; lägg till [[installation_type]]",
        );
    }
    if file.network_areas.is_empty() {
        report.at(path, None, "bolaget har inget nätområde; lägg till [[network_area]]");
    }

    let case_number_prefix = match &file.case_number_prefix {
        Some(prefix) => {
            let p = prefix.get_ref();
            if !(1..=4).contains(&p.chars().count()) || !p.chars().all(char::is_uppercase) {
                report.at_text(
                    path,
                    prefix,
                    format!("case_number_prefix `{p}` ska vara 1 till 4 versaler, t.ex. \"ÖK\""),
                );
            }
            p.clone()
        }
        None => file
            .name
            .chars()
            .filter(|c| c.is_alphabetic())
            .take(2)
            .collect::<String>()
            .to_uppercase(),
    };
    if let Some(email) = &file.inbox_email
        && !crate::formats::is_single_address(email.get_ref())
    {
        // It goes into e-mails' `To:`, where a second address would ride along.
        report.at_text(
            path,
            email,
            "inbox_email ska vara en e-postadress, t.ex. \"anmalan@natbolag.se\"",
        );
    }
    let approval_conditions = file.approval_conditions.as_ref().and_then(|text| {
        let conditions = text.get_ref().trim();
        if conditions.chars().count() > APPROVAL_CONDITIONS_MAX_CHARS {
            let message = format!(
                "approval_conditions är längre än {APPROVAL_CONDITIONS_MAX_CHARS} tecken; \
                 korta den"
            );
            report.at_text(path, text, message);
        } else if crate::formats::text_flaw(conditions, true).is_some() {
            let message = "approval_conditions har ett tecken som inte är text (ett styrtecken \
                           eller en riktningsändring); ta bort det";
            report.at_text(path, text, message);
        }
        (!conditions.is_empty()).then(|| conditions.to_string())
    });
    let auto_approve = file
        .auto_approve
        .iter()
        .map(|rule| check_auto_approve(report, path, rule, &offers, &all_fields))
        .collect();

    let lookup_limits = check_lookup_limits(report, path, &file.lookup_limits);
    let retention = check_retention(report, path, &file.retention);

    Company {
        id: id.to_string(),
        name: file.name.clone(),
        gsrn_prefixes: file.gsrn_prefixes.iter().map(|p| p.get_ref().clone()).collect(),
        mandatory: file.mandatory.iter().map(|m| m.get_ref().clone()).collect(),
        network_areas,
        offers,
        fields: extra,
        case_number_prefix,
        inbox_email: file.inbox_email.as_ref().map(|e| e.get_ref().clone()),
        approval_conditions,
        auto_approve,
        lookup_limits,
        retention,
        definitions_version: 1,
    }
}

/// A whole number of at least 1 where one is given (`what` names it in the message), else
/// `default`.
fn at_least_one(
    report: &mut Report,
    path: &str,
    what: &str,
    given: &Option<toml::Spanned<i64>>,
    default: u64,
) -> u64 {
    match given {
        None => default,
        Some(n) => match u64::try_from(*n.get_ref()) {
            Ok(n) if n >= 1 => n,
            _ => {
                report.at(
                    path,
                    Some(n.span()),
                    format!("{what} ska vara ett heltal, minst 1; utelämnad är den {default}"),
                );
                default
            }
        },
    }
}

/// `[retention]`: days of at least 1, a case kept at least as long as its identity numbers.
fn check_retention(report: &mut Report, path: &str, def: &format::RetentionDef) -> Retention {
    let defaults = Retention::default();
    let mut days = |name: &str, given: &Option<toml::Spanned<i64>>, default: time::Duration| {
        let given = at_least_one(
            report,
            path,
            &format!("retention.{name}"),
            given,
            default.whole_days().unsigned_abs(),
        );
        time::Duration::days(i64::try_from(given).unwrap_or(i64::MAX / 86_400).min(36_500))
    };
    let retention = Retention {
        drafts: days("drafts_days", &def.drafts_days, defaults.drafts),
        identity_numbers: days(
            "identity_numbers_days",
            &def.identity_numbers_days,
            defaults.identity_numbers,
        ),
        cases: days("cases_days", &def.cases_days, defaults.cases),
    };
    if retention.cases < retention.identity_numbers {
        let span = def.cases_days.as_ref().or(def.identity_numbers_days.as_ref()).map(|d| d.span());
        report.at(
            path,
            span,
            format!(
                "retention.cases_days ({}) är kortare än retention.identity_numbers_days ({}): ett ärende kan inte bli av med sina person- och organisationsnummer efter att det tagits bort; gör cases_days minst lika lång",
                retention.cases.whole_days(),
                retention.identity_numbers.whole_days()
            ),
        );
    }
    retention
}

/// `[lookup_limits]`: each given cap a whole number of at least 1; the others their defaults.
fn check_lookup_limits(
    report: &mut Report,
    path: &str,
    def: &format::LookupLimitsDef,
) -> LookupLimits {
    let defaults = LookupLimits::default();
    let mut cap = |name: &str, given: &Option<toml::Spanned<i64>>, default: u64| {
        at_least_one(report, path, &format!("lookup_limits.{name}"), given, default)
    };
    LookupLimits {
        per_user_per_minute: cap(
            "per_user_per_minute",
            &def.per_user_per_minute,
            defaults.per_user_per_minute,
        ),
        per_user_per_hour: cap(
            "per_user_per_hour",
            &def.per_user_per_hour,
            defaults.per_user_per_hour,
        ),
        per_user_per_day: cap("per_user_per_day", &def.per_user_per_day, defaults.per_user_per_day),
        per_firm_per_day: cap("per_firm_per_day", &def.per_firm_per_day, defaults.per_firm_per_day),
    }
}

/// Checks a rule of automatic approval: an offered installation type and its job types, fields
/// that appear in it, limits on number fields, values that are choices.
fn check_auto_approve(
    report: &mut Report,
    path: &str,
    rule: &format::AutoApproveDef,
    offers: &[Offer],
    fields: &[Field],
) -> AutoApproveRule {
    let kind = rule.installation_type.get_ref();
    let offer = offers.iter().find(|o| &o.installation_type == kind);
    if offer.is_none() {
        report.at_text(
            path,
            &rule.installation_type,
            format!("auto_approve nämner `{kind}`, som bolaget inte erbjuder; använd en av bolagets [[installation_type]]"),
        );
    }
    for job in rule.job_types.iter().flatten() {
        if offer.is_some_and(|o| !o.job_types.contains(job.get_ref())) {
            report.at_text(
                path,
                job,
                format!("`{}` är inte en jobbtyp som bolaget erbjuder i `{kind}`", job.get_ref()),
            );
        }
    }
    if rule.when.is_empty() {
        report.at_text(
            path,
            &rule.installation_type,
            "auto_approve behöver minst ett villkor i `when`; utan villkor skulle varje ärende godkännas",
        );
    }
    let mut conditions = Vec::new();
    for c in &rule.when {
        let Some(field) = field_ref(report, path, fields, &c.field) else {
            continue;
        };
        if !field.appears_in(kind) {
            report.at_text(
                path,
                &c.field,
                format!(
                    "`{}` finns inte i installationstypen `{kind}`; välj ett fält som finns där",
                    field.id
                ),
            );
        }
        if field.is_file() || field.kind == FieldKind::Group {
            no_file_field(report, path, field, &c.field, "ett villkor i auto_approve");
            continue;
        }
        let limits = c.at_most.is_some() || c.at_least.is_some();
        if limits && !matches!(field.kind, FieldKind::Number | FieldKind::Computed) {
            report.at_text(
                path,
                &c.field,
                format!(
                    "at_most och at_least gäller bara fält med type = \"number\" eller \"computed\"; `{}` är ingetdera",
                    field.id
                ),
            );
        }
        match &c.equals {
            Some(value)
                if field.kind == FieldKind::Choice
                    && !field.choices.iter().any(|ch| &ch.value == value) =>
            {
                report.at_text(
                    path,
                    &c.field,
                    format!("`{value}` är inte ett av valen i `{}`", field.id),
                );
            }
            None if !limits => {
                report.at_text(path, &c.field, "ett villkor behöver at_most, at_least eller equals")
            }
            _ => {}
        }
        conditions.push(Condition {
            field: field.id.clone(),
            at_most: c.at_most.and_then(super::visibility::decimal),
            at_least: c.at_least.and_then(super::visibility::decimal),
            equals: c.equals.clone(),
        });
    }
    AutoApproveRule {
        description: rule.description.clone(),
        installation_type: kind.clone(),
        job_types: rule
            .job_types
            .as_ref()
            .map(|list| list.iter().map(|j| j.get_ref().clone()).collect()),
        conditions,
    }
}
