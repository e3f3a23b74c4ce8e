//! Cases: create, list, read, edit, "Kopiera från ägare", and the loading and access rules the
//! other case routes share.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use forms::{Case, Form, Problem, ProblemCode, Role, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AppState;
use super::auth::Caller;
use super::body::{JsonBody, Params, whole_number};
use super::error::{ApiError, ErrorCode};
use crate::store::Store;

pub type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub company: String,
    pub installation_type: String,
    pub job_type: String,
    pub network_area: String,
}

/// A case as the API shows it: the stored case, its status in Swedish, and what would stop a
/// submit right now.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    pub status_label: String,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CaseList {
    pub cases: Vec<CaseView>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListQuery {
    pub status: Option<Status>,
}

/// Field values to set; `null` or `""` clears a field. Number fields may be sent as numbers.
pub type FieldEdits = BTreeMap<String, serde_json::Value>;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    #[serde(deserialize_with = "whole_number")]
    #[schemars(with = "u64")]
    pub version: u64,
    pub fields: FieldEdits,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionRequest {
    #[serde(deserialize_with = "whole_number")]
    #[schemars(with = "u64")]
    pub version: u64,
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn form_of<'d, S>(state: &'d AppState<S>, case: &Case) -> Option<Form<'d>> {
    state.definitions.case_form(&case.company, &case.installation_type)
}

pub fn view<S>(state: &AppState<S>, case: Case) -> CaseView {
    let problems = form_of(state, &case).map(|f| f.validate(&case.fields)).unwrap_or_default();
    CaseView { status_label: case.status.label().to_string(), problems, case }
}

/// A case id from the path. Ids are UUIDs: anything far from one (or not even UTF-8) is
/// answered like an unknown id, without asking the store, which may fail on odd keys
/// (DynamoDB: over 2 KiB).
pub struct CaseId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CaseId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::case_not_found())?;
        let possible = (1..=64).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if possible { Ok(CaseId(id)) } else { Err(ApiError::case_not_found()) }
    }
}

/// The case if the caller may see it; 404 alike for unknown and not-yours.
pub async fn load<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    id: &str,
) -> Result<Case, ApiError> {
    match state.store.get_case(id).await? {
        Some(case) if caller.can_see(&case) => Ok(case),
        _ => Err(ApiError::case_not_found()),
    }
}

/// The case for an installer's change of its fields: the caller's firm, editable, unchanged
/// since `version`. A network company gets 403 before any version check.
pub async fn load_for_edit<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    id: &str,
    version: u64,
) -> Result<Case, ApiError> {
    let case = load(state, caller, id).await?;
    if caller.role != Role::Installer {
        return Err(ApiError::forbidden("Det här gör installatören, inte nätbolaget."));
    }
    if case.version != version {
        return Err(ApiError::version_conflict());
    }
    if !case.status.editable() {
        return Err(ApiError::new(
            ErrorCode::NotEditable,
            format!(
                "Anmälan har status {} och kan inte ändras. Den kan ändras när den är ej skickad \
                 eller åter för komplettering.",
                case.status.label()
            ),
        ));
    }
    Ok(case)
}

/// The form a stored case is checked against; 409 when its company or type is gone.
pub fn form_or_gone<'d, S>(state: &'d AppState<S>, case: &Case) -> Result<Form<'d>, ApiError> {
    form_of(state, case).ok_or_else(|| {
        ApiError::new(
            ErrorCode::FormNotDefined,
            "Nätbolaget eller installationstypen finns inte längre i formulären. Kontakta \
             nätbolaget.",
        )
    })
}

pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(new): JsonBody<NewCase>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    if caller.role != Role::Installer {
        return Err(ApiError::forbidden("Bara installatörer skapar anmälningar."));
    }
    let defs = state.definitions;
    let unknown = |field: &str, message: &str| {
        let problem = Problem {
            field: field.into(),
            code: ProblemCode::InvalidChoice,
            message: message.into(),
        };
        ApiError::new(ErrorCode::UnknownChoice, message).with_fields(vec![problem])
    };
    let company = defs
        .company(&new.company)
        .ok_or_else(|| unknown("company", "Välj ett nätbolag i listan."))?;
    let form = defs.form(&company.id, &new.installation_type).ok_or_else(|| {
        unknown("installation_type", "Välj en installationstyp som nätbolaget erbjuder.")
    })?;
    if !form.offers_job_type(&new.job_type) {
        return Err(unknown("job_type", "Välj en jobbtyp för installationstypen."));
    }
    if company.network_area(&new.network_area).is_none() {
        return Err(unknown("network_area", "Välj ett av nätbolagets nätområden."));
    }
    let case = Case::new_draft(
        uuid::Uuid::new_v4().to_string(),
        &form,
        new.job_type,
        new.network_area,
        caller.org.clone(),
        caller.user.clone(),
        now(),
    );
    state.store.create_case(&case).await?;
    tracing::info!(case = %case.id, company = %case.company, "case created");
    Ok((StatusCode::CREATED, Json(view(&state, case))))
}

pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Params(query): Params<ListQuery>,
) -> ApiResult<CaseList> {
    let status = query.status;
    let cases = match caller.role {
        Role::Installer => {
            let all = state.store.firm_cases(&caller.org).await?;
            all.into_iter().filter(|c| status.is_none_or(|s| c.status == s)).collect()
        }
        Role::NetworkCompany => state.store.company_cases(&caller.org, status).await?,
    };
    let cases = cases.into_iter().filter(|c| caller.can_see(c)).map(|c| view(&state, c)).collect();
    Ok(Json(CaseList { cases }))
}

pub async fn get<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
) -> ApiResult<CaseView> {
    let case = load(&state, &caller, &id).await?;
    Ok(Json(view(&state, case)))
}

/// Checks and applies field edits to a case's values.
pub fn apply_edits(form: &Form, case: &mut Case, edits: FieldEdits) -> Result<(), ApiError> {
    let edits = form.edits_from_json(edits).map_err(|problems| {
        ApiError::new(ErrorCode::InvalidFields, "Några fält har fel typ. Se listan.")
            .with_fields(problems)
    })?;
    let problems = form.check_edit(&edits);
    if !problems.is_empty() {
        let message = if problems.iter().any(|p| p.code == ProblemCode::UnknownField) {
            "Anmälan har inte alla fälten som skickades. Se listan."
        } else {
            "Några värden är för långa. Se listan."
        };
        return Err(ApiError::new(ErrorCode::InvalidFields, message).with_fields(problems));
    }
    form.apply_edit(&mut case.fields, edits);
    Ok(())
}

pub async fn edit<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<EditRequest>,
) -> ApiResult<CaseView> {
    let mut case = load_for_edit(&state, &caller, &id, request.version).await?;
    let form = form_or_gone(&state, &case)?;
    apply_edits(&form, &mut case, request.fields)?;
    case.touch(now());
    state.store.update_case(&case).await?;
    Ok(Json(view(&state, case)))
}

pub async fn copy_from_owner<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<VersionRequest>,
) -> ApiResult<CaseView> {
    let mut case = load_for_edit(&state, &caller, &id, request.version).await?;
    let form = form_or_gone(&state, &case)?;
    case.fields = form.copy_from_owner(&case.fields);
    case.touch(now());
    state.store.update_case(&case).await?;
    Ok(Json(view(&state, case)))
}
