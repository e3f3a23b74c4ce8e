//! Writes a definitions folder with `N` synthetic network companies, each offering all five
//! installation types with two network areas, next to the shipped base and installation types:
//! for measuring the site build and the server's start at the scale of Sweden (about 170
//! network companies; BENCHMARKS.md).
//!
//!     cargo run -p forms --example synthetic_companies -- 200 target/synthetic
//!     handler check-definitions target/synthetic

use std::path::Path;
use std::process::ExitCode;

const TYPES: [&str; 5] = [
    "service_change",
    "fuse_change",
    "existing_installation_work",
    "temporary_installation",
    "extension",
];

/// One company's file: a GSRN prefix of its own (735999 + three digits from `n`), two areas.
fn company(n: usize) -> String {
    let mut text = format!(
        "name = \"Syntetiskt Nät {n} AB (exempel)\"\ngsrn_prefixes = [\"735999{:03}\"]\n\
         case_number_prefix = \"S\"\ninbox_email = \"anmalan{n}@syntetiskt.example\"\n",
        n + 100
    );
    for area in ["norr", "syd"] {
        text.push_str(&format!("\n[[network_area]]\nid = \"{area}\"\nname = \"{area} {n}\"\n"));
    }
    for kind in TYPES {
        text.push_str(&format!("\n[[installation_type]]\nid = \"{kind}\"\n"));
    }
    text
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(dir)) = (args.first().and_then(|n| n.parse::<usize>().ok()), args.get(1))
    else {
        eprintln!("usage: synthetic_companies N DIR (N at most 899)");
        return ExitCode::FAILURE;
    };
    if n > 899 {
        eprintln!("at most 899 companies: each needs a prefix of its own");
        return ExitCode::FAILURE;
    }
    let dir = Path::new(dir);
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("definitions");
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a folder"))
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let result = (|| {
        for file in ["base.toml", "installation_types.toml"] {
            let text = std::fs::read_to_string(shipped.join(file)).map_err(|e| e.to_string())?;
            write(file, &text)?;
        }
        (1..=n).try_for_each(|i| write(&format!("companies/syntetiskt_{i:03}.toml"), &company(i)))
    })();
    match result {
        Ok(()) => {
            println!("{n} companies written to {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("synthetic_companies: {e}");
            ExitCode::FAILURE
        }
    }
}
