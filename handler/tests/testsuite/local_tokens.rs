//! Local mode's tokens (issue 19): expired is expired, with no minute of grace, and no token is
//! taken for longer than the 12 hours `handler token` and the demo sign-in make them last,
//! whoever signed it with the data directory's key.

use std::process::Command;

use base64::Engine;
use serde_json::json;

use crate::support::server::{ANNA, BINARY, Server};

const HOURS_12: i64 = 12 * 3600;

/// A token for Anna signed with `server`'s own key, issued at `iat` and expiring at `exp`.
fn signed(server: &Server, iat: i64, exp: i64) -> String {
    let secret = std::fs::read_to_string(server.data_dir.path().join("jwt-secret")).unwrap();
    let key = base64::engine::general_purpose::STANDARD.decode(secret.trim()).unwrap();
    let claims = json!({"sub": ANNA.id, "role": "installer", "org": ANNA.org,
                        "iss": "elanmalan-local", "iat": iat, "exp": exp});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&key),
    )
    .unwrap()
}

#[tokio::test]
async fn a_local_token_has_no_grace_and_lasts_at_most_12_hours() {
    let server = Server::sqlite();
    let anna = server.api(ANNA);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let refused = [
        ("expired two seconds ago", now - 3600, now - 2),
        ("made to last 13 hours", now, now + 13 * 3600),
        ("12 hours and a second", now - 60, now - 60 + HOURS_12 + 1),
        ("issued in the future", now + 3600, now + 2 * 3600),
    ];
    for (what, iat, exp) in refused {
        let answer = anna.with_token(&signed(&server, iat, exp)).get("/cases").await;
        assert_eq!(answer.status, 401, "{what}: {}", answer.text);
        answer.expect_error(401, "unauthorized");
    }
    let whole_day = signed(&server, now, now + HOURS_12);
    anna.with_token(&whole_day).get("/cases").await.expect(200);

    // What `handler token` prints lasts exactly the 12 hours.
    let output = Command::new(BINARY)
        .args(["token", "--role", "installer", "--org", "demo_el", "--data-dir"])
        .arg(server.data_dir.path())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("handler token runs");
    assert!(output.status.success());
    let token = String::from_utf8(output.stdout).unwrap();
    let payload = token.trim().split('.').nth(1).unwrap();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), HOURS_12);
    anna.with_token(token.trim()).get("/cases").await.expect(200);
}
