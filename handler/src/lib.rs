//! Elanmälan's handler: the HTTP API over the forms core, served on AWS Lambda and locally,
//! with DynamoDB and SQLite stores.
//!
//! - `http`: the one router, what Lambda and `handler serve` share (routes, errors, identity,
//!   the OpenAPI document);
//! - `store`: the storage ports and their SQLite and DynamoDB adapters;
//! - `lambda`: running as the AWS Lambda function;
//! - `local`: what only `handler serve` has (the site, demo users and sign-in, the local key);
//! - `cli`: the command line.

pub mod cli;
pub mod http;
pub mod lambda;
pub mod local;
pub mod notify;
pub mod store;
