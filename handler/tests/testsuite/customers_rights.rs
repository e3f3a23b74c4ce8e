//! Customers' rights (issue 11): a network company finds every case that holds a personnummer
//! or organisationsnummer, across installer firms, exports it, and erases it from the cases
//! that are over; each act is audited, and the number is never written down.

use serde_json::{Value, json};

use crate::support::both_stores;
use crate::support::cases::{create_case, edit, id_of, lookup, oresundskraft_registry};
use crate::support::server::{ANNA, Api, BERTIL, KARIN, Server, assert_swedish};

both_stores!(
    a_data_subjects_cases_are_found_exported_and_erased,
    a_number_a_century_apart_is_another_person,
);

/// The person the requests are about, and an organisation in the same cases.
const PERSON: &str = "19121212-1212";
const ORGANISATION: &str = "556074-3089";

/// A case sent with `owner` and `payer` as the two identity numbers; its id and version.
async fn sent_case(api: &Api, owner: &str, payer: &str) -> (String, u64) {
    sent_case_with(api, owner, payer, json!({})).await
}

/// [`sent_case`], with `more` fields.
async fn sent_case_with(api: &Api, owner: &str, payer: &str, more: Value) -> (String, u64) {
    let id = id_of(&create_case(api).await);
    let meter = &oresundskraft_registry()[0].meter_number;
    let body = json!({"version": 1, "meter_number": meter, "apply": true});
    lookup(api, &id, body).await.expect(200);
    let mut fields = json!({
        "owner.identity_number": owner,
        "payer.name": "Betalare AB",
        "payer.identity_number": payer,
        "payer.street_address": "Industrigatan 4",
        "payer.postal_code": "252 25",
        "payer.city": "Helsingborg",
        "installation.desired_meter_placement": "facade",
        "work.description": "Servisen flyttas till fasaden.",
        "work.planned_start": "2026-12-15",
    });
    fields.as_object_mut().unwrap().extend(more.as_object().unwrap().clone());
    edit(api, &id, 2, fields).await.expect(200);
    let sent = api.post(&format!("/cases/{id}/submit"), json!({"version": 3})).await;
    assert_eq!(sent.expect(200)["status"], "submitted");
    (id, 4)
}

fn request(number: &str) -> Value {
    json!({"identity_number": number})
}

async fn a_data_subjects_cases_are_found_exported_and_erased(server: Server) {
    let (anna, bertil, karin) = (server.api(ANNA), server.api(BERTIL), server.api(KARIN));
    // The person owns A (Anna's firm) and pays for B (Bertil's firm, written without the
    // century: `+`, as the Tax Agency writes someone 100 or older); C is only the
    // organisation's. B is over (Ej godkänd), A is not.
    let (a, _) = sent_case(&anna, PERSON, ORGANISATION).await;
    let (b, b_version) = sent_case(&bertil, ORGANISATION, "121212+1212").await;
    let (c, _) = sent_case(&anna, ORGANISATION, ORGANISATION).await;
    let reject = json!({"version": b_version, "decision": "reject", "message": "Fel adress."});
    karin.post(&format!("/cases/{b}/decision"), reject).await.expect(200);

    // Only the network company may ask; the number must be one.
    anna.post("/data-subject/cases", request(PERSON)).await.expect_error(403, "forbidden");
    let bad = karin.post("/data-subject/cases", request("19121212-1213")).await;
    bad.expect_error(422, "invalid_fields");
    assert_eq!(bad.error_fields(), ["identity_number"]);

    // Found across firms, with the fields that hold it, and whether it may be erased.
    let found = karin.post("/data-subject/cases", request(PERSON)).await.expect(200).clone();
    let found: Vec<(&str, &Value, bool)> = found["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), &c["fields"], c["erasable"] == true))
        .collect();
    let mut found = found;
    found.sort_by_key(|(id, ..)| *id != a.as_str());
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0], (a.as_str(), &json!(["owner.identity_number"]), false));
    assert_eq!(found[1], (b.as_str(), &json!(["payer.identity_number"]), true));
    assert!(found.iter().all(|(id, ..)| *id != c.as_str()));

    // The export: each case, with the installation and the person's own sections only; not
    // who did what, the installer's address, nor messages that do not name them.
    let a_number = karin.get(&format!("/cases/{a}")).await.expect(200)["number"].clone();
    let export = karin.post("/data-subject/export", request(PERSON)).await.expect(200).clone();
    assert_eq!(export["company"], "oresundskraft");
    assert_eq!(export["cases"].as_array().unwrap().len(), 2);
    for case in export["cases"].as_array().unwrap() {
        let fields = case["fields"].as_object().unwrap();
        let theirs = if case["number"] == a_number { "owner." } else { "payer." };
        assert!(fields.keys().all(|k| k.starts_with(theirs) || k.starts_with("installation.")));
        assert!(fields.keys().any(|k| k.starts_with("installation.")));
        let text = case.to_string();
        let absent = ["\"by\"", "created_by", "uploaded_by", "contact_email", "\"id\""];
        for absent in [ORGANISATION, "@demo-el.example", "Fel adress", a.as_str(), b.as_str()]
            .iter()
            .chain(&absent)
        {
            assert!(!text.contains(absent), "{absent} in the export: {case}");
        }
        assert!(case["history"].as_array().unwrap().iter().any(|s| s["status"] == "submitted"));
    }

    // Erasure: from B, which is over, the whole of the section that held the number; A, open,
    // keeps it and says why.
    let b_before = karin.get(&format!("/cases/{b}")).await.expect(200).clone();
    let erasure = karin.post("/data-subject/erase", request(PERSON)).await.expect(200).clone();
    assert_eq!(erasure["erased"], json!([b_before["number"]]));
    let kept = erasure["kept"].as_array().unwrap();
    assert_eq!(kept.len(), 1);
    assert_swedish(kept[0]["reason"].as_str().unwrap());
    let b_after = karin.get(&format!("/cases/{b}")).await.expect(200).clone();
    assert_eq!(b_after["version"], b_before["version"].as_u64().unwrap() + 1);
    let fields = b_after["fields"].as_object().unwrap();
    assert!(fields.keys().all(|k| !k.starts_with("payer.")), "{fields:?}");
    assert_eq!(fields["owner.identity_number"], ORGANISATION, "the owner's data stays");
    assert_eq!(b_after["status"], "rejected");
    let a_after = karin.get(&format!("/cases/{a}")).await.expect(200).clone();
    assert_eq!(a_after["fields"]["owner.identity_number"], PERSON);

    // Asked again, only the open case holds the number.
    let again = karin.post("/data-subject/cases", request(PERSON)).await.expect(200).clone();
    assert_eq!(again["cases"].as_array().unwrap().len(), 1);

    // Each act is in the audit log, naming the cases and never the number.
    let audit = karin.get("/audit?limit=100").await.expect(200).clone();
    let acts: Vec<(&str, &str)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["act"] != "lookup")
        .map(|e| (e["act"].as_str().unwrap(), e["case_number"].as_str().unwrap()))
        .collect();
    let (a_number, b_number) = (a_number.as_str().unwrap(), b_after["number"].as_str().unwrap());
    assert_eq!(acts.len(), 4, "{acts:?}");
    assert_eq!(acts[0].0, "data_subject_search");
    assert!(acts[0].1.contains(a_number) && acts[0].1.contains(b_number), "{acts:?}");
    assert_eq!(acts[1].0, "data_subject_export");
    assert_eq!(acts[2], ("data_subject_erasure", b_number));
    assert_eq!(acts[3], ("data_subject_search", a_number));
    let text = audit.to_string() + &karin.get("/audit.csv").await.text;
    for digits in ["1212121212", "1212-1212"] {
        assert!(!text.contains(digits), "the number is in the audit log");
    }
    assert!(text.contains("radering av personuppgifter"));
    // The refused attempts (403, 422) were not acts.
}

/// `20121212-1212` and `19121212-1212` are two people: a request about one never finds,
/// exports or erases the other's case, however the stored number is written.
async fn a_number_a_century_apart_is_another_person(server: Server) {
    let (anna, bertil, karin) = (server.api(ANNA), server.api(BERTIL), server.api(KARIN));
    const CHILD: &str = "20121212-1212";
    // The old person's case as 12 digits and as 10 with `+`, the child's as 10 with `-`; all
    // three are over.
    let mut cases = Vec::new();
    for (api, owner) in [(&anna, PERSON), (&bertil, "121212+1212"), (&anna, "121212-1212")] {
        let (id, version) = sent_case(api, owner, ORGANISATION).await;
        let reject = json!({"version": version, "decision": "reject", "message": "Nej."});
        karin.post(&format!("/cases/{id}/decision"), reject).await.expect(200);
        cases.push(id);
    }
    let ids = |answer: &Value| {
        let mut ids: Vec<String> = answer["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };
    let found = karin.post("/data-subject/cases", request(CHILD)).await.expect(200).clone();
    assert_eq!(ids(&found), [cases[2].clone()]);
    let found = karin.post("/data-subject/cases", request(PERSON)).await.expect(200).clone();
    assert_eq!(ids(&found), sorted(cases[..2].to_vec()));

    let export = karin.post("/data-subject/export", request(CHILD)).await.expect(200).clone();
    assert_eq!(export["cases"].as_array().unwrap().len(), 1);
    assert_eq!(export["cases"][0]["fields"]["owner.identity_number"], "121212-1212");

    let erasure = karin.post("/data-subject/erase", request(CHILD)).await.expect(200).clone();
    assert_eq!(erasure["erased"].as_array().unwrap().len(), 1);
    for (id, owner) in cases.iter().zip([Some(PERSON), Some("121212+1212"), None]) {
        let case = karin.get(&format!("/cases/{id}")).await.expect(200).clone();
        assert_eq!(case["fields"]["owner.identity_number"].as_str(), owner, "{id}");
    }

    // Ten digits without a century the request cannot resolve are refused, naming the field.
    let refused = karin.post("/data-subject/cases", request("000229+1235")).await;
    let error = refused.expect_error(422, "invalid_fields");
    assert_eq!(refused.error_fields(), ["identity_number"]);
    assert_swedish(error["message"].as_str().unwrap());
}

/// After an erasure the person's name and number are nowhere: not in the case's history,
/// messages or decision texts, not in the e-mails still waiting in the outbox, and not in the
/// SQLite database or its write-ahead log, not even in the space of an e-mail sent and deleted
/// before (secure_delete, then a checkpoint).
#[tokio::test]
async fn an_erasure_leaves_no_trace_in_texts_outbox_or_the_sqlite_files() {
    // Long, and named often: the erased case needs fewer pages than before, and the pages it
    // gave up are where old bytes would stay.
    const NAME: &str = "Gretafina Ekström-Långström af Kullabygden";
    let often = |text: &str| format!("{text} ").repeat(20);
    let server = Server::sqlite();
    let data = server.data_dir.path().to_path_buf();
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    let (id, version) =
        sent_case_with(&anna, PERSON, ORGANISATION, json!({"owner.name": NAME})).await;
    let path = |action: &str| format!("/cases/{id}/{action}");
    let text = format!("Jag ringde {NAME} på {PERSON} om servisen.");
    karin.post(&path("messages"), json!({"text": often(&text)})).await.expect(200);
    // That e-mail goes out (and leaves the outbox); a file where the mail folder was keeps
    // the next ones in the outbox.
    let sent = || std::fs::read_dir(data.join("mail")).map_or(0, |d| d.count());
    for _ in 0..100 {
        if sent() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sent(), 2, "the submit's and the message's e-mails");
    std::fs::rename(data.join("mail"), data.join("mail-sent")).unwrap();
    std::fs::write(data.join("mail"), b"").unwrap();
    let text = "gretafina ekström-långström af kullabygden (121212+1212) svarar inte.";
    anna.post(&path("messages"), json!({"text": often(text)})).await.expect(200);
    let reject = json!({"version": version + 2, "decision": "reject",
        "message": often(&format!("{NAME} äger inte fastigheten."))});
    karin.post(&path("decision"), reject).await.expect(200);

    let sqlite_holds = |trace: &str| {
        ["elanmalan.sqlite3", "elanmalan.sqlite3-wal"].iter().any(|file| {
            let bytes = std::fs::read(data.join(file)).unwrap_or_default();
            bytes.windows(trace.len()).any(|w| w == trace.as_bytes())
        })
    };
    assert!(sqlite_holds("Gretafina"), "the name is stored before the erasure");

    let erasure = karin.post("/data-subject/erase", request(PERSON)).await.expect(200).clone();
    assert_eq!(erasure["erased"].as_array().unwrap().len(), 1);

    let case = karin.get(&format!("/cases/{id}")).await.expect(200).to_string();
    let traces = ["Gretafina", "gretafina", "1212-1212", "1212+1212", "1212121212"];
    for trace in traces {
        assert!(!case.contains(trace), "{trace} in the case: {case}");
    }
    assert!(case.contains("Jag ringde [raderat] på [raderat] om servisen."), "{case}");
    assert!(case.contains(ORGANISATION), "the payer's number is another's and stays");
    for trace in traces.iter().chain(&["Ekström"]) {
        assert!(!sqlite_holds(trace), "{trace} in the SQLite files");
    }
}
