// A draft just started from its anläggnings-ID ("Ny anmälan", new-case.js, with `#edit`) opens
// for editing: the lookup is done, and what is left is to fill in the rest. Not in the
// preview's bundles, whose pages are within bytes of 14 KB gzipped.
"use strict";
(async () => {
  const page = Elan.casePage;
  if (location.hash == "#edit" && await page.loaded && page.current.actions.includes("edit")) page.setEditing(true);
})();
