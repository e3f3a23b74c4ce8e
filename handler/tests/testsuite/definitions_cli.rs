//! Definitions as input (issue 9, first part): `handler check-definitions DIR` names every
//! problem of every broken fixture as the forms core does, and `handler serve --definitions
//! DIR` serves a company added only as data, in the API, the schemas and the site: the company
//! of the staff's guide, `docs/configuring-a-company.md`, following its steps.

use std::path::Path;
use std::process::Command;

use crate::support::server::{ANNA, BINARY, Server};
use crate::support::{SHIPPED, copy_tree};

const BROKEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../forms/tests/fixtures/broken");

fn check(dir: &Path) -> (Option<i32>, String) {
    let output = Command::new(BINARY).arg("check-definitions").arg(dir).output().unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn check_definitions_names_every_problem_of_every_fixture() {
    let (code, out) = check(Path::new(SHIPPED));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("no problems; 3 network companies, 13 forms."), "{out}");

    let mut fixtures = 0;
    for fixture in std::fs::read_dir(BROKEN).unwrap() {
        let fixture = fixture.unwrap().path();
        let dir = tempfile::tempdir().unwrap();
        copy_tree(Path::new(SHIPPED), dir.path());
        copy_tree(&fixture, dir.path());
        std::fs::remove_file(dir.path().join("expected.txt")).unwrap();
        let expected = std::fs::read_to_string(fixture.join("expected.txt")).unwrap();
        let root = dir.path().display().to_string();
        let expected: Vec<String> =
            expected.lines().map(|l| l.replace("forms/definitions", &root)).collect();
        let (code, out) = check(dir.path());
        assert_eq!(code, Some(1), "{}: {out}", fixture.display());
        let mut lines: Vec<&str> = out.lines().collect();
        let summary = lines.pop().unwrap();
        assert_eq!(lines, expected, "{}", fixture.display());
        let n = expected.len();
        let noun = if n == 1 { "problem" } else { "problems" };
        assert!(summary.starts_with(&format!("{n} {noun} in {root}")), "{summary}");
        fixtures += 1;
    }
    assert!(fixtures >= 20, "only {fixtures} fixtures");
}

const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/configuring-a-company.md");

/// The company file of the guide for a company's staff (its first `toml` block) with the file
/// fields of its section "Bilagor" (the second), so that the guide's steps are the ones tested
/// here and cannot drift from what works.
fn guide_company() -> String {
    let guide = std::fs::read_to_string(GUIDE).unwrap();
    let block = |n: usize| {
        let block = guide.split("```toml\n").nth(n).expect("two toml blocks in the guide");
        block.split("```").next().unwrap().to_string()
    };
    block(1) + "\n" + &block(2)
}

/// The first `toml` block of the guide's section under `heading`.
fn section_block(guide: &str, heading: &str) -> String {
    let section =
        guide.split(heading).nth(1).unwrap_or_else(|| panic!("no {heading} in the guide"));
    let section = section.split("\n## ").next().unwrap();
    let block = section.split("```toml\n").nth(1).unwrap_or_else(|| panic!("no toml in {heading}"));
    block.split("```").next().unwrap().to_string()
}

#[test]
fn check_definitions_accepts_the_guides_company_with_groups_computed_values_and_job_types() {
    let guide = std::fs::read_to_string(GUIDE).unwrap();
    let sections = ["## Fält per jobbtyp", "## Upprepade grupper", "## Beräknade värden"];
    let blocks: Vec<String> = sections.iter().map(|h| section_block(&guide, h)).collect();
    let defs = tempfile::tempdir().unwrap();
    copy_tree(Path::new(SHIPPED), defs.path());
    let company = guide_company() + "\n" + &blocks.join("\n");
    std::fs::write(defs.path().join("companies/testnat.toml"), &company).unwrap();
    let (code, out) = check(defs.path());
    assert_eq!(code, Some(0), "{out}");
    // Utökning is the one form the sections add to the guide's 15.
    assert!(out.ends_with("no problems; 4 network companies, 16 forms.\n"), "{out}");

    // The check reads these sections' keys: a sum over the text item is refused at its line.
    let broken = company.replace(
        "sum = \"production.inverters.power_kw\"",
        "sum = \"production.inverters.manufacturer\"",
    );
    assert_ne!(broken, company, "the guide's sum is where the test expects it");
    std::fs::write(defs.path().join("companies/testnat.toml"), &broken).unwrap();
    let (code, out) = check(defs.path());
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("which is not a number; compute over a number item"), "{out}");
}

#[tokio::test]
async fn a_company_added_only_as_data_is_served_by_the_api_the_schemas_and_the_site() {
    let defs = tempfile::tempdir().unwrap();
    copy_tree(Path::new(SHIPPED), defs.path());
    std::fs::write(defs.path().join("companies/testnat.toml"), guide_company()).unwrap();
    let definitions = defs.path().display().to_string();
    // The guide's step 2: the check passes and counts the new company's forms.
    let (code, out) = check(defs.path());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.ends_with("no problems; 4 network companies, 15 forms.\n"), "{out}");
    let data_dir = tempfile::tempdir().unwrap();
    let server = Server::start(data_dir, "sqlite", &["--definitions", &definitions], &[]);
    let anna = server.api(ANNA);

    let forms = anna.get("/forms").await.expect(200).clone();
    let testnat = forms["companies"].as_array().unwrap().iter().find(|c| c["id"] == "testnat");
    let testnat = testnat.unwrap_or_else(|| panic!("no testnat in {forms}"));
    assert_eq!(testnat["name"], "Testnät AB (exempel)");
    let schema = anna.get("/forms/testnat/fuse_change/schema").await.expect(200).clone();
    assert_eq!(schema["title"], "Testnät AB (exempel) – Säkringsändring");
    let service = anna.get("/forms/testnat/service_change/schema").await.expect(200).clone();
    let required = service["required"].as_array().unwrap();
    assert!(
        required.iter().any(|r| r == "work.planned_start")
            && required.iter().any(|r| r == "owner.phone")
    );
    assert_eq!(service["properties"]["work.inverter_count"]["title"], "Antal växelriktare");
    assert_eq!(
        service["properties"]["work.inverter_count"]["x-visible-when"],
        serde_json::json!([{ "field": "work.solar", "equals": "yes" }]),
        "the guide's conditional field"
    );
    assert_eq!(service["properties"]["completion.seal_number"]["x-section"], "completion");
    // Bilagor: described apart from the values.
    let plan = &service["x-attachments"]["work.site_plan"];
    assert_eq!(plan["accept"], serde_json::json!(["pdf", "jpeg", "png"]));
    assert_eq!((plan["max_size_mb"].as_u64(), plan["max_files"].as_u64()), (Some(10), Some(3)));
    assert_eq!(service["x-attachments"]["completion.photos"]["max_files"], 5);
    let new = serde_json::json!({"company": "testnat", "installation_type": "fuse_change",
        "job_type": "increase_main_fuse", "network_area": "testby"});
    let case = anna.post("/cases", new).await.expect(201).clone();
    assert!(case["number"].as_str().unwrap().starts_with("TN-"), "{case}");
    let page = format!("{}/anmalan/testnat/fuse_change/", server.url);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let html = client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Testnät AB (exempel)"), "{page}: {html}");

    // Broken definitions keep the server from starting, naming the problem.
    std::fs::write(defs.path().join("companies/testnat.toml"), "name = 1\n").unwrap();
    let output = Command::new(BINARY)
        .args(["serve", "--addr", "127.0.0.1:0", "--definitions", &definitions, "--data-dir"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("companies/testnat.toml:1:8"), "{stderr}");
}
