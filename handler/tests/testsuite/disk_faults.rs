//! A data directory that cannot be written: read-only, or on a disk that is full at start or
//! fills while `handler serve` runs. At start: a clear error that names the directory and says
//! what to do, exit 1, no panic. While serving: a write answers 503 with the documented error
//! shape, never 500, nothing is half-written, and writes work again once there is space.
//!
//! The file systems are real: a small tmpfs mounted for each test. The tests run as root (here
//! and in CI), and root writes through permission bits, so `chmod` would prove nothing. Where
//! mounting is not allowed the tests fail and say so: they are never skipped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::cases::{NEW_CASE, edit, field, id_of, version_of};
use crate::support::server::{ANNA, BINARY, Server};

/// A tmpfs mounted on a fresh directory, unmounted on drop.
struct Tmpfs {
    dir: TempDir,
}

impl Tmpfs {
    /// `mount -t tmpfs -o <options>`, e.g. `size=1m` or `size=64k,ro`.
    fn mount(options: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("mount runs");
        assert!(
            output.status.success(),
            "this test mounts a small tmpfs (mount -t tmpfs -o {options}), which needs root and \
             a machine that allows mounts, as scripts/test and CI have: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, options: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount -o remount,{options}");
    }

    /// Fills the file system to its last byte with one file, and returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = [0u8; 4096];
        loop {
            if let Err(e) = file.write_all(&block).and_then(|()| file.flush()) {
                assert_eq!(e.kind(), std::io::ErrorKind::StorageFull, "{e}");
                break;
            }
        }
        // The rest of a block that was written only in part.
        while file.write(&block[..1]).is_ok_and(|n| n == 1) {}
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}

/// `handler serve --data-dir <data_dir>` refused to start: exit 1, no address, no panic; its
/// stderr.
fn refused_at_start(data_dir: &Path) -> String {
    let output = Command::new(BINARY)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .output()
        .expect("handler serve runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(!stdout.contains("Elanmälan is running"), "it must not serve: {stdout}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
    // It names the directory and says what to do.
    assert!(stderr.contains(&data_dir.display().to_string()), "{stderr}");
    assert!(stderr.contains("--data-dir"), "{stderr}");
    stderr
}

#[test]
fn a_read_only_data_directory_is_refused_at_start() {
    // A new data directory where nothing can be created.
    let disk = Tmpfs::mount("size=64k,ro");
    let error = refused_at_start(&disk.path().join("data"));
    assert!(error.contains("Read-only file system"), "{error}");

    // A data directory in use before, now on a disk mounted read-only.
    let disk = Tmpfs::mount("size=4m");
    let data_dir = tempfile::tempdir_in(disk.path()).unwrap();
    let data = data_dir.path().to_path_buf();
    let mut server = Server::start(data_dir, "sqlite (read-only later)", &[], &[]);
    assert!(server.stop_with("-TERM").success());
    disk.remount("ro");
    let error = refused_at_start(&data);
    assert!(error.contains("elanmalan.sqlite3"), "{error}");
}

#[test]
fn a_full_disk_is_refused_at_start() {
    let disk = Tmpfs::mount("size=256k");
    disk.fill();
    let data = disk.path().join("data");
    let error = refused_at_start(&data);
    assert!(error.contains("No space left on device"), "{error}");
    // Nothing half-made is left to refuse the next start with another reason.
    assert!(!data.join("jwt-secret").exists(), "an empty signing key was left behind");
}

/// The disk fills while `handler serve` runs: writes answer 503 store_unavailable (never 500),
/// the cases read back as they were last acknowledged, and once there is space again writes
/// succeed, with no restart.
#[tokio::test]
async fn a_disk_that_fills_while_serving_answers_503_and_recovers() {
    let disk = Tmpfs::mount("size=4m");
    let data_dir = tempfile::tempdir_in(disk.path()).unwrap();
    let server = Server::start(data_dir, "sqlite (disk fills)", &[], &[]);
    let anna = server.api(ANNA);
    let new_case: Value = serde_json::from_str(NEW_CASE).unwrap();
    let case = anna.post("/cases", new_case.clone()).await.expect(201).clone();
    let (id, mut version) = (id_of(&case), version_of(&case));
    let filler = disk.fill();

    // Every write either succeeds or is refused with 503; more data must soon be refused.
    let mut acknowledged = vec![(id.clone(), version, None::<String>)];
    let (mut refused, mut attempts) = (0, 0);
    while refused == 0 {
        attempts += 1;
        assert!(attempts <= 200, "200 writes on a full disk and none refused");
        let text = format!("Ändring {attempts}: {}", "x".repeat(1500));
        let answer = edit(&anna, &id, version, json!({"work.description": text})).await;
        let created = anna.post("/cases", new_case.clone()).await;
        for answer in [&answer, &created] {
            if answer.status == 503 {
                answer.expect_error(503, "store_unavailable");
                assert!(answer.header("retry-after").is_some(), "no Retry-After");
                refused += 1;
            }
        }
        if answer.status != 503 {
            version = version_of(answer.expect(200));
            acknowledged[0] = (id.clone(), version, Some(text));
        }
        if created.status != 503 {
            let case = created.expect(201);
            acknowledged.push((id_of(case), version_of(case), None));
        }
    }
    eprintln!("disk full while serving: {attempts} rounds of 2 writes, {refused} refused with 503");

    std::fs::remove_file(filler).unwrap();
    for (id, version, text) in &acknowledged {
        let answer = anna.get(&format!("/cases/{id}")).await;
        let case = answer.expect(200);
        assert_eq!(version_of(case), *version, "{id}");
        assert_eq!(field(case, "work.description"), text.as_deref(), "{id}");
    }
    let answer = edit(&anna, &id, version, json!({"work.description": "Plats igen."})).await;
    assert_eq!(version_of(answer.expect(200)), version + 1);
    anna.post("/cases", new_case).await.expect(201);
}
