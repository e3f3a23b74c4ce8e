//! The JSON Schemas of the definition file format, shared by the example that writes them
//! (`examples/write_format_schemas.rs`) and the test that checks the committed copies
//! (`tests/format_schemas.rs`), so the two cannot drift apart.

use std::path::PathBuf;

use forms::definitions::format::{BaseFile, CompanyFile, InstallationTypesFile};

/// Where the schemas live: next to the definitions that reference them with `#:schema`.
pub fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("definitions").join("schema")
}

/// `(file name, schema)` for each kind of definition file.
pub fn schemas() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("base.schema.json", schemars::schema_for!(BaseFile).to_value()),
        ("installation_types.schema.json", schemars::schema_for!(InstallationTypesFile).to_value()),
        ("company.schema.json", schemars::schema_for!(CompanyFile).to_value()),
    ]
}

/// The exact text of a schema file: pretty JSON and a trailing newline.
pub fn file_text(schema: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a schema serializes");
    text.push('\n');
    text
}
