//! Bilagor through the API, on SQLite with files under the data directory and on DynamoDB Local
//! with a private bucket in moto's S3, on Öresundskraft's Situationsplan: upload (a link, the bytes PUT to it by this HTTP client, a
//! confirmation), list and download by the owner firm and the network company, 404 for everyone
//! else, a renamed program and oversized files refused with Swedish messages, a stale version,
//! and removal.

use serde_json::{Value, json};

use crate::support::cases::{create_case, fill_and_submit, id_of, version_of};
use crate::support::server::{ANNA, Api, BERTIL, KARIN, OLLE, Server, User};

/// A case handler at another network company.
const SIV: User = User { role: forms::Role::NetworkCompany, org: "exempelnat_norr", id: "siv" };

const FIELD: &str = "work.site_plan";
const MIB: usize = 1024 * 1024;

/// A small PDF: its magic number, then some bytes.
fn pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    bytes.extend((0..5000u32).map(|i| (i * 7 % 251) as u8));
    bytes
}

/// A Windows program, as it begins.
fn program() -> Vec<u8> {
    let mut bytes = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    bytes.extend([0u8; 2000]);
    bytes
}

fn path(id: &str) -> String {
    format!("/cases/{id}/attachments")
}

/// Step 1 (declaring `size`) and step 2 (PUTting `bytes` to the link with this test's own
/// HTTP client): the attachment's id and the upload's HTTP status.
async fn upload(
    server: &Server,
    api: &Api,
    id: &str,
    name: &str,
    bytes: &[u8],
    size: usize,
) -> (String, u16) {
    let body = json!({"field": FIELD, "name": name, "size": size});
    let answer = api.post(&path(id), body).await;
    let link = answer.expect(201);
    assert_eq!(link["method"], "PUT");
    assert_eq!(link["expires_in"], 300);
    let url = link["upload_url"].as_str().expect("an upload link");
    assert!(!url.contains(name), "the link names no file: {url}");
    let mut put = server.http().put(url).body(bytes.to_vec());
    for (header, value) in link["headers"].as_object().expect("headers") {
        put = put.header(header, value.as_str().unwrap());
    }
    // A server may cut off a body it refuses before it is all sent: no answer then (0).
    let status = put.send().await.map_or(0, |r| r.status().as_u16());
    (link["id"].as_str().unwrap().to_string(), status)
}

/// Step 3.
async fn confirm(
    api: &Api,
    id: &str,
    attachment: &str,
    name: &str,
    version: u64,
) -> crate::support::server::Answer {
    let body = json!({"field": FIELD, "name": name, "version": version});
    api.put(&format!("{}/{attachment}", path(id)), body).await
}

/// The case's attachments as `who` lists them.
async fn list(api: &Api, id: &str) -> Vec<Value> {
    api.get(&path(id)).await.expect(200)["attachments"].as_array().unwrap().clone()
}

/// Downloads through a listed link: status, Content-Disposition and bytes.
async fn download(server: &Server, url: &str) -> (u16, String, Vec<u8>) {
    let response = server.http().get(url).send().await.expect("the download link answers");
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, disposition, response.bytes().await.unwrap().to_vec())
}

async fn attachments_walk(server: Server) {
    let (anna, bertil, karin, olle, siv) = (
        server.api(ANNA),
        server.api(BERTIL),
        server.api(KARIN),
        server.api(OLLE),
        server.api(SIV),
    );
    let id = id_of(&create_case(&anna).await);

    // Upload by the owner firm: the bytes go to the link, the confirmation attaches them.
    let pdf = pdf();
    let (plan, put) =
        upload(&server, &anna, &id, "Situationsplan Höganäs.pdf", &pdf, pdf.len()).await;
    assert_eq!(put, 200, "{}: the upload link takes the bytes", server.store);
    let case = confirm(&anna, &id, &plan, "Situationsplan Höganäs.pdf", 1).await;
    let case = case.expect(200);
    assert_eq!(version_of(case), 2);
    assert_eq!(case["attachments"][0]["id"], plan.as_str());
    assert_eq!(case["attachments"][0]["file_type"], "pdf");
    assert_eq!(case["attachments"][0]["size"], pdf.len());
    assert_eq!(case["attachments"][0]["uploaded_by"], "anna");

    let listed = list(&anna, &id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "Situationsplan Höganäs.pdf");
    let url = listed[0]["download_url"].as_str().unwrap();
    let (status, mut disposition, bytes) = download(&server, url).await;
    assert_eq!(status, 200);
    assert!(bytes == pdf, "{}: the owner downloads the bytes it uploaded", server.store);
    if server.store.ends_with("s3") {
        // moto ignores the response overrides that S3 applies; the signed link asks for it.
        let url = reqwest::Url::parse(url).unwrap();
        let asked = url.query_pairs().find(|(k, _)| k == "response-content-disposition");
        disposition = asked.map(|(_, v)| v.into_owned()).unwrap_or_default();
    }
    assert!(
        disposition.starts_with("attachment;")
            && disposition.contains("filename*=UTF-8''Situationsplan%20H%C3%B6gan%C3%A4s.pdf"),
        "{}: {disposition}",
        server.store
    );

    // Nobody else sees them: another firm, the network company before the case is sent,
    // another network company. Exactly as an unknown case.
    for (who, api) in [
        ("another firm", &bertil),
        ("the company before sending", &karin),
        ("another company", &siv),
    ] {
        let answer = api.get(&path(&id)).await;
        answer.expect_error(404, "case_not_found");
        assert!(!answer.text.contains("download_url"), "{who}: {}", answer.text);
    }

    // A program renamed plan.pdf is refused by its content, deleted, and not attached.
    let exe = program();
    let (renamed, put) = upload(&server, &anna, &id, "plan.pdf", &exe, exe.len()).await;
    assert_eq!(put, 200);
    let refused = confirm(&anna, &id, &renamed, "plan.pdf", 2).await;
    let error = refused.expect_error(422, "invalid_attachment");
    assert_eq!(
        error["message"],
        "Filen plan.pdf är inte en PDF-, JPEG- eller PNG-fil. Bifoga situationsplan som PDF, \
         JPEG eller PNG."
    );
    assert_eq!(refused.error_fields(), [FIELD]);
    let again = confirm(&anna, &id, &renamed, "plan.pdf", 2).await;
    again.expect_error(404, "attachment_not_found");
    assert_eq!(list(&anna, &id).await.len(), 1, "nothing was attached");

    // Too large, as declared: refused before any upload.
    let big =
        anna.post(&path(&id), json!({"field": FIELD, "name": "stor.pdf", "size": 11 * MIB})).await;
    let error = big.expect_error(422, "invalid_attachment");
    assert_eq!(error["message"], "Filen är 11,0 MB. Situationsplan får vara högst 10 MB.");
    assert_eq!(big.error_fields(), [FIELD]);

    // Too large, lying about it: the local store refuses the bytes over the signed size; S3's
    // stand-in takes them, and the confirmation measures the stored file and refuses it.
    let mut huge = pdf.clone();
    huge.resize(11 * MIB, 0);
    let (liar, put) = upload(&server, &anna, &id, "liten.pdf", &huge, 1000).await;
    if put == 200 {
        let refused = confirm(&anna, &id, &liar, "liten.pdf", 2).await;
        let error = refused.expect_error(422, "invalid_attachment");
        assert_eq!(error["message"], "Filen är 11,0 MB. Situationsplan får vara högst 10 MB.");
    } else {
        assert!(put == 413 || put == 0, "{}: the upload over its signed size: {put}", server.store);
    }
    confirm(&anna, &id, &liar, "liten.pdf", 2).await.expect_error(404, "attachment_not_found");
    assert_eq!(list(&anna, &id).await.len(), 1, "nothing was attached");

    // A stale version is a conflict, as for PATCH; the upload can still be confirmed after.
    let (second, _) = upload(&server, &anna, &id, "plan2.pdf", &pdf, pdf.len()).await;
    confirm(&anna, &id, &second, "plan2.pdf", 1).await.expect_error(409, "version_conflict");
    let case = confirm(&anna, &id, &second, "plan2.pdf", 2).await;
    assert_eq!(case.expect(200)["attachments"].as_array().unwrap().len(), 2);
    confirm(&anna, &id, &second, "plan2.pdf", 3).await.expect_error(409, "already_exists");

    // A file field holds no value.
    let patched = anna
        .patch(&format!("/cases/{id}"), json!({"version": 3, "fields": {FIELD: "x.pdf"}}))
        .await;
    patched.expect_error(422, "invalid_fields");
    assert_eq!(patched.error_fields(), [FIELD]);

    // Sent: the network company (both its case handlers) lists and downloads them; still no
    // one else.
    let version = fill_and_submit(&anna, &id, 3).await;
    for handler in [&karin, &olle] {
        let listed = list(handler, &id).await;
        assert_eq!(listed.len(), 2);
        let (status, _, bytes) =
            download(&server, listed[0]["download_url"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        assert!(bytes == pdf, "{}: the network company downloads the bytes", server.store);
    }
    bertil.get(&path(&id)).await.expect_error(404, "case_not_found");
    siv.get(&path(&id)).await.expect_error(404, "case_not_found");
    // The company only reads; a sent notice takes no more files.
    let by_company =
        karin.post(&path(&id), json!({"field": FIELD, "name": "a.pdf", "size": 10})).await;
    by_company.expect_error(403, "forbidden");
    let sent = anna.post(&path(&id), json!({"field": FIELD, "name": "a.pdf", "size": 10})).await;
    sent.expect_error(409, "not_editable");

    // Returned for completion: the installer removes one, and its link stops working.
    let returned = karin
        .post(
            &format!("/cases/{id}/decision"),
            json!({"version": version, "decision": "return", "message": "Fel plan."}),
        )
        .await;
    let version = version_of(returned.expect(200));
    let old_link = list(&anna, &id).await[0]["download_url"].as_str().unwrap().to_string();
    let unknown = format!("{}/{}", path(&id), uuid::Uuid::new_v4());
    anna.delete(&format!("{unknown}?version={version}"))
        .await
        .expect_error(404, "attachment_not_found");
    let removing = format!("{}/{plan}", path(&id));
    anna.delete(&format!("{removing}?version={}", version - 1))
        .await
        .expect_error(409, "version_conflict");
    let case = anna.delete(&format!("{removing}?version={version}")).await;
    let case = case.expect(200);
    assert_eq!(version_of(case), version + 1);
    let left: Vec<&str> = case["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["plan2.pdf"]);
    assert_eq!(list(&karin, &id).await.len(), 1);
    // S3 answers 403 for a key that is not there, to anyone who may not list the bucket.
    let (status, _, bytes) = download(&server, &old_link).await;
    assert!(
        status == 404 || status == 403 && server.store.ends_with("s3"),
        "{}: {status}",
        server.store
    );
    assert!(bytes != pdf, "{}: the removed file is gone", server.store);
}

mod attachments_walk {
    #[tokio::test]
    async fn sqlite_and_local_files() {
        super::attachments_walk(crate::support::server::Server::sqlite()).await;
    }

    #[tokio::test]
    async fn dynamodb_and_s3() {
        super::attachments_walk(crate::support::server::Server::dynamodb_s3().await).await;
    }
}
