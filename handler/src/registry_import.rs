//! `handler import-registry`: reads a network company's registry CSV (CONTRACT.md section 3),
//! refuses every bad row by its line number and writes every good one.

use std::collections::HashMap;
use std::io::Read;

use forms::definitions::Company;
use forms::{Installation, REGISTRY_COLUMNS};

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
            Ok(row) => trimmed(row),
            Err(e) => {
                plan.refused.push((line, format!("raden kan inte läsas: {e}")));
                continue;
            }
        };
        let mut problems = row.problems(company);
        if let Some(first) = eans.get(&row.ean) {
            problems.push(format!("ean {} finns redan på rad {first}", row.ean));
        }
        if let Some(first) = meters.get(&row.meter_number).filter(|_| !row.meter_number.is_empty())
        {
            problems.push(format!("meter_number {} finns redan på rad {first}", row.meter_number));
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

fn trimmed(row: Installation) -> Installation {
    let t = |s: String| s.trim().to_string();
    Installation {
        ean: t(row.ean),
        meter_number: t(row.meter_number),
        technical_number: t(row.technical_number),
        street_address: t(row.street_address),
        postal_code: t(row.postal_code),
        city: t(row.city),
        property_designation: t(row.property_designation),
        network_area: t(row.network_area),
        main_fuse_a: t(row.main_fuse_a),
        owner_name: t(row.owner_name),
        owner_identity_number: t(row.owner_identity_number),
        owner_street_address: t(row.owner_street_address),
        owner_postal_code: t(row.owner_postal_code),
        owner_city: t(row.owner_city),
        owner_phone: t(row.owner_phone),
        owner_email: t(row.owner_email),
    }
}
