//! The SES adapter against a local SES-compatible server: moto's server mode (PyPI `moto[server]`,
//! which `scripts/test` installs), started on a free loopback port. The e-mail must arrive as
//! sent: sender, recipient, subject and text.

use std::sync::Arc;

use handler::notify::{Mailer, SendError};
use handler::store::Notification;

use crate::support::moto::Moto;

#[tokio::test]
async fn ses_sends_the_e_mail_as_written() {
    let moto = Moto::start();
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
        .region(aws_sdk_sesv2::config::Region::new("eu-north-1"))
        .endpoint_url(moto.url())
        .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
            "local", "local", None, None, "test",
        ))
        .build();
    let client = aws_sdk_sesv2::Client::from_conf(config);
    let from = "noreply@elanmalan.example";
    client.create_email_identity().email_identity(from).send().await.expect("an identity");

    let now = time::OffsetDateTime::now_utc();
    let notification = Notification {
        id: "n1".into(),
        to: "anna@demo-el.example".into(),
        subject: "ÖK-2026-00042 – Status: Godkänd".into(),
        body: "Ärende ÖK-2026-00042 hos Öresundskraft.\n".into(),
        created_at: now,
        attempts: 0,
        case_id: None,
        webhook: None,
        retry_at: now,
    };
    let mailer = Arc::new(Mailer::Ses { client, from: from.into() });
    mailer.send(&notification).await.expect("SES takes the e-mail");

    // What moto keeps of the sent messages.
    let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", moto.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages = data["ses"]["Message"].as_array().expect("moto lists SES messages");
    let sent = messages.iter().find(|m| m["subject"] == notification.subject.as_str());
    let sent = sent.unwrap_or_else(|| panic!("not among the sent messages: {messages:?}"));
    assert_eq!(sent["source"], from);
    assert_eq!(sent["body"], notification.body.as_str());
    assert_eq!(sent["destinations"]["ToAddresses"][0], "anna@demo-el.example");

    // A sender SES does not know is refused, with a reason that names no address.
    let stranger = Mailer::Ses {
        client: match &*mailer {
            Mailer::Ses { client, .. } => client.clone(),
            Mailer::Files(_) => unreachable!(),
        },
        from: "unknown@elanmalan.example".into(),
    };
    let refused = stranger.send(&notification).await.expect_err("an unverified sender");
    let SendError::Failed(refused) = refused else { panic!("{refused:?}") };
    assert!(refused.starts_with("ses: ") && !refused.contains('@'), "{refused}");

    // An address that is not one address never reaches SES, so no header is made of it.
    for to in ["anna@demo-el.example\r\nBcc: x@y.example", "anna@demo-el.example, x@y.example"] {
        let smuggled =
            Notification { to: to.into(), subject: "Smuggled".into(), ..notification.clone() };
        assert_eq!(mailer.send(&smuggled).await, Err(SendError::BadAddress), "{to:?}");
    }
    let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", moto.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let subjects: Vec<_> =
        data["ses"]["Message"].as_array().unwrap().iter().map(|m| &m["subject"]).collect();
    assert!(!subjects.iter().any(|s| *s == "Smuggled"), "{subjects:?}");
}
