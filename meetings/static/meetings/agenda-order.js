"use strict";
// Agenda rows move up and down with their arrow buttons; the positions follow the order on the
// page, so nobody retypes them. Works for rows added with "Add another" too.
(function () {
  function formRows(tbody) {
    return Array.from(tbody.querySelectorAll(":scope > tr.form-row")).filter(
      (row) => !row.classList.contains("empty-form")
    );
  }

  function renumber(tbody) {
    formRows(tbody).forEach((row, index) => {
      const input = row.querySelector("input[name$='-position']");
      if (input) {
        input.value = String(index + 1);
      }
    });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.agenda-move");
    if (!button) {
      return;
    }
    const row = button.closest("tr");
    const tbody = row.parentElement;
    const rows = formRows(tbody);
    const index = rows.indexOf(row);
    if (button.dataset.move === "up" && index > 0) {
      tbody.insertBefore(row, rows[index - 1]);
    } else if (button.dataset.move === "down" && index >= 0 && index < rows.length - 1) {
      tbody.insertBefore(rows[index + 1], row);
    }
    renumber(tbody);
    button.focus();
    // Say where the item went, for those who cannot see the rows move.
    const announcement = row.querySelector(".agenda-announcement");
    const position = row.querySelector("input[name$='-position']");
    if (announcement && position) {
      announcement.textContent = announcement.dataset.text.replace("%(position)s", position.value);
    }
  });

  document.addEventListener("formset:added", (event) => {
    const row = event.target;
    if (row.querySelector && row.querySelector("button.agenda-move")) {
      renumber(row.parentElement);
    }
  });
})();
