// The monthly entry grid: keyboard moves between cells (Enter down, arrows across), Ctrl+Enter saves, a new row
// on demand, and outlier flags as a quantity is typed. Without this script the grid is a plain form.
(function () {
  "use strict";
  const table = document.getElementById("entry-grid");
  if (!table) { return; }
  const form = table.closest("form");
  const medians = JSON.parse(table.dataset.medians || "{}");
  const factor = parseFloat(table.dataset.outlierFactor || "3");

  function rows() { return Array.from(table.querySelectorAll("tbody tr.grid-row")); }
  function cellsOf(row) { return Array.from(row.querySelectorAll("td:not(.confirm) input:not([type=hidden]), td:not(.confirm) select")); }
  function position(control) {
    const row = control.closest("tr.grid-row");
    return { rowIndex: rows().indexOf(row), column: cellsOf(row).indexOf(control) };
  }
  function focusCell(rowIndex, column) {
    const all = rows();
    if (rowIndex < 0 || rowIndex >= all.length) { return false; }
    const cells = cellsOf(all[rowIndex]);
    const target = cells[Math.max(0, Math.min(column, cells.length - 1))];
    if (!target) { return false; }
    target.focus();
    if (target.select && target.tagName === "INPUT") { target.select(); }
    return true;
  }
  function atEdge(control, end) {
    if (control.tagName !== "INPUT") { return true; }
    const { selectionStart: start, selectionEnd: stop, value } = control;
    if (start === null) { return true; }
    if (start !== stop) { return start === 0 && stop === value.length; }
    return end ? stop === value.length : start === 0;
  }

  function addRow() {
    const all = rows();
    const last = all[all.length - 1];
    const index = all.reduce((max, row) => Math.max(max, parseInt(row.dataset.row, 10)), -1) + 1;
    const copy = last.cloneNode(true);
    copy.dataset.row = String(index);
    copy.classList.remove("outlier");
    copy.querySelectorAll("input[type=hidden]").forEach((input) => input.remove());
    copy.querySelectorAll(".cell-error, .outlier-note").forEach((note) => note.remove());
    copy.querySelectorAll("td").forEach((td) => td.classList.remove("has-error"));
    copy.querySelectorAll("input, select").forEach((control) => {
      control.name = control.name.replace(/^rows-\d+-/, "rows-" + index + "-");
      control.removeAttribute("aria-invalid");
      if (control.type === "checkbox") { control.checked = false; } else { control.value = ""; }
    });
    copy.querySelector("td.confirm label").hidden = true;
    copy.querySelector("td.row-number").firstChild.textContent = String(all.length + 1);
    last.after(copy);
    return copy;
  }

  function checkOutlier(row) {
    const value = (name) => { const c = row.querySelector("[name$='-" + name + "']"); return c ? c.value.trim().toLowerCase() : ""; };
    const median = medians[[value("kind"), value("activity"), value("unit")].join("|")];
    const quantity = parseFloat(value("quantity").replace(/,/g, ""));
    const outlier = median !== undefined && !isNaN(quantity) && quantity > factor * parseFloat(median);
    row.classList.toggle("outlier", outlier);
    const label = row.querySelector("td.confirm label");
    label.hidden = !outlier;
    const cell = row.querySelector("td.quantity");
    let note = cell.querySelector(".outlier-note");
    if (outlier && !cell.querySelector(".cell-error")) {
      if (!note) { note = document.createElement("span"); note.className = "outlier-note"; cell.appendChild(note); }
      note.textContent = table.dataset.outlierText.replace("{median}", median);
    } else if (note) { note.remove(); }
  }

  table.addEventListener("input", (event) => {
    const row = event.target.closest("tr.grid-row");
    if (row && event.target.type !== "checkbox") { checkOutlier(row); }
  });
  table.addEventListener("change", (event) => {
    const row = event.target.closest("tr.grid-row");
    if (row && event.target.tagName === "SELECT") { checkOutlier(row); }
  });

  table.addEventListener("keydown", (event) => {
    const control = event.target;
    if (!control.closest || !control.closest("tr.grid-row") || control.type === "checkbox") { return; }
    const { rowIndex, column } = position(control);
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.submit();
      return;
    }
    let moved = false;
    if (event.key === "Enter") {
      const next = rowIndex + (event.shiftKey ? -1 : 1);
      if (next >= rows().length) { addRow(); }
      moved = focusCell(next, column);
      if (!moved && event.shiftKey) { moved = true; }  // the first row: stay, but never submit
    } else if (event.key === "ArrowDown" && control.tagName === "INPUT") {
      moved = focusCell(rowIndex + 1, column);
    } else if (event.key === "ArrowUp" && control.tagName === "INPUT") {
      moved = focusCell(rowIndex - 1, column);
    } else if (event.key === "ArrowRight" && atEdge(control, true)) {
      moved = focusCell(rowIndex, column + 1);
    } else if (event.key === "ArrowLeft" && atEdge(control, false)) {
      moved = column > 0 && focusCell(rowIndex, column - 1);
    }
    if (moved) { event.preventDefault(); }
  });

  const add = document.getElementById("add-row");
  if (add) {
    add.hidden = false;
    add.addEventListener("click", () => { const row = addRow(); focusCell(rows().indexOf(row), 0); });
  }
  rows().forEach(checkOutlier);
})();
