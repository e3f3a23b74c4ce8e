//! The API's error answer (docs/design.md, section 6.2): a status, a code from [`ErrorCode`], a
//! Swedish message a person can act on, and the fields concerned (always present, maybe empty).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forms::{CaseError, DecisionError, LookupError, Problem, ProblemCode, TransitionError};
use serde::Serialize;

use crate::store::StoreError;

/// Every error code the API answers with. The OpenAPI document lists them (`ErrorCode`), and
/// each has one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // 400
    MalformedBody,
    InvalidQuery,
    // 401, 403
    Unauthorized,
    Forbidden,
    // 403: a machine client's token lacks the scope the request needs
    InsufficientScope,
    // 404
    NoSuchRoute,
    CaseNotFound,
    FormNotFound,
    InstallationNotFound,
    AttachmentNotFound,
    DefinitionsVersionNotFound,
    FirmNotFound,
    MemberNotFound,
    CustomerLinkNotFound,
    WebhookNotFound,
    ClientNotFound,
    // 403: an upload or download link that expired or is not ours
    LinkExpired,
    // 405
    MethodNotAllowed,
    // 409
    VersionConflict,
    AlreadyExists,
    NotEditable,
    InvalidStatus,
    FormNotDefined,
    TooManyWebhooks,
    // 413, 415
    BodyTooLarge,
    UnsupportedMediaType,
    // 422
    InvalidBody,
    InvalidFields,
    ValidationFailed,
    UnknownChoice,
    UnknownStatus,
    UnknownUser,
    InvalidDate,
    InvalidRange,
    NumberMissing,
    InvalidEan,
    // "Start from the EAN": no company's prefix or no registry row has the anläggnings-ID.
    UnknownEan,
    InvalidMeterNumber,
    MeterNumberAmbiguous,
    EanMeterMismatch,
    MessageRequired,
    MessageTooLong,
    InvalidAttachment,
    DefinitionsInvalid,
    InvalidWebhookUrl,
    UnknownWebhookEvent,
    // 429
    RateLimited,
    // 500, 503
    InternalError,
    StoreUnavailable,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            MalformedBody | InvalidQuery => StatusCode::BAD_REQUEST,
            Unauthorized => StatusCode::UNAUTHORIZED,
            Forbidden | LinkExpired | InsufficientScope => StatusCode::FORBIDDEN,
            NoSuchRoute
            | CaseNotFound
            | FormNotFound
            | InstallationNotFound
            | AttachmentNotFound
            | DefinitionsVersionNotFound
            | FirmNotFound
            | MemberNotFound
            | CustomerLinkNotFound
            | WebhookNotFound
            | ClientNotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            VersionConflict | AlreadyExists | NotEditable | InvalidStatus | FormNotDefined
            | TooManyWebhooks => StatusCode::CONFLICT,
            BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            InvalidBody | InvalidFields | ValidationFailed | UnknownChoice | UnknownStatus
            | UnknownUser | InvalidDate | InvalidRange | NumberMissing | InvalidEan
            | UnknownEan | InvalidMeterNumber | MeterNumberAmbiguous | EanMeterMismatch
            | MessageRequired | MessageTooLong | InvalidAttachment | DefinitionsInvalid
            | InvalidWebhookUrl | UnknownWebhookEvent => StatusCode::UNPROCESSABLE_ENTITY,
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// Swedish, for a person: what is wrong and what to do.
    pub message: String,
    /// The fields concerned; empty when the error is not about particular fields.
    pub fields: Vec<FieldProblem>,
}

/// A problem with a field, or, in a definitions file, at a line and column of it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FieldProblem {
    #[serde(flatten)]
    pub problem: Problem,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub at: Option<Place>,
}

/// A place in a file: 1-based line and column (0: the file as a whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Place {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<Problem>,
    /// Where each of `fields` is, when they are places in a file (else empty).
    pub places: Vec<Place>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            fields: Vec::new(),
            places: Vec::new(),
            retry_after: None,
        }
    }

    /// The same error, told in other words.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// 422 `invalid_date`: the query parameter `key` is not a date as `message` says to write it.
    pub fn invalid_date(key: &str, message: String) -> Self {
        let problem =
            Problem { field: key.into(), code: ProblemCode::InvalidDate, message: message.clone() };
        ApiError::new(ErrorCode::InvalidDate, message).with_fields(vec![problem])
    }

    pub fn with_fields(mut self, fields: Vec<Problem>) -> Self {
        self.fields = fields;
        self
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// Unknown, or not the caller's: the same answer, so that ids cannot be probed.
    pub fn case_not_found() -> Self {
        ApiError::new(
            ErrorCode::CaseNotFound,
            "Anmälan finns inte, eller så har du inte behörighet att se den.",
        )
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Forbidden, message)
    }

    pub fn version_conflict() -> Self {
        ApiError::new(
            ErrorCode::VersionConflict,
            "Anmälan har ändrats sedan du öppnade den. Ladda om den och gör ändringen igen.",
        )
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                ErrorCode::RateLimited,
                format!("För många förfrågningar. Vänta {retry_after} sekunder och försök igen."),
            )
        }
    }

    pub fn invalid(problems: Vec<Problem>) -> Self {
        ApiError::new(
            ErrorCode::ValidationFailed,
            format!("Anmälan kan inte skickas: {} fält behöver rättas.", problems.len()),
        )
        .with_fields(problems)
    }

    /// 503 with Retry-After: the store is down or slow; the client tries again later.
    fn store_unavailable(message: &str) -> Self {
        ApiError { retry_after: Some(5), ..ApiError::new(ErrorCode::StoreUnavailable, message) }
    }

    /// A bug: answered in the API's shape, never with anything about the request.
    pub fn internal() -> Self {
        ApiError::new(
            ErrorCode::InternalError,
            "Något gick fel hos oss. Inget har sparats; försök igen om en stund.",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::VersionConflict => ApiError::version_conflict(),
            StoreError::AlreadyExists => {
                ApiError::new(ErrorCode::AlreadyExists, "Anmälan finns redan. Försök igen.")
            }
            // Only a lookup counts uses, and it says which cap; this is the fallback.
            StoreError::CapReached(_) => ApiError::rate_limited(60),
            StoreError::Unavailable(reason) => {
                tracing::error!(%reason, "store unavailable");
                ApiError::store_unavailable(
                    "Tjänsten är tillfälligt otillgänglig. Försök igen om en stund; inget har \
                     sparats.",
                )
            }
            // No Retry-After: trying again reads the same bytes.
            StoreError::Corrupt(reason) => {
                tracing::error!(%reason, "stored document not readable");
                ApiError::internal().with_message(
                    "Uppgifterna kunde inte läsas på grund av ett fel hos oss, och att försöka \
                     igen hjälper inte. Kontakta supporten och berätta vad du ville göra.",
                )
            }
            StoreError::Unanswered(reason) => {
                tracing::error!(%reason, "store did not answer");
                ApiError::store_unavailable(
                    "Tjänsten svarade inte i tid. Ändringen kan ändå ha sparats: ladda om \
                     anmälan om en stund och kontrollera den innan du gör om ändringen.",
                )
            }
        }
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::WrongRole { .. } => ApiError::forbidden(e.message()),
            TransitionError::WrongStatus { .. } => {
                ApiError::new(ErrorCode::InvalidStatus, e.message())
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

impl From<LookupError> for ApiError {
    fn from(e: LookupError) -> Self {
        let code = match e {
            LookupError::NumberMissing => ErrorCode::NumberMissing,
            LookupError::InvalidEan(_) => ErrorCode::InvalidEan,
            LookupError::InvalidMeterNumber { .. } => ErrorCode::InvalidMeterNumber,
            LookupError::NotFound { .. } => ErrorCode::InstallationNotFound,
            LookupError::MeterNumberAmbiguous => ErrorCode::MeterNumberAmbiguous,
            LookupError::EanMeterMismatch => ErrorCode::EanMeterMismatch,
        };
        let message = e.message();
        let problem =
            |field: &str, code| Problem { field: field.into(), code, message: message.clone() };
        let fields = match &e {
            LookupError::InvalidEan(problem) => vec![problem.clone()],
            LookupError::NumberMissing => vec![
                problem("installation.meter_number", ProblemCode::Required),
                problem("installation.ean", ProblemCode::Required),
            ],
            LookupError::InvalidMeterNumber { .. } => {
                vec![problem("installation.meter_number", ProblemCode::TooLong)]
            }
            _ => Vec::new(),
        };
        ApiError::new(code, message).with_fields(fields)
    }
}

impl From<DecisionError> for ApiError {
    fn from(e: DecisionError) -> Self {
        let (code, problem_code) = match e {
            DecisionError::MessageRequired => (ErrorCode::MessageRequired, ProblemCode::Required),
            DecisionError::MessageTooLong => (ErrorCode::MessageTooLong, ProblemCode::TooLong),
            DecisionError::InvalidCharacter(_) => {
                (ErrorCode::InvalidFields, ProblemCode::InvalidCharacter)
            }
        };
        let problem = Problem { field: "message".into(), code: problem_code, message: e.message() };
        ApiError::new(code, e.message()).with_fields(vec![problem])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut places = self.places.into_iter();
        let fields = self
            .fields
            .into_iter()
            .map(|problem| FieldProblem { problem, at: places.next() })
            .collect();
        let body =
            ErrorBody { error: ErrorDetail { code: self.code, message: self.message, fields } };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(error: ApiError) -> String {
        serde_json::to_value(error.code).unwrap().as_str().unwrap().to_string()
    }

    /// The core names its errors' codes too; the enum must agree with it.
    #[test]
    fn the_cores_error_codes_are_the_apis() {
        let problem =
            Problem { field: "f".into(), code: ProblemCode::InvalidFormat, message: "m".into() };
        let lookups = [
            LookupError::NumberMissing,
            LookupError::InvalidEan(problem),
            LookupError::InvalidMeterNumber { max_length: 20 },
            LookupError::NotFound { company_name: "Nätbolaget".into() },
            LookupError::MeterNumberAmbiguous,
            LookupError::EanMeterMismatch,
        ];
        for e in lookups {
            assert_eq!(e.code(), code_of(e.clone().into()));
        }
        let flaw = forms::formats::TextFlaw::ControlCharacter('\u{7}');
        let decisions = [
            DecisionError::MessageRequired,
            DecisionError::MessageTooLong,
            DecisionError::InvalidCharacter(flaw),
        ];
        for e in decisions {
            assert_eq!(e.code(), code_of(e.into()));
        }
    }

    #[test]
    fn every_code_has_a_client_or_server_error_status() {
        for code in [ErrorCode::MalformedBody, ErrorCode::InvalidEan, ErrorCode::StoreUnavailable] {
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
        assert_eq!(ErrorCode::RateLimited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(ErrorCode::NotEditable.status(), StatusCode::CONFLICT);
    }
}
