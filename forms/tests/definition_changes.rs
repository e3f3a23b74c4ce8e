//! The staff's guide (`docs/configuring-a-company.md`) on its own company: what "Publicera"
//! lists (section 5), completion-only jobs, fields per job type, repeatable groups and computed
//! values are what the core does with the guide's examples, so they cannot drift.

mod common;

use common::{full_case, with_file};
use forms::definitions::changes;
use forms::{Definitions, FieldValues, Form};
use serde_json::json;

const GUIDE: &str = include_str!("../../docs/configuring-a-company.md");

/// The guide's company file (its first `toml` block), edited by `edits`, as `testnat`.
fn testnat(edits: &[(&str, &str)]) -> Definitions {
    let block = GUIDE.split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
    let text = edits.iter().fold(block.to_string(), |text, (from, to)| {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        text.replace(from, to)
    });
    parse_testnat(&text)
}

fn parse_testnat(text: &str) -> Definitions {
    Definitions::parse("forms/definitions", &with_file("companies/testnat.toml", text))
        .unwrap_or_else(|errors| panic!("{errors}"))
}

/// The first `toml` block of the guide's section under `heading`.
fn section_block(heading: &str) -> &'static str {
    let section =
        GUIDE.split(heading).nth(1).unwrap_or_else(|| panic!("no {heading} in the guide"));
    let section = section.split("\n## ").next().unwrap();
    let block = section.split("```toml\n").nth(1).unwrap_or_else(|| panic!("no toml in {heading}"));
    block.split("```").next().unwrap()
}

#[test]
fn the_guides_examples_of_changes_are_the_cores() {
    let old = testnat(&[]);
    let inverters = GUIDE.find("# Ett villkorat fält").unwrap();
    let seal = GUIDE.find("# Ett eget fält i färdiganmälan").unwrap();
    let new = testnat(&[
        (&GUIDE[inverters..seal], ""),
        (
            "job_types = [\"increase_main_fuse\"]\n",
            "job_types = [\"increase_main_fuse\"]\nmandatory = [\"installation.meter_place\"]\n\n\
             [[field]]\nid = \"installation.meter_place\"\nlabel = \"Elmätarens placering\"\n\
             type = \"text\"\ninstallation_types = [\"fuse_change\"]\n",
        ),
        (
            "mandatory = [\"work.planned_start\"]",
            "mandatory = [\"work.planned_start\", \"work.solar\"]",
        ),
        (
            "  { value = \"no\", label = \"Nej\" },\n",
            "  { value = \"no\", label = \"Nej\" },\n  { value = \"unknown\", label = \"Vet ej\" },\n",
        ),
    ]);
    let texts: Vec<String> = changes(&old, &new, "testnat").into_iter().map(|c| c.text).collect();

    let section = GUIDE.split("## 5. Publicera i tjänsten (Formulär)").nth(1).unwrap();
    let listed =
        section.split("**\"Publicera\"**").nth(1).unwrap().split("Bekräfta").next().unwrap();
    let examples: Vec<&str> = listed.split('`').skip(1).step_by(2).collect();
    assert_eq!(examples.len(), 4, "{listed}");
    assert_eq!(examples, texts, "the guide's examples, in the core's order");
}

#[test]
fn the_guides_completion_only_job_needs_only_a_completion_notice() {
    let section = GUIDE.split("## Jobb som bara behöver färdiganmälan").nth(1).unwrap();
    let block = section.split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
    let offer =
        "[[installation_type]]\nid = \"fuse_change\"\njob_types = [\"increase_main_fuse\"]\n";
    let defs = testnat(&[(offer, block)]);
    let form = defs.form("testnat", "fuse_change").unwrap();
    assert!(form.completion_only("same_fuse_range"));
    assert!(!form.completion_only("increase_main_fuse"));
    // Without the job type in job_types, the guide's block is refused with its line.
    let wrong = block.replace(", \"same_fuse_range\"]", "]");
    let guide = GUIDE.split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
    let text = guide.replace(offer, &wrong);
    let errors =
        Definitions::parse("forms/definitions", &with_file("companies/testnat.toml", &text))
            .unwrap_err()
            .to_string();
    assert!(errors.contains("`same_fuse_range` erbjuds inte"), "{errors}");
}

/// The guide's company with the blocks of its sections on job types, groups and computed values
/// added, in the guide's order.
fn testnat_with_production() -> Definitions {
    let company = GUIDE.split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
    let sections = ["## Fält per jobbtyp", "## Upprepade grupper", "## Beräknade värden"];
    let blocks: Vec<&str> = sections.into_iter().map(section_block).collect();
    parse_testnat(&format!("{company}\n{}", blocks.join("\n")))
}

/// A case of `form` with every field filled in but the inverters, then the inverters edited in
/// as the API does, with the effects as an installer types them.
fn with_inverters(form: &Form, powers: &[&str]) -> FieldValues {
    let mut values = full_case(form);
    values.retain(|key, _| {
        !key.starts_with("production.inverters") && key != "production.export_description"
    });
    let items: Vec<_> =
        powers.iter().map(|p| json!({"manufacturer": "SMA", "power_kw": p})).collect();
    let json = serde_json::from_value(json!({ "production.inverters": items })).unwrap();
    form.apply_edit(&mut values, form.edits_from_json(json).expect("an edit of the group"));
    values
}

#[test]
fn the_guides_two_inverters_get_their_total_and_what_depends_on_it() {
    let defs = testnat_with_production();
    let form = defs.form("testnat", "extension").unwrap().for_job_type("add_production");
    let export = form.field("production.export_description").unwrap().field;
    let problems = |values: &FieldValues| -> Vec<String> {
        form.validate(values).into_iter().map(|p| p.field).collect()
    };

    // The guide's case: 5,5 kW and 40 kW are 45,5 kW, over microproduction.
    let large = with_inverters(&form, &["5,5", "40"]);
    assert_eq!(large["production.total_power_kw"], "45.5");
    assert!(form.is_shown(export, &large));
    assert_eq!(problems(&large), ["production.export_description"], "shown, so mandatory");
    assert_eq!(form.auto_approval("add_production", &large), None);

    let small = with_inverters(&form, &["5,5", "38"]);
    assert_eq!(small["production.total_power_kw"], "43.5");
    assert!(!form.is_shown(export, &small), "43,5 kW is microproduction");
    assert_eq!(problems(&small), Vec::<String>::new());
    let rule = form.auto_approval("add_production", &small).expect("the guide's rule");
    assert_eq!(rule.description, "Mikroproduktion: högst 43,5 kW");

    let group = form.field("production.inverters").unwrap().field.group.as_ref().unwrap();
    assert_eq!((group.min_items, group.max_items), (1, 10));
    let none = with_inverters(&form, &[]);
    assert!(!none.contains_key("production.total_power_kw"), "no effect, no total");
    assert!(problems(&none).contains(&"production.inverters".to_string()), "at least one");
    assert_eq!(form.auto_approval("add_production", &none), None);
}

#[test]
fn the_guides_charger_field_is_only_in_its_job_type() {
    let defs = testnat_with_production();
    let charging = defs.form("testnat", "extension").unwrap().for_job_type("add_charging");
    let charger = charging.field("work.charger_power_kw").expect("in Laddning av elfordon");
    assert_eq!(charger.field.decimals, 1);
    let mut values = full_case(&charging);
    values.insert("work.charger_power_kw".into(), "11,55".into());
    let problems = charging.validate(&values);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "work.charger_power_kw", "one decimal at most");
    values.remove("work.charger_power_kw");
    let problems = charging.validate(&values);
    assert_eq!(problems[0].field, "work.charger_power_kw", "mandatory in its job type");

    let production = defs.form("testnat", "extension").unwrap().for_job_type("add_production");
    assert!(production.field("work.charger_power_kw").is_none());
    assert!(charging.field("production.inverters").is_none());
}
