//! A case under a newer version of its company's definitions (docs/definitions.md,
//! "Versions"): a case is checked, shown and decided by the version it was made or last edited
//! under, and a draft or a returned case moves to the published version when the installer
//! edits it, told what changed.

use time::OffsetDateTime;

use super::{Action, Case, Role, TransitionError};
use crate::definitions::DefinitionChange;
use crate::form::Form;

impl Case {
    /// Moves the case to the definitions of `form` (its company and installation type in the
    /// newer version, from [`crate::Definitions::case_form`]), whose changes from the case's
    /// version are `changes` ([`crate::definitions::changes`]). Every stored value is kept,
    /// those of fields the form no longer has too; the history names the version and the
    /// changes of the case's installation type. `Ok(false)`: it has that version already.
    /// Part of the edit that moves it: the caller stores both in one write, which touches the
    /// case (the version of the case moves once). Only an editable case moves: a sent case
    /// stays with the version it was sent under.
    pub fn move_to_version(
        &mut self,
        form: &Form,
        changes: &[DefinitionChange],
        by: &str,
        at: OffsetDateTime,
    ) -> Result<bool, TransitionError> {
        let to = Action::DefinitionsUpdated.transition(self.status, Role::Installer)?;
        let version = form.company.definitions_version;
        if version == self.definitions_version {
            return Ok(false);
        }
        let mine: Vec<&str> = changes
            .iter()
            .filter(|c| c.installation_type.as_deref() == Some(self.installation_type.as_str()))
            .map(|c| c.text.as_str())
            .collect();
        let mut message = format!("Anmälan följer nu version {version} av nätbolagets formulär.");
        if mine.is_empty() {
            message.push_str(&format!(" Inget ändras för {}.", form.installation_type.name));
        }
        for text in mine {
            message.push_str(&format!("\n– {text}"));
        }
        self.definitions_version = version;
        self.record(at, by, Some(Role::Installer), Action::DefinitionsUpdated, to, Some(message));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Status, test_draft};
    use crate::definitions::{Definitions, changes, oresundskraft_version as version};

    const AT: OffsetDateTime = time::macros::datetime!(2026-05-04 10:00 UTC);

    /// Version 2: the meter's place is a new mandatory field of every form, and the
    /// Situationsplan is gone.
    fn version_2() -> Definitions {
        version(2, |text| {
            let text =
                text.replace("\"owner.phone\"]", "\"owner.phone\", \"installation.meter_place\"]");
            let plan = text.find("[[field]]\nid = \"work.site_plan\"").unwrap();
            let photos = text.find("[[field]]\nid = \"completion.photos\"").unwrap();
            format!(
                "{}{}[[field]]\nid = \"installation.meter_place\"\nlabel = \"Elmätarens \
                 placering\"\ntype = \"text\"\n",
                &text[..plan],
                &text[photos..]
            )
        })
    }

    #[test]
    fn a_draft_moves_to_the_new_version_keeping_its_values_and_naming_the_changes() {
        let (old, new) = (Definitions::builtin(), version_2());
        let mut case = test_draft(AT);
        case.fields.insert("work.description".into(), "Ny säkring".into());
        // A value of a field no version has any more.
        case.fields.insert("work.old_note".into(), "kvar från förr".into());
        let fields = case.fields.clone();
        let form = new.case_form("oresundskraft", "fuse_change").unwrap();
        let changes = changes(old, &new, "oresundskraft");
        let later = AT + time::Duration::hours(1);

        assert_eq!(case.move_to_version(&form, &changes, "anna", later), Ok(true));

        assert_eq!(case.definitions_version, 2);
        assert_eq!(case.fields, fields, "every value is kept, the removed field's too");
        assert_eq!((case.status, case.version), (Status::Draft, 1), "the edit touches it");
        let step = case.history.last().unwrap();
        assert_eq!(step.action, Action::DefinitionsUpdated);
        assert_eq!((step.by.as_str(), step.role, step.at), ("anna", Some(Role::Installer), later));
        assert_eq!((step.from, step.to), (Some(Status::Draft), Status::Draft));
        assert_eq!(
            step.message.as_deref(),
            Some(
                "Anmälan följer nu version 2 av nätbolagets formulär.\n\
                 – Säkringsändring: nytt obligatoriskt fält \"Elmätarens placering\".\n\
                 – Säkringsändring: fältet \"Situationsplan\" tas bort (värden i befintliga \
                 ärenden sparas)."
            ),
            "only the changes of its own installation type"
        );
        // The new field is now required, by the form validation uses.
        let problems = case.submit_problems(&form);
        assert!(problems.iter().any(|p| p.field == "installation.meter_place"), "{problems:?}");

        // Moved already: nothing more happens.
        let steps = case.history.len();
        assert_eq!(case.move_to_version(&form, &changes, "anna", later), Ok(false));
        assert_eq!(case.history.len(), steps);
    }

    #[test]
    fn a_move_without_changes_of_its_type_says_so() {
        // Only Servisändring changes.
        let new = version(3, |text| {
            text.replace(
                "id = \"service_change\"\nmandatory = [\"work.planned_start\"]",
                "id = \"service_change\"\nmandatory = []",
            )
        });
        let changes = changes(Definitions::builtin(), &new, "oresundskraft");
        assert_eq!(changes.len(), 1, "{changes:?}");
        let mut case = test_draft(AT);
        let form = new.case_form("oresundskraft", "fuse_change").unwrap();
        assert_eq!(case.move_to_version(&form, &changes, "anna", AT), Ok(true));
        assert_eq!(
            case.history.last().unwrap().message.as_deref(),
            Some(
                "Anmälan följer nu version 3 av nätbolagets formulär. Inget ändras för Säkringsändring."
            )
        );
    }

    #[test]
    fn a_returned_case_moves_and_a_sent_one_never_does() {
        let new = version_2();
        let form = new.case_form("oresundskraft", "fuse_change").unwrap();
        let changes = changes(Definitions::builtin(), &new, "oresundskraft");
        for (status, moves) in [
            (Status::Draft, true),
            (Status::Returned, true),
            (Status::Submitted, false),
            (Status::Approved, false),
            (Status::Completed, false),
            (Status::Closed, false),
            (Status::Rejected, false),
            (Status::Withdrawn, false),
        ] {
            let mut case = test_draft(AT);
            case.status = status;
            let before = case.clone();
            let moved = case.move_to_version(&form, &changes, "anna", AT);
            if moves {
                assert_eq!(moved, Ok(true), "{status:?}");
                assert_eq!(case.definitions_version, 2);
                assert_eq!(case.status, status);
            } else {
                assert_eq!(
                    moved,
                    Err(TransitionError::WrongStatus {
                        action: Action::DefinitionsUpdated,
                        status
                    }),
                    "{status:?}"
                );
                assert_eq!(case, before, "{status:?}: nothing changes");
            }
        }
    }
}
