// Repeatable groups and computed values on the case page. A group's items are fieldsets drawn
// from its <template> ("%n" the item's number), each with "Ta bort"; "Lägg till" adds an empty
// one, up to data-max. Every change draws the items anew from their values, so removing one
// renumbers the rest. A computed value (<output>) is worked out here as values change, as the
// server does (forms/src/form/computed.rs), and shows the server's value after a save. In the
// case's JSON a group is an array of objects keyed by its items' ids. case.js calls these; only
// the pages of forms with groups or computed values load this script (the bundle case-groups).
"use strict";
Elan.caseGroups = (() => {
  const { $, $$ } = Elan;
  const boxes = $$("[data-group]");
  const adds = boxes.map((box) => box.lastElementChild);
  // The items' inputs, as case.js checks and marks them.
  const items = [];
  const api = { items, adds, onDraw: () => {} };
  let open = false;

  const itemId = (input) => input.name.split("].")[1];
  // A group's items as JSON: each item's values by id, empty ones left out.
  const read = (box) => $$(".item", box).map((item) => Object.fromEntries(
    $$("[name]", item).filter((i) => i.value.trim()).map((i) => [itemId(i), i.value.trim()])));
  const same = (a, b) => a.length === b.length && a.every((o, n) =>
    Object.keys({ ...o, ...b[n] }).every((k) => (o[k] || "") === (b[n][k] || "")));

  function draw(box, values) {
    const list = $(".items", box);
    const template = $("template", box).innerHTML;
    list.innerHTML = values.map((_, n) => template.replaceAll("%n", n + 1)).join("");
    $$(".item", list).forEach((item, n) => {
      for (const i of $$("[name]", item)) i.value = values[n][itemId(i)] || "";
      item.lastElementChild.onclick = () => {
        const rest = read(box);
        rest.splice(n, 1);
        draw(box, rest);
        box.lastElementChild.focus();
      };
    });
    items.splice(0, items.length, ...boxes.flatMap((b) => $$(".item [name]", b)));
    edit(open);
    compute();
    api.onDraw();
  }

  // Editable or read only, with the buttons only while editing.
  function edit(on) {
    open = on;
    for (const i of items) i.tagName === "SELECT" ? (i.disabled = !on) : (i.readOnly = !on);
    for (const box of boxes) {
      for (const item of $$(".item", box)) item.lastElementChild.hidden = !on;
      box.lastElementChild.hidden = !on || $$(".item", box).length >= +box.dataset.max;
    }
  }

  // A number as the server writes it ("10.5"), shown with a decimal comma.
  const number = (v) => (/^-?\d+([.,]\d+)?$/.test(v) ? +v.replace(",", ".") : NaN);
  const show = (out, v) => { out.value = v === "" || isNaN(v) ? "" : String(+(+v).toFixed(9)).replace(".", ","); };
  function compute() {
    for (const out of $$("output[data-op]")) {
      const { op, of, item } = out.dataset;
      const values = op === "product"
        ? of.split(" ").map((name) => $(`[name="${name}"]`)?.value.trim())
        : $$(`[name^="${of}["][name$="].${item}"]`).map((i) => i.value.trim());
      const ns = values.map(number).filter((n) => op === "product" || !isNaN(n));
      show(out, op === "count" ? $$(`[data-group="${of}"] .item`).length
        : !ns.length ? NaN : op === "sum" ? ns.reduce((a, b) => a + b) : op === "max" ? Math.max(...ns) : ns[0] * ns[1]);
    }
  }

  // The case's values: every group drawn (or only those in `fields`, for edits put back), and
  // the computed values as the server has them.
  api.render = (fields, all = true) => {
    for (const box of boxes) if (all || box.dataset.group in fields) draw(box, fields[box.dataset.group] || []);
    for (const add of adds) Elan.caseFields.setFieldError(add.id, null);
    for (const out of $$("output[data-field]")) if (all) show(out, fields[out.dataset.field]);
  };
  // The groups whose items changed, as `[id, items]`.
  api.changed = (fields) => boxes.map((box) => [box.dataset.group, read(box)])
    .filter(([id, v]) => !same(v, fields[id] || []));
  api.edit = edit;

  boxes.forEach((box, b) => {
    adds[b].onclick = () => {
      draw(box, [...read(box), {}]);
      $(".item:last-child [name]", box).focus();
    };
  });
  // Before case.js's own listener, so that a condition on a computed value sees the new value.
  $("#case-form").addEventListener("input", compute);
  return api;
})();
