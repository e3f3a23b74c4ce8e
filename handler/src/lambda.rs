//! Running as the AWS Lambda function: the table from `TABLE_NAME`, identity from API Gateway's
//! JWT authorizer, logs as Lambda's advanced logging controls ask (`AWS_LAMBDA_LOG_LEVEL`,
//! `AWS_LAMBDA_LOG_FORMAT`), through the runtime's own subscriber.

use crate::http::{AppState, Auth, router};
use crate::store::dynamodb::{self, DynamoStore};

/// Whether this process was started by Lambda.
pub fn is_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Serves Lambda's invocations until the runtime stops the process.
pub async fn run() -> Result<(), String> {
    lambda_http::tracing::init_default_subscriber();
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set".to_string())?;
    let store = DynamoStore::new(dynamodb::client_from_env().await, table);
    let app = router(AppState::new(store, Auth::ApiGateway));
    lambda_http::run(app).await.map_err(|e| format!("lambda runtime: {e}"))
}
