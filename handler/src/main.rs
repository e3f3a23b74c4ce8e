//! `handler`: the AWS Lambda function when `AWS_LAMBDA_RUNTIME_API` is set, else a command line
//! (docs/design.md, section 6.1). Built without the `local` feature, it is the Lambda function only.

// The Lambda function's future (the outbox's rounds with the webhooks' client inside the
// runtime's service) is deeper than the default limit lets the compiler lay out.
#![recursion_limit = "256"]

use std::process::ExitCode;

use handler::lambda;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let result = if lambda::is_lambda() {
        runtime.block_on(lambda::run()).map(|()| ExitCode::SUCCESS)
    } else {
        command_line(&runtime)
    };
    match result {
        Ok(code) => code,
        Err(reason) => {
            eprintln!("handler: {reason}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "local")]
fn command_line(runtime: &tokio::runtime::Runtime) -> Result<ExitCode, String> {
    use clap::Parser;
    handler::cli::init_tracing();
    runtime.block_on(handler::cli::run(handler::cli::Cli::parse()))
}

/// The Lambda build has no command line.
#[cfg(not(feature = "local"))]
fn command_line(_: &tokio::runtime::Runtime) -> Result<ExitCode, String> {
    Err("this build is the AWS Lambda function only (built without the `local` feature): it runs \
         under Lambda (AWS_LAMBDA_RUNTIME_API); build with the default features for `serve` \
         and the other commands"
        .into())
}
