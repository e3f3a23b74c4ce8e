// The customer's page (/kund/#<token>): a customer link's status, without sign-in. The token
// stays in the address's fragment, which no server log sees, and goes in the request's body.
(async () => {
  const message = document.getElementById("customer-message");
  const list = document.getElementById("customer");
  const token = location.hash.slice(1);
  let response;
  try {
    response = await fetch("/api/v1/customer-status", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
    });
  } catch {
    message.textContent = "Ingen kontakt med servern. Kontrollera uppkopplingen och ladda om sidan.";
    return;
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    message.textContent = (data.error && data.error.message) || "Något gick fel. Ladda om sidan om en stund.";
    return;
  }
  for (const dd of list.querySelectorAll("dd")) {
    const value = data[dd.dataset.key];
    // Dates as Swedes write them (2026-11-29); a step not taken yet is left out.
    dd.textContent = value && /_at$/.test(dd.dataset.key) ? new Date(value).toLocaleDateString("sv-SE") : value || "";
    dd.parentElement.hidden = !value;
  }
  message.textContent = "";
  list.hidden = false;
})();
