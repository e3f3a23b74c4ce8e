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

/// Step 1: the attachment's id and its upload link (`upload_url` and `headers`).
async fn start(api: &Api, id: &str, name: &str, size: usize) -> (String, Value) {
    let body = json!({"field": FIELD, "name": name, "size": size});
    let answer = api.post(&path(id), body).await;
    let link = answer.expect(201);
    assert_eq!(link["method"], "PUT");
    assert_eq!(link["expires_in"], 300);
    let url = link["upload_url"].as_str().expect("an upload link");
    assert!(!url.contains(name), "the link names no file: {url}");
    (link["id"].as_str().unwrap().to_string(), link.clone())
}

/// Step 2: `bytes` PUT to the link with this test's own HTTP client; the HTTP status.
async fn put(server: &Server, link: &Value, bytes: &[u8]) -> u16 {
    let mut put = server.http().put(link["upload_url"].as_str().unwrap()).body(bytes.to_vec());
    for (header, value) in link["headers"].as_object().expect("headers") {
        put = put.header(header, value.as_str().unwrap());
    }
    // A server may cut off a body it refuses before it is all sent: no answer then (0).
    put.send().await.map_or(0, |r| r.status().as_u16())
}

/// Steps 1 (declaring `size`) and 2: the attachment's id and the upload's HTTP status.
async fn upload(
    server: &Server,
    api: &Api,
    id: &str,
    name: &str,
    bytes: &[u8],
    size: usize,
) -> (String, u16) {
    let (attachment, link) = start(api, id, name, size).await;
    (attachment, put(server, &link, bytes).await)
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
    let (status, disposition, bytes) = download(&server, url).await;
    assert_eq!(status, 200);
    assert!(bytes == pdf, "{}: the owner downloads the bytes it uploaded", server.store);
    // The link names no file, not even encoded: the file itself carries its name.
    assert!(!url.contains("Situationsplan") && !url.contains("H%C3%B6gan"), "{url}");
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
    let kept = server.stored_files().await;
    assert!(
        !kept.iter().any(|key| key.ends_with(&plan)),
        "{}: the removed attachment's file is deleted: {kept:?}",
        server.store
    );
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

/// A page posing as the PDF: as long as the PDF, so that a signed size lets it through.
fn html(len: usize) -> Vec<u8> {
    let mut bytes = b"<!DOCTYPE html><script>alert('x')</script>".to_vec();
    bytes.resize(len, b' ');
    bytes
}

/// The download links of the case's attachments as `api` lists them.
async fn download_urls(api: &Api, id: &str) -> Vec<String> {
    list(api, id).await.iter().map(|a| a["download_url"].as_str().unwrap().to_string()).collect()
}

/// Issue 19: an upload link takes one upload, before the confirmation only. A confirmed PDF
/// cannot be replaced through its link (refused locally; on S3 the bytes land on the upload
/// key, which the case no longer reads); the link of a removed attachment does not bring it
/// back; an open link of a case that was sent meanwhile takes nothing. Downloads give the
/// bytes that were checked, and the server's trace never shows a link's token.
async fn an_upload_link_takes_one_upload_before_confirmation(server: Server) {
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    let local = !server.store.ends_with("s3");
    let id = id_of(&create_case(&anna).await);
    let pdf = pdf();
    let html = html(pdf.len());
    let mut links = Vec::new();

    let (plan, link) = start(&anna, &id, "plan.pdf", pdf.len()).await;
    if local {
        // A body short of the signed size is refused and does not use the link up.
        assert_eq!(put(&server, &link, &pdf[..100]).await, 422);
    }
    assert_eq!(put(&server, &link, &pdf).await, 200);
    if local {
        assert_eq!(put(&server, &link, &html).await, 403, "one upload per link");
    }
    let case = confirm(&anna, &id, &plan, "plan.pdf", 1).await;
    let mut version = version_of(case.expect(200));
    let after = put(&server, &link, &html).await;
    if local {
        assert_eq!(after, 403, "the link of a confirmed file is refused");
    }
    confirm(&anna, &id, &plan, "plan.pdf", version).await.expect_error(409, "already_exists");
    let urls = download_urls(&anna, &id).await;
    let (status, _, bytes) = download(&server, &urls[0]).await;
    assert_eq!(status, 200);
    assert!(bytes == pdf, "{}: the confirmed PDF stays as checked", server.store);
    links.push(link);

    // A removed attachment's link neither takes bytes nor confirms it again.
    let (gone, link) = start(&anna, &id, "borta.pdf", pdf.len()).await;
    assert_eq!(put(&server, &link, &pdf).await, 200);
    version = version_of(confirm(&anna, &id, &gone, "borta.pdf", version).await.expect(200));
    let removed = anna.delete(&format!("{}/{gone}?version={version}", path(&id))).await;
    version = version_of(removed.expect(200));
    let after = put(&server, &link, &html).await;
    if local {
        assert_eq!(after, 403, "the link of a removed file is refused");
    }
    let again = confirm(&anna, &id, &gone, "borta.pdf", version).await;
    again.expect_error(404, "attachment_not_found");
    links.push(link);

    // Sent: a link still open takes nothing, and nothing is confirmed.
    let (late, link) = start(&anna, &id, "sen.pdf", pdf.len()).await;
    let early = confirm(&anna, &id, &late, "sen.pdf", version).await;
    early.expect_error(404, "attachment_not_found");
    let version = fill_and_submit(&anna, &id, version).await;
    let after = put(&server, &link, &html).await;
    if local {
        assert_eq!(after, 403, "the link of a sent case is refused");
    }
    confirm(&anna, &id, &late, "sen.pdf", version).await.expect_error(409, "not_editable");
    links.push(link);

    let urls = download_urls(&karin, &id).await;
    assert_eq!(urls.len(), 1);
    let response = server.http().get(&urls[0]).send().await.unwrap();
    if local {
        assert_eq!(response.headers()["content-type"], "application/pdf");
    }
    assert!(
        response.bytes().await.unwrap() == pdf,
        "{}: the network company gets the PDF",
        server.store
    );

    // Neither the links' tokens nor the file's name is in the trace; the requests are.
    if local {
        let log = server.log();
        assert!(log.contains("/api/v1/uploads") && log.contains("/api/v1/downloads"), "{log}");
        let tokens = links
            .iter()
            .map(|l| l["upload_url"].as_str().unwrap())
            .chain(urls.iter().map(String::as_str));
        for url in tokens {
            let token = url.rsplit('/').next().unwrap();
            assert!(!log.contains(token), "a link's token in the trace: {log}");
        }
        assert!(!log.contains("plan.pdf"), "{log}");
    }
}

mod an_upload_link_takes_one_upload_before_confirmation {
    #[tokio::test]
    async fn sqlite_and_local_files() {
        let server = crate::support::server::Server::sqlite();
        super::an_upload_link_takes_one_upload_before_confirmation(server).await;
    }

    #[tokio::test]
    async fn dynamodb_and_s3() {
        let server = crate::support::server::Server::dynamodb_s3().await;
        super::an_upload_link_takes_one_upload_before_confirmation(server).await;
    }
}

/// Issue 19: links never confirmed count against the field's `max_files` with the attached
/// files, so they cannot pile files up; a refused upload frees its place at once.
async fn open_uploads_are_capped_by_max_files(server: Server) {
    let anna = server.api(ANNA);
    let id = id_of(&create_case(&anna).await);
    let pdf = pdf();
    let (attached, _) = upload(&server, &anna, &id, "plan.pdf", &pdf, pdf.len()).await;
    confirm(&anna, &id, &attached, "plan.pdf", 1).await.expect(200);
    let exe = program();
    let (refused, _) = upload(&server, &anna, &id, "plan.pdf", &exe, exe.len()).await;
    confirm(&anna, &id, &refused, "plan.pdf", 2).await.expect_error(422, "invalid_attachment");
    for n in 0..4 {
        start(&anna, &id, &format!("plan{n}.pdf"), pdf.len()).await;
    }
    let body = json!({"field": FIELD, "name": "plan5.pdf", "size": pdf.len()});
    let full = anna.post(&path(&id), body).await;
    let error = full.expect_error(422, "invalid_attachment");
    assert_eq!(
        error["message"],
        "Situationsplan får ha högst 5 filer och har redan 1 bifogade och 4 som laddas upp. \
         Bekräfta eller vänta ut uppladdningarna (högst fem minuter) och försök igen."
    );
    assert_eq!(full.error_fields(), [FIELD]);
    // Starting links changes no one's version of the case.
    let case = anna.get(&format!("/cases/{id}")).await;
    assert_eq!(version_of(case.expect(200)), 2);
}

mod open_uploads_are_capped_by_max_files {
    #[tokio::test]
    async fn sqlite_and_local_files() {
        super::open_uploads_are_capped_by_max_files(crate::support::server::Server::sqlite()).await;
    }

    #[tokio::test]
    async fn dynamodb_and_s3() {
        let server = crate::support::server::Server::dynamodb_s3().await;
        super::open_uploads_are_capped_by_max_files(server).await;
    }
}

/// Issue 19: the retention sweep removes local uploads never confirmed once their links have
/// expired, and leaves attached files and uploads still in time.
#[tokio::test]
async fn the_sweep_removes_uploads_never_confirmed() {
    use handler::store::files::local::LocalFiles;
    use handler::store::files::{Files, file_key, upload_key};
    let dir = tempfile::tempdir().unwrap();
    let store = handler::store::sqlite::SqliteStore::open(&dir.path().join("store.db")).unwrap();
    let local = LocalFiles::new(dir.path().join("attachments"), "http://x", &[7; 32]).unwrap();
    let (case, orphan, attached) = ("c-1", "a-1", "a-2");
    local.write(&upload_key(case, orphan), b"%PDF-1.4").unwrap();
    local.write(&file_key(case, attached), b"%PDF-1.4").unwrap();
    let files = Files::Local(std::sync::Arc::new(local));
    let defs = forms::Definitions::builtin();
    let kept = |files: &Files| {
        let Files::Local(local) = files else { unreachable!() };
        (
            local.read(&upload_key(case, orphan)).unwrap().is_some(),
            local.read(&file_key(case, attached)).unwrap().is_some(),
        )
    };
    let now = time::OffsetDateTime::now_utc();
    handler::retention::sweep(&store, &files, defs, now).await.unwrap();
    assert_eq!(kept(&files), (true, true), "an upload whose link still works stays");
    let later = now + time::Duration::minutes(6);
    handler::retention::sweep(&store, &files, defs, later).await.unwrap();
    assert_eq!(kept(&files), (false, true), "the orphan goes, the attached file stays");
    assert!(!dir.path().join("attachments/uploads").join(case).exists(), "its empty folder too");
}

/// Issue 19: on AWS the bucket's lifecycle removes what stays under `uploads/` (never
/// confirmed) after a day.
#[test]
fn the_bucket_expires_uploads_never_confirmed() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml"))
            .unwrap();
    let template = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
    let rules = template["Resources"]["AttachmentsBucket"]["Properties"]["LifecycleConfiguration"]
        ["Rules"]
        .as_vec()
        .expect("lifecycle rules");
    let rule = rules
        .iter()
        .find(|r| r["Prefix"].as_str() == Some(handler::store::files::UPLOAD_PREFIX))
        .expect("a rule on the upload prefix");
    assert_eq!(rule["Status"].as_str(), Some("Enabled"));
    assert_eq!(rule["ExpirationInDays"].as_i64(), Some(1));
}
