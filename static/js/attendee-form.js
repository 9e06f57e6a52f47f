// Optional: when the browser refuses an incomplete form (Enter half-way, or the button), it says why in the page's
// language and brings the question to the middle of the screen, so that its label shows too. Without this script
// the browser still refuses the form (`required`), and after a refusal by the server `autofocus` still focuses the
// first error.
(function () {
  "use strict";
  var form = document.querySelector("form.attendee-form");
  if (!form) { return; }
  var missing = form.getAttribute("data-message-missing");
  var invalid = form.getAttribute("data-message-invalid");

  function centre(element) {
    if (element && element.scrollIntoView) { element.scrollIntoView({ block: "center" }); }
  }

  function group(element) {
    return element.type === "radio" ? form.querySelectorAll("input[name='" + element.name + "']") : [element];
  }

  var first = document.querySelector("[autofocus][aria-invalid=true]");
  if (first) { centre(first); }

  var centred = false;
  form.addEventListener("invalid", function (event) {
    var element = event.target;
    if (!element.validity.customError) {
      element.setCustomValidity(element.validity.valueMissing ? missing : invalid);
    }
    if (!centred) {  // the first refused field of this attempt; the browser focuses it
      centred = true;
      centre(element);
      setTimeout(function () { centred = false; }, 0);
    }
  }, true);
  // A custom message keeps a field invalid until cleared: clear it as soon as the answer changes.
  function clear(event) {
    if (!event.target.setCustomValidity) { return; }
    Array.prototype.forEach.call(group(event.target), function (element) { element.setCustomValidity(""); });
  }
  form.addEventListener("input", clear);
  form.addEventListener("change", clear);
}());
