//! Builds the whole site from the shipped definitions and checks what people get.

use base64::Engine;
use forms::Definitions;
use sha2::Digest;
use site::{SignIn, build};

fn page(site: &site::Site, path: &str) -> String {
    String::from_utf8(site.files.get(path).unwrap_or_else(|| panic!("{path} missing")).clone())
        .unwrap()
}

#[test]
fn two_builds_are_byte_identical_and_so_is_the_written_tree() {
    let defs = Definitions::builtin();
    let a = build(defs, &SignIn::Local).unwrap();
    let b = build(defs, &SignIn::Local).unwrap();
    assert_eq!(a.files, b.files);

    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    a.write_to(one.path()).unwrap();
    b.write_to(two.path()).unwrap();
    for (path, bytes) in &a.files {
        assert_eq!(&std::fs::read(two.path().join(path)).unwrap(), bytes, "{path}");
        assert_eq!(&std::fs::read(one.path().join(path)).unwrap(), bytes, "{path}");
    }
}

#[test]
fn every_form_has_a_page_and_a_schema_and_assets_are_fingerprinted() {
    let defs = Definitions::builtin();
    let site = build(defs, &SignIn::Local).unwrap();
    for form in defs.forms() {
        let (c, t) = (&form.company.id, &form.installation_type.id);
        assert!(site.files.contains_key(&format!("anmalan/{c}/{t}/index.html")));
        let schema: serde_json::Value =
            serde_json::from_slice(&site.files[&format!("schemas/{c}/{t}.json")]).unwrap();
        assert_eq!(schema, form.json_schema());
    }
    // The stylesheets (one for every page, one for the lists) and the scripts (one per kind of
    // page, each with the common script first; the case pages of forms with file fields have
    // their own, and so have a draft's preview pages; and the case pages' actions, loaded on
    // first use, and the customer link's page, without it), each named by its content.
    let assets: Vec<&String> = site.files.keys().filter(|k| k.starts_with("assets/")).collect();
    let names: Vec<&str> = assets.iter().map(|a| a.split('.').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "assets/audit",
            "assets/case-actions",
            "assets/case-files",
            "assets/case-groups-preview",
            "assets/case-groups",
            "assets/case-preview",
            "assets/case-times",
            "assets/case",
            "assets/customer",
            "assets/firm",
            "assets/formular",
            "assets/handling-times",
            "assets/lists",
            "assets/lists",
            "assets/new-case",
            "assets/preview",
            "assets/sign-in",
            "assets/style",
            "assets/subject",
            "assets/webhooks"
        ]
    );
    // The site's pages and the previews' (served by the handler, with the site's assets).
    let base = "/api/v1/previews/c/1/k/";
    let previews = ["oresundskraft", "exempelnat_norr"]
        .map(|c| site::preview_pages(defs, c, 1, base, &SignIn::Local).unwrap());
    let pages: Vec<String> = std::iter::once(&site)
        .chain(&previews)
        .flat_map(|s| s.files.iter().filter(|(k, _)| k.ends_with(".html")))
        .map(|(_, html)| String::from_utf8(html.clone()).unwrap())
        .collect();
    for asset in assets {
        let name = asset.trim_start_matches("assets/");
        let parts: Vec<&str> = name.split('.').collect();
        assert_eq!(parts.len(), 3, "{name}");
        assert_eq!(parts[1].len(), 10, "{name}");
        let used = pages.iter().filter(|html| html.contains(&format!("/assets/{name}"))).count();
        assert!(used > 0, "{name} is loaded by a page");
        if parts[0] == "style" {
            assert_eq!(used, pages.len(), "{name} is loaded by every page");
        }
    }
}

#[test]
fn each_page_loads_one_script_with_only_what_it_needs() {
    let site = build(Definitions::builtin(), &SignIn::Local).unwrap();
    let scripts = |path: &str| -> Vec<String> {
        page(&site, path)
            .split("<script src=\"/assets/")
            .skip(1)
            .map(|s| s.split('.').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(scripts("index.html"), ["lists"]);
    assert_eq!(scripts("inkorg/index.html"), ["lists"]);
    assert_eq!(scripts("uppslag/index.html"), ["audit"]);
    assert_eq!(scripts("handlaggningstider/index.html"), ["handling-times"]);
    assert_eq!(scripts("ny/index.html"), ["new-case"]);
    assert_eq!(scripts("logga-in/index.html"), ["sign-in"]);
    assert_eq!(scripts("formular/index.html"), ["formular"]);
    assert_eq!(scripts("foretag/index.html"), ["firm"]);
    // The attachments script only where a form has a file field (Öresundskraft's Bilagor), named
    // for the case script to load next to the case's request.
    let case = "anmalan/oresundskraft/service_change/index.html";
    assert_eq!(scripts(case), ["case"]);
    assert!(page(&site, case).contains(" data-files=\"/assets/case-files."));
    let without = "anmalan/exempelnat_norr/service_change/index.html";
    assert_eq!(scripts(without), ["case"]);
    assert!(!page(&site, without).contains("data-files"));
    // The groups' script only where a form has a group or a computed value (the inverters).
    assert_eq!(scripts("anmalan/oresundskraft/extension/index.html"), ["case-groups"]);
    // Each is the common script and the page's own, seen by words only they have.
    let script = |name: &str| {
        let (_, bytes) = site
            .files
            .iter()
            .find(|(path, _)| path.starts_with(&format!("assets/{name}.")) && path.ends_with(".js"))
            .unwrap();
        String::from_utf8(bytes.clone()).unwrap()
    };
    let (common, list, attachments, groups) = (
        "Ingen kontakt med servern",
        "Inga ärenden matchar sökningen",
        "Välj en fil först",
        "[data-group]",
    );
    for (name, has, lacks) in [
        ("lists", &[common, list][..], &[attachments, groups][..]),
        ("audit", &[common], &[list, attachments, groups]),
        ("new-case", &[common], &[list, attachments, groups]),
        ("sign-in", &[common], &[list, attachments, groups]),
        ("case", &[common], &[list, attachments, groups]),
        ("case-files", &[attachments], &[common, list, groups]),
        ("case-groups", &[common, groups], &[list, attachments]),
    ] {
        let script = script(name);
        assert!(has.iter().all(|w| script.contains(w)), "{name} has {has:?}");
        assert!(!lacks.iter().any(|w| script.contains(w)), "{name} lacks {lacks:?}");
    }
    // The lists' stylesheet only where there is a list.
    for (path, lists) in [
        ("index.html", true),
        ("inkorg/index.html", true),
        ("uppslag/index.html", true),
        ("handlaggningstider/index.html", true),
        ("formular/index.html", true),
        ("ny/index.html", false),
        ("logga-in/index.html", false),
        ("anmalan/oresundskraft/service_change/index.html", false),
    ] {
        assert_eq!(page(&site, path).contains("href=\"/assets/lists."), lists, "{path}");
    }
}

#[test]
fn sent_scripts_and_styles_have_no_comment_lines() {
    let site = build(Definitions::builtin(), &SignIn::Local).unwrap();
    for (path, bytes) in site.files.iter().filter(|(p, _)| p.starts_with("assets/")) {
        let text = String::from_utf8(bytes.clone()).unwrap();
        for line in text.lines() {
            assert!(!line.starts_with("//") && !line.starts_with("/*"), "{path}: {line}");
            assert_eq!(line, line.trim(), "{path}: indented");
        }
    }
}

#[test]
fn pages_use_the_manuals_words_and_no_inline_script_or_style() {
    let site = build(Definitions::builtin(), &SignIn::Local).unwrap();
    // Each control with exactly the manual's words as its label, legend or text.
    let new_case = page(&site, "ny/index.html");
    for control in [
        "<h1>Ny anmälan</h1>",
        "<label for=\"company\">Nätbolag</label>",
        "<label for=\"installation_type\">Installationstyp</label>",
        "<label for=\"job_type\">Jobbtyp</label>",
        "<legend>Anläggning</legend>",
        "<label for=\"network_area\">Nätområde</label>",
        "<button type=\"submit\" class=\"primary\">Skapa anmälan</button>",
    ] {
        assert!(new_case.contains(control), "{control}");
    }
    let case = page(&site, "anmalan/oresundskraft/service_change/index.html");
    for control in [
        "<button type=\"button\" id=\"open-lookup\">Hämta anl-data</button>",
        "<label for=\"lookup-meter\">Mätarnummer</label>",
        "<label for=\"lookup-ean\">Anläggnings-ID (EAN)</label>",
        "<legend>Skriv över fält i anmälan?</legend>",
        "value=\"yes\" checked> Ja</label>",
        "value=\"no\"> Nej</label>",
        "id=\"lookup-fetch\">Hämta data</button>",
        "id=\"lookup-apply\" hidden>Uppdatera och Stäng</button>",
        "<button type=\"button\" id=\"edit\">Redigera</button>",
        "<legend>Anläggning</legend>",
        "<legend>Fastighetsägare</legend>",
        "<legend>Betalningsansvarig</legend>",
        "id=\"copy-from-owner\"",
        ">Kopiera från ägare</button>",
        "<label for=\"installation-desired_meter_placement\">Önskad mätarplacering",
        "id=\"save\">Spara</button>",
        "id=\"confirm-ok\">OK</button>",
        "id=\"confirm-cancel\">Avbryt</button>",
    ] {
        assert!(case.contains(control), "{control}");
    }
    // The network company's and the case's later controls (docs/design.md, section 6.5).
    for control in [
        "data-action=\"approve\">Godkänn</button>",
        "data-action=\"return\">Åter för komplettering</button>",
        "data-action=\"reject\">Ej godkänd</button>",
        "data-action=\"close\">Avsluta</button>",
        "data-action=\"withdraw\">Makulera</button>",
        "<h2 id=\"completion-title\">Färdiganmälan</h2>",
        ">Skicka färdiganmälan</button>",
        "<h2 id=\"history-title\" tabindex=\"-1\">Händelser</h2>",
        "<h2 id=\"messages-title\">Meddelanden</h2>",
        ">Skicka meddelande</button>",
    ] {
        assert!(case.contains(control), "{control}");
    }
    let menu = page(&site, "index.html");
    for link in [">Mina ärenden</a>", ">Ny anmälan</a>", ">Inkorg</a>", ">Uppslag</a>"] {
        assert!(menu.contains(link), "{link}");
    }
    assert!(page(&site, "inkorg/index.html").contains("<h1>Inkorg</h1>"));
    let audit = page(&site, "uppslag/index.html");
    assert!(audit.contains("<h1>Uppslag</h1>"));
    assert!(audit.contains("id=\"csv\">Ladda ner CSV</button>"));
    // "Kopiera från ägare" is at the bottom of Betalningsansvarig.
    let payer = &case[case.find("<legend>Betalningsansvarig</legend>").unwrap()..];
    let payer = &payer[..payer.find("</fieldset>").unwrap()];
    assert!(payer.trim_end().ends_with(">Kopiera från ägare</button>"), "{payer}");
    let policy = site::content_security_policy(&[]);
    let mut early_requests = 0;
    for (path, bytes) in &site.files {
        if path.ends_with(".html") {
            let html = String::from_utf8(bytes.clone()).unwrap();
            assert!(!html.contains("style="), "{path} has an inline style");
            assert!(!html.contains("<style"), "{path} has a style element");
            for script in html.split("<script").skip(1) {
                let (tag, rest) = script.split_once('>').unwrap();
                let body = &rest[..rest.find("</script>").unwrap()];
                // The case page's early case request, the one script the policy allows by hash.
                let allowed = path.starts_with("anmalan/") && tag.is_empty() && {
                    let hash = base64::engine::general_purpose::STANDARD
                        .encode(sha2::Sha256::digest(body.as_bytes()));
                    policy.contains(&format!("'sha256-{hash}'"))
                };
                assert!(
                    tag.contains("src=") || tag.contains("type=\"application/json\"") || allowed,
                    "{path} has an inline script the Content-Security-Policy refuses"
                );
                early_requests += usize::from(allowed);
            }
        }
    }
    let case_pages = site.files.keys().filter(|p| p.starts_with("anmalan/")).count();
    assert_eq!(early_requests, case_pages, "every case page asks for its case early");
}

#[test]
fn the_completion_notice_is_a_form_of_its_own() {
    let site = build(Definitions::builtin(), &SignIn::Local).unwrap();
    let case = page(&site, "anmalan/oresundskraft/service_change/index.html");
    let form = Definitions::builtin().form("oresundskraft", "service_change").unwrap();
    let notice = &case[case.find("<form id=\"case-form\"").unwrap()..];
    let notice = &notice[..notice.find("</form>").unwrap()];
    let completion = &case[case.find("<form id=\"completion-form\"").unwrap()..];
    let completion = &completion[..completion.find("</form>").unwrap()];
    let completion_fields: Vec<_> =
        form.fields.iter().filter(|f| f.field.section == "completion").collect();
    assert!(!completion_fields.is_empty(), "the definitions have a completion section");
    for f in &form.fields {
        // A file field's list and picker carry its id in data-files (attachments.js).
        let name = match f.field.is_file() {
            true => format!("data-files=\"{}\"", f.field.id),
            false => format!("name=\"{}\"", f.field.id),
        };
        let in_completion = f.field.section == "completion";
        assert_eq!(completion.contains(&name), in_completion, "{}", f.field.id);
        assert_eq!(notice.contains(&name), !in_completion, "{}", f.field.id);
    }
    assert!(!notice.contains("<legend>Färdiganmälan</legend>"));
}

#[test]
fn mandatory_fields_are_marked_with_text_not_only_colour() {
    let site = build(Definitions::builtin(), &SignIn::Local).unwrap();
    let case = page(&site, "anmalan/oresundskraft/service_change/index.html");
    let form = Definitions::builtin().form("oresundskraft", "service_change").unwrap();
    for f in &form.fields {
        let key = f.field.id.replace('.', "-");
        let label_start = case.find(&format!("<label for=\"{key}\">")).unwrap();
        let label = &case[label_start..label_start + case[label_start..].find("</label>").unwrap()];
        assert_eq!(label.contains("(obligatoriskt)"), f.mandatory, "{}", f.field.id);
        let input = &case[case.find(&format!("id=\"{key}\"")).unwrap()..];
        let input = &input[..input.find('>').unwrap()];
        assert_eq!(input.contains("aria-required=\"true\""), f.mandatory, "{}", f.field.id);
    }
}

#[test]
fn the_sign_in_page_follows_the_build_setting() {
    let local = build(Definitions::builtin(), &SignIn::Local).unwrap();
    assert!(page(&local, "logga-in/index.html").contains("id=\"demo-users\""));
    let oidc = |identity_provider: Option<&str>| SignIn::Oidc {
        authority: "https://auth.example.test".into(),
        client_id: "abc123".into(),
        identity_provider: identity_provider.map(str::to_string),
    };
    let html = page(&build(Definitions::builtin(), &oidc(None)).unwrap(), "logga-in/index.html");
    // minijinja escapes `/` as `&#x2f;`, which the browser decodes.
    assert!(html.contains("data-authority=\"https:&#x2f;&#x2f;auth.example.test\""));
    assert!(html.contains("data-client-id=\"abc123\""));
    assert!(!html.contains("demo-users"));
    assert!(!html.contains("BankID"));
    // With BankID: its button goes to that provider, the other to Cognito's own sign-in.
    let html =
        page(&build(Definitions::builtin(), &oidc(Some("BankID"))).unwrap(), "logga-in/index.html");
    assert!(html.contains("data-identity-provider=\"BankID\">Logga in med BankID</button>"));
    assert!(html.contains("data-identity-provider=\"COGNITO\">Logga in med e-post och lösenord"));
}

#[test]
fn snapshots_of_one_companys_pages() {
    let site = build(Definitions::builtin(), &SignIn::Local).unwrap();
    for path in [
        "index.html",
        "inkorg/index.html",
        "uppslag/index.html",
        "handlaggningstider/index.html",
        "ny/index.html",
        "logga-in/index.html",
        "anmalan/oresundskraft/service_change/index.html",
        "anmalan/oresundskraft/fuse_change/index.html",
        "anmalan/oresundskraft/existing_installation_work/index.html",
        "anmalan/oresundskraft/temporary_installation/index.html",
        "anmalan/oresundskraft/extension/index.html",
    ] {
        let name =
            path.trim_end_matches("/index.html").trim_end_matches(".html").replace('/', "__");
        insta::assert_snapshot!(name, page(&site, path));
    }
}

#[test]
fn writing_over_an_earlier_build_leaves_exactly_the_site() {
    let site = build(Definitions::builtin(), &SignIn::Local).unwrap();
    let out = tempfile::tempdir().unwrap();
    let stale = out.path().join("anmalan/gone/fuse_change/index.html");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, "a form that is no longer defined").unwrap();
    std::fs::create_dir_all(out.path().join("ny")).unwrap();
    std::fs::write(out.path().join("ny/index.html"), "an older page").unwrap();
    site.write_to(out.path()).unwrap();
    site.write_to(out.path()).unwrap();
    assert!(!stale.exists() && !out.path().join("anmalan/gone").exists());
    let mut written = 0;
    for entry in walk(out.path()) {
        let rel = entry.strip_prefix(out.path()).unwrap().to_str().unwrap().to_string();
        let bytes = site.files.get(&rel).unwrap_or_else(|| panic!("{rel} is not in the site"));
        assert_eq!(&std::fs::read(&entry).unwrap(), bytes, "{rel}");
        written += 1;
    }
    // Nothing beside them compressed: CloudFront and `handler serve` compress on request.
    assert_eq!(written, site.files.len());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

/// How `handler serve` compresses the site's text files: each decodes to itself, brotli smaller.
#[cfg(feature = "compress")]
#[test]
fn every_text_file_compresses_and_decodes_to_itself() {
    use site::Encoding;
    use std::io::Read;
    let site = build(Definitions::builtin(), &SignIn::Local).unwrap();
    let mut text = 0;
    for (path, bytes) in &site.files {
        assert_eq!(
            site::compresses(path),
            [".html", ".css", ".js", ".json"].iter().any(|e| path.ends_with(e)),
            "{path}"
        );
        if !site::compresses(path) {
            continue;
        }
        text += 1;
        let (gz, br) = (Encoding::Gzip.encode(bytes), Encoding::Br.encode(bytes));
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut gunzipped).unwrap();
        assert_eq!(&gunzipped, bytes, "{path} gzip");
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut unbrotlied).unwrap();
        assert_eq!(&unbrotlied, bytes, "{path} br");
        assert!(br.len() < gz.len(), "{path}: brotli is smaller");
    }
    assert!(text > 40, "the site's pages, scripts, styles and schemas");
}
