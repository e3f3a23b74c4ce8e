//! Demo data for `handler serve`: a registry of made-up installations for every network company,
//! with valid GSRNs, and the demo users to sign in as.

use forms::definitions::Company;
use forms::formats::{complete_gsrn, luhn_check_digit};
use forms::{Installation, Role};

use crate::store::{Firm, FirmMember};

/// A demo user: role, organisation, user id, name.
pub struct DemoUser {
    pub role: Role,
    pub org: &'static str,
    pub user: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    /// Admin of the org: a company admin publishes its definitions ("Formulär").
    pub admin: bool,
}

impl DemoUser {
    /// A token signed with `key` for this user.
    pub fn token(&self, key: &super::LocalKey) -> String {
        key.mint_for(self.role, self.org, self.user, Some(self.name), Some(self.email), self.admin)
    }
}

pub const DEMO_USERS: [DemoUser; 6] = [
    DemoUser {
        role: Role::Installer,
        org: "demo_el",
        user: "anna",
        name: "Anna Andersson (Demo El AB)",
        email: "anna@demo-el.example",
        admin: false,
    },
    DemoUser {
        role: Role::Installer,
        org: "demo_el",
        user: "dan",
        name: "Dan Dahl, administratör (Demo El AB)",
        email: "dan@demo-el.example",
        admin: true,
    },
    DemoUser {
        role: Role::Installer,
        org: "annan_el",
        user: "bertil",
        name: "Bertil Berg (Annan El AB)",
        email: "bertil@annan-el.example",
        admin: false,
    },
    DemoUser {
        role: Role::NetworkCompany,
        org: "oresundskraft",
        user: "karin",
        name: "Karin Karlsson (Öresundskraft)",
        email: "karin@oresundskraft.example",
        admin: false,
    },
    DemoUser {
        role: Role::NetworkCompany,
        org: "oresundskraft",
        user: "olle",
        name: "Olle Olsson (Öresundskraft)",
        email: "olle@oresundskraft.example",
        admin: false,
    },
    DemoUser {
        role: Role::NetworkCompany,
        org: "oresundskraft",
        user: "admin_oresund",
        name: "Åsa Ek, formuläransvarig (Öresundskraft)",
        email: "asa@oresundskraft.example",
        admin: true,
    },
];

/// The company that [`DEMO_USERS`] already has case handlers for.
const COMPANY_WITH_USERS: &str = "oresundskraft";

/// A demo case handler of a network company in the definitions being served, so that a new
/// company's Inkorg, decisions and automatic approval can be tried in the preview: one per
/// company that [`DEMO_USERS`] has none for, minted as the server starts or the sign-in asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyHandler {
    pub org: String,
    pub user: String,
    pub name: String,
    pub email: String,
}

impl CompanyHandler {
    pub fn of(company: &Company) -> CompanyHandler {
        CompanyHandler {
            org: company.id.clone(),
            user: format!("handlaggare_{}", company.id),
            name: format!("Demohandläggare ({})", company.name),
            email: format!("handlaggare@{}.example", company.id.replace('_', "-")),
        }
    }

    /// One for each company of `definitions` but the one the fixed demo users belong to.
    pub fn all(definitions: &forms::Definitions) -> Vec<CompanyHandler> {
        definitions
            .companies
            .iter()
            .filter(|c| c.id != COMPANY_WITH_USERS)
            .map(CompanyHandler::of)
            .collect()
    }

    pub fn token(&self, key: &super::LocalKey) -> String {
        key.mint_for(
            Role::NetworkCompany,
            &self.org,
            &self.user,
            Some(&self.name),
            Some(&self.email),
            false,
        )
    }
}

/// A demo installer firm: id, name, organisation number (a valid one, made up),
/// registration number at Elsäkerhetsverket.
pub struct DemoFirm {
    pub id: &'static str,
    pub name: &'static str,
    pub org_number: &'static str,
    pub registration_number: &'static str,
}

pub const DEMO_FIRMS: [DemoFirm; 2] = [
    DemoFirm {
        id: "demo_el",
        name: "Demo El AB",
        org_number: "556677-8899",
        registration_number: "ELS-10001",
    },
    DemoFirm {
        id: "annan_el",
        name: "Annan El AB",
        org_number: "559900-1129",
        registration_number: "ELS-10002",
    },
];

impl DemoFirm {
    pub fn firm(&self) -> Firm {
        Firm {
            id: self.id.into(),
            name: self.name.into(),
            org_number: self.org_number.into(),
            registration_number: Some(self.registration_number.into()),
        }
    }

    /// Its members to begin with: the demo users of the firm.
    pub fn members(&self, at: time::OffsetDateTime) -> Vec<FirmMember> {
        DEMO_USERS
            .iter()
            .filter(|u| u.role == Role::Installer && u.org == self.id)
            .map(|u| FirmMember {
                firm: self.id.into(),
                email: u.email.into(),
                name: Some(u.name.into()),
                added_by: "demo".into(),
                added_at: at,
            })
            .collect()
    }
}

const FIRST_NAMES: [&str; 8] = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Nils"];
const LAST_NAMES: [&str; 6] = ["Lind", "Holm", "Ek", "Strand", "Berg", "Sjöberg"];
const STREETS: [&str; 6] =
    ["Storgatan", "Kyrkvägen", "Ängsvägen", "Björkgatan", "Hamngatan", "Skolvägen"];

/// How many installations each company gets.
pub const INSTALLATIONS_PER_COMPANY: u32 = 24;

/// The demo registry of one company: deterministic, so every machine has the same numbers.
/// The first installation's EAN ends in ...00000001 plus check digit, its meter number is
/// `<n>0000001` where n is the company's position.
pub fn installations(company: &Company, position: usize) -> Vec<Installation> {
    let prefix = &company.gsrn_prefixes[0];
    (1..=INSTALLATIONS_PER_COMPANY)
        .map(|i| {
            let k = i as usize;
            let area = &company.network_areas[k % company.network_areas.len()];
            let name = format!("{} {}", FIRST_NAMES[k % 8], LAST_NAMES[k % 6]);
            let street = format!("{} {}", STREETS[k % 6], i + 1);
            let postal_code = format!("{} {:02}", 250 + position * 10 + k % 5, k % 90 + 10);
            let email_name = name.to_lowercase().replace(' ', ".").replace('ö', "o");
            Installation {
                ean: complete_gsrn(&format!("{prefix}{i:08}")),
                meter_number: format!("{}{:07}", position + 1, i),
                technical_number: format!("T{}-{:04}", position + 1, i),
                street_address: street.clone(),
                postal_code: postal_code.clone(),
                city: area.name.clone(),
                property_designation: format!("{} {}:{}", area.name, LAST_NAMES[k % 6], i),
                network_area: area.id.clone(),
                main_fuse_a: ["16", "20", "25", "35"][k % 4].to_string(),
                owner_name: name,
                owner_identity_number: demo_personnummer(i),
                owner_street_address: street,
                owner_postal_code: postal_code,
                owner_city: area.name.clone(),
                owner_phone: format!("070-{:03} {:02} {:02}", 100 + i, i % 100, (i * 7) % 100),
                owner_email: format!("{email_name}@exempel.se"),
            }
        })
        .collect()
}

/// A made-up but valid personnummer (born 1 January 1970 + i days), with its Luhn digit.
fn demo_personnummer(i: u32) -> String {
    let born = time::macros::date!(1970 - 01 - 01) + time::Duration::days(i64::from(i) * 97);
    let nine = format!(
        "{:02}{:02}{:02}{:03}",
        born.year() % 100,
        u8::from(born.month()),
        born.day(),
        100 + i
    );
    let check = luhn_check_digit(&nine);
    format!("{}{}-{}{check}", born.year(), &nine[2..6], &nine[6..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_other_company_gets_a_case_handler() {
        let handlers = CompanyHandler::all(forms::Definitions::builtin());
        let orgs: Vec<&str> = handlers.iter().map(|h| h.org.as_str()).collect();
        assert_eq!(orgs, ["exempelnat_norr", "fiktiva_elnat_syd"]);
        assert!(forms::formats::is_email(&handlers[0].email), "{}", handlers[0].email);
        assert!(handlers.iter().all(|h| DEMO_USERS.iter().all(|u| u.user != h.user)));
    }

    #[test]
    fn demo_firms_have_valid_numbers_and_members() {
        for firm in &DEMO_FIRMS {
            let number = forms::formats::normalize_org_number(firm.org_number);
            assert_eq!(number.as_deref(), Some(firm.org_number), "{}", firm.id);
            assert!(!firm.members(time::OffsetDateTime::UNIX_EPOCH).is_empty(), "{}", firm.id);
        }
    }

    #[test]
    fn every_demo_installation_is_a_valid_registry_row() {
        let defs = forms::Definitions::builtin();
        for (position, company) in defs.companies.iter().enumerate() {
            let rows = installations(company, position);
            assert_eq!(rows.len(), INSTALLATIONS_PER_COMPANY as usize);
            for row in &rows {
                assert_eq!(row.problems(company, defs), Vec::<String>::new(), "{row:?}");
                assert!(forms::formats::check_identity_number(&row.owner_identity_number).is_ok());
                assert!(forms::formats::is_postal_code(&row.postal_code), "{}", row.postal_code);
                assert!(forms::formats::is_phone(&row.owner_phone));
                assert!(forms::formats::is_email(&row.owner_email), "{}", row.owner_email);
            }
        }
    }
}
