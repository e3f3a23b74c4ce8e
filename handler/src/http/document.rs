//! `GET /cases/{id}/document.pdf`: a sent case as a PDF (CONTRACT section 6, "The case as a
//! document"), for whoever may read the case; "Installationsmedgivande" once approved.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Caller;
use super::cases::{CaseId, form_or_gone, load};
use super::error::{ApiError, ErrorCode};
use super::firms::firm_ref;
use crate::store::Store;

/// A draft was never sent: there is nothing to print yet.
pub fn not_sent() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidStatus,
        "Anmälan är inte skickad. Skriv ut eller spara den som PDF när den är skickad.",
    )
}

pub async fn pdf<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
) -> Result<Response, ApiError> {
    let case = load(&state, &caller, &id).await?;
    if case.submitted_at.is_none() {
        return Err(not_sent());
    }
    let definitions = state.case_definitions(&case).await?;
    let form = form_or_gone(&definitions, &case)?;
    // The firm's name as the case shows it (`cases::view_with_firms`).
    let own = caller.firm_name.as_ref().filter(|_| case.firm == caller.org);
    let firm_name = match (&case.firm_name, own) {
        (Some(name), _) | (None, Some(name)) => name.clone(),
        (None, None) => firm_ref(&state.store, &case.firm).await?.name,
    };
    let doc = forms::document::case_document(&case, &form, &firm_name);
    let footer = format!("{} · {}", case.number, form.company.name);
    let bytes = crate::document::pdf(&doc, &footer).map_err(|e| {
        tracing::error!(case = %case.id, reason = %e, "the case's document failed");
        ApiError::internal()
    })?;
    let disposition = format!("inline; filename=\"{}.pdf\"", file_name(&case.number));
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The case number as an ASCII file name: `OK-2026-00042`.
fn file_name(number: &str) -> String {
    number
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'Å' | 'Ä' => 'A',
            'ö' => 'o',
            'Ö' => 'O',
            'é' => 'e',
            c if c.is_ascii_alphanumeric() || c == '-' => c,
            _ => '_',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_file_name_is_the_case_number_in_ascii() {
        assert_eq!(super::file_name("ÖK-2026-00042"), "OK-2026-00042");
        assert_eq!(super::file_name("Å\"B"), "A_B");
    }
}
