// A list that the server pages, for "Mina ärenden", "Inkorg" and "Uppslag" (Elan.pagedList), and
// "Ladda ner CSV" of Uppslag and Handläggningstider (Elan.downloadCsv).
"use strict";
(() => {
  const { $, api, el } = Elan;
  // A file of the API's, fetched with the token and saved from memory as `name`; `status` says so.
  Elan.downloadCsv = async (path, name, status, done) => {
    try {
      const response = await api("GET", path);
      const link = el("a", undefined, { href: URL.createObjectURL(await response.blob()), download: name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      status.textContent = done;
    } catch (e) { status.textContent = e.message; }
  };
  /**
   * A list that the server pages: `load(cursor)` answers { items, next }; `row(item)` makes a
   * table row. "Visa fler" fetches the next page, and focus moves to the first new row.
   */
  Elan.pagedList = ({ table, status, more, load, row, describe }) => {
    const body = $("tbody", table);
    let next = null;
    let shown = 0;
    let run = 0;
    async function fetchPage(cursor) {
      const mine = ++run;
      more.disabled = true;
      try {
        const { items, next: after } = await load(cursor);
        if (mine !== run) return; // a newer search came meanwhile
        if (!cursor) {
          body.replaceChildren();
          shown = 0;
        }
        const rows = items.map(row);
        body.append(...rows);
        shown += items.length;
        next = after || null;
        table.hidden = shown === 0;
        more.hidden = !next;
        status.textContent = describe(shown, !!next);
        if (cursor && rows.length) ($("a", rows[0]) || Object.assign(rows[0].cells[0], { tabIndex: -1 })).focus();
      } catch (e) {
        if (mine === run) status.textContent = e.message;
      } finally {
        more.disabled = false;
      }
    }
    more.addEventListener("click", () => next && fetchPage(next));
    return { reload: () => fetchPage(null) };
  };

})();
