//! The one walker of a definitions folder: every `.toml` file below it, by its path relative to
//! the folder (with `/`), sorted. Used by `forms/build.rs` to embed the shipped definitions and
//! by whatever reads definitions from disk; the `forms` core itself reads no files.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A file or folder that could not be read, and why.
#[derive(Debug)]
pub struct Error {
    pub path: PathBuf,
    pub source: io::Error,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: cannot be read: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Every `.toml` file below `dir`, recursively: `(relative path with '/', path)`, sorted by the
/// relative path so that every machine sees the same order.
pub fn list(dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
    files.sort();
    Ok(files)
}

/// Every `.toml` file below `dir` with its text: `(relative path with '/', text)`, sorted.
pub fn read(dir: &Path) -> Result<Vec<(String, String)>, Error> {
    list(dir)?
        .into_iter()
        .map(|(rel, path)| match fs::read_to_string(&path) {
            Ok(text) => Ok((rel, text)),
            Err(source) => Err(Error { path, source }),
        })
        .collect()
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) -> Result<(), Error> {
    let failed = |source| Error { path: dir.to_path_buf(), source };
    for entry in fs::read_dir(dir).map_err(failed)? {
        let path = entry.map_err(failed)?.path();
        if path.is_dir() {
            walk(root, &path, files)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>();
            files.push((rel.join("/"), path));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_toml_files_below_the_folder_sorted_with_slashes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("companies/nested")).unwrap();
        for (rel, text) in [
            ("installation_types.toml", "b"),
            ("base.toml", "a"),
            ("companies/z.toml", "z"),
            ("companies/nested/deep.toml", "d"),
            ("companies/notes.txt", "not toml"),
            ("schema/base.schema.json", "{}"),
        ] {
            let path = root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let listed = list(root).unwrap();
        let rels: Vec<&str> = listed.iter().map(|(rel, _)| rel.as_str()).collect();
        assert_eq!(
            rels,
            [
                "base.toml",
                "companies/nested/deep.toml",
                "companies/z.toml",
                "installation_types.toml"
            ]
        );
        assert!(listed.iter().all(|(rel, path)| path == &root.join(rel)));
        let read = read(root).unwrap();
        let texts: Vec<&str> = read.iter().map(|(_, text)| text.as_str()).collect();
        assert_eq!(texts, ["a", "d", "z", "b"]);
    }

    #[test]
    fn a_folder_that_cannot_be_read_is_named() {
        let error = read(Path::new("no/such/folder")).unwrap_err();
        assert_eq!(error.path, Path::new("no/such/folder"));
        assert!(error.to_string().starts_with("no/such/folder: cannot be read: "), "{error}");
    }
}
