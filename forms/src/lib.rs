//! Elanmälan's pure domain core: the declarative form definitions and what follows from them.
//!
//! Definitions (`definitions/`) are TOML files that network companies' staff edit. They are
//! parsed strictly and checked ([`Definitions`]); a [`Form`] is one company's definition of one
//! installation type and knows its fields, what is mandatory, how to validate a case, merge a
//! lookup, copy from owner and describe itself as JSON Schema. [`Case`] is a notification and its
//! status machine, [`Decision`] the network company's answer. [`lookup`] checks and resolves
//! "Hämta anl-data", [`Catalog`] is what a new case can be made of. No I/O runtime, no HTTP, no
//! AWS, no files: adapters live in `handler` and `site`.

pub mod attachment;
pub mod case;
pub mod catalog;
pub mod customer;
pub mod data_subject;
pub mod definitions;
pub mod document;
pub mod form;
pub mod formats;
pub mod handling_times;
pub mod lookup;
pub mod registry;
pub mod retention;
mod schema;
pub mod words;

pub use attachment::{Attachment, FileRules, FileType, OpenUpload};
pub use case::{
    AUTOMATIC, Action, Case, CaseError, Decision, DecisionError, HistoryEntry, MESSAGE_MAX_CHARS,
    Role, Status, TransitionError,
};
pub use catalog::Catalog;
pub use definitions::{Definitions, FieldKind};
pub use form::{
    COMPLETION_SECTION, Change, Edits, FieldValues, Form, FormField, FormPart, Problem, ProblemCode,
};
pub use lookup::{LookupError, LookupKey, LookupOutcome, LookupQuery};
pub use registry::{Installation, REGISTRY_COLUMNS};
pub use words::{AuditAct, Move};
