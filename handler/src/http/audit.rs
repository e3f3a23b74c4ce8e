//! The network company's lookup audit log.

use axum::Json;
use axum::extract::State;
use forms::{Problem, ProblemCode, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::body::Params;
use super::cases::{ApiResult, now};
use super::error::{ApiError, ErrorCode};
use crate::store::{AuditEntry, Store};

#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditAnswer {
    pub entries: Vec<AuditEntry>,
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The longest period one request may ask for, in days after the first.
const MAX_DAYS: i64 = 92;

pub async fn lookups<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Params(query): Params<AuditQuery>,
) -> ApiResult<AuditAnswer> {
    if caller.role != Role::NetworkCompany {
        return Err(ApiError::forbidden("Bara nätbolaget ser sin logg över hämtningar."));
    }
    let to = day("to", query.to.as_deref())?.unwrap_or_else(|| now().date());
    let from = day("from", query.from.as_deref())?.unwrap_or(to - time::Duration::days(6));
    if from > to || (to - from).whole_days() > MAX_DAYS {
        return Err(ApiError::new(
            ErrorCode::InvalidRange,
            "Välj en period där from är före to och som är högst 93 dagar.",
        ));
    }
    let start = from.midnight().assume_utc();
    let end = (to + time::Duration::days(1)).midnight().assume_utc();
    let entries = state.store.lookups(&caller.org, start, end).await?;
    Ok(Json(AuditAnswer { entries }))
}

/// A day parameter. Years far from now are refused before any date arithmetic could overflow.
fn day(key: &str, value: Option<&str>) -> Result<Option<time::Date>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    match forms::formats::parse_date(value) {
        Some(d) if (2000..=2999).contains(&d.year()) => Ok(Some(d)),
        _ => {
            let message = format!("Ange {key} som ÅÅÅÅ-MM-DD, till exempel 2026-12-01.");
            let problem = Problem {
                field: key.into(),
                code: ProblemCode::InvalidDate,
                message: message.clone(),
            };
            Err(ApiError::new(ErrorCode::InvalidDate, message).with_fields(vec![problem]))
        }
    }
}
