//! The registry of installations in SQLite.

use forms::Installation;
use rusqlite::params;

use super::*;

impl RegistryStore for SqliteStore {
    async fn put_installations(&self, company: &str, rows: &[Installation]) -> StoreResult<()> {
        let company = company.to_string();
        let rows = rows
            .iter()
            .map(|row| Ok((row.ean.clone(), row.meter_number.clone(), to_doc(row)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        self.write("write installations", move |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO registry (company, ean, meter_number, doc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (company, ean)
                     DO UPDATE SET meter_number = excluded.meter_number, doc = excluded.doc",
                )
                .map_err(db_error("write installations"))?;
            for (ean, meter_number, doc) in rows {
                stmt.execute(params![company, ean, meter_number, doc])
                    .map_err(db_error("write installations"))?;
            }
            Ok(())
        })
        .await
    }

    async fn installation_by_ean(
        &self,
        company: &str,
        ean: &str,
    ) -> StoreResult<Option<Installation>> {
        let (company, ean) = (company.to_string(), ean.to_string());
        self.run(move |conn| {
            query_doc(
                conn,
                "read an installation",
                "SELECT doc FROM registry WHERE company = ?1 AND ean = ?2",
                [company, ean],
            )
        })
        .await
    }

    async fn installations_by_meter(
        &self,
        company: &str,
        meter_number: &str,
    ) -> StoreResult<Vec<Installation>> {
        let (company, meter) = (company.to_string(), meter_number.to_string());
        if meter.is_empty() {
            return Ok(Vec::new());
        }
        self.run(move |conn| {
            query_docs(
                conn,
                "read an installation",
                "SELECT doc FROM registry WHERE company = ?1 AND meter_number = ?2
                 ORDER BY ean LIMIT 2",
                [company, meter],
            )
        })
        .await
    }

    async fn installation_count(&self, company: &str) -> StoreResult<u64> {
        let company = company.to_string();
        self.run(move |conn| {
            let count: i64 = conn
                .query_row("SELECT COUNT(*) FROM registry WHERE company = ?1", [company], |row| {
                    row.get(0)
                })
                .map_err(db_error("count installations"))?;
            Ok(count.unsigned_abs())
        })
        .await
    }

    async fn remove_installations_except(
        &self,
        company: &str,
        keep: &BTreeSet<String>,
    ) -> StoreResult<u64> {
        let (company, keep) = (company.to_string(), keep.clone());
        self.write("remove installations", move |tx| {
            let eans: Vec<String> = tx
                .prepare("SELECT ean FROM registry WHERE company = ?1")
                .and_then(|mut stmt| {
                    stmt.query_map([&company], |row| row.get(0))?.collect::<Result<_, _>>()
                })
                .map_err(db_error("remove installations"))?;
            let mut delete = tx
                .prepare_cached("DELETE FROM registry WHERE company = ?1 AND ean = ?2")
                .map_err(db_error("remove installations"))?;
            let mut removed = 0;
            for ean in eans.iter().filter(|ean| !keep.contains(*ean)) {
                removed += delete
                    .execute(params![company, ean])
                    .map_err(db_error("remove installations"))?;
            }
            Ok(removed as u64)
        })
        .await
    }
}
