//! Installer firms as data (issue 23): every case names its firm for both sides, the Inkorg
//! finds a firm by its name or organisation number, and a firm's admin adds and removes
//! colleagues, who gain and lose the firm's cases at once. On both stores.

use forms::Role;
use serde_json::{Value, json};

use crate::support::both_stores;
use crate::support::cases::{NEW_CASE, case_ids, id_of, submitted_case};
use crate::support::server::{ANNA, BERTIL, DAN, KARIN, Server, User};

both_stores!(
    both_sides_see_the_firms_name,
    the_inbox_finds_a_firm_by_name_or_organisation_number,
    a_colleague_added_sees_the_firms_cases_and_one_removed_loses_them_at_once,
    only_the_firms_own_admin_changes_its_members,
);

/// Another installer at Demo El AB, not a member until Dan adds her.
const ALVA: User = User { role: Role::Installer, org: "demo_el", id: "alva" };
const DEMO_EL: &str = "Demo El AB";

async fn both_sides_see_the_firms_name(server: Server) {
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    let (id, _) = submitted_case(&anna).await;
    let firm = json!({"id": "demo_el", "name": DEMO_EL});
    for api in [&anna, &karin] {
        assert_eq!(api.get(&format!("/cases/{id}")).await.expect(200)["firm"], firm);
        let list = api.get("/cases").await.expect(200).clone();
        let case = list["cases"].as_array().unwrap().iter().find(|c| c["id"] == id.as_str());
        assert_eq!(case.expect("the case is listed")["firm"], firm);
    }
    let own = anna.get("/firm").await.expect(200).clone();
    assert_eq!((own["id"].as_str(), own["name"].as_str()), (Some("demo_el"), Some(DEMO_EL)));
    assert_eq!(own["org_number"], "556677-8899");
    let members: Vec<&str> =
        own["members"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert_eq!(members, ["anna@demo-el.example", "dan@demo-el.example"]);
    karin.get("/firm").await.expect_error(403, "forbidden");
    // The e-mail of the sending names the firm (the outbox is sent in the background).
    let named = || {
        std::fs::read_dir(server.data_dir.path().join("mail")).into_iter().flatten().any(|e| {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap_or_default();
            text.contains("Ny anmälan") && text.contains("från Demo El AB")
        })
    };
    for _ in 0..100 {
        if named() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no e-mail names the firm");
}

async fn the_inbox_finds_a_firm_by_name_or_organisation_number(server: Server) {
    let (anna, bertil, karin) = (server.api(ANNA), server.api(BERTIL), server.api(KARIN));
    let (annas, _) = submitted_case(&anna).await;
    let (bertils, _) = submitted_case(&bertil).await;
    let found = |list: &Value| case_ids(list);
    for (filter, expected) in [
        ("demo%20el", vec![annas.clone()]),
        ("556677-8899", vec![annas.clone()]),
        ("5566778899", vec![annas.clone()]),
        ("ANNAN", vec![bertils.clone()]),
        ("559900-1129", vec![bertils.clone()]),
        // A valid number of no firm, and a name of none.
        ("556074-3089", vec![]),
        ("Ingen%20sådan", vec![]),
    ] {
        let list = karin.get(&format!("/cases?firm={filter}")).await.expect(200).clone();
        assert_eq!(found(&list), expected, "firm={filter}");
    }
}

async fn a_colleague_added_sees_the_firms_cases_and_one_removed_loses_them_at_once(server: Server) {
    let (anna, alva, dan) = (server.api(ANNA), server.api(ALVA), server.admin_api(DAN));
    let id = id_of(anna.post("/cases", new_case()).await.expect(201));
    let case = format!("/cases/{id}");
    alva.get(&case).await.expect_error(404, "case_not_found");
    assert_eq!(alva.get("/cases").await.expect(200)["cases"], json!([]));
    alva.post("/cases", new_case()).await.expect_error(403, "forbidden");

    let added = dan
        .post("/firm/members", json!({"email": " Alva@Demo-El.example ", "name": "Alva Ek"}))
        .await;
    assert_eq!(added.expect(201)["email"], "alva@demo-el.example");
    assert_eq!(alva.get(&case).await.expect(200)["firm"]["name"], DEMO_EL);
    assert_eq!(case_ids(alva.get("/cases").await.expect(200)), vec![id.clone()]);
    dan.post("/firm/members", json!({"email": "alva@demo-el.example"}))
        .await
        .expect_error(409, "already_exists");

    dan.delete("/firm/members/alva@demo-el.example").await.expect(204);
    alva.get(&case).await.expect_error(404, "case_not_found");
    assert_eq!(alva.get("/cases").await.expect(200)["cases"], json!([]));
    dan.delete("/firm/members/alva@demo-el.example").await.expect_error(404, "member_not_found");
    // Anna's own access is untouched.
    anna.get(&case).await.expect(200);
}

async fn only_the_firms_own_admin_changes_its_members(server: Server) {
    let (anna, alva) = (server.api(ANNA), server.api(ALVA));
    let id = id_of(anna.post("/cases", new_case()).await.expect(201));
    let alva_joins = json!({"email": "alva@demo-el.example"});
    // Not an admin.
    anna.post("/firm/members", alva_joins.clone()).await.expect_error(403, "forbidden");
    anna.delete("/firm/members/dan@demo-el.example").await.expect_error(403, "forbidden");
    // Another firm's admin adds her to their own firm, never to Demo El AB.
    let annan = server.admin_api(BERTIL);
    annan.post("/firm/members", alva_joins).await.expect(201);
    alva.get(&format!("/cases/{id}")).await.expect_error(404, "case_not_found");
    let demo = server.api(ANNA).get("/firm").await.expect(200).clone();
    assert!(!demo.to_string().contains("alva"), "{demo}");
    // Bad input names the field and changes nothing; no one removes themselves.
    let dan = server.admin_api(DAN);
    let bad = dan.post("/firm/members", json!({"email": "inte en adress"})).await;
    assert_eq!(bad.expect_error(422, "invalid_fields")["fields"][0]["field"], "email");
    dan.delete("/firm/members/dan@demo-el.example").await.expect_error(403, "forbidden");
    assert_eq!(anna.get("/firm").await.expect(200)["members"].as_array().unwrap().len(), 2);
}

fn new_case() -> Value {
    serde_json::from_str(NEW_CASE).unwrap()
}

/// The operator's `handler put-firm` (docs/deploy.md): the id and number checked, the members
/// added, and a second run that renames the firm keeps them.
#[tokio::test]
async fn handler_put_firm_registers_a_firm_and_its_first_members() {
    use handler::store::FirmStore;
    let dir = tempfile::tempdir().unwrap();
    let put = |args: &[&str]| {
        std::process::Command::new(crate::support::server::BINARY)
            .arg("put-firm")
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .output()
            .expect("handler put-firm runs")
    };
    let bad = put(&["--id", "ny_el", "--name", "Ny El AB", "--org-number", "556677-8898"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--org-number 556677-8898"));
    let args = ["--id", "ny_el", "--org-number", "5566778899", "--member", "Chef@Ny-El.example"];
    assert!(put(&[&args[..], &["--name", "Ny El"]].concat()).status.success());
    let again = put(&[&args[..], &["--name", "Ny El AB"]].concat());
    assert!(String::from_utf8_lossy(&again.stdout).contains("Ny El AB"), "{again:?}");
    let store =
        handler::store::sqlite::SqliteStore::open(&dir.path().join("elanmalan.sqlite3")).unwrap();
    let (firm, member) =
        store.firm_membership("ny_el", Some("chef@ny-el.example")).await.unwrap().unwrap();
    assert_eq!(
        (firm.name.as_str(), firm.org_number.as_str(), member),
        ("Ny El AB", "556677-8899", true)
    );
}
