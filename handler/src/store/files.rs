//! Where attachments' bytes are kept (the cases keep only what was attached): a port,
//! [`FileStore`], and two adapters. Clients never send a file through the API itself: they get
//! a short-lived link to put it to, and links to get it from.
//!
//! - [`LocalFiles`] (`handler serve`): files under `<data dir>/attachments/`, readable by the
//!   owner only; the links are routes of the local server (`PUT /api/v1/uploads/{token}`,
//!   `GET /api/v1/downloads/{token}`) whose token is an HS256 JWT of five minutes, signed with
//!   the server's key, naming the file's key and, for an upload, its exact size.
//! - [`S3Files`] (AWS): a private bucket, presigned PUT and GET links of five minutes.
//!
//! Keys are `cases/<case id>/<attachment id>` ([`file_key`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{StoreError, StoreResult};

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

    /// A link to get `key` as a download named `name` of type `content_type`.
    fn download_url(
        &self,
        key: &str,
        name: &str,
        content_type: &str,
    ) -> impl Future<Output = StoreResult<String>> + Send;

    /// The size and first bytes of `key`, if it was uploaded.
    fn head(&self, key: &str) -> impl Future<Output = StoreResult<Option<Head>>> + Send;

    /// Removes `key`; removing what is not there is no error.
    fn delete(&self, key: &str) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The key of an attachment's bytes.
pub fn file_key(case_id: &str, attachment_id: &str) -> String {
    format!("cases/{case_id}/{attachment_id}")
}

/// The file store a server was started with.
pub enum Files {
    /// None: the attachment routes answer 503 (on Lambda without `ATTACHMENTS_BUCKET`).
    Unconfigured,
    Local(LocalFiles),
    S3(S3Files),
}

fn unconfigured() -> StoreError {
    StoreError::Unavailable("no file store is configured".into())
}

impl FileStore for Files {
    async fn upload_url(&self, key: &str, size: u64) -> StoreResult<UploadLink> {
        match self {
            Files::Unconfigured => Err(unconfigured()),
            Files::Local(f) => f.upload_url(key, size).await,
            Files::S3(f) => f.upload_url(key, size).await,
        }
    }

    async fn download_url(&self, key: &str, name: &str, content_type: &str) -> StoreResult<String> {
        match self {
            Files::Unconfigured => Err(unconfigured()),
            Files::Local(f) => f.download_url(key, name, content_type).await,
            Files::S3(f) => f.download_url(key, name, content_type).await,
        }
    }

    async fn head(&self, key: &str) -> StoreResult<Option<Head>> {
        match self {
            Files::Unconfigured => Err(unconfigured()),
            Files::Local(f) => f.head(key).await,
            Files::S3(f) => f.head(key).await,
        }
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        match self {
            Files::Unconfigured => Err(unconfigured()),
            Files::Local(f) => f.delete(key).await,
            Files::S3(f) => f.delete(key).await,
        }
    }
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

// --- Local files ------------------------------------------------------------------------------

/// The issuer of the local file links' tokens (never accepted as a sign-in).
const FILE_ISSUER: &str = "elanmalan-local-files";

/// What a local link's token allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Grant {
    /// Put exactly `size` bytes to `key`.
    Put { key: String, size: u64 },
    /// Get `key` as `name` of type `content_type`.
    Get { key: String, name: String, content_type: String },
}

#[derive(Debug, Serialize, Deserialize)]
struct GrantClaims {
    #[serde(flatten)]
    grant: Grant,
    iss: String,
    exp: i64,
}

/// Attachments as files under a folder, with links served by the local server.
pub struct LocalFiles {
    dir: PathBuf,
    /// The server's address, e.g. `http://127.0.0.1:8080`.
    base_url: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl LocalFiles {
    /// Files under `dir` (created, owner-only), links on `base_url`, tokens signed with
    /// `secret`.
    pub fn new(dir: PathBuf, base_url: &str, secret: &[u8]) -> std::io::Result<LocalFiles> {
        create_private_dir(&dir)?;
        Ok(LocalFiles {
            dir,
            base_url: base_url.trim_end_matches('/').to_string(),
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        })
    }

    fn token(&self, grant: Grant) -> String {
        let exp = time::OffsetDateTime::now_utc().unix_timestamp() + LINK_LIFETIME.as_secs() as i64;
        let claims = GrantClaims { grant, iss: FILE_ISSUER.into(), exp };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// What a link's token allows, if it is ours and still valid.
    pub fn grant(&self, token: &str) -> Option<Grant> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[FILE_ISSUER]);
        validation.leeway = 0;
        let claims =
            jsonwebtoken::decode::<GrantClaims>(token, &self.decoding, &validation).ok()?;
        Some(claims.claims.grant)
    }

    /// Where `key` is kept; `None` for a key that is not `cases/<id>/<id>`.
    fn path(&self, key: &str) -> Option<PathBuf> {
        let parts: Vec<&str> = key.split('/').collect();
        let part_ok = |p: &str| {
            (1..=64).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        match parts[..] {
            ["cases", case, id] if part_ok(case) && part_ok(id) => {
                Some(self.dir.join("cases").join(case).join(id))
            }
            _ => None,
        }
    }

    /// Stores an upload's bytes under `key` (written aside, then moved in place).
    pub fn write(&self, key: &str, bytes: &[u8]) -> StoreResult<()> {
        let path = self.path(key).ok_or_else(|| StoreError::Unavailable("bad file key".into()))?;
        let failed = |e: std::io::Error| StoreError::Unavailable(format!("attachment file: {e}"));
        let folder = path.parent().expect("a key has a folder");
        create_private_dir(folder).map_err(failed)?;
        let part = path.with_extension("part");
        write_private(&part, bytes).map_err(failed)?;
        std::fs::rename(&part, &path).map_err(failed)
    }

    /// The bytes of `key`, if it is there.
    pub fn read(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let Some(path) = self.path(key) else { return Ok(None) };
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Unavailable(format!("attachment file: {e}"))),
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

impl FileStore for LocalFiles {
    async fn upload_url(&self, key: &str, size: u64) -> StoreResult<UploadLink> {
        let token = self.token(Grant::Put { key: key.into(), size });
        let headers = BTreeMap::from([("content-type".into(), "application/octet-stream".into())]);
        Ok(UploadLink { url: format!("{}/api/v1/uploads/{token}", self.base_url), headers })
    }

    async fn download_url(&self, key: &str, name: &str, content_type: &str) -> StoreResult<String> {
        let grant =
            Grant::Get { key: key.into(), name: name.into(), content_type: content_type.into() };
        Ok(format!("{}/api/v1/downloads/{}", self.base_url, self.token(grant)))
    }

    async fn head(&self, key: &str) -> StoreResult<Option<Head>> {
        use std::io::Read;
        let Some(path) = self.path(key) else { return Ok(None) };
        let failed = |e: std::io::Error| StoreError::Unavailable(format!("attachment file: {e}"));
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(failed(e)),
        };
        let size = file.metadata().map_err(failed)?.len();
        let mut first = Vec::with_capacity(16);
        file.take(16).read_to_end(&mut first).map_err(failed)?;
        Ok(Some((size, first)))
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        let Some(path) = self.path(key) else { return Ok(()) };
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(StoreError::Unavailable(format!("attachment file: {e}")))
            }
            _ => Ok(()),
        }
    }
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

    async fn download_url(&self, key: &str, name: &str, content_type: &str) -> StoreResult<String> {
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(content_disposition(name))
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

    #[test]
    fn local_tokens_name_their_grant_and_nothing_else_passes() {
        let dir = tempfile::tempdir().unwrap();
        let files = LocalFiles::new(dir.path().join("a"), "http://127.0.0.1:1", b"secret").unwrap();
        let put = Grant::Put { key: "cases/c/a".into(), size: 12 };
        assert_eq!(files.grant(&files.token(put.clone())), Some(put));
        let other = LocalFiles::new(dir.path().join("b"), "http://x", b"other").unwrap();
        assert_eq!(other.grant(&files.token(Grant::Put { key: "k".into(), size: 1 })), None);
        assert_eq!(files.grant("not.a.token"), None);
        assert_eq!(files.path("cases/../x"), None);
        assert_eq!(files.path("cases/c/../../x"), None);
        assert!(files.path("cases/c-1/a-2").is_some());
    }
}
