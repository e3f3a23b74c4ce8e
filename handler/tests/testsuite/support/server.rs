//! The real `handler` binary as a server for the end-to-end tests: started on a free loopback
//! port with its own data directory (SQLite) or its own DynamoDB Local table, stopped on drop.
//! Tokens are minted in-process with the key in the same data directory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use forms::Role;
use handler::local::LocalKey;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use tempfile::TempDir;

pub const BINARY: &str = env!("CARGO_BIN_EXE_handler");

pub const NOT_RUNNING: &str = "AWS_ENDPOINT_URL_DYNAMODB is not set, so DynamoDB Local is not \
                               running: run the tests with scripts/test (or eval \"$(scripts/\
                               dynamodb-local.sh start)\" first). DynamoDB tests are never skipped.";

/// How long a server may take to print its address (DynamoDB retries included).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A demo user (see `handler::local::demo::DEMO_USERS`).
#[derive(Debug, Clone, Copy)]
pub struct User {
    pub role: Role,
    pub org: &'static str,
    pub id: &'static str,
}

/// Installer at Demo El AB.
pub const ANNA: User = User { role: Role::Installer, org: "demo_el", id: "anna" };
/// Demo El AB's admin ("Företag", with `admin_api`).
pub const DAN: User = User { role: Role::Installer, org: "demo_el", id: "dan" };
/// Installer at another firm.
pub const BERTIL: User = User { role: Role::Installer, org: "annan_el", id: "bertil" };
/// Case handler at Öresundskraft.
pub const KARIN: User = User { role: Role::NetworkCompany, org: "oresundskraft", id: "karin" };
/// Öresundskraft's admin of its forms (with `admin_api`).
pub const ASA: User =
    User { role: Role::NetworkCompany, org: "oresundskraft", id: "admin_oresund" };
/// Another case handler at Öresundskraft.
pub const OLLE: User = User { role: Role::NetworkCompany, org: "oresundskraft", id: "olle" };

/// The address a test user signs in with: `<id>@<org>.example`, as the demo users' (an
/// installer is a member of a demo firm by it).
pub fn email_of(user: User) -> Option<String> {
    let email = format!("{}@{}.example", user.id, user.org.replace('_', "-"));
    // A user id such as `=HYPERLINK(1)` makes no address, and a sign-in with it is refused.
    Some(email).filter(|e| forms::formats::is_single_address(e))
}

/// A running `handler serve`.
pub struct Server {
    pub url: String,
    pub data_dir: TempDir,
    /// Everything the server printed on stdout before it started serving and after.
    pub stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    pub store: &'static str,
    key: LocalKey,
    child: Child,
    client: reqwest::Client,
    /// The S3 stand-in of a server with attachments in S3, stopped after the server.
    moto: Option<super::moto::Moto>,
}

impl Server {
    /// `handler serve` with SQLite in a fresh data directory.
    pub fn sqlite() -> Server {
        let data_dir = tempfile::tempdir().expect("a temp dir");
        Server::start(data_dir, "sqlite", &[], &[])
    }

    /// `handler serve --store dynamodb` on a fresh table of DynamoDB Local. Panics (never skips)
    /// when DynamoDB Local's environment is missing.
    pub fn dynamodb() -> Server {
        Server::dynamodb_with(&[])
    }

    /// [`Server::dynamodb`] with extra environment `env` (e.g. another DynamoDB endpoint).
    pub fn dynamodb_with(env: &[(&str, &str)]) -> Server {
        let table = Server::fresh_table();
        let data_dir = tempfile::tempdir().expect("a temp dir");
        Server::start(data_dir, "dynamodb", &["--store", "dynamodb", "--table", &table], env)
    }

    /// `handler serve` on `store` (`"sqlite"` or `"dynamodb"`, a fresh data directory or table)
    /// with extra arguments `args`.
    pub fn on(store: &str, args: &[&str]) -> Server {
        let data_dir = tempfile::tempdir().expect("a temp dir");
        match store {
            "sqlite" => Server::start(data_dir, "sqlite", args, &[]),
            "dynamodb" => {
                let table = Server::fresh_table();
                let store_args = ["--store", "dynamodb", "--table", &table];
                Server::start(data_dir, "dynamodb", &[&store_args[..], args].concat(), &[])
            }
            other => panic!("no store {other}"),
        }
    }

    /// `handler serve --store dynamodb --attachments s3`: a fresh table of DynamoDB Local, a
    /// fresh private bucket in a moto server of its own (`AWS_ENDPOINT_URL_S3`).
    pub async fn dynamodb_s3() -> Server {
        let moto = super::moto::Moto::start();
        let bucket = moto.bucket().await;
        let table = Server::fresh_table();
        let data_dir = tempfile::tempdir().expect("a temp dir");
        let args = ["--store", "dynamodb", "--table", &table, "--attachments", "s3"];
        let mut server = Server::start(
            data_dir,
            "dynamodb+s3",
            &[&args[..], &["--bucket", &bucket]].concat(),
            &[("AWS_ENDPOINT_URL_S3", &moto.url())],
        );
        server.moto = Some(moto);
        server
    }

    /// A new table of DynamoDB Local made by `handler create-table`. Panics (never skips) when
    /// DynamoDB Local's environment is missing.
    fn fresh_table() -> String {
        match std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
            Ok(endpoint) if !endpoint.trim().is_empty() => {}
            _ => panic!("{NOT_RUNNING}"),
        }
        let table = format!("api-test-{}", uuid::Uuid::new_v4().simple());
        let output = Command::new(BINARY)
            .args(["create-table", "--table", &table])
            .env("RUST_LOG", "warn")
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .output()
            .expect("handler create-table runs");
        assert!(
            output.status.success(),
            "handler create-table --table {table} failed ({}):\n{}\n{NOT_RUNNING}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        table
    }

    /// Starts `handler serve` with `args` and extra environment `env`, and waits for its address.
    pub fn start(
        data_dir: TempDir,
        store: &'static str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        // The key first, so that the server and the test share it (the server would create it).
        let key = LocalKey::load_or_create(data_dir.path()).expect("a signing key");
        let log = std::fs::File::create(log_path(data_dir.path())).expect("a log file");
        let mut command = Command::new(BINARY);
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir.path())
            .args(args)
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env("RUST_LOG", "info,aws_config=warn,aws_smithy_runtime=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("handler serve starts");

        // Read stdout on a thread to the end: the server prints more after the first line, and
        // a closed pipe would make its println! fail.
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (first_tx, first_rx) = mpsc::channel();
        {
            let lines = lines.clone();
            std::thread::spawn(move || {
                let mut first = Some(first_tx);
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(tx) = first.take() {
                        let _ = tx.send(line.clone());
                    }
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let first = match first_rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "handler serve printed no address within {START_TIMEOUT:?}; its log:\n{}",
                    std::fs::read_to_string(log_path(data_dir.path())).unwrap_or_default()
                );
            }
        };
        let url = first
            .strip_prefix("Elanmälan is running at ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line from handler serve: {first:?}"))
            .to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{first}");
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("an HTTP client");
        Server { url, data_dir, stdout: lines, store, key, child, client, moto: None }
    }

    pub fn token(&self, user: User) -> String {
        self.key.mint(user.role, user.org, user.id, None, email_of(user).as_deref())
    }

    /// The API as an admin of `user`'s org sees it (`handler token --admin`).
    pub fn admin_api(&self, user: User) -> Api {
        let email = email_of(user);
        let token = self.key.mint_for(user.role, user.org, user.id, None, email.as_deref(), true);
        self.api(user).with_token(&token)
    }

    /// The API as `user` sees it.
    pub fn api(&self, user: User) -> Api {
        Api {
            base: format!("{}/api/v1", self.url),
            token: Some(self.token(user)),
            client: self.client.clone(),
        }
    }

    /// A plain HTTP client, e.g. for upload and download links.
    pub fn http(&self) -> &reqwest::Client {
        &self.client
    }

    /// The API without a token.
    pub fn anonymous(&self) -> Api {
        Api { base: format!("{}/api/v1", self.url), token: None, client: self.client.clone() }
    }

    /// Sends `signal` (e.g. `-TERM`) and waits up to 10 s for the server to exit.
    pub fn stop_with(&mut self, signal: &str) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args([signal, &pid]).status().expect("kill");
        assert!(sent.success(), "kill {signal} {pid}");
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("handler serve did not stop within 10 s of {signal}; its log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(log_path(self.data_dir.path())).unwrap_or_default()
    }

    /// The keys of every attachment file the server keeps (`cases/…`, `uploads/…`), sorted:
    /// the objects of its bucket, or the files under its data directory.
    pub async fn stored_files(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(moto) = &self.moto {
            let s3 = moto.s3_client();
            for bucket in s3.list_buckets().send().await.unwrap().buckets() {
                let objects =
                    s3.list_objects_v2().bucket(bucket.name().unwrap()).send().await.unwrap();
                keys.extend(objects.contents().iter().filter_map(|o| o.key().map(String::from)));
            }
        } else {
            let root = self.data_dir.path().join("attachments");
            let mut folders = vec![root.clone()];
            while let Some(folder) = folders.pop() {
                for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        folders.push(path);
                    } else {
                        let key = path.strip_prefix(&root).unwrap().to_string_lossy();
                        keys.push(key.into_owned());
                    }
                }
            }
        }
        keys.sort();
        keys
    }
}

fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("server.log")
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- handler serve ({}) log ---\n{}", self.store, self.log());
        }
    }
}

/// A caller of the API with or without a token.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub client: reqwest::Client,
}

/// An answer: status, headers and the body as JSON (`Value::Null` if it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Api {
    pub fn with_token(&self, token: &str) -> Api {
        Api { token: Some(token.to_string()), ..self.clone() }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("an answer body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, headers, text, body }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::POST, path).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::PATCH, path).json(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(Method::PUT, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(self.request(Method::DELETE, path)).await
    }
}

impl Answer {
    /// The body, after checking the status.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.text);
        &self.body
    }

    /// Checks that this is an error answer of the contract's shape with `status` and `code`,
    /// with a non-empty Swedish message.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.text);
        assert_error_shape(&self.body);
        assert_eq!(self.body["error"]["code"], code, "unexpected error: {}", self.text);
        &self.body["error"]
    }

    /// The `field` of every problem in `error.fields`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["error"]["fields"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["field"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Exactly `{"error": {"code": "snake_case", "message": "<Swedish>", "fields": [...]}}`, with
/// `fields` always a list, and none of serde's or axum's English in the text.
#[track_caller]
pub fn assert_error_shape(body: &Value) {
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "not only an error object: {body}");
    let error = body.get("error").unwrap_or_else(|| panic!("no error object in {body}"));
    let mut keys: Vec<&str> =
        error.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "fields", "message"], "not the documented shape: {body}");
    let code = error["code"].as_str().unwrap_or_else(|| panic!("no error code in {body}"));
    assert!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "code is not snake_case: {body}"
    );
    let message = error["message"].as_str().unwrap_or_else(|| panic!("no message in {body}"));
    assert_swedish(message);
    let fields =
        error["fields"].as_array().unwrap_or_else(|| panic!("fields is not a list: {body}"));
    for problem in fields {
        assert!(problem["field"].as_str().is_some_and(|f| !f.is_empty()), "{body}");
        assert!(problem["code"].as_str().is_some_and(|c| !c.is_empty()), "{body}");
        assert_swedish(problem["message"].as_str().unwrap_or_default());
    }
    let text = body.to_string();
    for english in
        ["expected", "invalid type", " at line ", "column ", "Failed to", "missing field"]
    {
        assert!(!text.contains(english), "English in an error answer: {text}");
    }
}

/// A non-empty text that reads as Swedish: a Swedish letter or a common Swedish word.
#[track_caller]
pub fn assert_swedish(text: &str) {
    const WORDS: [&str; 12] = [
        " och ", " att ", " är ", " inte ", "Fyll", "Välj", "Logga", "Ange", "Anmälan", "finns",
        "igen", "fält",
    ];
    assert!(!text.trim().is_empty(), "empty message");
    let swedish =
        text.contains(['å', 'ä', 'ö', 'Å', 'Ä', 'Ö']) || WORDS.iter().any(|w| text.contains(w));
    assert!(swedish, "not a Swedish message: {text:?}");
}
