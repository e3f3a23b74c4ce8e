//! Attachments as files under the data directory (`handler serve`, only with the `local`
//! feature): files readable by the owner only, and the links to put and get them. A link's
//! token is an HS256 JWT of five minutes, signed with the server's key, naming the file's key
//! (case and attachment ids, never the file's name) and, for an upload, its exact size. The
//! links are routes of the local server (`crate::local::files`), which ask the case
//! ([`LinkedCases`]) on each use.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path as FsPath, PathBuf};
use std::pin::Pin;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{FileStore, Head, LINK_LIFETIME, UPLOAD_PREFIX, UploadLink};
use crate::store::{StoreError, StoreResult, is_case_id};

/// Creates `dir` and the folders above it that are missing, readable by their owner only: the
/// data directory holds customers' data, the signing key and Bilagor. A folder that exists is
/// left as it is.
pub fn create_private_dir(dir: &FsPath) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the links ask of the cases (the API's state answers).
pub trait LinkedCases: Send + Sync {
    /// Whether an upload to `attachment` of `case` is taken now: its link is open, not yet
    /// confirmed, and the case may take files for its field.
    fn takes_upload<'a>(
        &'a self,
        case: &'a str,
        attachment: &'a str,
    ) -> BoxFuture<'a, StoreResult<bool>>;

    /// The name and content type of `attachment` if `case` has it attached.
    fn attached<'a>(
        &'a self,
        case: &'a str,
        attachment: &'a str,
    ) -> BoxFuture<'a, StoreResult<Option<(String, &'static str)>>>;
}

/// The issuer of the local file links' tokens (never accepted as a sign-in).
const FILE_ISSUER: &str = "elanmalan-local-files";

/// What a local link's token allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Grant {
    /// Put exactly `size` bytes to `key` (an upload key).
    Put { key: String, size: u64 },
    /// Get `key` (an attachment's key).
    Get { key: String },
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

    /// Where `key` is kept; `None` for a key that is not `cases/<case id>/<attachment id>` or
    /// `uploads/<case id>/<attachment id>`.
    pub(crate) fn path(&self, key: &str) -> Option<PathBuf> {
        let (folder, case, id) = split_key(key)?;
        Some(self.dir.join(folder).join(case).join(id))
    }

    /// Stores bytes under `key` (written aside, then moved in place).
    pub fn write(&self, key: &str, bytes: &[u8]) -> StoreResult<()> {
        let path = self.path(key).ok_or_else(|| StoreError::Unavailable("bad file key".into()))?;
        let folder = path.parent().expect("a key has a folder");
        create_private_dir(folder).map_err(file_failed)?;
        let part = part_path(&path);
        write_private(&part, bytes).map_err(file_failed)?;
        std::fs::rename(&part, &path).map_err(file_failed)
    }

    /// The bytes of `key`, if it is there.
    pub fn read(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let Some(path) = self.path(key) else { return Ok(None) };
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(file_failed(e)),
        }
    }

    /// Removes the uploads never confirmed whose links had expired at `now` (and the parts of
    /// uploads cut off): how many files.
    pub fn remove_stale_uploads(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let before = std::time::SystemTime::from(now - LINK_LIFETIME);
        let uploads = self.dir.join(UPLOAD_PREFIX);
        let mut removed = 0;
        for case in read_dir_or_empty(&uploads)? {
            for file in read_dir_or_empty(&case)? {
                let modified = std::fs::metadata(&file).and_then(|m| m.modified());
                if modified.is_ok_and(|at| at < before) {
                    match std::fs::remove_file(&file) {
                        Ok(()) => removed += 1,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(file_failed(e)),
                    }
                }
            }
            // Only an empty folder goes; one still in use stays.
            let _ = std::fs::remove_dir(&case);
        }
        Ok(removed)
    }
}

/// `(folder, case id, attachment id)` of a file key.
pub(crate) fn split_key(key: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = key.split('/').collect();
    match parts[..] {
        [folder @ ("cases" | "uploads"), case, id] if is_case_id(case) && is_case_id(id) => {
            Some((folder, case, id))
        }
        _ => None,
    }
}

/// Where bytes are written before they are moved to `path`: a name of its own per write.
pub(crate) fn part_path(path: &FsPath) -> PathBuf {
    path.with_extension(format!("{}.part", uuid::Uuid::new_v4().simple()))
}

pub(crate) fn file_failed(e: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("attachment file: {e}"))
}

/// The entries of `dir`; none if it is not there.
fn read_dir_or_empty(dir: &FsPath) -> StoreResult<Vec<PathBuf>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(file_failed(e)),
    }
}

pub(crate) fn private_file(path: &FsPath) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn write_private(path: &FsPath, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    private_file(path)?.write_all(bytes)
}

impl FileStore for LocalFiles {
    async fn upload_url(&self, key: &str, size: u64) -> StoreResult<UploadLink> {
        let token = self.token(Grant::Put { key: key.into(), size });
        let headers = BTreeMap::from([("content-type".into(), "application/octet-stream".into())]);
        Ok(UploadLink { url: format!("{}/api/v1/uploads/{token}", self.base_url), headers })
    }

    /// The name and type are not in the link: the download asks the case for them.
    async fn download_url(&self, key: &str, _content_type: &str) -> StoreResult<String> {
        let grant = Grant::Get { key: key.into() };
        Ok(format!("{}/api/v1/downloads/{}", self.base_url, self.token(grant)))
    }

    async fn head(&self, key: &str) -> StoreResult<Option<Head>> {
        use std::io::Read;
        let Some(path) = self.path(key) else { return Ok(None) };
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(file_failed(e)),
        };
        let size = file.metadata().map_err(file_failed)?.len();
        let mut first = Vec::with_capacity(16);
        file.take(16).read_to_end(&mut first).map_err(file_failed)?;
        Ok(Some((size, first)))
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        let Some(path) = self.path(key) else { return Ok(()) };
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(file_failed(e)),
            _ => Ok(()),
        }
    }

    /// The name stays with the case (the download asks for it).
    async fn rename(&self, from: &str, to: &str, _name: &str) -> StoreResult<()> {
        let bad = || StoreError::Unavailable("bad file key".into());
        let (from, to) = (self.path(from).ok_or_else(bad)?, self.path(to).ok_or_else(bad)?);
        create_private_dir(to.parent().expect("a key has a folder")).map_err(file_failed)?;
        match std::fs::rename(from, to) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(file_failed(e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_tokens_name_their_grant_and_nothing_else_passes() {
        let dir = tempfile::tempdir().unwrap();
        let files = LocalFiles::new(dir.path().join("a"), "http://127.0.0.1:1", b"secret").unwrap();
        let put = Grant::Put { key: "uploads/c/a".into(), size: 12 };
        assert_eq!(files.grant(&files.token(put.clone())), Some(put));
        let other = LocalFiles::new(dir.path().join("b"), "http://x", b"other").unwrap();
        assert_eq!(other.grant(&files.token(Grant::Put { key: "k".into(), size: 1 })), None);
        assert_eq!(files.grant("not.a.token"), None);
        assert_eq!(files.path("cases/../x"), None);
        assert_eq!(files.path("cases/c/../../x"), None);
        assert!(files.path("cases/c-1/a-2").is_some());
        assert!(files.path("uploads/c-1/a-2").is_some());
        assert_eq!(files.path("other/c-1/a-2"), None);
        let get = files.token(Grant::Get { key: "cases/c-1/a-2".into() });
        assert!(!get.contains("pdf"), "a download link names no file");
    }
}
