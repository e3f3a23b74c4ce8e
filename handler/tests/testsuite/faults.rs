//! Faults caused for real, bounded in time: a DynamoDB Local of the test's own, frozen with
//! SIGSTOP (it accepts connections and never answers, as a stalled store does), must cost a
//! request a few seconds and a 503 with Retry-After, not a hang, and the server must recover by
//! itself once the store answers again.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::cases::NEW_CASE;
use crate::support::server::{ANNA, BINARY, Server};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/dynamodb-local.sh");

/// A DynamoDB Local instance of this test alone, stopped on drop.
struct OwnDynamoDb {
    name: String,
    env: Vec<(String, String)>,
    pid: String,
}

impl OwnDynamoDb {
    fn start(name: &str) -> OwnDynamoDb {
        let name = format!("{name}-{}", std::process::id());
        let output =
            Command::new("bash").arg(SCRIPT).args(["start", &name]).output().expect("bash");
        assert!(
            output.status.success(),
            "{SCRIPT} start {name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let env: Vec<(String, String)> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("export ")?.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let pid = env.iter().find(|(k, _)| k == "DYNAMODB_LOCAL_PID").expect("its PID").1.clone();
        OwnDynamoDb { name, env, pid }
    }

    fn env(&self) -> Vec<(&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.pid]).status().expect("kill");
        assert!(status.success(), "kill {signal} {}", self.pid);
    }
}

impl Drop for OwnDynamoDb {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-CONT", &self.pid]).status();
        let _ = Command::new("bash").arg(SCRIPT).args(["stop", &self.name]).output();
    }
}

#[tokio::test]
async fn a_frozen_store_answers_503_in_seconds_and_recovers_without_a_restart() {
    let db = OwnDynamoDb::start("frozen");
    let table = "frozen-store";
    let created = Command::new(BINARY)
        .args(["create-table", "--table", table])
        .envs(db.env())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("handler create-table");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let data_dir = tempfile::tempdir().unwrap();
    let args = ["--store", "dynamodb", "--table", table];
    let server = Server::start(data_dir, "dynamodb (frozen)", &args, &db.env());
    let anna = server.api(ANNA);
    anna.get("/cases").await.expect(200);
    let new_case: Value = serde_json::from_str(NEW_CASE).unwrap();

    db.signal("-STOP");
    let started = Instant::now();
    let (list, create) = tokio::join!(anna.get("/cases"), anna.post("/cases", new_case.clone()));
    let waited = started.elapsed();
    for answer in [&list, &create] {
        answer.expect_error(503, "store_unavailable");
        let retry_after = answer.header("retry-after").expect("a Retry-After header");
        assert!(retry_after.parse::<u64>().is_ok_and(|s| s > 0), "{retry_after}");
    }
    assert!(waited < Duration::from_secs(8), "a frozen store held requests for {waited:?}");
    // Still frozen: still answered, not queued behind the first requests.
    anna.get("/cases").await.expect_error(503, "store_unavailable");

    db.signal("-CONT");
    let answer = anna.post("/cases", new_case).await;
    answer.expect(201);
    let list = anna.get("/cases").await;
    assert!(!list.expect(200)["cases"].as_array().unwrap().is_empty(), "{}", list.text);
}
