//! Webhooks (issue 24, part 1; docs/api.md, "Webhooks"): a company admin registers a receiver,
//! the case's steps reach it signed, and an independent implementation of Standard Webhooks
//! (PyPI `standardwebhooks`, in `tests/fixtures/webhook_receiver.py`) verifies them; retries
//! with growing pauses, the pause after a day of failures, the addresses refused, and the
//! secret's rotation. The walk runs the real server on both stores; the rounds with a chosen
//! clock run the outbox's sender in-process on both stores.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use forms::{Action, HistoryEntry, Role, Status};
use handler::notify::{Mailer, deliver_due_at, deliver_due_until};
use handler::store::{Store, Webhook, WebhookSecret};
use handler::webhooks::{self, Policy, Sender};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::support::both_stores;
use crate::support::cases::{draft_fuse_change, submitted_case};
use crate::support::server::{ANNA, ASA, KARIN, Server};

/// The Python receiver, on a free port of 127.0.0.1; killed when dropped.
struct Receiver {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Receiver {
    /// A receiver that answers the first `failures` posts with 500.
    fn start(failures: u32) -> Receiver {
        let dir = tempfile::tempdir().unwrap();
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhook_receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir.path())
            .arg(failures.to_string())
            .spawn()
            .expect("python3 runs (scripts/test installs standardwebhooks)");
        let port_file = dir.path().join("port");
        for _ in 0..200 {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                return Receiver { child, dir, port: port.trim().parse().unwrap() };
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the receiver did not start: is `standardwebhooks` installed (scripts/test)?");
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The secrets it verifies with, each on its own.
    fn trust(&self, secrets: &[&str]) {
        std::fs::write(self.dir.path().join("secrets"), secrets.join("\n")).unwrap();
    }

    /// The posts it accepted so far.
    fn events(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("events.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// Waits until it has accepted `count` posts (the server's sender is woken by the change).
    async fn wait_for(&self, count: usize) -> Vec<Value> {
        for _ in 0..200 {
            let events = self.events();
            if events.len() >= count {
                return events;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the receiver got {:?}, not {count} events", self.events());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn body_of(event: &Value) -> Value {
    serde_json::from_str(event["body"].as_str().unwrap()).unwrap()
}

async fn webhook_walk(server: Server) {
    let (anna, karin, asa) = (server.api(ANNA), server.api(KARIN), server.admin_api(ASA));
    let receiver = Receiver::start(0);
    let events = json!(["case.sent", "case.approved", "case.message"]);

    // Only the company's admins manage webhooks.
    let register = json!({"url": receiver.url("/hook"), "events": events});
    anna.post("/webhooks", register.clone()).await.expect_error(403, "forbidden");
    karin.post("/webhooks", register.clone()).await.expect_error(403, "forbidden");
    karin.get("/webhooks").await.expect_error(403, "forbidden");

    // Addresses that could reach inside the network are refused, and nothing is stored.
    for url in [
        "http://10.0.0.5:8080/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fe80::1]/hook",
        "http://localhost:9000/hook",
        "http://127.0.0.1/hook",
        "ftp://hooks.example.se/",
    ] {
        let refused = asa.post("/webhooks", json!({"url": url, "events": events})).await;
        refused.expect_error(422, "invalid_webhook_url");
        assert_eq!(refused.error_fields(), ["url"], "{url}");
    }
    let unknown = json!({"url": receiver.url("/hook"), "events": ["case.sent", "case.nope"]});
    let refused = asa.post("/webhooks", unknown).await;
    refused.expect_error(422, "unknown_webhook_event");
    assert_eq!(refused.error_fields(), ["events"]);
    let none = json!({"url": receiver.url("/hook"), "events": []});
    asa.post("/webhooks", none).await.expect_error(422, "unknown_webhook_event");
    assert_eq!(asa.get("/webhooks").await.expect(200)["webhooks"], json!([]));

    // Registered: the secret is shown this once.
    let made = asa.post("/webhooks", register).await.expect(201).clone();
    let (id, secret) = (made["id"].as_str().unwrap(), made["secret"].as_str().unwrap());
    assert!(secret.starts_with("whsec_"), "{made}");
    receiver.trust(&[secret]);
    let listed = asa.get("/webhooks").await.expect(200).clone();
    assert_eq!(listed["webhooks"][0]["url"], receiver.url("/hook"));
    assert!(!listed.to_string().contains(&secret[6..]), "the secret is never shown again");

    // A walk: sent, then approved; both arrive, signed.
    let (case_id, version) = submitted_case(&anna).await;
    let approve = json!({"version": version, "decision": "approve"});
    karin.post(&format!("/cases/{case_id}/decision"), approve).await.expect(200);
    let got = receiver.wait_for(2).await;
    let bodies: Vec<Value> = got.iter().map(body_of).collect();
    assert_eq!(bodies[0]["type"], "case.sent");
    assert_eq!(bodies[1]["type"], "case.approved");
    for (event, body) in got.iter().zip(&bodies) {
        assert_eq!(event["verified"], json!([true]), "{event}");
        assert_eq!(event["headers"]["webhook-id"].as_str().unwrap().len(), 36, "{event}");
        assert_eq!(body["data"]["case_id"], case_id);
        assert_eq!(body["data"]["company"], "oresundskraft");
        assert!(body["data"]["number"].as_str().unwrap().starts_with("ÖK-"), "{body}");
        assert!(body["timestamp"].as_str().is_some(), "{body}");
    }
    assert_eq!(bodies[0]["data"]["status"], "submitted");
    assert_eq!(bodies[1]["data"]["status"], "approved");

    // The deliveries are listed, newest first.
    let listed = asa.get(&format!("/webhooks/{id}/deliveries")).await.expect(200).clone();
    let deliveries = listed["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2, "{listed}");
    assert_eq!(deliveries[0]["type"], "case.approved");
    assert_eq!(
        (deliveries[0]["delivered"].clone(), deliveries[0]["status"].clone()),
        (json!(true), json!(204))
    );

    // A rotation: the new secret is shown once, and both sign for a day.
    let rotated = asa.post(&format!("/webhooks/{id}/rotate"), json!({})).await.expect(200).clone();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    receiver.trust(&[secret, new_secret]);
    let listed = asa.get("/webhooks").await.expect(200).clone();
    assert!(listed["webhooks"][0]["old_secret_until"].is_string(), "{listed}");
    let message = json!({"text": "Vi hör av oss om mätarbytet."});
    karin.post(&format!("/cases/{case_id}/messages"), message).await.expect(200);
    let got = receiver.wait_for(3).await;
    assert_eq!(body_of(&got[2])["type"], "case.message");
    assert_eq!(got[2]["verified"], json!([true, true]), "each secret verifies on its own");
    let signatures = got[2]["headers"]["webhook-signature"].as_str().unwrap();
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");

    // Removed: nothing more is sent, and it is gone.
    asa.delete(&format!("/webhooks/{id}")).await.expect(204);
    asa.delete(&format!("/webhooks/{id}")).await.expect_error(404, "webhook_not_found");
    asa.get(&format!("/webhooks/{id}/deliveries")).await.expect_error(404, "webhook_not_found");
    asa.post("/webhooks/not-an-id/rotate", json!({})).await.expect_error(404, "webhook_not_found");
    let message = json!({"text": "Ett till meddelande."});
    karin.post(&format!("/cases/{case_id}/messages"), message).await.expect(200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.events().len(), 3);
}

both_stores!(webhook_walk);

/// Runs an in-process round test against both stores.
macro_rules! in_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let store =
                    handler::store::sqlite::SqliteStore::open(&dir.path().join("store.db"))
                        .unwrap();
                super::$name(&store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn dynamodb() {
                let store = crate::support::dynamodb::fresh_store(stringify!($name)).await;
                super::$name(&store).await;
            }
        }
    )*};
}

const COMPANY: &str = "oresundskraft";

fn webhook(url: &str, at: OffsetDateTime) -> Webhook {
    Webhook {
        id: uuid::Uuid::new_v4().to_string(),
        company: COMPANY.into(),
        url: url.into(),
        events: vec!["case.sent".into()],
        secrets: vec![WebhookSecret { key: webhooks::new_secret(), until: None }],
        created_by: "asa".into(),
        created_at: at,
        contact: Some("anmalningar@oresundskraft.example".into()),
        failing_since: None,
        paused_at: None,
        version: 1,
    }
}

/// A case stored, then sent at `at` with its events for `hooks` in the same write.
async fn send_case<S: Store>(s: &S, hooks: &[Webhook], at: OffsetDateTime) -> usize {
    let mut case = draft_fuse_change(&uuid::Uuid::new_v4().to_string(), "demo_el", at);
    s.create_case(&case).await.unwrap();
    case.history.push(HistoryEntry {
        at,
        by: "anna".into(),
        role: Some(Role::Installer),
        action: Action::Submit,
        from: Some(Status::Draft),
        to: Status::Submitted,
        message: None,
    });
    case.status = Status::Submitted;
    case.touch(at);
    let items = webhooks::events(&case, hooks, case.history.len() - 1, at);
    s.update_case_notifying(&case, &items).await.unwrap();
    items.len()
}

fn mailer() -> (tempfile::TempDir, Mailer) {
    let dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::Files(dir.path().join("mail"));
    (dir, mailer)
}

/// A receiver that fails three times gets the event on the fourth try, after growing pauses
/// (30 s, 1 min, 2 min), the same event each time.
async fn a_failing_receiver_gets_the_event_on_the_fourth_try<S: Store>(s: &S) {
    let receiver = Receiver::start(3);
    let t0 = OffsetDateTime::now_utc();
    let hook = webhook(&receiver.url("/hook"), t0);
    receiver.trust(&[&hook.secrets[0].key]);
    s.put_webhook(&hook, &[]).await.unwrap();
    assert_eq!(send_case(s, std::slice::from_ref(&hook), t0).await, 1);
    let (_dir, mailer) = mailer();
    let sender = Sender::new(Policy::AlsoLoopback).unwrap();
    let round =
        |seconds: i64| deliver_due_at(s, &mailer, &sender, t0 + time::Duration::seconds(seconds));

    let tried = round(0).await.unwrap();
    assert_eq!((tried.sent, tried.failed), (0, 1));
    let stored = s.webhook(COMPANY, &hook.id).await.unwrap().unwrap();
    assert_eq!(stored.failing_since, Some(t0));
    let waited = round(29).await.unwrap();
    assert_eq!((waited.sent, waited.failed), (0, 0), "not due before its pause");
    assert_eq!(round(30).await.unwrap().failed, 1);
    assert_eq!(round(89).await.unwrap().failed, 0);
    assert_eq!(round(90).await.unwrap().failed, 1);
    assert_eq!(round(209).await.unwrap().failed, 0);
    let fourth = round(210).await.unwrap();
    assert_eq!((fourth.sent, fourth.failed), (1, 0));
    assert_eq!(round(100_000).await.unwrap().sent, 0, "delivered once, gone from the outbox");

    let got = receiver.events();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["verified"], json!([true]), "{:?}", got[0]);
    let deliveries = s.webhook_deliveries(&hook.id, 10).await.unwrap();
    let attempts: Vec<_> = deliveries.iter().map(|d| (d.attempt, d.delivered, d.status)).collect();
    assert_eq!(
        attempts,
        [(4, true, Some(204)), (3, false, Some(500)), (2, false, Some(500)), (1, false, Some(500))]
    );
    assert!(deliveries.iter().all(|d| d.event_id == deliveries[0].event_id), "the same event");
    let stored = s.webhook(COMPANY, &hook.id).await.unwrap().unwrap();
    assert_eq!(stored.failing_since, None, "healthy again");
}

/// After a day of failures the webhook is paused, its event dropped, and its contact told by
/// e-mail; a paused webhook gets no new events.
async fn a_day_of_failures_pauses_the_webhook<S: Store>(s: &S) {
    let receiver = Receiver::start(1000);
    let t0 = OffsetDateTime::now_utc();
    let hook = webhook(&receiver.url("/hook"), t0);
    s.put_webhook(&hook, &[]).await.unwrap();
    send_case(s, std::slice::from_ref(&hook), t0).await;
    let (dir, mailer) = mailer();
    let sender = Sender::new(Policy::AlsoLoopback).unwrap();
    deliver_due_at(s, &mailer, &sender, t0).await.unwrap();
    let later = t0 + time::Duration::hours(23);
    assert_eq!(deliver_due_at(s, &mailer, &sender, later).await.unwrap().failed, 1);
    assert_eq!(s.webhook(COMPANY, &hook.id).await.unwrap().unwrap().paused_at, None);

    let day = t0 + time::Duration::hours(25);
    assert_eq!(deliver_due_at(s, &mailer, &sender, day).await.unwrap().failed, 1);
    let paused = s.webhook(COMPANY, &hook.id).await.unwrap().unwrap();
    assert_eq!(paused.paused_at, Some(day));
    // The e-mail went into the outbox with the pause, and out in the next round.
    let round = deliver_due_at(s, &mailer, &sender, day).await.unwrap();
    assert_eq!((round.sent, round.failed), (1, 0));
    let mail: Vec<_> = std::fs::read_dir(dir.path().join("mail")).unwrap().collect();
    assert_eq!(mail.len(), 1);
    let text = std::fs::read_to_string(mail[0].as_ref().unwrap().path()).unwrap();
    assert!(text.contains("anmalningar@oresundskraft.example"), "{text}");
    assert_eq!(send_case(s, &[paused], day).await, 0, "a paused webhook gets no events");
}

/// Where a delivery may not go, it does not go: on AWS not to http://, not to a name that
/// resolves to no public address; nowhere a redirect points.
async fn deliveries_go_only_where_allowed<S: Store>(s: &S) {
    let receiver = Receiver::start(0);
    let t0 = OffsetDateTime::now_utc();
    let (_dir, mailer) = mailer();
    // Stored as `handler serve` allows it, sent by the AWS outbox function.
    let plain = webhook(&receiver.url("/hook"), t0);
    let redirected = webhook(&receiver.url("/redirect"), t0);
    receiver.trust(&[&plain.secrets[0].key, &redirected.secrets[0].key]);
    for hook in [&plain, &redirected] {
        s.put_webhook(hook, &[]).await.unwrap();
    }
    send_case(s, &[plain.clone(), redirected.clone()], t0).await;
    let aws = Sender::new(Policy::PublicOnly).unwrap();
    let round = deliver_due_at(s, &mailer, &aws, t0).await.unwrap();
    assert_eq!((round.sent, round.failed), (0, 2));
    let refused = s.webhook_deliveries(&plain.id, 1).await.unwrap();
    assert_eq!(refused[0].status, None, "never connected");
    assert!(refused[0].reason.as_deref().unwrap().contains("https://"), "{refused:?}");

    // Locally the plain one goes; the redirect is not followed.
    let local = Sender::new(Policy::AlsoLoopback).unwrap();
    let later = t0 + time::Duration::minutes(1);
    let round = deliver_due_at(s, &mailer, &local, later).await.unwrap();
    assert_eq!((round.sent, round.failed), (1, 1));
    let redirect = s.webhook_deliveries(&redirected.id, 1).await.unwrap();
    assert_eq!(redirect[0].status, Some(302));
    assert_eq!(receiver.events().len(), 1, "only the plain one arrived");
    assert_eq!(receiver.events()[0]["path"], "/hook");
}

/// A round takes no item once its deadline has passed (the outbox function ends before Lambda's
/// timeout): the item stays due and goes out in the next round, once.
async fn a_round_past_its_deadline_leaves_the_rest_due<S: Store>(s: &S) {
    let receiver = Receiver::start(0);
    let t0 = OffsetDateTime::now_utc();
    let hook = webhook(&receiver.url("/hook"), t0);
    receiver.trust(&[&hook.secrets[0].key]);
    s.put_webhook(&hook, &[]).await.unwrap();
    send_case(s, std::slice::from_ref(&hook), t0).await;
    let (_dir, mailer) = mailer();
    let sender = Sender::new(Policy::AlsoLoopback).unwrap();
    let passed = Some(std::time::Instant::now());
    let round = deliver_due_until(s, &mailer, &sender, t0, passed).await.unwrap();
    assert_eq!((round.sent, round.failed), (0, 0));
    assert!(s.webhook_deliveries(&hook.id, 10).await.unwrap().is_empty(), "not attempted");
    let round = deliver_due_at(s, &mailer, &sender, t0).await.unwrap();
    assert_eq!((round.sent, round.failed), (1, 0));
    assert_eq!(receiver.events().len(), 1);
}

in_both_stores!(
    a_round_past_its_deadline_leaves_the_rest_due,
    a_failing_receiver_gets_the_event_on_the_fourth_try,
    a_day_of_failures_pauses_the_webhook,
    deliveries_go_only_where_allowed,
);

/// A name is resolved at each delivery, and one that resolves to no public address is
/// refused before any connection.
#[tokio::test]
async fn names_resolving_to_private_addresses_are_refused() {
    use reqwest::dns::Resolve;
    let resolver = webhooks::address::PublicResolver;
    assert!(resolver.resolve("localhost".parse().unwrap()).await.is_err());
}
