//! The static site: HTML pages, fingerprinted CSS and JS, and the per-form JSON Schemas, rendered
//! from the form definitions. Same definitions in, same bytes out.

use std::collections::BTreeMap;
use std::path::Path;

use forms::definitions::FieldKind;
use forms::{Catalog, Definitions, Form};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use serde::Serialize;
use sha2::{Digest, Sha256};

const TEMPLATES: [(&str, &str); 5] = [
    ("layout.html", include_str!("../templates/layout.html")),
    ("cases.html", include_str!("../templates/cases.html")),
    ("new_case.html", include_str!("../templates/new_case.html")),
    ("case.html", include_str!("../templates/case.html")),
    ("sign_in.html", include_str!("../templates/sign_in.html")),
];
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE_CSS: &str = include_str!("../assets/style.css");

/// How people sign in, fixed at build time.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum SignIn {
    /// Choose a demo user of `handler serve`.
    Local,
    /// OpenID Connect authorization code flow with PKCE (Amazon Cognito).
    Oidc { authority: String, client_id: String },
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("template {0}")]
    Template(#[from] minijinja::Error),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

/// The built site: path relative to the site root -> content.
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Site {
    /// Writes every file under `out`, replacing what was there.
    pub fn write_to(&self, out: &Path) -> Result<(), BuildError> {
        let fail =
            |path: &Path, source| BuildError::Write { path: path.display().to_string(), source };
        if out.exists() {
            std::fs::remove_dir_all(out).map_err(|e| fail(out, e))?;
        }
        for (rel, bytes) in &self.files {
            let path = out.join(rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
            }
            std::fs::write(&path, bytes).map_err(|e| fail(&path, e))?;
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct Assets {
    css: String,
    js: String,
}

/// `name.<first 10 hex digits of SHA-256>.ext`, so a changed file gets a new name and the old one
/// can be cached forever.
fn fingerprint(name: &str, ext: &str, content: &str) -> String {
    let hash = Sha256::digest(content.as_bytes());
    let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("{name}.{hex}.{ext}")
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
    max_length: u32,
    input_type: &'static str,
    inputmode: Option<&'static str>,
    pattern: Option<String>,
    min: Option<i64>,
    max: Option<i64>,
    unit: Option<String>,
    choices: Vec<forms::definitions::Choice>,
}

#[derive(Serialize)]
struct PageSection {
    id: String,
    title: String,
    fields: Vec<PageField>,
}

fn page_sections(form: &Form) -> Vec<PageSection> {
    form.sections()
        .into_iter()
        .map(|(section, fields)| PageSection {
            id: section.id.clone(),
            title: section.title.clone(),
            fields: fields
                .iter()
                .map(|f| {
                    let field = f.field;
                    let (input_type, inputmode) = match field.kind {
                        FieldKind::Date => ("date", None),
                        FieldKind::Email => ("email", None),
                        FieldKind::Phone => ("tel", None),
                        FieldKind::Number | FieldKind::PostalCode | FieldKind::Gsrn => {
                            ("text", Some("numeric"))
                        }
                        _ => ("text", None),
                    };
                    PageField {
                        id: field.id.clone(),
                        key: field.id.replace('.', "-"),
                        label: field.label.clone(),
                        help: field.help.clone(),
                        kind: field.kind,
                        mandatory: f.mandatory,
                        max_length: field.max_length,
                        input_type,
                        inputmode,
                        pattern: form.pattern(field),
                        min: field.min,
                        max: field.max,
                        unit: field.unit.clone(),
                        choices: field.choices.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// "Kopiera från ägare" as `owner.x:payer.x,...`, for the fields this form has.
fn copy_map(form: &Form) -> String {
    let pairs: Vec<String> = form
        .definitions
        .copy_from_owner
        .iter()
        .filter(|(from, to)| form.field(from).is_some() && form.field(to).is_some())
        .map(|(from, to)| format!("{from}:{to}"))
        .collect();
    pairs.join(",")
}

/// The catalog as the pages' script reads it, to fill the "Ny anmälan" choices and name things.
fn forms_json(catalog: &Catalog) -> String {
    let json = serde_json::to_string(catalog).expect("the catalog serializes");
    // No `<` at all, so nothing in it can end the script element it is embedded in.
    json.replace('<', "\\u003c")
}

/// Renders the whole site.
pub fn build(defs: &Definitions, sign_in: &SignIn) -> Result<Site, BuildError> {
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
    let assets = Assets {
        css: fingerprint("style", "css", STYLE_CSS),
        js: fingerprint("app", "js", APP_JS),
    };
    let mut files = BTreeMap::new();
    files.insert(format!("assets/{}", assets.css), STYLE_CSS.as_bytes().to_vec());
    files.insert(format!("assets/{}", assets.js), APP_JS.as_bytes().to_vec());

    let catalog = defs.catalog();
    let forms_json = forms_json(&catalog);
    let auth = match sign_in {
        SignIn::Local => context! { mode => "local" },
        SignIn::Oidc { authority, client_id } => {
            context! { mode => "oidc", authority => authority, client_id => client_id }
        }
    };
    let base = context! { assets => Value::from(Serde(&assets)), auth => auth };
    let mut page =
        |path: String, template: &str, ctx: minijinja::Value| -> Result<(), BuildError> {
            let html = env.get_template(template)?.render(context! { ..ctx, ..base.clone() })?;
            files.insert(path, html.into_bytes());
            Ok(())
        };
    page("index.html".into(), "cases.html", context! { forms_json => &forms_json })?;
    page(
        "ny/index.html".into(),
        "new_case.html",
        context! { companies => Value::from(Serde(&catalog.companies)), forms_json => &forms_json },
    )?;
    page("logga-in/index.html".into(), "sign_in.html", context! {})?;
    for form in defs.forms() {
        let company = context! {
            id => &form.company.id,
            name => &form.company.name,
            gsrn_prefixes => &form.company.gsrn_prefixes,
        };
        let installation_type =
            context! { id => &form.installation_type.id, name => &form.installation_type.name };
        page(
            format!("anmalan/{}/{}/index.html", form.company.id, form.installation_type.id),
            "case.html",
            context! { company, installation_type, sections => Value::from(Serde(page_sections(&form))), copy_map => copy_map(&form) },
        )?;
    }
    for form in defs.forms() {
        let schema = serde_json::to_string_pretty(&form.json_schema()).expect("JSON") + "\n";
        files.insert(
            format!("schemas/{}/{}.json", form.company.id, form.installation_type.id),
            schema.into_bytes(),
        );
    }
    Ok(Site { files })
}
