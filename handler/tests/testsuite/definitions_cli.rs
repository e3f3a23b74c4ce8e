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
    assert!(out.contains("inga problem; 3 nätbolag, 13 formulär."), "{out}");

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
        assert!(summary.starts_with(&format!("{n} problem i {root}")), "{summary}");
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
    assert!(out.ends_with("inga problem; 4 nätbolag, 16 formulär.\n"), "{out}");

    // The check reads these sections' keys: a sum over the text item is refused at its line.
    let broken = company.replace(
        "sum = \"production.inverters.power_kw\"",
        "sum = \"production.inverters.manufacturer\"",
    );
    assert_ne!(broken, company, "the guide's sum is where the test expects it");
    std::fs::write(defs.path().join("companies/testnat.toml"), &broken).unwrap();
    let (code, out) = check(defs.path());
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("som inte är ett tal; räkna på en del som är ett tal"), "{out}");
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
    assert!(out.ends_with("inga problem; 4 nätbolag, 15 formulär.\n"), "{out}");
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

/// The guide's commands as it writes them (the indented lines that begin with `handler`), run
/// where the guide says, in a folder holding `forms/definitions/` with the guide's company: the
/// check says what the guide says it says, and the preview serves the company with a demo case
/// handler of its own.
#[tokio::test]
async fn the_guides_commands_run_as_written() {
    let guide = std::fs::read_to_string(GUIDE).unwrap();
    let commands: Vec<Vec<&str>> = guide
        .lines()
        .filter_map(|l| l.strip_prefix("    handler "))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(commands.len(), 2, "the guide's check and preview: {commands:?}");
    let work = tempfile::tempdir().unwrap();
    let defs = work.path().join("forms/definitions");
    std::fs::create_dir_all(&defs).unwrap();
    copy_tree(Path::new(SHIPPED), &defs);
    std::fs::write(defs.join("companies/testnat.toml"), guide_company()).unwrap();

    let check = &commands[0];
    assert_eq!(check[0], "check-definitions", "{check:?}");
    let output = Command::new(BINARY).args(check).current_dir(work.path()).output().unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{out}");
    let said = guide.split("Utan problem, med exemplet ovan").nth(1).unwrap();
    let said = said.split('`').nth(1).unwrap();
    assert_eq!(out.trim_end(), said, "the guide's words for a good check");

    // The preview, on a free port: its arguments are the guide's, the folder made absolute.
    let serve = &commands[1];
    assert_eq!(serve[0], "serve", "{serve:?}");
    let folder = defs.display().to_string();
    let args: Vec<&str> = serve[1..]
        .iter()
        .map(|a| if *a == "forms/definitions" { folder.as_str() } else { *a })
        .collect();
    let server = Server::start(tempfile::tempdir().unwrap(), "sqlite", &args, &[]);
    let local = server.anonymous();
    let users = local.get("/local/users").await.expect(200).clone();
    let handler = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["org"] == "testnat")
        .unwrap_or_else(|| panic!("no case handler of testnat in {users}"));
    assert_eq!(handler["name"], "Demohandläggare (Testnät AB (exempel))");
    assert_eq!(handler["role"], "network_company");
    let signed_in = local.post("/local/sign-in", serde_json::json!({ "user": handler["user"] }));
    let token = signed_in.await.expect(200).clone();
    let inbox = server.anonymous().with_token(token["token"].as_str().unwrap());
    inbox.get("/cases").await.expect(200);
}

/// Three mistakes of three kinds in one file: all three, in line order, in Swedish, and the
/// reader's English only with `--english`.
#[test]
fn check_definitions_names_three_mistakes_at_once_in_swedish() {
    let defs = tempfile::tempdir().unwrap();
    copy_tree(Path::new(SHIPPED), defs.path());
    copy_tree(&Path::new(BROKEN).join("three_mistakes_in_one_file"), defs.path());
    std::fs::remove_file(defs.path().join("expected.txt")).unwrap();
    let (code, out) = check(defs.path());
    assert_eq!(code, Some(1), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].contains(":19:1: okänd nyckel `kod`"), "{out}");
    assert!(lines[1].contains(":36:8: okänt värde `nummer`; menade du `number`?"), "{out}");
    assert!(lines[2].contains(":38:7: här står talet 0 inom citattecken"), "{out}");
    assert!(lines[3].starts_with("3 problem i "), "{out}");
    for word in ["expected", "invalid type", "variant", "u32", "string"] {
        assert!(!out.contains(word), "{word}: {out}");
    }
    let output = Command::new(BINARY)
        .args(["check-definitions", "--english"])
        .arg(defs.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("    (English: unknown variant `nummer`"), "{out}");
}
