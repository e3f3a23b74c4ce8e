//! Live preview (issue 9, second part): `handler serve --definitions DIR --watch` serves a
//! changed definition within seconds, in the form's page and in the API; a broken change keeps
//! the last good definitions served and shows the problem (file:line) to the open pages; the
//! fix is served again. Every wait is bounded.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::server::{ANNA, BINARY, Server};
use crate::support::{SHIPPED, copy_tree};

/// How long a change may take to be served: a poll, a quiet poll, a reload and a build.
const WITHIN: Duration = Duration::from_secs(10);

const COMPANY: &str = "companies/oresundskraft.toml";
const PAGE: &str = "/anmalan/oresundskraft/fuse_change/";

/// Polls `check` every 100 ms until it gives `Some`, for at most [`WITHIN`].
async fn eventually<T, F: Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + WITHIN;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "not within {WITHIN:?}: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Rewrites the company file with its line 5, `name = "Öresundskraft"`, replaced by `line`.
fn write_company(defs: &Path, line: &str) {
    let path = defs.join(COMPANY);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines[4].starts_with("name = ") || lines[4].starts_with("nme = "), "{}", lines[4]);
    lines[4] = line;
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

async fn text(client: &reqwest::Client, url: &str) -> String {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.text().await.unwrap()
}

/// The names of the companies that `GET /api/v1/forms` answers.
async fn company_names(server: &Server) -> Vec<String> {
    let forms = server.api(ANNA).get("/forms").await.expect(200).clone();
    forms["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().into())
        .collect()
}

/// `handler serve --watch` on a copy of the shipped definitions: the folder, its name, the server.
fn watched() -> (tempfile::TempDir, String, Server) {
    let defs = tempfile::tempdir().unwrap();
    copy_tree(Path::new(SHIPPED), defs.path());
    let definitions = defs.path().display().to_string();
    let server = Server::start(
        tempfile::tempdir().unwrap(),
        "sqlite",
        &["--definitions", &definitions, "--watch"],
        &[],
    );
    (defs, definitions, server)
}

#[tokio::test]
async fn a_change_is_served_a_broken_one_is_shown_and_the_last_good_one_served_until_fixed() {
    let (defs, definitions, mut server) = watched();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let page_url = format!("{}{PAGE}", server.url);
    let events = format!("{}/_preview/events", server.url);
    let status = |url: String| {
        let client = client.clone();
        async move { client.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };

    // The page loads the preview's script, told the generation it shows.
    let first = text(&client, &page_url).await;
    assert!(first.contains("<span class=\"sub\">Öresundskraft</span>"), "{first}");
    assert!(first.contains("<script src=\"/_preview.js\" data-generation=\"0\" defer>"));
    let script = client.get(format!("{}/_preview.js", server.url)).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.text().await.unwrap().contains("location.reload()"));
    assert_eq!(
        status(events.clone()).await,
        serde_json::json!({"generation": 0, "problems": [], "warnings": []})
    );

    // A changed name: the page and the API show it within seconds, and an open page's long
    // poll answers with the new generation.
    let waiting = tokio::spawn(status(format!("{events}?since=0")));
    write_company(defs.path(), "name = \"Öresundskraft Förhandsgranskning\"");
    eventually("the new name on the page", || async {
        text(&client, &page_url).await.contains("Öresundskraft Förhandsgranskning").then_some(())
    })
    .await;
    let names = company_names(&server).await;
    assert!(names.iter().any(|n| n == "Öresundskraft Förhandsgranskning"), "{names:?}");
    let answer = tokio::time::timeout(WITHIN, waiting).await.expect("the long poll ends").unwrap();
    assert_eq!(answer["problems"], serde_json::json!([]));
    let good = answer["generation"].as_u64().unwrap();
    assert!(good >= 1, "{answer}");
    eventually("one line on the terminal", || async {
        let out = server.stdout.lock().unwrap().join("\n");
        out.contains("definitionerna lästes om: 3 nätbolag (13 formulär").then_some(())
    })
    .await;

    // A broken change: the last good name is still served, and the problem is told with its
    // file and line to every open page.
    write_company(defs.path(), "nme = \"Trasigt namn\"");
    let broken = eventually("the problem told to open pages", || async {
        let now = status(format!("{events}?since={good}")).await;
        (now["generation"].as_u64() != Some(good)).then_some(now)
    })
    .await;
    let problems = broken["problems"].as_array().unwrap();
    let expected = format!("{definitions}/{COMPANY}:5:1: okänd nyckel `nme`");
    assert!(
        problems.iter().any(|p| p.as_str().unwrap().starts_with(&expected)),
        "{expected} in {broken}"
    );
    assert!(problems[0].as_str().unwrap().contains("menade du `name`?"), "{broken}");
    let page = text(&client, &page_url).await;
    assert!(page.contains("Öresundskraft Förhandsgranskning") && !page.contains("Trasigt"));
    let generation = broken["generation"].as_u64().unwrap();
    assert!(page.contains(&format!("data-generation=\"{generation}\"")), "{page}");
    assert!(company_names(&server).await.iter().any(|n| n == "Öresundskraft Förhandsgranskning"));
    eventually("the problem on the terminal", || async {
        let out = server.stdout.lock().unwrap().join("\n");
        (out.contains(&expected) && out.contains("1 problem i ")).then_some(())
    })
    .await;

    // Fixed: served again, and the pages' problems are gone.
    write_company(defs.path(), "name = \"Öresundskraft Igen\"");
    eventually("the fixed name on the page", || async {
        text(&client, &page_url).await.contains("Öresundskraft Igen").then_some(())
    })
    .await;
    assert!(company_names(&server).await.iter().any(|n| n == "Öresundskraft Igen"));
    let fixed = status(events.clone()).await;
    assert_eq!(fixed["problems"], serde_json::json!([]), "{fixed}");
    let generation = fixed["generation"].as_u64().unwrap();
    assert!(generation > broken["generation"].as_u64().unwrap());

    // An open page's long poll does not hold up the server's stop (it would for 25 s).
    let waiting = tokio::spawn(status(format!("{events}?since={generation}")));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    assert!(server.stop_with("-TERM").success());
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let last = tokio::time::timeout(WITHIN, waiting).await.expect("answered").unwrap();
    assert_eq!(last["generation"].as_u64(), Some(generation));
}

/// Removing a company file whose company has cases: the new definitions are served (the staff
/// may mean it), but the terminal and the open pages are told the company and its number of
/// cases; `check-definitions --data-dir` refuses the same folder.
#[tokio::test]
async fn a_removed_company_with_cases_is_named_with_its_number_of_cases() {
    let (defs, _, mut server) = watched();
    let anna = server.api(ANNA);
    let forms = anna.get("/forms").await.expect(200).clone();
    let norr = forms["companies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "exempelnat_norr")
        .unwrap()
        .clone();
    let kind = &norr["installation_types"][0];
    let new = serde_json::json!({
        "company": "exempelnat_norr",
        "installation_type": kind["id"],
        "job_type": kind["job_types"][0]["id"],
        "network_area": norr["network_areas"][0]["id"],
    });
    for _ in 0..2 {
        anna.post("/cases", new.clone()).await.expect(201);
    }
    let events = format!("{}/_preview/events", server.url);
    std::fs::remove_file(defs.path().join("companies/exempelnat_norr.toml")).unwrap();
    let warning =
        "nätbolaget `exempelnat_norr` finns inte längre i mappen, men 2 ärenden använder det";
    eventually("the warning on the terminal", || async {
        let out = server.stdout.lock().unwrap().join("\n");
        out.contains(&format!("varning: {warning}")).then_some(())
    })
    .await;
    let client = server.http().clone();
    let now: Value = client.get(&events).send().await.unwrap().json().await.unwrap();
    assert_eq!(now["problems"], serde_json::json!([]), "{now}");
    assert!(now["warnings"][0].as_str().unwrap().starts_with(warning), "{now}");
    assert!(server.stop_with("-TERM").success());

    let output = Command::new(BINARY)
        .arg("check-definitions")
        .arg(defs.path())
        .arg("--data-dir")
        .arg(server.data_dir.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains(warning), "{out}");
    // Without the store, the folder itself is good.
    let output = Command::new(BINARY).arg("check-definitions").arg(defs.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn watch_needs_a_definitions_folder() {
    let output = Command::new(BINARY).args(["serve", "--watch"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--definitions"), "{stderr}");
}

#[tokio::test]
async fn without_watch_no_page_loads_the_preview() {
    let server = Server::sqlite();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = text(&client, &format!("{}{PAGE}", server.url)).await;
    assert!(!page.contains("_preview"), "{page}");
    let script = client.get(format!("{}/_preview.js", server.url)).send().await.unwrap();
    assert_eq!(script.status(), 404);
}
