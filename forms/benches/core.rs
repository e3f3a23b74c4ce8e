//! The pure core's hot paths, with criterion: what one request or one start costs in `forms`.
//! `cargo bench -p forms --bench core`; figures in BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{ORESUNDSKRAFT_PREFIX, PERSONNUMMER, ean, form, full_case};
use criterion::{Criterion, criterion_group, criterion_main};
use forms::Definitions;
use forms::definitions::builtin_sources;
use forms::{FormPart, Installation};

/// The heaviest form (its page is the heaviest too, BENCHMARKS.md).
const COMPANY: &str = "oresundskraft";
const INSTALLATION_TYPE: &str = "temporary_installation";

/// A registry row that differs from the full case in most projected fields, so that a merge
/// with overwrite changes them.
fn registry_row() -> Installation {
    Installation {
        ean: ean(ORESUNDSKRAFT_PREFIX, 1111),
        meter_number: "87654321".into(),
        technical_number: "T-1111".into(),
        street_address: "Kullagatan 9".into(),
        postal_code: "252 20".into(),
        city: "Helsingborg".into(),
        property_designation: "Helsingborg Norr 4:56".into(),
        network_area: "angelholm".into(),
        main_fuse_a: "25".into(),
        owner_name: "Bertil Berg".into(),
        owner_identity_number: PERSONNUMMER.into(),
        owner_street_address: "Kullagatan 9".into(),
        owner_postal_code: "252 20".into(),
        owner_city: "Helsingborg".into(),
        owner_phone: "042-98 76 54".into(),
        owner_email: "bertil@exempel.se".into(),
    }
}

fn core(c: &mut Criterion) {
    let form = form(COMPANY, INSTALLATION_TYPE);
    let values = full_case(&form);
    let row = registry_row();

    // A lookup with apply: the merge, its changes, the warnings and what is shown.
    c.bench_function("lookup_outcome (merge, full case, overwrite)", |b| {
        b.iter(|| form.lookup_outcome(black_box(&values), "helsingborg", black_box(&row), true))
    });
    // What every PATCH and submit runs; a full valid case checks every field.
    assert!(form.validate(&values).is_empty(), "the full case must be valid");
    c.bench_function("validate (full case)", |b| {
        b.iter(|| form.validate_case(black_box(&values), &[], FormPart::Notice))
    });
    c.bench_function("json_schema (one form)", |b| b.iter(|| black_box(&form).json_schema()));
    // What `handler serve` and a Lambda cold start do before the first answer.
    let sources = builtin_sources();
    c.bench_function("definitions load (parse and check the shipped files)", |b| {
        b.iter(|| Definitions::parse("forms/definitions", black_box(&sources)).is_ok())
    });
}

criterion_group! {
    name = benches;
    // Short runs: a few seconds in all, enough for figures that are microseconds.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = core
}
criterion_main!(benches);
