//! The static site: HTML pages, fingerprinted CSS and JS, and the per-form JSON Schemas, rendered
//! from the form definitions. Same definitions in, same bytes out. As Zola's `components/site`:
//! `assets` (scripts, bundles, styles, the Content-Security-Policy), `compression` (the `.gz` and
//! `.br` beside each text file), `pages` (what the templates are given); here the build and the
//! written tree.

mod assets;
mod compression;
mod pages;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use forms::form::COMPLETION_SECTION;
use forms::{Definitions, Form};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

pub use assets::content_security_policy;
pub use compression::{Encoding, compresses};

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
    /// Makes `out` hold exactly the site: a file whose bytes are already there is left alone
    /// (a rebuild rewrites only what changed, and the same definitions change nothing), the
    /// others are written, and files the site no longer has are removed.
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
        let files = self.written();
        in_parallel(&files, |(rel, bytes)| {
            let path = out.join(rel);
            match std::fs::read(&path) {
                Ok(there) if &there == bytes => Ok(()),
                _ => std::fs::write(&path, bytes).map_err(|e| fail(&path, e)),
            }
        })?;
        let keep = files.into_iter().map(|(rel, _)| rel).collect();
        remove_others(out, out, &keep).map_err(|e| fail(out, e))
    }

    /// Every file as `write_to` writes it: the site's files, and beside each text file its
    /// `.gz` and `.br`, compressed over all cores.
    pub fn written(&self) -> Vec<(String, Vec<u8>)> {
        let text: Vec<(&String, Encoding)> = self
            .files
            .keys()
            .filter(|rel| compresses(rel))
            .flat_map(|rel| Encoding::ALL.map(|encoding| (rel, encoding)))
            .collect();
        let encoded = in_parallel(&text, |(rel, encoding)| {
            let path = format!("{rel}.{}", encoding.extension());
            Ok::<_, std::convert::Infallible>((path, encoding.encode(&self.files[*rel])))
        })
        .unwrap_or_else(|never| match never {});
        self.files.iter().map(|(rel, bytes)| (rel.clone(), bytes.clone())).chain(encoded).collect()
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

/// Renders the whole site.
pub fn build(defs: &Definitions, sign_in: &SignIn) -> Result<Site, BuildError> {
    let env = pages::environment()?;
    let mut files = BTreeMap::new();
    let assets = assets::write(&mut files);

    let catalog = defs.catalog();
    let forms_json = pages::json_data(&catalog);
    let inbox_statuses: Vec<_> = forms::words::inbox_statuses()
        .into_iter()
        .map(|s| context! { id => s.as_str(), label => s.label() })
        .collect();
    // The case page's words: in its template, and as data for its script.
    let case_words = forms::words::case_words();
    let case_words_json = pages::json_data(&case_words);
    let auth = match sign_in {
        SignIn::Local => context! { mode => "local" },
        SignIn::Oidc { authority, client_id } => {
            context! { mode => "oidc", authority => authority, client_id => client_id }
        }
    };
    let base = context! {
        assets => Value::from(Serde(&assets)),
        auth => auth,
        early_case_request => assets::early_case_request(),
    };
    let render = |template: &str, name: &str, script: &str, ctx: Value| {
        pages::render_page(&env, &base, template, name, script, ctx)
    };
    files.insert(
        "index.html".into(),
        render("cases.html", "cases", "lists", context! { forms_json => &forms_json })?,
    );
    files.insert(
        "inkorg/index.html".into(),
        render(
            "inbox.html",
            "inbox",
            "lists",
            context! { forms_json => &forms_json, inbox_statuses => inbox_statuses },
        )?,
    );
    files.insert(
        "uppslag/index.html".into(),
        render(
            "audit.html",
            "audit",
            "audit",
            context! { words_json => pages::json_data(&forms::words::audit_words()) },
        )?,
    );
    files.insert(
        "kunduppgifter/index.html".into(),
        render(
            "subject.html",
            "subject",
            "subject",
            context! { words_json => pages::json_data(&pages::identity_sections(defs)) },
        )?,
    );
    files.insert(
        "ny/index.html".into(),
        render(
            "new_case.html",
            "new-case",
            "new-case",
            context! { companies => Value::from(Serde(&catalog.companies)), forms_json => &forms_json },
        )?,
    );
    files.insert(
        "logga-in/index.html".into(),
        render("sign_in.html", "sign-in", "sign-in", context! {})?,
    );
    // Each form's page and schema: most of the work, spread over the cores.
    let forms: Vec<Form> = defs.forms().collect();
    let rendered = in_parallel(&forms, |form| {
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
        let html = render(
            "case.html",
            "case",
            if files { "case-files" } else { "case" },
            context! {
                company,
                installation_type,
                sections => Value::from(Serde(sections)),
                completion => Value::from(Serde(completion.into_iter().next())),
                copy_map => pages::copy_map(form),
                words => Value::from(Serde(&case_words)),
                words_json => &case_words_json,
            },
        )?;
        let schema = serde_json::to_vec_pretty(&form.json_schema()).expect("JSON");
        Ok::<_, BuildError>((html, schema))
    })?;
    for (form, (html, mut schema)) in forms.iter().zip(rendered) {
        let (company, installation_type) = (&form.company.id, &form.installation_type.id);
        files.insert(format!("anmalan/{company}/{installation_type}/index.html"), html);
        schema.push(b'\n');
        files.insert(format!("schemas/{company}/{installation_type}.json"), schema);
    }
    Ok(Site { files })
}
