//! The pages' scripts and templates hold no status or move label of their own: every one comes
//! from the data the build writes from `forms::words`, so a label changed in the core changes
//! every page, and one forgotten here fails this test with its file and label.

use forms::{Move, Status};

/// The site's scripts and templates, by path, without their comments (a comment may name a
/// status to say why).
fn sources() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["assets", "templates"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("site/{dir}/{}", path.file_name().unwrap().to_string_lossy());
            let text = std::fs::read_to_string(&path).unwrap();
            if let Some(code) = code_of(&name, &text) {
                files.push((name, code));
            }
        }
    }
    assert!(files.iter().any(|(n, _)| n == "site/assets/case.js"), "found the scripts");
    files
}

/// A script's or template's text without its comments; `None` for other files.
fn code_of(name: &str, text: &str) -> Option<String> {
    if name.ends_with(".js") {
        let lines = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| l.split_once(" // ").map_or(l, |(code, _)| code));
        Some(lines.collect::<Vec<_>>().join("\n"))
    } else if name.ends_with(".html") {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("{#") {
            out.push_str(&rest[..start]);
            rest = rest[start..].find("#}").map_or("", |end| &rest[start + end + 2..]);
        }
        Some(out + rest)
    } else {
        None
    }
}

/// Where `text` holds a status label anywhere, or a move label as a whole string or element
/// text: (file, label).
fn literal_labels(files: &[(String, String)]) -> Vec<(String, &'static str)> {
    let mut found = Vec::new();
    for (name, text) in files {
        for status in Status::ALL {
            if text.contains(status.label()) {
                found.push((name.clone(), status.label()));
            }
        }
        for m in Move::ALL {
            let label = m.label();
            let whole = ["\"", "'", "`", ">"]
                .iter()
                .zip(["\"", "'", "`", "<"])
                .any(|(open, close)| text.contains(&format!("{open}{label}{close}")));
            if whole && !found.contains(&(name.clone(), label)) {
                found.push((name.clone(), label));
            }
        }
    }
    found
}

#[test]
fn scripts_and_templates_hold_no_status_or_move_label() {
    let found = literal_labels(&sources());
    let named: Vec<String> =
        found.iter().map(|(file, label)| format!("{file}: \"{label}\"")).collect();
    assert!(
        named.is_empty(),
        "labels spelled in the site instead of taken from forms::words:\n{}",
        named.join("\n")
    );
}

#[test]
fn the_check_finds_a_label_in_a_script_or_a_template() {
    let files = [
        ("a.js", "const s = { returned: \"För godkännande\" };"),
        ("b.html", "{# Makulerad #}<button data-action=\"close\">Avsluta</button>"),
        ("c.js", "msg = \"Avsluta ärendet?\"; // Makulerad\n// Godkänd"),
    ]
    .map(|(name, text)| (name.to_string(), code_of(name, text).unwrap()));
    assert_eq!(
        literal_labels(&files),
        [("a.js".to_string(), "För godkännande"), ("b.html".to_string(), "Avsluta")]
    );
}
