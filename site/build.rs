//! The scripts and stylesheets as they are sent, made once when the crate is compiled: bundled,
//! minified (oxc) and named by their content. The library embeds the result (`assets.rs` in
//! `OUT_DIR`), so a binary that renders pages (the Lambda function on a publish) carries no
//! minifier and does no work for them at run time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The scripts, by name, each `assets/<name>.js`: `common` (sign-in state, the API, the menu,
/// small helpers), `paged` for the lists that the server pages, and one per kind of page; the
/// case page's in parts, one job each (`case` creates `Elan.casePage`, which the parts after it
/// share); `preview-case` stands in for the API on a draft's preview.
const SCRIPTS: [&str; 27] = [
    "common",
    "paged",
    "sign-in",
    "list",
    "new-case",
    "checks",
    "case-history",
    "case-fields",
    "case-groups",
    "case",
    "case-open",
    "case-send",
    "case-moves",
    "case-messages",
    "case-lookup",
    "case-print",
    "case-link",
    "case-times",
    "attachments",
    "audit",
    "handling-times",
    "subject",
    "firm",
    "preview-case",
    "formular",
    "webhooks",
    "customer",
];

/// The case page's scripts: the field checks and Händelser before the case (`case`).
const CASE: [&str; 4] = ["checks", "case-fields", "case-history", "case"];

/// The bundle that `case` loads only when someone first uses one of its controls: the parts
/// behind a dialog or a form of their own, which share `Elan.casePage`. Without `common`, which
/// the page has already; loaded on every page at once, the page would be over 14 KB gzipped.
const ON_FIRST_USE: &str = "case-actions";

/// Bilagor (`attachments`), which the case pages of forms with file fields load as soon as the
/// page runs, next to the case's request, and which show once the case is there: they are not
/// needed to draw the page, which stays under 14 KB gzipped without them. Without `common`.
const FILES: &str = "case-files";
/// Tid per status and an installer's queue (`case-times`), loaded like [`FILES`] on every real
/// case page. Without `common`.
const TIMES: &str = "case-times";
/// The customer link's page: it needs nothing of `common` (sign-in, menu, the API with a token).
const CUSTOMER: &str = "customer";

/// What a page runs, as one file: `common`, then the scripts named here, in order. One request
/// per page, and the file can be `async`: the browser's own work when the page is parsed (such
/// as autofill looking at every form field, 90 ms on the slow phone) is done while the file is
/// still on its way, rather than after it as with `defer` (BENCHMARKS.md).
fn bundles() -> Vec<(&'static str, Vec<&'static str>)> {
    let case = |before: &[&'static str], after: &[&'static str]| -> Vec<&'static str> {
        before.iter().chain(&CASE).chain(after).copied().collect()
    };
    // A draft's preview pages: `preview-case` right after `common`, so that it stands in for the
    // API before any other part calls it (the actions bundle too, which comes later).
    let preview = |before: &[&'static str], after: &[&'static str]| -> Vec<&'static str> {
        case(&[&["preview-case"], before].concat(), after)
    };
    vec![
        ("lists", vec!["paged", "list"]),
        ("audit", vec!["paged", "audit"]),
        ("handling-times", vec!["paged", "handling-times"]),
        ("subject", vec!["subject"]),
        ("firm", vec!["firm"]),
        ("new-case", vec!["checks", "new-case"]),
        ("sign-in", vec!["sign-in"]),
        ("formular", vec!["formular"]),
        ("webhooks", vec!["webhooks"]),
        // `case-open` only on the real case pages: a preview has no drafts from "Ny anmälan".
        ("case", case(&[], &["case-open"])),
        // Bilagor, for the case pages of forms with file fields ([`FILES`]).
        (FILES, vec!["attachments"]),
        // Tid per status and an installer's queue, on every real case page, loaded like Bilagor.
        (TIMES, vec!["case-times"]),
        // Of forms with repeatable groups or computed values: `case-groups` before `case`, which
        // takes it up.
        ("case-groups", case(&["case-groups"], &["case-open"])),
        // The preview's index, and its case pages.
        ("preview", vec![]),
        // Without Bilagor: a preview stores nothing, so it shows a file field's label and hint
        // but takes no file (and its forms with groups fit in 14 KB).
        ("case-preview", preview(&[], &[])),
        ("case-groups-preview", preview(&["case-groups"], &[])),
        (
            ON_FIRST_USE,
            vec![
                "case-send",
                "case-moves",
                "case-messages",
                "case-lookup",
                "case-link",
                "case-print",
            ],
        ),
        // The customer's page (Kundlänk): no sign-in, so not even `common`.
        (CUSTOMER, vec!["customer"]),
    ]
}

/// The stylesheets: `style` on every page, `lists` on the pages with a list.
const STYLES: [&str; 2] = ["style", "lists"];

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let assets = dir.join("assets");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=assets");
    let read = |name: &str| {
        let path = assets.join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };

    let mut code = String::from("// Made by build.rs from site/assets.\n");
    let mut styles = Vec::new();
    for name in STYLES {
        let style = minify_css(&read(&format!("{name}.css")));
        styles.push((name, embed(&out, &fingerprint(name, "css", &style), &style)));
    }
    let mut scripts = Vec::new();
    let sources: Vec<(&str, String)> =
        SCRIPTS.iter().map(|&name| (name, read(&format!("{name}.js")))).collect();
    for (name, parts) in bundles() {
        let common = ![ON_FIRST_USE, FILES, TIMES, CUSTOMER].contains(&name);
        let script = minify_js(name, &bundle_source(&sources, common, &parts));
        scripts.push((name, embed(&out, &fingerprint(name, "js", &script), &script)));
    }
    let early = minify_js("early-case", &read("early-case.js"));
    let early_file = embed(&out, "early-case.js", &early);
    table(&mut code, "STYLES", "The stylesheets", &styles);
    table(&mut code, "BUNDLES", "The scripts, one bundle a kind of page", &scripts);
    let (_, early_path) = &early_file;
    writeln!(
        code,
        "/// The case page's early case request, minified.\n\
         pub(crate) const EARLY_CASE_REQUEST: &str = include_str!({early_path:?});\n\
         /// Its SHA-256, as the Content-Security-Policy names it.\n\
         pub(crate) const EARLY_CASE_SHA256: &str = {:?};",
        sha256_base64(&early)
    )
    .expect("writing to a string");
    std::fs::write(out.join("assets.rs"), code).expect("OUT_DIR is writable");
}

/// `(name, (file name, path in OUT_DIR))` as two tables: `(name, file name)`, and the contents
/// in the same order, apart so that a binary that only links to the files (a publish's pages)
/// does not carry their bytes.
fn table(code: &mut String, name: &str, doc: &str, rows: &[(&str, (String, String))]) {
    let n = rows.len();
    writeln!(code, "/// {doc}: `(name, fingerprinted file name)`.").expect("a string");
    writeln!(code, "pub(crate) const {name}: [(&str, &str); {n}] = [").expect("a string");
    for (name, (file, _)) in rows {
        writeln!(code, "    ({name:?}, {file:?}),").expect("a string");
    }
    code.push_str("];\n");
    writeln!(code, "/// The content of each of `{name}`.").expect("a string");
    writeln!(code, "pub(crate) const {name}_CONTENT: [&str; {n}] = [").expect("a string");
    for (_, (_, path)) in rows {
        writeln!(code, "    include_str!({path:?}),").expect("a string");
    }
    code.push_str("];\n");
}

/// Writes `content` into `OUT_DIR` as `file`: its file name and its path there.
fn embed(out: &Path, file: &str, content: &str) -> (String, String) {
    let path = out.join(file);
    std::fs::write(&path, content).expect("OUT_DIR is writable");
    (file.to_string(), path.display().to_string())
}

/// A bundle's source: `common` (if `common`) and its scripts, run once the page is parsed (the
/// file is `async`, so it may come before that).
fn bundle_source(sources: &[(&str, String)], common: bool, scripts: &[&str]) -> String {
    let source = |name: &str| {
        sources.iter().find(|(n, _)| *n == name).map(|(_, s)| s.as_str()).expect("a script")
    };
    let body: Vec<&str> =
        common.then_some("common").into_iter().chain(scripts.iter().copied()).map(source).collect();
    format!(
        "\"use strict\";\n((run) => (document.readyState === \"loading\" ? \
         addEventListener(\"DOMContentLoaded\", run) : run()))(() => {{\n{}}});\n",
        body.join("\n")
    )
}

fn sha256_base64(content: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(content.as_bytes()))
}

/// `name.<first 10 hex digits of SHA-256>.ext`, so a changed file gets a new name and the old one
/// can be cached forever.
fn fingerprint(name: &str, ext: &str, content: &str) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(content.as_bytes());
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
    // A syntax error in a script stops the build, naming the bundle.
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
