//! The scripts and stylesheets as they are sent: bundled, minified and named by their content;
//! and the Content-Security-Policy that allows exactly them.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The scripts: `common` (sign-in state, the API, the menu, small helpers), `paged` for the
/// lists that the server pages, and one per kind of page; the case page's in parts, one job each
/// (`case` creates `Elan.casePage`, which the parts after it share).
const SCRIPTS: [(&str, &str); 15] = [
    ("common", include_str!("../assets/common.js")),
    ("paged", include_str!("../assets/paged.js")),
    ("sign-in", include_str!("../assets/sign-in.js")),
    ("list", include_str!("../assets/list.js")),
    ("new-case", include_str!("../assets/new-case.js")),
    ("checks", include_str!("../assets/checks.js")),
    ("case-history", include_str!("../assets/case-history.js")),
    ("case-fields", include_str!("../assets/case-fields.js")),
    ("case", include_str!("../assets/case.js")),
    ("case-moves", include_str!("../assets/case-moves.js")),
    ("case-messages", include_str!("../assets/case-messages.js")),
    ("case-lookup", include_str!("../assets/case-lookup.js")),
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
    // The case page: the field checks and Händelser before the case (`case`), the parts that
    // share its `Elan.casePage` after it.
    (
        "case",
        &[
            "checks",
            "case-fields",
            "case-history",
            "case",
            "case-moves",
            "case-messages",
            "case-lookup",
        ],
    ),
    // The case pages of forms with file fields (Bilagor).
    (
        "case-files",
        &[
            "checks",
            "case-fields",
            "case-history",
            "case",
            "case-moves",
            "case-messages",
            "case-lookup",
            "attachments",
        ],
    ),
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
pub(crate) fn early_case_request() -> &'static str {
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

#[derive(Serialize)]
pub(crate) struct Assets {
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

/// Every stylesheet and bundle into `files` under `assets/`, minified and fingerprinted; the
/// names the pages link to.
pub(crate) fn write(files: &mut BTreeMap<String, Vec<u8>>) -> Assets {
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
    Assets { css, js }
}
