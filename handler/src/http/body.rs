//! What a request brings: a JSON body and query parameters, read by axum's own extractors and
//! their rejections turned into the API's error shape with a Swedish message that names the
//! field. serde's own (English) text never reaches the client.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use forms::{Problem, ProblemCode};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use super::error::{ApiError, ErrorCode};

/// Largest request body accepted (docs/design.md, section 6.2: 413 above it).
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body: 415 if not JSON, 413 if too large, 400 if malformed (with line and column),
/// 422 if well-formed but of the wrong shape, naming the field.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Skicka förfrågan som JSON (Content-Type: application/json).",
        ),
        JsonRejection::JsonDataError(_) => match serde_error(rejection) {
            Some(e) => invalid_body(&e.path().to_string(), &serde_message(e.inner())),
            None => ApiError::new(ErrorCode::InvalidBody, "Förfrågan har fel innehåll."),
        },
        JsonRejection::JsonSyntaxError(_) => {
            let place = serde_error(rejection).map_or(String::new(), |e| {
                format!(" (rad {}, kolumn {})", e.inner().line(), e.inner().column())
            });
            ApiError::new(
                ErrorCode::MalformedBody,
                format!("Förfrågan är inte giltig JSON{place}."),
            )
        }
        JsonRejection::BytesRejection(bytes)
            if bytes.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::new(
                ErrorCode::BodyTooLarge,
                format!("Förfrågan är för stor: högst {} KiB.", BODY_LIMIT / 1024),
            )
        }
        _ => ApiError::new(ErrorCode::MalformedBody, "Förfrågan kunde inte läsas. Försök igen."),
    }
}

/// The serde error behind a JSON rejection, with the path to the value it is about.
fn serde_error(
    rejection: &JsonRejection,
) -> Option<&serde_path_to_error::Error<serde_json::Error>> {
    use std::error::Error;
    rejection.source()?.source()?.downcast_ref()
}

/// serde's message without the position that serde_json appends to it.
fn serde_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

/// A 422 that names the field and says in Swedish what is wrong with it. serde's message is
/// only classified, never shown: its wording is English and may quote the value.
fn invalid_body(path: &str, serde_message: &str) -> ApiError {
    let quoted =
        |after: &str| serde_message.split_once(after).and_then(|(_, rest)| rest.split('`').nth(1));
    let (field, code, message) = if serde_message.starts_with("missing field") {
        let name = quoted("missing field").unwrap_or_default();
        let field = if path == "." { name.to_string() } else { format!("{path}.{name}") };
        let message = format!("Fältet {field} saknas. Skicka med det.");
        (field, ProblemCode::Required, message)
    } else if serde_message.starts_with("unknown field") {
        let name = quoted("unknown field").unwrap_or_default();
        let field = if path == "." { name.to_string() } else { path.to_string() };
        let message = format!("Fältet {field} finns inte i förfrågan. Ta bort det.");
        (field, ProblemCode::UnknownField, message)
    } else if serde_message.starts_with("unknown variant") {
        let allowed = serde_message
            .split_once("expected ")
            .map(|(_, rest)| rest.replace('`', "").replace("one of ", ""))
            .unwrap_or_default();
        let message = format!("Fältet {path} har ett okänt värde. Använd ett av: {allowed}.");
        (path.to_string(), ProblemCode::InvalidChoice, message)
    } else {
        let expected = serde_message.rsplit_once("expected ").map_or("", |(_, e)| e);
        let message = match (path, swedish_type(expected)) {
            (".", _) => {
                "Förfrågan ska vara ett JSON-objekt med fälten i API:ts beskrivning.".to_string()
            }
            (_, Some(kind)) => format!("Fältet {path} ska vara {kind}."),
            (_, None) => format!("Fältet {path} har fel typ eller värde."),
        };
        (path.to_string(), ProblemCode::InvalidFormat, message)
    };
    let field = if field.is_empty() || field == "." { "body".to_string() } else { field };
    let problem = Problem { field, code, message: message.clone() };
    ApiError::new(ErrorCode::InvalidBody, message).with_fields(vec![problem])
}

/// serde's name of an expected type, as a Swedish phrase.
fn swedish_type(expected: &str) -> Option<&'static str> {
    Some(match expected {
        "a string" => "text",
        "a boolean" => "true eller false",
        "a whole number" | "u64" | "u32" | "i64" | "i32" | "usize" => "ett heltal",
        "a map" | "a JSON object" => "ett objekt",
        "a sequence" => "en lista",
        e if e.starts_with("struct ") => "ett objekt",
        _ => return None,
    })
}

/// Query parameters of type `T`; a parameter that cannot be read is a 422 naming it.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    // serde_urlencoded names neither the parameter nor its value for an unknown variant, so
    // the one enum parameter (status) gets its own answer.
    if rejection.body_text().contains("unknown variant") {
        return ApiError::new(
            ErrorCode::UnknownStatus,
            format!(
                "Okänd status. Använd en av: {}.",
                forms::Status::ALL.map(|s| s.as_str()).join(", ")
            ),
        )
        .with_fields(vec![Problem {
            field: "status".into(),
            code: ProblemCode::InvalidChoice,
            message: "Okänd status.".into(),
        }]);
    }
    ApiError::new(
        ErrorCode::InvalidQuery,
        "Adressens parametrar kunde inte läsas. Kontrollera dem och försök igen.",
    )
}

/// A `version` as JSON allows it: a whole number, also when written as `573.0`.
pub fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    struct WholeNumber;

    impl Visitor<'_> for WholeNumber {
        type Value = u64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            // Below 2^53 every whole f64 is exact.
            if v.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(&v) {
                Ok(v as u64)
            } else {
                Err(E::invalid_value(de::Unexpected::Float(v), &self))
            }
        }
    }

    deserializer.deserialize_any(WholeNumber)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Versioned {
        #[serde(deserialize_with = "super::whole_number")]
        version: u64,
    }

    fn version(json: &str) -> Option<u64> {
        serde_json::from_str::<Versioned>(json).ok().map(|v| v.version)
    }

    #[test]
    fn a_version_is_a_whole_number_however_it_is_written() {
        assert_eq!(version(r#"{"version": 573}"#), Some(573));
        assert_eq!(version(r#"{"version": 573.0}"#), Some(573));
        assert_eq!(version(r#"{"version": 5.73e2}"#), Some(573));
        for refused in ["573.5", "-1", "-1.0", "\"573\"", "null", "1e300"] {
            assert_eq!(version(&format!(r#"{{"version": {refused}}}"#)), None, "{refused}");
        }
    }

    #[test]
    fn serde_types_read_as_swedish() {
        assert_eq!(super::swedish_type("a string"), Some("text"));
        assert_eq!(super::swedish_type("u64"), Some("ett heltal"));
        assert_eq!(super::swedish_type("a whole number"), Some("ett heltal"));
        assert_eq!(super::swedish_type("struct EditRequest"), Some("ett objekt"));
        assert_eq!(super::swedish_type("something else"), None);
    }
}
