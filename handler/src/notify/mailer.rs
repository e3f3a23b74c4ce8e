//! Where e-mails go out: `.eml` files in a folder (local mode), or Amazon SES (on AWS).

use std::path::PathBuf;

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::store::Notification;

pub enum Mailer {
    /// Each e-mail as an RFC 5322 `.eml` file in this folder, to open with any mail program.
    Files(PathBuf),
    /// Amazon SES v2, from a verified sender address.
    Ses { client: aws_sdk_sesv2::Client, from: String },
}

/// Why an e-mail did not go out; the reasons name no address and no text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// It may go out later (the service was down, the sender not verified yet, ...).
    #[error("{0}")]
    Failed(String),
    /// It never can: its address is not one e-mail address, and is never written into `To:`.
    #[error("the address is not one e-mail address")]
    BadAddress,
}

impl Mailer {
    /// Sends one e-mail to its one checked address.
    pub async fn send(&self, notification: &Notification) -> Result<(), SendError> {
        if !forms::formats::is_single_address(&notification.to) {
            return Err(SendError::BadAddress);
        }
        match self {
            Mailer::Files(dir) => write_eml(dir, notification).map_err(SendError::Failed),
            Mailer::Ses { client, from } => {
                let text = |data: &str| Content::builder().data(data).charset("UTF-8").build();
                let failed = |e: aws_sdk_sesv2::error::BuildError| SendError::Failed(e.to_string());
                let subject = text(&notification.subject).map_err(failed)?;
                let body = text(&notification.body).map_err(failed)?;
                let message = Message::builder()
                    .subject(subject)
                    .body(Body::builder().text(body).build())
                    .build();
                client
                    .send_email()
                    .from_email_address(from)
                    .destination(Destination::builder().to_addresses(&notification.to).build())
                    .content(EmailContent::builder().simple(message).build())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        use aws_sdk_sesv2::error::ProvideErrorMetadata;
                        SendError::Failed(format!("ses: {}", e.code().unwrap_or("not reachable")))
                    })
            }
        }
    }
}

fn write_eml(dir: &PathBuf, n: &Notification) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the mail folder: {e}"))?;
    let date =
        n.created_at.format(&time::format_description::well_known::Rfc2822).unwrap_or_default();
    let text = format!(
        "From: Elanmalan <noreply@elanmalan.local>\r\nTo: {}\r\nSubject: {}\r\nDate: {date}\r\n\
         Message-ID: <{}@elanmalan.local>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}",
        n.to,
        encode_header(&n.subject),
        n.id,
        n.body.replace('\n', "\r\n"),
    );
    // Named by time, so a folder listing is the order they were written in.
    let name = format!("{}.eml", n.list_key().replace(['#', ':', '.'], "-"));
    std::fs::write(dir.join(name), text).map_err(|e| format!("cannot write an e-mail file: {e}"))
}

/// A header value as RFC 2047 wants it when it is not ASCII: `=?UTF-8?B?...?=`.
fn encode_header(value: &str) -> String {
    use base64::Engine;
    if value.is_ascii() {
        value.to_string()
    } else {
        format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(value))
    }
}
