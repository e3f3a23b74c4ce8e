//! Embeds every file under `definitions/` so the handler and the site need no files at run time.

use std::{env, fs, path::Path};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("definitions");
    // A folder here makes Cargo look at everything below it, new files included.
    println!("cargo:rerun-if-changed={}", root.display());
    let files = definition_files::list(&root).unwrap_or_else(|e| panic!("{e}"));
    let entries: String = files
        .iter()
        .map(|(rel, path)| format!("    ({rel:?}, include_str!({:?})),\n", path.to_string_lossy()))
        .collect();
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_definitions.rs");
    fs::write(out, format!("&[\n{entries}]\n")).unwrap();
}
