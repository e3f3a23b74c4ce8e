// The checks the case page makes before the server does, by the core's rules and with its
// messages (forms/src/form.rs, formats.rs). forms/tests/data/checks.json holds the cases both
// must answer alike: forms/tests/checks.rs runs it against the core, tests/unit/checks.test.mjs
// against this file. Pure: no page, so that Node can load it.
"use strict";
Elan.checks = (() => {
  const digits = (s) => Array.from(s).map(Number);
  const gs1 = (s) => {
    const sum = digits(s).reverse().reduce((a, d, i) => a + d * (i % 2 === 0 ? 3 : 1), 0);
    return (10 - (sum % 10)) % 10;
  };
  const luhn = (ds) => ds.reverse().reduce((a, d, i) => {
    const x = i % 2 === 1 ? d * 2 : d;
    return a + (x > 9 ? x - 9 : x);
  }, 0) % 10 === 0;
  const realDate = (y, m, d) => {
    const t = new Date(0);
    t.setUTCFullYear(y, m - 1, d); // not Date.UTC, which takes years below 100 as 19xx
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  };
  const isDate = (v) => /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v) && realDate(+v.slice(0, 4), +v.slice(5, 7), +v.slice(8, 10));

  function gsrnProblem(value, prefixes, label, company) {
    if (!/^735999[0-9]{12}$/.test(value)) return label + " ska vara 18 siffror som börjar med 735999.";
    if (gs1(value.slice(0, 17)) !== +value[17]) return "Kontrollsiffran i " + label + " stämmer inte. Kontrollera numret mot kundens elräkning.";
    if (!prefixes.some((p) => value.startsWith(p))) return label + " tillhör ett annat nätbolag än " + company + ". Kontrollera numret eller välj rätt nätbolag.";
    return null;
  }

  const IDENTITY_FORMAT = "Ange person-, samordnings- eller organisationsnummer med 10 eller 12 siffror, till exempel 19121212-1212 eller 556074-3089.";
  function identityProblem(value) {
    if (!/^(?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4}$/.test(value)) return IDENTITY_FORMAT;
    const all = digits(value.replace(/[-+]/g, ""));
    const century = all.length === 12 ? all[0] * 10 + all[1] : null;
    const ten = all.slice(-10);
    const two = (i) => ten[i] * 10 + ten[i + 1];
    const [yy, month, day] = [two(0), two(2), two(4)];
    const dateError = "Numret innehåller inget giltigt datum. Kontrollera numret med kunden.";
    if (month >= 20) {
      if (century !== null && century !== 16) return IDENTITY_FORMAT;
    } else {
      const d = day > 60 ? day - 60 : day;
      const years = century !== null ? [century * 100 + yy] : [1900 + yy, 2000 + yy];
      if (!years.some((y) => realDate(y, month, d))) return dateError;
    }
    return luhn(ten) ? null : "Kontrollsiffran stämmer inte. Kontrollera numret med kunden.";
  }

  // The problem with a non-empty value of a field of `type`, as the page describes the field:
  // its label, the server's pattern, the company's GSRN prefixes and name, a number's range.
  function valueProblem(type, value, { label, pattern, prefixes, company, min, max, unit, decimals = 0 }) {
    if (type === "gsrn") return gsrnProblem(value.replace(/\s+/g, ""), prefixes, label, company);
    if (type === "identity_number") return identityProblem(value);
    if (type === "date") return isDate(value) ? null : "Ange " + label + " som ÅÅÅÅ-MM-DD, till exempel 2026-12-01.";
    if (type === "number") {
      // With decimals after a comma or a point: "10,5" as "10.5".
      if (!new RegExp("^-?[0-9]+" + (decimals > 0 ? "([.,][0-9]{1," + decimals + "})?" : "") + "$").test(value)) {
        return label + (decimals > 0 ? " ska vara ett tal med högst " + decimals + " decimal" + (decimals > 1 ? "er" : "") + ", till exempel 10,5." : " ska vara ett heltal.");
      }
      const n = +value.replace(",", ".");
      if ((min !== undefined && n < +min) || (max !== undefined && n > +max)) {
        return label + " ska vara mellan " + (min ?? "…") + " och " + (max ?? "…") + (unit ? " " + unit : "") + ".";
      }
      return null;
    }
    if (pattern && !new RegExp(pattern).test(value)) {
      return {
        email: "Ange en e-postadress, till exempel namn@exempel.se.",
        phone: "Ange ett telefonnummer med 7–15 siffror, till exempel 042-12 34 56.",
        postal_code: "Ange postnumret med fem siffror, till exempel 252 21.",
      }[type] || "Kontrollera " + label + ".";
    }
    return null;
  }

  return { isDate, gsrnProblem, valueProblem };
})();
