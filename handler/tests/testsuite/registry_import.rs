//! `handler import-registry`.

use std::path::Path;

use crate::support::cli::import;
use crate::support::fixture;

#[tokio::test]
async fn import_writes_good_rows_and_names_bad_ones() {
    use handler::store::RegistryStore;
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
