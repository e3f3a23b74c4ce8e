//! The `handler` binary as AWS Lambda runs it: started with `AWS_LAMBDA_RUNTIME_API` pointing
//! at a fake Lambda runtime API on loopback (the endpoints `lambda_runtime` polls and answers
//! to), which hands it API Gateway v2 events one at a time and returns its answers.
//!
//! The binary is `ELANMALAN_LAMBDA_BINARY` when set (`scripts/test` sets it to the lean Lambda
//! artifact's `bootstrap`, built without the `local` feature), else the test build's `handler`.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine;
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::{mpsc, oneshot};

use super::server::{BINARY, User};

/// How long one invocation may take (a cold start included).
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);

/// The binary under test in Lambda mode.
pub fn lambda_binary() -> String {
    std::env::var("ELANMALAN_LAMBDA_BINARY")
        .ok()
        .filter(|path| !path.trim().is_empty())
        .unwrap_or_else(|| BINARY.to_string())
}

type Answer = Result<Value, String>;

struct Runtime {
    /// Events waiting for the function's next poll: (request id, event).
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<(String, String)>>,
    /// Who waits for the answer to each request id.
    waiting: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
}

/// `GET /2018-06-01/runtime/invocation/next`: the next event, when there is one.
async fn next(State(runtime): State<Arc<Runtime>>) -> impl IntoResponse {
    let (id, event) = runtime.events.lock().await.recv().await.expect("the test is running");
    let deadline =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
            + INVOKE_TIMEOUT.as_millis();
    (
        [
            ("lambda-runtime-aws-request-id", id),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-north-1:000000000000:function:elanmalan-test-handler".into(),
            ),
            ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000".into()),
            ("content-type", "application/json".into()),
        ],
        event,
    )
}

fn answer(runtime: &Runtime, id: &str, answer: Answer) -> StatusCode {
    if let Some(waiting) = runtime.waiting.lock().unwrap().remove(id) {
        let _ = waiting.send(answer);
    }
    StatusCode::ACCEPTED
}

async fn response(
    State(runtime): State<Arc<Runtime>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    let value = serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"));
    answer(&runtime, &id, value)
}

async fn error(
    State(runtime): State<Arc<Runtime>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    answer(&runtime, &id, Err(String::from_utf8_lossy(&body).into_owned()))
}

/// A running function and its fake runtime API; the process is killed on drop.
pub struct LambdaFunction {
    events: mpsc::UnboundedSender<(String, String)>,
    runtime: Arc<Runtime>,
    child: Child,
    log: TempDir,
}

/// What the function answered, as API Gateway would pass it on.
pub struct Invocation {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Value,
}

impl LambdaFunction {
    /// Starts [`lambda_binary`] as a Lambda function with `env` (e.g. `TABLE_NAME`) on top of
    /// the test's environment (DynamoDB Local's endpoint and credentials).
    pub async fn start(env: &[(&str, &str)]) -> LambdaFunction {
        let (events, receiver) = mpsc::unbounded_channel();
        let runtime = Arc::new(Runtime {
            events: tokio::sync::Mutex::new(receiver),
            waiting: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .with_state(runtime.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await });

        let log = tempfile::tempdir().unwrap();
        let file = std::fs::File::create(log.path().join("stderr")).unwrap();
        let mut command = Command::new(lambda_binary());
        command
            .env("AWS_LAMBDA_RUNTIME_API", &api)
            .env("AWS_LAMBDA_FUNCTION_NAME", "elanmalan-test-handler")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
            .env_remove("ATTACHMENTS_BUCKET")
            .env_remove("MAIL_FROM")
            .stdin(Stdio::null())
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file));
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("{} starts: {e}", lambda_binary()));
        LambdaFunction { events, runtime, child, log }
    }

    /// What the function printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path().join("stderr")).unwrap_or_default()
    }

    /// Hands the function `event` and waits for its answer, as the function wrote it.
    pub async fn invoke_raw(&self, event: &str) -> Value {
        let id = uuid::Uuid::new_v4().to_string();
        let (sender, receiver) = oneshot::channel();
        self.runtime.waiting.lock().unwrap().insert(id.clone(), sender);
        self.events.send((id, event.to_string())).unwrap();
        let answer = match tokio::time::timeout(INVOKE_TIMEOUT, receiver).await {
            Ok(Ok(answer)) => answer,
            _ => panic!("no answer from {} in time; its log:\n{}", lambda_binary(), self.log()),
        };
        answer.unwrap_or_else(|e| panic!("the function failed: {e}; its log:\n{}", self.log()))
    }

    /// Hands the function an API Gateway `event` and waits for its answer.
    pub async fn invoke(&self, event: &str) -> Invocation {
        let answer = self.invoke_raw(event).await;
        let headers = answer["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let text = answer["body"].as_str().unwrap_or("");
        let bytes = if answer["isBase64Encoded"] == true {
            base64::engine::general_purpose::STANDARD.decode(text).expect("base64")
        } else {
            text.as_bytes().to_vec()
        };
        Invocation {
            status: answer["statusCode"].as_u64().expect("a statusCode") as u16,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
}

/// An API Gateway v2 event of `user` (the authorizer's claims, as Cognito gives them) for
/// `method` on `path` (which may end in a query), with a JSON `body` if given.
pub fn api_event(user: User, method: &str, path: &str, body: Option<&Value>) -> String {
    let mut event: Value =
        serde_json::from_str(&super::fixture("apigw/post_case_installer.json")).unwrap();
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    event["rawPath"] = path.into();
    event["rawQueryString"] = query.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["requestContext"]["http"]["method"] = method.into();
    event["pathParameters"]["proxy"] = path.trim_start_matches("/api/").into();
    event["body"] = body.map(Value::to_string).into();
    let headers = event["headers"].as_object_mut().unwrap();
    headers.remove("content-length");
    if body.is_none() {
        headers.remove("content-type");
    }
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["sub"] = user.id.into();
    claims["cognito:username"] = user.id.into();
    claims["custom:org"] = user.org.into();
    claims["custom:role"] = serde_json::to_value(user.role).unwrap();
    claims["email"] = format!("{}@{}.example", user.id, user.org.replace('_', "-")).into();
    event.to_string()
}

impl Drop for LambdaFunction {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
