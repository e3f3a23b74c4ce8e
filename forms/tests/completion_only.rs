//! Jobs that need only a completion notice (`completion_only`): Öresundskraft's "Byte inom
//! samma säkringsområde" is filled in with its completion notice while a draft, and sending it
//! makes the case Färdiganmäld at once; every other job of the type waits for an approval.

mod common;

use common::*;
use forms::{Action, Case, CaseError, Form, FormPart, ProblemCode, Role, Status};
use time::OffsetDateTime;

const AT: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

fn draft(form: &Form, job_type: &str) -> Case {
    Case::new_draft(
        "c1".into(),
        "ÖK-2026-00001".into(),
        form,
        job_type.into(),
        "helsingborg".into(),
        "firm1".into(),
        "u1".into(),
        AT,
    )
}

#[test]
fn oresundskraft_declares_only_the_fuse_change_within_the_same_range() {
    let fuse = form("oresundskraft", "fuse_change");
    assert!(fuse.completion_only("same_fuse_range"));
    assert!(!fuse.completion_only("increase_main_fuse"));
    let service = form("oresundskraft", "service_change");
    assert!(!service.completion_only("same_fuse_range"), "another installation type");
    // A company that does not declare it has the job type as any other.
    let norr = forms::Definitions::builtin().form("exempelnat_norr", "service_change").unwrap();
    assert!(!norr.completion_only("move_service"));
}

#[test]
fn the_completion_notice_is_filled_in_with_the_draft() {
    let form = form("oresundskraft", "fuse_change");
    let only = draft(&form, "same_fuse_range");
    assert_eq!(only.editable_parts(&form), [FormPart::Notice, FormPart::Completion]);
    let normal = draft(&form, "increase_main_fuse");
    assert_eq!(normal.editable_parts(&form), [FormPart::Notice]);
    let edit: forms::Edits = [("completion.meter_reading".into(), Some("1234".into()))].into();
    assert_eq!(form.check_edit(&only.editable_parts(&form), &edit), []);
    let refused = form.check_edit(&normal.editable_parts(&form), &edit);
    assert_eq!(refused[0].code, ProblemCode::UnknownField);
    // Sent and ended, nothing is editable; the status machine alone never opens it early.
    assert!(!Status::Submitted.part_editable(FormPart::Completion, true));
    assert!(!Status::Completed.part_editable(FormPart::Completion, true));
    assert!(Status::Approved.part_editable(FormPart::Completion, false));
    assert!(!Status::Draft.part_editable(FormPart::Completion, false));
}

#[test]
fn sending_a_completion_only_job_needs_both_parts() {
    let form = form("oresundskraft", "fuse_change");
    let mut case = draft(&form, "same_fuse_range");
    case.fields = full_case(&form);
    case.fields.remove("completion.meter_reading");
    let problems = case.submit_problems(&form);
    assert_eq!(
        problems.iter().map(|p| (p.field.as_str(), p.code)).collect::<Vec<_>>(),
        [("completion.meter_reading", ProblemCode::Required)]
    );
    let err = case.act(&form, Action::Submit, Role::Installer, "u1", AT, None).unwrap_err();
    assert_eq!(err, CaseError::Invalid(problems));
    assert_eq!((case.status, case.version), (Status::Draft, 1), "a refused send changes nothing");
}

#[test]
fn sending_a_completion_only_job_completes_it_in_the_same_change() {
    let form = form("oresundskraft", "fuse_change");
    let mut case = draft(&form, "same_fuse_range");
    case.fields = full_case(&form);
    // Within Öresundskraft's automatic approval (at most 25 A): no approval is recorded anyway.
    case.fields.insert("work.requested_main_fuse".into(), "20".into());
    assert!(form.auto_approval("same_fuse_range", &case.fields).is_some());
    case.act(&form, Action::Submit, Role::Installer, "u1", AT, None).unwrap();
    assert_eq!((case.status, case.version), (Status::Completed, 2), "one change, one version");
    assert_eq!(case.submitted_at, Some(AT));
    let steps: Vec<_> =
        case.history[1..].iter().map(|s| (s.action, s.by.as_str(), s.from, s.to)).collect();
    assert_eq!(
        steps,
        [
            (Action::Submit, "u1", Some(Status::Draft), Status::Submitted),
            (Action::Complete, "u1", Some(Status::Submitted), Status::Completed),
        ]
    );
    assert!(case.history[1..].iter().all(|s| s.role == Some(Role::Installer)));
    assert!(case.unread_for(Role::NetworkCompany) && !case.unread_for(Role::Installer));
    assert!(case.visible_to_company());
    // The network company closes it as any completed case; nothing else moves it.
    assert_eq!(
        forms::words::moves(case.status, Role::NetworkCompany),
        [forms::Move::Close, forms::Move::Message]
    );
    case.act(&form, Action::Close, Role::NetworkCompany, "k", AT, None).unwrap();
    assert_eq!(case.status, Status::Closed);
}

#[test]
fn another_job_of_the_type_still_waits_for_an_approval() {
    let form = form("oresundskraft", "fuse_change");
    let mut case = draft(&form, "increase_main_fuse");
    case.fields = full_case(&form);
    case.fields.insert("work.requested_main_fuse".into(), "35".into());
    case.act(&form, Action::Submit, Role::Installer, "u1", AT, None).unwrap();
    assert_eq!(case.status, Status::Submitted);
    assert_eq!(case.history.last().unwrap().action, Action::Submit);
}
