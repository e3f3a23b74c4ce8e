//! Odd requests and registries, and stopping the server: clear answers, never a crash.

use forms::formats::complete_gsrn;
use serde_json::json;

use crate::support::cases::{create_case, edit, field, id_of, lookup};
use crate::support::cli::import;
use crate::support::server::{ANNA, KARIN, Server};

#[tokio::test]
async fn odd_requests_get_clear_answers() {
    let server = Server::sqlite();
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));

    // Dates whose arithmetic would overflow, and ranges the wrong way round.
    for query in ["to=9999-12-31", "from=-9999-01-01&to=2026-01-01", "to=-9999-01-03"] {
        karin.get(&format!("/audit?{query}")).await.expect_error(422, "invalid_date");
    }
    karin.get("/audit?from=2026-02-01&to=2026-01-01").await.expect_error(422, "invalid_range");
    karin.get("/audit?from=2026-01-01&to=2026-01-31").await.expect(200);

    // Paths that are not even UTF-8 answer in the API's shape.
    anna.get("/cases/%FF").await.expect_error(404, "case_not_found");
    anna.get("/forms/%FF/fuse_change/schema").await.expect_error(404, "form_not_found");

    // A meter number registered on two installations finds neither: the EAN decides.
    let csv = |ean: &str| {
        format!(
            "{}\n{ean},7777,,Kvarngatan 1,252 21,Helsingborg,,helsingborg,25,Eva Ek,,,,,,\n",
            forms::REGISTRY_COLUMNS.join(",")
        )
    };
    let (one, two) = (complete_gsrn("73599910099000001"), complete_gsrn("73599910099000002"));
    for ean in [&one, &two] {
        let file = server.data_dir.path().join(format!("{ean}.csv"));
        std::fs::write(&file, csv(ean)).unwrap();
        assert_eq!(import(server.data_dir.path(), &file).code, Some(0));
    }
    let id = id_of(&create_case(&anna).await);
    let ambiguous = lookup(&anna, &id, json!({"version": 1, "meter_number": "7777"})).await;
    ambiguous.expect_error(422, "meter_number_ambiguous");
    let both = lookup(&anna, &id, json!({"version": 1, "meter_number": "7777", "ean": two})).await;
    assert_eq!(field(&both.expect(200)["case"], "installation.ean"), Some(two.as_str()));

    // Step 15: a lookup that names another owner than the case says so.
    edit(&anna, &id, 1, json!({"owner.name": "Nils Strand"})).await.expect(200);
    let other = lookup(&anna, &id, json!({"version": 2, "ean": one})).await;
    let warnings = other.expect(200)["warnings"].to_string();
    assert!(warnings.contains("Fastighetsägaren i registret (Eva Ek)"), "{warnings}");
    assert!(warnings.contains("(Nils Strand)"), "{warnings}");
}

/// A service manager stops `handler serve` with SIGTERM, a person with Ctrl-C (SIGINT): both
/// end it cleanly, with exit status 0.
#[test]
fn serve_stops_cleanly_on_sigterm_and_ctrl_c() {
    for signal in ["-TERM", "-INT"] {
        let mut server = Server::sqlite();
        let status = server.stop_with(signal);
        assert!(status.success(), "{signal}: {status}");
        assert!(server.log().contains("stopped"), "{signal}: {}", server.log());
    }
}
