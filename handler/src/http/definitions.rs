//! A network company's own definitions file as versions ("Formulär"): its admins upload a
//! draft, try it in a preview, and publish it, or an older version again to roll back
//! (docs/api.md, "Published definitions"). The operator's files (`base.toml`,
//! `installation_types.toml`) are the build's; only `companies/<id>.toml` is the company's.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use forms::definitions::DefinitionChange;
use forms::words::VersionState;
use forms::{Problem, ProblemCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::body::JsonBody;
use super::cases::{ApiResult, now};
use super::error::Place;
use super::{ApiError, AppState, Caller, ErrorCode};
use crate::definitions::company_file;
use crate::store::{AuditEntry, DefinitionVersion, Publication, Store, StoreError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVersion {
    /// The whole text of `companies/<id>.toml`.
    pub toml: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// The version the admin saw as published: a publication made meanwhile is a 409.
    pub published: u32,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct VersionView {
    pub version: u32,
    pub state: VersionState,
    /// The state as "Formulär" says it (from the core).
    pub state_label: String,
    #[schemars(with = "String")]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    pub created_by: String,
    pub note: String,
    /// The draft's pages, to try without sending anything; only for the company's users.
    pub preview_url: String,
    /// The file's text (`GET /definitions/{version}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toml: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PublicationView {
    pub version: u32,
    pub previous: Option<u32>,
    pub by: String,
    #[schemars(with = "String")]
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DefinitionsView {
    /// The version new cases and the company's pages use.
    pub published: u32,
    /// Oldest first.
    pub versions: Vec<VersionView>,
    /// Newest first.
    pub publications: Vec<PublicationView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChangesView {
    pub from: u32,
    pub to: u32,
    /// What publishing `to` changes, each in a Swedish sentence.
    pub changes: Vec<DefinitionChange>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PublishedView {
    pub published: u32,
    pub changes: Vec<DefinitionChange>,
}

/// The longest note of a version, in characters.
const NOTE_LIMIT: usize = 500;

/// The company whose definitions the caller manages; 403 for anyone but its admins.
fn admin_company(caller: &Caller) -> Result<String, ApiError> {
    caller.company_admin_of().map(str::to_string).ok_or_else(|| {
        ApiError::forbidden(
            "Bara nätbolagets administratörer hanterar formulären. Be en administratör om hjälp.",
        )
    })
}

/// The address of a version's preview.
pub fn preview_url(version: &DefinitionVersion) -> String {
    format!("/api/v1/previews/{}/{}/{}/", version.company, version.version, version.preview_key)
}

fn new_preview_key() -> String {
    URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

/// The company's versions, with the shipped file stored as version 1 the first time.
async fn versions<S: Store>(
    state: &AppState<S>,
    company: &str,
) -> Result<Vec<DefinitionVersion>, ApiError> {
    let stored = state.store.definition_versions(company).await?;
    if !stored.is_empty() {
        return Ok(stored);
    }
    let shipped = state.live().shipped_text(company).ok_or_else(|| {
        ApiError::new(
            ErrorCode::FormNotFound,
            "Nätbolaget har ingen formulärfil i tjänsten. Kontakta supporten.",
        )
    })?;
    let first = DefinitionVersion {
        company: company.to_string(),
        version: 1,
        toml: shipped,
        note: "Levererad med tjänsten".into(),
        created_by: "Elanmälan".into(),
        created_at: now(),
        preview_key: new_preview_key(),
    };
    match state.store.add_definition_version(&first).await {
        Ok(()) | Err(StoreError::AlreadyExists) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(state.store.definition_versions(company).await?)
}

/// The company's published version (1: the shipped file, never published).
async fn published<S: Store>(state: &AppState<S>, company: &str) -> Result<u32, ApiError> {
    Ok(state.store.published_definitions().await?.get(company).copied().unwrap_or(1))
}

fn view(version: &DefinitionVersion, published: u32, ever: &[u32], toml: bool) -> VersionView {
    let state = VersionState::of(version.version, published, ever);
    VersionView {
        version: version.version,
        state,
        state_label: state.label().to_string(),
        created_at: version.created_at,
        created_by: version.created_by.clone(),
        note: version.note.clone(),
        preview_url: preview_url(version),
        toml: toml.then(|| version.toml.clone()),
    }
}

pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> ApiResult<DefinitionsView> {
    let company = admin_company(&caller)?;
    let versions = versions(&state, &company).await?;
    let published = published(&state, &company).await?;
    let publications = state.store.definition_publications(&company).await?;
    let ever: Vec<u32> = publications.iter().map(|p| p.version).collect();
    Ok(Json(DefinitionsView {
        published,
        versions: versions.iter().map(|v| view(v, published, &ever, false)).collect(),
        publications: publications
            .into_iter()
            .map(|p| PublicationView {
                version: p.version,
                previous: p.previous,
                by: p.by,
                at: p.at,
            })
            .collect(),
    }))
}

/// A version of the caller's company; 404 when it has none by that number.
async fn version_of<S: Store>(
    state: &AppState<S>,
    company: &str,
    version: &str,
) -> Result<DefinitionVersion, ApiError> {
    let not_found = || {
        ApiError::new(
            ErrorCode::DefinitionsVersionNotFound,
            "Den versionen av formulären finns inte. Ladda om sidan.",
        )
    };
    let version: u32 = version.parse().map_err(|_| not_found())?;
    versions(state, company).await?.into_iter().find(|v| v.version == version).ok_or_else(not_found)
}

pub async fn get<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(version): Path<String>,
) -> ApiResult<VersionView> {
    let company = admin_company(&caller)?;
    let version = version_of(&state, &company, &version).await?;
    let published = published(&state, &company).await?;
    let ever: Vec<u32> =
        state.store.definition_publications(&company).await?.iter().map(|p| p.version).collect();
    Ok(Json(view(&version, published, &ever, true)))
}

/// Every problem of an uploaded file, at its line and column, in the API's error shape.
fn invalid(company: &str, errors: forms::definitions::DefinitionErrors) -> ApiError {
    let file = company_file(company);
    let (fields, places): (Vec<Problem>, Vec<Place>) = errors
        .0
        .into_iter()
        .map(|e| {
            let problem = Problem {
                field: file.clone(),
                code: ProblemCode::InvalidDefinitions,
                message: e.message,
            };
            (problem, Place { line: e.line, column: e.column })
        })
        .unzip();
    let mut error = ApiError::new(
        ErrorCode::DefinitionsInvalid,
        format!(
            "Formulärfilen har {} fel och sparades inte. Rätta raderna som anges och spara igen.",
            fields.len()
        ),
    )
    .with_fields(fields);
    error.places = places;
    error
}

pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(new): JsonBody<NewVersion>,
) -> Result<(StatusCode, Json<VersionView>), ApiError> {
    let company = admin_company(&caller)?;
    if new.note.chars().count() > NOTE_LIMIT || new.note.chars().any(char::is_control) {
        let problem = Problem {
            field: "note".into(),
            code: ProblemCode::InvalidFormat,
            message: format!("Anteckningen får vara högst {NOTE_LIMIT} tecken på en rad."),
        };
        return Err(ApiError::new(ErrorCode::InvalidFields, problem.message.clone())
            .with_fields(vec![problem]));
    }
    // Taken numbers are retried: two admins saving at once both get a version.
    for _ in 0..5 {
        let existing = versions(&state, &company).await?;
        let number = existing.iter().map(|v| v.version).max().unwrap_or(1) + 1;
        state.live().check(&company, &new.toml, number).map_err(|e| invalid(&company, e))?;
        let version = DefinitionVersion {
            company: company.clone(),
            version: number,
            toml: new.toml.clone(),
            note: new.note.trim().to_string(),
            created_by: caller.user.clone(),
            created_at: now(),
            preview_key: new_preview_key(),
        };
        match state.store.add_definition_version(&version).await {
            Ok(()) => {
                let published = published(&state, &company).await?;
                return Ok((StatusCode::CREATED, Json(view(&version, published, &[], false))));
            }
            Err(StoreError::AlreadyExists) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::VersionConflict.into())
}

/// The definitions of a version of the caller's company.
async fn definitions_of<S: Store>(
    state: &AppState<S>,
    version: &DefinitionVersion,
) -> Result<forms::Definitions, ApiError> {
    state.live().check(&version.company, &version.toml, version.version).map_err(|e| {
        // Stored versions were checked when they were saved; a later build may differ.
        invalid(&version.company, e).with_message(format!(
            "Version {} passar inte längre med tjänstens formulär och kan inte publiceras. \
             Spara en rättad version.",
            version.version
        ))
    })
}

/// What publishing `to` changes for the company, against its published version.
async fn changes_to<S: Store>(
    state: &AppState<S>,
    company: &str,
    to: &DefinitionVersion,
) -> Result<(u32, Vec<DefinitionChange>), ApiError> {
    let from = published(state, company).await?;
    let old = state.live().of_version(&state.store, company, from).await?;
    let new = definitions_of(state, to).await?;
    Ok((from, forms::definitions::changes(&old, &new, company)))
}

pub async fn changes<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(version): Path<String>,
) -> ApiResult<ChangesView> {
    let company = admin_company(&caller)?;
    let to = version_of(&state, &company, &version).await?;
    let (from, changes) = changes_to(&state, &company, &to).await?;
    Ok(Json(ChangesView { from, to: to.version, changes }))
}

pub async fn publish<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(version): Path<String>,
    JsonBody(request): JsonBody<PublishRequest>,
) -> ApiResult<PublishedView> {
    let company = admin_company(&caller)?;
    let to = version_of(&state, &company, &version).await?;
    let (from, changes) = changes_to(&state, &company, &to).await?;
    if from != request.published {
        return Err(published_meanwhile(from));
    }
    let at = now();
    let stored = state.store.published_definitions().await?;
    let publication = Publication {
        company: company.clone(),
        version: to.version,
        previous: stored.get(&company).copied(),
        by: caller.user.clone(),
        at,
    };
    let audit = AuditEntry {
        id: uuid::Uuid::new_v4().to_string(),
        company: company.clone(),
        at,
        user: caller.user.clone(),
        firm: String::new(),
        case_id: String::new(),
        case_number: format!("version {}", to.version),
        act: forms::words::AuditAct::DefinitionsPublished,
        by: None,
        found: true,
        limit_reached: None,
    };
    match state.store.publish_definitions(&publication, &audit).await {
        Err(StoreError::VersionConflict) => {
            return Err(published_meanwhile(published(&state, &company).await?));
        }
        other => other?,
    }
    tracing::info!(company, version = to.version, "definitions published");
    // This server serves it from the next request on; the others within their cache time.
    state.live().refresh(&state.store, true).await?;
    super::company_pages::replace_company_pages(&state, &company).await;
    Ok(Json(PublishedView { published: to.version, changes }))
}

fn published_meanwhile(now_published: u32) -> ApiError {
    ApiError::new(
        ErrorCode::VersionConflict,
        format!(
            "Någon annan har publicerat version {now_published} under tiden. Ladda om sidan och \
             se över ändringarna innan du publicerar."
        ),
    )
}
