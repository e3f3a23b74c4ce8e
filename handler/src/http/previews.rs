//! The preview of a version of a company's definitions: its pages, rendered by the site
//! generator at an address only the company's users are given (`preview_url`, with 128 random
//! bits), where a case can be tried and nothing is stored or sent (docs/api.md, "Published
//! definitions").

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use forms::{Case, FieldValues, Problem, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cases::{ApiResult, FieldEdits, apply_edits, choice_refused, now};
use super::{ApiError, AppState, Caller, ErrorCode};
use crate::store::{DefinitionVersion, Store};

#[derive(Deserialize)]
pub struct PreviewPath {
    company: String,
    version: String,
    key: String,
    installation_type: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TryRequest {
    pub installation_type: String,
    pub job_type: String,
    pub fields: FieldEdits,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TryAnswer {
    /// The values as the service would store them.
    #[serde(with = "forms::form::groups::json")]
    #[schemars(with = "forms::form::groups::json::Schema")]
    pub fields: FieldValues,
    /// What would stop sending it.
    pub problems: Vec<Problem>,
}

fn not_found() -> ApiError {
    ApiError::new(
        ErrorCode::DefinitionsVersionNotFound,
        "Förhandsgranskningen finns inte. Öppna den igen från sidan Formulär.",
    )
}

/// Whether two secrets are equal, in a time that does not tell how much of them is.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}

/// The version the address names, if its key is right; else 404, like an unknown one.
async fn version_at<S: Store>(
    state: &AppState<S>,
    path: &PreviewPath,
) -> Result<DefinitionVersion, ApiError> {
    let number: u32 = path.version.parse().map_err(|_| not_found())?;
    let version = state
        .store
        .definition_version(&path.company, number)
        .await?
        .filter(|v| same_secret(&v.preview_key, &path.key))
        .ok_or_else(not_found)?;
    Ok(version)
}

/// The definitions of the version the address names (read once, then kept).
async fn definitions_at<S: Store>(
    state: &AppState<S>,
    path: &PreviewPath,
) -> Result<(DefinitionVersion, Arc<forms::Definitions>), ApiError> {
    let version = version_at(state, path).await?;
    let definitions =
        state.live().of_version(&state.store, &version.company, version.version).await?;
    Ok((version, definitions))
}

/// A preview page: the index (no installation type) or the case page of one type.
pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Path(path): Path<PreviewPath>,
) -> Result<Response, ApiError> {
    let (version, definitions) = definitions_at(&state, &path).await?;
    let base = super::definitions::preview_url(&version);
    let pages = ::site::preview_pages(
        &definitions,
        &version.company,
        version.version,
        &base,
        &state.sign_in,
    )
    .map_err(|e| {
        tracing::error!(reason = %e, "a preview could not be rendered");
        ApiError::internal()
    })?;
    let file = match &path.installation_type {
        None => "index.html".to_string(),
        Some(t) => format!("{t}/index.html"),
    };
    let Some(html) = pages.files.get(&file) else { return Err(not_found()) };
    let mut response = html.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    let policy = ::site::content_security_policy(&[]);
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::try_from(policy).expect("a header value"),
    );
    // Its address is its secret: kept out of search engines and other sites' logs.
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// A case tried in the preview: checked by the version's definitions as the service would
/// check it, and never stored. Only the company's own users.
pub async fn try_case<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(path): Path<PreviewPath>,
    super::body::JsonBody(request): super::body::JsonBody<TryRequest>,
) -> ApiResult<TryAnswer> {
    if caller.role != Role::NetworkCompany || caller.org != path.company {
        return Err(not_found());
    }
    let (_, definitions) = definitions_at(&state, &path).await?;
    let company = definitions.company(&path.company).ok_or_else(not_found)?;
    let area = company.network_areas.first().map(|a| a.id.clone()).unwrap_or_default();
    let form = definitions
        .new_case_form(&path.company, &request.installation_type, &request.job_type, &area)
        .map_err(choice_refused)?;
    let mut case = Case::new_draft(
        "preview".into(),
        String::new(),
        &form,
        request.job_type,
        area,
        String::new(),
        caller.user.clone(),
        now(),
    );
    let parts = case.editable_parts(&form);
    apply_edits(&form, &parts, &mut case, request.fields)?;
    let problems = case.submit_problems(&form);
    Ok(Json(TryAnswer { fields: case.fields, problems }))
}
