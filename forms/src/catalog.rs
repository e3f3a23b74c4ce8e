//! What a new case can be made of: the network companies, their GSRN prefixes and network areas,
//! and the installation types each offers with the job types it offers. Built once from the
//! definitions; `GET /forms` answers with it and the site's pages carry it.

use schemars::JsonSchema;
use serde::Serialize;

use crate::definitions::{Company, Definitions, JobType, NetworkArea};
use crate::form::{Form, Problem, ProblemCode};
use crate::formats::{self, GsrnError};
use crate::registry::Installation;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Catalog {
    /// Sorted by id.
    pub companies: Vec<CatalogCompany>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CatalogCompany {
    pub id: String,
    pub name: String,
    /// `735999` and three digits: every anläggnings-ID of the company starts with one of them.
    pub gsrn_prefixes: Vec<String>,
    pub network_areas: Vec<NetworkArea>,
    /// The installation types the company offers, in the order of its definition file.
    pub installation_types: Vec<CatalogInstallationType>,
}

/// An installation type as one company offers it: only the job types it offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CatalogInstallationType {
    pub id: String,
    pub name: String,
    pub job_types: Vec<JobType>,
}

impl Definitions {
    /// The catalog of every company.
    pub fn catalog(&self) -> Catalog {
        Catalog { companies: self.companies.iter().map(|c| self.catalog_company(c)).collect() }
    }

    /// The form of a new case with these choices, if they go together: a company there is, an
    /// installation type it offers, a job type offered with it, and one of the company's
    /// network areas. Otherwise the problem with the first choice that does not, naming its
    /// field (the later choices depend on it).
    pub fn new_case_form(
        &self,
        company: &str,
        installation_type: &str,
        job_type: &str,
        network_area: &str,
    ) -> Result<Form<'_>, Vec<Problem>> {
        let company = self
            .company(company)
            .ok_or_else(|| unknown("company", "Välj ett nätbolag i listan."))?;
        let form = self.offered_form(company, installation_type, job_type)?;
        if company.network_area(network_area).is_none() {
            return Err(unknown("network_area", "Välj ett av nätbolagets nätområden."));
        }
        Ok(form)
    }

    /// The form of a new case started from its anläggnings-ID ("Start from the EAN", `ean`
    /// without spaces): the company whose GSRN prefix it starts with, an installation type that
    /// company offers and a job type offered with it. Otherwise the problem with the first that
    /// does not fit, naming `ean`, `installation_type` or `job_type`. The network area is the
    /// registry's, so it is checked once the installation is found.
    pub fn new_case_form_by_ean(
        &self,
        ean: &str,
        installation_type: &str,
        job_type: &str,
    ) -> Result<Form<'_>, Vec<Problem>> {
        let company = self.company_of_gsrn(ean).map_err(|problem| vec![problem])?;
        self.offered_form(company, installation_type, job_type)
    }

    /// The company whose GSRN prefix `ean` starts with; a problem naming `ean` when it is no
    /// anläggnings-ID (18 digits, 735999, the check digit) or no company has its prefix.
    pub fn company_of_gsrn(&self, ean: &str) -> Result<&Company, Problem> {
        let prefixes: Vec<String> =
            self.companies.iter().flat_map(|c| c.gsrn_prefixes.iter().cloned()).collect();
        let label = "Anläggnings-ID (EAN)";
        let problem = |code, message: String| Problem { field: "ean".into(), code, message };
        match formats::check_gsrn(ean, &prefixes) {
            Err(GsrnError::OtherCompany) => Err(problem(
                ProblemCode::WrongCompany,
                format!(
                    "{label} hör inte till något av nätbolagen i Elanmälan. Kontrollera numret \
                     mot kundens elräkning, eller välj nätbolag i stället."
                ),
            )),
            Err(error) => {
                let code = match error {
                    GsrnError::CheckDigit => ProblemCode::InvalidCheckDigit,
                    _ => ProblemCode::InvalidFormat,
                };
                let what = error.describe(label, "");
                let message = match error.advice() {
                    Some(advice) => format!("{what}. {advice}"),
                    None => format!("{what}."),
                };
                Err(problem(code, message))
            }
            Ok(()) => Ok(self
                .companies
                .iter()
                .find(|c| c.gsrn_prefixes.iter().any(|p| ean.starts_with(p.as_str())))
                .expect("a prefix that check_gsrn found is some company's")),
        }
    }

    /// The form of `company`'s `installation_type` with `job_type`, if the company offers both.
    fn offered_form(
        &self,
        company: &Company,
        installation_type: &str,
        job_type: &str,
    ) -> Result<Form<'_>, Vec<Problem>> {
        let form = self.form(&company.id, installation_type).ok_or_else(|| {
            unknown("installation_type", "Välj en installationstyp som nätbolaget erbjuder.")
        })?;
        if !form.offers_job_type(job_type) {
            return Err(unknown("job_type", "Välj en jobbtyp för installationstypen."));
        }
        Ok(form.for_job_type(job_type))
    }

    fn catalog_company(&self, company: &Company) -> CatalogCompany {
        let installation_types = company
            .offers
            .iter()
            .filter_map(|offer| {
                let kind = self.installation_type(&offer.installation_type)?;
                Some(CatalogInstallationType {
                    id: kind.id.clone(),
                    name: kind.name.clone(),
                    job_types: kind
                        .job_types
                        .iter()
                        .filter(|j| offer.job_types.contains(&j.id))
                        .cloned()
                        .collect(),
                })
            })
            .collect();
        CatalogCompany {
            id: company.id.clone(),
            name: company.name.clone(),
            gsrn_prefixes: company.gsrn_prefixes.clone(),
            network_areas: company.network_areas.clone(),
            installation_types,
        }
    }
}

impl Company {
    /// The network area of a case started from its anläggnings-ID: the registry's for the
    /// installation, or the company's only one when the registry names none. Otherwise a problem
    /// naming `ean` that says to choose the company and network area instead.
    pub fn registry_network_area(
        &self,
        installation: &Installation,
    ) -> Result<&NetworkArea, Problem> {
        let company = self;
        let area = match installation.network_area.as_str() {
            "" if company.network_areas.len() == 1 => company.network_areas.first(),
            "" => None,
            id => company.network_area(id),
        };
        area.ok_or_else(|| Problem {
            field: "ean".into(),
            code: ProblemCode::NotOffered,
            message: format!(
                "{}s register anger inget av nätbolagets nätområden för anläggningen. Välj \
                 nätbolag och nätområde i stället.",
                company.name
            ),
        })
    }
}

/// A choice of a new case that is not on offer, naming its field.
fn unknown(field: &str, message: &str) -> Vec<Problem> {
    vec![Problem { field: field.into(), code: ProblemCode::InvalidChoice, message: message.into() }]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Definitions, Installation, ProblemCode};

    #[test]
    fn a_new_case_takes_choices_that_go_together() {
        let defs = Definitions::builtin();
        let form = defs
            .new_case_form("oresundskraft", "fuse_change", "increase_main_fuse", "helsingborg")
            .unwrap();
        assert_eq!(
            (form.company.id.as_str(), form.installation_type.id.as_str()),
            ("oresundskraft", "fuse_change")
        );
        // Each choice is checked against the one before it; the first that does not fit is named.
        for (choices, field, message) in [
            (
                ["elbolaget", "fuse_change", "increase_main_fuse", "helsingborg"],
                "company",
                "Välj ett nätbolag i listan.",
            ),
            (
                ["oresundskraft", "solar", "increase_main_fuse", "nowhere"],
                "installation_type",
                "Välj en installationstyp som nätbolaget erbjuder.",
            ),
            (
                ["oresundskraft", "fuse_change", "move_service", "nowhere"],
                "job_type",
                "Välj en jobbtyp för installationstypen.",
            ),
            (
                ["oresundskraft", "fuse_change", "increase_main_fuse", "kiruna"],
                "network_area",
                "Välj ett av nätbolagets nätområden.",
            ),
        ] {
            let [company, kind, job, area] = choices;
            let problems = defs.new_case_form(company, kind, job, area).unwrap_err();
            assert_eq!(problems.len(), 1, "{choices:?}");
            assert_eq!(problems[0].field, field, "{choices:?}");
            assert_eq!(problems[0].code, ProblemCode::InvalidChoice, "{choices:?}");
            assert_eq!(problems[0].message, message, "{choices:?}");
        }
    }

    #[test]
    fn a_new_case_by_ean_takes_the_company_its_prefix_names() {
        let defs = Definitions::builtin();
        let ean = "735999100000000010";
        let form = defs.new_case_form_by_ean(ean, "service_change", "move_service").unwrap();
        assert_eq!(form.company.id, "oresundskraft");
        let norr = defs.company_of_gsrn("735999901000000013").map(|c| c.id.as_str());
        assert_eq!(norr, Ok("exempelnat_norr"));
        for (ean, kind, job, field, code) in [
            (
                "735999555000000018",
                "service_change",
                "move_service",
                "ean",
                ProblemCode::WrongCompany,
            ),
            (
                "735999100000000011",
                "service_change",
                "move_service",
                "ean",
                ProblemCode::InvalidCheckDigit,
            ),
            (
                "73599910000000001",
                "service_change",
                "move_service",
                "ean",
                ProblemCode::InvalidFormat,
            ),
            (ean, "solar", "move_service", "installation_type", ProblemCode::InvalidChoice),
            (ean, "service_change", "increase_main_fuse", "job_type", ProblemCode::InvalidChoice),
        ] {
            let problems = defs.new_case_form_by_ean(ean, kind, job).unwrap_err();
            assert_eq!((problems[0].field.as_str(), problems[0].code), (field, code), "{ean}");
            assert!(problems[0].message.ends_with('.'), "{}", problems[0].message);
        }
    }

    #[test]
    fn the_network_area_of_a_case_from_the_ean_is_the_registrys() {
        let defs = Definitions::builtin();
        let company = defs.company("oresundskraft").unwrap();
        let row = |area: &str| Installation { network_area: area.into(), ..Default::default() };
        let area = company.registry_network_area(&row("angelholm")).map(|a| a.id.as_str());
        assert_eq!(area, Ok("angelholm"));
        // None, or one the company does not have: the installer chooses instead.
        for area in ["", "kiruna"] {
            let problem = company.registry_network_area(&row(area)).unwrap_err();
            assert_eq!((problem.field.as_str(), problem.code), ("ean", ProblemCode::NotOffered));
        }
    }

    #[test]
    fn the_catalog_has_the_shape_of_get_forms() {
        let catalog = serde_json::to_value(Definitions::builtin().catalog()).unwrap();
        let companies = catalog["companies"].as_array().unwrap();
        let ids: Vec<&str> = companies.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["exempelnat_norr", "fiktiva_elnat_syd", "oresundskraft"]);
        let oresund = &companies[2];
        let keys: Vec<&String> = oresund.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["gsrn_prefixes", "id", "installation_types", "name", "network_areas"]);
        assert_eq!(oresund["name"], "Öresundskraft");
        assert_eq!(oresund["gsrn_prefixes"], json!(["735999100"]));
        assert_eq!(
            oresund["network_areas"][0],
            json!({"id": "helsingborg", "name": "Helsingborg"})
        );
        let types = oresund["installation_types"].as_array().unwrap();
        let type_ids: Vec<&str> = types.iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(
            type_ids,
            [
                "service_change",
                "fuse_change",
                "existing_installation_work",
                "temporary_installation",
                "extension"
            ]
        );
        let fuse_change = &types[1];
        assert_eq!(fuse_change["name"], "Säkringsändring");
        let job = &fuse_change["job_types"][0];
        assert_eq!(job.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "name"]);
    }

    #[test]
    fn a_company_offers_only_the_job_types_it_lists() {
        let catalog = Definitions::builtin().catalog();
        let job_types = |company: &str, kind: &str| -> Vec<String> {
            let company = catalog.companies.iter().find(|c| c.id == company).unwrap();
            let kind = company.installation_types.iter().find(|t| t.id == kind).unwrap();
            kind.job_types.iter().map(|j| j.id.clone()).collect()
        };
        assert_eq!(job_types("oresundskraft", "temporary_installation"), ["construction_power"]);
        assert_eq!(job_types("exempelnat_norr", "fuse_change"), ["increase_main_fuse"]);
        // Without a list, every job type of the installation type.
        assert_eq!(
            job_types("exempelnat_norr", "service_change"),
            ["move_service", "replace_service_cable", "overhead_to_underground"]
        );
    }
}
