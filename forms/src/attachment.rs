//! Attachments (bilagor): files such as a situationsplan, an enlinjeschema or photos, declared as
//! fields of type `file`. The bytes live outside the case (the handler's file store); the case
//! keeps what was attached ([`Attachment`]). Types are told by their content, never by their
//! name: a renamed program is no PDF.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::definitions::{Field, FieldKind};
use crate::form::{Form, FormPart, Problem, ProblemCode};
use crate::formats::text_flaw;

/// A kind of file an attachment may be.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

/// The eight bytes every PNG file begins with.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

impl FileType {
    pub const ALL: [FileType; 3] = [FileType::Pdf, FileType::Jpeg, FileType::Png];

    /// As written in the definitions: `pdf`, `jpeg`, `png`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpeg",
            FileType::Png => "png",
        }
    }

    pub fn parse(s: &str) -> Option<FileType> {
        FileType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The name people know: PDF, JPEG, PNG.
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Jpeg => "JPEG",
            FileType::Png => "PNG",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    /// The type of a file by its first bytes (16 are enough), by the formats' magic numbers:
    /// `%PDF-`, JPEG's `FF D8 FF`, PNG's eight-byte signature. `None` for anything else.
    pub fn sniff(first_bytes: &[u8]) -> Option<FileType> {
        if first_bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if first_bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if first_bytes.starts_with(&PNG_SIGNATURE) {
            Some(FileType::Png)
        } else {
            None
        }
    }
}

/// How many of a file's first bytes [`FileType::sniff`] needs.
pub const SNIFF_BYTES: usize = 16;

/// The longest file name kept, in characters.
pub const NAME_MAX_CHARS: usize = 200;

const MIB: u64 = 1024 * 1024;

/// What a field of type `file` accepts (checked when the definitions are loaded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRules {
    pub accept: Vec<FileType>,
    /// Largest file, in MB (MiB): 1 to [`FileRules::LARGEST_MB`].
    pub max_size_mb: u32,
    /// Most files in the field.
    pub max_files: u32,
}

impl FileRules {
    pub const DEFAULT_MB: u32 = 10;
    pub const LARGEST_MB: u32 = 25;
    pub const DEFAULT_FILES: u32 = 5;
    pub const MOST_FILES: u32 = 20;

    pub fn max_bytes(&self) -> u64 {
        u64::from(self.max_size_mb) * MIB
    }

    /// "PDF, JPEG eller PNG".
    pub fn accepted(&self) -> String {
        or_list(self.accept.iter().map(|t| t.label().to_string()).collect())
    }

    /// "PDF, JPEG eller PNG, högst 10 MB": what the page says under the field.
    pub fn describe(&self) -> String {
        format!("{}, högst {} MB", self.accepted(), self.max_size_mb)
    }
}

/// "a", "a eller b", "a, b eller c".
fn or_list(mut items: Vec<String>) -> String {
    match items.pop() {
        None => String::new(),
        Some(last) if items.is_empty() => last,
        Some(last) => format!("{} eller {last}", items.join(", ")),
    }
}

/// One attached file, as the case keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Attachment {
    /// A random UUID; the file's key in the file store is `cases/<case id>/<id>`.
    pub id: String,
    /// The field of type `file` it belongs to.
    pub field: String,
    /// The file's name as the installer gave it.
    pub name: String,
    /// What its content is (not what its name says).
    pub file_type: FileType,
    /// In bytes.
    pub size: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub uploaded_at: OffsetDateTime,
    /// The user id of who attached it.
    pub uploaded_by: String,
}

/// An upload link given for a field and not yet confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OpenUpload {
    /// The attachment's id once confirmed.
    pub id: String,
    /// The field of type `file` it is for.
    pub field: String,
    /// When its link stops working.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub expires_at: OffsetDateTime,
}

impl OpenUpload {
    /// Whether its link still works at `now`.
    pub fn is_open(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

/// A size in MB for people, one decimal, rounded up so that a file just over a limit never
/// reads as within it: "14,2 MB".
pub fn megabytes(size: u64) -> String {
    let tenths = (size * 10).div_ceil(MIB);
    format!("{},{} MB", tenths / 10, tenths % 10)
}

impl<'d> Form<'d> {
    /// The field `id` if it is a file field of this form, with its rules; else a problem
    /// naming it.
    pub fn file_field(&self, id: &str) -> Result<(&'d Field, &'d FileRules, FormPart), Problem> {
        let found = self.field(id).and_then(|f| Some((f.field, f.field.files.as_ref()?, f.part())));
        found.ok_or_else(|| Problem {
            field: id.to_string(),
            code: ProblemCode::UnknownField,
            message: match self.field(id) {
                Some(f) => format!("{} är inget fält för bilagor.", f.field.label),
                None => format!("Fältet {id} finns inte i den här anmälan."),
            },
        })
    }

    /// Whether a file of `size` bytes named `name` may be attached to `field` next to the
    /// case's `attachments`: the name, the size within the field's limit, and room for one
    /// more file. Asked before the upload and again after it.
    pub fn check_new_file(
        &self,
        field: &str,
        name: &str,
        size: u64,
        attachments: &[Attachment],
    ) -> Result<(), Problem> {
        let (field, rules, _) = self.file_field(field)?;
        let problem = |code, message: String| Problem { field: field.id.clone(), code, message };
        if let Some(refused) = name_problem(name) {
            return Err(refused);
        }
        if size == 0 {
            return Err(problem(
                ProblemCode::InvalidFormat,
                format!("Filen {name} är tom. Bifoga en fil med innehåll."),
            ));
        }
        if size > rules.max_bytes() {
            return Err(problem(
                ProblemCode::TooLarge,
                format!(
                    "Filen är {}. {} får vara högst {} MB.",
                    megabytes(size),
                    field.label,
                    rules.max_size_mb
                ),
            ));
        }
        let count = attachments.iter().filter(|a| a.field == field.id).count();
        if count >= rules.max_files as usize {
            return Err(problem(
                ProblemCode::TooManyFiles,
                format!(
                    "{} har redan {count} {}, det som mest får bifogas. Ta bort en fil först.",
                    field.label,
                    if count == 1 { "fil" } else { "filer" }
                ),
            ));
        }
        Ok(())
    }

    /// Whether an upload link for a file of `size` bytes named `name` may be given for `field`:
    /// [`Form::check_new_file`], and room for it next to the field's attached files and its
    /// `uploads` still open at `now`, so that links never confirmed cannot pile up files.
    pub fn check_new_upload(
        &self,
        field: &str,
        name: &str,
        size: u64,
        attachments: &[Attachment],
        uploads: &[OpenUpload],
        now: OffsetDateTime,
    ) -> Result<(), Problem> {
        self.check_new_file(field, name, size, attachments)?;
        let (field, rules, _) = self.file_field(field)?;
        let attached = attachments.iter().filter(|a| a.field == field.id).count();
        let open = uploads.iter().filter(|u| u.field == field.id && u.is_open(now)).count();
        if attached + open >= rules.max_files as usize {
            return Err(Problem {
                field: field.id.clone(),
                code: ProblemCode::TooManyFiles,
                message: format!(
                    "{} får ha högst {} och har redan {attached} bifogade och {open} som laddas \
                     upp. Bekräfta eller vänta ut uppladdningarna (högst fem minuter) och \
                     försök igen.",
                    field.label,
                    if rules.max_files == 1 {
                        "en fil".into()
                    } else {
                        format!("{} filer", rules.max_files)
                    },
                ),
            });
        }
        Ok(())
    }

    /// The type of an uploaded file by its first bytes, if `field` accepts it; else a problem
    /// that names the file and says what to attach instead.
    pub fn check_content(
        &self,
        field: &str,
        name: &str,
        first_bytes: &[u8],
    ) -> Result<FileType, Problem> {
        let (field, rules, _) = self.file_field(field)?;
        match FileType::sniff(first_bytes) {
            Some(t) if rules.accept.contains(&t) => Ok(t),
            _ => {
                let hyphened: Vec<String> =
                    rules.accept.iter().map(|t| format!("{}-", t.label())).collect();
                let mut kinds = or_list(hyphened);
                kinds.push_str("fil");
                Err(Problem {
                    field: field.id.clone(),
                    code: ProblemCode::WrongFileType,
                    message: format!(
                        "Filen {name} är inte en {kinds}. Bifoga {} som {}.",
                        field.label.to_lowercase(),
                        rules.accepted()
                    ),
                })
            }
        }
    }
}

/// What is wrong with a file's name, if anything, as a problem of the request's `name`: empty,
/// over [`NAME_MAX_CHARS`], with path separators, or not only text of one line (no control
/// characters, direction overrides or characters without width: [`text_flaw`]).
pub fn name_problem(name: &str) -> Option<Problem> {
    let problem = |code, message: String| Problem { field: "name".into(), code, message };
    if let Some(flaw) = text_flaw(name, false) {
        let advice = "Byt namn på filen och bifoga den igen.";
        return Some(problem(
            ProblemCode::InvalidCharacter,
            format!("Filnamnet {} {advice}", flaw.describe()),
        ));
    }
    let bad = name.trim().is_empty()
        || name.chars().count() > NAME_MAX_CHARS
        || name.contains(['/', '\\']);
    bad.then(|| {
        problem(
            ProblemCode::InvalidFormat,
            format!(
                "Filnamnet får vara högst {NAME_MAX_CHARS} tecken, utan / och \\. Byt namn på \
                 filen och bifoga den igen."
            ),
        )
    })
}

impl Field {
    pub fn is_file(&self) -> bool {
        self.kind == FieldKind::File
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_by_their_first_bytes() {
        assert_eq!(FileType::sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3"), Some(FileType::Pdf));
        assert_eq!(FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J']), Some(FileType::Jpeg));
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H'];
        assert_eq!(FileType::sniff(&png), Some(FileType::Png));
        // A Windows program renamed plan.pdf is still a program.
        assert_eq!(FileType::sniff(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"), None);
        assert_eq!(FileType::sniff(b""), None, "empty");
        assert_eq!(FileType::sniff(b"%PD"), None, "shorter than the magic number");
        assert_eq!(FileType::sniff(&[0xFF, 0xD8]), None, "half a JPEG marker");
        assert_eq!(FileType::sniff(&png[..7]), None, "seven bytes of PNG's eight");
        assert_eq!(FileType::sniff(b"pdf %PDF-"), None, "the magic number must come first");
    }

    #[test]
    fn sizes_read_in_megabytes_rounded_up() {
        assert_eq!(megabytes(14 * MIB + MIB / 5), "14,2 MB");
        assert_eq!(megabytes(10 * MIB + 1), "10,1 MB", "just over 10 MB never reads as 10,0");
        assert_eq!(megabytes(10 * MIB), "10,0 MB");
        assert_eq!(megabytes(1), "0,1 MB");
    }

    #[test]
    fn names_are_at_most_200_characters_of_one_line_without_separators() {
        assert_eq!(name_problem("situationsplan.pdf"), None);
        assert_eq!(name_problem(&"å".repeat(200)), None);
        for bad in ["", "  ", "../../etc/passwd", "a\\b.pdf"] {
            let problem = name_problem(bad).unwrap_or_else(|| panic!("{bad:?}"));
            assert_eq!(
                (problem.field.as_str(), problem.code),
                ("name", ProblemCode::InvalidFormat)
            );
        }
        assert!(name_problem(&"å".repeat(201)).unwrap().message.contains("högst 200 tecken"));
        // What a name may not hide: it is shown to the network company as it reads.
        for (bad, says) in [
            ("plan\n.pdf", "ska stå på en rad"),
            ("plan\t.pdf", "styrtecken (U+0009)"),
            ("plan\u{0}.pdf", "styrtecken (U+0000)"),
            ("plan\u{7f}.pdf", "styrtecken (U+007F)"),
            ("fdp.\u{202E}exe", "(U+202E) som vänder textens riktning"),
            ("plan\u{2066}.pdf", "(U+2066) som vänder textens riktning"),
            ("plan\u{200B}.pdf", "utan bredd (U+200B)"),
            ("plan\u{200D}.pdf", "utan bredd (U+200D)"),
            ("plan\u{2060}.pdf", "utan bredd (U+2060)"),
            ("\u{FEFF}plan.pdf", "utan bredd (U+FEFF)"),
        ] {
            let problem = name_problem(bad).unwrap_or_else(|| panic!("{bad:?}"));
            assert_eq!(
                (problem.field.as_str(), problem.code),
                ("name", ProblemCode::InvalidCharacter)
            );
            assert!(problem.message.starts_with("Filnamnet "), "{}", problem.message);
            assert!(problem.message.contains(says), "{bad:?}: {}", problem.message);
            assert!(problem.message.ends_with("Byt namn på filen och bifoga den igen."));
        }
    }

    #[test]
    fn accepted_types_read_as_a_swedish_list() {
        let rules =
            |accept: Vec<FileType>| FileRules { accept, max_size_mb: 10, max_files: 5 }.describe();
        assert_eq!(rules(FileType::ALL.to_vec()), "PDF, JPEG eller PNG, högst 10 MB");
        assert_eq!(rules(vec![FileType::Pdf]), "PDF, högst 10 MB");
        assert_eq!(rules(vec![FileType::Jpeg, FileType::Png]), "JPEG eller PNG, högst 10 MB");
    }
}
