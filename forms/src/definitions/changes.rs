//! What changes between two versions of a company's definitions: the list "Publicera" asks the
//! company's admin to confirm, and what a draft is told when it moves to the published version
//! ([`crate::Case::move_to_version`]). Forms are compared as validation sees them ([`Form`]), so
//! "mandatory" here is exactly what a submit enforces.

use serde::{Deserialize, Serialize};

use super::{AutoApproveRule, Company, Definitions, Field, InstallationType};
use crate::form::{Form, FormField};

/// What kind of change a [`DefinitionChange`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    InstallationTypeAdded,
    InstallationTypeRemoved,
    JobTypeAdded,
    JobTypeRemoved,
    NetworkAreaAdded,
    NetworkAreaRemoved,
    FieldAdded,
    FieldRemoved,
    MadeMandatory,
    NoLongerMandatory,
    ChoicesChanged,
    LabelChanged,
    /// Its type, limits, help text, accepted files or when it is shown.
    FieldChanged,
    AutoApproveChanged,
    /// The company's name, GSRN prefixes, case numbers, inbox, lookup limits or retention.
    SettingChanged,
}

/// One change between two versions, with a Swedish sentence a company's admin understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DefinitionChange {
    pub kind: ChangeKind,
    /// The installation type it is about; `None` for the whole company.
    pub installation_type: Option<String>,
    /// The field it is about.
    pub field: Option<String>,
    pub text: String,
}

/// The changes of `company` from `old` to `new`: first the company's own settings and network
/// areas, then per installation type in the definitions' order its offer, job types, fields
/// in form order (removed fields after) and automatic approval. Empty when nothing changes,
/// or when either has no such company.
pub fn changes(old: &Definitions, new: &Definitions, company: &str) -> Vec<DefinitionChange> {
    let (Some(before), Some(after)) = (old.company(company), new.company(company)) else {
        return Vec::new();
    };
    let mut out = company_changes(before, after);
    let gone = old.installation_types.iter().filter(|t| new.installation_type(&t.id).is_none());
    for kind in new.installation_types.iter().chain(gone) {
        match (old.form(company, &kind.id), new.form(company, &kind.id)) {
            (None, None) => {}
            (None, Some(_)) => out.push(for_type(
                ChangeKind::InstallationTypeAdded,
                kind,
                None,
                format!("Ny installationstyp: {}.", kind.name),
            )),
            (Some(_), None) => out.push(for_type(
                ChangeKind::InstallationTypeRemoved,
                kind,
                None,
                format!(
                    "{} erbjuds inte längre: nya anmälningar kan inte göras och utkast kan inte \
                     skickas.",
                    kind.name
                ),
            )),
            (Some(before), Some(after)) => form_changes(&before, &after, &mut out),
        }
    }
    out
}

fn for_type(
    kind: ChangeKind,
    installation_type: &InstallationType,
    field: Option<&str>,
    text: String,
) -> DefinitionChange {
    DefinitionChange {
        kind,
        installation_type: Some(installation_type.id.clone()),
        field: field.map(str::to_string),
        text,
    }
}

fn for_company(kind: ChangeKind, text: String) -> DefinitionChange {
    DefinitionChange { kind, installation_type: None, field: None, text }
}

/// What differs between two lists: the items of `after` not in `before`, and the other way.
fn added_removed<'a, T: PartialEq>(before: &'a [T], after: &'a [T]) -> (Vec<&'a T>, Vec<&'a T>) {
    let added = after.iter().filter(|x| !before.contains(x)).collect();
    let removed = before.iter().filter(|x| !after.contains(x)).collect();
    (added, removed)
}

fn company_changes(before: &Company, after: &Company) -> Vec<DefinitionChange> {
    let mut out = Vec::new();
    for area in after.network_areas.iter().filter(|a| before.network_area(&a.id).is_none()) {
        out.push(for_company(
            ChangeKind::NetworkAreaAdded,
            format!("Nytt nätområde: {}.", area.name),
        ));
    }
    for area in &before.network_areas {
        let change = match after.network_area(&area.id) {
            None => for_company(
                ChangeKind::NetworkAreaRemoved,
                format!(
                    "Nätområdet {} tas bort: nya anmälningar kan inte göras där och utkast där \
                     kan inte skickas.",
                    area.name
                ),
            ),
            Some(now) if now.name != area.name => for_company(
                ChangeKind::SettingChanged,
                format!("Nätområdet {} heter nu {}.", area.name, now.name),
            ),
            Some(_) => continue,
        };
        out.push(change);
    }
    let mut setting = |changed: bool, text: String| {
        if changed {
            out.push(for_company(ChangeKind::SettingChanged, text));
        }
    };
    setting(
        before.name != after.name,
        format!("Nätbolagets namn ändras från \"{}\" till \"{}\".", before.name, after.name),
    );
    setting(
        before.gsrn_prefixes != after.gsrn_prefixes,
        format!(
            "Prefixen i anläggnings-ID ändras från {} till {}.",
            before.gsrn_prefixes.join(", "),
            after.gsrn_prefixes.join(", ")
        ),
    );
    setting(
        before.case_number_prefix != after.case_number_prefix,
        format!(
            "Nya ärendenummer börjar med {} i stället för {} (befintliga ärenden behåller sina \
             nummer).",
            after.case_number_prefix, before.case_number_prefix
        ),
    );
    let inbox = |c: &Company| c.inbox_email.clone().unwrap_or_else(|| "ingen adress".into());
    setting(
        before.inbox_email != after.inbox_email,
        format!(
            "E-post om anmälningar och meddelanden går till {} i stället för {}.",
            inbox(after),
            inbox(before)
        ),
    );
    setting(
        before.approval_conditions != after.approval_conditions,
        match &after.approval_conditions {
            Some(_) => "Villkoren i installationsmedgivandet ändras (approval_conditions).".into(),
            None => "Installationsmedgivandet har inte längre några villkor.".into(),
        },
    );
    let limits: Vec<String> = super::LookupLimit::ALL
        .into_iter()
        .filter(|l| before.lookup_limits.cap(*l) != after.lookup_limits.cap(*l))
        .map(|l| {
            let (was, is) = (before.lookup_limits.cap(l), after.lookup_limits.cap(l));
            format!("{was} blir {is} {}", l.describe())
        })
        .collect();
    setting(
        !limits.is_empty(),
        format!("Gränserna för Hämta anl-data ändras: {}.", limits.join(", ")),
    );
    let (was, is) = (before.retention, after.retention);
    let retention: Vec<String> = [
        ("utkast som aldrig skickats", was.drafts, is.drafts),
        (
            "person- och organisationsnummer i avslutade ärenden",
            was.identity_numbers,
            is.identity_numbers,
        ),
        ("avslutade ärenden", was.cases, is.cases),
    ]
    .into_iter()
    .filter(|(_, was, is)| was != is)
    .map(|(what, was, is)| format!("{what} {} blir {} dagar", was.whole_days(), is.whole_days()))
    .collect();
    setting(
        !retention.is_empty(),
        format!("Hur länge personuppgifter sparas ändras: {}.", retention.join(", ")),
    );
    out
}

fn form_changes(before: &Form, after: &Form, out: &mut Vec<DefinitionChange>) {
    let kind = after.installation_type;
    let name = &kind.name;
    let jobs =
        |form: &Form| form.company.offer(&kind.id).map(|o| o.job_types.clone()).unwrap_or_default();
    let (before_jobs, after_jobs) = (jobs(before), jobs(after));
    let (added, removed) = added_removed(&before_jobs, &after_jobs);
    let job_name = |id: &str| {
        kind.job_types.iter().find(|j| j.id == id).map_or(id.to_string(), |j| j.name.clone())
    };
    for job in added {
        let text = format!("{name}: ny jobbtyp \"{}\".", job_name(job));
        out.push(for_type(ChangeKind::JobTypeAdded, kind, None, text));
    }
    for job in removed {
        let text = format!("{name}: jobbtypen \"{}\" erbjuds inte längre.", job_name(job));
        out.push(for_type(ChangeKind::JobTypeRemoved, kind, None, text));
    }
    for field in &after.fields {
        match before.field(&field.field.id) {
            Some(was) => field_changes(was, field, kind, out),
            None => {
                let label = &field.field.label;
                let text = match field.mandatory {
                    true => format!("{name}: nytt obligatoriskt fält \"{label}\"."),
                    false => format!("{name}: nytt fält \"{label}\"."),
                };
                out.push(for_type(ChangeKind::FieldAdded, kind, Some(&field.field.id), text));
            }
        }
    }
    for field in before.fields.iter().filter(|f| after.field(&f.field.id).is_none()) {
        let text = format!(
            "{name}: fältet \"{}\" tas bort (värden i befintliga ärenden sparas).",
            field.field.label
        );
        out.push(for_type(ChangeKind::FieldRemoved, kind, Some(&field.field.id), text));
    }
    let rules = |form: &Form<'_>| -> Vec<AutoApproveRule> {
        let rules = form.company.auto_approve.iter();
        rules.filter(|r| r.installation_type == kind.id).cloned().collect()
    };
    let after_rules = rules(after);
    if rules(before) != after_rules {
        let now: Vec<String> =
            after_rules.iter().map(|r| format!("\"{}\"", r.description)).collect();
        let now = if now.is_empty() { "inga".to_string() } else { now.join(", ") };
        let text = format!("{name}: reglerna för automatiskt godkännande ändras (nu: {now}).");
        out.push(for_type(ChangeKind::AutoApproveChanged, kind, None, text));
    }
}

/// The changes of one field that both versions have, in a fixed order.
fn field_changes(
    was: &FormField,
    is: &FormField,
    kind: &InstallationType,
    out: &mut Vec<DefinitionChange>,
) {
    let name = &kind.name;
    let (old, new) = (was.field, is.field);
    let id = Some(new.id.as_str());
    let label = &new.label;
    if old.label != new.label {
        let text = format!("{name}: fältet \"{}\" heter nu \"{label}\".", old.label);
        out.push(for_type(ChangeKind::LabelChanged, kind, id, text));
    }
    if was.mandatory != is.mandatory {
        let (change, text) = match is.mandatory {
            true => (ChangeKind::MadeMandatory, format!("{name}: \"{label}\" blir obligatoriskt.")),
            false => (
                ChangeKind::NoLongerMandatory,
                format!("{name}: \"{label}\" är inte längre obligatoriskt."),
            ),
        };
        out.push(for_type(change, kind, id, text));
    }
    if let Some(choices) = choice_changes(old, new) {
        let text = format!("{name}: valen för \"{label}\" ändras: {choices}.");
        out.push(for_type(ChangeKind::ChoicesChanged, kind, id, text));
    }
    let others: Vec<&str> = [
        (old.kind != new.kind, "typ"),
        (old.help != new.help, "hjälptext"),
        (old.max_length != new.max_length, "längsta längd"),
        (old.min != new.min, "lägsta värde"),
        (old.max != new.max, "högsta värde"),
        (old.unit != new.unit, "enhet"),
        (old.files != new.files, "vilka filer som tas emot"),
        (old.visible_when != new.visible_when, "när fältet visas"),
    ]
    .into_iter()
    .filter_map(|(changed, what)| changed.then_some(what))
    .collect();
    if !others.is_empty() {
        let text = format!("{name}: \"{label}\" ändras: {}.", others.join(", "));
        out.push(for_type(ChangeKind::FieldChanged, kind, id, text));
    }
}

/// The choices added, removed and renamed, by their labels: `tillagt "Z"; borttaget "W"`.
fn choice_changes(old: &Field, new: &Field) -> Option<String> {
    let label = |field: &Field, value: &str| {
        field.choices.iter().find(|c| c.value == value).map(|c| c.label.clone())
    };
    let quoted = |labels: Vec<String>| {
        labels.iter().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(", ")
    };
    let added: Vec<String> = new
        .choices
        .iter()
        .filter(|c| label(old, &c.value).is_none())
        .map(|c| c.label.clone())
        .collect();
    let removed: Vec<String> = old
        .choices
        .iter()
        .filter(|c| label(new, &c.value).is_none())
        .map(|c| c.label.clone())
        .collect();
    let renamed: Vec<String> = new
        .choices
        .iter()
        .filter_map(|c| {
            let was = label(old, &c.value)?;
            (was != c.label).then(|| format!("\"{was}\" heter nu \"{}\"", c.label))
        })
        .collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("tillagt {}", quoted(added)));
    }
    if !removed.is_empty() {
        parts.push(format!("borttaget {}", quoted(removed)));
    }
    parts.extend(renamed);
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The shipped definitions with Öresundskraft's file edited by `edit`, its company numbered
/// `version`: a newer version of its definitions, for the unit tests.
#[cfg(test)]
pub(crate) fn oresundskraft_version(version: u32, edit: impl Fn(&str) -> String) -> Definitions {
    let mut sources = super::builtin_sources();
    let file = sources.iter_mut().find(|s| s.path == "companies/oresundskraft.toml").unwrap();
    file.text = edit(&file.text);
    let mut defs = Definitions::parse("forms/definitions", &sources).unwrap();
    defs.companies.iter_mut().for_each(|c| c.definitions_version = version);
    defs
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeKind::*;

    /// Each change as (kind, installation type, field, text).
    fn listed(changes: &[DefinitionChange]) -> Vec<(ChangeKind, Option<&str>, Option<&str>, &str)> {
        changes
            .iter()
            .map(|c| (c.kind, c.installation_type.as_deref(), c.field.as_deref(), c.text.as_str()))
            .collect()
    }

    /// `text` with each `(from, to)` replaced, each found once.
    fn edited(text: &str, edits: &[(&str, &str)]) -> String {
        edits.iter().fold(text.to_string(), |text, (from, to)| {
            assert_eq!(text.matches(from).count(), 1, "{from}");
            text.replace(from, to)
        })
    }

    const METER_PLACE: &str = "\n[[field]]\nid = \"installation.meter_place\"\nlabel = \
        \"Elmätarens placering\"\ntype = \"choice\"\nchoices = [{ value = \"a\", label = \"A\" }, \
        { value = \"b\", label = \"B\" }, { value = \"c\", label = \"C\" }]\n\
        installation_types = [\"fuse_change\"]\n";

    #[test]
    fn the_same_definitions_change_nothing_whatever_their_number() {
        let shipped = Definitions::builtin();
        assert_eq!(changes(shipped, shipped, "oresundskraft"), []);
        let again = oresundskraft_version(7, str::to_string);
        assert_eq!(changes(shipped, &again, "oresundskraft"), []);
        assert_eq!(changes(shipped, &again, "no_such_company"), []);
    }

    #[test]
    fn a_version_names_what_it_changes_by_installation_type_and_form_order() {
        let new = oresundskraft_version(2, |text| {
            let temporary_until = text.find("[[field]]\nid = \"work.temporary_until\"").unwrap();
            let auto_approve = text.find("# Godkänns direkt").unwrap();
            let text = [&text[..temporary_until], &text[auto_approve..], METER_PLACE].concat();
            edited(
                &text,
                &[
                    (
                        "name = \"Höganäs\"\n",
                        "name = \"Höganäs\"\n\n[[network_area]]\nid = \"landskrona\"\nname = \
                         \"Landskrona\"\n",
                    ),
                    ("anmalningar@oresundskraft", "nya@oresundskraft"),
                    ("mandatory = [\"work.planned_start\"]\n", "mandatory = []\n"),
                    (
                        "id = \"fuse_change\"\n",
                        "id = \"fuse_change\"\nmandatory = [\"installation.meter_place\"]\n",
                    ),
                    (
                        "job_types = [\"construction_power\"]\nmandatory = [\"work.planned_start\", \
                         \"work.temporary_until\"]",
                        "job_types = [\"construction_power\", \"event\"]\nmandatory = \
                         [\"work.planned_start\"]",
                    ),
                    (
                        "id = \"extension\"\n",
                        "id = \"extension\"\nmandatory = [\"installation.desired_meter_placement\"]\n",
                    ),
                    ("högst 25 A", "högst 35 A"),
                    ("at_most = 25", "at_most = 35"),
                ],
            )
        });
        let changes = changes(Definitions::builtin(), &new, "oresundskraft");
        assert_eq!(
            listed(&changes),
            [
                (NetworkAreaAdded, None, None, "Nytt nätområde: Landskrona."),
                (
                    SettingChanged,
                    None,
                    None,
                    "E-post om anmälningar och meddelanden går till nya@oresundskraft.example i \
                     stället för anmalningar@oresundskraft.example."
                ),
                (
                    NoLongerMandatory,
                    Some("service_change"),
                    Some("work.planned_start"),
                    "Servisändring: \"Planerat startdatum\" är inte längre obligatoriskt."
                ),
                (
                    FieldAdded,
                    Some("fuse_change"),
                    Some("installation.meter_place"),
                    "Säkringsändring: nytt obligatoriskt fält \"Elmätarens placering\"."
                ),
                (
                    AutoApproveChanged,
                    Some("fuse_change"),
                    None,
                    "Säkringsändring: reglerna för automatiskt godkännande ändras (nu: \
                     \"Säkringsändring till högst 35 A\")."
                ),
                (
                    JobTypeAdded,
                    Some("temporary_installation"),
                    None,
                    "Tillfällig anläggning: ny jobbtyp \"Evenemang\"."
                ),
                (
                    FieldRemoved,
                    Some("temporary_installation"),
                    Some("work.temporary_until"),
                    "Tillfällig anläggning: fältet \"Tillfällig anläggning till och med\" tas \
                     bort (värden i befintliga ärenden sparas)."
                ),
                (
                    MadeMandatory,
                    Some("extension"),
                    Some("installation.desired_meter_placement"),
                    "Utökning: \"Önskad mätarplacering\" blir obligatoriskt."
                ),
            ]
        );
        // As the API answers it.
        assert_eq!(
            serde_json::to_value(&changes[3]).unwrap(),
            serde_json::json!({"kind": "field_added", "installation_type": "fuse_change",
                "field": "installation.meter_place",
                "text": "Säkringsändring: nytt obligatoriskt fält \"Elmätarens placering\"."})
        );
    }

    #[test]
    fn a_field_that_stays_names_its_label_choices_and_checks() {
        let old = oresundskraft_version(2, |text| format!("{text}{METER_PLACE}"));
        let new = oresundskraft_version(3, |text| {
            let field = edited(
                METER_PLACE,
                &[
                    (
                        "\"Elmätarens placering\"",
                        "\"Mätarens plats\"\nhelp = \"Var mätaren sitter.\"",
                    ),
                    ("label = \"A\"", "label = \"Ä\""),
                    ("{ value = \"c\", label = \"C\" }", "{ value = \"d\", label = \"D\" }"),
                ],
            );
            format!("{text}{field}")
        });
        let field = Some("installation.meter_place");
        assert_eq!(
            listed(&changes(&old, &new, "oresundskraft")),
            [
                (
                    LabelChanged,
                    Some("fuse_change"),
                    field,
                    "Säkringsändring: fältet \"Elmätarens placering\" heter nu \"Mätarens plats\"."
                ),
                (
                    ChoicesChanged,
                    Some("fuse_change"),
                    field,
                    "Säkringsändring: valen för \"Mätarens plats\" ändras: tillagt \"D\"; \
                     borttaget \"C\"; \"A\" heter nu \"Ä\"."
                ),
                (
                    FieldChanged,
                    Some("fuse_change"),
                    field,
                    "Säkringsändring: \"Mätarens plats\" ändras: hjälptext."
                ),
            ]
        );
    }

    #[test]
    fn offers_network_areas_and_settings_that_go_and_come() {
        let smaller = oresundskraft_version(2, |text| {
            // Its rule for microproduction goes with the installation type.
            let start = text.find("# Mikroproduktion").unwrap();
            let end = start + text[start..].find("\n\n").unwrap() + 2;
            let text = format!("{}{}", &text[..start], &text[end..]);
            edited(
                &text,
                &[
                    ("\n[[installation_type]]\nid = \"extension\"\n", ""),
                    (
                        "id = \"fuse_change\"\n",
                        "id = \"fuse_change\"\njob_types = [\"increase_main_fuse\", \
                         \"same_fuse_range\"]\n",
                    ),
                    ("\n[[network_area]]\nid = \"hoganas\"\nname = \"Höganäs\"\n", ""),
                    ("name = \"Ängelholm\"", "name = \"Ängelholm C\""),
                    ("case_number_prefix = \"ÖK\"", "case_number_prefix = \"ÖRK\""),
                ],
            )
        });
        let shipped = Definitions::builtin();
        assert_eq!(
            listed(&changes(shipped, &smaller, "oresundskraft")),
            [
                (SettingChanged, None, None, "Nätområdet Ängelholm heter nu Ängelholm C."),
                (
                    NetworkAreaRemoved,
                    None,
                    None,
                    "Nätområdet Höganäs tas bort: nya anmälningar kan inte göras där och utkast \
                     där kan inte skickas."
                ),
                (
                    SettingChanged,
                    None,
                    None,
                    "Nya ärendenummer börjar med ÖRK i stället för ÖK (befintliga ärenden behåller \
                     sina nummer)."
                ),
                (
                    JobTypeRemoved,
                    Some("fuse_change"),
                    None,
                    "Säkringsändring: jobbtypen \"Sänkning av huvudsäkring\" erbjuds inte längre."
                ),
                (
                    InstallationTypeRemoved,
                    Some("extension"),
                    None,
                    "Utökning erbjuds inte längre: nya anmälningar kan inte göras och utkast kan \
                     inte skickas."
                ),
            ]
        );
        // Publishing the older version again (a rollback) names the way back.
        let back = changes(&smaller, shipped, "oresundskraft");
        assert_eq!(
            back.iter().map(|c| c.kind).collect::<Vec<_>>(),
            [NetworkAreaAdded, SettingChanged, SettingChanged, JobTypeAdded, InstallationTypeAdded]
        );
        assert_eq!(back[0].text, "Nytt nätområde: Höganäs.");
        assert_eq!(back[4].text, "Ny installationstyp: Utökning.");
    }

    #[test]
    fn the_companys_settings_are_named_with_their_values() {
        let new = oresundskraft_version(2, |text| {
            let text = edited(
                text,
                &[
                    ("name = \"Öresundskraft\"", "name = \"Öresundskraft Nät\""),
                    ("[\"735999100\"]", "[\"735999100\", \"735999199\"]"),
                    ("inbox_email = \"anmalningar@oresundskraft.example\"\n", ""),
                ],
            );
            format!(
                "{text}\n[lookup_limits]\nper_user_per_day = 200\nper_firm_per_day = 1000\n\n\
                 [retention]\ndrafts_days = 60\n"
            )
        });
        let texts: Vec<String> = changes(Definitions::builtin(), &new, "oresundskraft")
            .into_iter()
            .map(|c| c.text)
            .collect();
        assert_eq!(
            texts,
            [
                "Nätbolagets namn ändras från \"Öresundskraft\" till \"Öresundskraft Nät\".",
                "Prefixen i anläggnings-ID ändras från 735999100 till 735999100, 735999199.",
                "E-post om anmälningar och meddelanden går till ingen adress i stället för \
                 anmalningar@oresundskraft.example.",
                "Gränserna för Hämta anl-data ändras: 400 blir 200 per användare och dygn, 2000 \
                 blir 1000 per installationsföretag och dygn.",
                "Hur länge personuppgifter sparas ändras: utkast som aldrig skickats 90 blir 60 \
                 dagar.",
            ]
        );
    }
}
