//! `handler import-registry`.

use std::path::Path;

use handler::store::RegistryStore;

use crate::support::cli::{import, import_with};
use crate::support::fixture;

#[tokio::test]
async fn import_writes_good_rows_and_names_bad_ones() {
    use handler::store::sqlite::SqliteStore;

    let dir = tempfile::tempdir().unwrap();
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/registry/oresundskraft_mixed.csv");
    let expected_stderr = [
        "rad 5: Kontrollsiffran i ean stämmer inte",
        "rad 6: ean tillhör ett annat nätbolag än Öresundskraft",
        "rad 7: samma ean som rad 2",
        "rad 8: meter_number saknas",
        "rad 9: raden har 15 kolumner, ska ha 16",
    ];
    let summary = "3 anläggningar importerade till Öresundskraft, 5 rader refuserade.";

    let mut stored = Vec::new();
    for round in ["first import", "same file again"] {
        let run = import(dir.path(), &csv);
        assert_eq!(run.code, Some(1), "{round}: {}", run.stderr);
        assert_eq!(run.stderr.lines().collect::<Vec<_>>(), expected_stderr, "{round}");
        assert_eq!(run.stdout.lines().collect::<Vec<_>>(), [summary], "{round}");

        let store = SqliteStore::open(&dir.path().join("elanmalan.sqlite3")).unwrap();
        assert_eq!(store.installation_count("oresundskraft").await.unwrap(), 3, "{round}");
        let mut rows = Vec::new();
        for ean in ["735999100900000011", "735999100900000028", "735999100900000035"] {
            rows.push(store.installation_by_ean("oresundskraft", ean).await.unwrap().expect(ean));
        }
        // The duplicate of row 2 did not overwrite it; quoted commas survive.
        assert_eq!(rows[0].owner_name, "Greta Ek");
        assert_eq!(rows[0].meter_number, "9001");
        assert_eq!(rows[1].owner_name, "Holm, Sven");
        assert_eq!(rows[1].property_designation, "Ängelholm Centrum 2:2, del 1");
        assert_eq!(rows[2].main_fuse_a, "");
        for (eans, meter) in [("735999100900000066", "9001"), ("735999100900000043", "9004")] {
            assert!(store.installation_by_ean("oresundskraft", eans).await.unwrap().is_none());
            let by_meter = store.installations_by_meter("oresundskraft", meter).await.unwrap();
            assert_eq!(
                by_meter.first().map(|r| r.ean.clone()),
                (meter == "9001").then(|| "735999100900000011".to_string())
            );
        }
        assert_eq!(store.installation_count("exempelnat_norr").await.unwrap(), 0);
        if stored.is_empty() {
            stored = rows;
        } else {
            assert_eq!(rows, stored, "a second import changes nothing");
        }
    }

    // A good file exits 0.
    let good = dir.path().join("good.csv");
    let text = fixture("registry/oresundskraft_mixed.csv");
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&good, [lines[0], lines[1], lines[2]].join("\n") + "\n").unwrap();
    let run = import(dir.path(), &good);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout.trim_end(),
        "2 anläggningar importerade till Öresundskraft, 0 rader refuserade."
    );

    // A wrong header: one line, naming the missing column; nothing written.
    let fresh = tempfile::tempdir().unwrap();
    let wrong =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry/wrong_header.csv");
    let run = import(fresh.path(), &wrong);
    assert_eq!(run.code, Some(1));
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].ends_with("owner_email saknas"), "{}", lines[0]);
    assert!(lines[0].contains("rad 1"), "{}", lines[0]);
    assert_eq!(run.stdout, "");
}

/// The fixture's header and its first three rows, all good.
fn good_lines() -> Vec<String> {
    fixture("registry/oresundskraft_mixed.csv").lines().take(4).map(str::to_string).collect()
}

/// A file as a spreadsheet saves it: CRLF line breaks. The lines named are the file's own.
#[test]
fn lines_are_named_right_in_a_file_with_crlf_line_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let text = fixture("registry/oresundskraft_mixed.csv");
    let lf = import(dir.path(), &write(dir.path(), "lf.csv", &text));
    let crlf_file = write(dir.path(), "crlf.csv", &text.replace('\n', "\r\n"));
    let crlf = import(tempfile::tempdir().unwrap().path(), &crlf_file);
    assert_eq!(crlf.stderr, lf.stderr);
    assert!(crlf.stderr.starts_with("rad 5: "), "{}", crlf.stderr);
    assert_eq!(crlf.stderr.lines().last(), Some("rad 9: raden har 15 kolumner, ska ha 16"));
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A 10 MB `city` is refused by its line and column on both stores (it used to import into
/// SQLite and then fill a 41.9 MB lookup answer, and to fail on DynamoDB as "store unavailable"
/// with no line); the rows around it are imported; no line repeats a customer's data.
#[tokio::test]
async fn a_ten_megabyte_cell_is_refused_by_line_and_column_on_both_stores() {
    let dir = tempfile::tempdir().unwrap();
    let lines = good_lines();
    let mut huge: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    huge[5] = "H".repeat(10 * 1024 * 1024);
    let text = [lines[0].clone(), lines[1].clone(), huge.join(","), lines[3].clone()].join("\n");
    let file = write(dir.path(), "huge.csv", &(text + "\n"));

    let (client, table) = crate::support::dynamodb::fresh_table("import_huge").await;
    let dynamodb = handler::store::dynamodb::DynamoStore::new(client, table.clone());
    let sqlite_dir = tempfile::tempdir().unwrap();
    for args in [vec![], vec!["--store", "dynamodb", "--table", &table]] {
        let run = import_with(sqlite_dir.path(), &file, &args);
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "rad 3: kolumn city: Ort får vara högst 50 tecken.\n", "{args:?}");
        assert_eq!(
            run.stdout.trim_end(),
            "2 anläggningar importerade till Öresundskraft, 1 rader refuserade."
        );
    }
    let sqlite =
        handler::store::sqlite::SqliteStore::open(&sqlite_dir.path().join("elanmalan.sqlite3"))
            .unwrap();
    for (name, count, missing) in [
        (
            "sqlite",
            sqlite.installation_count("oresundskraft").await.unwrap(),
            sqlite.installation_by_ean("oresundskraft", &huge[0]).await.unwrap(),
        ),
        (
            "dynamodb",
            dynamodb.installation_count("oresundskraft").await.unwrap(),
            dynamodb.installation_by_ean("oresundskraft", &huge[0]).await.unwrap(),
        ),
    ] {
        assert_eq!(count, 2, "{name}");
        assert_eq!(missing, None, "{name}");
    }
}

/// `--replace`: the file is the whole registry. What it lacks is removed, unless a row was
/// refused (its installation would be lost with it).
#[tokio::test]
async fn replace_removes_what_the_file_lacks_but_only_when_every_row_was_read() {
    use handler::store::sqlite::SqliteStore;

    let dir = tempfile::tempdir().unwrap();
    let lines = good_lines();
    let eans: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    let all = write(dir.path(), "all.csv", &(lines.join("\n") + "\n"));
    assert_eq!(import(dir.path(), &all).code, Some(0));

    // Without --replace a shorter file removes nothing.
    let two = write(
        dir.path(),
        "two.csv",
        &([&lines[0], &lines[1], &lines[3]].map(|l| l.as_str()).join("\n") + "\n"),
    );
    let run = import(dir.path(), &two);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let store = || SqliteStore::open(&dir.path().join("elanmalan.sqlite3")).unwrap();
    assert_eq!(store().installation_count("oresundskraft").await.unwrap(), 3);

    // With a refused row, --replace removes nothing and says why.
    let broken = write(
        dir.path(),
        "broken.csv",
        &format!("{}\n{}\n{},,\n", lines[0], lines[1], &lines[3][..40]),
    );
    let run = import_with(dir.path(), &broken, &["--replace"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("Inga anläggningar togs bort"), "{}", run.stdout);
    assert_eq!(store().installation_count("oresundskraft").await.unwrap(), 3);

    // A good file with --replace: the missing one is gone, the others stay.
    let run = import_with(dir.path(), &two, &["--replace"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("1 anläggningar som inte finns i filen togs bort."),
        "{}",
        run.stdout
    );
    let s = store();
    assert_eq!(s.installation_count("oresundskraft").await.unwrap(), 2);
    assert!(s.installation_by_ean("oresundskraft", eans[1]).await.unwrap().is_none());
    for ean in [eans[0], eans[2]] {
        assert!(s.installation_by_ean("oresundskraft", ean).await.unwrap().is_some(), "{ean}");
    }
}
