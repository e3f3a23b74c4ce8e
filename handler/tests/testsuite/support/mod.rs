//! What the test areas share: the real `handler` binary as a server ([`server`]) and as a Lambda
//! function ([`lambda_runtime`]), DynamoDB
//! Local ([`dynamodb`]), cases through the API ([`cases`]), the binary's other commands
//! ([`cli`]), the fixtures under `tests/fixtures/`, and running a walk against both stores.

pub mod cases;
pub mod cli;
pub mod dynamodb;
pub mod dynamodb_calls;
pub mod lambda_runtime;
pub mod moto;
pub mod server;

use std::path::Path;

/// Runs a walk written once against both stores: `<walk>::sqlite` and `<walk>::dynamodb`.
macro_rules! both_stores {
    ($($walk:ident),* $(,)?) => {$(
        mod $walk {
            #[tokio::test]
            async fn sqlite() {
                super::$walk($crate::support::server::Server::sqlite()).await;
            }

            #[tokio::test]
            async fn dynamodb() {
                super::$walk($crate::support::server::Server::dynamodb()).await;
            }
        }
    )*};
}
pub(crate) use both_stores;

/// The shipped definitions folder.
pub const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../forms/definitions");

/// Copies the folder `from` into `to`, recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The text of `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
