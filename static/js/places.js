// Optional: suggests cities and airports while the attendee types the origin. The form works without it.
(function () {
  "use strict";
  var input = document.getElementById("origin");
  var list = document.getElementById("origin-places");
  if (!input || !list || !window.fetch) { return; }
  var url = input.getAttribute("data-suggest-url");
  var timer = null;
  var last = "";

  function show(places) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    places.forEach(function (place) {
      var option = document.createElement("option");
      option.value = place;
      list.appendChild(option);
    });
  }

  input.addEventListener("input", function () {
    var query = input.value.trim();
    clearTimeout(timer);
    if (!query || query === last) { return; }
    // Wait for a pause in typing: one request per word, not per key.
    timer = setTimeout(function () {
      last = query;
      fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { places: [] }; })
        .then(function (data) { if (input.value.trim() === query) { show(data.places || []); } })
        .catch(function () { /* suggestions are a convenience; typing still works */ });
    }, 250);
  });
}());
