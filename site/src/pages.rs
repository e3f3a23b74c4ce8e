//! What the templates are given: the pages, each form's sections and fields as the case page
//! shows them, and the data blocks the pages' scripts read.

use std::collections::BTreeMap;

use forms::definitions::{Computation, Field, FieldKind, VisibleWhen};
use forms::{Definitions, Form};
use minijinja::{Environment, UndefinedBehavior, Value, context};
use serde::Serialize;

use crate::BuildError;

const TEMPLATES: [(&str, &str); 15] = [
    ("layout.html", include_str!("../templates/layout.html")),
    ("cases.html", include_str!("../templates/cases.html")),
    ("inbox.html", include_str!("../templates/inbox.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("handling_times.html", include_str!("../templates/handling_times.html")),
    ("period.html", include_str!("../templates/period.html")),
    ("subject.html", include_str!("../templates/subject.html")),
    ("firm.html", include_str!("../templates/firm.html")),
    ("new_case.html", include_str!("../templates/new_case.html")),
    ("case.html", include_str!("../templates/case.html")),
    ("sign_in.html", include_str!("../templates/sign_in.html")),
    ("formular.html", include_str!("../templates/formular.html")),
    ("webhooks.html", include_str!("../templates/webhooks.html")),
    ("preview.html", include_str!("../templates/preview.html")),
    ("customer.html", include_str!("../templates/customer.html")),
];

/// The templates, loaded; blocks trimmed as in Jinja's `trim_blocks` and `lstrip_blocks`.
pub(crate) fn environment() -> Result<Environment<'static>, BuildError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("a valid syntax"),
    );
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// One field as the case page template needs it.
#[derive(Serialize)]
struct PageField {
    id: String,
    /// HTML id: the field id with `-` for `.`.
    key: String,
    label: String,
    help: Option<String>,
    #[serde(rename = "type")]
    kind: FieldKind,
    mandatory: bool,
    /// Shown only when this holds (`visible_when`).
    when: Option<PageCondition>,
    max_length: u32,
    input_type: &'static str,
    inputmode: Option<&'static str>,
    pattern: Option<String>,
    min: Option<i64>,
    max: Option<i64>,
    /// For a number: how many decimals it may have (0: an integer).
    decimals: u32,
    unit: Option<String>,
    /// The job types it appears in, space-separated; `None`: every one.
    job_types: Option<String>,
    /// For a group: its items' fields, each with `%n` where the item's number goes.
    group: Option<PageGroup>,
    /// For a computed value: how the page works it out while the items change.
    computed: Option<PageComputed>,
    choices: Vec<forms::definitions::Choice>,
    /// For a file field: what it takes, for people ("PDF, JPEG eller PNG, högst 10 MB") and for
    /// the file picker (`.pdf,.jpg,...`).
    files: Option<String>,
    accept: Option<String>,
}

#[derive(Serialize)]
struct PageGroup {
    item_label: String,
    max_items: u32,
    items: Vec<PageField>,
}

/// A computation as the page's script reads it: `sum`, `max`, `count` or `product`, of the
/// fields (`of`, space-separated ids) or of a group's `item`.
#[derive(Serialize)]
struct PageComputed {
    op: &'static str,
    of: String,
    item: Option<String>,
}

impl From<&Computation> for PageComputed {
    fn from(c: &Computation) -> Self {
        let (op, of, item) = match c {
            Computation::Sum { group, item } => ("sum", group.clone(), Some(item.clone())),
            Computation::Max { group, item } => ("max", group.clone(), Some(item.clone())),
            Computation::Count { group } => ("count", group.clone(), None),
            Computation::Product(a, b) => ("product", format!("{a} {b}"), None),
        };
        PageComputed { op, of, item }
    }
}

/// The file picker's `accept` for `types`: their extensions (a hint only; the server judges the
/// content).
fn accept_attribute(types: &[forms::FileType]) -> String {
    let extensions: Vec<&str> = types
        .iter()
        .map(|t| match t {
            forms::FileType::Pdf => ".pdf",
            forms::FileType::Jpeg => ".jpg,.jpeg",
            forms::FileType::Png => ".png",
        })
        .collect();
    extensions.join(",")
}

#[derive(Serialize)]
pub(crate) struct PageSection {
    pub(crate) id: String,
    title: String,
    when: Option<PageCondition>,
    /// Set when every field has job types: the section appears only in those.
    job_types: Option<String>,
    fields: Vec<PageField>,
}

/// A `visible_when` as the page's script reads it: the HTML id of the choice or computed value,
/// and its value or bounds.
#[derive(Serialize)]
struct PageCondition {
    key: String,
    equals: Option<String>,
    at_least: Option<String>,
    at_most: Option<String>,
}

impl From<&VisibleWhen> for PageCondition {
    fn from(when: &VisibleWhen) -> Self {
        PageCondition {
            key: html_id(&when.field),
            equals: when.equals.clone(),
            at_least: when.at_least.map(|n| n.to_string()),
            at_most: when.at_most.map(|n| n.to_string()),
        }
    }
}

/// A field's HTML id: its id with `-` for `.`.
fn html_id(field: &str) -> String {
    field.replace('.', "-")
}

pub(crate) fn page_sections(form: &Form) -> Vec<PageSection> {
    form.sections()
        .into_iter()
        .map(|(section, fields)| {
            let jobs: Option<Vec<&String>> = fields
                .iter()
                .map(|f| f.field.job_types.as_ref())
                .try_fold(Vec::new(), |mut all, jobs| {
                    all.extend(jobs?);
                    Some(all)
                });
            PageSection {
                id: section.id.clone(),
                title: section.title.clone(),
                when: section.visible_when.as_ref().map(PageCondition::from),
                job_types: jobs.map(|mut jobs| {
                    jobs.sort();
                    jobs.dedup();
                    jobs.iter().map(|j| j.as_str()).collect::<Vec<_>>().join(" ")
                }),
                fields: fields
                    .iter()
                    .map(|f| {
                        let key = html_id(&f.field.id);
                        let when = f.field.visible_when.as_ref().map(PageCondition::from);
                        page_field(form, f.field, f.field.id.clone(), key, f.mandatory, when)
                    })
                    .collect(),
            }
        })
        .collect()
}

/// One field of the page: `id` its name, `key` its HTML id (an item's with `%n`).
fn page_field(
    form: &Form,
    field: &Field,
    id: String,
    key: String,
    mandatory: bool,
    when: Option<PageCondition>,
) -> PageField {
    let (input_type, inputmode) = match field.kind {
        FieldKind::Date => ("date", None),
        FieldKind::Email => ("email", None),
        FieldKind::Phone => ("tel", None),
        FieldKind::Number | FieldKind::PostalCode | FieldKind::Gsrn => ("text", Some("numeric")),
        _ => ("text", None),
    };
    // An item's fields as `g[%n].x` with the HTML id `g-%n-x`; its condition names a field of
    // the same item.
    let group = field.group.as_ref().map(|g| PageGroup {
        item_label: g.item_label.clone(),
        max_items: g.max_items,
        items: g
            .items
            .iter()
            .map(|item| {
                let in_item = |x: &str| format!("{key}-%n-{x}");
                let when = item
                    .visible_when
                    .as_ref()
                    .map(|w| PageCondition { key: in_item(&w.field), ..PageCondition::from(w) });
                let id = format!("{}[%n].{}", field.id, item.id);
                page_field(form, item, id, in_item(&item.id), item.mandatory, when)
            })
            .collect(),
    });
    PageField {
        id,
        label: field.label.clone(),
        help: field.help.clone(),
        kind: field.kind,
        mandatory,
        when,
        max_length: field.max_length,
        input_type,
        inputmode,
        // The script checks these kinds by their own rules (check digits, real dates, ranges),
        // and the rest by the server's pattern.
        pattern: match field.kind {
            FieldKind::Gsrn | FieldKind::IdentityNumber | FieldKind::Date | FieldKind::Number => {
                None
            }
            _ => form.pattern(field),
        },
        min: field.min,
        max: field.max,
        decimals: field.decimals,
        unit: field.unit.clone(),
        job_types: field.job_types.as_ref().map(|j| j.join(" ")),
        group,
        computed: field.computed.as_ref().map(PageComputed::from),
        choices: field.choices.clone(),
        files: field.files.as_ref().map(|r| r.describe()),
        accept: field.files.as_ref().map(|r| accept_attribute(&r.accept)),
        key,
    }
}

/// "Kopiera från ägare" as `owner.x:payer.x,...`, for the fields this form has.
pub(crate) fn copy_map(form: &Form) -> String {
    let pairs: Vec<String> = form
        .definitions
        .copy_from_owner
        .iter()
        .filter(|(from, to)| form.field(from).is_some() && form.field(to).is_some())
        .map(|(from, to)| format!("{from}:{to}"))
        .collect();
    pairs.join(",")
}

/// Data as a page's script reads it from a `<script type="application/json">`.
pub(crate) fn json_data(data: &impl Serialize) -> String {
    let json = serde_json::to_string(data).expect("the data serializes");
    // No `<` at all, so nothing in it can end the script element it is embedded in.
    json.replace('<', "\\u003c")
}

/// The titles of the sections that hold an identity number, by id: where the "Kunduppgifter"
/// page says a number was found (the first form's title of a section id).
pub(crate) fn identity_sections(defs: &Definitions) -> BTreeMap<String, String> {
    let mut titles = BTreeMap::new();
    for form in defs.forms() {
        for (section, fields) in form.sections() {
            if fields.iter().any(|f| f.field.kind == FieldKind::IdentityNumber) {
                titles.entry(section.id.clone()).or_insert_with(|| section.title.clone());
            }
        }
    }
    titles
}

/// One page. Each page names itself (`<body data-page>`, the menu's current link) and its
/// script (a bundle); a page with a list of cases or lookups has the lists' stylesheet.
pub(crate) fn render_page(
    env: &Environment,
    base: &Value,
    template: &str,
    name: &str,
    script: &str,
    ctx: Value,
) -> Result<Vec<u8>, BuildError> {
    let lists = matches!(
        name,
        "cases"
            | "inbox"
            | "audit"
            | "handling-times"
            | "subject"
            | "formular"
            | "firm"
            | "webhooks"
    );
    let ctx = context! { ..context! { page => name, script => script, lists => lists }, ..ctx, ..base.clone() };
    Ok(env.get_template(template)?.render(ctx)?.into_bytes())
}
