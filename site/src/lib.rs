//! The static site: HTML pages, fingerprinted CSS and JS, and the per-form JSON Schemas, rendered
//! from the form definitions. Same definitions in, same bytes out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use forms::definitions::{FieldKind, VisibleWhen};
use forms::form::COMPLETION_SECTION;
use forms::{Definitions, Form};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use serde::Serialize;
use sha2::{Digest, Sha256};

const TEMPLATES: [(&str, &str); 8] = [
    ("layout.html", include_str!("../templates/layout.html")),
    ("cases.html", include_str!("../templates/cases.html")),
    ("inbox.html", include_str!("../templates/inbox.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("subject.html", include_str!("../templates/subject.html")),
    ("new_case.html", include_str!("../templates/new_case.html")),
    ("case.html", include_str!("../templates/case.html")),
    ("sign_in.html", include_str!("../templates/sign_in.html")),
];
/// The scripts: `common` (sign-in state, the API, the menu, small helpers), `paged` for the
/// lists that the server pages, and one per kind of page.
const SCRIPTS: [(&str, &str); 10] = [
    ("common", include_str!("../assets/common.js")),
    ("paged", include_str!("../assets/paged.js")),
    ("sign-in", include_str!("../assets/sign-in.js")),
    ("list", include_str!("../assets/list.js")),
    ("new-case", include_str!("../assets/new-case.js")),
    ("checks", include_str!("../assets/checks.js")),
    ("case", include_str!("../assets/case.js")),
    ("attachments", include_str!("../assets/attachments.js")),
    ("audit", include_str!("../assets/audit.js")),
    ("subject", include_str!("../assets/subject.js")),
];
/// What a page runs, as one file: `common`, then the scripts named here, in order. One request
/// per page, and the file can be `async`: the browser's own work when the page is parsed (such
/// as autofill looking at every form field, 90 ms on the slow phone) is done while the file is
/// still on its way, rather than after it as with `defer` (BENCHMARKS.md).
const BUNDLES: [(&str, &[&str]); 7] = [
    ("lists", &["paged", "list"]),
    ("audit", &["paged", "audit"]),
    ("subject", &["subject"]),
    ("new-case", &["new-case"]),
    ("sign-in", &["sign-in"]),
    ("case", &["checks", "case"]),
    // The case pages of forms with file fields (Bilagor).
    ("case-files", &["checks", "case", "attachments"]),
];

/// A bundle's source: its scripts, run once the page is parsed (the file is `async`, so it may
/// come before that).
fn bundle_source(scripts: &[&str]) -> String {
    let source = |name: &str| SCRIPTS.iter().find(|(n, _)| *n == name).expect("a script").1;
    let body: Vec<&str> =
        std::iter::once("common").chain(scripts.iter().copied()).map(source).collect();
    format!(
        "\"use strict\";\n((run) => (document.readyState === \"loading\" ? \
         addEventListener(\"DOMContentLoaded\", run) : run()))(() => {{\n{}}});\n",
        body.join("\n")
    )
}

/// The stylesheets: `style` on every page, `lists` on the pages with a list of cases or lookups.
const STYLES: [(&str, &str); 2] = [
    ("style", include_str!("../assets/style.css")),
    ("lists", include_str!("../assets/lists.css")),
];

/// The one inline script: at the top of the case page's head, it asks for the case before the
/// styles and scripts have come (a round trip sooner on a slow connection).
const EARLY_CASE_SOURCE: &str = include_str!("../assets/early-case.js");

/// The early case request as the case page has it, minified.
fn early_case_request() -> &'static str {
    static MINIFIED: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| minify_js("early-case", EARLY_CASE_SOURCE));
    &MINIFIED
}

/// The Content-Security-Policy the site is served with, by `handler serve` and by CloudFront
/// (`infra/template.yaml`, compared by a test). Scripts and styles come from the site only, with
/// one exception named by its SHA-256: the case page's early case request. So it needs no
/// `unsafe-inline`. `connect_to`: the origins the pages call besides their own, on AWS
/// Cognito's hosted sign-in (the token exchange) and the attachments bucket (uploads).
pub fn content_security_policy(connect_to: &[&str]) -> String {
    use base64::Engine;
    let early = Sha256::digest(early_case_request().as_bytes());
    let early = base64::engine::general_purpose::STANDARD.encode(early);
    let connect = std::iter::once("'self'").chain(connect_to.iter().copied());
    format!(
        "default-src 'self'; script-src 'self' 'sha256-{early}'; style-src 'self'; \
         img-src 'self' data:; connect-src {}; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'self'",
        connect.collect::<Vec<_>>().join(" ")
    )
}

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

/// How a text file is compressed for a browser that accepts it: beside the file when the site
/// is written (`path.gz`, `path.br`), and by `handler serve` on the file's first request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// gzip at level 9 (`gzip -9`).
    Gzip,
    /// brotli at quality 11 with a 64 KB window: 8 % smaller than quality 9 for the whole site,
    /// a quarter of its memory (5 against 22 MiB), at 2.5 times its time (1.0 against 0.4 s of
    /// one core; the case page alone 43 ms).
    Br,
}

impl Encoding {
    pub const ALL: [Encoding; 2] = [Encoding::Gzip, Encoding::Br];

    /// Its name in `Accept-Encoding` and `Content-Encoding`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Br => "br",
        }
    }

    /// The extension of the file written beside the original.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Gzip => "gz",
            Encoding::Br => "br",
        }
    }

    pub fn encode(self, bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        match self {
            Encoding::Gzip => {
                let mut gzip =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                gzip.write_all(bytes).expect("writing to memory");
                gzip.finish().expect("writing to memory")
            }
            Encoding::Br => {
                // A window of 64 KB (`lgwin` 16) holds any file of the site whole; the default
                // 4 MB window only costs memory, and made quality 11 ten times slower.
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 11,
                    lgwin: 16,
                    ..Default::default()
                };
                let mut br = Vec::new();
                brotli::BrotliCompress(&mut &bytes[..], &mut br, &params)
                    .expect("writing to memory");
                br
            }
        }
    }
}

/// Whether a file is text that compresses: pages, stylesheets, scripts and schemas.
pub fn compresses(path: &str) -> bool {
    [".html", ".css", ".js", ".json"].iter().any(|ext| path.ends_with(ext))
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

#[derive(Serialize)]
struct Assets {
    /// Stylesheet name (`style`, `lists`) -> its fingerprinted file name.
    css: BTreeMap<&'static str, String>,
    /// Bundle name (`lists`, `case`, ...) -> its fingerprinted file name.
    js: BTreeMap<&'static str, String>,
}

/// `name.<first 10 hex digits of SHA-256>.ext`, so a changed file gets a new name and the old one
/// can be cached forever.
fn fingerprint(name: &str, ext: &str, content: &str) -> String {
    let hash = Sha256::digest(content.as_bytes());
    let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("{name}.{hex}.{ext}")
}

/// The script as it is sent: minified by oxc (whitespace and comments gone, local names
/// shortened, expressions folded), since a phone on a weak connection pays for every byte.
/// Parsed as a classic script, as the browser runs it.
fn minify_js(name: &str, source: &str) -> String {
    use oxc_allocator::Allocator;
    use oxc_codegen::{Codegen, CodegenOptions};
    use oxc_minifier::{Minifier, MinifierOptions};
    use oxc_parser::Parser;
    use oxc_span::SourceType;

    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, SourceType::script()).parse();
    // The scripts are part of this crate: a syntax error is caught by its tests.
    assert!(parsed.diagnostics.is_empty(), "assets/{name}.js: {:?}", parsed.diagnostics);
    let mut program = parsed.program;
    let minified = Minifier::new(MinifierOptions::default()).minify(&allocator, &mut program);
    Codegen::new()
        .with_options(CodegenOptions::minify())
        .with_scoping(minified.scoping)
        .build(&program)
        .code
}

/// The stylesheet as it is sent: without comments and line breaks.
fn minify_css(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n") + "\n"
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
    unit: Option<String>,
    choices: Vec<forms::definitions::Choice>,
    /// For a file field: what it takes, for people ("PDF, JPEG eller PNG, högst 10 MB") and for
    /// the file picker (`.pdf,.jpg,...`).
    files: Option<String>,
    accept: Option<String>,
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
struct PageSection {
    id: String,
    title: String,
    when: Option<PageCondition>,
    fields: Vec<PageField>,
}

/// A `visible_when` as the page's script reads it: the HTML id of the choice, and its value.
#[derive(Serialize)]
struct PageCondition {
    key: String,
    equals: String,
}

impl From<&VisibleWhen> for PageCondition {
    fn from(when: &VisibleWhen) -> Self {
        PageCondition { key: html_id(&when.field), equals: when.equals.clone() }
    }
}

/// A field's HTML id: its id with `-` for `.`.
fn html_id(field: &str) -> String {
    field.replace('.', "-")
}

fn page_sections(form: &Form) -> Vec<PageSection> {
    form.sections()
        .into_iter()
        .map(|(section, fields)| PageSection {
            id: section.id.clone(),
            title: section.title.clone(),
            when: section.visible_when.as_ref().map(PageCondition::from),
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
                        key: html_id(&field.id),
                        label: field.label.clone(),
                        help: field.help.clone(),
                        kind: field.kind,
                        mandatory: f.mandatory,
                        when: field.visible_when.as_ref().map(PageCondition::from),
                        max_length: field.max_length,
                        input_type,
                        inputmode,
                        // The script checks these kinds by their own rules (check digits,
                        // real dates, ranges), and the rest by the server's pattern.
                        pattern: match field.kind {
                            FieldKind::Gsrn
                            | FieldKind::IdentityNumber
                            | FieldKind::Date
                            | FieldKind::Number => None,
                            _ => form.pattern(field),
                        },
                        min: field.min,
                        max: field.max,
                        unit: field.unit.clone(),
                        choices: field.choices.clone(),
                        files: field.files.as_ref().map(|r| r.describe()),
                        accept: field.files.as_ref().map(|r| accept_attribute(&r.accept)),
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

/// Data as a page's script reads it from a `<script type="application/json">`.
fn json_data(data: &impl Serialize) -> String {
    let json = serde_json::to_string(data).expect("the data serializes");
    // No `<` at all, so nothing in it can end the script element it is embedded in.
    json.replace('<', "\\u003c")
}

/// The titles of the sections that hold an identity number, by id: where the "Kunduppgifter"
/// page says a number was found (the first form's title of a section id).
fn identity_sections(defs: &Definitions) -> BTreeMap<String, String> {
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

/// One page. Each page names itself (`<body data-page>`, the menu's current link) and its
/// script (a bundle); a page with a list of cases or lookups has the lists' stylesheet.
fn render_page(
    env: &Environment,
    base: &Value,
    template: &str,
    name: &str,
    script: &str,
    ctx: Value,
) -> Result<Vec<u8>, BuildError> {
    let lists = matches!(name, "cases" | "inbox" | "audit" | "subject");
    let ctx = context! { ..context! { page => name, script => script, lists => lists }, ..ctx, ..base.clone() };
    Ok(env.get_template(template)?.render(ctx)?.into_bytes())
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
    let mut files = BTreeMap::new();
    let mut css = BTreeMap::new();
    for (name, source) in STYLES {
        let style = minify_css(source);
        let file = fingerprint(name, "css", &style);
        files.insert(format!("assets/{file}"), style.into_bytes());
        css.insert(name, file);
    }
    let mut js = BTreeMap::new();
    for (name, scripts) in BUNDLES {
        let script = minify_js(name, &bundle_source(scripts));
        let file = fingerprint(name, "js", &script);
        files.insert(format!("assets/{file}"), script.into_bytes());
        js.insert(name, file);
    }
    let assets = Assets { css, js };

    let catalog = defs.catalog();
    let forms_json = json_data(&catalog);
    let inbox_statuses: Vec<_> = forms::words::inbox_statuses()
        .into_iter()
        .map(|s| context! { id => s.as_str(), label => s.label() })
        .collect();
    // The case page's words: in its template, and as data for its script.
    let case_words = forms::words::case_words();
    let case_words_json = json_data(&case_words);
    let auth = match sign_in {
        SignIn::Local => context! { mode => "local" },
        SignIn::Oidc { authority, client_id } => {
            context! { mode => "oidc", authority => authority, client_id => client_id }
        }
    };
    let base = context! {
        assets => Value::from(Serde(&assets)),
        auth => auth,
        early_case_request => early_case_request(),
    };
    let render = |template: &str, name: &str, script: &str, ctx: Value| {
        render_page(&env, &base, template, name, script, ctx)
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
            context! { words_json => json_data(&forms::words::audit_words()) },
        )?,
    );
    files.insert(
        "kunduppgifter/index.html".into(),
        render(
            "subject.html",
            "subject",
            "subject",
            context! { words_json => json_data(&identity_sections(defs)) },
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
        let (completion, sections): (Vec<PageSection>, Vec<PageSection>) =
            page_sections(form).into_iter().partition(|s| s.id == COMPLETION_SECTION);
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
                copy_map => copy_map(form),
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
