//! The static site: HTML pages, fingerprinted CSS and JS, and the per-form JSON Schemas, rendered
//! from the form definitions. Same definitions in, same bytes out. As Zola's `components/site`:
//! `assets` (the scripts, bundles and styles `build.rs` made, the Content-Security-Policy),
//! `compression` (how `handler serve` compresses a file, feature `compress`), `pages` (what the
//! templates are given); here the builds (the whole site, one company's pages on a publish, a
//! draft's preview) and the written tree.

mod assets;
#[cfg(feature = "compress")]
mod compression;
mod pages;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use forms::definitions::FieldKind;
use forms::form::COMPLETION_SECTION;
use forms::{Definitions, Form};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

pub use assets::content_security_policy;
#[cfg(feature = "compress")]
pub use compression::{Encoding, compresses};

/// How people sign in, fixed at build time.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum SignIn {
    /// Choose a demo user of `handler serve`.
    Local,
    /// OpenID Connect authorization code flow with PKCE (Amazon Cognito). With
    /// `identity_provider`, the sign-in page also offers "Logga in med BankID": straight to that
    /// provider of Cognito's (the stack's federation with a BankID broker, docs/deploy.md).
    Oidc { authority: String, client_id: String, identity_provider: Option<String> },
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("template {0}")]
    Template(#[from] minijinja::Error),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("the definitions have no company {0}")]
    UnknownCompany(String),
}

/// The built site: path relative to the site root -> content.
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Site {
    /// Makes `out` hold exactly the site: a file whose bytes are already there is left alone
    /// (a rebuild rewrites only what changed, and the same definitions change nothing), the
    /// others are written, and files the site no longer has are removed. Nothing is written
    /// compressed: CloudFront compresses for each browser itself, and `handler serve` on a
    /// file's first request (`Encoding`).
    pub fn write_to(&self, out: &Path) -> Result<(), BuildError> {
        let fail =
            |path: &Path, source| BuildError::Write { path: path.display().to_string(), source };
        let mut dirs: Vec<PathBuf> = self
            .files
            .keys()
            .filter_map(|rel| out.join(rel).parent().map(Path::to_path_buf))
            .collect();
        dirs.dedup();
        for dir in &dirs {
            std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
        }
        let files: Vec<(&String, &Vec<u8>)> = self.files.iter().collect();
        in_parallel(&files, |(rel, bytes)| {
            let path = out.join(rel);
            match std::fs::read(&path) {
                Ok(there) if &there == *bytes => Ok(()),
                _ => std::fs::write(&path, bytes).map_err(|e| fail(&path, e)),
            }
        })?;
        let keep = self.files.keys().cloned().collect();
        remove_others(out, out, &keep).map_err(|e| fail(out, e))
    }
}

/// Removes the files below `dir` that are not in `keep` (paths relative to `root`), and the
/// folders that leaves empty.
fn remove_others(root: &Path, dir: &Path, keep: &BTreeSet<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            remove_others(root, &path, keep)?;
            if std::fs::read_dir(&path)?.next().is_none() {
                std::fs::remove_dir(&path)?;
            }
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>();
            if !keep.contains(&rel.join("/")) {
                std::fs::remove_file(&path)?;
            }
        }
    }
    Ok(())
}

/// `work` for every item, spread over the machine's cores in contiguous chunks, each item's
/// result in the items' order; the first failure is the answer.
fn in_parallel<T: Sync, R: Send, E: Send>(
    items: &[T],
    work: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|chunk| scope.spawn(|| chunk.iter().map(&work).collect::<Result<Vec<R>, E>>()))
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for worker in workers {
            all.extend(worker.join().expect("a build thread panicked")?);
        }
        Ok(all)
    })
}

/// The definitions in the folder `dir` (`base.toml`, `installation_types.toml`,
/// `companies/*.toml`), parsed and checked; every problem named by file, line and column.
#[cfg(feature = "cli")]
pub fn definitions_from(dir: &Path) -> Result<Definitions, forms::definitions::DefinitionErrors> {
    let root = dir.display().to_string();
    let files = definition_files::read(dir).map_err(|e| {
        forms::definitions::DefinitionErrors::single(
            e.path.display().to_string(),
            format!("cannot be read: {}", e.source),
        )
    })?;
    let sources: Vec<forms::definitions::Source> =
        files.into_iter().map(|(path, text)| forms::definitions::Source { path, text }).collect();
    Definitions::parse(&root, &sources)
}

/// What every page is rendered with: the templates, the assets' names, the sign-in and the case
/// page's words.
struct Renderer {
    env: minijinja::Environment<'static>,
    base: Value,
    case_words: Value,
    case_words_json: String,
}

/// A draft version's preview, as its case pages say it (`preview` in the templates).
#[derive(Serialize)]
struct Preview<'a> {
    version: u32,
    /// Where the preview's script has the fields checked by the draft.
    check_url: String,
    /// The job type the tried case has: the installation type's first.
    #[serde(skip_serializing_if = "Option::is_none")]
    job_type: Option<&'a str>,
}

impl Renderer {
    fn new(sign_in: &SignIn) -> Result<Self, BuildError> {
        let auth = match sign_in {
            SignIn::Local => context! { mode => "local" },
            SignIn::Oidc { authority, client_id, identity_provider } => context! {
                mode => "oidc",
                authority => authority,
                client_id => client_id,
                identity_provider => identity_provider,
            },
        };
        // The case page's words: in its template, and as data for its script.
        let case_words = forms::words::case_words();
        Ok(Renderer {
            env: pages::environment()?,
            base: context! {
                assets => Value::from(Serde(assets::Assets::new())),
                auth => auth,
                early_case_request => assets::early_case_request(),
            },
            case_words: Value::from(Serde(&case_words)),
            case_words_json: pages::json_data(&case_words),
        })
    }

    /// A page: `template` rendered as the page `name`, which runs the bundle `script`.
    fn page(
        &self,
        template: &str,
        name: &str,
        script: &str,
        ctx: Value,
    ) -> Result<Vec<u8>, BuildError> {
        pages::render_page(&self.env, &self.base, template, name, script, ctx)
    }

    /// A form's case page, as version `version` of its company's definitions; with `preview`,
    /// as that draft's preview.
    fn case_page(
        &self,
        form: &Form,
        version: u32,
        preview: Option<&Preview>,
    ) -> Result<Vec<u8>, BuildError> {
        let company = context! {
            id => &form.company.id,
            name => &form.company.name,
            gsrn_prefixes => &form.company.gsrn_prefixes,
        };
        let installation_type =
            context! { id => &form.installation_type.id, name => &form.installation_type.name };
        let (completion, sections): (Vec<pages::PageSection>, Vec<pages::PageSection>) =
            pages::page_sections(form).into_iter().partition(|s| s.id == COMPLETION_SECTION);
        let files = form.fields.iter().any(|f| f.field.is_file());
        let groups = form
            .fields
            .iter()
            .any(|f| matches!(f.field.kind, FieldKind::Group | FieldKind::Computed));
        // Only the forms that have them load the scripts for groups, and for Bilagor (later, by
        // `data-files`; never a preview's, which stores no file).
        let script = match (groups, preview.is_some()) {
            (true, false) => "case-groups",
            (true, true) => "case-groups-preview",
            (false, false) => "case",
            (false, true) => "case-preview",
        };
        let files = files && preview.is_none();
        let ctx = context! {
            company,
            installation_type,
            sections => Value::from(Serde(sections)),
            completion => Value::from(Serde(completion.into_iter().next())),
            copy_map => pages::copy_map(form),
            words => &self.case_words,
            words_json => &self.case_words_json,
            definitions_version => version,
            files,
        };
        let ctx = match preview {
            // Only a preview's page has `preview` (the templates ask `preview is defined`).
            Some(preview) => context! { preview => Value::from(Serde(preview)), ..ctx },
            None => ctx,
        };
        self.page("case.html", "case", script, ctx)
    }

    /// The case pages of `forms` as version `version`, over the machine's cores.
    fn case_pages(&self, forms: &[Form], version: u32) -> Result<Vec<Vec<u8>>, BuildError> {
        in_parallel(forms, |form| self.case_page(form, version, None))
    }
}

/// A form's JSON Schema as the site has it.
fn schema(form: &Form) -> Vec<u8> {
    let mut schema = serde_json::to_vec_pretty(&form.json_schema()).expect("JSON");
    schema.push(b'\n');
    schema
}

/// Where a form's case page is: `anmalan/<company>/<installation type>/`, and a version's own
/// `v<N>/` below it.
fn case_page_path(form: &Form, version: Option<u32>) -> String {
    let (company, installation_type) = (&form.company.id, &form.installation_type.id);
    match version {
        None => format!("anmalan/{company}/{installation_type}/index.html"),
        Some(n) => format!("anmalan/{company}/{installation_type}/v{n}/index.html"),
    }
}

fn schema_path(form: &Form) -> String {
    format!("schemas/{}/{}.json", form.company.id, form.installation_type.id)
}

/// The forms `company` offers in `defs`, and its version there.
fn company_forms<'d>(
    defs: &'d Definitions,
    company: &str,
) -> Result<(Vec<Form<'d>>, u32), BuildError> {
    let found = defs.company(company).ok_or_else(|| BuildError::UnknownCompany(company.into()))?;
    Ok((defs.forms().filter(|f| f.company.id == company).collect(), found.definitions_version))
}

/// Renders the whole site.
pub fn build(defs: &Definitions, sign_in: &SignIn) -> Result<Site, BuildError> {
    let renderer = Renderer::new(sign_in)?;
    let mut files = BTreeMap::new();
    assets::write(&mut files);

    let inbox_statuses: Vec<_> = forms::words::inbox_statuses()
        .into_iter()
        .map(|s| context! { id => s.as_str(), label => s.label() })
        .collect();
    // The pages that list companies (Mina ärenden, Inkorg, Ny anmälan) have them from the API
    // (`GET /api/v1/forms`), so a publish changes none of them.
    let pages = [
        ("index.html", "cases.html", "cases", "lists", context! {}),
        ("inkorg/index.html", "inbox.html", "inbox", "lists", context! { inbox_statuses }),
        (
            "uppslag/index.html",
            "audit.html",
            "audit",
            "audit",
            context! { words_json => pages::json_data(&forms::words::audit_words()) },
        ),
        (
            "handlaggningstider/index.html",
            "handling_times.html",
            "handling-times",
            "handling-times",
            context! {},
        ),
        (
            "kunduppgifter/index.html",
            "subject.html",
            "subject",
            "subject",
            context! { words_json => pages::json_data(&pages::identity_sections(defs)) },
        ),
        ("ny/index.html", "new_case.html", "new-case", "new-case", context! {}),
        ("foretag/index.html", "firm.html", "firm", "firm", context! {}),
        ("formular/index.html", "formular.html", "formular", "formular", context! {}),
        ("webhooks/index.html", "webhooks.html", "webhooks", "webhooks", context! {}),
        ("logga-in/index.html", "sign_in.html", "sign-in", "sign-in", context! {}),
        // A customer link's page (Kundlänk): the token after `#`.
        ("kund/index.html", "customer.html", "customer", "customer", context! {}),
    ];
    for (path, template, name, script, ctx) in pages {
        files.insert(path.into(), renderer.page(template, name, script, ctx)?);
    }
    // Each form's page (as the version of its company these definitions are) and schema: most
    // of the work, spread over the cores.
    let forms: Vec<Form> = defs.forms().collect();
    let rendered = in_parallel(&forms, |form| {
        let html = renderer.case_page(form, form.company.definitions_version, None)?;
        Ok::<_, BuildError>((html, schema(form)))
    })?;
    for (form, (html, schema)) in forms.iter().zip(rendered) {
        files.insert(case_page_path(form, None), html);
        files.insert(schema_path(form), schema);
    }
    Ok(Site { files })
}

/// The pages of one company after a publish, to replace its `anmalan/<company>/` and
/// `schemas/<company>/` (the other pages list companies from the API and need no rebuild):
/// from `published`, each form's case page and schema, and the same page as that version's own
/// (`v<N>/`); from each of `older` (the versions published before, and 1), its version's own
/// pages, where a case made with it is shown.
pub fn company_pages(
    published: &Definitions,
    older: &[&Definitions],
    company: &str,
    sign_in: &SignIn,
) -> Result<Site, BuildError> {
    let renderer = Renderer::new(sign_in)?;
    let mut files = BTreeMap::new();
    let (forms, version) = company_forms(published, company)?;
    for (form, html) in forms.iter().zip(renderer.case_pages(&forms, version)?) {
        files.insert(case_page_path(form, Some(version)), html.clone());
        files.insert(case_page_path(form, None), html);
        files.insert(schema_path(form), schema(form));
    }
    for defs in older {
        let (forms, n) = company_forms(defs, company)?;
        if n == version {
            continue;
        }
        for (form, html) in forms.iter().zip(renderer.case_pages(&forms, n)?) {
            files.insert(case_page_path(form, Some(n)), html);
        }
    }
    Ok(Site { files })
}

/// The preview of version `version` of `company`'s definitions (a draft, in `defs`), served
/// below `base` (ending in `/`): `index.html`, a link to each installation type's page, and
/// `<type>/index.html`, the case page as that version renders it, with a banner saying it is a
/// preview and a script that has the fields checked at `<base>check` instead of storing them.
pub fn preview_pages(
    defs: &Definitions,
    company: &str,
    version: u32,
    base: &str,
    sign_in: &SignIn,
) -> Result<Site, BuildError> {
    let renderer = Renderer::new(sign_in)?;
    let (forms, _) = company_forms(defs, company)?;
    let check_url = format!("{base}check");
    let mut files = BTreeMap::new();
    for form in &forms {
        let offer = form.company.offer(&form.installation_type.id);
        let preview = Preview {
            version,
            check_url: check_url.clone(),
            job_type: offer.and_then(|o| o.job_types.first()).map(String::as_str),
        };
        let html = renderer.case_page(form, version, Some(&preview))?;
        files.insert(format!("{}/index.html", form.installation_type.id), html);
    }
    let types: Vec<Value> = forms
        .iter()
        .map(|f| {
            let t = f.installation_type;
            context! { id => &t.id, name => &t.name, href => format!("{base}{}/", t.id) }
        })
        .collect();
    let company = defs.company(company).expect("company_forms found it");
    let ctx = context! {
        company => context! { id => &company.id, name => &company.name },
        preview => context! { version, check_url },
        types,
    };
    files.insert("index.html".into(), renderer.page("preview.html", "preview", "preview", ctx)?);
    Ok(Site { files })
}
