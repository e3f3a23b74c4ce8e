//! The installer firms and their members in SQLite.

use std::collections::BTreeSet;

use rusqlite::params;

use super::*;
use crate::store::{Firm, FirmMember, FirmStore};

impl FirmStore for SqliteStore {
    async fn put_firm(&self, firm: &Firm) -> StoreResult<()> {
        let (id, doc) = (firm.id.clone(), to_doc(firm)?);
        self.write("store a firm", move |tx| {
            tx.execute(
                "INSERT INTO firms (id, doc) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                params![id, doc],
            )
            .map_err(db_error("store a firm"))?;
            Ok(())
        })
        .await
    }

    async fn firms_by_id(&self, ids: &BTreeSet<String>) -> StoreResult<Vec<Firm>> {
        let ids = to_doc(ids)?;
        self.run(move |conn| {
            query_docs(
                conn,
                "read firms",
                "SELECT doc FROM firms WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id",
                [ids],
            )
        })
        .await
    }

    async fn all_firms(&self) -> StoreResult<Vec<Firm>> {
        self.run(|conn| query_docs(conn, "read firms", "SELECT doc FROM firms ORDER BY id", []))
            .await
    }

    async fn firm_membership(
        &self,
        firm: &str,
        email: Option<&str>,
    ) -> StoreResult<Option<(Firm, bool)>> {
        let (firm, email) = (firm.to_string(), email.map(str::to_string));
        self.run(move |conn| {
            let what = "read a firm's membership";
            let Some(found) =
                query_doc::<Firm>(conn, what, "SELECT doc FROM firms WHERE id = ?1", [&firm])?
            else {
                return Ok(None);
            };
            let member = match email {
                None => false,
                Some(email) => conn
                    .prepare_cached("SELECT 1 FROM firm_members WHERE firm = ?1 AND email = ?2")
                    .and_then(|mut stmt| stmt.exists(params![firm, email]))
                    .map_err(db_error(what))?,
            };
            Ok(Some((found, member)))
        })
        .await
    }

    async fn firm_members(&self, firm: &str) -> StoreResult<Vec<FirmMember>> {
        let firm = firm.to_string();
        self.run(move |conn| {
            query_docs(
                conn,
                "read a firm's members",
                "SELECT doc FROM firm_members WHERE firm = ?1 ORDER BY email",
                [firm],
            )
        })
        .await
    }

    async fn add_firm_member(&self, member: &FirmMember) -> StoreResult<()> {
        let (firm, email, doc) = (member.firm.clone(), member.email.clone(), to_doc(member)?);
        let what = "add a firm member";
        self.write(what, move |tx| {
            insert_new(
                tx,
                what,
                "INSERT INTO firm_members (firm, email, doc) VALUES (?1, ?2, ?3)",
                params![firm, email, doc],
            )
        })
        .await
    }

    async fn remove_firm_member(&self, firm: &str, email: &str) -> StoreResult<bool> {
        let (firm, email) = (firm.to_string(), email.to_string());
        let what = "remove a firm member";
        self.write(what, move |tx| {
            let removed = tx
                .execute(
                    "DELETE FROM firm_members WHERE firm = ?1 AND email = ?2",
                    params![firm, email],
                )
                .map_err(db_error(what))?;
            Ok(removed > 0)
        })
        .await
    }
}
