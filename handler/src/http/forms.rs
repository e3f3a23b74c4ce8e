//! The forms: what network companies offer, and each form's JSON Schema. Public: no personal
//! data.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use forms::Catalog;

use super::AppState;
use super::error::{ApiError, ErrorCode};

/// What every network company offers, from the definitions.
pub async fn catalog<S: Send + Sync>(State(state): State<AppState<S>>) -> Json<Catalog> {
    Json(state.definitions().catalog())
}

pub async fn schema<S: Send + Sync>(
    State(state): State<AppState<S>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let form = path.ok().and_then(|Path((company, installation_type))| {
        state.definitions().form(&company, &installation_type)
    });
    let form = form.ok_or_else(|| {
        ApiError::new(ErrorCode::FormNotFound, "Nätbolaget har ingen sådan installationstyp.")
    })?;
    Ok(Json(form.json_schema()))
}
