//! The links of attachments kept as local files (`crate::store::files::local`): routes of the
//! local server (`PUT /api/v1/uploads/{token}`, `GET /api/v1/downloads/{token}`). Each use asks
//! the case ([`LinkedCases`]): an upload is taken once, while its link is open and the case may
//! take files for its field; a download answers the name and type the case has for the file.
//! The S3 store's links go to the bucket instead.

use std::path::Path as FsPath;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};

use crate::http::attachments::attachment_not_found;
use crate::http::{ApiError, ErrorCode};
use crate::store::files::local::{
    Grant, LinkedCases, LocalFiles, create_private_dir, file_failed, part_path, private_file,
    split_key,
};
use crate::store::files::{content_disposition, file_key};

/// The routes of the links, on the local server's origin: the files, and the cases they ask.
/// The cases live in the router, not in `LocalFiles`, which the API's state holds: a cycle
/// would keep the store open past the server's stop, and SQLite's WAL with it.
pub fn routes(files: Arc<LocalFiles>, cases: Arc<dyn LinkedCases>) -> Router {
    Router::new()
        .route("/api/v1/uploads/{token}", put(upload))
        .route("/api/v1/downloads/{token}", get(download))
        .with_state(Links { files, cases })
}

#[derive(Clone)]
struct Links {
    files: Arc<LocalFiles>,
    cases: Arc<dyn LinkedCases>,
}

fn link_expired() -> ApiError {
    ApiError::new(
        ErrorCode::LinkExpired,
        "Länken har gått ut eller är ogiltig. Börja om med att bifoga filen eller ladda om sidan.",
    )
}

fn link_used() -> ApiError {
    ApiError::new(
        ErrorCode::LinkExpired,
        "Länken har redan använts eller gäller inte längre: filen är uppladdad, bekräftad eller \
         borttagen, eller så kan anmälan inte ta emot filer nu. Börja om med att bifoga filen.",
    )
}

/// `PUT /uploads/{token}`: the bytes of one upload, exactly the signed size, taken once while
/// the case allows it. They are streamed to a file of their own and moved in place only when
/// whole, never over an upload already there.
async fn upload(
    State(Links { files, cases }): State<Links>,
    Path(token): Path<String>,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let Some(Grant::Put { key, size }) = files.grant(&token) else {
        return Err(link_expired());
    };
    let Some(("uploads", case, attachment)) = split_key(&key) else {
        return Err(link_expired());
    };
    let path = files.path(&key).expect("a checked key");
    let confirmed = files.path(&file_key(case, attachment));
    if path.exists()
        || confirmed.is_some_and(|p| p.exists())
        || !cases.takes_upload(case, attachment).await?
    {
        return Err(link_used());
    }
    let folder = path.parent().expect("a key has a folder");
    create_private_dir(folder).map_err(file_failed)?;
    let part = part_path(&path);
    let written = receive(body, &part, size).await;
    // Taken only if nothing is there yet: a hard link never replaces a file.
    let placed = written.and_then(|()| match std::fs::hard_link(&part, &path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(link_used()),
        Err(e) => Err(file_failed(e).into()),
    });
    let _ = std::fs::remove_file(&part);
    placed.map(|()| StatusCode::OK)
}

/// Streams `body` to a new file at `part`: exactly `size` bytes, else refused.
async fn receive(body: Body, part: &FsPath, size: u64) -> Result<(), ApiError> {
    use std::io::Write;
    let too_large = || {
        ApiError::new(
            ErrorCode::BodyTooLarge,
            format!(
                "Filen är större än de {} som anmäldes. Bifoga filen igen.",
                forms::attachment::megabytes(size)
            ),
        )
    };
    let cut_off =
        || ApiError::new(ErrorCode::InvalidBody, "Filen kom inte fram hel. Bifoga den igen.");
    // Plain writes of each chunk to the page cache: short enough not to hold the runtime up.
    let mut file = private_file(part).map_err(file_failed)?;
    let mut stream = body.into_data_stream();
    let mut received = 0u64;
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        let chunk = chunk.map_err(|_| cut_off())?;
        received += chunk.len() as u64;
        if received > size {
            return Err(too_large());
        }
        file.write_all(&chunk).map_err(file_failed)?;
    }
    if received != size {
        return Err(cut_off());
    }
    file.sync_all().map_err(file_failed)?;
    Ok(())
}

/// `GET /downloads/{token}`: one attached file, as a download under the name and of the type
/// the case has for it.
async fn download(
    State(Links { files, cases }): State<Links>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let Some(Grant::Get { key }) = files.grant(&token) else {
        return Err(link_expired());
    };
    let Some(("cases", case, attachment)) = split_key(&key) else {
        return Err(link_expired());
    };
    let (name, content_type) =
        cases.attached(case, attachment).await?.ok_or_else(attachment_not_found)?;
    let bytes = files.read(&key)?.ok_or_else(attachment_not_found)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let value = |v: &str| HeaderValue::from_str(v).map_err(|_| ApiError::internal());
    headers.insert(header::CONTENT_TYPE, value(content_type)?);
    headers.insert(header::CONTENT_DISPOSITION, value(&content_disposition(&name))?);
    Ok(response)
}
