//! The command line (docs/design.md, section 6.1): `serve`, `create-table`, `import-registry`, `token`.
//! Every failure is a one-line reason for the operator, in English.

mod import;
mod serve;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use forms::Role;
use forms::definitions::DefinitionErrors;

pub use self::import::{ImportError, ImportPlan, plan};
use crate::definitions::LiveDefinitions;
use crate::local::LocalKey;
use crate::store::dynamodb::{self, DynamoStore};
use crate::store::sqlite::SqliteStore;
use crate::store::{Firm, FirmMember, FirmStore, StoreError};

#[derive(Parser)]
#[command(name = "handler", about = "Elanmälan: API, local server and tools")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the site on one origin (loopback only).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        #[command(flatten)]
        store: StoreArgs,
        /// A definitions folder; without it, the definitions shipped in forms/definitions/.
        #[arg(long)]
        definitions: Option<PathBuf>,
        #[command(flatten)]
        attachments: AttachmentArgs,
        /// Live preview: reload the definitions and rebuild the site when a file in the
        /// definitions folder changes, and reload open pages.
        #[arg(long, requires = "definitions")]
        watch: bool,
        #[command(flatten)]
        limits: serve::Limits,
    },
    /// Check a definitions folder: every problem as file:line:column, in Swedish, exit 1 on
    /// any.
    CheckDefinitions {
        dir: PathBuf,
        /// Also the TOML reader's own English under each problem told from it (for engineers).
        #[arg(long)]
        english: bool,
        /// The data directory of `handler serve` (its SQLite store): refuse definitions that
        /// drop a company, installation type, job type or network area its cases use.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Create the DynamoDB table with its indexes.
    CreateTable {
        #[arg(long, default_value = "elanmalan", env = "ELANMALAN_TABLE")]
        table: String,
    },
    /// Give every case in the DynamoDB table the keys of this version (the Inkorg's search by
    /// number, anläggnings-ID and firm, issue 23): once, after the stack update that adds GSI4
    /// (docs/deploy.md). Running it again changes nothing.
    ReindexCases {
        #[arg(long, default_value = "elanmalan", env = "ELANMALAN_TABLE")]
        table: String,
    },
    /// Load a network company's installation registry from CSV.
    ImportRegistry {
        #[arg(long)]
        company: String,
        file: PathBuf,
        /// The file is the whole registry: remove the company's installations it lacks (only
        /// when no row was refused).
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Register an installer firm, or change its name or numbers (its members stay), and add
    /// its first members: from then on only its members work with its cases.
    PutFirm {
        /// The id its users' sign-in names (Cognito's `custom:org`), e.g. `demo_el`.
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// Its organisationsnummer, `NNNNNN-NNNN`.
        #[arg(long)]
        org_number: String,
        /// Its registration number at Elsäkerhetsverket.
        #[arg(long)]
        registration_number: Option<String>,
        /// The e-mail address of a member (repeat for more); at least its admin's on a new firm.
        #[arg(long = "member")]
        members: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print a signed token for local mode: a person's (`--role`, `--org`), or a machine
    /// client's access token (`--client`).
    Token {
        #[arg(long, value_enum, required_unless_present = "client")]
        role: Option<RoleArg>,
        #[arg(long, required_unless_present = "client")]
        org: Option<String>,
        #[arg(long, default_value = "user")]
        sub: String,
        #[arg(long)]
        name: Option<String>,
        /// Where the user's news is mailed.
        #[arg(long)]
        email: Option<String>,
        /// An admin of the org (a company admin manages the company's definitions).
        #[arg(long)]
        admin: bool,
        /// A machine client's id (from `POST /api/v1/clients`): its access token, as the
        /// token endpoint would give it. The server takes only the scopes the client has.
        #[arg(long, conflicts_with_all = ["role", "org", "admin", "email", "name"])]
        client: Option<String>,
        /// A scope for `--client` (repeat for more): cases.read, cases.write,
        /// decisions.write. Without it, all three are asked for.
        #[arg(long = "scope", requires = "client")]
        scopes: Vec<String>,
        #[arg(long, default_value = "data", env = "ELANMALAN_DATA_DIR")]
        data_dir: PathBuf,
    },
}

#[derive(clap::Args)]
struct StoreArgs {
    #[arg(long, default_value = "data", env = "ELANMALAN_DATA_DIR")]
    data_dir: PathBuf,
    #[arg(long, value_enum, default_value_t = StoreKind::Sqlite)]
    store: StoreKind,
    #[arg(long, default_value = "elanmalan", env = "ELANMALAN_TABLE")]
    table: String,
}

/// Where `handler serve` keeps attachments' bytes.
#[derive(clap::Args)]
struct AttachmentArgs {
    /// `local`: files under DIR/attachments; `s3`: the bucket of --bucket (the standard AWS
    /// configuration; AWS_ENDPOINT_URL_S3 for an S3-compatible server).
    #[arg(long, value_enum, default_value_t = FilesKind::Local)]
    attachments: FilesKind,
    #[arg(long, env = "ATTACHMENTS_BUCKET")]
    bucket: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FilesKind {
    Local,
    S3,
}

#[derive(Clone, Copy, ValueEnum)]
enum StoreKind {
    Sqlite,
    Dynamodb,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Installer,
    #[value(name = "network_company")]
    NetworkCompany,
}

type Failure = String;

/// Logs for a person at a console: compact, `RUST_LOG` to change what is shown.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,aws_config=warn,aws_smithy_runtime=warn".into());
    // Colours only for a terminal: a log file gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .compact()
        .init();
}

pub async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Serve { addr, store, definitions, attachments, watch, limits } => {
            // Watching starts with the files as they are before they are read, so that no
            // change is missed.
            let watcher = match (&definitions, watch) {
                (Some(dir), true) => Some(watch::Watcher::new(dir.clone())),
                _ => None,
            };
            let definitions = match definitions {
                None => LiveDefinitions::builtin(),
                Some(dir) => {
                    let (_, sources) = crate::definitions::read_folder(&dir)
                        .map_err(|problems| problem_report(&problems, &dir))?;
                    LiveDefinitions::from_checked(&dir.display().to_string(), sources)
                }
            };
            let key = local_key(&store.data_dir)?;
            let options = serve::Options {
                addr,
                store: &store,
                attachments: &attachments,
                definitions,
                watcher,
                limits,
            };
            match store.store {
                StoreKind::Sqlite => {
                    serve::serve(open_sqlite(&store.data_dir)?, key, options).await
                }
                StoreKind::Dynamodb => {
                    demo_users_stay_local(&|name| std::env::var(name))?;
                    let s = DynamoStore::new(dynamodb::client_from_env().await, &store.table);
                    serve::serve(s, key, options).await
                }
            }
        }
        Command::CheckDefinitions { dir, english, data_dir } => {
            match crate::definitions::read_folder(&dir) {
                Ok((definitions, _)) => {
                    if let Some(data_dir) = data_dir {
                        let lost = cases_that_lose(&data_dir, &definitions).await?;
                        if !lost.is_empty() {
                            for l in &lost {
                                println!("{}: {}", dir.display(), l.message());
                            }
                            println!(
                                "{} ändringar tar bort det som ärenden i {} använder; inget \
                                 publicerades.",
                                lost.len(),
                                data_dir.display()
                            );
                            return Ok(ExitCode::FAILURE);
                        }
                    }
                    let forms = definitions.forms().count();
                    let companies = definitions.companies.len();
                    println!(
                        "{}: inga problem; {companies} nätbolag, {forms} formulär.",
                        dir.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(problems) if english => {
                    for p in &problems.0 {
                        println!("{p}");
                        if let Some(english) = &p.english {
                            println!("    (English: {english})");
                        }
                    }
                    println!("{}", problem_count(&problems, &dir));
                    Ok(ExitCode::FAILURE)
                }
                Err(problems) => {
                    println!("{}", problem_report(&problems, &dir));
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::CreateTable { table } => {
            dynamodb::create_table(&dynamodb::client_from_env().await, &table).await?;
            println!("Table {table} is ready.");
            Ok(ExitCode::SUCCESS)
        }
        Command::ReindexCases { table } => {
            let store = DynamoStore::new(dynamodb::client_from_env().await, &table);
            let (cases, skipped) = store.reindex_cases().await.map_err(|e| e.to_string())?;
            println!("{cases} cases in table {table} have this version's keys.");
            if skipped > 0 {
                println!("{skipped} changed meanwhile, and have them from that change.");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::ImportRegistry { company, file, replace, store } => match store.store {
            StoreKind::Sqlite => {
                import::import(open_sqlite(&store.data_dir)?, &company, &file, replace).await
            }
            StoreKind::Dynamodb => {
                let s = DynamoStore::new(dynamodb::client_from_env().await, &store.table);
                import::import(s, &company, &file, replace).await
            }
        },
        Command::PutFirm { id, name, org_number, registration_number, members, store } => {
            let firm = firm_from_args(id, name, &org_number, registration_number)?;
            if let Some(bad) = members.iter().find(|m| !forms::formats::is_single_address(m)) {
                return Err(format!(
                    "--member {bad}: give one e-mail address, such as anna@example.se"
                ));
            }
            match store.store {
                StoreKind::Sqlite => {
                    put_firm(&open_sqlite(&store.data_dir)?, &firm, &members).await
                }
                StoreKind::Dynamodb => {
                    let s = DynamoStore::new(dynamodb::client_from_env().await, &store.table);
                    put_firm(&s, &firm, &members).await
                }
            }
        }
        Command::Token { role, org, sub, name, email, admin, client, scopes, data_dir } => {
            if let Some(client) = client {
                use crate::http::auth::{SCOPE_DECIDE, SCOPE_READ, SCOPE_WRITE};
                let known = [SCOPE_READ, SCOPE_WRITE, SCOPE_DECIDE];
                let bare = |s: &String| {
                    s.strip_prefix(&format!("{}/", crate::http::auth::RESOURCE_SERVER))
                        .unwrap_or(s)
                        .to_string()
                };
                let mut scopes: Vec<String> = scopes.iter().map(bare).collect();
                if let Some(unknown) = scopes.iter().find(|s| !known.contains(&s.as_str())) {
                    return Err(format!("--scope {unknown}: known are {}", known.join(", ")));
                }
                if scopes.is_empty() {
                    scopes = known.map(str::to_string).to_vec();
                }
                println!("{}", local_key(&data_dir)?.mint_client(&client, &scopes));
                return Ok(ExitCode::SUCCESS);
            }
            let (Some(role), Some(org)) = (role, org) else {
                return Err("--role and --org are needed (or --client)".into());
            };
            let role = match role {
                RoleArg::Installer => Role::Installer,
                RoleArg::NetworkCompany => Role::NetworkCompany,
            };
            if email.as_deref().is_some_and(|e| !forms::formats::is_single_address(e)) {
                return Err("--email must be one e-mail address, such as anna@example.se".into());
            }
            let key = local_key(&data_dir)?;
            let token = key.mint_for(role, &org, &sub, name.as_deref(), email.as_deref(), admin);
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A firm from `handler put-firm`'s arguments, its id and number checked.
fn firm_from_args(
    id: String,
    name: String,
    org_number: &str,
    registration_number: Option<String>,
) -> Result<Firm, Failure> {
    let word = !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !word || id.len() > 64 {
        return Err(format!("--id {id}: use a-z, digits and _ (at most 64), as in demo_el"));
    }
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err("--name: give the firm's name, at most 100 characters".into());
    }
    let org_number = forms::formats::normalize_org_number(org_number).ok_or_else(|| {
        format!("--org-number {org_number}: give ten digits as NNNNNN-NNNN, the last one the check digit")
    })?;
    let registration_number =
        registration_number.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    Ok(Firm { id, name, org_number, registration_number })
}

async fn put_firm(
    store: &impl FirmStore,
    firm: &Firm,
    members: &[String],
) -> Result<ExitCode, Failure> {
    let now = time::OffsetDateTime::now_utc();
    // The members first: once the firm is in the store, only its members have its cases.
    for email in members {
        let member = FirmMember {
            firm: firm.id.clone(),
            email: email.trim().to_lowercase(),
            name: None,
            added_by: "handler put-firm".into(),
            added_at: now,
        };
        match store.add_firm_member(&member).await {
            Ok(()) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(format!("could not add a member: {e}")),
        }
    }
    store.put_firm(firm).await.map_err(|e| format!("could not store the firm: {e}"))?;
    let count = store.firm_members(&firm.id).await.map_err(|e| e.to_string())?.len();
    println!("Firm {} ({}) is stored, with {count} members.", firm.id, firm.name);
    Ok(ExitCode::SUCCESS)
}

/// `handler serve` signs anyone in as a demo user, so its DynamoDB must be on this machine
/// (DynamoDB Local): demo users must never meet a developer's AWS credentials. The endpoint is
/// read as the SDK reads it from the environment (`AWS_ENDPOINT_URL_DYNAMODB`, then
/// `AWS_ENDPOINT_URL`); none, or one the SDK is told to ignore, means AWS itself.
fn demo_users_stay_local(
    var: &dyn Fn(&str) -> Result<String, std::env::VarError>,
) -> Result<(), Failure> {
    let ignored = var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_ok_and(|v| v.trim() == "true");
    let endpoint = ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"]
        .into_iter()
        .find_map(|name| var(name).ok().filter(|url| !url.trim().is_empty()))
        .filter(|_| !ignored);
    let on_loopback = endpoint.as_deref().is_some_and(|url| {
        let uri = url.trim().parse::<axum::http::Uri>().ok();
        let host = uri.as_ref().and_then(|uri| uri.host()).unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    });
    if on_loopback {
        return Ok(());
    }
    Err(format!(
        "handler serve signs anyone in as a demo user, so it runs only against a DynamoDB on this \
         machine, never against AWS with your credentials (the endpoint is {}). Start DynamoDB \
         Local (eval \"$(scripts/dynamodb-local.sh start)\" sets AWS_ENDPOINT_URL_DYNAMODB) or use \
         the SQLite store.",
        endpoint.unwrap_or_else(|| "AWS itself".into())
    ))
}

/// Every problem as `file:line:column: message`, one a line, and a count.
fn problem_report(problems: &DefinitionErrors, dir: &Path) -> String {
    format!("{problems}\n{}", problem_count(problems, dir))
}

fn problem_count(problems: &DefinitionErrors, dir: &Path) -> String {
    let n = problems.0.len();
    format!(
        "{n} problem i {}; varje rad säger var (fil:rad:kolumn) och vad som ska stå.",
        dir.display()
    )
}

/// What the cases of the SQLite store in `data_dir` use that `definitions` drop.
async fn cases_that_lose(
    data_dir: &Path,
    definitions: &forms::Definitions,
) -> Result<Vec<crate::in_use::Lost>, Failure> {
    let path = data_dir.join("elanmalan.sqlite3");
    if !path.exists() {
        return Err(format!(
            "--data-dir {}: there is no store there ({} is missing)",
            data_dir.display(),
            path.display()
        ));
    }
    let store = open_sqlite(data_dir)?;
    crate::in_use::lost(&store, definitions).await.map_err(|e| e.to_string())
}

fn local_key(data_dir: &Path) -> Result<LocalKey, Failure> {
    LocalKey::load_or_create(data_dir).map_err(|e| {
        let what = format!("cannot read or create the signing key in {}: {e}", data_dir.display());
        // `Other` is a key the handler refuses, which says itself what to do.
        match e.kind() {
            std::io::ErrorKind::Other => what,
            _ => format!("{what}. {}", writable_advice(data_dir)),
        }
    })
}

fn open_sqlite(data_dir: &Path) -> Result<SqliteStore, Failure> {
    crate::store::files::local::create_private_dir(data_dir).map_err(|e| {
        format!("cannot create {}: {e}. {}", data_dir.display(), writable_advice(data_dir))
    })?;
    let path = data_dir.join("elanmalan.sqlite3");
    SqliteStore::open(&path)
        .map_err(|e| format!("cannot open {}: {e}. {}", path.display(), writable_advice(data_dir)))
}

/// What to do about a data directory the handler cannot write to (read-only, full, not ours).
fn writable_advice(data_dir: &Path) -> String {
    format!(
        "The handler keeps its signing key and database in {0} and must be able to write \
         there: make {0} writable, or free space on its disk, or give another directory with \
         --data-dir DIR",
        data_dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<(), Failure> {
        let vars: Vec<(String, String)> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        demo_users_stay_local(&move |name: &str| {
            vars.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .ok_or(std::env::VarError::NotPresent)
        })
    }

    #[test]
    fn demo_users_meet_only_a_dynamodb_on_this_machine() {
        for local in ["http://127.0.0.1:8000", "http://localhost:8000/", "http://[::1]:8000"] {
            assert!(with(&[("AWS_ENDPOINT_URL_DYNAMODB", local)]).is_ok(), "{local}");
            assert!(with(&[("AWS_ENDPOINT_URL", local)]).is_ok(), "{local}");
        }
        for remote in [
            "https://dynamodb.eu-north-1.amazonaws.com",
            "http://10.0.0.5:8000",
            "http://127.0.0.1.example.com:8000",
            "http://localhost.example.com",
            "not a url",
        ] {
            let refused = with(&[("AWS_ENDPOINT_URL_DYNAMODB", remote)]).unwrap_err();
            assert!(refused.contains(remote) && refused.contains("DynamoDB Local"), "{refused}");
        }
        // No endpoint is AWS itself; the service's own variable wins over the general one; an
        // endpoint the SDK is told to ignore is no endpoint.
        assert!(with(&[]).unwrap_err().contains("AWS itself"));
        let both = [
            ("AWS_ENDPOINT_URL_DYNAMODB", "https://dynamodb.example.com"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:8000"),
        ];
        assert!(with(&both).is_err());
        let ignored = [
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ];
        assert!(with(&ignored).unwrap_err().contains("AWS itself"));
    }
}
