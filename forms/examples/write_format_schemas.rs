//! Writes the JSON Schemas of the definition file format to `forms/definitions/schema/`, where the
//! `#:schema` line of each definition file points editors (Taplo, VS Code "Even Better TOML").
//!
//! Run after changing `src/definitions/format.rs`:
//!
//!     cargo run -p forms --example write_format_schemas
//!
//! `tests/format_schemas.rs` fails while the committed files differ from what this writes.

#[path = "support/format_schemas.rs"]
mod format_schemas;

use std::{fs, process::ExitCode};

fn main() -> ExitCode {
    let dir = format_schemas::schema_dir();
    if let Err(e) = fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for (name, schema) in format_schemas::schemas() {
        let path = dir.join(name);
        let text = format_schemas::file_text(&schema);
        let unchanged = fs::read_to_string(&path).is_ok_and(|old| old == text);
        if unchanged {
            println!("unchanged {}", path.display());
        } else if let Err(e) = fs::write(&path, text) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", path.display());
        }
    }
    ExitCode::SUCCESS
}
