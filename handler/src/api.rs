//! The routes of CONTRACT.md section 2: thin functions over the forms core and the store.
//! Nothing in a log line names a person, an address or a number looked up.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use forms::form::gsrn_problem;
use forms::formats::normalize_gsrn;
use forms::{Action, Case, Change, FieldValues, Form, Problem, ProblemCode, Role, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::app::{AppState, JsonBody};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::{AuditEntry, Store};

type ApiResult<T> = Result<Json<T>, ApiError>;

// ---------------------------------------------------------------------------------------------
// Bodies and answers. Their JSON Schemas are the OpenAPI document's components.

#[derive(Debug, Serialize, JsonSchema)]
pub struct FormsAnswer {
    pub companies: Vec<CompanyForms>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CompanyForms {
    pub id: String,
    pub name: String,
    pub gsrn_prefixes: Vec<String>,
    pub network_areas: Vec<Named>,
    pub installation_types: Vec<InstallationTypeForms>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InstallationTypeForms {
    pub id: String,
    pub name: String,
    pub job_types: Vec<Named>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Named {
    pub id: String,
    pub name: String,
}

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

/// Field values to set; `null` or `""` clears a field. Numbers may be sent as numbers.
pub type FieldEdits = BTreeMap<String, serde_json::Value>;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    pub version: u64,
    pub fields: FieldEdits,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionRequest {
    pub version: u64,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    pub version: u64,
    pub meter_number: Option<String>,
    pub ean: Option<String>,
    /// "Skriv över fält i anmälan?": Ja (true, default) or Nej (false).
    #[serde(default = "yes")]
    pub overwrite: bool,
    /// false (default): show what would change and write nothing; true: write it.
    #[serde(default)]
    pub apply: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LookupAnswer {
    /// "Anläggningen hittades." and where it is.
    pub message: String,
    /// The installation and customer found; never identity numbers.
    pub installation: FieldValues,
    pub changes: Vec<Change>,
    /// E.g. that the registry places the installation in another network area.
    pub warnings: Vec<String>,
    /// The case as it is (apply) or would be (no apply) after the lookup.
    pub case: CaseView,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Return,
    Reject,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub version: u64,
    pub decision: Decision,
    /// Required when returning or rejecting: what the installer must do, or why.
    pub message: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionRequest {
    pub version: u64,
    #[serde(default)]
    pub fields: FieldEdits,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditAnswer {
    pub entries: Vec<AuditEntry>,
}

// ---------------------------------------------------------------------------------------------
// Forms

pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

pub async fn no_such_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no_such_route", "Den adressen finns inte i API:t.")
}

/// A known address with a method it does not have (axum adds the `Allow` header).
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Adressen finns i API:t, men inte med den metoden. Se Allow-huvudet.",
    )
}

pub async fn forms<S: Send + Sync>(State(state): State<AppState<S>>) -> Json<FormsAnswer> {
    let defs = state.definitions;
    let companies = defs
        .companies
        .iter()
        .map(|c| CompanyForms {
            id: c.id.clone(),
            name: c.name.clone(),
            gsrn_prefixes: c.gsrn_prefixes.clone(),
            network_areas: c
                .network_areas
                .iter()
                .map(|a| Named { id: a.id.clone(), name: a.name.clone() })
                .collect(),
            installation_types: c
                .offers
                .iter()
                .filter_map(|offer| {
                    let kind = defs.installation_type(&offer.installation_type)?;
                    Some(InstallationTypeForms {
                        id: kind.id.clone(),
                        name: kind.name.clone(),
                        job_types: kind
                            .job_types
                            .iter()
                            .filter(|j| offer.job_types.contains(&j.id))
                            .map(|j| Named { id: j.id.clone(), name: j.name.clone() })
                            .collect(),
                    })
                })
                .collect(),
        })
        .collect();
    Json(FormsAnswer { companies })
}

pub async fn form_schema<S: Send + Sync>(
    State(state): State<AppState<S>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let form = path.ok().and_then(|Path((company, installation_type))| {
        state.definitions.form(&company, &installation_type)
    });
    let form = form.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "form_not_found",
            "Nätbolaget har ingen sådan installationstyp.",
        )
    })?;
    Ok(Json(form.json_schema()))
}

// ---------------------------------------------------------------------------------------------
// Cases

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn form_of<'d, S>(state: &'d AppState<S>, case: &Case) -> Option<Form<'d>> {
    state.definitions.case_form(&case.company, &case.installation_type)
}

fn view<S>(state: &AppState<S>, case: Case) -> CaseView {
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

/// The query string's parameters; a malformed one is a 400 in the API's error shape.
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(params) = Query::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad_request("Adressens parametrar kunde inte läsas."))?;
        Ok(Params(params))
    }
}

/// The case if the caller may see it; 404 alike for unknown and not-yours.
async fn load<S: Store>(state: &AppState<S>, caller: &Caller, id: &str) -> Result<Case, ApiError> {
    match state.store.get_case(id).await? {
        Some(case) if caller.can_see(&case) => Ok(case),
        _ => Err(ApiError::case_not_found()),
    }
}

/// The case for an installer's change of its fields: the caller's firm, editable, unchanged
/// since `version`.
async fn load_for_edit<S: Store>(
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
            StatusCode::CONFLICT,
            "not_editable",
            format!(
                "Anmälan har status {} och kan inte ändras. Den kan ändras när den är ej skickad \
                 eller åter för komplettering.",
                case.status.label()
            ),
        ));
    }
    Ok(case)
}

fn company_problem(message: &str, field: &str) -> Problem {
    Problem { field: field.to_string(), code: ProblemCode::InvalidChoice, message: message.into() }
}

pub async fn create_case<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(new): JsonBody<NewCase>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    if caller.role != Role::Installer {
        return Err(ApiError::forbidden("Bara installatörer skapar anmälningar."));
    }
    let defs = state.definitions;
    let unknown = |field: &str, message: &str| {
        ApiError::unprocessable("unknown_choice", message.to_string())
            .with_fields(vec![company_problem(message, field)])
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

pub async fn list_cases<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Params(query): Params,
) -> ApiResult<CaseList> {
    let status = match query.get("status") {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            ApiError::unprocessable(
                "unknown_status",
                format!(
                    "Okänd status {s}. Använd en av: {}.",
                    Status::ALL.map(|s| s.as_str()).join(", ")
                ),
            )
        })?),
    };
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

pub async fn get_case<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
) -> ApiResult<CaseView> {
    let case = load(&state, &caller, &id).await?;
    Ok(Json(view(&state, case)))
}

/// Turns JSON values into field edits: strings and numbers set, `null` and `""` clear; any
/// other JSON type is a problem named by its field.
fn field_edits(edits: FieldEdits) -> Result<BTreeMap<String, Option<String>>, ApiError> {
    let mut problems = Vec::new();
    let mut out = BTreeMap::new();
    for (field, value) in edits {
        let value = match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => {
                problems.push(Problem {
                    message: format!("Fältet {field} ska vara text, ett tal eller null."),
                    field,
                    code: ProblemCode::InvalidFormat,
                });
                continue;
            }
        };
        out.insert(field, value);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::unprocessable("invalid_fields", "Några fält har fel typ.")
            .with_fields(problems))
    }
}

/// Checks and applies field edits to a case's values.
fn apply_edits(form: &Form, case: &mut Case, edits: FieldEdits) -> Result<(), ApiError> {
    let edits = field_edits(edits)?;
    let problems = form.check_edit(&edits);
    if !problems.is_empty() {
        let message = if problems.iter().any(|p| p.code == ProblemCode::UnknownField) {
            "Anmälan har inte alla fälten som skickades. Se listan."
        } else {
            "Några värden är för långa. Se listan."
        };
        return Err(ApiError::unprocessable("invalid_fields", message).with_fields(problems));
    }
    form.apply_edit(&mut case.fields, edits);
    Ok(())
}

fn form_or_gone<'d, S>(state: &'d AppState<S>, case: &Case) -> Result<Form<'d>, ApiError> {
    form_of(state, case).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "form_not_defined",
            "Nätbolaget eller installationstypen finns inte längre i formulären. Kontakta \
             nätbolaget.",
        )
    })
}

pub async fn edit_case<S: Store>(
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

const NOT_FOUND_GUIDANCE: &str = "Kontrollera att du har rätt nummer. Töm de gamla fälten \
    Mätarnummer och Anläggnings-ID (EAN), fyll i det nya numret och hämta igen.";

pub async fn lookup<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<LookupRequest>,
) -> ApiResult<LookupAnswer> {
    let mut case = load_for_edit(&state, &caller, &id, request.version).await?;
    let form = form_or_gone(&state, &case)?;
    let ean = request.ean.as_deref().map(normalize_gsrn).filter(|e| !e.is_empty());
    let ean = ean.as_deref();
    let meter = request.meter_number.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if ean.is_none() && meter.is_none() {
        return Err(ApiError::unprocessable(
            "number_missing",
            "Fyll i Mätarnummer eller Anläggnings-ID (EAN) och hämta igen.",
        ));
    }
    if let (Some(ean), Some(field)) = (ean, form.field("installation.ean"))
        && let Some(problem) = gsrn_problem(field.field, ean, form.company)
    {
        return Err(ApiError::unprocessable("invalid_ean", problem.message.clone())
            .with_fields(vec![problem]));
    }
    if let (Some(meter), Some(field)) = (meter, form.field("installation.meter_number"))
        && meter.chars().count() > field.field.max_length as usize
    {
        return Err(ApiError::unprocessable(
            "invalid_meter_number",
            format!(
                "Mätarnummer har högst {} tecken. Kontrollera numret på mätaren.",
                field.field.max_length
            ),
        ));
    }
    rate_limit(&state, &caller).await?;

    let company = case.company.clone();
    let by_ean = match ean {
        Some(ean) => state.store.installation_by_ean(&company, ean).await?,
        None => None,
    };
    let mut by_meter = match meter {
        Some(meter) => state.store.installations_by_meter(&company, meter).await?,
        None => Vec::new(),
    };
    let found = match (by_ean, by_meter.len()) {
        (None, _) if ean.is_some() => Ok(None),
        // One number that names two installations cannot be trusted to find the right customer.
        (None, 2..) => Err(ApiError::unprocessable(
            "meter_number_ambiguous",
            "Mätarnumret finns på flera anläggningar i nätbolagets register. Hämta med \
             Anläggnings-ID (EAN) i stället.",
        )),
        (Some(a), _) if meter.is_some() && !by_meter.iter().any(|b| b.ean == a.ean) => {
            if by_meter.is_empty() {
                Ok(None)
            } else {
                Err(ApiError::unprocessable(
                    "ean_meter_mismatch",
                    "Mätarnumret och Anläggnings-ID (EAN) hör till olika anläggningar. \
                     Kontrollera numren, töm det som är fel och hämta igen.",
                ))
            }
        }
        (Some(a), _) => Ok(Some(a)),
        (None, _) => Ok(by_meter.pop()),
    };
    let by = match (ean, meter) {
        (Some(_), Some(_)) => "ean_and_meter_number",
        (Some(_), None) => "ean",
        _ => "meter_number",
    };
    let entry = AuditEntry {
        id: uuid::Uuid::new_v4().to_string(),
        company: company.clone(),
        at: now(),
        user: caller.user.clone(),
        firm: caller.org.clone(),
        case_id: case.id.clone(),
        by: by.to_string(),
        found: matches!(found, Ok(Some(_))),
    };
    state.store.record_lookup(&entry).await?;
    tracing::info!(case = %case.id, by, found = entry.found, "lookup");
    let installation = found?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "installation_not_found",
            format!("Ingen anläggning hittades hos {}. {NOT_FOUND_GUIDANCE}", form.company.name),
        )
    })?;

    let (merged, changes) = form.merge_lookup(&case.fields, &installation, request.overwrite);
    let warnings: Vec<String> = [
        form.network_area_warning(&case.network_area, &installation),
        form.customer_warning(&case.fields, &installation),
    ]
    .into_iter()
    .flatten()
    .collect();
    let shown = form.project(&installation);
    let place = [shown.get("installation.street_address"), shown.get("installation.city")]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let message = if place.is_empty() {
        "Anläggningen hittades.".to_string()
    } else {
        format!("Anläggningen hittades: {place}.")
    };
    case.fields = merged;
    if request.apply {
        case.touch(now());
        state.store.update_case(&case).await?;
    }
    Ok(Json(LookupAnswer {
        message,
        installation: shown,
        changes,
        warnings,
        case: view(&state, case),
    }))
}

/// At most `lookups_per_minute` lookups per user and minute, counted in the store so that every
/// Lambda instance shares the count.
async fn rate_limit<S: Store>(state: &AppState<S>, caller: &Caller) -> Result<(), ApiError> {
    let now = now().unix_timestamp();
    let minute = now / 60;
    let count = state.store.count_use(&format!("lookup#{}#{minute}", caller.user)).await?;
    if count > state.lookups_per_minute {
        let retry_after = (60 - now % 60).max(1) as u64;
        // Logs carry no one's identity, so the user is not named here.
        tracing::warn!("lookup rate limit reached");
        return Err(ApiError::rate_limited(retry_after));
    }
    Ok(())
}

/// One move of a case by the status machine, with what comes along with it.
struct Step {
    action: Action,
    /// The network company's message to the installer (return, reject).
    message: Option<String>,
    /// Fields set with the move (the completion notice).
    edits: FieldEdits,
}

impl Step {
    fn plain(action: Action) -> Step {
        Step { action, message: None, edits: FieldEdits::new() }
    }
}

/// Loads, moves by the status machine, stores.
async fn act<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    id: &str,
    version: u64,
    step: Step,
) -> ApiResult<CaseView> {
    let mut case = load(state, caller, id).await?;
    if case.version != version {
        return Err(ApiError::version_conflict());
    }
    // Who may do what is decided before the edits are even looked at.
    step.action.transition(case.status, caller.role)?;
    let form = form_or_gone(state, &case)?;
    if !step.edits.is_empty() {
        apply_edits(&form, &mut case, step.edits)?;
    }
    case.act(&form, step.action, caller.role, &caller.user, now(), step.message)?;
    state.store.update_case(&case).await?;
    let status = case.status.as_str();
    tracing::info!(case = %case.id, action = ?step.action, status, "case moved");
    Ok(Json(view(state, case)))
}

pub async fn submit<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<VersionRequest>,
) -> ApiResult<CaseView> {
    act(&state, &caller, &id, request.version, Step::plain(Action::Submit)).await
}

pub async fn withdraw<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<VersionRequest>,
) -> ApiResult<CaseView> {
    act(&state, &caller, &id, request.version, Step::plain(Action::Withdraw)).await
}

/// Longest message to the installer; every message stays in the case's history.
const MESSAGE_MAX_CHARS: usize = 2000;

pub async fn decision<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<DecisionRequest>,
) -> ApiResult<CaseView> {
    let action = match request.decision {
        Decision::Approve => Action::Approve,
        Decision::Return => Action::Return,
        Decision::Reject => Action::Reject,
    };
    let message = request.message.map(|m| m.trim().to_string()).filter(|m| !m.is_empty());
    if message.as_ref().is_some_and(|m| m.chars().count() > MESSAGE_MAX_CHARS) {
        return Err(ApiError::unprocessable(
            "message_too_long",
            format!("Meddelandet får vara högst {MESSAGE_MAX_CHARS} tecken."),
        ));
    }
    if message.is_none() && action != Action::Approve {
        return Err(ApiError::unprocessable(
            "message_required",
            "Skriv ett meddelande till installatören: vad som ska kompletteras eller varför \
             anmälan inte godkänns.",
        ));
    }
    let step = Step { action, message, edits: FieldEdits::new() };
    act(&state, &caller, &id, request.version, step).await
}

pub async fn completion<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<CompletionRequest>,
) -> ApiResult<CaseView> {
    let step = Step { action: Action::Complete, message: None, edits: request.fields };
    act(&state, &caller, &id, request.version, step).await
}

pub async fn close<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<VersionRequest>,
) -> ApiResult<CaseView> {
    act(&state, &caller, &id, request.version, Step::plain(Action::Close)).await
}

// ---------------------------------------------------------------------------------------------
// Audit

pub async fn audit<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Params(query): Params,
) -> ApiResult<AuditAnswer> {
    if caller.role != Role::NetworkCompany {
        return Err(ApiError::forbidden("Bara nätbolaget ser sin logg över hämtningar."));
    }
    // Years far from now are refused before any date arithmetic could overflow.
    let day = |key: &str| -> Result<Option<time::Date>, ApiError> {
        let Some(v) = query.get(key) else {
            return Ok(None);
        };
        match forms::formats::parse_date(v) {
            Some(d) if (2000..=2999).contains(&d.year()) => Ok(Some(d)),
            _ => Err(ApiError::unprocessable(
                "invalid_date",
                format!("Ange {key} som ÅÅÅÅ-MM-DD, till exempel 2026-12-01."),
            )),
        }
    };
    let to = day("to")?.unwrap_or_else(|| now().date());
    let from = day("from")?.unwrap_or(to - time::Duration::days(6));
    if from > to || (to - from).whole_days() > 92 {
        return Err(ApiError::unprocessable(
            "invalid_range",
            "Välj en period där from är före to och som är högst 93 dagar.",
        ));
    }
    let start = from.midnight().assume_utc();
    let end = (to + time::Duration::days(1)).midnight().assume_utc();
    let entries = state.store.lookups(&caller.org, start, end).await?;
    Ok(Json(AuditAnswer { entries }))
}
