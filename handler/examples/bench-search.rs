//! Issue 23's benchmark of the Inkorg's searches (BENCHMARKS.md, "Issue 23: search by key"):
//! 100 000 cases of one network company on DynamoDB Local, written as ready items with
//! BatchWriteItem, then each search through the store as the API calls it (a page of 50): by
//! a whole case number, a whole anläggnings-ID, one small firm, one large firm, and by part of
//! an address. For each: the time of an answer (median and slowest of the runs) and the items
//! DynamoDB read for it (a Query's ScannedCount, a GetItem's item), counted by an interceptor
//! on the SDK client. Then the same searches on SQLite (in memory) at the same size.
//!
//!     scripts/bench-search [--cases 100000] [--runs 20]
//!
//! (which starts and stops its own DynamoDB Local); or, with DynamoDB Local's environment set,
//! `cargo run -p handler --example bench-search -- --cases 100000 --runs 20`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use forms::formats::complete_gsrn;
use forms::{Case, Definitions, Status};
use handler::store::dynamodb::{DynamoStore, case_items, create_table};
use handler::store::sqlite::SqliteStore;
use handler::store::{CaseQuery, CaseStore, PageRequest};
use time::macros::datetime;

const COMPANY: &str = "oresundskraft";
/// Of every 100 cases: drafts, waiting for the company, returned, approved; the rest closed.
const MIX: [(Status, usize); 5] = [
    (Status::Draft, 5),
    (Status::Submitted, 3),
    (Status::Returned, 2),
    (Status::Approved, 20),
    (Status::Closed, 70),
];
/// The firm with only a few cases among all of them: a rare match.
const SMALL_FIRM: &str = "liten_el";
const SMALL_FIRM_CASES: usize = 5;
/// The other cases' firms, in turn.
const FIRMS: usize = 300;

/// Items DynamoDB read for the calls made since the last reset.
#[derive(Debug, Clone, Default)]
struct Reads {
    items: Arc<AtomicU64>,
    calls: Arc<AtomicU64>,
}

impl Intercept for Reads {
    fn name(&self) -> &'static str {
        "Reads"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(output) = context.output_or_error() {
            let items = if let Some(query) = output.downcast_ref::<QueryOutput>() {
                u64::try_from(query.scanned_count()).unwrap_or_default()
            } else if let Some(get) = output.downcast_ref::<GetItemOutput>() {
                u64::from(get.item().is_some())
            } else {
                0
            };
            self.items.fetch_add(items, Ordering::Relaxed);
            self.calls.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

impl Reads {
    fn take(&self) -> (u64, u64) {
        (self.items.swap(0, Ordering::Relaxed), self.calls.swap(0, Ordering::Relaxed))
    }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a whole number"))
        .unwrap_or(default)
}

fn ean(i: usize) -> String {
    complete_gsrn(&format!("73599910{i:09}"))
}

fn number(i: usize) -> String {
    format!("ÖK-2026-{:05}", i + 1)
}

/// The `i`-th case: its status by [`MIX`], its firm in turn (the small firm's now and then).
fn case(i: usize, count: usize) -> Case {
    let form = Definitions::builtin().form(COMPANY, "fuse_change").expect("the built-in form");
    let job_type = form.installation_type.job_types[0].id.clone();
    let at = datetime!(2026-01-01 08:00 UTC) + Duration::from_secs(i as u64 * 60);
    let small = i % (count / SMALL_FIRM_CASES) == 7;
    let firm = if small { SMALL_FIRM.to_string() } else { format!("firm_{:03}", i % FIRMS) };
    let mut case = Case::new_draft(
        format!("{COMPANY}.{i:08}"),
        number(i),
        &form,
        job_type,
        "helsingborg".into(),
        firm,
        format!("user-{}", i % 1000),
        at,
    );
    let mut slot = i % 100;
    case.status = MIX
        .iter()
        .find(|(_, share)| {
            let here = slot < *share;
            slot = slot.saturating_sub(*share);
            here
        })
        .map(|(status, _)| *status)
        .unwrap_or(Status::Closed);
    if case.status != Status::Draft {
        case.submitted_at = Some(at + Duration::from_secs(600));
    }
    for (field, value) in [
        ("installation.ean", ean(i)),
        ("installation.street_address", format!("Storgatan {i}")),
        ("installation.postal_code", format!("25{:03}", i % 1000)),
        ("installation.city", "Helsingborg".to_string()),
        ("owner.name", format!("Kund {i}")),
        ("owner.email", format!("kund{i}@example.se")),
        ("note", "Byte av huvudsäkring från 16 A till 20 A.".to_string()),
    ] {
        case.fields.insert(field.into(), value);
    }
    case
}

async fn seed_dynamodb(client: &Client, table: &str, count: usize) {
    let started = Instant::now();
    let mut requests = Vec::with_capacity(count * 2);
    for i in 0..count {
        for item in case_items(&case(i, count)).expect("the items of a case") {
            let put = PutRequest::builder().set_item(Some(item)).build().expect("a put");
            requests.push(WriteRequest::builder().put_request(put).build());
        }
    }
    let batches: Vec<Vec<WriteRequest>> = requests.chunks(25).map(<[_]>::to_vec).collect();
    let batches = Arc::new(std::sync::Mutex::new(batches));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, table, batches) = (client.clone(), table.to_string(), Arc::clone(&batches));
        workers.spawn(async move {
            loop {
                let Some(mut batch) = batches.lock().unwrap().pop() else { return };
                while !batch.is_empty() {
                    let output = client
                        .batch_write_item()
                        .request_items(&table, batch)
                        .send()
                        .await
                        .expect("BatchWriteItem");
                    batch = output
                        .unprocessed_items
                        .and_then(|mut left| left.remove(&table))
                        .unwrap_or_default();
                }
            }
        });
    }
    workers.join_all().await;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "DynamoDB Local: {count} cases written in {seconds:.0} s ({:.0} cases/s)",
        count as f64 / seconds
    );
}

/// The searches measured: a name and its query.
fn searches(count: usize, runs: usize) -> Vec<(String, Vec<CaseQuery>)> {
    let text = |t: String| CaseQuery { text: Some(t.to_lowercase()), ..CaseQuery::default() };
    let firm = |f: &str| CaseQuery {
        firms: Some(BTreeSet::from([f.to_string()])),
        ..CaseQuery::default()
    };
    // Sent cases spread over the whole company (i % 100 >= 5 is never a draft).
    let picks: Vec<usize> = (0..runs).map(|r| (r * 7919 + 5 + 11 * r) % count).collect();
    let sent: Vec<usize> = picks.iter().map(|i| i - i % 100 + 50).filter(|i| *i < count).collect();
    vec![
        ("by case number".into(), sent.iter().map(|&i| text(number(i))).collect()),
        ("by anläggnings-ID".into(), sent.iter().map(|&i| text(ean(i))).collect()),
        (format!("by one small firm ({SMALL_FIRM_CASES} cases)"), vec![firm(SMALL_FIRM); runs]),
        ("by one large firm, first page of 50".into(), vec![firm("firm_007"); runs]),
        ("by part of an address (scan)".into(), vec![text(format!("Storgatan {}", count - 51)); 3]),
    ]
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:.1} ms, slowest {:.1} ms",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    )
}

async fn measure<S: CaseStore>(store: &S, reads: Option<&Reads>, count: usize, runs: usize) {
    let page = PageRequest { limit: 50, after: None };
    // Untimed: the client's first connection, and the server's first answer.
    let warm_up =
        CaseQuery { text: Some(number(count / 2).to_lowercase()), ..CaseQuery::default() };
    store.company_cases(COMPANY, &warm_up, &page).await.expect("a page");
    for (name, queries) in searches(count, runs) {
        let (mut times, mut found, mut items, mut calls) = (Vec::new(), 0, 0, 0);
        for query in &queries {
            reads.map(Reads::take);
            let started = Instant::now();
            let answer = store.company_cases(COMPANY, query, &page).await.expect("a page");
            times.push(started.elapsed());
            found += answer.items.len();
            if let Some((i, c)) = reads.map(Reads::take) {
                items += i;
                calls += c;
            }
        }
        let n = queries.len() as f64;
        let reads = match reads {
            Some(_) => format!(
                ", {:.1} items read in {:.1} calls a search",
                items as f64 / n,
                calls as f64 / n
            ),
            None => String::new(),
        };
        println!(
            "  {name}: {} over {} searches, {:.1} cases found a search{reads}",
            summary(times),
            queries.len(),
            found as f64 / n
        );
    }
}

#[tokio::main]
async fn main() {
    let (count, runs) = (arg("--cases", 100_000), arg("--runs", 20));
    let shared = aws_config::load_from_env().await;
    let seeding = Client::new(&shared);
    let table = format!("bench-search-{}", uuid::Uuid::new_v4().simple());
    create_table(&seeding, &table).await.expect("the table");
    seed_dynamodb(&seeding, &table, count).await;

    let reads = Reads::default();
    let config =
        aws_sdk_dynamodb::config::Builder::from(&shared).interceptor(reads.clone()).build();
    let store = DynamoStore::new(Client::from_conf(config), &table);
    println!("DynamoDB Local, {count} cases of one company, a page of 50:");
    measure(&store, Some(&reads), count, runs).await;
    seeding.delete_table().table_name(&table).send().await.expect("the table removed");

    let sqlite = SqliteStore::open_in_memory().expect("sqlite");
    let started = Instant::now();
    for i in 0..count {
        sqlite.create_case(&case(i, count)).await.expect("a case");
    }
    println!(
        "SQLite (in memory): {count} cases written in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    println!("SQLite (in memory), {count} cases of one company, a page of 50:");
    measure(&sqlite, None, count, runs).await;
}
