//! Machine clients (issue 24, part 2): a firm's or a company's own software with OAuth 2.0
//! client credentials. Locally through `POST /oauth2/token` and `handler token --client`, in
//! Lambda mode with the claims of a client's Cognito access token: scopes enforced, firm and
//! company isolation as for people, the client named in the history and the lookup audit.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::cases::{create_case, fill_and_submit, id_of, oresundskraft_registry};
use crate::support::fixture;
use crate::support::server::{ANNA, ASA, BERTIL, BINARY, DAN, KARIN, Server};

/// A client's access token from the local token endpoint (HTTP Basic, as Cognito's).
async fn client_token(server: &Server, client: &Value, scope: Option<&str>) -> String {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let response = server
        .http()
        .post(format!("{}/oauth2/token", server.url))
        .basic_auth(client["id"].as_str().unwrap(), client["secret"].as_str())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    body["access_token"].as_str().unwrap().to_string()
}

async fn machine_clients_walk(server: Server) {
    let dan = server.admin_api(DAN);
    let asa = server.admin_api(ASA);

    // Only an admin creates clients, and only with its side's scopes.
    let new = json!({"name": "Ordersystemet", "scopes": ["cases.read", "cases.write"]});
    server.api(ANNA).post("/clients", new.clone()).await.expect_error(403, "forbidden");
    let wrong = json!({"name": "Fel", "scopes": ["decisions.write"]});
    let refused = dan.post("/clients", wrong).await;
    refused.expect_error(422, "invalid_fields");
    assert_eq!(refused.error_fields(), ["scopes"]);
    dan.post("/clients", json!({"name": " ", "scopes": ["cases.read"]}))
        .await
        .expect_error(422, "invalid_fields");
    let firm_client = dan.post("/clients", new).await.expect(201).clone();
    assert_eq!(firm_client["org"], "demo_el");
    assert_eq!(firm_client["role"], "installer");
    assert!(firm_client["secret"].as_str().unwrap().len() >= 40);
    let listed = dan.get("/clients").await.expect(200).clone();
    assert_eq!(listed["clients"].as_array().unwrap().len(), 1);
    assert!(listed["clients"][0].get("secret").is_none(), "the secret is shown once: {listed}");
    let company_client = asa
        .post(
            "/clients",
            json!({"name": "Ärendesystem", "scopes": ["cases.read", "decisions.write"]}),
        )
        .await
        .expect(201)
        .clone();
    assert!(asa.get("/clients").await.expect(200)["clients"].as_array().unwrap().len() == 1);

    // The token endpoint refuses a wrong secret and a scope the client lacks.
    let wrong_secret = server
        .http()
        .post(format!("{}/oauth2/token", server.url))
        .basic_auth(firm_client["id"].as_str().unwrap(), Some("fel"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 401);
    assert_eq!(wrong_secret.json::<Value>().await.unwrap()["error"], "invalid_client");
    let too_much = server
        .http()
        .post(format!("{}/oauth2/token", server.url))
        .basic_auth(firm_client["id"].as_str().unwrap(), firm_client["secret"].as_str())
        .form(&[("grant_type", "client_credentials"), ("scope", "elanmalan/decisions.write")])
        .send()
        .await
        .unwrap();
    assert_eq!(too_much.status(), 400);

    // The firm's client makes, fills in and sends a case, named as itself.
    let token = client_token(&server, &firm_client, None).await;
    let robot = server.anonymous().with_token(&token);
    let who = format!("client:{}", firm_client["id"].as_str().unwrap());
    let case = create_case(&robot).await;
    assert_eq!(case["created_by"], who.as_str());
    assert_eq!(case["firm"]["id"], "demo_el");
    let id = id_of(&case);
    fill_and_submit(&robot, &id, 1).await;
    let sent = robot.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert!(sent["history"].as_array().unwrap().iter().all(|h| h["by"] == who.as_str()), "{sent}");
    // The lookup audit names the client.
    let audit = server.api(KARIN).get("/audit").await.expect(200).clone();
    assert!(
        audit["entries"].as_array().unwrap().iter().any(|e| e["user"] == who.as_str()),
        "{audit}"
    );
    // Anna, a person of the same firm, sees the client's case, and the client sees hers.
    server.api(ANNA).get(&format!("/cases/{id}")).await.expect(200);
    let annas = id_of(&create_case(&server.api(ANNA)).await);
    robot.get(&format!("/cases/{annas}")).await.expect(200);

    // Another firm's case is not there for the client, nor the client's for the other firm.
    let bertils = id_of(&create_case(&server.api(BERTIL)).await);
    robot.get(&format!("/cases/{bertils}")).await.expect_error(404, "case_not_found");
    server.api(BERTIL).get(&format!("/cases/{id}")).await.expect_error(404, "case_not_found");

    // Reading alone: writing is refused, naming the scope it lacks.
    let reader = server
        .anonymous()
        .with_token(&client_token(&server, &firm_client, Some("elanmalan/cases.read")).await);
    reader.get("/cases").await.expect(200);
    let refused =
        reader.post("/cases", serde_json::from_str(crate::support::cases::NEW_CASE).unwrap()).await;
    assert!(
        refused.expect_error(403, "insufficient_scope")["message"]
            .as_str()
            .unwrap()
            .contains("cases.write")
    );

    // Never an admin's routes, nor the data subjects'.
    robot
        .post("/firm/members", json!({"email": "x@demo-el.example"}))
        .await
        .expect_error(403, "insufficient_scope");
    robot.get("/clients").await.expect_error(403, "insufficient_scope");
    robot.get("/definitions").await.expect_error(403, "insufficient_scope");
    robot
        .post("/data-subject/cases", json!({"identity_number": "19121212-1212"}))
        .await
        .expect_error(403, "insufficient_scope");

    // The company's client sees what was sent to it, never a draft, and decides.
    let company =
        server.anonymous().with_token(&client_token(&server, &company_client, None).await);
    let inbox = company.get("/cases").await.expect(200).clone();
    let ids: Vec<&str> =
        inbox["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [id.as_str()], "{inbox}");
    company.get(&format!("/cases/{annas}")).await.expect_error(404, "case_not_found");
    let reading = server
        .anonymous()
        .with_token(&client_token(&server, &company_client, Some("cases.read")).await);
    let approve = json!({"version": sent["version"], "decision": "approve", "message": "Godkänd."});
    let refused = reading.post(&format!("/cases/{id}/decision"), approve.clone()).await;
    assert!(
        refused.expect_error(403, "insufficient_scope")["message"]
            .as_str()
            .unwrap()
            .contains("decisions.write")
    );
    let approved =
        company.post(&format!("/cases/{id}/decision"), approve).await.expect(200).clone();
    assert_eq!(approved["status"], "approved");
    let company_who = format!("client:{}", company_client["id"].as_str().unwrap());
    assert_eq!(approved["history"].as_array().unwrap().last().unwrap()["by"], company_who.as_str());
    // A company's client may not act as the installer.
    company
        .post(&format!("/cases/{id}/withdraw"), json!({"version": approved["version"]}))
        .await
        .expect_error(403, "forbidden");

    // `handler token --client` mints a token the same server takes.
    let output = Command::new(BINARY)
        .args(["token", "--client", firm_client["id"].as_str().unwrap(), "--data-dir"])
        .arg(server.data_dir.path())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("handler token runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let minted = String::from_utf8(output.stdout).unwrap();
    let minted = server.anonymous().with_token(minted.trim());
    minted.get(&format!("/cases/{id}")).await.expect(200);

    // Removed: its tokens stop working at once; another firm's admin cannot remove it.
    let path = format!("/clients/{}", firm_client["id"].as_str().unwrap());
    asa.delete(&path).await.expect_error(404, "client_not_found");
    let removed = dan.delete(&path).await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    robot.get("/cases").await.expect_error(401, "unauthorized");
    minted.get("/cases").await.expect_error(401, "unauthorized");
}

/// The Python program of docs/api.md ("A complete example"), as a file in `dir`.
fn python_example(dir: &std::path::Path) -> std::path::PathBuf {
    let docs = include_str!("../../../docs/api.md");
    let section = &docs[docs.find("## Machine clients").expect("the section")..];
    let start = section.find("```python\n").expect("a Python block") + "```python\n".len();
    let end = start + section[start..].find("```").expect("its end");
    let path = dir.join("client.py");
    std::fs::write(&path, &section[start..end]).unwrap();
    path
}

/// docs/api.md's Python program sends a case through `handler serve` as a firm's client.
#[tokio::test]
async fn the_documented_python_example_runs() {
    let server = Server::sqlite();
    let new = json!({"name": "Ordersystemet", "scopes": ["cases.read", "cases.write"]});
    let client = server.admin_api(DAN).post("/clients", new).await.expect(201).clone();
    let dir = tempfile::tempdir().unwrap();
    let program = python_example(dir.path());
    let output = Command::new("python3")
        .arg(&program)
        .arg("send")
        .env("API", format!("{}/api/v1", server.url))
        .env("TOKEN_URL", format!("{}/oauth2/token", server.url))
        .env("CLIENT_ID", client["id"].as_str().unwrap())
        .env("CLIENT_SECRET", client["secret"].as_str().unwrap())
        .env("METER_NUMBER", &oresundskraft_registry()[0].meter_number)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.trim().ends_with(" submitted"), "{stdout}");
    let id = stdout.split_whitespace().next().unwrap();
    let case = server.api(ANNA).get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(case["created_by"], format!("client:{}", client["id"].as_str().unwrap()));

    // Its signature check against Standard Webhooks' own example, and what it must refuse.
    let check = |body: &str, now: i64| {
        let script = format!(
            "import sys; sys.path.insert(0, {dir:?}); import client\n\
             headers = {{'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', \
             'webhook-timestamp': '1614265330', \
             'webhook-signature': 'v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='}}\n\
             print(client.verify('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers, {body:?}.encode(), now={now}))",
            dir = dir.path().to_str().unwrap(),
        );
        let output = Command::new("python3").args(["-c", &script]).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    };
    let body = r#"{"test": 2432232314}"#;
    assert_eq!(check(body, 1614265330), "True");
    assert_eq!(check(r#"{"test": 2432232315}"#, 1614265330), "False");
    assert_eq!(check(body, 1614265330 + 301), "False");
}

#[tokio::test]
async fn machine_clients_locally_on_sqlite() {
    machine_clients_walk(Server::sqlite()).await;
}

#[tokio::test]
async fn machine_clients_locally_on_dynamodb() {
    machine_clients_walk(Server::dynamodb()).await;
}

mod lambda_mode {
    use forms::Role;
    use handler::http::{AppState, Auth, router};
    use handler::store::{MachineClient, Store};
    use serde_json::{Value, json};

    use super::fixture;
    use crate::support::cases::id_of;

    /// API Gateway's event of `method path` with `body`, as the authorizer passes a machine
    /// client's Cognito access token: no role, `client_id` and `scope`.
    fn client_event(method: &str, path: &str, body: Option<&Value>, claims: Value) -> String {
        let mut event: Value =
            serde_json::from_str(&fixture("apigw/post_case_installer.json")).unwrap();
        event["rawPath"] = path.into();
        event["requestContext"]["http"]["path"] = path.into();
        event["requestContext"]["http"]["method"] = method.into();
        event["pathParameters"]["proxy"] = path.trim_start_matches("/api/").into();
        event["requestContext"]["authorizer"] = json!({"jwt": {"claims": claims, "scopes": null}});
        event["headers"].as_object_mut().unwrap().remove("content-length");
        match body {
            Some(body) => event["body"] = body.to_string().into(),
            None => {
                event.as_object_mut().unwrap().remove("body");
            }
        }
        event.to_string()
    }

    fn access_token_claims(client_id: &str, scope: &str) -> Value {
        json!({
            "sub": client_id, "client_id": client_id, "scope": scope, "token_use": "access",
            "iss": "https://cognito-idp.eu-north-1.amazonaws.com/eu-north-1_Example01",
            "exp": "1764320400", "iat": "1764316800", "version": "2",
            "jti": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d", "auth_time": "1764316800",
        })
    }

    async fn call(app: &axum::Router, event: &str) -> (u16, Value) {
        use tower::ServiceExt;
        let request = lambda_http::request::from_str(event).expect("an API Gateway v2 event");
        let response = app.clone().oneshot(request).await.expect("the router answers");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    fn client(id: &str, role: Role, org: &str, scopes: &[&str]) -> MachineClient {
        MachineClient {
            id: id.into(),
            name: format!("System {id}"),
            role,
            org: org.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            secret_hash: None,
            created_by: "dan".into(),
            created_at: time::OffsetDateTime::now_utc(),
        }
    }

    async fn walk(store: impl Store) {
        let firm = client(
            "firmclient0000000000000001",
            Role::Installer,
            "demo_el",
            &["cases.read", "cases.write"],
        );
        let other = client(
            "otherfirm00000000000000001",
            Role::Installer,
            "annan_el",
            &["cases.read", "cases.write"],
        );
        let company = client(
            "companyclient0000000000001",
            Role::NetworkCompany,
            "oresundskraft",
            &["cases.read", "decisions.write"],
        );
        for c in [&firm, &other, &company] {
            store.put_machine_client(c).await.unwrap();
        }
        let app = router(AppState::new(store, Auth::ApiGateway));
        let both = "elanmalan/cases.read elanmalan/cases.write";
        let new_case = json!({"company": "oresundskraft", "installation_type": "service_change",
                              "job_type": "move_service", "network_area": "helsingborg"});

        let event = client_event(
            "POST",
            "/api/v1/cases",
            Some(&new_case),
            access_token_claims(&firm.id, both),
        );
        let (status, case) = call(&app, &event).await;
        assert_eq!(status, 201, "{case}");
        assert_eq!(case["created_by"], format!("client:{}", firm.id));
        assert_eq!(case["firm"]["id"], "demo_el");
        let path = format!("/api/v1/cases/{}", id_of(&case));

        // Reading only: the write is refused naming the scope; the read works.
        let read_only = access_token_claims(&firm.id, "elanmalan/cases.read");
        let (status, refused) =
            call(&app, &client_event("POST", "/api/v1/cases", Some(&new_case), read_only.clone()))
                .await;
        assert_eq!(status, 403, "{refused}");
        assert_eq!(refused["error"]["code"], "insufficient_scope");
        assert!(refused["error"]["message"].as_str().unwrap().contains("cases.write"));
        let (status, _) = call(&app, &client_event("GET", &path, None, read_only)).await;
        assert_eq!(status, 200);
        // A scope of another resource server, or one the client was not given, counts for nothing.
        let foreign = access_token_claims(&firm.id, "other/cases.write elanmalan/decisions.write");
        let (status, _) = call(&app, &client_event("GET", &path, None, foreign)).await;
        assert_eq!(status, 403);

        // Isolation: another firm's client and the company's (a draft) see nothing.
        let (status, _) =
            call(&app, &client_event("GET", &path, None, access_token_claims(&other.id, both)))
                .await;
        assert_eq!(status, 404);
        let decide = "elanmalan/cases.read elanmalan/decisions.write";
        let (status, _) =
            call(&app, &client_event("GET", &path, None, access_token_claims(&company.id, decide)))
                .await;
        assert_eq!(status, 404);
        let (status, inbox) = call(
            &app,
            &client_event("GET", "/api/v1/cases", None, access_token_claims(&company.id, decide)),
        )
        .await;
        assert_eq!(status, 200);
        assert!(inbox["cases"].as_array().unwrap().is_empty(), "{inbox}");

        // Never an admin's routes; an unknown client is not signed in.
        let (status, _) = call(
            &app,
            &client_event("GET", "/api/v1/clients", None, access_token_claims(&firm.id, both)),
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = call(
            &app,
            &client_event("GET", "/api/v1/cases", None, access_token_claims("nobody", both)),
        )
        .await;
        assert_eq!(status, 401);
    }

    #[tokio::test]
    async fn a_clients_access_token_in_lambda_mode_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            handler::store::sqlite::SqliteStore::open(&dir.path().join("s.sqlite3")).unwrap();
        walk(store).await;
    }

    #[tokio::test]
    async fn a_clients_access_token_in_lambda_mode_on_dynamodb() {
        walk(crate::support::dynamodb::fresh_store("lambda_clients").await).await;
    }
}

/// The app clients on AWS: the two signed JSON calls of handler/src/cognito.rs against moto's
/// Cognito, which checks their signature's shape and keeps what they made.
mod cognito {
    use handler::cognito::CognitoClients;
    use handler::http::clients::ClientIssuer;
    use handler::signed::{SignedRequest, send};
    use serde_json::{Value, json};

    use crate::support::moto::Moto;

    async fn call(
        config: &aws_config::SdkConfig,
        url: &str,
        operation: &'static str,
        body: Value,
    ) -> (u16, Value) {
        let target = format!("AWSCognitoIdentityProviderService.{operation}");
        let request = SignedRequest {
            service: "cognito-idp",
            operation,
            region: "eu-north-1",
            url,
            headers: &[("content-type", "application/x-amz-json-1.1"), ("x-amz-target", &target)],
            body: body.to_string(),
            timeout: std::time::Duration::from_secs(10),
        };
        let answer = send(config, request).await.unwrap();
        (answer.status, serde_json::from_slice(&answer.body).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn a_client_is_made_with_a_secret_and_the_api_scopes_and_removed() {
        let moto = Moto::start();
        let credentials =
            aws_credential_types::Credentials::new("test", "test", None, None, "test");
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("eu-north-1"))
            .credentials_provider(credentials)
            .load()
            .await;
        let url = format!("{}/", moto.url());
        let (status, pool) =
            call(&config, &url, "CreateUserPool", json!({"PoolName": "elanmalan-test"})).await;
        assert_eq!(status, 200, "{pool}");
        let pool = pool["UserPool"]["Id"].as_str().unwrap().to_string();
        let issuer = CognitoClients::new(config.clone(), &moto.url(), pool.clone());

        let scopes = ["cases.read".to_string(), "cases.write".to_string()];
        let issued = issuer.create_client("Ordersystemet Åby", &scopes).await.unwrap();
        assert!(!issued.id.is_empty() && !issued.secret.is_empty());
        assert_eq!(issued.secret_hash, None, "Cognito keeps the secret");
        let described = json!({"UserPoolId": pool, "ClientId": issued.id});
        let (status, made) = call(&config, &url, "DescribeUserPoolClient", described.clone()).await;
        assert_eq!(status, 200, "{made}");
        let made = &made["UserPoolClient"];
        assert_eq!(made["ClientName"], "Ordersystemet _by");
        assert_eq!(made["AllowedOAuthFlows"], json!(["client_credentials"]));
        assert_eq!(
            made["AllowedOAuthScopes"],
            json!(["elanmalan/cases.read", "elanmalan/cases.write"])
        );
        assert_eq!(made["ClientSecret"], issued.secret.as_str());

        issuer.delete_client(&issued.id).await.unwrap();
        let (status, _) = call(&config, &url, "DescribeUserPoolClient", described).await;
        assert_eq!(status, 400, "removed");
        // Gone already is what was asked for.
        issuer.delete_client(&issued.id).await.unwrap();
    }
}
