//! Every page with the stylesheets and scripts it loads fits in the first round trips of a new
//! connection: under 14 336 bytes gzipped (as `scripts/page-weight` measures the built site),
//! a draft's preview pages included, which only the handler serves.

use std::io::Write;

use forms::Definitions;
use site::{SignIn, Site};

const LIMIT: usize = 14_336;

fn gzipped(bytes: &[u8]) -> usize {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(bytes).unwrap();
    gzip.finish().unwrap().len()
}

/// The page's bytes gzipped, and those of each `/assets/` file it loads; not the case page's
/// actions (`data-actions`), which it loads only when they are first used, nor its Bilagor
/// (`data-files`) and its time per status (`data-times`), which it loads after it has run and
/// shows with the case.
fn weight(site: &Site, html: &[u8]) -> usize {
    let text = String::from_utf8_lossy(html);
    let assets = text
        .match_indices("=\"/assets/")
        .filter(|(at, _)| {
            !["data-actions", "data-files", "data-times"].iter().any(|a| text[..*at].ends_with(a))
        })
        .map(|(at, m)| &text[at + m.len()..])
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .map(|file| gzipped(&site.files[&format!("assets/{file}")]));
    gzipped(html) + assets.sum::<usize>()
}

#[test]
fn every_page_is_under_14_kb_gzipped_with_its_styles_and_script() {
    let defs = Definitions::builtin();
    let site = site::build(defs, &SignIn::Local).unwrap();
    let base = "/api/v1/previews/oresundskraft/2/0123456789abcdef0123456789abcdef/";
    let preview = site::preview_pages(defs, "oresundskraft", 2, base, &SignIn::Local).unwrap();
    let pages = site.files.iter().chain(&preview.files);
    let mut measured = 0;
    for (path, html) in pages.filter(|(p, _)| p.ends_with(".html")) {
        let total = weight(&site, html);
        assert!(total < LIMIT, "{path}: {total} bytes gzipped");
        measured += 1;
    }
    assert_eq!(measured, site.files.keys().filter(|p| p.ends_with(".html")).count() + 6);
}
