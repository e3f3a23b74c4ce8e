//! The case as a document (issue 23, CONTRACT section 6): `GET /cases/{id}/document.pdf` is a
//! PDF whose text (read back with poppler's `pdftotext`) has the case number, the firm, the
//! network company and, once approved, "Installationsmedgivande" with the company's conditions;
//! never an identity number. Read like the case: another firm gets 404, a draft a 409. On both
//! stores.

use reqwest::Method;
use serde_json::json;

use crate::support::both_stores;
use crate::support::cases::{create_case, edit, id_of, lookup, oresundskraft_registry};
use crate::support::server::{ANNA, Api, BERTIL, KARIN, Server, User};

both_stores!(
    the_document_follows_the_case_to_its_approval_without_identity_numbers,
    only_who_may_read_a_sent_case_gets_its_document,
);

/// The PDF of case `id` as `api` gets it: status, content type and the text in it.
async fn document(api: &Api, id: &str) -> (u16, String, String) {
    let path = format!("/cases/{id}/document.pdf");
    let response = api.request(Method::GET, &path).send().await.expect("the server answers");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = response.bytes().await.expect("a body");
    if kind != "application/pdf" {
        return (status, kind, String::from_utf8_lossy(&bytes).into_owned());
    }
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    (status, kind, pdf_text(&bytes))
}

/// The text of a PDF, as poppler's `pdftotext` extracts it (scripts/test installs it).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("case.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils) is installed: scripts/test installs it");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

/// Anna's case filled in from the registry, with the owner's identity number from the registry
/// typed in, and sent: `(id, version, the identity number's ten digits)`.
async fn sent_case(anna: &Api) -> (String, u64, String) {
    let id = id_of(&create_case(anna).await);
    let first = &oresundskraft_registry()[0];
    let body = json!({"version": 1, "meter_number": first.meter_number, "apply": true});
    lookup(anna, &id, body).await.expect(200);
    let fields = json!({
        "owner.identity_number": first.owner_identity_number,
        "installation.desired_meter_placement": "facade",
        "work.description": "Servisen flyttas till fasaden. Åäö ÅÄÖ é.",
        "work.planned_start": "2026-12-15",
    });
    edit(anna, &id, 2, fields).await.expect(200);
    anna.post(&format!("/cases/{id}/copy-from-owner"), json!({"version": 3})).await.expect(200);
    let sent = anna.post(&format!("/cases/{id}/submit"), json!({"version": 4})).await;
    assert_eq!(sent.expect(200)["status"], "submitted");
    let digits: String = first.owner_identity_number.chars().filter(char::is_ascii_digit).collect();
    let ten = digits[digits.len() - 10..].to_string();
    (id, 5, ten)
}

fn assert_no_identity_number(text: &str, ten_digits: &str) {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    assert!(!digits.contains(ten_digits), "an identity number in the document:\n{text}");
    assert!(!text.contains("Person-/organisationsnummer"), "{text}");
}

async fn the_document_follows_the_case_to_its_approval_without_identity_numbers(server: Server) {
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    let (id, v, identity) = sent_case(&anna).await;
    let case = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    let number = case["number"].as_str().unwrap().to_string();
    let owner = case["fields"]["owner.name"].as_str().unwrap().to_string();

    let (status, kind, text) = document(&anna, &id).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"), "{text}");
    for expected in [
        "Anmälan",
        number.as_str(),
        "Demo El AB",
        "Öresundskraft",
        "För godkännande",
        owner.as_str(),
        "Servisen flyttas till fasaden. Åäö ÅÄÖ é.",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    assert!(!text.contains("Installationsmedgivande"), "not before an approval:\n{text}");
    assert!(!text.contains("Plombering"), "no conditions before an approval");
    assert_no_identity_number(&text, &identity);

    let approve = json!({"version": v, "decision": "approve", "message": "Välkommen åter."});
    karin.post(&format!("/cases/{id}/decision"), approve).await.expect(200);
    for api in [&anna, &karin] {
        let (status, _, text) = document(api, &id).await;
        assert_eq!(status, 200, "{text}");
        for expected in [
            "Installationsmedgivande",
            number.as_str(),
            "Demo El AB",
            "Öresundskraft",
            "Godkänd",
            "karin",
            "Välkommen åter.",
            "Plombering bryts endast av behörig installatör.",
        ] {
            assert!(text.contains(expected), "{expected:?} in\n{text}");
        }
        assert_no_identity_number(&text, &identity);
    }
}

async fn only_who_may_read_a_sent_case_gets_its_document(server: Server) {
    let anna = server.api(ANNA);
    let (id, _, _) = sent_case(&anna).await;
    let (status, _, body) = document(&server.api(BERTIL), &id).await;
    assert_eq!(status, 404, "another firm: {body}");
    assert!(body.contains("case_not_found"), "{body}");
    let other_company =
        User { role: forms::Role::NetworkCompany, org: "fiktiva_elnat_syd", id: "sven" };
    let (status, _, body) = document(&server.api(other_company), &id).await;
    assert_eq!(status, 404, "another network company: {body}");

    let draft = id_of(&create_case(&anna).await);
    let answer = anna.get(&format!("/cases/{draft}/document.pdf")).await;
    let error = answer.expect_error(409, "invalid_status");
    assert!(error["message"].as_str().unwrap().contains("inte skickad"), "{error}");
    // The network company never sees a draft at all.
    let answer = server.api(KARIN).get(&format!("/cases/{draft}/document.pdf")).await;
    answer.expect_error(404, "case_not_found");
    // Unchanged by being read.
    let case = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(case["version"], 5);
}
