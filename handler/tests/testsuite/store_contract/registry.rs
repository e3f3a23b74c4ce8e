//! The installation registry: found by EAN and by meter number within one company.

use forms::Installation;
use forms::formats::complete_gsrn;
use handler::store::Store;

fn installation(company_digits: &str, n: u32) -> Installation {
    Installation {
        ean: complete_gsrn(&format!("735999{company_digits}{n:08}")),
        meter_number: format!("M{company_digits}-{n}"),
        technical_number: format!("T{n}"),
        street_address: format!("Storgatan {n}"),
        postal_code: "252 21".into(),
        city: "Helsingborg".into(),
        owner_name: format!("Ägare {n}"),
        owner_identity_number: "19121212-1212".into(),
        ..Installation::default()
    }
}

async fn registry_finds_by_ean_and_meter_within_the_company<S: Store>(s: &S) {
    let rows: Vec<_> = (1..=3).map(|n| installation("100", n)).collect();
    let other = installation("200", 1);
    s.put_installations("co-x", &rows).await.unwrap();
    s.put_installations("co-y", std::slice::from_ref(&other)).await.unwrap();

    for row in &rows {
        assert_eq!(s.installation_by_ean("co-x", &row.ean).await.unwrap().as_ref(), Some(row));
        assert_eq!(
            s.installations_by_meter("co-x", &row.meter_number).await.unwrap().first(),
            Some(row)
        );
    }
    assert_eq!(s.installation_by_ean("co-x", &other.ean).await.unwrap(), None);
    assert_eq!(
        s.installations_by_meter("co-x", &other.meter_number).await.unwrap(),
        Vec::<Installation>::new()
    );
    assert_eq!(s.installation_by_ean("co-y", &rows[0].ean).await.unwrap(), None);
    assert_eq!(s.installation_by_ean("co-y", &other.ean).await.unwrap(), Some(other));
    assert_eq!(
        s.installations_by_meter("co-x", "M-unknown").await.unwrap(),
        Vec::<Installation>::new()
    );
    assert_eq!(s.installation_count("co-x").await.unwrap(), 3);
    assert_eq!(s.installation_count("co-y").await.unwrap(), 1);
    assert_eq!(s.installation_count("co-z").await.unwrap(), 0);
}

async fn a_reused_meter_number_finds_both_installations<S: Store>(s: &S) {
    let first = installation("100", 1);
    let mut second = installation("100", 2);
    second.meter_number = first.meter_number.clone();
    s.put_installations("co-x", &[first.clone(), second.clone()]).await.unwrap();
    let found = s.installations_by_meter("co-x", &first.meter_number).await.unwrap();
    let mut eans: Vec<_> = found.iter().map(|r| r.ean.clone()).collect();
    eans.sort();
    assert_eq!(eans, [first.ean, second.ean]);
}

async fn registry_rewrites_are_idempotent_and_replace<S: Store>(s: &S) {
    let mut rows: Vec<_> = (1..=3).map(|n| installation("100", n)).collect();
    s.put_installations("co-x", &rows).await.unwrap();
    s.put_installations("co-x", &rows).await.unwrap();
    assert_eq!(s.installation_count("co-x").await.unwrap(), 3);
    assert_eq!(s.installation_by_ean("co-x", &rows[1].ean).await.unwrap().as_ref(), Some(&rows[1]));

    // A new meter and address for the second installation replace the old row entirely.
    let old_meter = rows[1].meter_number.clone();
    rows[1].meter_number = "M-new".into();
    rows[1].city = "Höganäs".into();
    s.put_installations("co-x", &rows[1..2]).await.unwrap();
    assert_eq!(s.installation_count("co-x").await.unwrap(), 3);
    assert_eq!(s.installation_by_ean("co-x", &rows[1].ean).await.unwrap().as_ref(), Some(&rows[1]));
    assert_eq!(s.installations_by_meter("co-x", "M-new").await.unwrap().first(), Some(&rows[1]));
    assert_eq!(
        s.installations_by_meter("co-x", &old_meter).await.unwrap(),
        Vec::<Installation>::new()
    );

    // The same EAN twice in one call: the last row wins.
    let mut first = rows[2].clone();
    first.city = "Lund".into();
    let mut last = rows[2].clone();
    last.city = "Malmö".into();
    s.put_installations("co-x", &[first, last.clone()]).await.unwrap();
    assert_eq!(s.installation_by_ean("co-x", &last.ean).await.unwrap(), Some(last));
    assert_eq!(s.installation_count("co-x").await.unwrap(), 3);
}

async fn registry_takes_more_rows_than_one_batch<S: Store>(s: &S) {
    let rows: Vec<_> = (1..=60).map(|n| installation("100", n)).collect();
    s.put_installations("co-x", &rows).await.unwrap();
    assert_eq!(s.installation_count("co-x").await.unwrap(), 60);
    for row in [&rows[0], &rows[24], &rows[25], &rows[49], &rows[50], &rows[59]] {
        assert_eq!(s.installation_by_ean("co-x", &row.ean).await.unwrap().as_ref(), Some(row));
        assert_eq!(
            s.installations_by_meter("co-x", &row.meter_number).await.unwrap().first(),
            Some(row)
        );
    }
    s.put_installations("co-x", &[]).await.unwrap();
    assert_eq!(s.installation_count("co-x").await.unwrap(), 60);
}

/// A replace import: what the new file lacks goes, across more than one batch; another
/// company's installations stay.
async fn registry_removes_what_a_whole_registry_lacks<S: Store>(s: &S) {
    let rows: Vec<_> = (1..=60).map(|n| installation("100", n)).collect();
    let other = installation("200", 1);
    s.put_installations("co-x", &rows).await.unwrap();
    s.put_installations("co-y", std::slice::from_ref(&other)).await.unwrap();

    let keep: std::collections::BTreeSet<String> =
        rows.iter().step_by(2).map(|row| row.ean.clone()).collect();
    assert_eq!(s.remove_installations_except("co-x", &keep).await.unwrap(), 30);
    assert_eq!(s.installation_count("co-x").await.unwrap(), 30);
    for (n, row) in rows.iter().enumerate() {
        let found = s.installation_by_ean("co-x", &row.ean).await.unwrap();
        assert_eq!(found.is_some(), n % 2 == 0, "row {n}");
        let by_meter = s.installations_by_meter("co-x", &row.meter_number).await.unwrap();
        assert_eq!(by_meter.len(), usize::from(n % 2 == 0), "row {n} by meter");
    }
    assert_eq!(s.installation_by_ean("co-y", &other.ean).await.unwrap(), Some(other));
    // Nothing more to remove: removing again changes nothing.
    assert_eq!(s.remove_installations_except("co-x", &keep).await.unwrap(), 0);
    assert_eq!(s.remove_installations_except("co-x", &Default::default()).await.unwrap(), 30);
    assert_eq!(s.installation_count("co-x").await.unwrap(), 0);
    assert_eq!(s.installation_count("co-y").await.unwrap(), 1);
}

contract!(
    registry_removes_what_a_whole_registry_lacks,
    registry_finds_by_ean_and_meter_within_the_company,
    a_reused_meter_number_finds_both_installations,
    registry_rewrites_are_idempotent_and_replace,
    registry_takes_more_rows_than_one_batch,
);
