//! Elanmälan's handler: the HTTP API over the forms core, served on AWS Lambda and locally,
//! with DynamoDB and SQLite stores.

pub mod api;
pub mod app;
pub mod auth;
pub mod demo;
pub mod error;
pub mod local;
pub mod openapi;
pub mod registry_import;
pub mod store;
