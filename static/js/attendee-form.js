// Optional: brings the question that needs an answer to the middle of the screen, so its label shows too.
// Without it the browser still refuses an incomplete form and `autofocus` still focuses the first error.
(function () {
  "use strict";
  var form = document.querySelector("form.attendee-form");
  if (!form) { return; }
  function centre(element) {
    if (element && element.scrollIntoView) { element.scrollIntoView({ block: "center" }); }
  }
  var first = document.querySelector("[autofocus]");
  if (first && first.getAttribute("aria-invalid") === "true") { centre(first); }
  // The browser refused a submission (Enter in a field, or the button) for a missing answer: show that one.
  var shown = false;
  form.addEventListener("invalid", function (event) {
    if (shown) { return; }
    shown = true;
    centre(event.target);
    setTimeout(function () { shown = false; }, 0);
  }, true);
}());
