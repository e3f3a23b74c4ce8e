//! The API's error answer (CONTRACT.md section 2): a status, a snake_case code, a Swedish
//! message a person can act on, and the fields concerned.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forms::{CaseError, Problem, TransitionError};
use serde::Serialize;

use crate::store::StoreError;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Problem>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<Problem>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), fields: Vec::new(), retry_after: None }
    }

    pub fn with_fields(mut self, fields: Vec<Problem>) -> Self {
        self.fields = fields;
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_body", message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// Unknown, or not the caller's: the same answer, so that ids cannot be probed.
    pub fn case_not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "case_not_found",
            "Anmälan finns inte, eller så har du inte behörighet att se den.",
        )
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn version_conflict() -> Self {
        ApiError::new(
            StatusCode::CONFLICT,
            "version_conflict",
            "Anmälan har ändrats sedan du öppnade den. Ladda om den och gör ändringen igen.",
        )
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("För många förfrågningar. Vänta {retry_after} sekunder och försök igen."),
            )
        }
    }

    pub fn invalid(problems: Vec<Problem>) -> Self {
        ApiError::unprocessable(
            "validation_failed",
            format!("Anmälan kan inte skickas: {} fält behöver rättas.", problems.len()),
        )
        .with_fields(problems)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::VersionConflict => ApiError::version_conflict(),
            StoreError::AlreadyExists => ApiError::new(
                StatusCode::CONFLICT,
                "already_exists",
                "Anmälan finns redan. Försök igen.",
            ),
            StoreError::Unavailable(reason) => {
                tracing::error!(%reason, "store unavailable");
                ApiError {
                    retry_after: Some(5),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "store_unavailable",
                        "Tjänsten är tillfälligt otillgänglig. Försök igen om en stund; inget \
                         har sparats.",
                    )
                }
            }
        }
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::WrongRole { .. } => ApiError::forbidden(e.message()),
            TransitionError::WrongStatus { .. } => {
                ApiError::new(StatusCode::CONFLICT, "invalid_status", e.message())
            }
        }
    }
}

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Transition(t) => t.into(),
            CaseError::Invalid(problems) => ApiError::invalid(problems),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                fields: self.fields,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
