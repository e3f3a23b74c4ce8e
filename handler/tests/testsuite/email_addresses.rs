//! E-mail headers from checked addresses only (issue 19): a sign-in whose `email` claim is not
//! exactly one address is refused, `handler token` makes none, and the mailer never writes
//! such an address into `To:` (it drops the e-mail rather than retry it for ever). Lambda's
//! side, `email_verified`, is in `lambda.rs`.

use std::process::Command;

use forms::Status;
use handler::local::LocalKey;
use handler::notify::{Mailer, deliver_due};
use handler::store::sqlite::SqliteStore;
use handler::store::{CaseStore, Notification, OutboxStore};
use handler::webhooks::{Policy, Sender};
use serde_json::Value;

use crate::support::cases::{NEW_CASE, draft_fuse_change};
use crate::support::server::{ANNA, BINARY, Server, assert_swedish};

const SMUGGLED: [&str; 4] = [
    "anna@demo-el.example\r\nBcc: x@y.example",
    "anna@demo-el.example\nBcc: x@y.example",
    "anna@demo-el.example, x@y.example",
    "Anna <anna@demo-el.example>",
];

#[tokio::test]
async fn a_sign_in_whose_email_is_not_one_address_is_refused() {
    let server = Server::sqlite();
    let key = LocalKey::load_or_create(server.data_dir.path()).unwrap();
    let anna = server.api(ANNA);
    let new_case: Value = serde_json::from_str(NEW_CASE).unwrap();
    for email in SMUGGLED {
        let token = key.mint(ANNA.role, ANNA.org, ANNA.id, None, Some(email));
        let smuggler = anna.with_token(&token);
        let error =
            smuggler.post("/cases", new_case.clone()).await.expect_error(403, "forbidden").clone();
        let message = error["message"].as_str().unwrap();
        assert_swedish(message);
        assert!(message.contains("e-postadress"), "{message}");
        smuggler.get("/cases").await.expect_error(403, "forbidden");
    }
    assert_eq!(anna.get("/cases").await.expect(200)["cases"], Value::Array(vec![]), "no case made");
    // One address, or none at all, signs in (at a firm that is not in the store: one that is
    // knows its members by their addresses).
    let token = key.mint(ANNA.role, "ny_el", ANNA.id, None, None);
    anna.with_token(&token).post("/cases", new_case.clone()).await.expect(201);
    anna.post("/cases", new_case).await.expect(201);
}

#[test]
fn handler_token_mints_no_token_with_a_smuggled_address() {
    let dir = tempfile::tempdir().unwrap();
    for email in SMUGGLED {
        let output = Command::new(BINARY)
            .args(["token", "--role", "installer", "--org", "demo_el", "--email", email])
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .output()
            .expect("handler token runs");
        assert_eq!(output.status.code(), Some(1), "{email:?}");
        assert!(output.stdout.is_empty(), "no token for {email:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("--email"), "{email:?}");
    }
}

/// An e-mail in the outbox to `to`, due now.
fn mail(id: &str, to: &str) -> Notification {
    let now = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    Notification {
        id: id.into(),
        to: to.into(),
        subject: "ÖK-2026-00001 – Status: Godkänd".into(),
        body: "Ärende ÖK-2026-00001.".into(),
        case_id: None,
        webhook: None,
        created_at: now,
        attempts: 0,
        retry_at: now,
    }
}

/// An address stored before addresses were checked at sign-in is never written into `To:`:
/// the e-mail leaves the outbox unsent, and the others go out.
#[tokio::test]
async fn the_mailer_never_writes_a_smuggled_address_into_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    let at = time::OffsetDateTime::now_utc();
    let mut case = draft_fuse_change("c1", "demo_el", at);
    case.status = Status::Submitted;
    store.create_case(&case).await.unwrap();
    case.touch(at);
    let mut outbox: Vec<_> =
        SMUGGLED.iter().enumerate().map(|(i, to)| mail(&format!("bad{i}"), to)).collect();
    outbox.push(mail("good", "anna@demo-el.example"));
    store.update_case_notifying(&case, &outbox).await.unwrap();

    let mail_dir = dir.path().join("mail");
    let mailer = Mailer::Files(mail_dir.clone());
    let hooks = Sender::new(Policy::PublicOnly).unwrap();
    let round = deliver_due(&store, &mailer, &hooks).await.unwrap();
    assert_eq!((round.sent, round.failed), (1, SMUGGLED.len()));
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(2);
    assert_eq!(store.due_notifications(later, 10).await.unwrap(), [], "dropped, not retried");
    let files: Vec<_> = std::fs::read_dir(&mail_dir).unwrap().map(|f| f.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("\r\nTo: anna@demo-el.example\r\n"), "{eml}");
    assert!(!eml.contains("Bcc") && !eml.contains("x@y.example"), "{eml}");
}
