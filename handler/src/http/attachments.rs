//! Attachments (bilagor) of a case, in three steps: ask for an upload link, put the bytes to
//! it, confirm. The link is recorded on the case as an open upload, which counts against the
//! field's `max_files` until it is confirmed or expires. The confirmation moves the upload to
//! the attachment's own key, which no link writes, and checks the file there (size, type by
//! content); only then is it part of the case, and the bytes checked are the bytes downloaded.
//! Listing gives short-lived download links, to the owner firm and the case's network company
//! only. Logs never carry file names.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use std::sync::Arc;

use forms::{Attachment, Case, Definitions, Form, FormPart, OpenUpload, Problem, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::body::{JsonBody, Params, whole_number};
use super::cases::{ApiResult, CaseView, form_or_gone, load, now, view};
use super::error::{ApiError, ErrorCode};
use crate::store::files::{FileStore, LINK_LIFETIME, file_key, upload_key};
use crate::store::{Store, StoreError, is_case_id};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttachment {
    /// A field of type `file` of the case's form.
    pub field: String,
    /// The file's name.
    pub name: String,
    /// The file's size in bytes; the upload must be exactly this long.
    pub size: u64,
}

/// Where to put the file's bytes, and how.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UploadAnswer {
    /// The attachment's id, for the confirmation.
    pub id: String,
    pub upload_url: String,
    /// Always `PUT`.
    pub method: &'static str,
    /// Headers to send with the bytes, exactly as given.
    pub headers: std::collections::BTreeMap<String, String>,
    /// Seconds the link works.
    pub expires_in: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmAttachment {
    pub field: String,
    pub name: String,
    #[serde(deserialize_with = "whole_number")]
    #[schemars(with = "u64")]
    pub version: u64,
}

/// An attachment with a link to download it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AttachmentView {
    #[serde(flatten)]
    pub attachment: Attachment,
    pub download_url: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AttachmentList {
    pub attachments: Vec<AttachmentView>,
    /// Seconds the download links work.
    pub expires_in: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct VersionQuery {
    /// The case's version the caller read.
    pub version: Option<String>,
}

/// `{id}` and `{attachment}` from the path; anything that cannot be a case id or a UUID is
/// answered like an unknown one.
pub struct AttachmentPath {
    case: String,
    attachment: String,
}

impl<S: Send + Sync> FromRequestParts<S> for AttachmentPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((case, attachment)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::case_not_found())?;
        if !is_case_id(&case) {
            return Err(ApiError::case_not_found());
        }
        match uuid::Uuid::parse_str(&attachment) {
            Ok(id) if id.hyphenated().to_string() == attachment => {
                Ok(AttachmentPath { case, attachment })
            }
            _ => Err(attachment_not_found()),
        }
    }
}

pub(crate) fn attachment_not_found() -> ApiError {
    ApiError::new(
        ErrorCode::AttachmentNotFound,
        "Bilagan finns inte i anmälan. Ladda om sidan och se vilka bilagor som finns.",
    )
}

fn refused(problem: Problem) -> ApiError {
    ApiError::new(ErrorCode::InvalidAttachment, problem.message.clone()).with_fields(vec![problem])
}

/// The case for a change of its attachments: the installer's own, unchanged since `version`
/// (when given), with `field` a file field of a part the installer may change now.
async fn load_for_attaching<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    id: &str,
    version: Option<u64>,
) -> Result<(Case, Arc<Definitions>), ApiError> {
    let case = load(state, caller, id).await?;
    if caller.role != Role::Installer {
        return Err(ApiError::forbidden("Det här gör installatören, inte nätbolaget."));
    }
    if version.is_some_and(|v| v != case.version) {
        return Err(ApiError::version_conflict());
    }
    let definitions = state.case_definitions(&case).await?;
    form_or_gone(&definitions, &case)?;
    Ok((case, definitions))
}

/// 409 unless the installer may change `part` of the case now (the rule of field edits).
fn check_part_editable(form: &Form, case: &Case, part: FormPart) -> Result<(), ApiError> {
    if case.part_editable(form, part) {
        return Ok(());
    }
    let message = match part {
        FormPart::Notice => format!(
            "Anmälan har status {} och dess bilagor kan inte ändras. De kan ändras när anmälan \
             är ej skickad eller åter för komplettering.",
            case.status.label()
        ),
        FormPart::Completion => format!(
            "Färdiganmälans bilagor kan ändras när anmälan är godkänd och innan färdiganmälan \
             skickas. Anmälan har status {}.",
            case.status.label()
        ),
    };
    Err(ApiError::new(ErrorCode::NotEditable, message))
}

/// The file field `field` of `form`, the part it belongs to checked against the case's status.
fn file_field_part(form: &Form, case: &Case, field: &str) -> Result<(), ApiError> {
    let (_, _, part) = form.file_field(field).map_err(|p| {
        ApiError::new(ErrorCode::InvalidFields, p.message.clone()).with_fields(vec![p])
    })?;
    check_part_editable(form, case, part)
}

/// Step 1: a link to upload one file to, recorded on the case as an open upload (the case's
/// version stays: it is no edit).
pub async fn start<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    super::cases::CaseId(id): super::cases::CaseId,
    JsonBody(request): JsonBody<NewAttachment>,
) -> Result<(StatusCode, Json<UploadAnswer>), ApiError> {
    let attachment = uuid::Uuid::new_v4().to_string();
    // A change of the case meanwhile (an autosave) is read again, a few times.
    let mut attempts = 0;
    let case = loop {
        let (mut case, definitions) = load_for_attaching(&state, &caller, &id, None).await?;
        let form = form_or_gone(&definitions, &case)?;
        file_field_part(&form, &case, &request.field)?;
        let at = now();
        form.check_new_upload(
            &request.field,
            &request.name,
            request.size,
            &case.attachments,
            &case.uploads,
            at,
        )
        .map_err(refused)?;
        case.uploads.retain(|u| u.is_open(at));
        case.uploads.push(OpenUpload {
            id: attachment.clone(),
            field: request.field.clone(),
            expires_at: at + LINK_LIFETIME,
        });
        attempts += 1;
        match state.store.keep_version_update(&case).await {
            Ok(()) => break case,
            Err(StoreError::VersionConflict) if attempts < 3 => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let key = upload_key(&case.id, &attachment);
    let link = state.files.upload_url(&key, request.size).await?;
    tracing::info!(case = %case.id, %attachment, field = %request.field, size = request.size, "upload link given");
    Ok((
        StatusCode::CREATED,
        Json(UploadAnswer {
            id: attachment,
            upload_url: link.url,
            method: "PUT",
            headers: link.headers,
            expires_in: LINK_LIFETIME.as_secs(),
        }),
    ))
}

fn not_uploaded() -> ApiError {
    ApiError::new(
        ErrorCode::AttachmentNotFound,
        "Filen har inte laddats upp, eller så tog det för lång tid. Bifoga den igen.",
    )
}

/// Step 3: the upload is moved to the attachment's own key, checked there (size, type by
/// content) and becomes part of the case; a bad file is deleted.
pub async fn confirm<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    path: AttachmentPath,
    JsonBody(request): JsonBody<ConfirmAttachment>,
) -> ApiResult<CaseView> {
    let (mut case, definitions) =
        load_for_attaching(&state, &caller, &path.case, Some(request.version)).await?;
    let form = form_or_gone(&definitions, &case)?;
    file_field_part(&form, &case, &request.field)?;
    if case.attachments.iter().any(|a| a.id == path.attachment) {
        return Err(ApiError::new(ErrorCode::AlreadyExists, "Filen är redan bifogad."));
    }
    // Only a link given for this case is confirmed, once: not one of a removed attachment.
    let Some(open) = case.uploads.iter().position(|u| u.id == path.attachment) else {
        return Err(not_uploaded());
    };
    let key = file_key(&case.id, &path.attachment);
    state.files.rename(&upload_key(&case.id, &path.attachment), &key, &request.name).await?;
    let Some((size, first_bytes)) = state.files.head(&key).await? else {
        return Err(not_uploaded());
    };
    let checked = form
        .check_new_file(&request.field, &request.name, size, &case.attachments)
        .and_then(|()| form.check_content(&request.field, &request.name, &first_bytes));
    let file_type = match checked {
        Ok(file_type) => file_type,
        Err(problem) => {
            state.files.delete(&key).await?;
            // Its link is done with: it no longer takes room from another file.
            case.uploads.remove(open);
            if let Err(e) = state.store.keep_version_update(&case).await {
                tracing::warn!(case = %case.id, error = %e, "refused upload still counted until its link expires");
            }
            tracing::info!(case = %case.id, attachment = %path.attachment, code = ?problem.code, "upload refused and deleted");
            return Err(refused(problem));
        }
    };
    let at = now();
    case.uploads.remove(open);
    case.attachments.push(Attachment {
        id: path.attachment.clone(),
        field: request.field.clone(),
        name: request.name,
        file_type,
        size,
        uploaded_at: at,
        uploaded_by: caller.user.clone(),
    });
    case.touch(at);
    state.store.update_case(&case).await?;
    tracing::info!(case = %case.id, attachment = %path.attachment, field = %request.field, size, "attachment added");
    Ok(Json(view(&state, &caller, case).await?))
}

/// The case's attachments with fresh download links: for whoever may see the case.
pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    super::cases::CaseId(id): super::cases::CaseId,
) -> ApiResult<AttachmentList> {
    let case = load(&state, &caller, &id).await?;
    let mut attachments = Vec::with_capacity(case.attachments.len());
    for a in case.attachments {
        let key = file_key(&case.id, &a.id);
        let download_url = state.files.download_url(&key, a.file_type.content_type()).await?;
        attachments.push(AttachmentView { attachment: a, download_url });
    }
    Ok(Json(AttachmentList { attachments, expires_in: LINK_LIFETIME.as_secs() }))
}

/// Removes an attachment from the case, then its bytes.
pub async fn remove<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    path: AttachmentPath,
    Params(query): Params<VersionQuery>,
) -> ApiResult<CaseView> {
    let version =
        query.version.as_deref().and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| {
            let message = "Ange anmälans version som ?version=N.";
            ApiError::new(ErrorCode::InvalidQuery, message).with_fields(vec![Problem {
                field: "version".into(),
                code: forms::ProblemCode::Required,
                message: message.into(),
            }])
        })?;
    let (mut case, definitions) =
        load_for_attaching(&state, &caller, &path.case, Some(version)).await?;
    let form = form_or_gone(&definitions, &case)?;
    let Some(position) = case.attachments.iter().position(|a| a.id == path.attachment) else {
        return Err(attachment_not_found());
    };
    let field = case.attachments[position].field.clone();
    match form.file_field(&field) {
        Ok((_, _, part)) => check_part_editable(&form, &case, part)?,
        // A field the definitions no longer have: its files may go while the notice may change.
        Err(_) => check_part_editable(&form, &case, FormPart::Notice)?,
    }
    case.attachments.remove(position);
    case.touch(now());
    state.store.update_case(&case).await?;
    let key = file_key(&case.id, &path.attachment);
    if let Err(e) = state.files.delete(&key).await {
        // The case no longer names it, so no one can reach it; it only takes room.
        tracing::warn!(case = %case.id, attachment = %path.attachment, error = %e, "removed attachment's file not deleted");
    }
    tracing::info!(case = %case.id, attachment = %path.attachment, "attachment removed");
    Ok(Json(view(&state, &caller, case).await?))
}

/// What the local server's file links ask of the cases: a link works only while the case
/// allows it.
#[cfg(feature = "local")]
impl<S: Store> crate::store::files::local::LinkedCases for AppState<S> {
    fn takes_upload<'a>(
        &'a self,
        case: &'a str,
        attachment: &'a str,
    ) -> crate::store::files::local::BoxFuture<'a, crate::store::StoreResult<bool>> {
        Box::pin(async move {
            // A clone reads the definitions being served now.
            let state = self.clone();
            let Some(case) = state.store.get_case(case).await? else { return Ok(false) };
            let Some(open) = case.uploads.iter().find(|u| u.id == attachment) else {
                return Ok(false);
            };
            let definitions = state
                .live()
                .of_version(&state.store, &case.company, case.definitions_version)
                .await?;
            let editable = form_or_gone(&definitions, &case).ok().is_some_and(|form| {
                form.file_field(&open.field)
                    .is_ok_and(|(_, _, part)| case.part_editable(&form, part))
            });
            Ok(open.is_open(now())
                && editable
                && !case.attachments.iter().any(|a| a.id == attachment))
        })
    }

    fn attached<'a>(
        &'a self,
        case: &'a str,
        attachment: &'a str,
    ) -> crate::store::files::local::BoxFuture<
        'a,
        crate::store::StoreResult<Option<(String, &'static str)>>,
    > {
        Box::pin(async move {
            let case = self.store.get_case(case).await?;
            let found = case.and_then(|c| c.attachments.into_iter().find(|a| a.id == attachment));
            Ok(found.map(|a| (a.name, a.file_type.content_type())))
        })
    }
}
