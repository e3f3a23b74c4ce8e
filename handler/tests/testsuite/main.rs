//! The handler's integration tests, one test binary with a module per area (the layout of
//! mdBook's `tests/testsuite`), so that the handler and the AWS SDK are linked once.
//!
//! End-to-end tests of the API run the real `handler` binary over HTTP, with SQLite and with
//! DynamoDB Local (docs/design.md, sections 4-5 and 6.1-6.3); each walk is written once
//! and run against both stores. The storage contract runs against both stores directly. DynamoDB
//! Local must be running (`scripts/test` starts it), else the DynamoDB tests fail.

mod support;

mod attachments;
mod bad_input;
mod case_document;
mod case_life;
mod changing_forms;
mod completion_only;
mod compression;
mod concurrent_edits;
mod conditional_fields;
mod corrupt_documents;
mod customer_link;
mod customers_rights;
mod definitions_cli;
mod disk_faults;
mod dynamodb_round_trips;
mod email_addresses;
mod errors;
mod faults;
mod firms;
mod handling_times;
mod infra;
mod installers_walk;
mod lambda;
mod local_server;
mod local_tokens;
mod machine_clients;
mod mail_ses;
mod module_layers;
mod network_company;
mod odd_requests;
mod only_text;
mod openapi;
mod production;
mod published_definitions;
mod rate_limit;
mod registry_import;
mod retention;
mod site_bucket;
mod start_from_ean;
mod store_contract;
mod store_unavailable;
mod watch;
mod webhooks;
