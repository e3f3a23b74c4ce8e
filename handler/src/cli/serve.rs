//! `handler serve`: the site and the API on one loopback origin, with demo data.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use forms::Definitions;
use site::SignIn;

use super::watch::Watcher;
use super::{AttachmentArgs, Failure, FilesKind, StoreArgs, StoreKind};
use crate::definitions::LiveDefinitions;
use crate::http::{AppState, router};
use crate::local::{self, LiveSite, LocalKey, Preview, demo};
use crate::notify::{self, Mailer};
use crate::retention;
use crate::store::files::local::LinkedCases;
use crate::store::files::{Files, S3Files};
use crate::store::{FirmStore, RegistryStore, Store};

pub(super) struct Options<'a> {
    pub addr: String,
    pub store: &'a StoreArgs,
    pub attachments: &'a AttachmentArgs,
    pub definitions: LiveDefinitions,
    /// With `--watch`: the definitions folder, watched from before it was read.
    pub watcher: Option<Watcher>,
    pub limits: Limits,
}

/// What one client may hold of the server: without these, 300 half-sent requests held it open
/// and 20 000 connections filled its file limit (issue 19).
#[derive(clap::Args, Clone, Copy)]
pub(super) struct Limits {
    /// Seconds a client has to send a request's headers; a kept-alive connection idle for as
    /// long is closed too.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout: u64,
    /// Connections open at once; more wait, not accepted, until one closes.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
}

pub(super) async fn serve<S: Store>(
    store: S,
    key: LocalKey,
    options: Options<'_>,
) -> Result<ExitCode, Failure> {
    let Options { addr, store: args, attachments, definitions, watcher, limits } = options;
    if attachments.attachments == FilesKind::S3 && attachments.bucket.is_none() {
        return Err("--attachments s3 needs --bucket NAME (or ATTACHMENTS_BUCKET)".into());
    }
    // A store that is down must not keep the server from starting: it answers 503 with
    // Retry-After until the store is back, and the demo registry is seeded on a later start.
    if let Err(reason) = seed_demo_registry(&store, &definitions.current()).await {
        tracing::warn!(%reason, "could not seed the demo registry; serving without it");
    }
    if let Err(reason) = seed_demo_firms(&store).await {
        tracing::warn!(%reason, "could not seed the demo firms; serving without them");
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
    // The versions the companies published, before the site is built from them.
    if let Err(reason) = definitions.refresh(&store, true).await {
        tracing::warn!(%reason, "could not read the published definitions; serving the shipped ones");
    }
    let preview = watcher.is_some().then(Preview::default);
    // The site is built from the definitions on every start, so it always matches them. It is
    // built in the background while the API already answers; a page waits for it.
    let site = LiveSite::new(preview.clone());
    {
        let (definitions, site) = (definitions.current(), site.clone());
        tokio::task::spawn_blocking(move || match site::build(&definitions, &SignIn::Local) {
            Ok(built) => site.replace(built),
            Err(e) => {
                eprintln!("handler: cannot build the site: {e}");
                std::process::exit(1);
            }
        });
    }
    // The pages of the versions cases are pinned to, of each company that published one.
    {
        let mut state =
            AppState::new(store.clone(), key.auth()).with_definitions(definitions.clone());
        state.site_pages = Arc::new(site.clone());
        tokio::spawn(async move {
            let published = state.store.published_definitions().await.unwrap_or_default();
            for company in published.keys() {
                crate::http::replace_company_pages(&state, company).await;
            }
        });
    }
    let key = Arc::new(key);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let url = format!("http://{bound}");
    let mut state = AppState::new(store.clone(), key.auth()).with_definitions(definitions.clone());
    state.clients = Arc::new(local::clients::LocalIssuer);
    let tokens = local::clients::token_routes(store.clone(), key.clone());
    state.site_url = url.as_str().into();
    state.site_pages = Arc::new(site.clone());
    state.webhook_policy = crate::webhooks::Policy::AlsoLoopback;
    let files_dir = args.data_dir.join("attachments");
    let local_files = match (&attachments.attachments, &attachments.bucket) {
        (FilesKind::S3, Some(bucket)) => {
            state.files =
                Arc::new(Files::S3(S3Files::new(S3Files::client_from_env().await, bucket)));
            None
        }
        _ => {
            let files = Arc::new(
                key.local_files(files_dir.clone(), &url)
                    .map_err(|e| format!("cannot create {}: {e}", files_dir.display()))?,
            );
            state.files = Arc::new(Files::Local(files.clone()));
            Some(files)
        }
    };
    // The local file links ask the cases whether they still work.
    let local_files =
        local_files.map(|files| (files, Arc::new(state.clone()) as Arc<dyn LinkedCases>));
    // E-mails to the other side of a case become .eml files here.
    let mailer = Arc::new(Mailer::Files(args.data_dir.join("mail")));
    // Webhooks' events wait in the same outbox; a receiver may also be http://127.0.0.1:PORT.
    let hooks = Arc::new(crate::webhooks::Sender::new(state.webhook_policy)?);
    tokio::spawn(notify::deliver(store.clone(), mailer, hooks, state.mail_ready.clone()));
    // Personal data whose time is up goes now and once a day (docs/operations.md, "Retention").
    tokio::spawn(retention::sweep_daily(store.clone(), state.files.clone(), definitions.clone()));
    let app = local::with_site(
        router(state).merge(tokens),
        bound,
        key.clone(),
        definitions.clone(),
        local_files,
        site.clone(),
        preview.as_ref(),
    );
    let stop = stop_signal()?;
    print_welcome(&url, &key, args, &definitions.current());
    match &attachments.bucket {
        Some(bucket) if attachments.attachments == FilesKind::S3 => {
            println!("Attachments: S3 bucket {bucket}")
        }
        _ => println!("Attachments: {}", files_dir.display()),
    }
    if let (Some(watcher), Some(preview)) = (watcher, &preview) {
        println!("Watching {} for changes (live preview).", watcher.dir().display());
        tokio::spawn(watcher.run(store, definitions, site, preview.clone()));
    }
    let stop = {
        let preview = preview.clone();
        async move {
            stop.await;
            // Open pages' long polls end now, or they would hold the shutdown up.
            if let Some(preview) = preview {
                preview.stop();
            }
        }
    };
    serve_connections(listener, app, limits, stop).await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Serves `app` as `axum::serve` does (HTTP/1.1, upgrades, a graceful stop that lets open
/// requests finish), with [`Limits`]: hyper's header read timeout, which axum::serve does not
/// set, and a cap on open connections. A connection over the cap waits in the listen queue
/// rather than being refused, as a browser's extra connection in a burst should.
async fn serve_connections(
    mut listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    stop: impl std::future::Future<Output = ()>,
) {
    use axum::serve::Listener;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let open = Arc::new(tokio::sync::Semaphore::new(limits.max_connections as usize));
    let header_timeout = Duration::from_secs(limits.header_timeout);
    let (stopping, stopped) = tokio::sync::watch::channel(());
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        let accepted = async {
            let permit = open.clone().acquire_owned().await.expect("the semaphore is never closed");
            // axum's accept: an error such as EMFILE is logged and retried a second later.
            (permit, Listener::accept(&mut listener).await)
        };
        let (permit, (tcp, peer)) = tokio::select! {
            accepted = accepted => accepted,
            () = &mut stop => break,
        };
        // Without TCP_NODELAY a response written in two parts (headers, then body) waits for
        // the client's delayed ACK on a kept-alive connection: about 40 ms a request
        // (BENCHMARKS.md).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
        // Who is connected, for the caps on what anyone may ask without signing in (the
        // customer links' reads).
        let peer = axum::extract::ConnectInfo(peer);
        let service = TowerToHyperService::new(app.clone().layer(axum::Extension(peer)));
        let mut stopped = stopped.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            let connection = http.serve_connection(TokioIo::new(tcp), service).with_upgrades();
            tokio::pin!(connection);
            // Errors are the client's (a timeout, a reset, a malformed request): nothing to log.
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    drop(stopping);
    connections.join_all().await;
}

/// Ctrl-C (SIGINT), or SIGTERM as a service manager or `kill` sends it. The handlers are
/// installed at once, before the address is printed: a signal sent as soon as the server is
/// up must stop it cleanly, not kill it.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>, Failure> {
    use tokio::signal::unix::{SignalKind, signal};
    let listen = |kind| signal(kind).map_err(|e| format!("cannot listen for signals: {e}"));
    let mut interrupt = listen(SignalKind::interrupt())?;
    let mut terminate = listen(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Seeds each company's demo registry unless it has installations already.
async fn seed_demo_registry<S: RegistryStore>(
    store: &S,
    definitions: &Definitions,
) -> Result<(), Failure> {
    for (position, company) in definitions.companies.iter().enumerate() {
        let count = store.installation_count(&company.id).await.map_err(|e| e.to_string())?;
        if count == 0 {
            let rows = demo::installations(company, position);
            store.put_installations(&company.id, &rows).await.map_err(|e| e.to_string())?;
            tracing::info!(company = %company.id, installations = rows.len(), "demo registry seeded");
        }
    }
    Ok(())
}

/// Adds the demo firms with their demo users as members, unless the store has them already (a
/// member the demo admin removed stays removed).
async fn seed_demo_firms<S: FirmStore>(store: &S) -> Result<(), Failure> {
    let ids = demo::DEMO_FIRMS.iter().map(|f| f.id.to_string()).collect();
    let known = store.firms_by_id(&ids).await.map_err(|e| e.to_string())?;
    let now = time::OffsetDateTime::now_utc();
    for firm in demo::DEMO_FIRMS.iter().filter(|f| !known.iter().any(|k| k.id == f.id)) {
        for member in firm.members(now) {
            match store.add_firm_member(&member).await {
                Ok(()) | Err(crate::store::StoreError::AlreadyExists) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        // The firm last: until it is in the store, its members' claims are enough.
        store.put_firm(&firm.firm()).await.map_err(|e| e.to_string())?;
        tracing::info!(firm = %firm.id, "demo firm seeded");
    }
    Ok(())
}

fn print_welcome(url: &str, key: &LocalKey, args: &StoreArgs, defs: &Definitions) {
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
        println!("    {}", user.token(key));
    }
    // A case handler for every other company in the definitions, so that its Inkorg can be tried.
    for handler in demo::CompanyHandler::all(defs) {
        println!("  {}:", handler.name);
        println!("    {}", handler.token(key));
    }
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
    println!(
        "E-mails to installers and network companies: {}",
        args.data_dir.join("mail").display()
    );
}
