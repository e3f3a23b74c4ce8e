//! Parsing and checking the definition files. Every problem is reported with its file and line
//! and says what to do; all problems are collected, not just the first.

mod base;
mod companies;
mod computed;
mod fields;
mod installation_types;
mod plain;
mod visibility;

use std::{collections::BTreeSet, fmt, ops::Range};

use regex::Regex;
use serde::de::DeserializeOwned;

use super::format::{self, Text};
use super::{Company, Definitions, Field, Source};
use base::{check_copy_from_owner, check_lookup, check_sections};
use companies::{CompanyContext, check_company};
use computed::check_computed;
use fields::check_field;
use installation_types::check_installation_types;
use visibility::{FormOrder, field_conditions, section_conditions};

/// One problem in the definitions, at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub file: String,
    /// 1-based; 0 when the problem is with the file as a whole.
    pub line: usize,
    pub column: usize,
    /// In Swedish, for the network company's staff.
    pub message: String,
    /// The TOML reader's own English, for engineers, when the message was told from it.
    pub english: Option<String>,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        }
    }
}

/// Every problem found in a set of definition files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DefinitionErrors(pub Vec<DefinitionError>);

impl DefinitionErrors {
    /// One problem with a file or folder as a whole, e.g. that it cannot be read.
    pub fn single(file: String, message: String) -> Self {
        DefinitionErrors(vec![DefinitionError { file, line: 0, column: 0, message, english: None }])
    }
}

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

const BASE: &str = "base.toml";
const INSTALLATION_TYPES: &str = "installation_types.toml";
const COMPANIES: &str = "companies/";

/// Collects problems with their positions.
struct Report<'s> {
    root: &'s str,
    sources: &'s [Source],
    errors: Vec<DefinitionError>,
}

impl<'s> Report<'s> {
    fn at(&mut self, file: &str, span: Option<Range<usize>>, message: impl Into<String>) {
        let (line, column) = match (span, self.sources.iter().find(|s| s.path == file)) {
            (Some(span), Some(source)) => line_and_column(&source.text, span.start),
            _ => (0, 0),
        };
        self.errors.push(DefinitionError {
            file: format!("{}/{}", self.root, file),
            line,
            column,
            message: message.into(),
            english: None,
        });
    }

    fn at_text(&mut self, file: &str, text: &Text, message: impl Into<String>) {
        self.at(file, Some(text.span()), message);
    }

    fn parse<T: DeserializeOwned>(&mut self, source: &Source) -> Option<T> {
        let (value, found) = plain::read(&source.text);
        for problem in found {
            self.at(&source.path, problem.span, problem.message);
            if let Some(last) = self.errors.last_mut() {
                last.english = Some(problem.english);
            }
        }
        value
    }

    /// Every problem, by file and then by line and column.
    fn finish(mut self) -> DefinitionErrors {
        self.errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        self.errors.dedup();
        DefinitionErrors(self.errors)
    }
}

/// The candidate closest to `word` when it is close enough to be a slip of the keyboard: at most
/// two edits, and fewer than a third of the word's letters.
pub(crate) fn closest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).clamp(1, 2);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, c)| c)
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

pub(super) fn load(root: &str, sources: &[Source]) -> Result<Definitions, DefinitionErrors> {
    let mut report = Report { root, sources, errors: Vec::new() };
    let mut base = None;
    let mut types = None;
    let mut companies = Vec::new();
    for source in sources {
        if source.path == BASE {
            base = report.parse::<format::BaseFile>(source);
        } else if source.path == INSTALLATION_TYPES {
            types = report.parse::<format::InstallationTypesFile>(source);
        } else if let Some(id) = company_id(&source.path) {
            if let Some(file) = report.parse::<format::CompanyFile>(source) {
                companies.push((id, source.path.as_str(), file));
            }
        } else if !source.path.starts_with("schema/") {
            report.at(
                &source.path,
                None,
                "okänd fil: definitionerna är base.toml, installation_types.toml och \
                 companies/<id>.toml (id av gemena bokstäver a–z, siffror och _)",
            );
        }
    }
    for (name, found) in [(BASE, base.is_some()), (INSTALLATION_TYPES, types.is_some())] {
        if !found && !report.errors.iter().any(|e| e.file.ends_with(name)) {
            report.at(name, None, "filen saknas; definitionerna behöver den");
        }
    }
    let (Some(base), Some(types)) = (base, types) else {
        return Err(report.finish());
    };
    if companies.is_empty() && report.errors.is_empty() {
        report.at("companies/", None, "inget nätbolag finns; lägg till companies/<id>.toml");
    }

    let installation_types = check_installation_types(&mut report, &types);
    let type_ids: BTreeSet<&str> = installation_types.iter().map(|t| t.id.as_str()).collect();
    let kinds = fields::Kinds::of(&installation_types);
    let mut sections = check_sections(&mut report, &base);
    let section_names: Vec<String> = sections.iter().map(|s| s.id.clone()).collect();
    let section_ids: BTreeSet<&str> = section_names.iter().map(String::as_str).collect();
    let mut base_ids = BTreeSet::new();
    let mut fields: Vec<Field> = base
        .fields
        .iter()
        .filter_map(|f| check_field(&mut report, BASE, f, &section_ids, &kinds, &mut base_ids))
        .collect();
    let type_list: Vec<&str> = type_ids.iter().copied().collect();
    let order = FormOrder { sections: &sections, fields: &fields, installation_types: &type_list };
    let section_visibility = section_conditions(&mut report, BASE, &base.sections, &order);
    let field_visibility = field_conditions(&mut report, BASE, &base.fields, &order);
    for (id, when) in section_visibility {
        sections
            .iter_mut()
            .filter(|s| s.id == id)
            .for_each(|s| s.visible_when = Some(when.clone()));
    }
    for (id, when) in field_visibility {
        fields.iter_mut().filter(|f| f.id == id).for_each(|f| f.visible_when = Some(when.clone()));
    }
    check_computed(&mut report, BASE, &base.fields, &fields);
    let lookup = check_lookup(&mut report, &base.lookup, &fields);
    let copy_from_owner = check_copy_from_owner(&mut report, &base, &fields);

    let mut prefixes_seen: Vec<(String, String)> = Vec::new();
    let mut checked_companies: Vec<Company> = companies
        .iter()
        .map(|(id, path, file)| {
            let context = CompanyContext {
                path,
                sections: &sections,
                section_ids: &section_ids,
                base_fields: &fields,
                base_ids: &base_ids,
                installation_types: &installation_types,
            };
            check_company(&mut report, &context, id, file, &mut prefixes_seen)
        })
        .collect();
    checked_companies.sort_by(|a, b| a.id.cmp(&b.id));

    if report.errors.is_empty() {
        Ok(Definitions {
            sections,
            fields,
            installation_types,
            companies: checked_companies,
            lookup,
            copy_from_owner,
        })
    } else {
        Err(report.finish())
    }
}

fn company_id(path: &str) -> Option<String> {
    let stem = path.strip_prefix(COMPANIES)?.strip_suffix(".toml")?;
    is_identifier(stem).then(|| stem.to_string())
}

fn is_identifier(id: &str) -> bool {
    static IDENTIFIER: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    IDENTIFIER.get_or_init(|| Regex::new("^[a-z][a-z0-9_]*$").unwrap()).is_match(id)
}

const IDENTIFIER_HINT: &str =
    "använd gemena bokstäver a–z (inte å, ä, ö), siffror och _, och börja med en bokstav";

/// Reports a duplicate or malformed identifier; returns whether it is fine to use.
fn check_new_id(
    report: &mut Report,
    file: &str,
    id: &Text,
    what: &str,
    seen: &mut BTreeSet<String>,
) -> bool {
    if !is_identifier(id.get_ref()) {
        report.at_text(file, id, format!("ogiltigt {what} `{}`: {IDENTIFIER_HINT}", id.get_ref()));
        false
    } else if !seen.insert(id.get_ref().clone()) {
        report.at_text(
            file,
            id,
            format!("{what} `{}` står två gånger: varje id får bara finnas en gång", id.get_ref()),
        );
        false
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn a_slip_of_the_keyboard_gets_a_suggestion_and_a_different_word_does_not() {
        let ids = ["owner.phone", "owner.name", "payer.email"];
        assert_eq!(closest("owner.phne", ids), Some("owner.phone"));
        assert_eq!(closest("payer.e_mail", ids), Some("payer.email"));
        assert_eq!(closest("work.description", ids), None);
        assert_eq!(closest("nme", ["name", "unit"]), Some("name"), "one edit in a short word");
    }
}
