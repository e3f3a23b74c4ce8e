//! `handler import-registry`: reads a network company's registry CSV (CONTRACT.md section 3),
//! refuses every bad row by its line number and writes every good one.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use forms::definitions::Company;
use forms::{Definitions, Installation, REGISTRY_COLUMNS};

use super::Failure;
use crate::store::RegistryStore;

/// Rows written to the store at a time.
const CHUNK: usize = 500;

pub(super) async fn import<S: RegistryStore>(
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
    let plan = plan(input, company).map_err(|e| format!("{}: {e}", file.display()))?;
    for line in plan.report() {
        eprintln!("{line}");
    }
    let progress = indicatif::ProgressBar::new(plan.good.len() as u64);
    for chunk in plan.good.chunks(CHUNK) {
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

/// The rows of a CSV file, sorted into those to write and those refused.
#[derive(Debug, Default)]
pub struct ImportPlan {
    pub good: Vec<Installation>,
    /// `(line, reason)`; the reason is Swedish, for the network company's staff.
    pub refused: Vec<(u64, String)>,
}

impl ImportPlan {
    /// One line per refused row: "rad 5: ...".
    pub fn report(&self) -> Vec<String> {
        self.refused.iter().map(|(line, reason)| format!("rad {line}: {reason}")).collect()
    }
}

/// Why the file as a whole cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("rad 1: kolumnerna ska vara {expected}; {problem}")]
    Header { expected: String, problem: String },
    #[error("filen kan inte läsas: {0}")]
    Unreadable(String),
}

/// Reads and checks every row of `input` for `company`.
pub fn plan(input: impl Read, company: &Company) -> Result<ImportPlan, ImportError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
    let headers = reader.headers().map_err(|e| ImportError::Unreadable(e.to_string()))?.clone();
    let found: Vec<&str> = headers.iter().map(str::trim).collect();
    if found != REGISTRY_COLUMNS {
        let missing: Vec<&str> =
            REGISTRY_COLUMNS.iter().copied().filter(|c| !found.contains(c)).collect();
        let unknown: Vec<&str> =
            found.iter().copied().filter(|c| !REGISTRY_COLUMNS.contains(c)).collect();
        let problem = match (missing.is_empty(), unknown.is_empty()) {
            (false, _) => format!("{} saknas", missing.join(", ")),
            (true, false) => format!("{} är okända", unknown.join(", ")),
            (true, true) => "de står i fel ordning".to_string(),
        };
        return Err(ImportError::Header { expected: REGISTRY_COLUMNS.join(","), problem });
    }

    let mut plan = ImportPlan::default();
    let mut eans: HashMap<String, u64> = HashMap::new();
    let mut meters: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                plan.refused.push((line, "raden kan inte läsas som CSV (citattecken?)".into()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != REGISTRY_COLUMNS.len() {
            plan.refused.push((
                line,
                format!("raden har {} kolumner, ska ha {}", record.len(), REGISTRY_COLUMNS.len()),
            ));
            continue;
        }
        let row: Installation = match record.deserialize(Some(&headers)) {
            Ok(row) => Installation::trimmed(row),
            Err(e) => {
                plan.refused.push((line, format!("raden kan inte läsas: {e}")));
                continue;
            }
        };
        let mut problems = row.problems(company);
        if let Some(first) = eans.get(&row.ean) {
            problems.push(format!("samma ean som rad {first}"));
        }
        if let Some(first) = meters.get(&row.meter_number).filter(|_| !row.meter_number.is_empty())
        {
            problems.push(format!("samma meter_number som rad {first}"));
        }
        if problems.is_empty() {
            eans.insert(row.ean.clone(), line);
            meters.insert(row.meter_number.clone(), line);
            plan.good.push(row);
        } else {
            plan.refused.push((line, problems.join("; ")));
        }
    }
    Ok(plan)
}
