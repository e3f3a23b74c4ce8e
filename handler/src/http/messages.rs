//! Meddelanden: either side writes to the other on a sent case; the message is a step in the
//! case's history (action `message`) and news for the other side until it is read.

use axum::extract::State;
use forms::form::text_problem;
use forms::{Action, MESSAGE_MAX_CHARS, Problem, ProblemCode};
use schemars::JsonSchema;
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::body::JsonBody;
use super::cases::{ApiResult, CaseId, CaseView, form_or_gone, load, now, view};
use super::error::{ApiError, ErrorCode};
use super::firms::case_firm;
use crate::notify;
use crate::store::{Store, StoreError};
use crate::webhooks;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// At most 2000 characters of text: lines and tabs, but no other control characters nor
    /// characters that turn the text's direction.
    pub text: String,
}

/// How often a message is retried against a case that changed meanwhile: a message needs no
/// version, as it changes nothing the writer could have seen differently.
const TRIES: usize = 3;

pub async fn write<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<MessageRequest>,
) -> ApiResult<CaseView> {
    let text = request.text.trim().to_string();
    let refused = |code, message: String| {
        let problem = Problem { field: "text".into(), code, message: message.clone() };
        ApiError::new(ErrorCode::InvalidFields, message).with_fields(vec![problem])
    };
    if text.is_empty() {
        return Err(refused(
            ProblemCode::Required,
            "Skriv ett meddelande först: det är tomt.".into(),
        ));
    }
    if text.chars().count() > MESSAGE_MAX_CHARS {
        let message = format!("Meddelandet får vara högst {MESSAGE_MAX_CHARS} tecken.");
        return Err(refused(ProblemCode::TooLong, message));
    }
    if let Some(problem) = text_problem("text", "Meddelandet", &text, true) {
        return Err(refused(problem.code, problem.message));
    }
    for _ in 0..TRIES {
        let mut case = load(&state, &caller, &id).await?;
        let definitions = state.case_definitions(&case).await?;
        let form = form_or_gone(&definitions, &case)?;
        let (at, before) = (now(), case.history.len());
        case.act(&form, Action::Message, caller.role, &caller.user, at, Some(text.clone()))?;
        let firm = case_firm(&state.store, &case).await?;
        let mut mail =
            notify::notifications(&case, form.company, &firm.name, before, &state.site_url, at);
        mail.extend(webhooks::case_events(&state.store, &case, before, at).await?);
        match state.store.update_case_notifying(&case, &mail).await {
            Ok(()) => {
                state.mail_ready.notify_one();
                tracing::info!(case = %case.id, "message written");
                return Ok(axum::Json(view(&state, &caller, case).await?));
            }
            Err(StoreError::VersionConflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::version_conflict())
}

/// The caller has read the case's news. The case's version stays, so no one's open page goes
/// stale by it.
pub async fn read<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
) -> ApiResult<CaseView> {
    for _ in 0..TRIES {
        let mut case = load(&state, &caller, &id).await?;
        if !case.mark_read(caller.role) {
            return Ok(axum::Json(view(&state, &caller, case).await?));
        }
        match state.store.keep_version_update(&case).await {
            Ok(()) => return Ok(axum::Json(view(&state, &caller, case).await?)),
            Err(StoreError::VersionConflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::version_conflict())
}
