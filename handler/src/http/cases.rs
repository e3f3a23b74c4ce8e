//! Cases: create, list, read, edit, "Kopiera från ägare", and the loading and access rules the
//! other case routes share.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use forms::handling_times::{StatusTime, status_times};
use forms::{Case, Definitions, Form, FormPart, Move, Problem, ProblemCode, Role, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AppState;
use super::auth::Caller;
use super::body::{JsonBody, Params, whole_number};
use super::error::{ApiError, ErrorCode};
use super::firms::{FirmRef, firm_ref, firm_refs, firms_matching};
use super::lookup;
use crate::store::{CaseQuery, Page, PageRequest, Store, is_case_id, is_list_key, new_case_id};

pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// A new draft, in one of two shapes ([`NewCaseShape`] is what the OpenAPI document shows):
/// by its network company and network area, or from its anläggnings-ID ("Start from the EAN").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub company: Option<String>,
    pub installation_type: String,
    pub job_type: String,
    pub network_area: Option<String>,
    pub ean: Option<String>,
}

/// The two shapes of a new case, for the OpenAPI document.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum NewCaseShape {
    ByCompany(NewCaseByCompany),
    FromEan(NewCaseFromEan),
}

/// The network company and network area chosen ("Nätbolag", "Nätområde").
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NewCaseByCompany {
    company: String,
    installation_type: String,
    job_type: String,
    network_area: String,
}

/// Started from the anläggnings-ID: its GSRN prefix names the network company, the registry
/// the network area, and the lookup is applied to the new draft (audited and counted like any
/// lookup; 429 at a cap, and then no case is kept). An anläggnings-ID that no company or
/// registry knows is a 422 naming `ean`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NewCaseFromEan {
    /// 18 digits (spaces are ignored).
    ean: String,
    installation_type: String,
    job_type: String,
}

impl JsonSchema for NewCase {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NewCase".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        NewCaseShape::json_schema(generator)
    }
}

/// Where a new case's network company and network area come from.
enum Start {
    Chosen { company: String, network_area: String },
    Ean(String),
}

impl NewCase {
    /// The shape the body has; a 422 for both shapes at once or neither.
    fn start(&mut self) -> Result<Start, ApiError> {
        let problem = |field: &str, code, message: &str| Problem {
            field: field.into(),
            code,
            message: message.into(),
        };
        match (self.company.take(), self.network_area.take(), self.ean.take()) {
            (Some(company), Some(network_area), None) => {
                Ok(Start::Chosen { company, network_area })
            }
            (None, None, Some(ean)) => Ok(Start::Ean(ean)),
            (company, network_area, Some(_)) => {
                let message = "Ange antingen ean eller company och network_area, inte båda.";
                let fields =
                    [("company", company.is_some()), ("network_area", network_area.is_some())]
                        .into_iter()
                        .filter(|(_, given)| *given)
                        .map(|(field, _)| problem(field, ProblemCode::UnknownField, message))
                        .collect();
                Err(ApiError::new(ErrorCode::InvalidBody, message).with_fields(fields))
            }
            (company, network_area, None) => {
                let message = "Ange ean (Anläggnings-ID), eller company och network_area \
                               (Nätbolag och Nätområde).";
                let missing: Vec<Problem> =
                    [("company", company.is_none()), ("network_area", network_area.is_none())]
                        .into_iter()
                        .filter(|(_, missing)| *missing)
                        .map(|(field, _)| problem(field, ProblemCode::Required, message))
                        .collect();
                let fields = if company.is_none() && network_area.is_none() {
                    vec![problem("ean", ProblemCode::Required, message)]
                } else {
                    missing
                };
                Err(ApiError::new(ErrorCode::InvalidBody, message).with_fields(fields))
            }
        }
    }
}

/// A case as the API shows it: the stored case, with its firm's name (CONTRACT section 6), its
/// status in Swedish, what would stop a submit right now, whether the caller has news from the
/// other side, and the moves the caller may make now.
#[derive(Debug)]
pub struct CaseView {
    pub case: Case,
    pub shown: CaseShown,
}

/// What a [`CaseView`] adds to the stored case (its `firm` replaces the case's firm id).
#[derive(Debug, Serialize, JsonSchema)]
pub struct CaseShown {
    pub firm: FirmRef,
    pub status_label: String,
    pub problems: Vec<Problem>,
    pub unread: bool,
    /// The moves the caller may make on the case now (CONTRACT section 6), by the core's rules.
    pub actions: Vec<Move>,
    /// Its job type needs only a completion notice (the company's `completion_only`): the
    /// installer fills in the completion notice's fields with the notice, and `submit` makes
    /// the case `completed` at once, without an approval.
    pub completion_only: bool,
    /// How long the case has waited in each status it has been in, the current one until now
    /// (`forms::handling_times::status_times`), for both sides.
    pub status_times: Vec<StatusTime>,
}

impl Serialize for CaseView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let mut shown = serde_json::to_value(&self.case).map_err(S::Error::custom)?;
        let (Some(case), serde_json::Value::Object(extra)) =
            (shown.as_object_mut(), serde_json::to_value(&self.shown).map_err(S::Error::custom)?)
        else {
            return Err(S::Error::custom("a case is an object"));
        };
        // `firm` ({id, name}) says it.
        case.remove("firm_name");
        case.extend(extra);
        shown.serialize(serializer)
    }
}

impl JsonSchema for CaseView {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CaseView".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct Shape {
            #[serde(flatten)]
            case: Case,
            #[serde(flatten)]
            shown: CaseShown,
        }
        let mut schema = Shape::json_schema(generator);
        let firm = generator.subschema_for::<FirmRef>();
        if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
            properties.insert("firm".into(), firm.into());
            properties.remove("firm_name");
        }
        schema
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CaseList {
    pub cases: Vec<CaseView>,
    /// Give it as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A list's page and filters (CONTRACT section 5).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListQuery {
    pub status: Option<Status>,
    pub network_area: Option<String>,
    pub installation_type: Option<String>,
    /// The installer firm (a network company's inbox): its organisation number, part of its
    /// name, or its id; the cases of the firms it names are found by key.
    pub firm: Option<String>,
    /// A whole case number or a whole anläggnings-ID (18 digits, spaces allowed) finds its
    /// cases by key; other text is found anywhere in the case number, anläggnings-ID or
    /// address, which reads the whole list (docs/api.md, "Search").
    pub q: Option<String>,
    #[serde(flatten)]
    pub page: PageQuery,
}

/// Where a page starts and how long it is.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PageQuery {
    /// 1 to 100, default 50.
    pub limit: Option<String>,
    /// `next_cursor` of the page before.
    pub cursor: Option<String>,
}

const DEFAULT_PAGE: usize = 50;
const LARGEST_PAGE: usize = 100;

impl PageQuery {
    /// The store's page request; a limit out of range or a cursor that is no list key of
    /// ours is a 400 naming the parameter.
    pub fn request(&self, is_key: fn(&str) -> bool) -> Result<PageRequest, ApiError> {
        let bad = |field: &str, message: &str| {
            let problem = Problem {
                field: field.into(),
                code: ProblemCode::InvalidFormat,
                message: message.into(),
            };
            ApiError::new(ErrorCode::InvalidQuery, message).with_fields(vec![problem])
        };
        let limit = match &self.limit {
            None => DEFAULT_PAGE,
            Some(text) => text
                .parse()
                .ok()
                .filter(|n| (1..=LARGEST_PAGE).contains(n))
                .ok_or_else(|| bad("limit", "Ange limit som ett heltal från 1 till 100."))?,
        };
        let after = match &self.cursor {
            None => None,
            Some(cursor) => Some(
                URL_SAFE_NO_PAD
                    .decode(cursor)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .filter(|key| is_key(key))
                    .ok_or_else(|| {
                        bad("cursor", "Sidan kunde inte hittas. Börja om från första sidan.")
                    })?,
            ),
        };
        Ok(PageRequest { limit, after })
    }
}

/// The cursor for the page after `page`.
pub fn next_cursor<T>(page: &Page<T>) -> Option<String> {
    page.next.as_ref().map(|key| URL_SAFE_NO_PAD.encode(key))
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

/// The case as the caller sees it, read by the definitions of its version.
pub async fn view<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    case: Case,
) -> Result<CaseView, ApiError> {
    view_with_firms(state, caller, case, &BTreeMap::new()).await
}

/// [`view`], with the names of firms read already (a list reads its page's firms at once).
pub async fn view_with_firms<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    case: Case,
    firms: &BTreeMap<String, FirmRef>,
) -> Result<CaseView, ApiError> {
    let definitions = state.case_definitions(&case).await?;
    // What stops sending it: only while it can be sent. A case already sent is never made
    // invalid by a later change of the definitions.
    let form = case.form(&definitions);
    let problems = match &form {
        Some(form) if case.status.editable() => case.submit_problems(form),
        _ => Vec::new(),
    };
    let completion_only = form.is_some_and(|f| f.completion_only(&case.job_type));
    let unread = case.unread_for(caller.role);
    let actions = forms::words::moves(case.status, caller.role);
    let status_label = case.status.label().to_string();
    // The name the case keeps, or the caller's own firm's, or one read for it.
    let own = caller.firm_name.as_ref().filter(|_| case.firm == caller.org);
    let firm = match (&case.firm_name, own, firms.get(&case.firm)) {
        (Some(name), _, _) | (None, Some(name), _) => {
            FirmRef { id: case.firm.clone(), name: name.clone() }
        }
        (None, None, Some(firm)) => firm.clone(),
        (None, None, None) => firm_ref(&state.store, &case.firm).await?,
    };
    let status_times = status_times(&case, now());
    let shown =
        CaseShown { firm, status_label, problems, unread, actions, completion_only, status_times };
    Ok(CaseView { case, shown })
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
        if is_case_id(&id) { Ok(CaseId(id)) } else { Err(ApiError::case_not_found()) }
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

/// The form a stored case is checked against, in `definitions` (its version's:
/// [`AppState::case_definitions`]); 409 when its company or type is gone.
pub fn form_or_gone<'d>(definitions: &'d Definitions, case: &Case) -> Result<Form<'d>, ApiError> {
    case.form(definitions).ok_or_else(|| {
        ApiError::new(
            ErrorCode::FormNotDefined,
            "Nätbolaget eller installationstypen finns inte längre i formulären. Kontakta \
             nätbolaget.",
        )
    })
}

/// A new case's company, installation type, job type or network area that is not on offer.
pub fn choice_refused(problems: Vec<Problem>) -> ApiError {
    let message = problems.first().map(|p| p.message.clone()).unwrap_or_default();
    ApiError::new(ErrorCode::UnknownChoice, message).with_fields(problems)
}

pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(mut new): JsonBody<NewCase>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    if caller.role != Role::Installer {
        return Err(ApiError::forbidden("Bara installatörer skapar anmälningar."));
    }
    // Only a member of a firm makes a case, whichever its shape: checked before anything else.
    caller.firm()?;
    let (company, network_area) = match new.start()? {
        Start::Chosen { company, network_area } => (company, network_area),
        Start::Ean(ean) => return create_from_ean(&state, &caller, new, &ean).await,
    };
    let form = state
        .definitions()
        .new_case_form(&company, &new.installation_type, &new.job_type, &network_area)
        .map_err(choice_refused)?;
    let case = create_draft(&state, &caller, &form, new.job_type, network_area).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &caller, case).await?)))
}

/// A new draft of `form`, numbered and stored.
async fn create_draft<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    form: &Form<'_>,
    job_type: String,
    network_area: String,
) -> Result<Case, ApiError> {
    let company = form.company;
    let at = now();
    let mut case = Case::new_draft(
        new_case_id(&company.id),
        String::new(),
        form,
        job_type,
        network_area,
        caller.firm()?.to_string(),
        caller.user.clone(),
        at,
    );
    case.contact_email = caller.email.clone();
    case.firm_name = caller.firm_name.clone();
    let numbering = company.clone();
    let case = state
        .store
        .create_numbered_case(case, move |n| numbering.case_number(at.year(), n))
        .await?;
    tracing::info!(case = %case.id, company = %case.company, "case created");
    Ok(case)
}

/// "Start from the EAN": the company that the anläggnings-ID's prefix names, the network area
/// that its registry names, and the lookup applied as "Hämta anl-data" applies it. Everything
/// that can refuse the case is checked before anything is written; a lookup refused at a cap
/// (429) takes the new draft away again.
async fn create_from_ean<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    new: NewCase,
    ean: &str,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    let ean = forms::formats::normalize_gsrn(ean);
    let definitions = state.served();
    let form = definitions
        .new_case_form_by_ean(&ean, &new.installation_type, &new.job_type)
        .map_err(|problems| match problems.first().map(|p| p.field.as_str()) {
            Some("ean") => unknown_ean(problems),
            _ => choice_refused(problems),
        })?;
    let query = form.lookup_query(Some(&ean), None)?;
    let found = lookup::read_registry(&state.store, &form.company.id, &query).await?;
    let Some(installation) = &found.0 else {
        let problem = Problem {
            field: "ean".into(),
            code: ProblemCode::NotOffered,
            message: format!(
                "Anläggnings-ID (EAN) finns inte i {}s register. Kontrollera numret mot kundens \
                 elräkning, eller välj nätbolag och fyll i uppgifterna själv.",
                form.company.name
            ),
        };
        return Err(unknown_ean(vec![problem]));
    };
    let area =
        form.company.registry_network_area(installation).map_err(|p| unknown_ean(vec![p]))?;
    let case = create_draft(state, caller, &form, new.job_type, area.id.clone()).await?;
    let ask = lookup::Ask { query, overwrite: true, apply: true };
    let id = case.id.clone();
    match lookup::look_up(state, caller, case, &form, &ask, found).await {
        Ok(answer) => Ok((StatusCode::CREATED, Json(answer.case))),
        Err(refused) => {
            // A draft the installer was not told of would only be in the way of the next try.
            if let Err(e) = state.store.remove_case(&id).await {
                tracing::warn!(case = %id, reason = %e, "could not remove a draft whose lookup failed");
            }
            Err(refused)
        }
    }
}

/// An anläggnings-ID that no company's prefix or registry knows, or that is no anläggnings-ID.
fn unknown_ean(problems: Vec<Problem>) -> ApiError {
    let code = match problems.first().map(|p| p.code) {
        Some(ProblemCode::InvalidFormat | ProblemCode::InvalidCheckDigit) => ErrorCode::InvalidEan,
        _ => ErrorCode::UnknownEan,
    };
    let message = problems.first().map(|p| p.message.clone()).unwrap_or_default();
    ApiError::new(code, message).with_fields(problems)
}

pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Params(query): Params<ListQuery>,
) -> ApiResult<CaseList> {
    let page = query.page.request(is_list_key)?;
    let text = query.q.as_deref().map(search_query).filter(|q| !q.is_empty());
    // firms: the lead maps names and org numbers here (the ids of the firms the text names,
    // and the text itself as an id); the store finds each id's cases by key.
    let firms = match query.firm.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(firm) => Some(firms_matching(&state.store, firm).await?),
        None => None,
    };
    let filter = CaseQuery {
        status: query.status,
        network_area: query.network_area.filter(|a| !a.is_empty()),
        installation_type: query.installation_type.filter(|t| !t.is_empty()),
        firms,
        text,
    };
    let page = match caller.role {
        Role::Installer => state.store.firm_cases(&caller.org, &filter, &page).await?,
        Role::NetworkCompany => state.store.company_cases(&caller.org, &filter, &page).await?,
    };
    let next_cursor = next_cursor(&page);
    // The names that older cases do not keep, in one read (the caller's own firm's came with
    // its membership).
    let unnamed = page.items.iter().filter(|c| c.firm_name.is_none());
    let unnamed = unnamed.filter(|c| caller.firm_name.is_none() || c.firm != caller.org);
    let firms = firm_refs(&state.store, unnamed.map(|c| c.firm.clone()).collect()).await?;
    let mut cases = Vec::with_capacity(page.items.len());
    for case in page.items.into_iter().filter(|c| caller.can_see(c)) {
        cases.push(view_with_firms(&state, &caller, case, &firms).await?);
    }
    Ok(Json(CaseList { cases, next_cursor }))
}

/// What a search looks for: lower case, and digits without the spaces an anläggnings-ID is
/// often written with.
fn search_query(q: &str) -> String {
    let q = q.trim().to_lowercase();
    if q.chars().all(|c| c.is_ascii_digit() || c.is_whitespace()) {
        q.split_whitespace().collect()
    } else {
        q
    }
}

pub async fn get<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
) -> ApiResult<CaseView> {
    let case = load(&state, &caller, &id).await?;
    Ok(Json(view(&state, &caller, case).await?))
}

/// Checks and applies field edits to a case's values.
pub fn apply_edits(
    form: &Form,
    parts: &[FormPart],
    case: &mut Case,
    edits: FieldEdits,
) -> Result<(), ApiError> {
    let edits = form.edits_from_json(edits).map_err(|problems| {
        ApiError::new(ErrorCode::InvalidFields, "Några fält har fel typ. Se listan.")
            .with_fields(problems)
    })?;
    let problems = form.check_edit(parts, &edits);
    if !problems.is_empty() {
        let message = if problems.iter().any(|p| p.code == ProblemCode::UnknownField) {
            "Anmälan har inte alla fälten som skickades. Se listan."
        } else if problems.iter().all(|p| p.code == ProblemCode::TooLong) {
            "Några värden är för långa. Se listan."
        } else {
            "Några fält kan inte ändras så. Se listan."
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
    let definitions = to_published_version(&state, &caller, &mut case).await?;
    let form = form_or_gone(&definitions, &case)?;
    let parts = case.editable_parts(&form);
    apply_edits(&form, &parts, &mut case, request.fields)?;
    case.fields_changed(&form, now());
    state.store.update_case(&case).await?;
    Ok(Json(view(&state, &caller, case).await?))
}

/// A case being edited moves to its company's published version, if it was made under another,
/// with the changes named in its history (docs/definitions.md, "Versions"); the definitions it
/// is edited by.
async fn to_published_version<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    case: &mut Case,
) -> Result<Arc<Definitions>, ApiError> {
    let old = state.case_definitions(case).await?;
    let new = state.served();
    let published = new.company(&case.company).map(|c| c.definitions_version);
    let Some(form) = case.form(&new) else {
        return Ok(old);
    };
    if published.is_none_or(|v| v == case.definitions_version) {
        return Ok(old);
    }
    let changes = forms::definitions::changes(&old, &new, &case.company);
    case.move_to_version(&form, &changes, &caller.user, now())?;
    Ok(new)
}

pub async fn copy_from_owner<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<VersionRequest>,
) -> ApiResult<CaseView> {
    let mut case = load_for_edit(&state, &caller, &id, request.version).await?;
    let definitions = state.case_definitions(&case).await?;
    let form = form_or_gone(&definitions, &case)?;
    case.fields = form.copy_from_owner(&case.fields);
    case.fields_changed(&form, now());
    state.store.update_case(&case).await?;
    Ok(Json(view(&state, &caller, case).await?))
}
