//! The staff's guide (`docs/configuring-a-company.md`, section 5) shows what "Publicera" lists:
//! its examples are what the core says for the guide's own company, so they cannot drift.

mod common;

use common::with_file;
use forms::Definitions;
use forms::definitions::changes;

const GUIDE: &str = include_str!("../../docs/configuring-a-company.md");

/// The guide's company file (its first `toml` block), edited by `edits`, as `testnat`.
fn testnat(edits: &[(&str, &str)]) -> Definitions {
    let block = GUIDE.split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
    let text = edits.iter().fold(block.to_string(), |text, (from, to)| {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        text.replace(from, to)
    });
    Definitions::parse("forms/definitions", &with_file("companies/testnat.toml", &text))
        .unwrap_or_else(|errors| panic!("{errors}"))
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
    assert!(errors.contains("`same_fuse_range` is not offered"), "{errors}");
}
