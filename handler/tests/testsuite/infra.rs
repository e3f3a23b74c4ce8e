//! `infra/template.yaml` against the code it deploys: its DynamoDB table is the one `handler
//! create-table` makes, and CloudFront's Content-Security-Policy is the one `handler serve`
//! sends, with Cognito's domain to sign in with and the attachments bucket to upload to. (cfn-lint and checkov check the rest of it in
//! `scripts/test`.)
//! Over 500 lines: one template, checked resource by resource.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::TableDescription;
use handler::site_bucket::COMPANY_FOLDERS;
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
    assert_eq!(made["indexes"].as_array().unwrap().len(), 4, "{made}");
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

// --- The functions' rights against the code's AWS calls ---------------------------------------
//
// The test reads handler/src: every AWS SDK operation (`client.<operation>()`, presigned or
// sent) and every item of a DynamoDB transaction, in the function that makes it. Which Lambda
// function runs which code: lambda.rs picks a task by `ELANMALAN_TASK` (none: the API), and each
// task runs the modules in `TASKS`; the calls those modules make on the ports reach the adapters
// (`ADAPTERS`), and inside them, by name, the functions that call AWS. Then each function's role
// in the template must allow each operation's IAM actions on its table, index, bucket, objects
// or sender identity, and, for an encrypted table or bucket, the KMS actions on its key. The
// site bucket's writer (`site_bucket.rs`) is the adapter of the site's pages: its S3 calls are on
// the site bucket's company folders, its invalidation on the distribution.

/// The code each task runs (paths under handler/src; a folder is all of it; `file function`
/// is one function of a file).
const TASKS: &[(&str, &[&str])] = &[
    ("api", &["http/", "definitions.rs"]),
    ("outbox", &["notify/mod.rs"]),
    ("retention", &["retention.rs"]),
    ("site", &["lambda.rs write_site", "definitions.rs published_pages"]),
];

/// Where AWS is called: the adapters behind the ports, and nowhere else.
const ADAPTERS: &[&str] = &["store/", "notify/mailer.rs", "site_bucket.rs", "cognito.rs"];

/// What an action applies to, resolved for each function from its environment in the template.
#[derive(Debug, Clone, Copy)]
enum On {
    Table,
    Index,
    TableKey,
    Bucket,
    /// Every key prefix of the attachments (`uploads/*`, `cases/*`).
    Objects,
    BucketKey,
    Sender,
    /// The site bucket (`SITE_BUCKET`).
    SiteBucket,
    /// Its companies' folders (`anmalan/*`, `schemas/*`).
    SiteObjects,
    /// The CloudFront distribution in front of it (`DISTRIBUTION_ID`).
    Distribution,
    /// The Cognito user pool of machine clients' app clients (`USER_POOL_ID`).
    UserPool,
}

/// The IAM actions an operation needs. `None` for an operation the test does not know: add it.
fn permissions(call: &Call) -> Option<Vec<(&'static str, On)>> {
    use On::*;
    if call.site {
        // The site bucket is encrypted by S3 itself (no key to be allowed).
        let needed = operation_permissions(call)?;
        return Some(
            needed
                .into_iter()
                .filter_map(|(action, on)| match on {
                    Bucket => Some((action, SiteBucket)),
                    Objects => Some((action, SiteObjects)),
                    BucketKey => None,
                    other => Some((action, other)),
                })
                .collect(),
        );
    }
    operation_permissions(call)
}

/// The IAM actions of an operation on the table, the attachments bucket or SES.
fn operation_permissions(call: &Call) -> Option<Vec<(&'static str, On)>> {
    use On::*;
    let read = ("kms:Decrypt", TableKey);
    let write = [("kms:Decrypt", TableKey), ("kms:GenerateDataKey", TableKey)];
    let table = if call.index { Index } else { Table };
    let item = |action| [&[(action, table)][..], &write[..]].concat();
    Some(match call.operation.as_str() {
        "get_item" => vec![("dynamodb:GetItem", table), read],
        "batch_get_item" => vec![("dynamodb:BatchGetItem", table), read],
        "query" => vec![("dynamodb:Query", table), read],
        "scan" => vec![("dynamodb:Scan", table), read],
        "put_item" | "transaction put" => item("dynamodb:PutItem"),
        "update_item" | "transaction update" => item("dynamodb:UpdateItem"),
        "delete_item" | "transaction delete" => item("dynamodb:DeleteItem"),
        "transaction condition_check" => vec![("dynamodb:ConditionCheckItem", table), read],
        "batch_write_item" => item("dynamodb:BatchWriteItem"),
        // Not an IAM action: each item of the transaction needs its own (above).
        "transact_write_items" => Vec::new(),
        // The table's administration: `handler create-table`, by an engineer, never a function.
        "create_table" => vec![("dynamodb:CreateTable", Table)],
        "describe_table" => vec![("dynamodb:DescribeTable", Table)],
        "update_time_to_live" => vec![("dynamodb:UpdateTimeToLive", Table)],
        "put_object" => vec![("s3:PutObject", Objects), ("kms:GenerateDataKey", BucketKey)],
        // A missing key is 404 NoSuchKey (which the code asks for) only with s3:ListBucket;
        // without it S3 answers 403.
        "get_object" if call.presigned => {
            vec![("s3:GetObject", Objects), ("kms:Decrypt", BucketKey)]
        }
        "get_object" => {
            vec![("s3:GetObject", Objects), ("s3:ListBucket", Bucket), ("kms:Decrypt", BucketKey)]
        }
        "head_object" => vec![("s3:GetObject", Objects), ("s3:ListBucket", Bucket)],
        "copy_object" => vec![
            ("s3:GetObject", Objects),
            ("s3:PutObject", Objects),
            ("kms:Decrypt", BucketKey),
            ("kms:GenerateDataKey", BucketKey),
        ],
        "delete_object" | "delete_objects" => vec![("s3:DeleteObject", Objects)],
        "list_objects_v2" => vec![("s3:ListBucket", Bucket)],
        "send_email" => vec![("ses:SendEmail", Sender)],
        "create_invalidation" => vec![("cloudfront:CreateInvalidation", Distribution)],
        "create_user_pool_client" => vec![("cognito-idp:CreateUserPoolClient", UserPool)],
        "delete_user_pool_client" => vec![("cognito-idp:DeleteUserPoolClient", UserPool)],
        _ => return None,
    })
}

/// A piece of Rust source, comments and whitespace left out.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Rust source as tokens: enough to find functions, calls and string literals.
fn tokens(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let until = |from: usize, end: &str| {
        let rest: String = chars[from..].iter().collect();
        rest.find(end).map_or(chars.len(), |at| from + rest[..at].chars().count() + end.len())
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == '/' {
            i = until(i, "\n");
        } else if c == '/' && next == '*' {
            i = until(i + 2, "*/");
        } else if c == '"' || (c == 'b' && next == '"') {
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            out.push(Token::Str(chars[start..j.min(chars.len())].iter().collect()));
            i = j + 1;
        } else if c == 'r' && (next == '"' || (next == '#' && chars.get(i + 2) == Some(&'"'))) {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            let start = i + 2 + hashes;
            let end = until(start, &format!("\"{}", "#".repeat(hashes)));
            out.push(Token::Str(chars[start..end - 1 - hashes].iter().collect()));
            i = end;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\'') or a lifetime ('a): neither matters here.
            if next == '\\' {
                i = until(i + 3, "'");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// An AWS operation in the source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Call {
    operation: String,
    presigned: bool,
    /// On a secondary index of the table.
    index: bool,
    /// Made by the site bucket's writer: on the site bucket, not the attachments'.
    site: bool,
}

/// A function in handler/src (a method too), with what it calls.
#[derive(Debug)]
struct Function {
    file: String,
    name: String,
    /// A trait's method or its implementation: reached from other files by its name.
    in_trait: bool,
    /// The names it calls.
    calls: BTreeSet<String>,
    /// The AWS operations it makes itself.
    aws: Vec<Call>,
    /// Its string literals.
    strings: Vec<String>,
}

fn ident(token: Option<&Token>) -> Option<&str> {
    match token {
        Some(Token::Ident(name)) => Some(name),
        _ => None,
    }
}

fn is(token: Option<&Token>, c: char) -> bool {
    token == Some(&Token::Punct(c))
}

/// The AWS operations in a function's body: `client.<operation>()` with the builder calls that
/// follow it to the end of the statement, and the items of a transaction.
fn aws_calls(body: &[Token]) -> Vec<Call> {
    let mut found = Vec::new();
    for (i, token) in body.iter().enumerate() {
        let at = |k: usize| body.get(i + k);
        let operation = if ident(Some(token)) == Some("client")
            && is(at(1), '.')
            && is(at(3), '(')
            && is(at(4), ')')
        {
            // A client's own methods are not operations.
            ident(at(2)).filter(|m| !["clone", "config"].contains(m)).map(str::to_string)
        } else if ident(Some(token)) == Some("TransactWriteItem") && ident(at(3)) == Some("builder")
        {
            ident(at(7)).map(|item| format!("transaction {item}"))
        } else if (ident(Some(token)) == Some("operation_name") && is(at(1), '('))
            || (ident(Some(token)) == Some("operation") && is(at(1), ':'))
        {
            // An operation sent without its service's SDK (`handler/src/signed.rs`):
            // `operation: "CreateInvalidation"` (none: a request whose caller names it).
            match at(2) {
                Some(Token::Str(name)) if !name.is_empty() => Some(snake_case(name)),
                _ => None,
            }
        } else {
            None
        };
        let Some(operation) = operation else { continue };
        let statement: Vec<&str> = body[i..]
            .iter()
            .take_while(|t| !is(Some(t), ';'))
            .filter_map(|t| ident(Some(t)))
            .collect();
        found.push(Call {
            operation,
            presigned: statement.contains(&"presigned"),
            index: statement.iter().any(|name| name.ends_with("index_name")),
            site: false,
        });
    }
    found
}

/// `CreateInvalidation` as the SDK names its method: `create_invalidation`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The functions of one source file, outside its tests.
fn functions(file: &str, source: &str) -> Vec<Function> {
    let tokens = tokens(source);
    let mut found = Vec::new();
    // The blocks that enclose a point: whether each is a trait's, or tests.
    let mut blocks: Vec<(bool, bool)> = Vec::new();
    let mut header_start = 0;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if is(Some(token), '{') {
            let header: Vec<&str> =
                tokens[header_start..i].iter().filter_map(|t| ident(Some(t))).collect();
            let in_trait = header.contains(&"trait")
                || (header.first() == Some(&"impl") && header.contains(&"for"));
            let tests = header.contains(&"mod") && header.contains(&"test");
            let outer_tests = blocks.iter().any(|b| b.1);
            blocks.push((in_trait, tests || outer_tests));
            header_start = i + 1;
        } else if is(Some(token), '}') {
            blocks.pop();
            header_start = i + 1;
        } else if is(Some(token), ';') {
            header_start = i + 1;
        } else if let (Some("fn"), Some(name)) = (ident(Some(token)), ident(tokens.get(i + 1)))
            && !blocks.iter().any(|b| b.1)
        {
            let name = name.to_string();
            let in_trait = blocks.last().is_some_and(|b| b.0);
            // The body: from the first `{` before any `;` to its match.
            let Some(open) = tokens[i..].iter().position(|t| is(Some(t), '{') || is(Some(t), ';'))
            else {
                break;
            };
            let open = i + open;
            if is(tokens.get(open), ';') {
                found.push(Function {
                    file: file.into(),
                    name,
                    in_trait,
                    calls: BTreeSet::new(),
                    aws: Vec::new(),
                    strings: Vec::new(),
                });
                i = open + 1;
                header_start = i;
                continue;
            }
            let mut depth = 0;
            let mut close = open;
            for (k, t) in tokens[open..].iter().enumerate() {
                depth += i32::from(is(Some(t), '{')) - i32::from(is(Some(t), '}'));
                if depth == 0 {
                    close = open + k;
                    break;
                }
            }
            let body = &tokens[open..=close];
            let calls = body
                .windows(2)
                .filter(|pair| is(pair.get(1), '(') || is(pair.get(1), ':'))
                .filter_map(|pair| ident(pair.first()))
                .map(str::to_string)
                .collect();
            let strings = body
                .iter()
                .filter_map(|t| match t {
                    Token::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            found.push(Function {
                file: file.into(),
                name,
                in_trait,
                calls,
                aws: aws_calls(body)
                    .into_iter()
                    .map(|call| Call { site: file == "site_bucket.rs", ..call })
                    .collect(),
                strings,
            });
            // Functions inside this one are found too: go on inside it.
            blocks.push((false, false));
            header_start = open + 1;
            i = open + 1;
            continue;
        }
        i += 1;
    }
    found
}

/// Every function in handler/src, by file (`store/files/mod.rs`).
fn source_functions() -> Vec<Function> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<Function>) {
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let file = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.extend(functions(&file, &std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

fn under(file: &str, paths: &[&str]) -> bool {
    paths.iter().any(|p| if p.ends_with('/') { file.starts_with(p) } else { file == *p })
}

/// What a task's code makes of AWS: each operation with the adapter function that makes it and
/// the first adapter function the task's code calls on the way there.
fn task_calls(all: &[Function], code: &[&str]) -> BTreeMap<Call, (String, String)> {
    let adapters: Vec<&Function> = all.iter().filter(|f| under(&f.file, ADAPTERS)).collect();
    let mut reached: BTreeMap<usize, String> = BTreeMap::new();
    let mut todo: Vec<(usize, String)> = Vec::new();
    let in_code = |f: &Function| {
        code.iter().any(|c| match c.split_once(' ') {
            Some((file, name)) => f.file == file && f.name == name,
            None => under(&f.file, &[c]),
        })
    };
    let entry_names: BTreeSet<&String> =
        all.iter().filter(|f| in_code(f)).flat_map(|f| &f.calls).collect();
    for (k, f) in adapters.iter().enumerate() {
        if entry_names.contains(&f.name) {
            todo.push((k, format!("{} {}", f.file, f.name)));
        }
    }
    while let Some((k, entry)) = todo.pop() {
        if reached.contains_key(&k) {
            continue;
        }
        reached.insert(k, entry.clone());
        let from = adapters[k];
        for (j, to) in adapters.iter().enumerate() {
            let linked = to.file == from.file || to.in_trait;
            if linked && from.calls.contains(&to.name) && !reached.contains_key(&j) {
                todo.push((j, entry.clone()));
            }
        }
    }
    let mut calls = BTreeMap::new();
    for (k, entry) in reached {
        let f = adapters[k];
        for call in &f.aws {
            calls
                .entry(call.clone())
                .or_insert_with(|| (format!("{} {}", f.file, f.name), entry.clone()));
        }
    }
    calls
}

/// The template's functions: (logical name, its task, its properties).
fn template_functions(template: &Yaml) -> Vec<(String, String, Yaml)> {
    let mut found = Vec::new();
    for (name, resource) in template["Resources"].as_hash().unwrap() {
        // The handler's functions; not the authorizer, which is Node code of its own
        // (infra/authorizer, tests/unit/authorizer.test.mjs) and calls no AWS API.
        let handlers = resource["Properties"]["Handler"].as_str() == Some("bootstrap");
        if resource["Type"].as_str() == Some("AWS::Serverless::Function") && handlers {
            let properties = resource["Properties"].clone();
            let env = &properties["Environment"]["Variables"];
            let task = env["ELANMALAN_TASK"].as_str().unwrap_or("api").to_string();
            found.push((text(name), task, properties));
        }
    }
    found
}

/// A resource as the template names it: `!GetAtt Table.Arn` reads as `Table.Arn`.
fn arn(yaml: &Yaml) -> String {
    let s = text(yaml);
    if s.ends_with(".Arn") && !s.contains(['$', ':', '/']) { format!("${{{s}}}") } else { s }
}

/// Whether `pattern`, with IAM's `*` and `?`, matches `value` (case-insensitively for actions).
fn glob(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    fn at(p: &[char], v: &[char]) -> bool {
        match p.first() {
            None => v.is_empty(),
            Some('*') => (0..=v.len()).any(|k| at(&p[1..], &v[k..])),
            Some(c) => v.first().is_some_and(|d| *c == '?' || c == d) && at(&p[1..], &v[1..]),
        }
    }
    at(&p, &v)
}

fn list(yaml: &Yaml) -> Vec<Yaml> {
    match yaml {
        Yaml::Array(items) => items.clone(),
        Yaml::BadValue => Vec::new(),
        one => vec![one.clone()],
    }
}

/// Whether the inline statements of `policies` allow `action` on `resource` (conditions aside:
/// they only narrow what is allowed further).
fn allows(policies: &Yaml, action: &str, resource: &str) -> bool {
    list(policies).iter().flat_map(|p| list(&p["Statement"])).any(|statement| {
        statement["Effect"].as_str() == Some("Allow")
            && list(&statement["Action"])
                .iter()
                .any(|a| glob(&text(a).to_lowercase(), &action.to_lowercase()))
            && list(&statement["Resource"]).iter().any(|r| glob(&arn(r), resource))
    })
}

/// The resources `on` means for a function with environment `env`: the table or bucket its
/// variables name, and the key that encrypts it.
fn resources(template: &Yaml, env: &Yaml, on: On, prefixes: &[String]) -> Vec<String> {
    let named = |variable: &str| {
        let name = env[variable].as_str();
        name.unwrap_or_else(|| panic!("the function has no {variable}")).to_string()
    };
    let key = |resource: &str, path: &[&str]| {
        let mut at = template["Resources"][resource]["Properties"].clone();
        for step in path {
            at = match at {
                Yaml::Array(items) => items[0][*step].clone(),
                other => other[*step].clone(),
            };
        }
        at.as_str().map(|key| vec![format!("${{{key}.Arn}}")]).unwrap_or_default()
    };
    match on {
        On::Table => vec![format!("${{{}.Arn}}", named("TABLE_NAME"))],
        On::Index => vec![format!("${{{}.Arn}}/index/*", named("TABLE_NAME"))],
        On::TableKey => key(&named("TABLE_NAME"), &["SSESpecification", "KMSMasterKeyId"]),
        On::Bucket => vec![format!("${{{}.Arn}}", named("ATTACHMENTS_BUCKET"))],
        On::Objects => {
            let bucket = named("ATTACHMENTS_BUCKET");
            prefixes.iter().map(|p| format!("${{{bucket}.Arn}}/{p}/*")).collect()
        }
        On::BucketKey => key(
            &named("ATTACHMENTS_BUCKET"),
            &[
                "BucketEncryption",
                "ServerSideEncryptionConfiguration",
                "ServerSideEncryptionByDefault",
                "KMSMasterKeyID",
            ],
        ),
        On::Sender => vec![format!(
            "arn:${{AWS::Partition}}:ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/${{{}}}",
            named("MAIL_FROM")
        )],
        On::SiteBucket => vec![format!("${{{}.Arn}}", named("SITE_BUCKET"))],
        On::SiteObjects => {
            let bucket = named("SITE_BUCKET");
            COMPANY_FOLDERS.iter().map(|folder| format!("${{{bucket}.Arn}}/{folder}/*")).collect()
        }
        On::Distribution => vec![format!(
            "arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{}}}",
            named("DISTRIBUTION_ID")
        )],
        On::UserPool => vec![format!("${{{}.Arn}}", named("USER_POOL_ID"))],
    }
}

#[test]
fn every_function_may_make_the_aws_calls_its_code_makes() {
    let template = YamlLoader::load_from_str(TEMPLATE).expect("the template is YAML").remove(0);
    let all = source_functions();

    // AWS is called from the adapters only, and the test knows every operation they make.
    for f in &all {
        for call in &f.aws {
            assert!(
                under(&f.file, ADAPTERS),
                "handler/src/{} `{}` calls AWS ({}) outside the adapters {ADAPTERS:?}",
                f.file,
                f.name,
                call.operation
            );
            assert!(
                permissions(call).is_some(),
                "handler/src/{} `{}` makes the AWS operation `{}`, which `permissions` in \
                 handler/tests/testsuite/infra.rs does not know: add its IAM actions",
                f.file,
                f.name,
                call.operation
            );
        }
    }
    // The attachments' key prefixes, from the functions that make their keys.
    let mut prefixes: Vec<String> = all
        .iter()
        .filter(|f| f.file.starts_with("store/files/") && f.name.ends_with("_key"))
        .flat_map(|f| &f.strings)
        .filter_map(|s| s.split_once('/').map(|(prefix, _)| prefix.to_string()))
        .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    prefixes.sort();
    prefixes.dedup();
    assert!(prefixes.contains(&"cases".to_string()), "{prefixes:?}");

    // The tasks: lambda.rs's, the test's and the template's are the same.
    let lambda =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lambda.rs")).unwrap();
    let mut known: Vec<&str> = vec!["api"];
    known.extend(TASKS.iter().map(|t| t.0).filter(|t| lambda.contains(&format!("Ok(\"{t}\") =>"))));
    assert_eq!(known, TASKS.iter().map(|t| t.0).collect::<Vec<_>>(), "lambda.rs's tasks");
    let functions = template_functions(&template);
    let mut deployed: Vec<&str> = functions.iter().map(|f| f.1.as_str()).collect();
    deployed.sort();
    let mut tasks: Vec<&str> = TASKS.iter().map(|t| t.0).collect();
    tasks.sort();
    assert_eq!(deployed, tasks, "one function in the template for each task");

    let mut missing = Vec::new();
    for (function, task, properties) in &functions {
        let code = TASKS.iter().find(|t| t.0 == task).unwrap().1;
        let calls = task_calls(&all, code);
        println!("{function} (ELANMALAN_TASK={task}):");
        for (call, (site, entry)) in &calls {
            let needed = permissions(call).unwrap();
            let shown: Vec<String> =
                needed.iter().map(|(a, on)| format!("{a} on {on:?}")).collect();
            println!(
                "  {}{}{}: {} [{site}, from {entry}]",
                call.operation,
                if call.presigned { " (presigned)" } else { "" },
                if call.index { " (index)" } else { "" },
                shown.join(", ")
            );
            let env = &properties["Environment"]["Variables"];
            for (action, on) in needed {
                for resource in resources(&template, env, on, &prefixes) {
                    if !allows(&properties["Policies"], action, &resource) {
                        missing.push(format!(
                            "{function} (ELANMALAN_TASK={task}) makes {}{} in handler/src/{site} \
                             (reached from handler/src/{entry}), but its role does not allow \
                             {action} on {resource}",
                            call.operation,
                            if call.presigned { " (a presigned link)" } else { "" },
                        ));
                    }
                }
            }
        }
        // The scan found what each task is known to do, so it reads the source as it is.
        let operations: BTreeSet<&str> = calls.keys().map(|c| c.operation.as_str()).collect();
        let expected: &[&str] = match task.as_str() {
            "api" => &[
                "get_item",
                "query",
                "put_object",
                "get_object",
                "delete_object",
                "create_user_pool_client",
                "delete_user_pool_client",
            ],
            "outbox" => &["query", "delete_item", "send_email"],
            "site" => &["put_object", "list_objects_v2", "delete_object", "create_invalidation"],
            _ => &["scan", "delete_item", "delete_object"],
        };
        for operation in expected {
            assert!(operations.contains(operation), "{function}: {operation} not found: {calls:?}");
        }
        if task == "outbox" || task == "retention" {
            assert!(!operations.contains("put_object"), "{function}: {calls:?}");
        }
    }
    assert!(
        missing.is_empty(),
        "the template's roles lack rights the code needs:\n{}",
        missing.join("\n")
    );
}

#[test]
fn an_erased_attachment_leaves_no_old_version_behind() {
    let bucket = resource("AttachmentsBucket");
    assert_eq!(text(&bucket["VersioningConfiguration"]["Status"]), "Enabled");
    // A rule for the whole bucket (no filter) that expires old versions after a day, S3's least,
    // and then the delete marker they leave.
    let rules = bucket["LifecycleConfiguration"]["Rules"].as_vec().unwrap();
    let whole_bucket = |rule: &&Yaml| {
        rule["Status"].as_str() == Some("Enabled")
            && rule["Prefix"].is_badvalue()
            && rule["TagFilters"].is_badvalue()
    };
    let expiring = rules.iter().filter(whole_bucket).find(|rule| {
        rule["NoncurrentVersionExpiration"]["NoncurrentDays"].as_i64() == Some(1)
            && rule["ExpiredObjectDeleteMarker"].as_bool() == Some(true)
    });
    assert!(
        expiring.is_some(),
        "old versions of attachments are kept longer than a day: {rules:?}"
    );
}

#[test]
fn every_user_signs_in_with_a_second_factor() {
    let pool = resource("UserPool");
    assert_eq!(text(&pool["MfaConfiguration"]), "ON");
    let factors: Vec<String> = list(&pool["EnabledMfas"]).iter().map(text).collect();
    assert_eq!(factors, ["SOFTWARE_TOKEN_MFA"]);
}

#[test]
fn the_api_is_reached_through_cloudfront_only() {
    let api = resource("HttpApi");
    assert_eq!(api["DisableExecuteApiEndpoint"].as_bool(), Some(true));
    // CloudFront's origin for /api/* is the API's own domain, mapped to the API's stage.
    let distribution = resource("Distribution");
    let config = &distribution["DistributionConfig"];
    let behaviour = list(&config["CacheBehaviors"])
        .into_iter()
        .find(|b| b["PathPattern"].as_str() == Some("/api/*"))
        .expect("a behaviour for /api/*");
    let origin = list(&config["Origins"])
        .into_iter()
        .find(|o| o["Id"] == behaviour["TargetOriginId"])
        .expect("the API's origin");
    let domain = resource("ApiDomain");
    assert_eq!(text(&origin["DomainName"]), "ApiDomainName");
    assert_eq!(text(&domain["DomainName"]), "ApiDomainName");
    assert_eq!(text(&origin["CustomOriginConfig"]["OriginProtocolPolicy"]), "https-only");
    let mapping = resource("ApiDomainMapping");
    assert_eq!(text(&mapping["ApiId"]), "HttpApi");
    assert_eq!(text(&mapping["DomainName"]), "ApiDomain");
    assert_eq!(text(&mapping["Stage"]), "HttpApiStage");
    // Nothing points at the execute-api address that is off.
    assert!(!TEMPLATE.contains(".execute-api."), "the template still names an execute-api host");
}

#[test]
fn the_site_writers_may_touch_only_the_companies_folders() {
    let template = YamlLoader::load_from_str(TEMPLATE).expect("the template is YAML").remove(0);
    let writers: Vec<(String, String, Yaml)> = template_functions(&template)
        .into_iter()
        .filter(|(_, _, properties)| {
            !properties["Environment"]["Variables"]["SITE_BUCKET"].is_badvalue()
        })
        .collect();
    let names: Vec<&str> = writers.iter().map(|w| w.0.as_str()).collect();
    assert_eq!(names, ["Handler", "SiteFunction"]);
    for (function, _, properties) in &writers {
        let policies = &properties["Policies"];
        for folder in COMPANY_FOLDERS {
            let page = format!("${{SiteBucket.Arn}}/{folder}/oresundskraft/villa/index.html");
            assert!(allows(policies, "s3:PutObject", &page), "{function}: {page}");
        }
        // The shared pages and the assets are scripts/deploy-site's, and there is nothing to
        // read: a page is written whole.
        for other in ["index.html", "assets/case.0123abcd.js", "inkorg/index.html", "*"] {
            let key = format!("${{SiteBucket.Arn}}/{other}");
            for action in ["s3:PutObject", "s3:DeleteObject", "s3:GetObject"] {
                assert!(!allows(policies, action, &key), "{function} may {action} {key}");
            }
        }
        // Listing keys, only under the companies' folders.
        let listing = list(policies)
            .iter()
            .flat_map(|p| list(&p["Statement"]))
            .find(|s| list(&s["Action"]).iter().any(|a| text(a) == "s3:ListBucket"))
            .unwrap_or_else(|| panic!("{function} may not list the site bucket"));
        let prefixes: Vec<String> =
            list(&listing["Condition"]["StringLike"]["s3:prefix"]).iter().map(text).collect();
        let folders: Vec<String> = COMPANY_FOLDERS.iter().map(|f| format!("{f}/*")).collect();
        assert_eq!(prefixes, folders, "{function}");
        let invalidation = "cloudfront:CreateInvalidation";
        assert!(!allows(policies, invalidation, "*"), "{function} may invalidate any distribution");
    }
}

/// API Gateway's JWT authorizer stands before every route but those the template opens: they
/// must be exactly the API's public operations (`security: []` in the OpenAPI document), or a
/// page a browser opens without a token (a draft's preview) answers 401 on AWS alone.
#[test]
fn the_routes_without_a_token_are_the_apis_public_operations() {
    let template = YamlLoader::load_from_str(TEMPLATE).expect("the template is YAML").remove(0);
    let open: Vec<(String, String)> = template["Resources"]
        .as_hash()
        .expect("resources")
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::ApiGatewayV2::Route"))
        .filter(|r| r["Properties"]["AuthorizationType"].as_str() == Some("NONE"))
        .map(|r| {
            let key = text(&r["Properties"]["RouteKey"]);
            let (method, path) = key.split_once(' ').expect("METHOD /path");
            (method.to_string(), path.to_string())
        })
        .collect();
    // A route's `{proxy+}` takes the rest of the path; `{name}` one segment.
    let covers = |route: &str, path: &str| {
        let (route, path): (Vec<&str>, Vec<&str>) =
            (route.split('/').collect(), path.split('/').collect());
        route.iter().enumerate().all(|(i, part)| match *part {
            "{proxy+}" => path.len() > i,
            p if p.starts_with('{') => path.get(i).is_some_and(|s| !s.is_empty()),
            p => path.get(i) == Some(&p),
        }) && (route.last() == Some(&"{proxy+}") || route.len() == path.len())
    };
    let document = handler::http::openapi::document();
    let mut public = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let path = format!("/api/v1{path}");
            let method = method.to_uppercase();
            let is_public = operation.get("security") == Some(&serde_json::json!([]));
            let opened = open.iter().any(|(m, route)| *m == method && covers(route, &path));
            // The local file store's links exist only in `handler serve`.
            if path.starts_with("/api/v1/uploads/") || path.starts_with("/api/v1/downloads/") {
                continue;
            }
            assert_eq!(
                opened, is_public,
                "{method} {path}: open in the template {opened}, public in the API {is_public}"
            );
            if is_public {
                public.push((method, path));
            }
        }
    }
    for (method, route) in &open {
        assert!(
            public.iter().any(|(m, p)| m == method && covers(route, p)),
            "{method} {route} opens nothing public"
        );
    }
}
