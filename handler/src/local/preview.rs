//! The live preview of `handler serve --definitions DIR --watch`, as the browser sees it: every
//! page loads `/_preview.js`, which asks `/_preview/events` for the definitions' generation and
//! reloads the page when it changes; while the definitions are broken it shows their problems
//! in a banner at the top of the page. None of this is in the built site, and none of it runs
//! without `--watch`.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tower_http::set_header::SetResponseHeaderLayer;

const SCRIPT: &str = include_str!("preview.js");

/// How long `/_preview/events?since=G` waits for a new generation before it answers the same.
const LONG_POLL: Duration = Duration::from_secs(25);

/// What the open pages are told.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Counts the reloads: good ones and broken ones alike.
    pub generation: u64,
    /// Each problem of the definitions as `file:line:column: message`; empty when they are good.
    pub problems: Vec<String>,
    /// Good definitions that drop what cases use (`crate::in_use`), in Swedish.
    pub warnings: Vec<String>,
}

/// The preview's state, shared by the folder's watcher (which changes it) and the routes.
#[derive(Clone)]
pub struct Preview {
    status: watch::Sender<Status>,
    /// Set when the server stops, so that no page's long poll holds the shutdown up.
    stopping: watch::Sender<bool>,
}

impl Default for Preview {
    fn default() -> Self {
        Preview {
            status: watch::Sender::new(Status::default()),
            stopping: watch::Sender::new(false),
        }
    }
}

impl Preview {
    pub fn generation(&self) -> u64 {
        self.status.borrow().generation
    }

    /// A new generation of the definitions, with their problems (none: they are good) and
    /// warnings.
    pub fn reloaded(&self, problems: Vec<String>, warnings: Vec<String>) {
        self.status.send_modify(|s| {
            s.generation += 1;
            s.problems = problems;
            s.warnings = warnings;
        });
    }

    /// Ends every waiting long poll, now and from now on.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// `/_preview.js` and `/_preview/events`. The server listens on loopback only.
    pub fn routes(&self) -> Router {
        Router::new()
            .route("/_preview.js", get(script))
            .route("/_preview/events", get(events))
            .with_state(self.clone())
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
    }
}

async fn script() -> ([(header::HeaderName, &'static str); 1], &'static str) {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT)
}

#[derive(Deserialize)]
struct Since {
    since: Option<u64>,
}

/// The status at once, or with `?since=G` as soon as the generation is no longer `G` (at most
/// [`LONG_POLL`] later, or when the server stops).
async fn events(State(preview): State<Preview>, Query(query): Query<Since>) -> Json<Status> {
    if let Some(since) = query.since {
        let mut status = preview.status.subscribe();
        let mut stopping = preview.stopping.subscribe();
        let _ = tokio::time::timeout(LONG_POLL, async {
            tokio::select! {
                _ = status.wait_for(|s| s.generation != since) => {}
                _ = stopping.wait_for(|stop| *stop) => {}
            }
        })
        .await;
    }
    Json(preview.status.borrow().clone())
}
