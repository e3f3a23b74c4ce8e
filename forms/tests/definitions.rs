//! The shipped definitions load and mean what they say; broken definitions are refused with
//! errors that name file, line and column (fixtures in `tests/fixtures/broken/`).
//! Over 500 lines: one area's cases, read as a list.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

mod common;

use common::with_file;
use forms::Definitions;
use forms::definitions::{DefinitionErrors, Source, builtin_sources};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Loads a definitions folder as a tool does: the walker reads the files, the core parses them.
fn load_dir(dir: &Path) -> Result<Definitions, DefinitionErrors> {
    let files = definition_files::read(dir).map_err(|e| {
        DefinitionErrors::single(
            e.path.display().to_string(),
            format!("cannot be read: {}", e.source),
        )
    })?;
    let sources: Vec<Source> =
        files.into_iter().map(|(path, text)| Source { path, text }).collect();
    Definitions::parse(&dir.display().to_string(), &sources)
}

#[test]
fn builtin_and_load_dir_give_the_same_definitions() {
    let builtin = Definitions::builtin();
    let loaded = load_dir(&manifest_dir().join("definitions"))
        .unwrap_or_else(|errors| panic!("definitions/ does not load:\n{errors}"));
    // Definitions has no PartialEq; its Debug form shows every value it holds.
    assert_eq!(format!("{builtin:#?}"), format!("{loaded:#?}"));

    let ids = |d: &Definitions| d.companies.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(builtin), ["exempelnat_norr", "fiktiva_elnat_syd", "oresundskraft"]);
    assert_eq!(ids(builtin), ids(&loaded));
    let field_ids = |d: &Definitions| d.fields.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(field_ids(builtin), field_ids(&loaded));
}

#[test]
fn load_dir_reads_a_relative_path() {
    // Integration tests run in the package folder.
    let loaded = load_dir(Path::new("definitions")).unwrap();
    assert_eq!(loaded.companies.len(), Definitions::builtin().companies.len());
}

#[test]
fn load_dir_of_a_missing_folder_is_an_error_naming_it() {
    let errors = load_dir(Path::new("no/such/folder")).unwrap_err();
    let text = errors.to_string();
    assert!(text.starts_with("no/such/folder: cannot be read"), "{text}");
}

#[test]
fn embedded_sources_are_the_files_on_disk() {
    let sources = builtin_sources();
    let paths: Vec<&str> = sources.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "base.toml",
            "companies/exempelnat_norr.toml",
            "companies/fiktiva_elnat_syd.toml",
            "companies/oresundskraft.toml",
            "installation_types.toml",
        ]
    );
    let on_disk = definition_files::read(&manifest_dir().join("definitions")).unwrap();
    assert_eq!(on_disk.len(), sources.len());
    for (source, (path, text)) in sources.iter().zip(&on_disk) {
        assert_eq!(&source.path, path);
        assert!(&source.text == text, "{path} is embedded stale");
    }
}

#[test]
fn base_sections_and_contract_fields() {
    let d = Definitions::builtin();
    let sections: Vec<(&str, &str)> =
        d.sections.iter().map(|s| (s.id.as_str(), s.title.as_str())).collect();
    assert_eq!(
        sections,
        [
            ("installation", "Anläggning"),
            ("owner", "Fastighetsägare"),
            ("payer", "Betalningsansvarig"),
            ("work", "Arbete och övrigt"),
            ("production", "Produktion"),
            ("completion", "Färdiganmälan"),
        ]
    );
    // docs/design.md, section 6.3: the base fields.
    let contract = "installation.ean installation.meter_number installation.technical_number \
        installation.street_address installation.postal_code installation.city \
        installation.property_designation installation.main_fuse \
        installation.desired_meter_placement owner.name owner.identity_number \
        owner.street_address owner.postal_code owner.city owner.phone owner.email payer.name \
        payer.identity_number payer.street_address payer.postal_code payer.city payer.phone \
        payer.email work.description work.planned_start work.requested_main_fuse \
        completion.date completion.meter_reading completion.notes";
    let base: BTreeSet<&str> = d.fields.iter().map(|f| f.id.as_str()).collect();
    let contract: BTreeSet<&str> = contract.split_whitespace().collect();
    assert_eq!(base, contract);
    let mut always = d.lookup.always_overwrite.clone();
    always.sort();
    assert_eq!(
        always,
        ["installation.ean", "installation.meter_number", "installation.technical_number"]
    );
    assert!(d.lookup.never_returned.contains(&"owner.identity_number".to_string()));
    assert!(d.lookup.projection.iter().all(|(column, _)| column != "owner_identity_number"));
    // Copy from owner: every owner.X to payer.X.
    let owner_fields: Vec<&str> =
        d.fields.iter().filter(|f| f.section == "owner").map(|f| f.id.as_str()).collect();
    assert_eq!(d.copy_from_owner.len(), owner_fields.len());
    for owner in owner_fields {
        let payer = owner.replacen("owner.", "payer.", 1);
        assert!(
            d.copy_from_owner.iter().any(|(o, p)| o == owner && *p == payer),
            "{owner} -> {payer} is missing from copy_from_owner"
        );
    }
}

#[test]
fn oresundskraft_offers_the_five_installation_types() {
    let d = Definitions::builtin();
    let company = d.company("oresundskraft").expect("Öresundskraft is defined");
    assert_eq!(company.name, "Öresundskraft");
    assert_eq!(company.gsrn_prefixes, ["735999100"]);
    let offered: Vec<&str> = company.offers.iter().map(|o| o.installation_type.as_str()).collect();
    assert_eq!(
        offered,
        [
            "service_change",
            "fuse_change",
            "existing_installation_work",
            "temporary_installation",
            "extension",
        ]
    );
    let names: Vec<&str> =
        offered.iter().map(|t| d.installation_type(t).unwrap().name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Servisändring",
            "Säkringsändring",
            "Arbete i befintlig anläggning",
            "Tillfällig anläggning",
            "Utökning",
        ]
    );
    for t in &offered {
        assert!(d.form("oresundskraft", t).is_some(), "no form for {t}");
    }
    assert!(d.form("oresundskraft", "new_connection").is_none());
    assert!(d.form("no_such_company", "fuse_change").is_none());
}

#[test]
fn job_types_follow_the_offer() {
    let d = Definitions::builtin();
    let temporary = d.form("oresundskraft", "temporary_installation").unwrap();
    assert!(temporary.offers_job_type("construction_power"));
    assert!(!temporary.offers_job_type("event"), "Öresundskraft offers only byggström");
    let fuse = d.form("oresundskraft", "fuse_change").unwrap();
    assert!(
        fuse.offers_job_type("increase_main_fuse") && fuse.offers_job_type("decrease_main_fuse")
    );
    assert!(!fuse.offers_job_type("move_service"), "a job type of another installation type");
    let norr = d.form("exempelnat_norr", "fuse_change").unwrap();
    assert!(norr.offers_job_type("increase_main_fuse"));
    assert!(!norr.offers_job_type("decrease_main_fuse"));
}

#[test]
fn each_company_has_its_network_areas() {
    let d = Definitions::builtin();
    let areas = |id: &str| -> Vec<(String, String)> {
        d.company(id)
            .unwrap()
            .network_areas
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect()
    };
    let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    };
    assert_eq!(
        areas("oresundskraft"),
        pairs(&[
            ("helsingborg", "Helsingborg"),
            ("angelholm", "Ängelholm"),
            ("hoganas", "Höganäs")
        ])
    );
    assert_eq!(areas("exempelnat_norr"), pairs(&[("polstad", "Polstad"), ("fjallby", "Fjällby")]));
    assert_eq!(areas("fiktiva_elnat_syd"), pairs(&[("sjostad", "Sjöstad")]));
    let company = d.company("oresundskraft").unwrap();
    assert_eq!(company.network_area("angelholm").unwrap().name, "Ängelholm");
    assert!(company.network_area("polstad").is_none(), "another company's area");
}

#[test]
fn base_mandatory_fields_are_mandatory_in_every_form_of_every_company() {
    let d = Definitions::builtin();
    let forms: Vec<_> = d.forms().collect();
    let offers: usize = d.companies.iter().map(|c| c.offers.len()).sum();
    assert_eq!(forms.len(), offers, "one form per offered installation type");
    assert_eq!(forms.len(), 5 + 3 + 5);
    for form in &forms {
        for id in ["owner.identity_number", "owner.name", "installation.ean"] {
            let field = form.field(id).unwrap_or_else(|| {
                panic!("{id} missing in {}/{}", form.company.id, form.installation_type.id)
            });
            assert!(
                field.mandatory,
                "{id} is not mandatory in {}/{}",
                form.company.id, form.installation_type.id
            );
        }
    }
}

/// Whether `field` is mandatory in the form of `company` and `installation_type`; `None` when
/// the field is not in that form.
fn mandatory(company: &str, installation_type: &str, field: &str) -> Option<bool> {
    let form = Definitions::builtin().form(company, installation_type)?;
    form.field(field).map(|f| f.mandatory)
}

#[test]
fn company_mandatory_fields_are_mandatory_only_there() {
    let d = Definitions::builtin();
    for form in d.forms() {
        let (company, kind) = (form.company.id.as_str(), form.installation_type.id.as_str());
        let at_oresundskraft = company == "oresundskraft";
        for id in ["installation.meter_number", "owner.phone"] {
            assert_eq!(
                mandatory(company, kind, id),
                Some(at_oresundskraft),
                "{id} in {company}/{kind}"
            );
        }
        assert_eq!(
            mandatory(company, kind, "owner.email"),
            Some(company == "fiktiva_elnat_syd"),
            "owner.email in {company}/{kind}"
        );
        let planned_start =
            at_oresundskraft && matches!(kind, "service_change" | "temporary_installation");
        assert_eq!(
            mandatory(company, kind, "work.planned_start"),
            Some(planned_start),
            "work.planned_start in {company}/{kind}"
        );
    }
    assert_eq!(mandatory("oresundskraft", "service_change", "work.planned_start"), Some(true));
    assert_eq!(mandatory("oresundskraft", "fuse_change", "work.planned_start"), Some(false));
    assert_eq!(mandatory("fiktiva_elnat_syd", "service_change", "work.planned_start"), Some(false));
}

#[test]
fn mandatory_in_and_restricted_fields() {
    // installation.desired_meter_placement: not in fuse_change; mandatory in service_change and
    // existing_installation_work only.
    for company in ["oresundskraft", "fiktiva_elnat_syd"] {
        let f = |t| mandatory(company, t, "installation.desired_meter_placement");
        assert_eq!(f("fuse_change"), None);
        assert_eq!(f("service_change"), Some(true));
        assert_eq!(f("existing_installation_work"), Some(true));
        assert_eq!(f("temporary_installation"), Some(false));
        assert_eq!(f("extension"), Some(false));
        let g = |t| mandatory(company, t, "work.requested_main_fuse");
        assert_eq!(g("fuse_change"), Some(true));
        assert_eq!(g("extension"), Some(true));
        assert_eq!(g("service_change"), Some(false));
        assert_eq!(g("existing_installation_work"), None);
    }
}

#[test]
fn company_fields_appear_only_in_their_company_and_installation_type() {
    let d = Definitions::builtin();
    for form in d.forms() {
        let (company, kind) = (form.company.id.as_str(), form.installation_type.id.as_str());
        let production = form.field("work.production_kw").map(|f| f.mandatory);
        let expected = (company == "exempelnat_norr" && kind == "extension").then_some(true);
        assert_eq!(production, expected, "work.production_kw in {company}/{kind}");
        let until = form.field("work.temporary_until").map(|f| f.mandatory);
        let expected =
            (company == "oresundskraft" && kind == "temporary_installation").then_some(true);
        assert_eq!(until, expected, "work.temporary_until in {company}/{kind}");
    }
}

#[test]
fn form_fields_come_in_section_order() {
    let d = Definitions::builtin();
    let section_index =
        |id: &str| d.sections.iter().position(|s| s.id == id).expect("a known section");
    for form in d.forms() {
        let order: Vec<usize> =
            form.fields.iter().map(|f| section_index(&f.field.section)).collect();
        assert!(order.is_sorted(), "{}/{}", form.company.id, form.installation_type.id);
        let sections: Vec<&str> = form.sections().iter().map(|(s, _)| s.id.as_str()).collect();
        let expected: &[&str] = if sections.contains(&"production") {
            &["installation", "owner", "payer", "work", "production", "completion"]
        } else {
            &["installation", "owner", "payer", "work", "completion"]
        };
        assert_eq!(sections, expected);
        let ids: BTreeSet<&str> = form.fields.iter().map(|f| f.field.id.as_str()).collect();
        assert_eq!(ids.len(), form.fields.len(), "a field appears twice");
    }
    let temporary = d.form("oresundskraft", "temporary_installation").unwrap();
    let work: Vec<&str> = temporary
        .fields
        .iter()
        .filter(|f| f.field.section == "work")
        .map(|f| f.field.id.as_str())
        .collect();
    assert_eq!(
        work,
        [
            "work.description",
            "work.planned_start",
            "work.requested_main_fuse",
            "work.temporary_until",
            "work.site_plan"
        ],
        "base fields first, then the company's own"
    );
}

// --- broken definitions ---------------------------------------------------------------------

const FIXTURES: &str = "tests/fixtures/broken";

/// The shipped sources with the fixture's files replacing or joining them, sorted by path as
/// `definition_files::read` gives them.
fn overlay(fixture: &Path) -> Vec<Source> {
    let mut sources = builtin_sources();
    let files = definition_files::read(fixture).unwrap_or_else(|e| panic!("{e}"));
    assert!(!files.is_empty(), "{} holds no .toml file", fixture.display());
    for (path, text) in files {
        match sources.iter_mut().find(|s| s.path == path) {
            Some(source) => {
                assert_ne!(
                    source.text,
                    text,
                    "{}: {path} equals the shipped file",
                    fixture.display()
                );
                source.text = text;
            }
            None => sources.push(Source { path, text }),
        }
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    sources
}

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(manifest_dir().join(FIXTURES))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn broken_definitions_are_refused_with_the_expected_errors() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 12, "only {} fixtures in {FIXTURES}", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy();
        let expected = match fs::read_to_string(dir.join("expected.txt")) {
            Ok(text) => text.trim().to_string(),
            Err(e) => format!("(cannot read expected.txt: {e})"),
        };
        let errors = match Definitions::parse("forms/definitions", &overlay(dir)) {
            Ok(_) => {
                failures.push(format!("{name}: the definitions were accepted"));
                continue;
            }
            Err(errors) => errors,
        };
        let actual = errors.to_string();
        if std::env::var_os("BLESS").is_some() {
            fs::write(dir.join("expected.txt"), format!("{actual}\n")).unwrap();
        }
        // The staff of a network company read these: plain Swedish, none of the reader's or
        // the implementation's English.
        for word in ["expected", "invalid type", "variant", "u32", "string", "unknown", "must"] {
            if actual.contains(word) {
                failures.push(format!("{name}: says {word:?}:\n{actual}"));
            }
        }
        let places: Vec<(&str, usize, usize)> =
            errors.0.iter().map(|e| (e.file.as_str(), e.line, e.column)).collect();
        if !places.is_sorted() {
            failures.push(format!("{name}: not in file and line order:\n{actual}"));
        }
        if actual != expected {
            failures.push(format!("{name}:\n--- expected\n{expected}\n--- actual\n{actual}\n"));
        }
        for error in &errors.0 {
            assert!(
                error.file.starts_with("forms/definitions/") && error.file.ends_with(".toml"),
                "{name}: {error} names no definition file"
            );
            // Only a problem with a file as a whole (an unknown file) has no line.
            assert!(
                error.line > 0 && error.column > 0 || error.message.starts_with("okänd fil"),
                "{name}: {error} names no line and column"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

#[test]
fn the_shipped_sources_with_no_overlay_are_accepted() {
    // The fixture mechanism itself: the same call without changes succeeds.
    assert!(Definitions::parse("forms/definitions", &builtin_sources()).is_ok());
}

#[test]
fn a_missing_base_file_is_named() {
    let sources: Vec<Source> =
        builtin_sources().into_iter().filter(|s| s.path != "base.toml").collect();
    let errors = Definitions::parse("forms/definitions", &sources).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "forms/definitions/base.toml: filen saknas; definitionerna behöver den"
    );
}

#[test]
fn no_company_at_all_is_named() {
    let sources: Vec<Source> =
        builtin_sources().into_iter().filter(|s| !s.path.starts_with("companies/")).collect();
    let errors = Definitions::parse("forms/definitions", &sources).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "forms/definitions/companies/: inget nätbolag finns; lägg till companies/<id>.toml"
    );
}

const TESTNAT: &str = r#"
name = "Testnät AB"
gsrn_prefixes = ["735999555"]

[[network_area]]
id = "testby"
name = "Testby"

[[installation_type]]
id = "fuse_change"
"#;

#[test]
fn a_new_company_file_is_all_it_takes_to_add_a_company() {
    let d = Definitions::parse("forms/definitions", &with_file("companies/testnat.toml", TESTNAT))
        .unwrap_or_else(|e| panic!("{e}"));
    let form = d.form("testnat", "fuse_change").expect("the new company's form");
    assert!(
        form.offers_job_type("increase_main_fuse") && form.offers_job_type("decrease_main_fuse")
    );
    assert!(d.form("testnat", "service_change").is_none());
    assert_eq!(d.companies.len(), 4);
}

/// BUG (load.rs, check_company): `job_types = []` is accepted, which gives a form in which no
/// job type can be chosen, so no case can ever be created for it.
#[test]
fn an_offer_without_job_types_is_refused() {
    let text = TESTNAT.replace(r#"id = "fuse_change""#, "id = \"fuse_change\"\njob_types = []");
    let result =
        Definitions::parse("forms/definitions", &with_file("companies/testnat.toml", &text));
    let Err(errors) = result else { panic!("an offer with no job type was accepted") };
    let errors = errors.to_string();
    // At the offer (line 10) or at its job_types (line 11).
    assert!(
        errors.starts_with("forms/definitions/companies/testnat.toml:10:")
            || errors.starts_with("forms/definitions/companies/testnat.toml:11:"),
        "{errors}"
    );
}

/// BUG (load.rs, check_company): a job type listed twice in an offer is accepted and then
/// offered twice.
#[test]
fn a_job_type_listed_twice_in_an_offer_is_refused() {
    let text = TESTNAT.replace(
        r#"id = "fuse_change""#,
        "id = \"fuse_change\"\njob_types = [\"increase_main_fuse\", \"increase_main_fuse\"]",
    );
    let result =
        Definitions::parse("forms/definitions", &with_file("companies/testnat.toml", &text));
    assert!(result.is_err(), "the duplicate job type was accepted");
}

/// BUG (message, load.rs check_company): a prefix given twice in one file is reported as
/// "already used by network company `testnat`", i.e. by the company itself.
#[test]
fn a_prefix_repeated_in_one_file_is_called_a_repetition() {
    let text = TESTNAT.replace(r#"["735999555"]"#, r#"["735999555", "735999555"]"#);
    let errors =
        Definitions::parse("forms/definitions", &with_file("companies/testnat.toml", &text))
            .unwrap_err()
            .to_string();
    assert!(errors.starts_with("forms/definitions/companies/testnat.toml:3:31: "), "{errors}");
    assert!(!errors.contains("network company `testnat`"), "{errors}");
}

/// The company's inbox goes into e-mails' `To:` (issue 19): exactly one address.
#[test]
fn an_inbox_email_is_one_address() {
    let with_inbox = |inbox: &str| {
        let text = format!("inbox_email = {inbox:?}\n{TESTNAT}");
        Definitions::parse("forms/definitions", &with_file("companies/testnat.toml", &text))
    };
    assert!(with_inbox("anmalan@testnat.se").is_ok());
    for bad in
        ["a@testnat.se,b@testnat.se", "Anmälan <a@testnat.se>", "a(b)@testnat.se", "a@testnat"]
    {
        let errors = with_inbox(bad).unwrap_err().to_string();
        assert!(errors.starts_with("forms/definitions/companies/testnat.toml:1:15: "), "{errors}");
        assert!(errors.contains("inbox_email ska vara en e-postadress"), "{errors}");
    }
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    fn oresundskraft() -> String {
        builtin_sources()
            .into_iter()
            .find(|s| s.path == "companies/oresundskraft.toml")
            .unwrap()
            .text
    }

    /// The shipped Öresundskraft file with one character deleted or inserted somewhere.
    fn mutated() -> impl Strategy<Value = String> {
        let text = oresundskraft();
        let chars = text.chars().count();
        (
            0..chars,
            any::<bool>(),
            prop::sample::select(vec!['"', '[', ']', '=', 'x', 'Ö', '\n', ' ', '.', '#']),
        )
            .prop_map(move |(at, delete, c)| {
                let mut chars: Vec<char> = text.chars().collect();
                if delete {
                    chars.remove(at);
                } else {
                    chars.insert(at, c);
                }
                chars.into_iter().collect()
            })
    }

    fn check_positions(text: &str, errors: &forms::definitions::DefinitionErrors) {
        let lines: Vec<&str> = text.split('\n').collect();
        for error in &errors.0 {
            if error.line == 0 {
                continue;
            }
            assert!(error.line <= lines.len(), "{error}: line past the end");
            let width = lines[error.line - 1].chars().count();
            assert!(
                error.column >= 1 && error.column <= width + 1,
                "{error}: column past the line"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn a_damaged_company_file_never_panics_and_errors_point_into_it(text in mutated()) {
            if let Err(errors) =
                Definitions::parse("forms/definitions", &with_file("companies/oresundskraft.toml", &text))
            {
                prop_assert!(!errors.0.is_empty());
                check_positions(&text, &errors);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            if let Err(errors) = Definitions::parse("forms/definitions", &with_file("companies/testnat.toml", &text)) {
                check_positions(&text, &errors);
            }
        }
    }
}

#[test]
fn a_case_keeps_its_form_when_the_company_stops_offering_its_type() {
    let mut sources = forms::definitions::builtin_sources();
    let file = sources.iter_mut().find(|s| s.path == "companies/oresundskraft.toml").unwrap();
    // Öresundskraft stops offering Servisändring (with its extra mandatory work.planned_start).
    let offer =
        "[[installation_type]]\nid = \"service_change\"\nmandatory = [\"work.planned_start\"]\n";
    assert!(file.text.contains(offer));
    file.text = file.text.replace(offer, "");
    let defs = Definitions::parse("forms/definitions", &sources).unwrap();

    assert!(defs.form("oresundskraft", "service_change").is_none(), "no new cases");
    let form = defs.case_form("oresundskraft", "service_change").expect("cases under way");
    assert!(!form.field("work.planned_start").unwrap().mandatory);
    assert!(form.field("installation.meter_number").unwrap().mandatory, "company-wide");
    assert!(defs.case_form("oresundskraft", "no_such_type").is_none());
    assert!(defs.case_form("no_such_company", "service_change").is_none());
}
