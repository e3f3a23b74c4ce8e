//! `handler`: the AWS Lambda function when `AWS_LAMBDA_RUNTIME_API` is set, else a command line
//! (CONTRACT.md section 1).

use std::process::ExitCode;

use clap::Parser;
use handler::{cli, lambda};

fn main() -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let result = if lambda::is_lambda() {
        runtime.block_on(lambda::run()).map(|()| ExitCode::SUCCESS)
    } else {
        cli::init_tracing();
        runtime.block_on(cli::run(cli::Cli::parse()))
    };
    match result {
        Ok(code) => code,
        Err(reason) => {
            eprintln!("handler: {reason}");
            ExitCode::FAILURE
        }
    }
}
