//! `handler import-registry`: reads a network company's registry CSV (docs/design.md, section 6.3),
//! refuses every bad row by its line number and column and writes every good one; with
//! `--replace`, removes the installations the file lacks.

use std::collections::{BTreeSet, HashMap};
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
    replace: bool,
) -> Result<ExitCode, Failure> {
    let defs = Definitions::builtin();
    let company = defs.company(company_id).ok_or_else(|| {
        let known: Vec<&str> = defs.companies.iter().map(|c| c.id.as_str()).collect();
        format!("unknown network company {company_id}; use one of: {}", known.join(", "))
    })?;
    let input =
        std::fs::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let plan = plan(input, company, defs).map_err(|e| format!("{}: {e}", file.display()))?;
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
    // A registry export is the whole truth: with --replace, what it lacks is removed, but only
    // when every row was read. A refused row's installation would otherwise be lost.
    if replace {
        if plan.refused.is_empty() {
            let keep: BTreeSet<String> = plan.good.iter().map(|row| row.ean.clone()).collect();
            let removed = store
                .remove_installations_except(&company.id, &keep)
                .await
                .map_err(|e| e.to_string())?;
            println!("{removed} anläggningar som inte finns i filen togs bort.");
        } else {
            println!(
                "Inga anläggningar togs bort, eftersom rader refuserades: rätta dem och \
                 importera filen igen."
            );
        }
    }
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
pub fn plan(
    mut input: impl Read,
    company: &Company,
    definitions: &Definitions,
) -> Result<ImportPlan, ImportError> {
    // The whole file, so that a row's line is counted from its bytes: the CSV reader counts
    // lines its own way, which is one short for every CRLF line break before the row.
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let mut lines = LineCounter::new(&bytes);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes.as_slice());
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
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                plan.refused.push((line, "raden kan inte läsas som CSV (citattecken?)".into()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        if record.len() != REGISTRY_COLUMNS.len() {
            plan.refused.push((
                line,
                format!("raden har {} kolumner, ska ha {}", record.len(), REGISTRY_COLUMNS.len()),
            ));
            continue;
        }
        let row: Installation = match record.deserialize(Some(&headers)) {
            Ok(row) => Installation::trimmed(row),
            Err(_) => {
                plan.refused.push((line, "raden kan inte läsas".into()));
                continue;
            }
        };
        let mut problems = row.problems(company, definitions);
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

/// The line of a record that begins at a byte offset, counting `\n` (so LF and CRLF alike), for
/// offsets that only grow: one pass over the file in all. The CSV reader may place a record at
/// the `\n` of the CRLF before it; a record never begins with a line break, so those are skipped.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter { bytes, offset: 0, line: 1 }
    }

    fn at(&mut self, offset: u64) -> u64 {
        let mut offset = usize::try_from(offset).unwrap_or(usize::MAX).min(self.bytes.len());
        while matches!(self.bytes.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        if offset > self.offset {
            let newlines = self.bytes[self.offset..offset].iter().filter(|b| **b == b'\n').count();
            self.line += newlines as u64;
            self.offset = offset;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_alike_with_lf_and_crlf() {
        let bytes = b"a\r\nb\r\n\"c\r\nd\"\r\ne\nf";
        let mut lines = LineCounter::new(bytes);
        assert_eq!(lines.at(0), 1);
        assert_eq!(lines.at(2), 2, "at the \\n of a CRLF: the record begins after it");
        assert_eq!(lines.at(3), 2);
        assert_eq!(lines.at(6), 3);
        assert_eq!(lines.at(14), 5, "a line break inside quotes counts too");
        assert_eq!(lines.at(16), 6);
        assert_eq!(lines.at(1000), 6);
    }
}
