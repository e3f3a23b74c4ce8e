//! Running as the AWS Lambda function: the table from `TABLE_NAME`, identity from API Gateway's
//! JWT authorizer, logs as Lambda's advanced logging controls ask (`AWS_LAMBDA_LOG_LEVEL`,
//! `AWS_LAMBDA_LOG_FORMAT`), through the runtime's own subscriber.

use std::sync::Arc;

use crate::http::{AppState, Auth, router};
use crate::notify::{self, Mailer};
use crate::store::dynamodb::{self, DynamoStore};
use crate::store::files::{Files, S3Files};

/// Whether this process was started by Lambda.
pub fn is_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Serves Lambda's invocations until the runtime stops the process.
pub async fn run() -> Result<(), String> {
    lambda_http::tracing::init_default_subscriber();
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set".to_string())?;
    let store = DynamoStore::new(dynamodb::client_from_env().await, table);
    let mut state = AppState::new(store.clone(), Auth::ApiGateway);
    state.site_url = std::env::var("SITE_URL").unwrap_or_default();
    // Attachments in a private bucket, reached by presigned links; without one the attachment
    // routes answer 503.
    match std::env::var("ATTACHMENTS_BUCKET") {
        Ok(bucket) if !bucket.trim().is_empty() => {
            let client = S3Files::client_from_env().await;
            state.files = Arc::new(Files::S3(S3Files::new(client, bucket)));
        }
        _ => tracing::warn!("ATTACHMENTS_BUCKET is not set: attachments are not available"),
    }
    // E-mails go out through SES from MAIL_FROM; without it they wait in the outbox. Between
    // invocations Lambda freezes the sender, so an e-mail may go out at the next one.
    match std::env::var("MAIL_FROM") {
        Ok(from) => {
            let config = aws_config::load_from_env().await;
            let client = aws_sdk_sesv2::Client::new(&config);
            let mailer = Arc::new(Mailer::Ses { client, from });
            tokio::spawn(notify::deliver(store, mailer, state.mail_ready.clone()));
        }
        Err(_) => tracing::warn!("MAIL_FROM is not set: e-mails stay in the outbox"),
    }
    let app = router(state);
    lambda_http::run(app).await.map_err(|e| format!("lambda runtime: {e}"))
}
