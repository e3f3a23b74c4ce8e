//! "Hämta anl-data" as pure rules: what the installer typed is checked before any lookup
//! ([`Form::lookup_query`]), what the registry answered is resolved to one installation or a
//! reason ([`Form::resolve_lookup`]), and the installation found is merged into the case with
//! what the installer is shown ([`Form::lookup_outcome`]). The store and the audit log stay with
//! the caller. Over 500 lines with its unit tests, which read best next to the rules.

/// How many lookups a user and an installer firm may make.
mod limits;

pub use limits::{LookupCount, LookupRefusal};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::form::{Change, FieldValues, Form, Problem, gsrn_problem};
use crate::formats::normalize_gsrn;
use crate::registry::Installation;

/// What a lookup was made by, as the audit log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LookupKey {
    Ean,
    MeterNumber,
    EanAndMeterNumber,
}

impl LookupKey {
    pub fn as_str(self) -> &'static str {
        match self {
            LookupKey::Ean => "ean",
            LookupKey::MeterNumber => "meter_number",
            LookupKey::EanAndMeterNumber => "ean_and_meter_number",
        }
    }
}

/// The numbers to look up, checked: an anläggnings-ID without spaces and valid for the company,
/// a trimmed meter number of a length the form allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupQuery {
    Ean(String),
    MeterNumber(String),
    EanAndMeterNumber { ean: String, meter_number: String },
}

impl LookupQuery {
    /// The numbers as typed, normalised as [`Form::lookup_query`] does (spaces out of the
    /// anläggnings-ID, the meter number trimmed, empty ones not given) but not checked against
    /// a form: what the handler may read the registry by while it still reads the case, and
    /// uses only once the form has checked the same query.
    pub fn unchecked(
        ean: Option<&str>,
        meter_number: Option<&str>,
    ) -> Result<LookupQuery, LookupError> {
        let ean = ean.map(normalize_gsrn).filter(|e| !e.is_empty());
        let meter_number = meter_number.map(str::trim).filter(|m| !m.is_empty());
        match (ean, meter_number.map(str::to_string)) {
            (Some(ean), Some(meter_number)) => {
                Ok(LookupQuery::EanAndMeterNumber { ean, meter_number })
            }
            (Some(ean), None) => Ok(LookupQuery::Ean(ean)),
            (None, Some(meter_number)) => Ok(LookupQuery::MeterNumber(meter_number)),
            (None, None) => Err(LookupError::NumberMissing),
        }
    }

    pub fn key(&self) -> LookupKey {
        match self {
            LookupQuery::Ean(_) => LookupKey::Ean,
            LookupQuery::MeterNumber(_) => LookupKey::MeterNumber,
            LookupQuery::EanAndMeterNumber { .. } => LookupKey::EanAndMeterNumber,
        }
    }

    /// The anläggnings-ID to find the installation by, if one was given.
    pub fn ean(&self) -> Option<&str> {
        match self {
            LookupQuery::Ean(ean) | LookupQuery::EanAndMeterNumber { ean, .. } => Some(ean),
            LookupQuery::MeterNumber(_) => None,
        }
    }

    /// The meter number to find installations by, if one was given.
    pub fn meter_number(&self) -> Option<&str> {
        match self {
            LookupQuery::MeterNumber(meter_number)
            | LookupQuery::EanAndMeterNumber { meter_number, .. } => Some(meter_number),
            LookupQuery::Ean(_) => None,
        }
    }
}

/// What the installer is told when no installation has the number (manual step 14).
pub const NOT_FOUND_GUIDANCE: &str = "Kontrollera att du har rätt nummer. Töm de gamla fälten \
    Mätarnummer och Anläggnings-ID (EAN), fyll i det nya numret och hämta igen.";

/// Why a lookup gives no installation. [`LookupError::NotFound`] is a 404 in the API, the rest
/// are 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("neither a meter number nor an EAN was given")]
    NumberMissing,
    /// Not 18 digits, a wrong check digit or another company's prefix; found before any lookup.
    #[error("the EAN is not valid: {:?}", .0.code)]
    InvalidEan(Problem),
    #[error("the meter number is longer than {max_length} characters")]
    InvalidMeterNumber { max_length: u32 },
    #[error("no installation has the number")]
    NotFound { company_name: String },
    /// One meter number on two installations cannot be trusted to find the right customer.
    #[error("the meter number is on several installations")]
    MeterNumberAmbiguous,
    #[error("the meter number and the EAN name different installations")]
    EanMeterMismatch,
}

impl LookupError {
    pub fn code(&self) -> &'static str {
        match self {
            LookupError::NumberMissing => "number_missing",
            LookupError::InvalidEan(_) => "invalid_ean",
            LookupError::InvalidMeterNumber { .. } => "invalid_meter_number",
            LookupError::NotFound { .. } => "installation_not_found",
            LookupError::MeterNumberAmbiguous => "meter_number_ambiguous",
            LookupError::EanMeterMismatch => "ean_meter_mismatch",
        }
    }

    /// The Swedish explanation for the installer, saying what to do.
    pub fn message(&self) -> String {
        match self {
            LookupError::NumberMissing => {
                "Fyll i Mätarnummer eller Anläggnings-ID (EAN) och hämta igen.".into()
            }
            LookupError::InvalidEan(problem) => problem.message.clone(),
            LookupError::InvalidMeterNumber { max_length } => {
                format!("Mätarnummer har högst {max_length} tecken. Kontrollera numret på mätaren.")
            }
            LookupError::NotFound { company_name } => {
                format!("Ingen anläggning hittades hos {company_name}. {NOT_FOUND_GUIDANCE}")
            }
            LookupError::MeterNumberAmbiguous => "Mätarnumret finns på flera anläggningar i \
                nätbolagets register. Hämta med Anläggnings-ID (EAN) i stället."
                .into(),
            LookupError::EanMeterMismatch => "Mätarnumret och Anläggnings-ID (EAN) hör till \
                olika anläggningar. Kontrollera numren, töm det som är fel och hämta igen."
                .into(),
        }
    }

    /// The field problem behind the error, for the error's `fields`.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            LookupError::InvalidEan(problem) => Some(problem),
            _ => None,
        }
    }
}

/// What a lookup does to a case and shows the installer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupOutcome {
    /// "Anläggningen hittades." and where it is.
    pub message: String,
    /// The installation and customer found, as fields of this form; never identity numbers.
    pub installation: FieldValues,
    /// The case's fields after the lookup.
    pub fields: FieldValues,
    pub changes: Vec<Change>,
    /// Another network area in the registry, another owner than in the case.
    pub warnings: Vec<String>,
}

impl Form<'_> {
    /// Checks what the installer typed before anything is looked up: at least one number, an
    /// anläggnings-ID (spaces removed) that is valid for this company, a meter number (trimmed)
    /// no longer than the form allows. Empty numbers count as not given.
    pub fn lookup_query(
        &self,
        ean: Option<&str>,
        meter_number: Option<&str>,
    ) -> Result<LookupQuery, LookupError> {
        let query = LookupQuery::unchecked(ean, meter_number)?;
        if let (Some(ean), Some(field)) = (query.ean(), self.field("installation.ean"))
            && let Some(problem) = gsrn_problem(field.field, ean, self.company)
        {
            return Err(LookupError::InvalidEan(problem));
        }
        if let (Some(meter_number), Some(field)) =
            (query.meter_number(), self.field("installation.meter_number"))
        {
            let max_length = field.field.max_length;
            if meter_number.chars().count() > max_length as usize {
                return Err(LookupError::InvalidMeterNumber { max_length });
            }
        }
        Ok(query)
    }

    /// The installation that the registry's answers name: `by_ean`, what was found by the
    /// query's anläggnings-ID; `by_meter_number`, what was found by its meter number (the store
    /// need return at most two). When both numbers were given they must name the same
    /// installation; a meter number alone must name exactly one.
    pub fn resolve_lookup(
        &self,
        query: &LookupQuery,
        by_ean: Option<Installation>,
        mut by_meter_number: Vec<Installation>,
    ) -> Result<Installation, LookupError> {
        let not_found = || LookupError::NotFound { company_name: self.company.name.clone() };
        match query {
            LookupQuery::Ean(_) => by_ean.ok_or_else(not_found),
            LookupQuery::MeterNumber(_) => match by_meter_number.len() {
                0 | 1 => by_meter_number.pop().ok_or_else(not_found),
                _ => Err(LookupError::MeterNumberAmbiguous),
            },
            LookupQuery::EanAndMeterNumber { .. } => {
                let found = by_ean.ok_or_else(not_found)?;
                if by_meter_number.iter().any(|m| m.ean == found.ean) {
                    Ok(found)
                } else if by_meter_number.is_empty() {
                    Err(not_found())
                } else {
                    Err(LookupError::EanMeterMismatch)
                }
            }
        }
    }

    /// Everything a lookup that found `installation` answers: the case's `values` merged by
    /// "Skriv över fält i anmälan?" (`overwrite`), the changes, the warnings against the case's
    /// `network_area` and owner, what is shown of the installation and the message.
    pub fn lookup_outcome(
        &self,
        values: &FieldValues,
        network_area: &str,
        installation: &Installation,
        overwrite: bool,
    ) -> LookupOutcome {
        let (fields, changes) = self.merge_lookup(values, installation, overwrite);
        let warnings = [
            self.network_area_warning(network_area, installation),
            self.customer_warning(values, installation),
        ]
        .into_iter()
        .flatten()
        .collect();
        let shown = self.project(installation);
        let place: Vec<&str> = ["installation.street_address", "installation.city"]
            .into_iter()
            .filter_map(|id| shown.get(id).map(String::as_str))
            .collect();
        let message = if place.is_empty() {
            "Anläggningen hittades.".to_string()
        } else {
            format!("Anläggningen hittades: {}.", place.join(", "))
        };
        LookupOutcome { message, installation: shown, fields, changes, warnings }
    }

    /// Merges an installation from the registry into `values` ("Hämta anl-data").
    ///
    /// `overwrite` is the installer's answer to "Skriv över fält i anmälan?": Ja sets every
    /// projected field to the registry's value, clearing it when the registry has none, so that
    /// nothing of an earlier wrong lookup survives; Nej fills only empty fields. The
    /// always-overwritten fields (EAN, technical and meter number) are set either way, and the
    /// never-returned ones (identity numbers) are never touched.
    pub fn merge_lookup(
        &self,
        values: &FieldValues,
        installation: &Installation,
        overwrite: bool,
    ) -> (FieldValues, Vec<Change>) {
        let rules = &self.definitions.lookup;
        let mut merged = values.clone();
        let mut changes = Vec::new();
        for (column, field) in &rules.projection {
            if self.field(field).is_none() || rules.never_returned.contains(field) {
                continue;
            }
            let new = installation.column(column).filter(|v| !v.is_empty());
            let before = values.get(field);
            let write = overwrite || rules.always_overwrite.contains(field) || before.is_none();
            if !write || before.map(String::as_str) == new {
                continue;
            }
            match new {
                Some(v) => merged.insert(field.clone(), v.to_string()),
                None => merged.remove(field),
            };
            changes.push(Change {
                field: field.clone(),
                before: before.cloned(),
                after: new.map(str::to_string),
            });
        }
        // A computed value may be of a field the registry fills.
        self.compute(&mut merged);
        (merged, changes)
    }

    /// What a lookup shows of an installation: its projected, non-empty fields in this form.
    /// Identity numbers are never among them.
    pub fn project(&self, installation: &Installation) -> FieldValues {
        let rules = &self.definitions.lookup;
        rules
            .projection
            .iter()
            .filter(|(_, field)| {
                self.field(field).is_some() && !rules.never_returned.contains(field)
            })
            .filter_map(|(column, field)| {
                let v = installation.column(column).filter(|v| !v.is_empty())?;
                Some((field.clone(), v.to_string()))
            })
            .collect()
    }

    /// A warning when the case names another owner than the registry (manual step 15: check it
    /// is the right customer). A lookup never changes identity numbers, nor the payer, so those
    /// may still be the other customer's.
    pub fn customer_warning(
        &self,
        values: &FieldValues,
        installation: &Installation,
    ) -> Option<String> {
        let before = values.get("owner.name")?;
        let registered = installation.column("owner_name").filter(|n| !n.is_empty())?;
        if before.trim().to_lowercase() == registered.to_lowercase() {
            return None;
        }
        Some(format!(
            "Fastighetsägaren i registret ({registered}) är inte den som står i anmälan \
             ({before}). Kontrollera att det är rätt kund. Person-/organisationsnummer och \
             Betalningsansvarig ändras inte av en hämtning."
        ))
    }

    /// A warning when the registry places the installation in another network area.
    pub fn network_area_warning(
        &self,
        network_area: &str,
        installation: &Installation,
    ) -> Option<String> {
        let registered = installation.column("network_area").filter(|a| !a.is_empty())?;
        if registered == network_area {
            return None;
        }
        let name = |id: &str| {
            self.company.network_area(id).map_or_else(|| id.to_string(), |a| a.name.clone())
        };
        Some(format!(
            "Anläggningen ligger i nätområde {} enligt {}s register, men anmälan gäller nätområde \
             {}. Kontrollera nätområdet.",
            name(registered),
            self.company.name,
            name(network_area)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Definitions;
    use crate::form::ProblemCode;
    use crate::formats::complete_gsrn;

    fn form() -> Form<'static> {
        Definitions::builtin().form("oresundskraft", "fuse_change").unwrap()
    }

    /// A valid anläggnings-ID of Öresundskraft.
    fn ean(serial: u32) -> String {
        complete_gsrn(&format!("735999100{serial:08}"))
    }

    fn installation(serial: u32) -> Installation {
        Installation {
            ean: ean(serial),
            meter_number: format!("1{serial:07}"),
            street_address: "Storgatan 2".into(),
            city: "Helsingborg".into(),
            network_area: "helsingborg".into(),
            owner_name: "Anna Andersson".into(),
            owner_identity_number: "19121212-1212".into(),
            ..Installation::default()
        }
    }

    fn values<const N: usize>(pairs: [(&str, &str); N]) -> FieldValues {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn keys_serialize_as_the_audit_log_writes_them() {
        for key in [LookupKey::Ean, LookupKey::MeterNumber, LookupKey::EanAndMeterNumber] {
            assert_eq!(serde_json::to_value(key).unwrap(), key.as_str());
            assert_eq!(serde_json::from_value::<LookupKey>(key.as_str().into()).unwrap(), key);
        }
        assert_eq!(LookupKey::EanAndMeterNumber.as_str(), "ean_and_meter_number");
    }

    #[test]
    fn a_query_needs_a_number() {
        let form = form();
        for (ean, meter) in [(None, None), (Some(""), Some("")), (Some("  "), Some(" \t"))] {
            let error = form.lookup_query(ean, meter).unwrap_err();
            assert_eq!(error, LookupError::NumberMissing);
            assert_eq!(error.code(), "number_missing");
            assert_eq!(
                error.message(),
                "Fyll i Mätarnummer eller Anläggnings-ID (EAN) och hämta igen."
            );
        }
    }

    #[test]
    fn a_query_takes_the_ean_without_spaces_and_the_meter_number_trimmed() {
        let form = form();
        let spaced = format!("{} {} {}", &ean(1)[..6], &ean(1)[6..9], &ean(1)[9..]);
        let query = form.lookup_query(Some(&spaced), None).unwrap();
        assert_eq!(query, LookupQuery::Ean(ean(1)));
        assert_eq!(
            (query.key(), query.ean(), query.meter_number()),
            (LookupKey::Ean, Some(ean(1).as_str()), None)
        );

        let query = form.lookup_query(Some(""), Some(" 10000001 ")).unwrap();
        assert_eq!(query, LookupQuery::MeterNumber("10000001".into()));
        assert_eq!(
            (query.key(), query.ean(), query.meter_number()),
            (LookupKey::MeterNumber, None, Some("10000001"))
        );

        let query = form.lookup_query(Some(&ean(1)), Some("10000001")).unwrap();
        assert_eq!(query.key(), LookupKey::EanAndMeterNumber);
        assert_eq!((query.ean(), query.meter_number()), (Some(ean(1).as_str()), Some("10000001")));
    }

    /// What the handler reads the registry by before the form is known is the very query the
    /// form checks, or it would be read in vain.
    #[test]
    fn the_unchecked_query_is_the_checked_one_when_the_form_lets_it_through() {
        let form = form();
        let spaced = format!(" {} {} ", &ean(1)[..9], &ean(1)[9..]);
        for (ean, meter) in [
            (Some(spaced.as_str()), None),
            (Some(""), Some(" 10000001 ")),
            (Some(spaced.as_str()), Some("10000001\t")),
            (None, None),
        ] {
            assert_eq!(LookupQuery::unchecked(ean, meter), form.lookup_query(ean, meter));
        }
        // The form refuses what the unchecked query lets through.
        let too_long = "9".repeat(21);
        assert!(LookupQuery::unchecked(None, Some(&too_long)).is_ok());
        assert!(form.lookup_query(None, Some(&too_long)).is_err());
    }

    #[test]
    fn an_invalid_ean_is_refused_before_any_lookup_with_the_fields_problem() {
        let form = form();
        let field = form.field("installation.ean").unwrap().field;
        let mut wrong_check = ean(1);
        wrong_check.replace_range(17.., if wrong_check.ends_with('0') { "1" } else { "0" });
        let other_company = complete_gsrn("73599990100000001");
        for (ean, code) in [
            ("7359991", ProblemCode::InvalidFormat),
            (wrong_check.as_str(), ProblemCode::InvalidCheckDigit),
            (other_company.as_str(), ProblemCode::WrongCompany),
        ] {
            // Also when a good meter number comes with it.
            let error = form.lookup_query(Some(ean), Some("10000001")).unwrap_err();
            let problem = gsrn_problem(field, ean, form.company).unwrap();
            assert_eq!(problem.code, code);
            assert_eq!(error.code(), "invalid_ean");
            assert_eq!(error.message(), problem.message);
            assert_eq!(error.problem(), Some(&problem));
        }
    }

    #[test]
    fn an_over_long_meter_number_is_refused() {
        let form = form();
        assert!(form.lookup_query(None, Some(&"9".repeat(20))).is_ok());
        let error = form.lookup_query(None, Some(&format!(" {} ", "9".repeat(21)))).unwrap_err();
        assert_eq!(error, LookupError::InvalidMeterNumber { max_length: 20 });
        assert_eq!(error.code(), "invalid_meter_number");
        assert_eq!(
            error.message(),
            "Mätarnummer har högst 20 tecken. Kontrollera numret på mätaren."
        );
        assert_eq!(error.problem(), None);
    }

    fn by_ean() -> LookupQuery {
        LookupQuery::Ean(ean(1))
    }

    fn by_meter() -> LookupQuery {
        LookupQuery::MeterNumber("10000001".into())
    }

    fn by_both() -> LookupQuery {
        LookupQuery::EanAndMeterNumber { ean: ean(1), meter_number: "10000001".into() }
    }

    #[test]
    fn an_ean_finds_its_installation_or_nothing() {
        let form = form();
        assert_eq!(
            form.resolve_lookup(&by_ean(), Some(installation(1)), vec![]),
            Ok(installation(1))
        );
        let error = form.resolve_lookup(&by_ean(), None, vec![]).unwrap_err();
        assert_eq!(error, LookupError::NotFound { company_name: "Öresundskraft".into() });
        assert_eq!(error.code(), "installation_not_found");
        assert_eq!(
            error.message(),
            "Ingen anläggning hittades hos Öresundskraft. Kontrollera att du har rätt nummer. \
             Töm de gamla fälten Mätarnummer och Anläggnings-ID (EAN), fyll i det nya numret och \
             hämta igen."
        );
    }

    #[test]
    fn a_meter_number_must_name_exactly_one_installation() {
        let form = form();
        assert_eq!(
            form.resolve_lookup(&by_meter(), None, vec![installation(1)]),
            Ok(installation(1))
        );
        assert_eq!(
            form.resolve_lookup(&by_meter(), None, vec![]).unwrap_err().code(),
            "installation_not_found"
        );
        let error = form
            .resolve_lookup(&by_meter(), None, vec![installation(1), installation(2)])
            .unwrap_err();
        assert_eq!(error, LookupError::MeterNumberAmbiguous);
        assert_eq!(error.code(), "meter_number_ambiguous");
        assert_eq!(
            error.message(),
            "Mätarnumret finns på flera anläggningar i nätbolagets register. Hämta med \
             Anläggnings-ID (EAN) i stället."
        );
    }

    #[test]
    fn both_numbers_must_name_the_same_installation() {
        let form = form();
        let found = |ean, meter| form.resolve_lookup(&by_both(), ean, meter);
        assert_eq!(found(Some(installation(1)), vec![installation(1)]), Ok(installation(1)));
        // The EAN decides between the installations that share the meter number.
        assert_eq!(
            found(Some(installation(1)), vec![installation(2), installation(1)]),
            Ok(installation(1))
        );
        // Not found by EAN: not found, even when the meter number names an installation.
        assert_eq!(
            found(None, vec![installation(1)]).unwrap_err().code(),
            "installation_not_found"
        );
        assert_eq!(found(None, vec![]).unwrap_err().code(), "installation_not_found");
        // Found by EAN, but the meter number names nothing: not found either.
        assert_eq!(
            found(Some(installation(1)), vec![]).unwrap_err().code(),
            "installation_not_found"
        );
        let error = found(Some(installation(1)), vec![installation(2)]).unwrap_err();
        assert_eq!(error, LookupError::EanMeterMismatch);
        assert_eq!(error.code(), "ean_meter_mismatch");
        assert_eq!(
            error.message(),
            "Mätarnumret och Anläggnings-ID (EAN) hör till olika anläggningar. Kontrollera \
             numren, töm det som är fel och hämta igen."
        );
        assert_eq!(
            found(Some(installation(1)), vec![installation(2), installation(3)]),
            Err(LookupError::EanMeterMismatch)
        );
    }

    #[test]
    fn the_outcome_merges_shows_warns_and_says_where() {
        let form = form();
        let before = values([("owner.name", "Bertil Berg"), ("work.description", "Byte")]);
        let found = installation(1);
        let outcome = form.lookup_outcome(&before, "angelholm", &found, true);
        let (fields, changes) = form.merge_lookup(&before, &found, true);
        assert_eq!(outcome.fields, fields);
        assert_eq!(outcome.changes, changes);
        assert_eq!(outcome.installation, form.project(&found));
        assert!(!outcome.installation.contains_key("owner.identity_number"));
        assert_eq!(outcome.message, "Anläggningen hittades: Storgatan 2, Helsingborg.");
        assert_eq!(
            outcome.warnings,
            [
                form.network_area_warning("angelholm", &found).unwrap(),
                form.customer_warning(&before, &found).unwrap(),
            ]
        );
        // Nej keeps the owner's name but takes the numbers.
        let kept = form.lookup_outcome(&before, "helsingborg", &found, false);
        assert_eq!(kept.fields["owner.name"], "Bertil Berg");
        assert_eq!(kept.fields["installation.ean"], ean(1));
    }

    #[test]
    fn the_message_names_what_the_registry_has_of_the_place() {
        let form = form();
        let none = FieldValues::new();
        let only_city = Installation { street_address: String::new(), ..installation(1) };
        let outcome = form.lookup_outcome(&none, "helsingborg", &only_city, true);
        assert_eq!(outcome.message, "Anläggningen hittades: Helsingborg.");
        assert_eq!(outcome.warnings, Vec::<String>::new());
        let nowhere = Installation { city: String::new(), ..only_city };
        let outcome = form.lookup_outcome(&none, "helsingborg", &nowhere, true);
        assert_eq!(outcome.message, "Anläggningen hittades.");
    }
}
