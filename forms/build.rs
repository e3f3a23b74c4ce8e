//! Embeds every file under `definitions/` so the handler and the site need no files at run time.

use std::{env, fs, path::Path};

fn main() {
    // Read when it runs, not when it is compiled: checkouts that share a target folder (git
    // worktrees) share this script too.
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap();
    let root = Path::new(&manifest).join("definitions");
    // A folder here makes Cargo look at everything below it, new files included.
    println!("cargo:rerun-if-changed={}", root.display());
    // They share its output as well: a build from another folder makes it again, so that each
    // checkout embeds its own definitions.
    println!("cargo:rerun-if-env-changed=PWD");
    let files = definition_files::list(&root).unwrap_or_else(|e| panic!("{e}"));
    let entries: String = files
        .iter()
        .map(|(rel, path)| format!("    ({rel:?}, include_str!({:?})),\n", path.to_string_lossy()))
        .collect();
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_definitions.rs");
    let text = format!("&[\n{entries}]\n");
    // Written only when it changed: running again rebuilds nothing.
    if fs::read_to_string(&out).ok().as_deref() != Some(text.as_str()) {
        fs::write(out, text).unwrap();
    }
}
