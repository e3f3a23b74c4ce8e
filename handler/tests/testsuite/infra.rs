//! `infra/template.yaml` against the code it deploys: its DynamoDB table is the one `handler
//! create-table` makes, and CloudFront's Content-Security-Policy is the one `handler serve`
//! sends, with Cognito's domain to sign in with and the attachments bucket to upload to. (cfn-lint and checkov check the rest of it in
//! `scripts/test`.)

use aws_sdk_dynamodb::types::TableDescription;
use serde_json::{Value, json};
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::dynamodb::fresh_table;
use crate::support::server::Server;

const TEMPLATE: &str = include_str!("../../../infra/template.yaml");

fn resource(name: &str) -> Yaml {
    let docs = YamlLoader::load_from_str(TEMPLATE).expect("the template is YAML");
    docs[0]["Resources"][name]["Properties"].clone()
}

fn text(yaml: &Yaml) -> String {
    yaml.as_str().unwrap_or_else(|| panic!("not a string: {yaml:?}")).to_string()
}

/// Keys as `[(attribute, HASH|RANGE)]`.
fn template_keys(keys: &Yaml) -> Value {
    let keys = keys.as_vec().expect("a key schema");
    json!(keys.iter().map(|k| [text(&k["AttributeName"]), text(&k["KeyType"])]).collect::<Vec<_>>())
}

/// What decides the table's shape, in one comparable form.
fn shape(
    billing: &str,
    attributes: Vec<[String; 2]>,
    keys: Value,
    indexes: Value,
    ttl: &str,
) -> Value {
    let mut attributes = attributes;
    attributes.sort();
    json!({ "billing": billing, "attributes": attributes, "keys": keys, "indexes": indexes, "ttl": ttl })
}

fn made_shape(table: &TableDescription, ttl: &str) -> Value {
    let keys = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| {
        json!(
            schema
                .iter()
                .map(|k| [k.attribute_name().to_string(), k.key_type().as_str().to_string()])
                .collect::<Vec<_>>()
        )
    };
    let mut indexes: Vec<Value> = table
        .global_secondary_indexes()
        .iter()
        .map(|i| {
            let projection = i.projection().and_then(|p| p.projection_type()).map(|p| p.as_str());
            json!({ "name": i.index_name(), "keys": keys(i.key_schema()), "projection": projection })
        })
        .collect();
    indexes.sort_by_key(|i| i["name"].to_string());
    let billing = table.billing_mode_summary().and_then(|b| b.billing_mode()).map(|b| b.as_str());
    let attributes = table
        .attribute_definitions()
        .iter()
        .map(|a| [a.attribute_name().to_string(), a.attribute_type().as_str().to_string()])
        .collect();
    shape(
        billing.unwrap_or("PROVISIONED"),
        attributes,
        keys(table.key_schema()),
        json!(indexes),
        ttl,
    )
}

fn template_shape() -> Value {
    let table = resource("Table");
    let attributes = table["AttributeDefinitions"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|a| [text(&a["AttributeName"]), text(&a["AttributeType"])])
        .collect();
    let mut indexes: Vec<Value> = table["GlobalSecondaryIndexes"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|i| {
            json!({
                "name": text(&i["IndexName"]),
                "keys": template_keys(&i["KeySchema"]),
                "projection": text(&i["Projection"]["ProjectionType"]),
            })
        })
        .collect();
    indexes.sort_by_key(|i| i["name"].to_string());
    assert_eq!(table["TimeToLiveSpecification"]["Enabled"].as_bool(), Some(true));
    shape(
        &text(&table["BillingMode"]),
        attributes,
        template_keys(&table["KeySchema"]),
        json!(indexes),
        &text(&table["TimeToLiveSpecification"]["AttributeName"]),
    )
}

#[tokio::test]
async fn the_templates_table_is_the_one_create_table_makes() {
    let (client, table) = fresh_table("infra").await;
    let described = client.describe_table().table_name(&table).send().await.unwrap();
    let ttl = client.describe_time_to_live().table_name(&table).send().await.unwrap();
    let ttl = ttl.time_to_live_description().and_then(|t| t.attribute_name()).unwrap_or("");
    let made = made_shape(described.table().unwrap(), ttl);
    assert_eq!(made["indexes"].as_array().unwrap().len(), 3, "{made}");
    assert_eq!(made, template_shape());
    // What only the template can say: recovery, encryption, protection.
    let properties = resource("Table");
    assert_eq!(
        properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(properties["SSESpecification"]["SSEEnabled"].as_bool(), Some(true));
    assert_eq!(properties["DeletionProtectionEnabled"].as_bool(), Some(true));
}

#[tokio::test]
async fn cloudfront_sends_the_content_security_policy_that_handler_serve_sends() {
    let headers = resource("SecurityHeaders");
    let config = &headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    let cognito = "https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com";
    let bucket =
        "https://elanmalan-${Stage}-attachments-${AWS::AccountId}.s3.${AWS::Region}.amazonaws.com";
    assert_eq!(
        text(&config["ContentSecurityPolicy"]["ContentSecurityPolicy"]),
        site::content_security_policy(&[cognito, bucket]),
        "CloudFront's policy in infra/template.yaml is the one the site is built for: after a \
         change to site/assets/early-case.js, its sha256- source changes too"
    );
    assert_eq!(text(&config["ReferrerPolicy"]["ReferrerPolicy"]), "same-origin");
    assert_eq!(text(&config["FrameOptions"]["FrameOption"]), "DENY");
    assert!(
        config["StrictTransportSecurity"]["AccessControlMaxAgeSec"].as_i64() >= Some(31_536_000)
    );

    let server = Server::sqlite();
    let page = reqwest::get(format!("{}/", server.url)).await.unwrap();
    let sent = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert_eq!(sent, site::content_security_policy(&[]));
}
