//! Attachments (bilagor): file fields in the definitions, their load errors, the Required rule,
//! the checks of a file with their Swedish messages, and the JSON Schema's description.

mod common;

use common::with_file;
use forms::definitions::builtin_sources;
use forms::{
    Attachment, Case, Definitions, FileType, Form, FormPart, OpenUpload, ProblemCode,
    attachment::megabytes,
};

const MIB: u64 = 1024 * 1024;

/// A company with file fields: a mandatory situationsplan (PDF only, 10 MB, 2 files), optional
/// photos with the defaults, and a mandatory completion file.
const FILENAT: &str = r#"
name = "Filnät AB"
gsrn_prefixes = ["735999556"]
mandatory = ["work.site_plan"]

[[network_area]]
id = "filby"
name = "Filby"

[[installation_type]]
id = "fuse_change"
mandatory = ["completion.photos"]

[[field]]
id = "work.site_plan"
label = "Situationsplan"
type = "file"
accept = ["pdf", "png"]
max_files = 2

[[field]]
id = "work.single_line_diagram"
label = "Enlinjeschema"
type = "file"

[[field]]
id = "completion.photos"
label = "Foton"
type = "file"
accept = ["jpeg", "png"]
max_size_mb = 25
"#;

fn definitions() -> &'static Definitions {
    static D: std::sync::OnceLock<Definitions> = std::sync::OnceLock::new();
    D.get_or_init(|| {
        Definitions::parse("forms/definitions", &with_file("companies/filnat.toml", FILENAT))
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

fn form() -> Form<'static> {
    definitions().form("filnat", "fuse_change").expect("Filnät's form")
}

/// The load errors of a company file that is FILENAT with `from` replaced by `to`.
fn errors_with(from: &str, to: &str) -> String {
    assert!(FILENAT.contains(from), "{from}");
    let text = FILENAT.replacen(from, to, 1);
    match Definitions::parse("forms/definitions", &with_file("companies/filnat.toml", &text)) {
        Ok(_) => panic!("accepted with {to:?}"),
        Err(errors) => errors.to_string(),
    }
}

fn attachment(field: &str) -> Attachment {
    Attachment {
        id: "a1".into(),
        field: field.into(),
        name: "plan.pdf".into(),
        file_type: FileType::Pdf,
        size: 1000,
        uploaded_at: time::OffsetDateTime::UNIX_EPOCH,
        uploaded_by: "anna".into(),
    }
}

/// Anna's new draft at Filnät.
fn draft(form: &Form) -> Case {
    let at = time::OffsetDateTime::UNIX_EPOCH;
    let (number, job, area) = ("FI-2026-00001", "increase_main_fuse", "filby");
    let (firm, by) = ("demo_el".to_string(), "anna".to_string());
    Case::new_draft("c1".into(), number.into(), form, job.into(), area.into(), firm, by, at)
}

#[test]
fn a_file_field_has_its_accepted_types_size_and_count_with_defaults() {
    let form = form();
    let (field, rules, part) = form.file_field("work.site_plan").unwrap();
    assert_eq!(field.label, "Situationsplan");
    assert_eq!(rules.accept, [FileType::Pdf, FileType::Png]);
    assert_eq!((rules.max_size_mb, rules.max_files, part), (10, 2, FormPart::Notice));
    let (_, defaults, _) = form.file_field("work.single_line_diagram").unwrap();
    assert_eq!(defaults.accept, FileType::ALL);
    assert_eq!((defaults.max_size_mb, defaults.max_files), (10, 5));
    let (_, photos, part) = form.file_field("completion.photos").unwrap();
    assert_eq!((photos.max_size_mb, part), (25, FormPart::Completion));
    let not_file = form.file_field("owner.name").unwrap_err();
    assert_eq!(not_file.message, "Namn är inget fält för bilagor.");
}

#[test]
fn wrong_file_rules_are_load_errors_at_their_line() {
    assert_eq!(
        errors_with(r#"accept = ["pdf", "png"]"#, r#"accept = ["pdf", "jpg"]"#),
        "forms/definitions/companies/filnat.toml:18:18: okänd filtyp `jpg` i accept; menade du \
         `jpeg`?"
    );
    assert_eq!(
        errors_with(r#"accept = ["pdf", "png"]"#, r#"accept = ["word"]"#),
        "forms/definitions/companies/filnat.toml:18:11: okänd filtyp `word` i accept; använd \
         pdf, jpeg eller png"
    );
    assert_eq!(
        errors_with("max_size_mb = 25", "max_size_mb = 26"),
        "forms/definitions/companies/filnat.toml:27:6: `completion.photos`: max_size_mb = 26 går \
         inte; ange 1 till 25"
    );
    assert_eq!(
        errors_with("max_files = 2", "max_files = 0"),
        "forms/definitions/companies/filnat.toml:15:6: `work.site_plan`: max_files = 0 går \
         inte; ange 1 till 20"
    );
    assert_eq!(
        errors_with("type = \"file\"\n\n", "type = \"text\"\naccept = [\"pdf\"]\n\n"),
        "forms/definitions/companies/filnat.toml:22:6: `work.single_line_diagram`: accept, \
         max_size_mb och max_files gäller bara type = \"file\"; ta bort dem"
    );
}

#[test]
fn a_file_field_cannot_decide_an_automatic_approval() {
    let rule = "\n[[auto_approve]]\ndescription = \"Med plan\"\ninstallation_type = \"fuse_change\"\n\
                when = [{ field = \"work.site_plan\", equals = \"ja\" }]\n";
    let text = format!("{FILENAT}{rule}");
    let errors =
        Definitions::parse("forms/definitions", &with_file("companies/filnat.toml", &text))
            .unwrap_err()
            .to_string();
    assert_eq!(
        errors,
        "forms/definitions/companies/filnat.toml:36:19: `work.site_plan` är ett fält för bilagor \
         utan värde och kan inte användas i ett villkor i auto_approve"
    );
}

#[test]
fn a_file_field_cannot_be_filled_by_a_lookup_nor_copied_from_the_owner() {
    let base = builtin_sources().into_iter().find(|s| s.path == "base.toml").unwrap().text;
    let file_field = "\n[[field]]\nid = \"owner.deed\"\nlabel = \"Lagfart\"\ntype = \"file\"\n\n\
                      [[field]]\nid = \"payer.deed\"\nlabel = \"Lagfart\"\ntype = \"file\"\n";
    let at = base.find("\n[lookup]").expect("the lookup table");
    let mut text = format!("{}{file_field}{}", &base[..at], &base[at..]);
    text = text.replacen("owner_email = \"owner.email\"", "owner_email = \"owner.deed\"", 1);
    text = text.replacen(
        "[copy_from_owner]\n",
        "[copy_from_owner]\n\"owner.deed\" = \"payer.deed\"\n",
        1,
    );
    let errors = Definitions::parse("forms/definitions", &with_file("base.toml", &text))
        .unwrap_err()
        .to_string();
    assert!(
        errors.contains("`owner.deed` är ett fält för bilagor utan värde och kan inte användas i [lookup.projection]"),
        "{errors}"
    );
    assert!(
        errors.contains("`owner.deed` är ett fält för bilagor utan värde och kan inte användas i copy_from_owner"),
        "{errors}"
    );
    assert_eq!(errors.lines().count(), 2, "{errors}");
}

#[test]
fn a_mandatory_file_field_needs_an_attachment() {
    let form = form();
    let values = Default::default();
    let required = |attachments: &[Attachment], part| -> Vec<(String, String)> {
        form.validate_case(&values, attachments, part)
            .into_iter()
            .filter(|p| p.code == ProblemCode::Required && p.field.contains("."))
            .filter(|p| p.field == "work.site_plan" || p.field == "completion.photos")
            .map(|p| (p.field, p.message))
            .collect()
    };
    assert_eq!(
        required(&[], FormPart::Notice),
        [("work.site_plan".to_string(), "Bifoga Situationsplan.".to_string())]
    );
    assert_eq!(required(&[attachment("work.site_plan")], FormPart::Notice), []);
    // The completion notice's file is mandatory when the completion notice is sent.
    assert_eq!(
        required(&[attachment("work.site_plan")], FormPart::Completion),
        [("completion.photos".to_string(), "Bifoga Foton.".to_string())]
    );
    let both = [attachment("work.site_plan"), attachment("completion.photos")];
    assert_eq!(required(&both, FormPart::Completion), []);
    // Without attachments, `validate` finds the situationsplan missing too.
    assert!(form.validate(&values).iter().any(|p| p.field == "work.site_plan"));
}

#[test]
fn a_submit_without_the_mandatory_file_is_refused_by_the_status_machine() {
    let form = form();
    let mut case = draft(&form);
    let at = time::OffsetDateTime::UNIX_EPOCH;
    let refused = case.act(&form, forms::Action::Submit, forms::Role::Installer, "anna", at, None);
    let Err(forms::CaseError::Invalid(problems)) = refused else { panic!("{refused:?}") };
    assert!(
        problems.iter().any(|p| p.field == "work.site_plan" && p.code == ProblemCode::Required)
    );
    case.attachments.push(attachment("work.site_plan"));
    let refused = case.act(&form, forms::Action::Submit, forms::Role::Installer, "anna", at, None);
    let Err(forms::CaseError::Invalid(problems)) = refused else { panic!("{refused:?}") };
    assert!(!problems.iter().any(|p| p.field == "work.site_plan"), "{problems:?}");
}

#[test]
fn a_file_field_never_holds_a_value() {
    let form = form();
    let edit = [("work.site_plan".to_string(), Some("plan.pdf".to_string()))].into();
    let problems = form.check_edit(&[FormPart::Notice], &edit);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "work.site_plan");
    assert_eq!(
        problems[0].message,
        "Situationsplan är en bilaga och har inget värde att skriva in. Bifoga filen vid fältet i \
         stället."
    );
    let clear = [("work.site_plan".to_string(), None)].into();
    assert_eq!(form.check_edit(&[FormPart::Notice], &clear).len(), 1, "not even cleared");
    let stored = [("work.site_plan".to_string(), "plan.pdf".to_string())].into();
    assert!(
        form.validate(&stored)
            .iter()
            .any(|p| p.field == "work.site_plan" && p.code == ProblemCode::InvalidFormat)
    );
}

#[test]
fn open_uploads_count_against_max_files_until_their_links_expire() {
    let form = form();
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
    let open = |field: &str, minutes: i64| OpenUpload {
        id: "u".into(),
        field: field.into(),
        expires_at: now + time::Duration::minutes(minutes),
    };
    let one = [attachment("work.site_plan")];
    let check = |attached: &[Attachment], uploads: &[OpenUpload]| {
        form.check_new_upload("work.site_plan", "plan.pdf", 100, attached, uploads, now)
    };
    assert!(check(&one, &[]).is_ok());
    let full = check(&one, &[open("work.site_plan", 3)]).unwrap_err();
    assert_eq!((full.field.as_str(), full.code), ("work.site_plan", ProblemCode::TooManyFiles));
    assert_eq!(
        full.message,
        "Situationsplan får ha högst 2 filer och har redan 1 bifogade och 1 som laddas upp. \
         Bekräfta eller vänta ut uppladdningarna (högst fem minuter) och försök igen."
    );
    // Expired links and other fields' links leave room.
    assert!(check(&one, &[open("work.site_plan", 0), open("work.site_plan", -3)]).is_ok());
    assert!(check(&[], &[open("work.single_line_diagram", 3), open("work.site_plan", 3)]).is_ok());
    // The file's own checks come first.
    let big = form.check_new_upload("work.site_plan", "plan.pdf", 11 * MIB, &[], &[], now);
    assert_eq!(big.unwrap_err().code, ProblemCode::TooLarge);
}

#[test]
fn a_file_is_checked_by_size_count_and_name_with_swedish_messages() {
    let form = form();
    let big =
        form.check_new_file("work.site_plan", "plan.pdf", 14 * MIB + MIB / 5, &[]).unwrap_err();
    assert_eq!((big.field.as_str(), big.code), ("work.site_plan", ProblemCode::TooLarge));
    assert_eq!(big.message, "Filen är 14,2 MB. Situationsplan får vara högst 10 MB.");
    assert!(form.check_new_file("work.site_plan", "plan.pdf", 10 * MIB, &[]).is_ok());
    assert!(form.check_new_file("work.site_plan", "plan.pdf", 10 * MIB + 1, &[]).is_err());
    assert_eq!(megabytes(10 * MIB + 1), "10,1 MB");

    let two = [attachment("work.site_plan"), attachment("work.site_plan")];
    let full = form.check_new_file("work.site_plan", "plan.pdf", 100, &two).unwrap_err();
    assert_eq!(full.code, ProblemCode::TooManyFiles);
    assert_eq!(
        full.message,
        "Situationsplan har redan 2 filer, det som mest får bifogas. Ta bort en fil först."
    );
    // Files of other fields do not count.
    let others = [attachment("work.single_line_diagram"), attachment("work.single_line_diagram")];
    assert!(form.check_new_file("work.site_plan", "plan.pdf", 100, &others).is_ok());

    let empty = form.check_new_file("work.site_plan", "plan.pdf", 0, &[]).unwrap_err();
    assert_eq!(empty.message, "Filen plan.pdf är tom. Bifoga en fil med innehåll.");
    let sneaky = form.check_new_file("work.site_plan", "../plan.pdf", 100, &[]).unwrap_err();
    assert_eq!(sneaky.code, ProblemCode::InvalidFormat);
    let unknown = form.check_new_file("owner.name", "plan.pdf", 100, &[]).unwrap_err();
    assert_eq!(unknown.field, "owner.name");
}

#[test]
fn a_file_is_judged_by_its_content_not_its_name() {
    let form = form();
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
    let refused = form.check_content("work.single_line_diagram", "program.pdf", exe).unwrap_err();
    assert_eq!(refused.code, ProblemCode::WrongFileType);
    assert_eq!(
        refused.message,
        "Filen program.pdf är inte en PDF-, JPEG- eller PNG-fil. Bifoga enlinjeschema som PDF, \
         JPEG eller PNG."
    );
    // A real JPEG, named .pdf, is a JPEG; but the situationsplan takes PDF and PNG only.
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    assert_eq!(form.check_content("work.single_line_diagram", "x.pdf", &jpeg), Ok(FileType::Jpeg));
    let wrong = form.check_content("work.site_plan", "foto.jpg", &jpeg).unwrap_err();
    assert_eq!(
        wrong.message,
        "Filen foto.jpg är inte en PDF- eller PNG-fil. Bifoga situationsplan som PDF eller PNG."
    );
    assert_eq!(form.check_content("work.site_plan", "p.pdf", b"%PDF-1.4\n"), Ok(FileType::Pdf));
}

#[test]
fn the_schema_describes_file_fields_apart_from_the_values() {
    let schema = form().json_schema();
    let properties = schema["properties"].as_object().unwrap();
    assert!(!properties.contains_key("work.site_plan"));
    assert!(!schema["required"].as_array().unwrap().iter().any(|r| r == "work.site_plan"));
    assert_eq!(
        schema["x-attachments"]["work.site_plan"],
        serde_json::json!({"title": "Situationsplan", "x-section": "work", "accept": ["pdf", "png"],
            "max_size_mb": 10, "max_files": 2, "mandatory": true})
    );
    assert_eq!(
        schema["x-attachments"]["completion.photos"]["accept"],
        serde_json::json!(["jpeg", "png"])
    );
    // A form without file fields has no such description.
    let plain = definitions().form("fiktiva_elnat_syd", "fuse_change").unwrap().json_schema();
    assert!(plain.get("x-attachments").is_none());
}

#[test]
fn a_case_stored_before_attachments_existed_still_loads() {
    let form = form();
    let case = draft(&form);
    let mut json = serde_json::to_value(&case).unwrap();
    json.as_object_mut().unwrap().remove("attachments");
    let old: Case = serde_json::from_value(json).expect("loads without attachments");
    assert!(old.attachments.is_empty());
}
