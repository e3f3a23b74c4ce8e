//! The handler's modules in layers, lowest first: `store` (the ports and their adapters), `http`
//! (the router over the store), `local` (what only `handler serve` has, over both). A module
//! names only the layers below it, so there is no cycle between them; each source file's
//! `crate::` paths show it.

use std::path::{Path, PathBuf};

/// The layers each folder of handler/src may not name.
const FORBIDDEN: [(&str, &[&str]); 2] =
    [("store", &["crate::http", "crate::local"]), ("http", &["crate::local"])];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn store_http_and_local_name_only_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (folder, forbidden) in FORBIDDEN {
        let files = rust_files(&src.join(folder));
        assert!(files.len() > 3, "the files of src/{folder} are read");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a source file");
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                for layer in forbidden.iter().filter(|layer| code.contains(*layer)) {
                    let at = file.strip_prefix(&src).unwrap_or(&file).display();
                    wrong.push(format!("src/{at}:{}: {layer} in `{code}`", n + 1));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "a lower layer names a higher one:\n{}", wrong.join("\n"));
}
