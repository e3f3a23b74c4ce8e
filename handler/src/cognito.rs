//! Machine clients' app clients in the Cognito user pool (docs/deploy.md, "Machine clients"):
//! CreateUserPoolClient with a secret, the client credentials flow and the API's scopes, and
//! DeleteUserPoolClient. Two JSON calls signed with aws-sigv4 ([`crate::signed`]) rather than
//! aws-sdk-cognitoidentityprovider, whose generated code for a hundred operations would add
//! to the Lambda zip and the build for these two.

use std::time::Duration;

use serde_json::{Value, json};

use crate::http::auth::RESOURCE_SERVER;
use crate::http::clients::{ClientIssuer, Issued, Pending};
use crate::signed::SignedRequest;

/// How long a client's access token lasts, in minutes (Cognito's default too).
const ACCESS_TOKEN_MINUTES: u64 = 60;
const TIMEOUT: Duration = Duration::from_secs(5);

/// The user pool where the app clients are made.
pub struct CognitoClients {
    config: aws_config::SdkConfig,
    region: String,
    /// Cognito's endpoint, with the path `/`.
    url: String,
    user_pool: String,
}

const JSON: (&str, &str) = ("content-type", "application/x-amz-json-1.1");

impl CognitoClients {
    /// From `USER_POOL_ID` (the template sets it) and the standard AWS configuration;
    /// `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` points it elsewhere (tests). `None`
    /// without a user pool.
    pub async fn from_env() -> Option<CognitoClients> {
        let user_pool = std::env::var("USER_POOL_ID").ok().filter(|p| !p.trim().is_empty())?;
        let config = aws_config::load_from_env().await;
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        let endpoint = std::env::var("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
            .unwrap_or_else(|_| format!("https://cognito-idp.{region}.amazonaws.com"));
        Some(CognitoClients::new(config, &endpoint, user_pool))
    }

    /// The pool `user_pool` at Cognito's `endpoint`, with the credentials, region and HTTP
    /// client of `config`.
    pub fn new(config: aws_config::SdkConfig, endpoint: &str, user_pool: String) -> Self {
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        let url = format!("{}/", endpoint.trim_end_matches('/'));
        CognitoClients { config, region, url, user_pool }
    }

    /// A request to Cognito's JSON API; the caller sets `operation`, `headers` (with
    /// `X-Amz-Target`) and `body`.
    fn request(&self) -> SignedRequest<'_> {
        SignedRequest {
            service: "cognito-idp",
            operation: "",
            region: &self.region,
            url: &self.url,
            headers: &[],
            body: String::new(),
            timeout: TIMEOUT,
        }
    }

    /// Sends the request and reads its JSON answer.
    async fn send(&self, request: SignedRequest<'_>) -> Result<Value, String> {
        let operation = request.operation;
        let response = crate::signed::send(&self.config, request).await?;
        let answer: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        if (200..300).contains(&response.status) {
            return Ok(answer);
        }
        // `{"__type": "LimitExceededException", "message": "..."}`: the type names no person.
        let kind = answer["__type"].as_str().map_or(response.status.to_string(), str::to_string);
        Err(format!("cognito-idp: {operation}: {kind}"))
    }
}

/// Cognito's client names allow `[\w\s+=,.@-]`: the rest becomes `_`.
fn client_name(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || " +=,.@-_".contains(c) { c } else { '_' })
        .take(128)
        .collect();
    if name.trim().is_empty() { "elanmalan-client".into() } else { name }
}

impl ClientIssuer for CognitoClients {
    fn create_client<'a>(&'a self, name: &'a str, scopes: &'a [String]) -> Pending<'a, Issued> {
        Box::pin(async move {
            let scopes: Vec<String> =
                scopes.iter().map(|s| format!("{RESOURCE_SERVER}/{s}")).collect();
            let body = json!({
                "UserPoolId": self.user_pool,
                "ClientName": client_name(name),
                "GenerateSecret": true,
                "AllowedOAuthFlowsUserPoolClient": true,
                "AllowedOAuthFlows": ["client_credentials"],
                "AllowedOAuthScopes": scopes,
                "SupportedIdentityProviders": ["COGNITO"],
                "AccessTokenValidity": ACCESS_TOKEN_MINUTES,
                "TokenValidityUnits": {"AccessToken": "minutes"},
                "EnableTokenRevocation": true,
            });
            let target = ("x-amz-target", "AWSCognitoIdentityProviderService.CreateUserPoolClient");
            let answer = self
                .send(SignedRequest {
                    operation: "CreateUserPoolClient",
                    headers: &[JSON, target],
                    body: body.to_string(),
                    ..self.request()
                })
                .await?;
            let client = &answer["UserPoolClient"];
            match (client["ClientId"].as_str(), client["ClientSecret"].as_str()) {
                (Some(id), Some(secret)) => {
                    Ok(Issued { id: id.into(), secret: secret.into(), secret_hash: None })
                }
                _ => Err("cognito-idp: CreateUserPoolClient: no id or secret in the answer".into()),
            }
        })
    }

    fn delete_client<'a>(&'a self, id: &'a str) -> Pending<'a, ()> {
        Box::pin(async move {
            let body = json!({"UserPoolId": self.user_pool, "ClientId": id});
            let target = ("x-amz-target", "AWSCognitoIdentityProviderService.DeleteUserPoolClient");
            let request = SignedRequest {
                operation: "DeleteUserPoolClient",
                headers: &[JSON, target],
                body: body.to_string(),
                ..self.request()
            };
            match self.send(request).await {
                // Gone already: what was asked for.
                Err(e) if e.ends_with("ResourceNotFoundException") => Ok(()),
                other => other.map(|_| ()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_names_keep_to_cognitos_characters() {
        assert_eq!(super::client_name("Ordersystemet v2"), "Ordersystemet v2");
        assert_eq!(super::client_name("Kö/Åtgärd"), "K___tg_rd");
        assert_eq!(super::client_name("  "), "elanmalan-client");
    }
}
