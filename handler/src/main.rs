//! `handler`: the AWS Lambda function when `AWS_LAMBDA_RUNTIME_API` is set, else a command line
//! (CONTRACT.md section 1).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use forms::{Definitions, Role};
use handler::app::{AppState, router};
use handler::auth::{Auth, LocalKey};
use handler::store::dynamodb::{self, DynamoStore};
use handler::store::sqlite::SqliteStore;
use handler::store::{RegistryStore, Store};
use handler::{demo, local, registry_import};
use site::SignIn;

#[derive(Parser)]
#[command(name = "handler", about = "Elanmälan: API, local server and tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (and the site, when built) on one origin.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Create the DynamoDB table with its indexes.
    CreateTable {
        #[arg(long, default_value = "elanmalan", env = "ELANMALAN_TABLE")]
        table: String,
    },
    /// Load a network company's installation registry from CSV.
    ImportRegistry {
        #[arg(long)]
        company: String,
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print a signed token for local mode.
    Token {
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long)]
        org: String,
        #[arg(long, default_value = "user")]
        sub: String,
        #[arg(long)]
        name: Option<String>,
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

fn main() -> ExitCode {
    let lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    init_tracing(lambda);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let result =
        if lambda { runtime.block_on(run_lambda()) } else { runtime.block_on(run(Cli::parse())) };
    match result {
        Ok(code) => code,
        Err(reason) => {
            eprintln!("handler: {reason}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(lambda: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,aws_config=warn,aws_smithy_runtime=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if lambda {
        builder.json().without_time().init();
    } else {
        builder.compact().init();
    }
}

/// Lambda mode: DynamoDB table from `TABLE_NAME`, identity from API Gateway's authorizer.
async fn run_lambda() -> Result<ExitCode, Failure> {
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set".to_string())?;
    let store = DynamoStore::new(dynamodb_client().await, table);
    let app = router(AppState::new(store, Auth::ApiGateway));
    lambda_http::run(app).await.map_err(|e| format!("lambda runtime: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

async fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    let config = aws_config::load_from_env().await;
    aws_sdk_dynamodb::Client::new(&config)
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Serve { addr, store } => {
            let key = local_key(&store.data_dir)?;
            match store.store {
                StoreKind::Sqlite => serve(open_sqlite(&store.data_dir)?, key, &addr, &store).await,
                StoreKind::Dynamodb => {
                    let s = DynamoStore::new(dynamodb_client().await, store.table.clone());
                    serve(s, key, &addr, &store).await
                }
            }
        }
        Command::CreateTable { table } => {
            dynamodb::create_table(&dynamodb_client().await, &table).await?;
            println!("Table {table} is ready.");
            Ok(ExitCode::SUCCESS)
        }
        Command::ImportRegistry { company, file, store } => match store.store {
            StoreKind::Sqlite => import(open_sqlite(&store.data_dir)?, &company, &file).await,
            StoreKind::Dynamodb => {
                let s = DynamoStore::new(dynamodb_client().await, store.table.clone());
                import(s, &company, &file).await
            }
        },
        Command::Token { role, org, sub, name, data_dir } => {
            let role = match role {
                RoleArg::Installer => Role::Installer,
                RoleArg::NetworkCompany => Role::NetworkCompany,
            };
            println!("{}", local_key(&data_dir)?.mint(role, &org, &sub, name.as_deref()));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn local_key(data_dir: &Path) -> Result<LocalKey, Failure> {
    LocalKey::load_or_create(data_dir).map_err(|e| {
        format!("cannot read or create the signing key in {}: {e}", data_dir.display())
    })
}

fn open_sqlite(data_dir: &Path) -> Result<SqliteStore, Failure> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let path = data_dir.join("elanmalan.sqlite3");
    SqliteStore::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))
}

async fn serve<S: Store>(
    store: S,
    key: LocalKey,
    addr: &str,
    args: &StoreArgs,
) -> Result<ExitCode, Failure> {
    // A store that is down must not keep the server from starting: it answers 503 with
    // Retry-After until the store is back, and the demo registry is seeded on a later start.
    if let Err(reason) = seed_demo_registry(&store).await {
        tracing::warn!(%reason, "could not seed the demo registry; serving without it");
    }
    // Anyone who reaches the demo sign-in is signed in, so it stays on this machine.
    let socket: std::net::SocketAddr = addr
        .parse()
        .map_err(|_| format!("--addr {addr}: give an address such as 127.0.0.1:8080"))?;
    if !socket.ip().is_loopback() {
        return Err(format!(
            "--addr {addr}: handler serve signs anyone in as a demo user, so it listens only on \
             loopback addresses (127.0.0.1, ::1)"
        ));
    }
    // The site is rebuilt from the definitions on every start, so it always matches them.
    let site_dir = args.data_dir.join("site");
    site::build(Definitions::builtin(), &SignIn::Local)
        .and_then(|built| built.write_to(&site_dir))
        .map_err(|e| format!("cannot build the site: {e}"))?;
    let key = Arc::new(key);
    let app = local::with_site(router(AppState::new(store, key.auth())), key.clone(), &site_dir);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    print_welcome(&url, &key, args);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Seeds each company's demo registry unless it has installations already.
async fn seed_demo_registry<S: RegistryStore>(store: &S) -> Result<(), Failure> {
    for (position, company) in Definitions::builtin().companies.iter().enumerate() {
        let count = store.installation_count(&company.id).await.map_err(|e| e.to_string())?;
        if count == 0 {
            let rows = demo::installations(company, position);
            store.put_installations(&company.id, &rows).await.map_err(|e| e.to_string())?;
            tracing::info!(company = %company.id, installations = rows.len(), "demo registry seeded");
        }
    }
    Ok(())
}

fn print_welcome(url: &str, key: &LocalKey, args: &StoreArgs) {
    let store = match args.store {
        StoreKind::Sqlite => format!("SQLite in {}", args.data_dir.display()),
        StoreKind::Dynamodb => format!("DynamoDB table {}", args.table),
    };
    println!("Elanmälan is running at {url}  (store: {store}; stop with Ctrl+C)");
    println!("API: {url}/api/v1  (OpenAPI: {url}/api/v1/openapi.json)");
    println!();
    println!("Open {url}/ in a browser and choose a demo user to sign in. For the API, use one of");
    println!("these tokens (valid 12 hours; Authorization: Bearer <token>):");
    for user in &demo::DEMO_USERS {
        println!("  {}:", user.name);
        println!("    {}", key.mint(user.role, user.org, user.user, Some(user.name)));
    }
    let defs = Definitions::builtin();
    // The seeded registry numbers its meters by the company's position among all companies.
    if let Some((position, company)) =
        defs.companies.iter().enumerate().find(|(_, c)| c.id == "oresundskraft")
    {
        let first = &demo::installations(company, position)[0];
        println!();
        println!(
            "Demo installation at Öresundskraft: Anläggnings-ID (EAN) {}, Mätarnummer {}.",
            first.ean, first.meter_number
        );
    }
    println!("Try: curl -H \"Authorization: Bearer <token>\" {url}/api/v1/forms");
}

async fn import<S: RegistryStore>(
    store: S,
    company_id: &str,
    file: &Path,
) -> Result<ExitCode, Failure> {
    let defs = Definitions::builtin();
    let company = defs.company(company_id).ok_or_else(|| {
        let known: Vec<&str> = defs.companies.iter().map(|c| c.id.as_str()).collect();
        format!("unknown network company {company_id}; use one of: {}", known.join(", "))
    })?;
    let input =
        std::fs::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let plan =
        registry_import::plan(input, company).map_err(|e| format!("{}: {e}", file.display()))?;
    for line in plan.report() {
        eprintln!("{line}");
    }
    let progress = indicatif::ProgressBar::new(plan.good.len() as u64);
    for chunk in plan.good.chunks(500) {
        store.put_installations(&company.id, chunk).await.map_err(|e| e.to_string())?;
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    println!(
        "{} anläggningar importerade till {}, {} rader refuserade.",
        plan.good.len(),
        company.name,
        plan.refused.len()
    );
    Ok(if plan.refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
