// The reader's forms under htmx. Refusals come with a status that says why (422 form
// errors, 403 closed, 404 gone, 409 already reported, 429 too many) and a fragment that
// says it to the reader: swap those in instead of htmx's default of dropping them.
(function () {
  "use strict";
  var SHOWN = [403, 404, 409, 422, 429];

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (SHOWN.indexOf(event.detail.xhr.status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A form fetched under a comment gets the focus, so keyboard users land in it: on the
  // report's reasons, or on the first field still to fill (the comment, once the name
  // is remembered).
  document.addEventListener("htmx:afterSwap", function (event) {
    var slot = event.detail.target;
    if (!slot.classList || !slot.classList.contains("comment-slot")) return;
    var field = slot.querySelector("input[type=radio]");
    if (!field) {
      var required = slot.querySelectorAll("input[required], textarea[required]");
      for (var i = 0; i < required.length && !field; i++) {
        if (!required[i].value) field = required[i];
      }
    }
    if (field) field.focus();
  });

  // Cancel empties the slot the form was fetched into.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-slot]");
    if (!button) return;
    var slot = button.closest(".comment-slot");
    if (slot) slot.replaceChildren();
  });
})();
