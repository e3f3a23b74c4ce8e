//! The OpenAPI 3.1 document of the API, built from the same Rust types the routes use
//! (schemars), so it cannot drift from the code; the API tests check real answers against it.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value, json};

use super::attachments::{AttachmentList, ConfirmAttachment, NewAttachment, UploadAnswer};
use super::audit::AuditAnswer;
use super::cases::{CaseList, CaseView, EditRequest, NewCase, VersionRequest};
use super::clients::{ClientList, ClientView, NewClient};
use super::customer_link::{CustomerLinkInfo, CustomerStatusRequest, NewCustomerLink};
use super::data_subject::{DataSubjectCases, DataSubjectExport, DataSubjectRequest, Erasure};
use super::definitions::{
    ChangesView, DefinitionsView, NewVersion, PublishRequest, PublishedView, VersionView,
};
use super::error::ErrorBody;
use super::firms::{FirmView, NewMember};
use super::handling_times::HandlingTimes;
use super::lookup::{LookupAnswer, LookupRequest};
use super::messages::MessageRequest;
use super::moves::{CompletionRequest, DecisionRequest};
use super::previews::{TryAnswer, TryRequest};
use crate::store::FirmMember;

struct Components {
    requests: SchemaGenerator,
    answers: SchemaGenerator,
}

impl Components {
    fn new() -> Self {
        let settings = || {
            let mut s = SchemaSettings::draft2020_12();
            s.definitions_path = "/components/schemas".into();
            s
        };
        Components {
            requests: settings().for_deserialize().into_generator(),
            answers: settings().for_serialize().into_generator(),
        }
    }

    fn request<T: JsonSchema>(&mut self) -> Value {
        body(self.requests.subschema_for::<T>())
    }

    fn answer<T: JsonSchema>(&mut self, description: &str) -> Value {
        json!({"description": description, "content": {"application/json": {"schema": self.answers.subschema_for::<T>()}}})
    }
}

fn body(schema: Schema) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
}

fn operation(summary: &str, request: Option<Value>, ok: (&str, Value), errors: &[&str]) -> Value {
    let mut responses = Map::new();
    responses.insert(ok.0.to_string(), ok.1);
    // Whoever signs in may be refused for the token's e-mail address (`auth`).
    let signed_in = errors.contains(&"401").then_some("403");
    for code in errors.iter().copied().chain(signed_in) {
        let description = match code {
            "400" => "Malformed JSON or query string",
            "401" => "No or bad token",
            "403" => "The caller's role may not do this, or the token's e-mail is not one address",
            "404" => "Unknown, or not the caller's",
            "409" => "Version or status conflict",
            "413" => "Body over 64 KiB",
            "415" => "Not JSON",
            "422" => "Semantically invalid; `fields` names the problems",
            "429" => "Rate limited; see Retry-After",
            _ => "Error",
        };
        responses.insert(code.to_string(), error(description));
    }
    responses.insert("503".into(), error("Store unavailable; see Retry-After"));
    responses.insert(
        "500".into(),
        error("A fault on our side, such as a stored document that cannot be read; no retry helps"),
    );
    let mut op = json!({"summary": summary, "responses": responses});
    if let Some(request) = request {
        op["requestBody"] = request;
    }
    op
}

/// `limit` and `cursor` of a paginated list.
fn page_parameters() -> Vec<Value> {
    vec![
        json!({"name": "limit", "in": "query", "required": false, "description": "1 to 100, default 50", "schema": {"type": "string", "pattern": "^[0-9]+$"}}),
        json!({"name": "cursor", "in": "query", "required": false, "description": "next_cursor of the page before", "schema": {"type": "string"}}),
    ]
}

/// The filters of the case lists, and the page.
fn list_parameters(status: Schema) -> Vec<Value> {
    let text = |name: &str, description: &str| json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}});
    let mut parameters = vec![
        json!({"name": "status", "in": "query", "required": false, "schema": status}),
        text("network_area", "Nätområde"),
        text("installation_type", "Installationstyp"),
        text("firm", "The installer firm (a network company's inbox)"),
        text("q", "Found in the case number, anläggnings-ID or address"),
    ];
    parameters.extend(page_parameters());
    parameters
}

/// The form definitions are public: they hold no personal data.
fn public(mut operation: Value) -> Value {
    operation["security"] = json!([]);
    operation
}

const BODY_ERRORS: [&str; 8] = ["400", "401", "403", "404", "409", "413", "415", "422"];

pub async fn serve() -> axum::Json<Value> {
    axum::Json(document())
}

/// A company's own definitions as versions, and their previews (docs/api.md, "Published
/// definitions").
fn definitions_paths(c: &mut Components, paths: &mut Map<String, Value>) {
    let admin = "A network company admin (Cognito group company-admins); others 403";
    let new_version = c.request::<NewVersion>();
    paths.insert("/definitions".into(), json!({
        "get": operation("The company's versions of its definitions file, and its publications", None, ("200", c.answer::<DefinitionsView>("The versions")), &["401"]),
        "post": operation("Save a new version of companies/<id>.toml as a draft; every problem at its line and column (422), nothing stored then", Some(new_version), ("201", c.answer::<VersionView>("The draft")), &["400", "401", "413", "415", "422"]),
    }));
    let version = json!([{"name": "version", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]+$"}}]);
    paths.insert("/definitions/{version}".into(), json!({
        "parameters": version,
        "get": operation("One version, with its text", None, ("200", c.answer::<VersionView>("The version")), &["401", "404"]),
    }));
    paths.insert("/definitions/{version}/changes".into(), json!({
        "parameters": version,
        "get": operation("What publishing the version changes, against the published one", None, ("200", c.answer::<ChangesView>("The changes")), &["401", "404", "422"]),
    }));
    let publish = c.request::<PublishRequest>();
    paths.insert("/definitions/{version}/publish".into(), json!({
        "parameters": version,
        "post": operation("Publish the version: new cases and the company's pages use it (an older one: a rollback)", Some(publish), ("200", c.answer::<PublishedView>("Published")), &BODY_ERRORS),
    }));
    for path in [
        "/definitions",
        "/definitions/{version}",
        "/definitions/{version}/changes",
        "/definitions/{version}/publish",
    ] {
        for (method, op) in paths[path].as_object_mut().into_iter().flatten() {
            if method != "parameters" {
                op["description"] = admin.into();
            }
        }
    }
    let preview = |extra: &[&str]| -> Vec<Value> {
        ["company", "version", "key"]
            .iter()
            .chain(extra)
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect()
    };
    let page = |summary: &str| {
        json!({
            "summary": summary,
            "security": [],
            "responses": operation("", None, ("200", json!({"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}})), &["404"])["responses"].clone()
        })
    };
    paths.insert(
        "/previews/{company}/{version}/{key}/".into(),
        json!({
            "parameters": preview(&[]),
            "get": page("A version's preview: its forms (the address is its secret)"),
        }),
    );
    paths.insert(
        "/previews/{company}/{version}/{key}/{installation_type}/".into(),
        json!({
            "parameters": preview(&["installation_type"]),
            "get": page("A version's preview: one form's case page"),
        }),
    );
    let try_request = c.request::<TryRequest>();
    paths.insert("/previews/{company}/{version}/{key}/check".into(), json!({
        "parameters": preview(&[]),
        "post": operation("Try a case in the preview: checked as the service would, never stored (the company's users)", Some(try_request), ("200", c.answer::<TryAnswer>("The values and what would stop sending")), &BODY_ERRORS),
    }));
}

/// Kundlänk: the installer's link for the customer, and what the link shows (docs/api.md,
/// "Customer links").
fn customer_link_paths(c: &mut Components, paths: &mut Map<String, Value>) {
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    let gone = operation(
        "",
        None,
        ("204", json!({"description": "Removed (or there was none)"})),
        &["401", "404"],
    );
    paths.insert("/cases/{id}/customer-link".into(), json!({
        "parameters": id,
        "post": operation("Make the case's customer link, replacing its earlier one (an installer of the case's firm; a sent case whose data is kept, else 409); the address is shown only now", None, ("201", c.answer::<NewCustomerLink>("The link")), &["401", "404", "409"]),
        "get": operation("Whether the case has a customer link, and until when (not its address)", None, ("200", c.answer::<CustomerLinkInfo>("The link")), &["401", "404"]),
        "delete": {"summary": "Remove the case's customer link: it stops working at once", "responses": gone["responses"].clone()}
    }));
    let request = c.request::<CustomerStatusRequest>();
    let mut read = public(operation(
        "What a customer link shows: case number, network company, status and its dates, nothing personal (no sign-in; the token in the body, so no access log keeps it; capped per client)",
        Some(request),
        ("200", c.answer::<forms::customer::CustomerStatus>("The case's status")),
        &["400", "404", "413", "415", "422", "429"],
    ));
    read["description"] = "Answers with Cache-Control: no-store and X-Robots-Tag: noindex.".into();
    paths.insert("/customer-status".into(), json!({ "post": read }));
}

/// The whole document.
pub fn document() -> Value {
    let mut c = Components::new();
    let with_case = |c: &mut Components, summary: &str, request: Value| {
        operation(summary, Some(request), ("200", c.answer::<CaseView>("The case")), &BODY_ERRORS)
    };
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    let version = c.request::<VersionRequest>();

    let mut paths = Map::new();
    paths.insert("/openapi.json".into(), json!({"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}}));
    let forms = operation(
        "Network companies, their network areas, installation and job types",
        None,
        ("200", c.answer::<forms::Catalog>("The forms")),
        &[],
    );
    paths.insert("/forms".into(), json!({ "get": public(forms) }));
    paths.insert("/forms/{company}/{installation_type}/schema".into(), json!({
        "parameters": [
            {"name": "company", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "installation_type", "in": "path", "required": true, "schema": {"type": "string"}}
        ],
        "get": public(operation("JSON Schema (Draft 2020-12) of a form's fields", None, ("200", json!({"description": "The schema", "content": {"application/json": {"schema": {"type": "object"}}}})), &["404"]))
    }));
    let new_case = c.request::<NewCase>();
    // A case started from its anläggnings-ID is looked up, and lookups have caps.
    let mut lookup_errors = BODY_ERRORS.to_vec();
    lookup_errors.push("429");

    let status = c.answers.subschema_for::<forms::Status>();
    paths.insert("/cases".into(), json!({
        "post": operation("Create a draft (installer): by company and network area, or from the anläggnings-ID with the lookup applied", Some(new_case), ("201", c.answer::<CaseView>("The new draft")), &lookup_errors),
        "get": {
            "parameters": list_parameters(status),
            "summary": "The firm's cases (installer) or the company's cases that are not drafts (network company)",
            "responses": operation("", None, ("200", c.answer::<CaseList>("The cases")), &["400", "401", "422"])["responses"].clone()
        }
    }));
    let edit = c.request::<EditRequest>();
    paths.insert("/cases/{id}".into(), json!({
        "parameters": id,
        "get": operation("One case", None, ("200", c.answer::<CaseView>("The case")), &["401", "404"]),
        "patch": with_case(&mut c, "Set fields (installer; null clears)", edit)
    }));
    let pdf = json!({"description": "The case as a PDF: \"Installationsmedgivande\" once approved, \
        never an identity number", "content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}}});
    paths.insert("/cases/{id}/document.pdf".into(), json!({
        "parameters": id,
        "get": operation("A sent case as a document (409 invalid_status for a draft)", None, ("200", pdf), &["401", "404", "409"])
    }));
    let lookup = c.request::<LookupRequest>();
    paths.insert("/cases/{id}/lookup".into(), json!({
        "parameters": id,
        "post": operation("Hämta anl-data: find the installation by EAN or meter number and merge it", Some(lookup), ("200", c.answer::<LookupAnswer>("Found")), &lookup_errors)
    }));
    for (path, summary) in [
        ("copy-from-owner", "Kopiera från ägare"),
        ("submit", "Send the case to the network company (installer)"),
        ("withdraw", "Withdraw the case (installer, before approval)"),
        ("close", "Close the case (network company)"),
    ] {
        paths.insert(
            format!("/cases/{{id}}/{path}"),
            json!({"parameters": id, "post": with_case(&mut c, summary, version.clone())}),
        );
    }
    let decision = c.request::<DecisionRequest>();
    paths.insert("/cases/{id}/decision".into(), json!({"parameters": id, "post": with_case(&mut c, "Approve, return or reject (network company)", decision)}));
    let completion = c.request::<CompletionRequest>();
    paths.insert("/cases/{id}/completion".into(), json!({"parameters": id, "post": with_case(&mut c, "Completion notice (installer, after approval)", completion)}));
    let message = c.request::<MessageRequest>();
    paths.insert("/cases/{id}/messages".into(), json!({"parameters": id, "post": with_case(&mut c, "Write a message to the other side (a sent case; no version needed)", message)}));
    paths.insert("/cases/{id}/read".into(), json!({"parameters": id, "post": operation("The caller has read the case's news (the version stays)", None, ("200", c.answer::<CaseView>("The case")), &["401", "404", "409"])}));
    let new_attachment = c.request::<NewAttachment>();
    paths.insert("/cases/{id}/attachments".into(), json!({
        "parameters": id,
        "post": operation("Bilagor, step 1: a link to PUT one file's bytes to (installer, while that part of the case may be changed), recorded on the case as an open upload without changing its version; attached files and open uploads of the field together at most its max_files", Some(new_attachment), ("201", c.answer::<UploadAnswer>("Where to upload")), &BODY_ERRORS),
        "get": operation("The case's attachments, each with a download link of 5 minutes (the owner firm and the case's network company)", None, ("200", c.answer::<AttachmentList>("The attachments")), &["401", "404"])
    }));
    let confirm = c.request::<ConfirmAttachment>();
    let attachment_id = json!([
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "attachment", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
    ]);
    paths.insert("/cases/{id}/attachments/{attachment}".into(), json!({
        "parameters": attachment_id,
        "put": with_case(&mut c, "Bilagor, step 3: the open upload is moved to the attachment's own key, checked there (size, type by content) and attached; a bad file is deleted (422)", confirm),
        "delete": {
            "summary": "Remove an attachment (installer, while that part of the case may be changed)",
            "parameters": [{"name": "version", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^[0-9]+$"}}],
            "responses": operation("", None, ("200", c.answer::<CaseView>("The case")), &["400", "401", "403", "404", "409"])["responses"].clone()
        }
    }));
    let token =
        json!([{"name": "token", "in": "path", "required": true, "schema": {"type": "string"}}]);
    paths.insert("/uploads/{token}".into(), json!({
        "parameters": token,
        "put": {
            "summary": "Bilagor, step 2 with the local file store (handler serve): the file's bytes, exactly the size given in step 1, taken once while the link is open, not yet confirmed and the case may take files (else 403). On AWS the upload link is S3's own.",
            "security": [],
            "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": operation("", None, ("200", json!({"description": "Stored"})), &["403", "404", "413", "422"])["responses"].clone()
        }
    }));
    paths.insert("/downloads/{token}".into(), json!({
        "parameters": token,
        "get": {
            "summary": "A download link of the local file store (handler serve). On AWS download links are S3's own.",
            "security": [],
            "responses": operation("", None, ("200", json!({"description": "The file", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})), &["403", "404"])["responses"].clone()
        }
    }));
    let period = json!([
        {"name": "from", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}},
        {"name": "to", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}}
    ]);
    let mut paged = period.as_array().unwrap().clone();
    paged.extend(page_parameters());
    let subject = "The identity number is in the body, never the address; each act is audited";
    for (path, summary, ok) in [
        (
            "/data-subject/cases",
            "The company's cases that hold a personnummer or organisationsnummer (network company)",
            c.answer::<DataSubjectCases>("The cases, with the fields that hold it"),
        ),
        (
            "/data-subject/export",
            "Those cases as JSON: the data subject's right of access (network company)",
            c.answer::<DataSubjectExport>("The cases, narrowed to the data subject's data"),
        ),
        (
            "/data-subject/erase",
            "Erase the data subject's data from those cases that are over (network company)",
            c.answer::<Erasure>("What was erased and what kept, with why"),
        ),
    ] {
        let request = c.request::<DataSubjectRequest>();
        let mut op = operation(
            summary,
            Some(request),
            ("200", ok),
            &["400", "401", "403", "413", "415", "422"],
        );
        op["description"] = subject.into();
        paths.insert(path.into(), json!({"post": op}));
    }
    paths.insert("/audit".into(), json!({"get": {
        "summary": "The company's lookup audit log, oldest first (network company)",
        "parameters": paged,
        "responses": operation("", None, ("200", c.answer::<AuditAnswer>("Audit entries")), &["400", "401", "403", "422"])["responses"].clone()
    }}));
    paths.insert("/audit.csv".into(), json!({"get": {
        "summary": "The same audit entries as a CSV file (no cell is a formula)",
        "parameters": period,
        "responses": operation("", None, ("200", json!({"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}})), &["400", "401", "403", "422"])["responses"].clone()
    }}));
    definitions_paths(&mut c, &mut paths);
    firm_paths(&mut c, &mut paths);
    handling_times_paths(&mut c, &mut paths);
    client_paths(&mut c, &mut paths);
    customer_link_paths(&mut c, &mut paths);
    webhook_paths(&mut c, &mut paths);

    c.answers.subschema_for::<ErrorBody>();
    let mut schemas = c.requests.take_definitions(true);
    schemas.extend(c.answers.take_definitions(true));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Elanmälan API",
            "version": "1",
            "description": "Notifications from electrical installers to network companies. Errors have the shape of ErrorBody with a Swedish message."
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        }
    })
}

/// Handläggningstider (docs/api.md, "Handling times").
fn handling_times_paths(c: &mut Components, paths: &mut Map<String, Value>) {
    let month = |name: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}});
    let months = json!([month("from"), month("to")]);
    let errors = ["400", "401", "403", "422"];
    paths.insert("/handling-times".into(), json!({"get": {
        "summary": "The company's handling times per month, installation type and network area: count, median and 90th percentile (nearest rank) of sent to decision and of completion to closed (network company)",
        "parameters": months,
        "responses": operation("", None, ("200", c.answer::<HandlingTimes>("The rows")), &errors)["responses"].clone()
    }}));
    paths.insert("/handling-times.csv".into(), json!({"get": {
        "summary": "The same rows as a CSV file: `;` between cells, decimal comma, hours (network company)",
        "parameters": months,
        "responses": operation("", None, ("200", json!({"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}})), &errors)["responses"].clone()
    }}));
    let params = json!([
        {"name": "company", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "installation_type", "in": "query", "required": true, "schema": {"type": "string"}}
    ]);
    paths.insert("/companies/{company}/handling-times".into(), json!({"get": {
        "summary": "The queue of one installation type: the company's sent to decision figures over the last 90 days and how many cases wait now; no case (anyone signed in; a network company only its own)",
        "parameters": params,
        "responses": operation("", None, ("200", c.answer::<forms::handling_times::Queue>("The queue")), &["400", "401", "404", "422"])["responses"].clone()
    }}));
}

/// Machine clients (docs/api.md, "Machine clients").
fn client_paths(c: &mut Components, paths: &mut Map<String, Value>) {
    let new_client = c.request::<NewClient>();
    paths.insert("/clients".into(), json!({
        "post": operation("Create a machine client (OAuth 2.0 client credentials) for the admin's firm or company; the answer holds its secret, shown only this once", Some(new_client), ("201", c.answer::<ClientView>("The client, with its secret")), &BODY_ERRORS),
        "get": operation("The firm's or company's machine clients (its admin)", None, ("200", c.answer::<ClientList>("The clients")), &["401", "403"])
    }));
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    paths.insert("/clients/{id}".into(), json!({
        "parameters": id,
        "delete": operation("Remove a machine client (its admin): its tokens stop working at once", None, ("204", json!({"description": "Removed"})), &["401", "403", "404"])
    }));
}

/// The installer's firm ("Företag") and its members (docs/api.md, "Installer firms").
fn firm_paths(c: &mut Components, paths: &mut Map<String, Value>) {
    paths.insert("/firm".into(), json!({"get": operation("The caller's firm: id, name, organisation number, registration number and members (installer; 404 for a firm not in the store)", None, ("200", c.answer::<FirmView>("The firm")), &["401", "403", "404"])}));
    let new_member = c.request::<NewMember>();
    paths.insert("/firm/members".into(), json!({"post": operation("Add a colleague by the e-mail address they sign in with (the firm's admin); they see the firm's cases from their next request", Some(new_member), ("201", c.answer::<FirmMember>("The member")), &BODY_ERRORS)}));
    let email =
        json!([{"name": "email", "in": "path", "required": true, "schema": {"type": "string"}}]);
    paths.insert("/firm/members/{email}".into(), json!({
        "parameters": email,
        "delete": operation("Remove a colleague (the firm's admin; not oneself): they lose the firm's cases at once", None, ("204", json!({"description": "Removed"})), &["401", "403", "404"])
    }));
}

/// A network company's webhooks (docs/api.md, "Webhooks").
fn webhook_paths(c: &mut Components, paths: &mut Map<String, Value>) {
    use super::webhooks::{DeliveryList, NewWebhook, WebhookList, WebhookSecretView, WebhookView};
    let new = c.request::<NewWebhook>();
    let secret = c.answer::<WebhookSecretView>("The webhook's id and secret, shown this once");
    paths.insert("/webhooks".into(), json!({
        "get": operation("The company's webhooks, without their secrets (the company's admins)", None, ("200", c.answer::<WebhookList>("The webhooks")), &["401", "403"]),
        "post": operation("Register a webhook: https:// to a public address, and the events it wants (the company's admins)", Some(new), ("201", secret.clone()), &BODY_ERRORS)
    }));
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    paths.insert("/webhooks/{id}".into(), json!({
        "parameters": id,
        "delete": operation("Remove a webhook", None, ("204", json!({"description": "Removed"})), &["401", "403", "404"])
    }));
    paths.insert("/webhooks/{id}/deliveries".into(), json!({
        "parameters": id,
        "get": operation("The webhook's latest 50 delivery attempts, newest first", None, ("200", c.answer::<DeliveryList>("The attempts")), &["401", "403", "404"])
    }));
    paths.insert("/webhooks/{id}/rotate".into(), json!({
        "parameters": id,
        "post": operation("A new secret, shown once; the old one signs too for 24 hours", None, ("200", secret), &["401", "403", "404", "409"])
    }));
    paths.insert("/webhooks/{id}/resume".into(), json!({
        "parameters": id,
        "post": operation("Send to a paused webhook again", None, ("200", c.answer::<WebhookView>("The webhook")), &["401", "403", "404", "409"])
    }));
}
