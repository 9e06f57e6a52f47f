// Optional: "Add a trip" and "Add a food" copy a row in place. Without it, the same buttons ask the server
// for the page with one more row (the "more" parameter), so the form works without JavaScript.
(function () {
  "use strict";

  function renumber(row, index) {
    row.setAttribute("data-row", String(index));
    row.querySelectorAll("[id], [name], label[for]").forEach(function (element) {
      ["id", "name", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) { element.setAttribute(attribute, value.replace(/^(trip|food)-\d+-/, "$1-" + index + "-")); }
      });
    });
  }

  function clear(row) {
    row.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    row.querySelectorAll("select").forEach(function (select) {
      // A new trip starts as the server renders one: the first choice, and "return" for one way or return.
      select.value = /-trip$/.test(select.name) ? "return" : select.options[0].value;
    });
  }

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var kind = button.getAttribute("data-add-row");
    var rows = document.querySelector('[data-rows="' + kind + '"]');
    var count = document.querySelector('input[type="hidden"][name="' + kind + 's"]');
    if (!rows || !count) { return; }
    var limit = parseInt(rows.getAttribute("data-max"), 10);
    button.addEventListener("click", function (event) {
      var last = rows.lastElementChild;
      if (!last) { return; }
      event.preventDefault();
      var index = rows.children.length;
      var row = last.cloneNode(true);
      renumber(row, index);
      clear(row);
      rows.appendChild(row);
      count.value = String(index + 1);
      if (index + 1 >= limit) { button.hidden = true; }
      var first = row.querySelector("select, input");
      if (first) { first.focus(); }
    });
  });
}());
