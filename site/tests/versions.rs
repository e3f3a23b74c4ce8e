//! The pages of one company's versions (after a publish) and of a draft's preview.

use forms::Definitions;
use forms::definitions::{Source, builtin_sources};
use site::{BuildError, SignIn, company_pages, preview_pages};

const COMPANY: &str = "oresundskraft";

/// Version `n` of Öresundskraft's file, `edit`ed, with the shipped base and installation types:
/// a `Definitions` with that one company, as the handler makes them.
fn version(n: u32, edit: impl Fn(&str) -> String) -> Definitions {
    let sources: Vec<Source> = builtin_sources()
        .into_iter()
        .filter(|s| {
            !s.path.starts_with("companies/") || s.path.ends_with(&format!("/{COMPANY}.toml"))
        })
        .map(|s| Source {
            text: if s.path.starts_with("companies/") { edit(&s.text) } else { s.text },
            ..s
        })
        .collect();
    let mut defs = Definitions::parse("forms/definitions", &sources).unwrap();
    assert_eq!(defs.companies.len(), 1);
    defs.companies[0].definitions_version = n;
    defs
}

/// Version 3: the owner's e-mail address mandatory, and no more Utökning.
fn version_3() -> Definitions {
    version(3, |text| {
        // Its rule for microproduction goes with the installation type.
        let start = text.find("# Mikroproduktion").unwrap();
        let end = start + text[start..].find("\n\n").unwrap() + 2;
        let text = format!("{}{}", &text[..start], &text[end..]);
        text.replace(
            "mandatory = [\"installation.meter_number\", \"owner.phone\"]",
            "mandatory = [\"installation.meter_number\", \"owner.phone\", \"owner.email\"]",
        )
        .replace("[[installation_type]]\nid = \"extension\"\n", "")
    })
}

fn text(site: &site::Site, path: &str) -> String {
    let bytes = site.files.get(path).unwrap_or_else(|| panic!("{path} missing"));
    String::from_utf8(bytes.clone()).unwrap()
}

/// The case form's `data-definitions-version`.
fn form_version(html: &str) -> &str {
    let form = &html[html.find("<form id=\"case-form\"").expect("a case form")..];
    let form = &form[..form.find('>').unwrap()];
    let value = &form[form.find("data-definitions-version=\"").expect("the attribute") + 26..];
    &value[..value.find('"').unwrap()]
}

fn owner_email_is_mandatory(html: &str) -> bool {
    let label = &html[html.find("<label for=\"owner-email\">").unwrap()..];
    label[..label.find("</label>").unwrap()].contains("(obligatoriskt)")
}

#[test]
fn company_pages_are_the_published_version_and_each_older_one_at_its_own_path() {
    let (v1, v3) = (version(1, str::to_string), version_3());
    let pages = company_pages(&v3, &[&v1], COMPANY, &SignIn::Local).unwrap();
    let mut expected = Vec::new();
    for t in
        ["service_change", "fuse_change", "existing_installation_work", "temporary_installation"]
    {
        expected.push(format!("anmalan/{COMPANY}/{t}/index.html"));
        expected.push(format!("anmalan/{COMPANY}/{t}/v3/index.html"));
        expected.push(format!("anmalan/{COMPANY}/{t}/v1/index.html"));
        expected.push(format!("schemas/{COMPANY}/{t}.json"));
    }
    // Utökning only as version 1 had it: a case made with it still has its page.
    expected.push(format!("anmalan/{COMPANY}/extension/v1/index.html"));
    expected.sort();
    assert_eq!(pages.files.keys().cloned().collect::<Vec<_>>(), expected);

    let page = |path: &str| text(&pages, &format!("anmalan/{COMPANY}/service_change/{path}"));
    let (canonical, own, older) =
        (page("index.html"), page("v3/index.html"), page("v1/index.html"));
    assert_eq!(canonical, own, "the canonical page is the published version's");
    assert_eq!(form_version(&canonical), "3");
    assert_eq!(form_version(&older), "1");
    assert!(owner_email_is_mandatory(&canonical));
    assert!(!owner_email_is_mandatory(&older), "version 1's page shows version 1's fields");
    let schema: serde_json::Value =
        serde_json::from_str(&text(&pages, &format!("schemas/{COMPANY}/service_change.json")))
            .unwrap();
    assert_eq!(schema, v3.form(COMPANY, "service_change").unwrap().json_schema());

    // The same rendering as the whole site's: built from the served definitions, the page is
    // byte for byte the one a publish writes.
    let built = site::build(&v3, &SignIn::Local).unwrap();
    assert_eq!(
        built.files[&format!("anmalan/{COMPANY}/service_change/index.html")],
        canonical.as_bytes()
    );
    assert_eq!(
        form_version(&text(&built, &format!("anmalan/{COMPANY}/fuse_change/index.html"))),
        "3"
    );

    // Rolled back to 1: the canonical page is version 1's again, and 3 keeps its own.
    let back = company_pages(&v1, &[&v3], COMPANY, &SignIn::Local).unwrap();
    let canonical = text(&back, &format!("anmalan/{COMPANY}/service_change/index.html"));
    assert_eq!(canonical, older);
    assert_eq!(text(&back, &format!("anmalan/{COMPANY}/service_change/v3/index.html")), own);
    assert!(back.files.contains_key(&format!("anmalan/{COMPANY}/extension/index.html")));

    assert!(matches!(
        company_pages(&v3, &[], "no_such_company", &SignIn::Local),
        Err(BuildError::UnknownCompany(c)) if c == "no_such_company"
    ));
}

#[test]
fn company_and_preview_pages_are_the_same_bytes_every_time() {
    let (v1, v3) = (version(1, str::to_string), version_3());
    let once = company_pages(&v3, &[&v1], COMPANY, &SignIn::Local).unwrap();
    let again = company_pages(&v3, &[&v1], COMPANY, &SignIn::Local).unwrap();
    assert_eq!(once.files, again.files);
    let base = "/api/v1/previews/oresundskraft/3/k/";
    let once = preview_pages(&v3, COMPANY, 3, base, &SignIn::Local).unwrap();
    let again = preview_pages(&v3, COMPANY, 3, base, &SignIn::Local).unwrap();
    assert_eq!(once.files, again.files);
}

/// The bundle a page runs: its name and content, from the whole site's assets.
fn script(site: &site::Site, html: &str) -> (String, String) {
    let src = &html[html.find("<script src=\"/assets/").expect("a script") + 21..];
    let file = &src[..src.find('"').unwrap()];
    let name = file.split('.').next().unwrap().to_string();
    (name, text(site, &format!("assets/{file}")))
}

#[test]
fn a_drafts_preview_has_an_index_and_each_case_page_with_its_banner_and_script() {
    let v3 = version_3();
    let base = "/api/v1/previews/oresundskraft/3/k3y/";
    let preview = preview_pages(&v3, COMPANY, 3, base, &SignIn::Local).unwrap();
    let types =
        ["existing_installation_work", "fuse_change", "service_change", "temporary_installation"];
    let mut expected: Vec<String> = types.iter().map(|t| format!("{t}/index.html")).collect();
    expected.insert(0, "index.html".into());
    expected.sort();
    assert_eq!(preview.files.keys().cloned().collect::<Vec<_>>(), expected);

    // minijinja writes `/` in attributes as `&#x2f;`, which the browser decodes.
    let index = text(&preview, "index.html").replace("&#x2f;", "/");
    assert!(index.contains("Förhandsgranskning av version 3"));
    assert!(index.contains("Öresundskraft"));
    for t in types {
        assert!(index.contains(&format!("href=\"{base}{t}/\"")), "{t}");
    }
    assert!(!index.contains("extension/"), "only the draft's installation types");

    let site = site::build(Definitions::builtin(), &SignIn::Local).unwrap();
    let case = text(&preview, "service_change/index.html").replace("&#x2f;", "/");
    assert!(case.contains("<div class=\"notice\" id=\"preview\""));
    assert!(case.contains("Förhandsgranskning av version 3 – inget skickas"));
    assert!(case.contains(&format!("data-check-url=\"{base}check\"")));
    assert!(case.contains("data-job-type=\"move_service\""), "the installation type's first");
    assert_eq!(form_version(&case), "3");
    assert!(owner_email_is_mandatory(&case), "the draft's fields");
    // The case bundle with the preview's script right after the common one, from the site's
    // assets (served beside the published pages); no Bilagor part, since a preview stores no
    // file.
    let (name, bundle) = script(&site, &case);
    assert_eq!(name, "case-preview");
    let at = |words: &str| bundle.find(words).unwrap_or_else(|| panic!("{name} has {words}"));
    let (common, preview_case, checks) = (
        at("Ingen kontakt med servern"),
        at("Det går inte i förhandsgranskningen."),
        at("Kontrollsiffran i "),
    );
    assert!(common < preview_case && preview_case < checks, "common, preview-case, then the case");
    assert!(!bundle.contains("Välj en fil först"), "no attachments part");

    let published = text(&site, "anmalan/oresundskraft/service_change/index.html");
    assert!(!published.contains("id=\"preview\""), "no banner on a published page");
    assert!(!script(&site, &published).1.contains("Det går inte i förhandsgranskningen."));

    let norr =
        preview_pages(Definitions::builtin(), "exempelnat_norr", 1, base, &SignIn::Local).unwrap();
    let (name, bundle) = script(&site, &text(&norr, "service_change/index.html"));
    assert_eq!(name, "case-preview", "a form without file fields");
    assert!(
        bundle.contains("Det går inte i förhandsgranskningen.")
            && !bundle.contains("Välj en fil först")
    );
    assert_eq!(script(&site, &text(&norr, "index.html")).0, "preview");

    assert!(matches!(
        preview_pages(&v3, "exempelnat_norr", 2, base, &SignIn::Local),
        Err(BuildError::UnknownCompany(_))
    ));
}
