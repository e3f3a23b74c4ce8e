//! One AWS call signed here with Signature Version 4 and sent by the SDK's own HTTP client,
//! for a service whose SDK crate would cost more than its one or two calls are worth in the
//! Lambda zip (the workspace's Cargo.toml has the sizes): CloudFront's invalidation, Cognito's
//! app clients.

use std::time::Duration;

/// A request to sign and send.
pub struct SignedRequest<'a> {
    /// The signing name, e.g. `cloudfront`, `cognito-idp`.
    pub service: &'static str,
    /// For the SDK's logs and metrics, e.g. `CreateInvalidation`.
    pub operation: &'static str,
    pub region: &'a str,
    pub url: &'a str,
    pub headers: &'a [(&'static str, &'a str)],
    pub body: String,
    pub timeout: Duration,
}

/// The answer: its status and body, whatever the status.
#[derive(Debug)]
pub struct SignedResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Signs `request` with the credentials of `config` and sends it once (no retry: the caller
/// knows whether its call may be repeated), with the HTTP client, sleep and clock of `config`.
pub async fn send(
    config: &aws_config::SdkConfig,
    request: SignedRequest<'_>,
) -> Result<SignedResponse, String> {
    use aws_smithy_runtime::client::orchestrator::operation::Operation;
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_types::timeout::TimeoutConfig;

    let (service, operation_name) = (request.service, request.operation);
    // The orchestrator joins the endpoint with the request's path: the endpoint is the origin.
    let uri: http::Uri = request.url.parse().map_err(|e| format!("{service}: {e}"))?;
    let endpoint = match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
        _ => return Err(format!("{service}: not an absolute address")),
    };
    let timeout = request.timeout;
    let signed = sign(config, request).await?;
    let timeouts = TimeoutConfig::builder().operation_timeout(timeout);
    let mut operation = Operation::builder()
        .service_name(service)
        .operation_name(operation_name)
        .endpoint_url(&endpoint)
        .no_auth()
        .no_retry()
        .timeout_config(timeouts.build());
    if let Some(http) = config.http_client() {
        operation = operation.http_client(http);
    }
    if let Some(sleep) = config.sleep_impl() {
        operation = operation.sleep_impl(sleep);
    }
    if let Some(time) = config.time_source() {
        operation = operation.time_source(time);
    }
    let operation = operation
        .serializer(|request: HttpRequest| Ok(request))
        .deserializer::<SignedResponse, std::convert::Infallible>(|response| {
            let body = response.body().bytes().unwrap_or_default().to_vec();
            Ok(SignedResponse { status: response.status().as_u16(), body })
        })
        .build();
    operation.invoke(signed).await.map_err(|_| format!("{service}: not reachable"))
}

async fn sign(
    config: &aws_config::SdkConfig,
    request: SignedRequest<'_>,
) -> Result<aws_smithy_runtime_api::client::orchestrator::HttpRequest, String> {
    use aws_credential_types::provider::ProvideCredentials;
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings};

    let service = request.service;
    let failed = |e: &dyn std::fmt::Display| format!("{service}: signing: {e}");
    let provider = config.credentials_provider().ok_or(format!("{service}: no credentials"))?;
    let credentials = provider.provide_credentials().await.map_err(|e| failed(&e))?;
    let identity = credentials.into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(request.region)
        .name(service)
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        request.url,
        request.headers.iter().copied(),
        SignableBody::Bytes(request.body.as_bytes()),
    )
    .map_err(|e| failed(&e))?;
    let (instructions, _) =
        aws_sigv4::http_request::sign(signable, &params).map_err(|e| failed(&e))?.into_parts();
    let mut http = http::Request::builder().method("POST").uri(request.url);
    for (name, value) in request.headers {
        http = http.header(*name, *value);
    }
    let mut http =
        http.body(aws_smithy_types::body::SdkBody::from(request.body)).map_err(|e| failed(&e))?;
    instructions.apply_to_request_http1x(&mut http);
    http.try_into().map_err(|e| failed(&e))
}
