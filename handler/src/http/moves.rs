//! Moves of a case through its life, each by the core's status machine: submit, withdraw,
//! decision, completion notice, close.

use std::collections::BTreeMap;

use axum::extract::State;
use forms::{Action, Decision, FormPart};
use schemars::JsonSchema;
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::body::{JsonBody, whole_number};
use super::cases::{
    ApiResult, CaseId, CaseView, FieldEdits, VersionRequest, apply_edits, form_or_gone, load, now,
    view_with_firms,
};
use super::error::ApiError;
use super::firms::case_firm;
use crate::notify;
use crate::store::Store;
use crate::webhooks;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    #[serde(deserialize_with = "whole_number")]
    #[schemars(with = "u64")]
    pub version: u64,
    pub decision: Decision,
    /// Required when returning or rejecting: what the installer must do, or why.
    pub message: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionRequest {
    #[serde(deserialize_with = "whole_number")]
    #[schemars(with = "u64")]
    pub version: u64,
    #[serde(default)]
    pub fields: FieldEdits,
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
    let definitions = state.case_definitions(&case).await?;
    let form = form_or_gone(&definitions, &case)?;
    if !step.edits.is_empty() {
        apply_edits(&form, &[FormPart::Completion], &mut case, step.edits)?;
    }
    let at = now();
    let before = case.history.len();
    case.act(&form, step.action, caller.role, &caller.user, at, step.message)?;
    let firm = case_firm(&state.store, &case).await?;
    let mut mail =
        notify::notifications(&case, form.company, &firm.name, before, &state.site_url, at);
    mail.extend(webhooks::case_events(&state.store, &case, before, at).await?);
    state.store.update_case_notifying(&case, &mail).await?;
    state.mail_ready.notify_one();
    let status = case.status.as_str();
    tracing::info!(case = %case.id, action = ?step.action, status, "case moved");
    let firms = BTreeMap::from([(firm.id.clone(), firm)]);
    Ok(axum::Json(view_with_firms(state, caller, case, &firms).await?))
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

pub async fn decision<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<DecisionRequest>,
) -> ApiResult<CaseView> {
    let message = request.decision.checked_message(request.message.as_deref())?;
    let step = Step { action: request.decision.action(), message, edits: FieldEdits::new() };
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
