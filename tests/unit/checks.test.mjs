// The check cases the case page shares with the core (forms/tests/data/checks.json), run
// against the page's own checks (site/assets/checks.js); forms/tests/checks.rs runs the same
// table against the core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const root = new URL("../../", import.meta.url);
const table = JSON.parse(readFileSync(new URL("forms/tests/data/checks.json", root), "utf8"));
const context = { Elan: {} };
vm.runInNewContext(readFileSync(new URL("site/assets/checks.js", root), "utf8"), context);
const { valueProblem } = context.Elan.checks;

test("the page answers the shared check cases as the table says", () => {
  const wrong = [];
  for (const { check, input, expected } of table.cases) {
    const field = table.fields[check];
    assert.ok(field, "no field for check " + check);
    const got = valueProblem(check, input, {
      ...field,
      // As the page has them: attributes are strings.
      min: field.min === undefined ? undefined : String(field.min),
      max: field.max === undefined ? undefined : String(field.max),
      prefixes: table.gsrn_prefixes,
      company: table.company_name,
    });
    if (got !== expected) wrong.push(`${check} ${JSON.stringify(input)}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
  }
  assert.deepEqual(wrong, [], "the page answers otherwise than checks.json:\n" + wrong.join("\n"));
});
