//! `installation_types.toml`: the installation types and their job types.

use std::collections::BTreeSet;

use super::{INSTALLATION_TYPES, Report, check_new_id};
use crate::definitions::format;
use crate::definitions::{InstallationType, JobType};

pub(super) fn check_installation_types(
    report: &mut Report,
    file: &format::InstallationTypesFile,
) -> Vec<InstallationType> {
    let mut seen = BTreeSet::new();
    let mut types = Vec::new();
    for def in &file.installation_types {
        if !check_new_id(report, INSTALLATION_TYPES, &def.id, "installationstyps-id", &mut seen) {
            continue;
        }
        let mut job_seen = BTreeSet::new();
        let job_types: Vec<JobType> = def
            .job_types
            .iter()
            .filter(|j| {
                check_new_id(report, INSTALLATION_TYPES, &j.id, "jobbtyps-id", &mut job_seen)
            })
            .map(|j| JobType { id: j.id.get_ref().clone(), name: j.name.clone() })
            .collect();
        if def.job_types.is_empty() {
            report.at_text(
                INSTALLATION_TYPES,
                &def.id,
                "installationstypen har ingen jobbtyp; lägg till minst en [[installation_type.job_type]]",
            );
        }
        types.push(InstallationType {
            id: def.id.get_ref().clone(),
            name: def.name.clone(),
            job_types,
        });
    }
    types
}
