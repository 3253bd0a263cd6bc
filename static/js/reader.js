// The reader's forms under htmx. Refusals come with a status that says why (422 form
// errors, 403 closed, 404 gone, 409 already reported, 429 too many) and a fragment that
// says it to the reader: swap those in instead of htmx's default of dropping them.
(function () {
  "use strict";
  var SHOWN = [403, 404, 409, 422, 429];

  // A comment or reply the server would not take now (403 comments closed or a login
  // needed, 404 its parent gone, 429 too many) is refused above the form, which keeps
  // what the reader typed: they may wait and send it again, or copy it.
  var KEEPS_THE_FORM = [403, 404, 429];

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (SHOWN.indexOf(status) === -1) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    var config = event.detail.requestConfig;
    var form = config && config.elt && config.elt.closest
      && config.elt.closest("form.comment-form, form.reply-form");
    if (form && KEEPS_THE_FORM.indexOf(status) !== -1) {
      var slot = form.querySelector(".refusal");
      if (!slot) {
        slot = document.createElement("div");
        form.prepend(slot);
      }
      event.detail.target = slot;
      event.detail.swapOverride = "outerHTML";
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

  // Where the focus goes once an answer has replaced the element it was on (the form, or
  // the "show more" link), so keyboard and screen-reader users are not sent back to the
  // top of the page: a refused form's first invalid field (its errors are also said by
  // the form's alert, articles/form_fields.html), or its own error when no field is to
  // blame; what was posted or reported, or why it was refused; the first of the replies
  // "show more" brought. htmx settles each element it swapped in, in page order, so the
  // first one of an answer is where its content starts.
  var settled = new WeakSet();

  function own(element, selector) {
    return element.matches(selector) ? element : element.querySelector(selector);
  }

  function focusTarget(swapped, requester) {
    if (requester && requester.matches && requester.matches(".show-more-link")) return swapped;
    if (own(swapped, "[data-form-errors]")) {
      return own(swapped, "[aria-invalid=true]") || own(swapped, ".alert-danger");
    }
    return own(swapped, ".posted, .posted-reply, .report-result, .refusal");
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || settled.has(xhr) || !event.target.matches) return;
    settled.add(xhr);
    // detail.elt is the element settled; the one that asked is the request's.
    var config = event.detail.requestConfig;
    var place = focusTarget(event.target, config && config.elt);
    if (!place) return;
    // A row or a notice is not focusable by itself; -1 keeps it out of the Tab order.
    if (place.tabIndex < 0 && !place.hasAttribute("tabindex")) place.tabIndex = -1;
    place.focus();
  });

  // Cancel empties the slot the form was fetched into.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-slot]");
    if (!button) return;
    var slot = button.closest(".comment-slot");
    if (slot) slot.replaceChildren();
  });
})();
