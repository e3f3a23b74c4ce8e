//! The whole life of a case between the two sides (issue 8): case numbers, the inbox's pages
//! and filters, messages and what is unread, two handlers deciding at once, automatic
//! approval by a company's rule, and the audit log's pages and CSV file. On both stores.

use forms::Role;
use serde_json::{Value, json};

use crate::support::both_stores;
use crate::support::cases::{
    NEW_CASE, case_ids, create_case, edit, id_of, lookup, oresundskraft_registry, submitted_case,
    version_of,
};
use crate::support::server::{ANNA, Api, KARIN, OLLE, Server, User};

both_stores!(
    the_life_of_a_case,
    lists_come_in_pages,
    a_rule_approves_small_fuse_changes,
    every_step_mails_the_other_side,
);

/// A Säkringsändring asking for `fuse` A, filled in from the registry and sent.
async fn sent_fuse_change(anna: &Api, fuse: &str) -> Value {
    let new = json!({"company": "oresundskraft", "installation_type": "fuse_change",
        "job_type": "increase_main_fuse", "network_area": "helsingborg"});
    let id = id_of(anna.post("/cases", new).await.expect(201));
    let meter = &oresundskraft_registry()[1].meter_number;
    lookup(anna, &id, json!({"version": 1, "meter_number": meter, "apply": true}))
        .await
        .expect(200);
    let fields = json!({"owner.identity_number": "19121212-1212",
        "work.description": "Huvudsäkringen byts.", "work.requested_main_fuse": fuse});
    edit(anna, &id, 2, fields).await.expect(200);
    anna.post(&format!("/cases/{id}/copy-from-owner"), json!({"version": 3})).await.expect(200);
    anna.post(&format!("/cases/{id}/submit"), json!({"version": 4})).await.expect(200).clone()
}

async fn a_rule_approves_small_fuse_changes(server: Server) {
    let anna = server.api(ANNA);
    let small = sent_fuse_change(&anna, "25").await;
    assert_eq!(small["status"], "approved", "{small}");
    let last = small["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["by"].as_str()),
        (Some("approve"), Some("automatiskt"))
    );
    assert_eq!(last["role"], Value::Null);
    let message = last["message"].as_str().unwrap();
    assert!(message.contains("Säkringsändring till högst 25 A"), "the rule is named: {message}");
    assert_eq!(small["unread"], true, "the installer has news");
    assert_eq!(small["version"], 5, "submitted and approved in one change");

    assert_eq!(small["actions"], json!(["complete", "message"]), "the installer's moves now");

    let large = sent_fuse_change(&anna, "35").await;
    assert_eq!(large["status"], "submitted", "over the rule's limit: a handler decides");
}

async fn the_life_of_a_case(server: Server) {
    let (anna, karin, olle) = (server.api(ANNA), server.api(KARIN), server.api(OLLE));
    let (id, v) = submitted_case(&anna).await;
    let case = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    let number = case["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("ÖK-20") && number.len() == "ÖK-2026-00001".len(), "{number}");
    // Each side's moves on it now, by the core (CONTRACT section 6).
    assert_eq!(case["actions"], json!(["withdraw", "message"]));
    let seen = karin.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(seen["actions"], json!(["approve", "return", "reject", "message"]));

    // The company has news: the case is in the inbox, unread, found by its number.
    let inbox = karin.get("/cases").await.expect(200).clone();
    assert_eq!(case_ids(&inbox), [id.as_str()]);
    assert_eq!(inbox["cases"][0]["unread"], true);
    assert_eq!(inbox["cases"][0]["number"], number.as_str());
    let by_number = karin.get(&format!("/cases?q={}", number.to_lowercase())).await;
    assert_eq!(case_ids(by_number.expect(200)), [id.as_str()]);
    // The firm filter is the firm's id, exact (any case); part of it finds nothing.
    let firm = case["firm"]["id"].as_str().or(case["firm"].as_str()).unwrap().to_uppercase();
    let by_firm = karin.get(&format!("/cases?firm={firm}&q={number}")).await;
    assert_eq!(case_ids(by_firm.expect(200)), [id.as_str()]);
    let part = karin.get(&format!("/cases?firm={}", &firm[..firm.len() - 1])).await;
    assert!(case_ids(part.expect(200)).is_empty());
    let read = karin.post(&format!("/cases/{id}/read"), json!({})).await.expect(200).clone();
    assert_eq!((read["unread"].as_bool(), version_of(&read)), (Some(false), v), "same version");
    assert_eq!(anna.get(&format!("/cases/{id}")).await.expect(200)["unread"], false);

    // Meddelanden: either side, no version needed, news for the other side.
    let asked = karin
        .post(&format!("/cases/{id}/messages"), json!({"text": " Finns det ett foto? "}))
        .await;
    let asked = asked.expect(200).clone();
    let entry = asked["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["action"], "message");
    assert_eq!(
        (entry["by"].as_str(), entry["role"].as_str()),
        (Some("karin"), Some("network_company"))
    );
    assert_eq!(entry["message"], "Finns det ett foto?");
    assert_eq!(asked["status"], "submitted", "a message moves nothing");
    assert_eq!(anna.get(&format!("/cases/{id}")).await.expect(200)["unread"], true);
    let empty = anna.post(&format!("/cases/{id}/messages"), json!({"text": "  "})).await;
    empty.expect_error(422, "invalid_fields");
    let draft = id_of(&create_case(&anna).await);
    let on_draft = anna.post(&format!("/cases/{draft}/messages"), json!({"text": "Hej"})).await;
    on_draft.expect_error(409, "invalid_status");
    karin
        .post(&format!("/cases/{draft}/messages"), json!({"text": "Hej"}))
        .await
        .expect_error(404, "case_not_found");

    // Two handlers decide at once on the version they both read: one wins.
    let v = version_of(&asked);
    let approve = json!({"version": v, "decision": "approve"});
    let back = json!({"version": v, "decision": "return", "message": "Komplettera med foto."});
    let decide = format!("/cases/{id}/decision");
    let (a, b) = tokio::join!(karin.post(&decide, approve), olle.post(&decide, back));
    let (won, lost) = if a.status == 200 { (a, b) } else { (b, a) };
    won.expect(200);
    lost.expect_error(409, "version_conflict");
    let now = karin.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(now["status"], won.body["status"], "the winner's decision stands");
    assert_eq!(
        now["history"].as_array().unwrap().len(),
        asked["history"].as_array().unwrap().len() + 1
    );

    // A decision on a case the installer just withdrew.
    let (other, v) = submitted_case(&anna).await;
    anna.post(&format!("/cases/{other}/withdraw"), json!({"version": v})).await.expect(200);
    let late = karin
        .post(&format!("/cases/{other}/decision"), json!({"version": v, "decision": "approve"}))
        .await;
    late.expect_error(409, "version_conflict");
    let late = karin
        .post(&format!("/cases/{other}/decision"), json!({"version": v + 1, "decision": "approve"}))
        .await;
    late.expect_error(409, "invalid_status");

    // The audit log in pages, and as a CSV file in which no cell is a formula.
    // A user of a firm that is not in the store, known by the sign-in's claim alone (no e-mail
    // address could make them a member of one that is).
    let sly = User { role: Role::Installer, org: "sly_el", id: "=HYPERLINK(1)" };
    let sly = server.api(sly);
    let mine = id_of(&create_case(&sly).await);
    lookup(&sly, &mine, json!({"version": 1, "meter_number": "nothing"}))
        .await
        .expect_error(404, "installation_not_found");
    let first = karin.get("/audit?limit=1").await.expect(200).clone();
    assert_eq!(first["entries"].as_array().unwrap().len(), 1);
    let cursor = first["next_cursor"].as_str().expect("more than one lookup").to_string();
    let second = karin.get(&format!("/audit?limit=1&cursor={cursor}")).await.expect(200).clone();
    assert_ne!(first["entries"][0]["id"], second["entries"][0]["id"]);
    assert!(second["entries"][0]["case_number"].as_str().is_some_and(|n| n.starts_with("ÖK-")));
    let csv = karin.get("/audit.csv").await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv.header("content-type").is_some_and(|t| t.starts_with("text/csv")));
    assert!(
        csv.text.starts_with("tidpunkt,användare,installationsföretag,ärende,sökt på,hittad\r\n")
    );
    assert!(csv.text.contains(",'=HYPERLINK(1),sly_el,"), "{}", csv.text);
    assert!(!csv.text.contains(",=HYPERLINK"), "{}", csv.text);
    anna.get("/audit.csv").await.expect_error(403, "forbidden");
    karin.get("/audit?cursor=not-ours").await.expect_error(400, "invalid_query");
}

async fn lists_come_in_pages(server: Server) {
    let anna = server.api(ANNA);
    let new: Value = serde_json::from_str(NEW_CASE).unwrap();
    for _ in 0..120 {
        anna.post("/cases", new.clone()).await.expect(201);
    }
    let mut seen = Vec::new();
    let mut path = "/cases?limit=50".to_string();
    let mut pages = 0;
    loop {
        let page = anna.get(&path).await.expect(200).clone();
        pages += 1;
        seen.extend(case_ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/cases?limit=50&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (120, 120), "every case once");
    // Filters are applied by the server, page by page.
    let none = anna.get("/cases?status=submitted&limit=10").await.expect(200).clone();
    assert_eq!((case_ids(&none).len(), none["next_cursor"].clone()), (0, Value::Null));
    anna.get("/cases?limit=0").await.expect_error(400, "invalid_query");
    anna.get("/cases?limit=101").await.expect_error(400, "invalid_query");
}

/// The e-mails `handler serve` has written, as (To, Subject) pairs, waiting up to 10 s for
/// `count` of them: the outbox is sent in the background.
async fn mails(server: &Server, count: usize) -> Vec<(String, String)> {
    let dir = server.data_dir.path().join("mail");
    for _ in 0..100 {
        let mut found: Vec<(String, String, String)> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(|e| {
                        let path = e.ok()?.path();
                        let text = std::fs::read_to_string(&path).ok()?;
                        let header = |name: &str| {
                            text.lines()
                                .find_map(|l| l.strip_prefix(name))
                                .unwrap_or_default()
                                .to_string()
                        };
                        let name = path.file_name()?.to_string_lossy().to_string();
                        Some((name, header("To: "), header("Subject: ")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if found.len() >= count {
            found.sort();
            return found.into_iter().map(|(_, to, subject)| (to, subject)).collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("fewer than {count} e-mails in {}", dir.display());
}

/// Every status change and message mails the other side: the installer who created the case,
/// or the company's inbox address from its definitions.
async fn every_step_mails_the_other_side(server: Server) {
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    let (id, v) = submitted_case(&anna).await;
    let path = |action: &str| format!("/cases/{id}/{action}");
    karin.post(&path("messages"), json!({"text": "Finns det ett foto?"})).await.expect(200);
    let back = json!({"version": v + 1, "decision": "return", "message": "Komplettera."});
    karin.post(&path("decision"), back).await.expect(200);
    anna.post(&path("submit"), json!({"version": v + 2})).await.expect(200);
    karin
        .post(&path("decision"), json!({"version": v + 3, "decision": "approve"}))
        .await
        .expect(200);
    let done = json!({"version": v + 4, "fields": {"completion.date": "2026-12-20", "completion.meter_reading": "4711"}});
    anna.post(&path("completion"), done).await.expect(200);
    karin.post(&path("close"), json!({"version": v + 5})).await.expect(200);

    let sent = mails(&server, 7).await;
    let inbox = "anmalningar@oresundskraft.example";
    let anna_mail = "anna@demo-el.example";
    let to: Vec<&str> = sent.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(to, [inbox, anna_mail, anna_mail, inbox, anna_mail, inbox, anna_mail], "{sent:?}");
    // Subjects are RFC 2047 encoded (Swedish letters); they name the case.
    assert!(sent.iter().all(|(_, subject)| subject.starts_with("=?UTF-8?B?")), "{sent:?}");
    let file =
        std::fs::read_dir(server.data_dir.path().join("mail")).unwrap().next().unwrap().unwrap();
    let text = std::fs::read_to_string(file.path()).unwrap();
    assert!(text.contains("Öppna ärendet i Elanmälan: http://127.0.0.1:"), "{text}");
}
