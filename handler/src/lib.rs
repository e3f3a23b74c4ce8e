//! Elanmälan's handler: the HTTP API over the forms core, served on AWS Lambda and locally,
//! with DynamoDB and SQLite stores.
//!
//! - `definitions`: the definitions being served, and reading a definitions folder;
//! - `http`: the one router, what Lambda and `handler serve` share (routes, errors, identity,
//!   the OpenAPI document);
//! - `store`: the storage ports and their SQLite and DynamoDB adapters, and the file store of
//!   attachments (S3, local files);
//! - `lambda`: running as an AWS Lambda function (the API, the outbox's sender, the retention
//!   sweep, the site's writer);
//! - `notify`: e-mail to the other side of a case, through the outbox;
//! - `retention`: the sweep that removes personal data when its time is up;
//! - `site_bucket`: the site's pages on AWS (the site bucket, CloudFront's invalidations);
//! - `local`: what only `handler serve` has (the site, demo users and sign-in, the local key,
//!   the links of attachments kept as local files);
//! - `cli`: the command line.
//!
//! Layers, lowest first: `store`, `http`, `local`; a module names only those below it
//! (tests/testsuite/module_layers.rs).
//!
//! `local` and `cli`, and the SQLite and local file stores, come with the default feature `local`; without it
//! (`--no-default-features`) the crate is the Lambda function alone (docs/cli.md, "Lambda build").
// The Lambda function's future (`lambda::run`: the outbox's rounds with the webhooks' client
// inside the runtime's service) is deeper than the default limit lets the compiler lay out.
#![recursion_limit = "256"]

#[cfg(feature = "local")]
pub mod cli;
pub mod cognito;
pub mod definitions;
pub mod document;
pub mod http;
pub mod in_use;
pub mod lambda;
#[cfg(feature = "local")]
pub mod local;
pub mod notify;
pub mod retention;
pub mod signed;
pub mod site_bucket;
pub mod site_pages;
pub mod store;
pub mod webhooks;
