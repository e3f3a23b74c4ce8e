//! Elanmälan's pure domain core: the declarative form definitions and what follows from them.
//!
//! Definitions (`definitions/`) are TOML files that network companies' staff edit. They are
//! parsed strictly and checked ([`Definitions`]); a [`Form`] is one company's definition of one
//! installation type and knows its fields, what is mandatory, how to validate a case, merge a
//! lookup, copy from owner and describe itself as JSON Schema. [`Case`] is a notification and its
//! status machine. No I/O runtime, no HTTP, no AWS: adapters live in `handler` and `site`.

pub mod case;
pub mod catalog;
pub mod definitions;
pub mod form;
pub mod formats;
pub mod registry;
mod schema;

pub use case::{
    Action, Case, CaseError, Decision, DecisionError, HistoryEntry, MESSAGE_MAX_CHARS, Role,
    Status, TransitionError,
};
pub use catalog::Catalog;
pub use definitions::{Definitions, FieldKind};
pub use form::{Change, Edits, FieldValues, Form, FormField, Problem, ProblemCode};
pub use registry::{Installation, REGISTRY_COLUMNS};
