//! Faults caused for real, bounded in time: `handler serve` killed with SIGKILL while clients
//! write (SQLite); a DynamoDB Local of the test's own frozen with SIGSTOP (it accepts
//! connections and never answers, as a stalled store does) or killed and started again on its
//! port. A fault costs a request a few seconds and a 503 with Retry-After, never a hang or a
//! 500; the server recovers by itself; and no answered write is lost.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::cases::{NEW_CASE, field, id_of, version_of};
use crate::support::server::{ANNA, Api, BINARY, Server};

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

    /// A table made by `handler create-table` in this instance.
    fn create_table(&self, table: &str) {
        let created = Command::new(BINARY)
            .args(["create-table", "--table", table])
            .envs(self.env())
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .output()
            .expect("handler create-table");
        assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    }

    /// `handler serve` on a new table `table` of this instance, once it answers.
    async fn serve(&self, table: &str, label: &'static str) -> Server {
        self.create_table(table);
        let args = ["--store", "dynamodb", "--table", table];
        let server = Server::start(tempfile::tempdir().unwrap(), label, &args, &self.env());
        server.api(ANNA).get("/cases").await.expect(200);
        server
    }

    /// A new instance on this one's port, after this one was killed: empty, as it runs in memory.
    fn start_again(&mut self) {
        let endpoint = self.env.iter().find(|(k, _)| k == "AWS_ENDPOINT_URL_DYNAMODB").unwrap();
        let port = endpoint.1.rsplit(':').next().unwrap().to_string();
        let output = Command::new("bash")
            .arg(SCRIPT)
            .args(["start", &self.name])
            .env("DYNAMODB_LOCAL_PORT", &port)
            .output()
            .expect("bash");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains(&endpoint.1), "not on port {port}: {stdout}");
        let pid = stdout.lines().find_map(|l| l.strip_prefix("export DYNAMODB_LOCAL_PID="));
        self.pid = pid.expect("its PID").to_string();
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
    let server = db.serve(table, "dynamodb (frozen)").await;
    let anna = server.api(ANNA);
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

/// DynamoDB Local killed with SIGKILL while four clients read and write: every answer is a
/// 2xx or a 503 with Retry-After, in seconds; once a new DynamoDB Local runs on the same port
/// (with the table made again), the same server process answers 2xx again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_store_answers_503_and_a_new_one_on_its_port_serves_without_a_restart() {
    let mut db = OwnDynamoDb::start("killed");
    let table = "killed-store";
    let server = db.serve(table, "dynamodb (killed)").await;
    let anna = server.api(ANNA);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let (anna, stop) = (anna.clone(), stop.clone());
            tokio::spawn(async move {
                let new_case: Value = serde_json::from_str(NEW_CASE).unwrap();
                let mut answers = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let started = Instant::now();
                    let answer = match client % 2 {
                        0 => anna.post("/cases", new_case.clone()).await,
                        _ => anna.get("/cases").await,
                    };
                    answers.push((Instant::now(), started.elapsed(), answer));
                    // Bounded in requests: a refused connection fails fast.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                answers
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    db.signal("-KILL");
    let killed_at = Instant::now();
    // Down for at least a second, and for as long as java takes to start.
    tokio::time::sleep(Duration::from_secs(1)).await;
    db.start_again();
    db.create_table(table);
    let restarted_at = Instant::now();
    // Recovered: a write succeeds again within seconds, on the same server process.
    let recovered = loop {
        let answer = anna.post("/cases", serde_json::from_str(NEW_CASE).unwrap()).await;
        if answer.status == 201 {
            break restarted_at.elapsed();
        }
        answer.expect_error(503, "store_unavailable");
        assert!(restarted_at.elapsed() < Duration::from_secs(20), "no recovery in 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut answers = Vec::new();
    for client in clients {
        answers.extend(client.await.expect("a client"));
    }

    let mut unavailable = 0;
    for (_, took, answer) in &answers {
        assert!(*took < Duration::from_secs(8), "an answer took {took:?}");
        if answer.status == 503 {
            answer.expect_error(503, "store_unavailable");
            let retry_after = answer.header("retry-after").expect("a Retry-After header");
            assert!(retry_after.parse::<u64>().is_ok_and(|s| s > 0), "{retry_after}");
            unavailable += 1;
        } else {
            assert!([200, 201].contains(&answer.status), "{}: {}", answer.status, answer.text);
        }
    }
    let slowest = answers.iter().map(|a| a.1).max().unwrap();
    let during = answers.iter().filter(|a| a.0 > killed_at && a.0 < restarted_at).count();
    eprintln!(
        "DynamoDB Local killed: {} answers, {unavailable} of them 503 ({during} while it was \
         down), slowest {slowest:?}, recovered {recovered:?} after the new instance's table",
        answers.len()
    );
    assert!(unavailable > 0, "the kill was never seen");
}

/// What one writer sent and was told before the server died.
#[derive(Default)]
struct Writes {
    sent: usize,
    answered_2xx: usize,
    /// Each case's last acknowledged state: id, version and `work.description`.
    acknowledged: Vec<(String, u64, Option<String>)>,
    /// The write that got no answer: a new case (version 1), or a PATCH of the last case.
    in_flight: Option<(u64, Option<String>)>,
}

/// One writer: creates a case and PATCHes it five times, again and again, until the server
/// stops answering.
async fn write_until_killed(api: Api, writer: usize) -> Writes {
    let mut writes = Writes::default();
    let new_case: Value = serde_json::from_str(NEW_CASE).unwrap();
    'cases: loop {
        writes.sent += 1;
        writes.in_flight = Some((1, None));
        let request = api.request(Method::POST, "/cases").json(&new_case);
        let Some(case) = acknowledged(request, 201).await else { break };
        writes.answered_2xx += 1;
        let id = id_of(&case);
        writes.acknowledged.push((id.clone(), version_of(&case), None));
        for n in 0..5 {
            let version = writes.acknowledged.last().unwrap().1;
            let text = format!("Skrivare {writer}, ändring {n}.");
            let body = json!({"version": version, "fields": {"work.description": text}});
            writes.sent += 1;
            writes.in_flight = Some((version + 1, Some(text.clone())));
            let request = api.request(Method::PATCH, &format!("/cases/{id}")).json(&body);
            let Some(case) = acknowledged(request, 200).await else { break 'cases };
            writes.answered_2xx += 1;
            assert_eq!(version_of(&case), version + 1, "{case}");
            *writes.acknowledged.last_mut().unwrap() = (id.clone(), version + 1, Some(text));
        }
    }
    writes
}

/// The answer's body when the server answered in full; `None` when it died first.
async fn acknowledged(request: reqwest::RequestBuilder, status: u16) -> Option<Value> {
    let response = request.send().await.ok()?;
    let answered = response.status().as_u16();
    let text = response.text().await.ok()?;
    assert_eq!(answered, status, "before the kill every write succeeds: {text}");
    Some(serde_json::from_str(&text).expect("a JSON answer"))
}

/// `kill -9` of `handler serve` (SQLite) while four clients write. The database file is intact
/// and every case in it whole, with the version of its columns; after a restart on the same
/// data directory every write answered 2xx is there, each case exactly as acknowledged or as
/// the one write in flight left it, and nothing else is there but a case whose creation was in
/// flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answered_write_survives_kill_9() {
    let mut server = Server::sqlite();
    let writers: Vec<_> =
        (0..4).map(|w| tokio::spawn(write_until_killed(server.api(ANNA), w))).collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let status = server.stop_with("-KILL");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9), "{status}");
    let mut all = Vec::new();
    for writer in writers {
        all.push(writer.await.expect("a writer"));
    }
    let sent: usize = all.iter().map(|w| w.sent).sum();
    let answered: usize = all.iter().map(|w| w.answered_2xx).sum();
    eprintln!("kill -9 after 2 s of writes: {sent} writes sent, {answered} answered 2xx");
    assert!(answered >= 20, "too few writes to prove anything: {answered}");

    // The file as the kill left it: intact, each case's document whole and its version the
    // column's.
    let data = std::mem::replace(&mut server.data_dir, tempfile::tempdir().unwrap());
    let db = rusqlite::Connection::open(data.path().join("elanmalan.sqlite3")).unwrap();
    let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    let mut rows = db.prepare("SELECT id, version, doc FROM cases").unwrap();
    let stored: BTreeMap<String, u64> = rows
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|row| {
            let (id, version, doc): (String, i64, String) = row.unwrap();
            let case: forms::Case = serde_json::from_str(&doc).expect("a whole case");
            assert_eq!((case.id.as_str(), Ok(case.version)), (id.as_str(), version.try_into()));
            (id, case.version)
        })
        .collect();
    drop(rows);
    drop(db);

    let server = Server::start(data, "sqlite (after kill -9)", &[], &[]);
    let anna = server.api(ANNA);
    let mut acknowledged = 0;
    for writes in &all {
        for (i, (id, version, text)) in writes.acknowledged.iter().enumerate() {
            let answer = anna.get(&format!("/cases/{id}")).await;
            let case = answer.expect(200);
            let now = (version_of(case), field(case, "work.description").map(str::to_string));
            let last = i + 1 == writes.acknowledged.len();
            let in_flight = writes.in_flight.clone().filter(|_| last);
            assert!(
                now == (*version, text.clone()) || Some(&now) == in_flight.as_ref(),
                "case {id} is {now:?}; acknowledged {version} {text:?}, in flight {in_flight:?}"
            );
        }
        acknowledged += writes.acknowledged.len();
    }
    // Besides those, only a case whose creation was in flight, at its first version.
    let creating = all.iter().filter(|w| w.in_flight == Some((1, None))).count();
    let unknown: Vec<_> = stored
        .iter()
        .filter(|(id, _)| !all.iter().any(|w| w.acknowledged.iter().any(|a| &a.0 == *id)))
        .collect();
    assert!(unknown.len() <= creating, "unknown cases {unknown:?}, {creating} in flight");
    assert!(unknown.iter().all(|(_, version)| **version == 1), "{unknown:?}");
    assert_eq!(stored.len(), acknowledged + unknown.len());
}
