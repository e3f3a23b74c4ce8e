//! A network company publishes its own forms in the running service (issue 21): its admin
//! saves a version of `companies/<id>.toml`, tries its preview, publishes it and rolls back;
//! cases keep the version they were made with, and a draft moves on when it is edited.
//! docs/api.md, "Published definitions".

use serde_json::{Value, json};

use crate::support::SHIPPED;
use crate::support::both_stores;
use crate::support::cases::{id_of, version_of};
use crate::support::server::{ANNA, ASA, Api, KARIN, Server, User};

/// Öresundskraft's shipped file with a field of its own that a fuse change must have.
fn with_contact_field() -> String {
    let shipped =
        std::fs::read_to_string(format!("{SHIPPED}/companies/oresundskraft.toml")).unwrap();
    let offer = "[[installation_type]]\nid = \"fuse_change\"\n";
    assert!(shipped.contains(offer), "the shipped file offers fuse_change");
    let text = shipped.replace(offer, &format!("{offer}mandatory = [\"work.contact_on_site\"]\n"));
    format!(
        "{text}\n[[field]]\nid = \"work.contact_on_site\"\nlabel = \"Kontaktperson på plats\"\n\
         type = \"text\"\ninstallation_types = [\"fuse_change\"]\n"
    )
}

async fn new_fuse_change(anna: &Api) -> Value {
    let new = json!({"company": "oresundskraft", "installation_type": "fuse_change",
        "job_type": "increase_main_fuse", "network_area": "helsingborg"});
    anna.post("/cases", new).await.expect(201).clone()
}

fn problem_fields(case: &Value) -> Vec<&str> {
    case["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect()
}

async fn publish_walk(server: Server) {
    let (anna, karin, asa) = (server.api(ANNA), server.api(KARIN), server.admin_api(ASA));

    // Only the company's admins manage its forms.
    anna.get("/definitions").await.expect_error(403, "forbidden");
    karin.get("/definitions").await.expect_error(403, "forbidden");
    let listed = asa.get("/definitions").await.expect(200).clone();
    assert_eq!(listed["published"], 1, "{listed}");
    assert_eq!(listed["versions"][0]["state"], "published", "the shipped file is version 1");

    // A typo: every problem with its line, and nothing stored.
    let typo = with_contact_field().replace("name = \"Öresundskraft\"", "name = Öresundskraft");
    let refused = asa.post("/definitions", json!({"toml": typo, "note": "x"})).await;
    // The problems are `check-definitions`' own, in Swedish.
    let error = refused.expect_error(422, "definitions_invalid").clone();
    let body = json!({ "error": error });
    let line = body["error"]["fields"][0]["line"].as_u64().unwrap();
    let expected = typo.lines().position(|l| l.starts_with("name = Ö")).unwrap() as u64 + 1;
    assert_eq!(line, expected, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "companies/oresundskraft.toml");
    let listed = asa.get("/definitions").await.expect(200).clone();
    assert_eq!(listed["versions"].as_array().unwrap().len(), 1, "nothing stored: {listed}");

    // Three mistakes: all three at once, in line order, none in the reader's English.
    let three = with_contact_field()
        .replace("label = \"Kontaktperson på plats\"", "lable = \"Kontaktperson på plats\"")
        .replace("type = \"text\"\ninstallation_types", "type = \"txet\"\ninstallation_types")
        .replace(
            "installation_types = [\"fuse_change\"]\n",
            "installation_types = \"fuse_change\"\n",
        );
    let refused = asa.post("/definitions", json!({"toml": three, "note": "x"})).await;
    let error = refused.expect_error(422, "definitions_invalid");
    let fields = error["fields"].as_array().unwrap();
    let lines: Vec<u64> = fields.iter().map(|f| f["line"].as_u64().unwrap()).collect();
    assert_eq!(lines.len(), 3, "{error}");
    assert!(lines.is_sorted() && lines[0] < lines[2], "{error}");
    for f in fields {
        let message = f["message"].as_str().unwrap();
        for word in ["expected", "invalid type", "variant", "u32", "string"] {
            assert!(!message.contains(word), "{message}");
        }
    }

    // A good draft, and its preview; the case made before stays on version 1.
    let before = new_fuse_change(&anna).await;
    assert_eq!(before["definitions_version"], 1);
    let saved = asa
        .post("/definitions", json!({"toml": with_contact_field(), "note": "Kontaktperson"}))
        .await;
    let draft = saved.expect(201).clone();
    assert_eq!((draft["version"].as_u64(), draft["state"].as_str()), (Some(2), Some("draft")));
    let preview = draft["preview_url"].as_str().unwrap().to_string();
    let page = server.http().get(format!("{}{preview}fuse_change/", server.url)).send().await;
    let page = page.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["x-robots-tag"], "noindex, nofollow");
    let html = page.text().await.unwrap();
    assert!(html.contains("Kontaktperson på plats"), "the draft's field in its preview");
    let wrong = preview.replace("/2/", "/2/x");
    let page = server.http().get(format!("{}{wrong}fuse_change/", server.url)).send().await;
    assert_eq!(page.unwrap().status(), 404, "a wrong key is unknown");
    // Trying a case in the preview stores nothing and names the new mandatory field.
    let tried = karin
        .post(
            &format!("{}check", preview.trim_start_matches("/api/v1")),
            json!({
            "installation_type": "fuse_change", "job_type": "increase_main_fuse",
            "fields": {"owner.name": "Test Testsson"}}),
        )
        .await;
    let tried = tried.expect(200).clone();
    assert!(problem_fields(&tried).contains(&"work.contact_on_site"), "{tried}");
    assert_eq!(tried["fields"]["owner.name"], "Test Testsson");

    // The changes, then publish; a stale confirmation is refused.
    let changes = asa.get("/definitions/2/changes").await.expect(200).clone();
    assert_eq!((changes["from"].as_u64(), changes["to"].as_u64()), (Some(1), Some(2)));
    let texts = changes["changes"].to_string();
    assert!(texts.contains("Kontaktperson på plats"), "the new field is named: {texts}");
    asa.post("/definitions/2/publish", json!({"published": 2}))
        .await
        .expect_error(409, "version_conflict");
    let published = asa.post("/definitions/2/publish", json!({"published": 1})).await;
    assert_eq!(published.expect(200)["published"], 2);
    asa.post("/definitions/2/publish", json!({"published": 1}))
        .await
        .expect_error(409, "version_conflict");

    // A new case gets version 2 and its new mandatory field; the page shows it at once.
    let after = new_fuse_change(&anna).await;
    assert_eq!(after["definitions_version"], 2);
    assert!(problem_fields(&after).contains(&"work.contact_on_site"), "{after}");
    let page = server.http().get(format!("{}/anmalan/oresundskraft/fuse_change/", server.url));
    let html = page.send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Kontaktperson på plats"), "the published page");

    // The case made before keeps version 1 until the installer edits it.
    let id = id_of(&before);
    let kept = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(kept["definitions_version"], 1);
    assert!(!problem_fields(&kept).contains(&"work.contact_on_site"), "{kept}");
    let edit = json!({"version": version_of(&kept), "fields": {"owner.name": "Anna Andersson"}});
    let moved = anna.patch(&format!("/cases/{id}"), edit).await.expect(200).clone();
    assert_eq!(moved["definitions_version"], 2);
    assert!(problem_fields(&moved).contains(&"work.contact_on_site"), "{moved}");
    assert_eq!(moved["fields"]["owner.name"], "Anna Andersson");
    let last = moved["history"].as_array().unwrap().last().unwrap().clone();
    assert!(last["message"].as_str().unwrap_or("").contains('2'), "named: {last}");

    // Roll back: new cases get version 1 again.
    let rolled = asa.post("/definitions/1/publish", json!({"published": 2})).await;
    assert_eq!(rolled.expect(200)["published"], 1);
    let again = new_fuse_change(&anna).await;
    assert_eq!(again["definitions_version"], 1);
    assert!(!problem_fields(&again).contains(&"work.contact_on_site"), "{again}");
    let listed = asa.get("/definitions").await.expect(200).clone();
    let states: Vec<&str> = listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["published", "retired"], "{listed}");
    assert_eq!(listed["versions"][1]["state_label"], "Tidigare publicerad", "from the core");
    let by: Vec<(u64, &str)> = listed["publications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["version"].as_u64().unwrap(), p["by"].as_str().unwrap()))
        .collect();
    assert_eq!(by, [(1, "admin_oresund"), (2, "admin_oresund")], "newest first");

    // Every publication is in the company's audit log.
    let audit = karin.get("/audit").await.expect(200).clone();
    let publishes = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["act"] == "definitions_published")
        .count();
    assert_eq!(publishes, 2, "{audit}");

    // Another company's admin sees only its own versions, and cannot try these.
    let siv = User { role: forms::Role::NetworkCompany, org: "exempelnat_norr", id: "siv" };
    let other = server.admin_api(siv);
    let theirs = other.get("/definitions").await.expect(200).clone();
    assert_eq!(theirs["versions"].as_array().unwrap().len(), 1, "{theirs}");
    other.get("/definitions/2").await.expect_error(404, "definitions_version_not_found");
    other
        .post("/definitions/2/publish", json!({"published": 1}))
        .await
        .expect_error(404, "definitions_version_not_found");
    let check = format!("{}check", preview.trim_start_matches("/api/v1"));
    let body =
        json!({"installation_type": "fuse_change", "job_type": "increase_main_fuse", "fields": {}});
    server
        .api(siv)
        .post(&check, body.clone())
        .await
        .expect_error(404, "definitions_version_not_found");
    anna.post(&check, body).await.expect_error(404, "definitions_version_not_found");
}

both_stores!(publish_walk);
