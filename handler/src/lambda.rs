//! Running as an AWS Lambda function, one of four from the same binary: the API (identity from
//! API Gateway's JWT authorizer), the outbox's sender, the retention sweep, or the site's writer. The table from
//! `TABLE_NAME`; logs as Lambda's advanced logging controls ask (`AWS_LAMBDA_LOG_LEVEL`,
//! `AWS_LAMBDA_LOG_FORMAT`), through the runtime's own subscriber.

use std::sync::Arc;

use lambda_http::LambdaEvent;

use crate::definitions::LiveDefinitions;
use crate::http::{AppState, Auth, router};
use crate::notify::{self, Mailer, Round};
use crate::retention;
use crate::site_bucket::SiteBucket;
use crate::store::StoreError;
use crate::store::dynamodb::{self, DynamoStore};
use crate::store::files::{Files, S3Files};
use crate::webhooks;

/// Whether this process was started by Lambda.
pub fn is_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Serves Lambda's invocations until the runtime stops the process: API Gateway's requests, or,
/// on each scheduled invocation, what `ELANMALAN_TASK` names: `outbox` (the template's
/// `OutboxFunction`) a round of e-mail, `retention` (`RetentionFunction`) a retention sweep,
/// `site` (`SiteFunction`, invoked by hand) every company's pages into the site bucket.
pub async fn run() -> Result<(), String> {
    lambda_http::tracing::init_default_subscriber();
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set".to_string())?;
    let store = DynamoStore::new(dynamodb::client_from_env().await, table);
    match std::env::var("ELANMALAN_TASK").as_deref() {
        Err(_) => serve_api(store).await,
        Ok("outbox") => send_outbox(store).await,
        Ok("retention") => sweep_retention(store).await,
        Ok("site") => write_site(store).await,
        Ok(other) => {
            Err(format!("ELANMALAN_TASK: unknown task {other:?} (known: outbox, retention, site)"))
        }
    }
}

/// The attachments' bucket from `ATTACHMENTS_BUCKET`, if one is set.
async fn attachments_from_env() -> Option<Files> {
    match std::env::var("ATTACHMENTS_BUCKET") {
        Ok(bucket) if !bucket.trim().is_empty() => {
            Some(Files::S3(S3Files::new(S3Files::client_from_env().await, bucket)))
        }
        _ => None,
    }
}

/// The retention function (`ELANMALAN_TASK=retention`, the template's `RetentionFunction`, once
/// a day): each invocation sweeps what is due (docs/operations.md, "Retention") and answers the counts.
async fn sweep_retention(store: DynamoStore) -> Result<(), String> {
    let files = Arc::new(attachments_from_env().await.unwrap_or(Files::Unconfigured));
    let handler = lambda_http::service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let (store, files) = (store.clone(), files.clone());
        async move {
            let (definitions, now) =
                (forms::Definitions::builtin(), time::OffsetDateTime::now_utc());
            retention::sweep(&store, &files, definitions, now)
                .await
                .map_err(lambda_http::Error::from)
        }
    });
    lambda_http::lambda_runtime::run(handler).await.map_err(|e| format!("lambda runtime: {e}"))
}

/// The site function (`ELANMALAN_TASK=site`, the template's `SiteFunction`), invoked by hand
/// after a new build's site is deployed (docs/deploy.md, "Published definitions"): each
/// invocation writes every company's pages, from the definitions it publishes, to the site
/// bucket, has CloudFront forget them, and answers how many companies it wrote.
async fn write_site(store: DynamoStore) -> Result<(), String> {
    let bucket = SiteBucket::from_env()
        .await?
        .ok_or("SITE_BUCKET is not set: the site function has no bucket to write")?;
    let bucket = Arc::new(bucket);
    let (live, sign_in) = (LiveDefinitions::builtin(), sign_in_from_env()?);
    let handler = lambda_http::service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let (store, bucket, live, sign_in) =
            (store.clone(), bucket.clone(), live.clone(), sign_in.clone());
        async move {
            let companies = crate::definitions::published_pages(&live, &store, &sign_in).await?;
            let written = bucket.replace_all(companies).await?;
            tracing::info!(companies = written, "site written");
            Ok::<_, lambda_http::Error>(serde_json::json!({ "companies": written }))
        }
    });
    lambda_http::lambda_runtime::run(handler).await.map_err(|e| format!("lambda runtime: {e}"))
}

/// How the deployed site signs people in, as `scripts/deploy-site` built it (`OIDC_AUTHORITY`,
/// `OIDC_CLIENT_ID`, and `OIDC_IDENTITY_PROVIDER` with BankID): the pages a publication writes
/// must sign in as the rest of the site.
fn sign_in_from_env() -> Result<site::SignIn, String> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
    match (var("OIDC_AUTHORITY"), var("OIDC_CLIENT_ID")) {
        (Some(authority), Some(client_id)) => Ok(site::SignIn::Oidc {
            authority,
            client_id,
            identity_provider: var("OIDC_IDENTITY_PROVIDER"),
        }),
        (None, None) => Ok(site::SignIn::Local),
        _ => Err("OIDC_AUTHORITY and OIDC_CLIENT_ID: set both or neither".into()),
    }
}

async fn serve_api(store: DynamoStore) -> Result<(), String> {
    let mut state = AppState::new(store, Auth::ApiGateway);
    state.site_url = std::env::var("SITE_URL").unwrap_or_default().into();
    state.sign_in = Arc::new(sign_in_from_env()?);
    // A publication writes the company's pages to the site bucket; without one it serves the
    // new version to the API alone.
    match SiteBucket::from_env().await? {
        Some(bucket) => state.site_pages = Arc::new(bucket),
        None => tracing::warn!("SITE_BUCKET is not set: a publication writes no pages"),
    }
    // Attachments in a private bucket, reached by presigned links; without one the attachment
    // routes answer 503.
    match attachments_from_env().await {
        Some(files) => state.files = Arc::new(files),
        None => tracing::warn!("ATTACHMENTS_BUCKET is not set: attachments are not available"),
    }
    // Machine clients' app clients in the user pool; without one, creating a client answers 503.
    match crate::cognito::CognitoClients::from_env().await {
        Some(clients) => state.clients = Arc::new(clients),
        None => tracing::warn!("USER_POOL_ID is not set: machine clients cannot be created"),
    }
    // E-mails wait in the outbox for the outbox function: Lambda freezes a process between
    // invocations, so a sender here would stop halfway.
    lambda_http::run(router(state)).await.map_err(|e| format!("lambda runtime: {e}"))
}

/// Rounds per invocation at the most: 200 e-mails a minute on the template's schedule.
const ROUNDS: usize = 10;

/// The outbox function: each invocation (whatever its payload: the schedule's) sends what is
/// due through SES from `MAIL_FROM`, and answers how many went out and how many wait for a retry.
/// The template allows one at a time, so no two rounds take the same e-mail.
async fn send_outbox(store: DynamoStore) -> Result<(), String> {
    let from = std::env::var("MAIL_FROM")
        .ok()
        .filter(|from| !from.trim().is_empty())
        .ok_or("MAIL_FROM is not set: the outbox function has no sender")?;
    let config = aws_config::load_from_env().await;
    let mailer = Arc::new(Mailer::Ses { client: aws_sdk_sesv2::Client::new(&config), from });
    // Webhooks' events wait in the same outbox: only https:// to public addresses from here.
    let hooks = Arc::new(webhooks::Sender::new(webhooks::Policy::PublicOnly)?);
    let handler = lambda_http::service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let (store, mailer, hooks) = (store.clone(), mailer.clone(), hooks.clone());
        async move { outbox_rounds(&store, &mailer, &hooks).await.map_err(lambda_http::Error::from) }
    });
    lambda_http::lambda_runtime::run(handler).await.map_err(|e| format!("lambda runtime: {e}"))
}

/// Rounds until nothing more is due, [`ROUNDS`] at the most.
async fn outbox_rounds(
    store: &DynamoStore,
    mailer: &Mailer,
    hooks: &webhooks::Sender,
) -> Result<Round, StoreError> {
    // The function's timeout is 50 s (infra/template.yaml) and one item takes at most a
    // webhook's 10 s timeout and a store write: no item is started after 35 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(35);
    let mut total = Round::default();
    for _ in 0..ROUNDS {
        let now = time::OffsetDateTime::now_utc();
        let round = notify::deliver_due_until(store, mailer, hooks, now, Some(deadline)).await?;
        total.sent += round.sent;
        total.failed += round.failed;
        if !round.more_may_be_due() {
            break;
        }
    }
    tracing::info!(sent = total.sent, failed = total.failed, "outbox round");
    Ok(total)
}
