//! Attachments as files under the data directory (`handler serve`): files readable by the
//! owner only, and the links to put and get them, which are routes of the local server
//! (`PUT /api/v1/uploads/{token}`, `GET /api/v1/downloads/{token}`). A link's token is an HS256
//! JWT of five minutes, signed with the server's key, naming the file's key and, for an upload,
//! its exact size. The S3 store's links go to the bucket instead.

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::http::attachments::attachment_not_found;
use crate::http::{ApiError, ErrorCode};
use crate::store::files::{FileStore, Head, LINK_LIFETIME, UploadLink, content_disposition};
use crate::store::{StoreError, StoreResult, is_case_id};

/// The routes of the links, on the local server's origin.
pub fn routes(files: Arc<LocalFiles>) -> Router {
    Router::new()
        .route("/api/v1/uploads/{token}", put(upload))
        .route("/api/v1/downloads/{token}", get(download))
        .with_state(files)
}

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
        super::create_private_dir(&dir)?;
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

    /// Where `key` is kept; `None` for a key that is not `cases/<case id>/<attachment id>`.
    fn path(&self, key: &str) -> Option<PathBuf> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts[..] {
            ["cases", case, id] if is_case_id(case) && is_case_id(id) => {
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
        super::create_private_dir(folder).map_err(failed)?;
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

fn write_private(path: &FsPath, bytes: &[u8]) -> std::io::Result<()> {
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

fn link_expired() -> ApiError {
    ApiError::new(
        ErrorCode::LinkExpired,
        "Länken har gått ut eller är ogiltig. Börja om med att bifoga filen eller ladda om sidan.",
    )
}

/// `PUT /uploads/{token}`: the bytes of one upload, exactly the signed size.
async fn upload(
    State(files): State<Arc<LocalFiles>>,
    Path(token): Path<String>,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let Some(Grant::Put { key, size }) = files.grant(&token) else {
        return Err(link_expired());
    };
    let limit = usize::try_from(size).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            ErrorCode::BodyTooLarge,
            format!(
                "Filen är större än de {} som anmäldes. Bifoga filen igen.",
                forms::attachment::megabytes(size)
            ),
        )
    })?;
    if bytes.len() as u64 != size {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "Filen kom inte fram hel. Bifoga den igen.",
        ));
    }
    files.write(&key, &bytes)?;
    Ok(StatusCode::OK)
}

/// `GET /downloads/{token}`: one file, as a download under its name.
async fn download(
    State(files): State<Arc<LocalFiles>>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let Some(Grant::Get { key, name, content_type }) = files.grant(&token) else {
        return Err(link_expired());
    };
    let bytes = files.read(&key)?.ok_or_else(attachment_not_found)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let value = |v: &str| HeaderValue::from_str(v).map_err(|_| ApiError::internal());
    headers.insert(header::CONTENT_TYPE, value(&content_type)?);
    headers.insert(header::CONTENT_DISPOSITION, value(&content_disposition(&name))?);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

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
