//! `handler serve --definitions DIR --watch`: when a file in the folder changes, the definitions
//! are read again and the site rebuilt; good ones replace what is served, broken ones are
//! reported and the last good ones go on being served. Open pages learn of both through the
//! live preview (`local::preview`), the terminal through one line per reload.
//!
//! The folder is polled (sizes and modification times every 300 ms) rather than watched with
//! the `notify` crate: it holds at most a few hundred small files, so a poll costs well under a
//! millisecond; it needs no dependency; and it sees every way a file changes alike, which
//! event-based watching does not (editors that save by renaming a new file over the old one,
//! file systems of containers and network shares that send no events).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use forms::Definitions;
use forms::definitions::DefinitionErrors;
use site::SignIn;

use crate::definitions::LiveDefinitions;
use crate::local::{LiveSite, Preview};
use crate::store::CaseStore;

const POLL: Duration = Duration::from_millis(300);

/// What the folder's files look like: `(relative path, size, modified)`, or why they cannot be
/// listed.
type Stamp = Result<Vec<(String, u64, Option<SystemTime>)>, String>;

fn stamp(dir: &Path) -> Stamp {
    let files = definition_files::list(dir).map_err(|e| e.to_string())?;
    Ok(files
        .into_iter()
        .map(|(rel, path)| {
            let meta = std::fs::metadata(&path).ok();
            (rel, meta.as_ref().map_or(0, |m| m.len()), meta.and_then(|m| m.modified().ok()))
        })
        .collect())
}

pub struct Watcher {
    dir: PathBuf,
    last: Stamp,
}

impl Watcher {
    /// Takes the folder's stamp now: a change from here on is a change.
    pub fn new(dir: PathBuf) -> Self {
        let last = stamp(&dir);
        Watcher { dir, last }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Polls the folder for as long as the server runs. `store` holds the cases whose
    /// companies and choices must not disappear unannounced (`crate::in_use`).
    pub async fn run<S: CaseStore + Clone + 'static>(
        mut self,
        store: S,
        definitions: LiveDefinitions,
        site: LiveSite,
        preview: Preview,
    ) {
        let mut changed = false;
        loop {
            tokio::time::sleep(POLL).await;
            let dir = self.dir.clone();
            let now = tokio::task::spawn_blocking(move || stamp(&dir)).await.expect("no panic");
            if now != self.last {
                // Reload once the files have stayed the same for one poll: an editor may
                // write a file in several steps, or several files at once.
                self.last = now;
                changed = true;
                continue;
            }
            if !std::mem::take(&mut changed) {
                continue;
            }
            let started = Instant::now();
            let dir = self.dir.clone();
            let read = tokio::task::spawn_blocking(move || crate::definitions::read_folder(&dir))
                .await
                .expect("no panic");
            let reloaded = match read {
                Ok((new, sources)) => {
                    let warnings = warnings(&store, &new).await;
                    let (dir, live) = (self.dir.clone(), definitions.clone());
                    tokio::task::spawn_blocking(move || swap(&dir, &live, sources))
                        .await
                        .expect("no panic")
                        .map(|built| (built, warnings))
                }
                Err(problems) => Err(problems),
            };
            match reloaded {
                Ok(((new, built), warnings)) => {
                    let (companies, forms) = (new.companies.len(), new.forms().count());
                    site.replace(built);
                    for warning in &warnings {
                        println!("varning: {warning}");
                    }
                    preview.reloaded(Vec::new(), warnings);
                    println!(
                        "definitionerna lästes om: {companies} nätbolag ({forms} formulär, {} ms)",
                        started.elapsed().as_millis()
                    );
                }
                Err(problems) => {
                    println!("{}", super::problem_report(&problems, &self.dir));
                    println!(
                        "definitionerna lästes inte om: de senaste fungerande visas tills felen \
                         är rättade"
                    );
                    preview.reloaded(problems.0.iter().map(ToString::to_string).collect(), vec![]);
                }
            }
        }
    }
}

/// What the store's cases use that `new` no longer has, in Swedish. A store that cannot be
/// read is logged, not a reason to keep the old definitions.
async fn warnings<S: CaseStore>(store: &S, new: &Definitions) -> Vec<String> {
    match crate::in_use::lost(store, new).await {
        Ok(lost) => lost.iter().map(crate::in_use::Lost::message).collect(),
        Err(e) => {
            tracing::warn!(reason = %e, "could not count the cases the definitions' ids use");
            Vec::new()
        }
    }
}

/// Serves the definitions of `sources` (with the versions companies published) and builds the
/// site from them; the definitions served and the site.
fn swap(
    dir: &Path,
    live: &LiveDefinitions,
    sources: Vec<forms::definitions::Source>,
) -> Result<(std::sync::Arc<Definitions>, site::Site), DefinitionErrors> {
    live.replace_shipped(&dir.display().to_string(), sources);
    let definitions = live.current();
    let built = site::build(&definitions, &SignIn::Local).map_err(|e| {
        DefinitionErrors::single(
            dir.display().to_string(),
            format!("webbplatsen kan inte byggas: {e}"),
        )
    })?;
    Ok((definitions, built))
}
