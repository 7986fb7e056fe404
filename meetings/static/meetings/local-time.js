"use strict";
// Shows each session's start on the reader's own clock, named by the reader's zone, beside the
// venue's and the capitals' (which the server writes). Without script, those remain.
document.addEventListener("DOMContentLoaded", () => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    dateStyle: "full",
    timeStyle: "short",
    timeZone: zone,
  });
  document.querySelectorAll("time[data-local-time]").forEach((element) => {
    const instant = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(instant.getTime())) {
      return;
    }
    element.textContent = `${format.format(instant)} (${zone})`;
    const row = element.closest(".your-time");
    if (row) {
      row.hidden = false;
    }
  });
});
