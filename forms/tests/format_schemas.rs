//! The committed JSON Schemas of the definition file format (`definitions/schema/`) are what the
//! code generates now, are valid Draft 2020-12 schemas, and describe the shipped files.

#[path = "../examples/support/format_schemas.rs"]
mod format_schemas;

use std::fs;

use serde_json::{Value, json};

const REGENERATE: &str = "run `cargo run -p forms --example write_format_schemas`";

#[test]
fn committed_schemas_are_up_to_date() {
    let dir = format_schemas::schema_dir();
    for (name, schema) in format_schemas::schemas() {
        let path = dir.join(name);
        let committed = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}; {REGENERATE}", path.display()));
        assert!(
            committed == format_schemas::file_text(&schema),
            "{} differs from the schema of the code; {REGENERATE}",
            path.display()
        );
    }
}

#[test]
fn the_schema_folder_holds_exactly_the_generated_files() {
    let mut on_disk: Vec<String> = fs::read_dir(format_schemas::schema_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut generated: Vec<String> =
        format_schemas::schemas().into_iter().map(|(name, _)| name.to_string()).collect();
    generated.sort();
    assert_eq!(on_disk, generated, "stale or missing schema files; {REGENERATE}");
}

#[test]
fn schemas_are_valid_draft_2020_12() {
    for (name, schema) in format_schemas::schemas() {
        assert_eq!(
            schema["$schema"],
            json!("https://json-schema.org/draft/2020-12/schema"),
            "{name} declares its draft"
        );
        if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
            panic!("{name} is not a valid Draft 2020-12 schema: {e} at {}", e.instance_path());
        }
    }
}

#[test]
fn the_meta_schema_check_is_not_vacuous() {
    let broken = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": "name",
    });
    assert!(!jsonschema::draft202012::meta::is_valid(&broken));
}

/// The schema a definition file's `#:schema` line names, from the generated set.
fn schema_named_in(text: &str) -> Value {
    let first = text.lines().next().unwrap_or_default();
    let reference = first.strip_prefix("#:schema ").unwrap_or_else(|| {
        panic!("a definition file starts with a `#:schema` line, not {first:?}")
    });
    let file = reference.rsplit('/').next().unwrap();
    format_schemas::schemas()
        .into_iter()
        .find(|(name, _)| *name == file)
        .unwrap_or_else(|| panic!("`#:schema {reference}` names no generated schema"))
        .1
}

#[test]
fn every_shipped_definition_file_references_and_satisfies_its_schema() {
    let sources = forms::definitions::builtin_sources();
    assert!(sources.len() >= 5, "base, installation types and three companies");
    for source in sources {
        let schema = schema_named_in(&source.text);
        let expected = match source.path.as_str() {
            "base.toml" => "BaseFile",
            "installation_types.toml" => "InstallationTypesFile",
            _ => "CompanyFile",
        };
        assert_eq!(schema["title"], json!(expected), "{} names the wrong schema", source.path);
        // The relative path in `#:schema` must resolve to the schema folder.
        let first = source.text.lines().next().unwrap();
        let relative = first.trim_start_matches("#:schema ");
        let file_dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("definitions").join(&source.path);
        let resolved = file_dir.parent().unwrap().join(relative);
        assert!(resolved.is_file(), "{}: {} does not exist", source.path, resolved.display());

        let document: Value = toml::from_str(&source.text).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{} does not satisfy its schema: {errors:#?}", source.path);
    }
}

#[test]
fn the_company_schema_refuses_a_typo_and_a_missing_key() {
    let schema = format_schemas::schemas()
        .into_iter()
        .find(|(name, _)| *name == "company.schema.json")
        .unwrap()
        .1;
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let good: Value = toml::from_str(
        r#"
        name = "Testnät"
        gsrn_prefixes = ["735999555"]
        [[network_area]]
        id = "a"
        name = "A"
        [[installation_type]]
        id = "fuse_change"
        "#,
    )
    .unwrap();
    assert!(validator.is_valid(&good), "{:?}", validator.validate(&good).err());

    let mut typo = good.clone();
    typo["installation_type"][0]["mandatry"] = json!(["owner.phone"]);
    assert!(!validator.is_valid(&typo), "an unknown key is refused");

    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("gsrn_prefixes");
    assert!(!validator.is_valid(&missing), "a missing required key is refused");

    let mut wrong_type = good;
    wrong_type["network_area"][0]["id"] = json!(7);
    assert!(!validator.is_valid(&wrong_type), "a number where a string belongs is refused");
}

#[test]
fn the_field_type_enumeration_matches_the_field_kinds() {
    let (_, base) = format_schemas::schemas().remove(0);
    let kinds: Vec<&str> = base["$defs"]["FieldKind"]["oneOf"]
        .as_array()
        .expect("FieldKind is a oneOf of documented constants")
        .iter()
        .map(|v| v["const"].as_str().or_else(|| v["enum"][0].as_str()).unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "text",
            "textarea",
            "number",
            "date",
            "choice",
            "email",
            "phone",
            "postal_code",
            "gsrn",
            "identity_number",
            "file",
            "group",
            "computed"
        ]
    );
}
