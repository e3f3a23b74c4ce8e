//! What a new case can be made of: the network companies, their GSRN prefixes and network areas,
//! and the installation types each offers with the job types it offers. Built once from the
//! definitions; `GET /forms` answers with it and the site's pages carry it.

use schemars::JsonSchema;
use serde::Serialize;

use crate::definitions::{Company, Definitions, JobType, NetworkArea};
use crate::form::{Form, Problem, ProblemCode};

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
        let unknown = |field: &str, message: &str| {
            let code = ProblemCode::InvalidChoice;
            vec![Problem { field: field.into(), code, message: message.into() }]
        };
        let company = self
            .company(company)
            .ok_or_else(|| unknown("company", "Välj ett nätbolag i listan."))?;
        let form = self.form(&company.id, installation_type).ok_or_else(|| {
            unknown("installation_type", "Välj en installationstyp som nätbolaget erbjuder.")
        })?;
        if !form.offers_job_type(job_type) {
            return Err(unknown("job_type", "Välj en jobbtyp för installationstypen."));
        }
        if company.network_area(network_area).is_none() {
            return Err(unknown("network_area", "Välj ett av nätbolagets nätområden."));
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Definitions, ProblemCode};

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
