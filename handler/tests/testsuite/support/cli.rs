//! The `handler` binary's commands other than `serve`.

use std::path::Path;
use std::process::Command;

use super::server::BINARY;

/// How a command ended and what it printed.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// `handler import-registry --company oresundskraft <file> --data-dir <data_dir>`.
pub fn import(data_dir: &Path, file: &Path) -> Run {
    import_with(data_dir, file, &[])
}

/// [`import`] with more arguments (`--replace`, `--store dynamodb --table T`).
pub fn import_with(data_dir: &Path, file: &Path, args: &[&str]) -> Run {
    let output = Command::new(BINARY)
        .args(["import-registry", "--company", "oresundskraft"])
        .arg(file)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("RUST_LOG", "off")
        .output()
        .expect("handler import-registry runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}
