//! `handler serve` keeps its demo users on this machine (issue 11, part 6): it answers only to
//! its own loopback address, never signs demo users in against a DynamoDB elsewhere, keeps its
//! data directory to its owner, and refuses a signing key too short to be safe. Slow or many
//! clients cannot hold it (issue 19): a request's headers must come within `--header-timeout`,
//! and no more than `--max-connections` are open at once.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::header::HOST;
use serde_json::json;

use crate::support::server::{BINARY, Server, assert_error_shape, assert_swedish};

/// `handler serve` with `args` in `data_dir`, as a user starts it; its exit code and stderr
/// when it stops by itself.
fn serve_refused(data_dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(BINARY);
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(args)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("handler serve runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(!stdout.contains("Elanmälan is running"), "it must not serve: {stdout}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_request_for_another_host_is_refused() {
    let server = Server::sqlite();
    let port = server.url.rsplit(':').next().unwrap();
    let http = server.http();
    let sign_in = |host: String| {
        http.post(format!("{}/api/v1/local/sign-in", server.url))
            .header(HOST, host)
            .json(&json!({"user": "karin"}))
            .send()
    };

    // A page on another site whose name now points at 127.0.0.1 (DNS rebinding) sends its
    // own name: no sign-in, no page, no API.
    for host in [format!("rebound.example:{port}"), format!("127.0.0.1.example:{port}")] {
        let refused = sign_in(host.clone()).await.unwrap();
        assert_eq!(refused.status(), 403, "{host}");
        let no_store = Some(reqwest::header::HeaderValue::from_static("no-store"));
        assert_eq!(refused.headers().get("cache-control"), no_store.as_ref(), "{host}");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_error_shape(&body);
        assert_eq!(body["error"]["code"], "forbidden");
        assert!(body.get("token").is_none());
        let message = body["error"]["message"].as_str().unwrap();
        assert_swedish(message);
        assert!(message.contains(&format!("http://127.0.0.1:{port}/")), "{message}");
        for path in ["/", "/api/v1/forms"] {
            let page = http.get(format!("{}{path}", server.url)).header(HOST, &host);
            let page = page.send().await.unwrap();
            assert_eq!(page.status(), 403, "{host}{path}");
            assert_eq!(page.headers().get("cache-control"), no_store.as_ref(), "{host}{path}");
        }
    }
    // The same port on another loopback name or without its port is another origin too.
    for host in ["127.0.0.1", "127.0.0.2:{port}", "localhost"] {
        let host = host.replace("{port}", port);
        assert_eq!(sign_in(host.clone()).await.unwrap().status(), 403, "{host}");
    }

    // Its own address, and localhost with its port, are served.
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let signed_in = sign_in(host.clone()).await.unwrap();
        assert_eq!(signed_in.status(), 200, "{host}");
        let body: serde_json::Value = signed_in.json().await.unwrap();
        assert!(body["token"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
    }
}

#[test]
fn demo_users_never_meet_a_dynamodb_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--store", "dynamodb", "--table", "elanmalan"];
    // An endpoint on another machine (TEST-NET-1: nothing answers there; nothing is tried).
    let stderr =
        serve_refused(dir.path(), &args, &[("AWS_ENDPOINT_URL_DYNAMODB", "http://192.0.2.1:8000")]);
    assert!(stderr.contains("http://192.0.2.1:8000"), "{stderr}");
    assert!(stderr.contains("DynamoDB Local") && stderr.contains("SQLite"), "{stderr}");
    // No endpoint at all: AWS itself, with whatever credentials the shell has.
    let stderr = serve_refused(
        dir.path(),
        &args,
        &[("AWS_ENDPOINT_URL_DYNAMODB", ""), ("AWS_ENDPOINT_URL", "")],
    );
    assert!(stderr.contains("AWS itself"), "{stderr}");
}

#[test]
fn the_data_directory_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;

    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("new").join("data");
    let mut child = Command::new(BINARY)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&data_dir)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("handler serve starts");
    let first = BufReader::new(child.stdout.take().unwrap()).lines().next();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.is_some_and(|l| l.unwrap().starts_with("Elanmälan is running")));

    for dir in [parent.path().join("new"), data_dir.clone(), data_dir.join("attachments")] {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}: {mode:o}", dir.display());
    }
    let key = std::fs::metadata(data_dir.join("jwt-secret")).unwrap().permissions().mode();
    assert_eq!(key & 0o777, 0o600);
}

#[test]
fn a_signing_key_shorter_than_32_bytes_is_refused() {
    use base64::Engine;

    let dir = tempfile::tempdir().unwrap();
    let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
    std::fs::write(dir.path().join("jwt-secret"), format!("{short}\n")).unwrap();
    let stderr = serve_refused(dir.path(), &[], &[]);
    assert!(stderr.contains("16 bytes") && stderr.contains("at least 32"), "{stderr}");
    assert!(!dir.path().join("elanmalan.sqlite3").exists(), "nothing opened");

    // `handler token` signs nothing with it either.
    let token = Command::new(BINARY)
        .args(["token", "--role", "installer", "--org", "demo_el", "--sub", "anna", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(token.status.code(), Some(1));
    assert!(token.stdout.is_empty());
    assert!(String::from_utf8_lossy(&token.stderr).contains("16 bytes"));

    // A key of 32 bytes serves.
    let good = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    std::fs::write(dir.path().join("jwt-secret"), format!("{good}\n")).unwrap();
    let server = Server::start(dir, "sqlite", &[], &[]);
    assert!(server.url.starts_with("http://127.0.0.1:"));
}

/// A connection to `server` that has sent `bytes` and nothing more.
async fn holding(server: &Server, bytes: &[u8]) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let addr = server.url.strip_prefix("http://").unwrap();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connects");
    tcp.write_all(bytes).await.unwrap();
    tcp
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    use tokio::io::AsyncReadExt;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir, "sqlite", &["--header-timeout", "1"], &[]);
    let mut slow = holding(&server, b"GET /api/v1/forms HT").await;
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "half a request line still held a connection after 10 s");
    let after = started.elapsed();
    assert!(after >= Duration::from_millis(800), "closed after {after:?}, before the timeout");
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    use tokio::io::AsyncReadExt;
    let dir = tempfile::tempdir().unwrap();
    let args = ["--max-connections", "4", "--header-timeout", "60"];
    let server = Server::start(dir, "sqlite", &args, &[]);
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(holding(&server, b"GET / HT").await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let host = server.url.strip_prefix("http://").unwrap();
    let request =
        format!("GET /api/v1/forms HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let mut fifth = holding(&server, request.as_bytes()).await;
    let mut answer = Vec::new();
    let early = tokio::time::timeout(Duration::from_secs(1), fifth.read_to_end(&mut answer)).await;
    assert!(early.is_err(), "a fifth connection was served while four were open: {answer:?}");

    drop(held.pop());
    let served = tokio::time::timeout(Duration::from_secs(10), fifth.read_to_end(&mut answer));
    served.await.expect("served once a connection closed").unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
