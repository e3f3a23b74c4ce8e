//! A proxy in front of DynamoDB Local that records every call the server makes: its operation,
//! and when it was asked and answered. Each call is held back a little, as a network would,
//! so that calls made one after another never overlap and calls made at once always do: the
//! round trips a request took are then the most calls of it of which no two overlap.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

/// How long each call is held back: far longer than DynamoDB Local takes to answer on loopback.
const LATENCY: Duration = Duration::from_millis(40);

/// One DynamoDB call, e.g. `GetItem`.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: String,
    asked: Instant,
    answered: Instant,
}

#[derive(Clone)]
struct Proxy {
    target: String,
    client: reqwest::Client,
    calls: Arc<Mutex<Vec<Call>>>,
}

/// The running proxy; it stops with the test's process.
pub struct DynamoDbCalls {
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl DynamoDbCalls {
    /// A proxy on a free loopback port to DynamoDB Local (`AWS_ENDPOINT_URL_DYNAMODB`), on a
    /// thread of its own, so that the test may block (e.g. while the server starts).
    pub fn start() -> DynamoDbCalls {
        let target = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
            .unwrap_or_else(|_| panic!("{}", super::dynamodb::NOT_RUNNING));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let client = reqwest::Client::builder().no_proxy().build().expect("an HTTP client");
        let proxy = Proxy { target, client, calls: calls.clone() };
        let app = axum::Router::new().fallback(forward).with_state(proxy);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            runtime.expect("a runtime").block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
                axum::serve(listener, app).await
            })
        });
        DynamoDbCalls { url, calls }
    }

    /// The calls since the last take, in the order they were asked.
    pub fn take(&self) -> Vec<Call> {
        let mut calls = std::mem::take(&mut *self.calls.lock().unwrap());
        calls.sort_by_key(|call| call.asked);
        calls
    }
}

/// The round trips of `calls`: the most of them of which no two overlap in time (by earliest
/// answer first, which finds that many).
pub fn round_trips(calls: &[Call]) -> usize {
    let mut by_answer: Vec<&Call> = calls.iter().collect();
    by_answer.sort_by_key(|call| call.answered);
    let mut trips = 0;
    let mut free_from: Option<Instant> = None;
    for call in by_answer {
        if free_from.is_none_or(|end| call.asked >= end) {
            trips += 1;
            free_from = Some(call.answered);
        }
    }
    trips
}

async fn forward(State(proxy): State<Proxy>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let asked = Instant::now();
    let operation = headers
        .get("x-amz-target")
        .and_then(|target| target.to_str().ok())
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or("unknown")
        .to_string();
    tokio::time::sleep(LATENCY).await;
    let mut request = proxy.client.post(&proxy.target).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let answer = request.send().await.expect("DynamoDB Local answers");
    let status = StatusCode::from_u16(answer.status().as_u16()).expect("a status");
    let content_type = answer.headers().get("content-type").cloned();
    let body = answer.bytes().await.expect("an answer body");
    proxy.calls.lock().unwrap().push(Call { operation, asked, answered: Instant::now() });
    let mut answer = (status, body).into_response();
    if let Some(content_type) = content_type {
        answer.headers_mut().insert("content-type", content_type);
    }
    answer
}
