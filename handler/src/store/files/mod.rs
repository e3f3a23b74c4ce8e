//! Where attachments' bytes are kept (the cases keep only what was attached): a port,
//! [`FileStore`], and two adapters. Clients never send a file through the API itself: they get
//! a short-lived link to put it to, and links to get it from.
//!
//! - [`LocalFiles`](local::LocalFiles) (`handler serve`, only with the `local` feature): files
//!   under `<data dir>/attachments/` with links served by the local server (`crate::local`).
//! - [`S3Files`] (AWS): a private bucket, presigned PUT and GET links of five minutes.
//!
//! An upload goes to `uploads/<case id>/<attachment id>` ([`upload_key`]), which its link may
//! write; the confirmation moves it to `cases/<case id>/<attachment id>` ([`file_key`]), which
//! no link writes, and checks it there. So the bytes checked are the bytes downloaded, and an
//! upload link used again after the confirmation never reaches the case. What stays under
//! `uploads/` was never confirmed: the retention sweep (local) or the bucket's lifecycle rule
//! (AWS) removes it.

use std::collections::BTreeMap;
use std::future::Future;
#[cfg(feature = "local")]
use std::sync::Arc;
use std::time::Duration;

use super::{StoreError, StoreResult};

#[cfg(feature = "local")]
pub mod local;

/// How long an upload or a download link works.
pub const LINK_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// A link to put a file's bytes to: the URL and the headers that must go with the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadLink {
    pub url: String,
    pub headers: BTreeMap<String, String>,
}

/// The size of a stored file and its first bytes (up to 16), to tell its type by.
pub type Head = (u64, Vec<u8>);

/// The bytes of attachments, by key.
pub trait FileStore: Send + Sync {
    /// A link to put exactly `size` bytes to `key`, for [`LINK_LIFETIME`].
    fn upload_url(
        &self,
        key: &str,
        size: u64,
    ) -> impl Future<Output = StoreResult<UploadLink>> + Send;

    /// A link to get `key` as a download of type `content_type`, under the name it was moved
    /// in with ([`FileStore::rename`]). The link never carries the name: links end up in
    /// histories and access logs.
    fn download_url(
        &self,
        key: &str,
        content_type: &str,
    ) -> impl Future<Output = StoreResult<String>> + Send;

    /// The size and first bytes of `key`, if it was uploaded.
    fn head(&self, key: &str) -> impl Future<Output = StoreResult<Option<Head>>> + Send;

    /// Removes `key`; removing what is not there is no error.
    fn delete(&self, key: &str) -> impl Future<Output = StoreResult<()>> + Send;

    /// Moves `from` to `to`, replacing it, to be downloaded as `name`; nothing if `from` is
    /// not there.
    fn rename(
        &self,
        from: &str,
        to: &str,
        name: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The key of an attachment's bytes once confirmed.
pub fn file_key(case_id: &str, attachment_id: &str) -> String {
    format!("cases/{case_id}/{attachment_id}")
}

/// Where an upload link puts the bytes of a file not yet confirmed.
pub fn upload_key(case_id: &str, attachment_id: &str) -> String {
    format!("{UPLOAD_PREFIX}{case_id}/{attachment_id}")
}

/// The prefix of [`upload_key`]: whatever is under it was never confirmed.
pub const UPLOAD_PREFIX: &str = "uploads/";

/// The file store a server was started with.
pub enum Files {
    /// None: the attachment routes answer 503 (on Lambda without `ATTACHMENTS_BUCKET`).
    Unconfigured,
    S3(S3Files),
    /// Files under the data directory (`handler serve`); the Lambda build has no such store.
    #[cfg(feature = "local")]
    Local(Arc<local::LocalFiles>),
}

/// Calls the configured store, whichever it is.
macro_rules! each_store {
    ($files:expr, $store:ident => $call:expr) => {
        match $files {
            Files::Unconfigured => Err(unconfigured()),
            Files::S3($store) => $call,
            #[cfg(feature = "local")]
            Files::Local($store) => $call,
        }
    };
}

fn unconfigured() -> StoreError {
    StoreError::Unavailable("no file store is configured".into())
}

impl FileStore for Files {
    async fn upload_url(&self, key: &str, size: u64) -> StoreResult<UploadLink> {
        each_store!(self, f => f.upload_url(key, size).await)
    }

    async fn download_url(&self, key: &str, content_type: &str) -> StoreResult<String> {
        each_store!(self, f => f.download_url(key, content_type).await)
    }

    async fn head(&self, key: &str) -> StoreResult<Option<Head>> {
        each_store!(self, f => f.head(key).await)
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        each_store!(self, f => f.delete(key).await)
    }

    async fn rename(&self, from: &str, to: &str, name: &str) -> StoreResult<()> {
        each_store!(self, f => f.rename(from, to, name).await)
    }
}

/// Removes the local uploads never confirmed whose links had expired at `now` (part of the
/// retention sweep); on S3 the bucket's lifecycle rule on [`UPLOAD_PREFIX`] does it.
pub async fn remove_stale_uploads(files: &Files, now: time::OffsetDateTime) -> StoreResult<()> {
    #[cfg(feature = "local")]
    if let Files::Local(local) = files {
        let removed = local.remove_stale_uploads(now)?;
        tracing::info!(removed, "unconfirmed uploads removed");
    }
    #[cfg(not(feature = "local"))]
    let _ = (files, now);
    Ok(())
}

/// `attachment; filename="plan.pdf"; filename*=UTF-8''pl%C3%A5n.pdf`: the name as it was, for
/// browsers (RFC 6266), and an ASCII stand-in for the others.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

// --- S3 ---------------------------------------------------------------------------------------

/// Attachments in a private S3 bucket, with presigned links.
pub struct S3Files {
    client: aws_sdk_s3::Client,
    bucket: String,
}

/// How long one S3 call may take, retries included (links are signed without a call).
const S3_OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

impl S3Files {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> S3Files {
        S3Files { client, bucket: bucket.into() }
    }

    /// A client from the standard AWS configuration. With an endpoint of its own
    /// (`AWS_ENDPOINT_URL_S3`, e.g. a local S3-compatible server) buckets are addressed by
    /// path, as such servers need.
    pub async fn client_from_env() -> aws_sdk_s3::Client {
        let shared = aws_config::load_from_env().await;
        let own_endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .iter()
            .any(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()));
        let timeouts = aws_sdk_s3::config::timeout::TimeoutConfig::builder()
            .operation_timeout(S3_OPERATION_TIMEOUT)
            .build();
        let config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(own_endpoint)
            .timeout_config(timeouts)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    fn presigning() -> aws_sdk_s3::presigning::PresigningConfig {
        aws_sdk_s3::presigning::PresigningConfig::expires_in(LINK_LIFETIME)
            .expect("five minutes is within S3's limits")
    }
}

fn s3_failed<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: E) -> StoreError {
    StoreError::Unavailable(format!("s3: {}", e.code().unwrap_or("not reachable")))
}

impl FileStore for S3Files {
    async fn upload_url(&self, key: &str, size: u64) -> StoreResult<UploadLink> {
        let size = i64::try_from(size).map_err(|_| StoreError::Unavailable("size".into()))?;
        let presigned = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_length(size)
            .content_type("application/octet-stream")
            .presigned(Self::presigning())
            .await
            .map_err(s3_failed)?;
        // Content-Length is signed, and the HTTP client sends it with the body.
        let headers = presigned
            .headers()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
            .collect();
        Ok(UploadLink { url: presigned.uri().to_string(), headers })
    }

    /// The name is the object's own Content-Disposition, set by [`FileStore::rename`].
    async fn download_url(&self, key: &str, content_type: &str) -> StoreResult<String> {
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_type(content_type)
            .presigned(Self::presigning())
            .await
            .map_err(s3_failed)?;
        Ok(presigned.uri().to_string())
    }

    async fn head(&self, key: &str) -> StoreResult<Option<Head>> {
        use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
        let answer =
            self.client.get_object().bucket(&self.bucket).key(key).range("bytes=0-15").send().await;
        let object = match answer {
            Ok(object) => object,
            Err(SdkError::ServiceError(e)) if e.err().is_no_such_key() => return Ok(None),
            // An empty object has no first byte to give.
            Err(SdkError::ServiceError(e)) if e.err().code() == Some("InvalidRange") => {
                return Ok(Some((0, Vec::new())));
            }
            Err(e) => return Err(s3_failed(e)),
        };
        // "bytes 0-15/12345": the whole object's size after the slash.
        let size = object
            .content_range()
            .and_then(|r| r.rsplit('/').next())
            .and_then(|total| total.parse().ok())
            .or_else(|| object.content_length().and_then(|n| u64::try_from(n).ok()))
            .unwrap_or(0);
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|_| StoreError::Unavailable("s3: body".into()))?
            .into_bytes();
        Ok(Some((size, bytes.iter().take(16).copied().collect())))
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(s3_failed)
    }

    /// CopyObject with the name as the copy's Content-Disposition, then DeleteObject of the
    /// source (S3 has no move).
    async fn rename(&self, from: &str, to: &str, name: &str) -> StoreResult<()> {
        use aws_sdk_s3::error::SdkError;
        let copied = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{from}", self.bucket))
            .key(to)
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .content_type("application/octet-stream")
            .content_disposition(content_disposition(name))
            .send()
            .await;
        match copied {
            Ok(_) => self.delete(from).await,
            Err(SdkError::ServiceError(e)) if is_missing(e.err()) => Ok(()),
            Err(e) => Err(s3_failed(e)),
        }
    }
}

/// Whether S3 refused a call because its object is not there.
fn is_missing<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("NoSuchKey")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_keeps_its_name_for_browsers_and_gets_an_ascii_one_for_others() {
        assert_eq!(
            content_disposition("Situationsplan Höganäs.pdf"),
            "attachment; filename=\"Situationsplan H_gan_s.pdf\"; \
             filename*=UTF-8''Situationsplan%20H%C3%B6gan%C3%A4s.pdf"
        );
        assert_eq!(
            content_disposition("a\"b;c.pdf"),
            "attachment; filename=\"a_b;c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"
        );
    }
}
