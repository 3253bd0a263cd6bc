// The queue page's tab strips (the queues, the saved queues) scroll sideways on a narrow
// screen (static/css/moderation-tabs.css). Keep the open tab in view, and mark an edge
// with more tabs beyond it ("more-before", "more-after") so that it fades out: on load,
// on scrolling and resizing, and after htmx swaps in fresh tabs with new counts.
(function () {
  "use strict";
  var STRIPS = ".mod-tabs, .mod-saved-nav";

  function mark(strip) {
    var end = strip.scrollWidth - strip.clientWidth;
    strip.classList.toggle("more-before", strip.scrollLeft > 1);
    strip.classList.toggle("more-after", strip.scrollLeft < end - 1);
  }

  function reveal(strip) {
    var link = strip.querySelector(".nav-link.active");
    if (link && strip.scrollWidth > strip.clientWidth) {
      var item = link.closest(".nav-item") || link;
      var start = item.offsetLeft;
      var end = start + item.offsetWidth;
      if (start < strip.scrollLeft || end > strip.scrollLeft + strip.clientWidth) {
        strip.scrollLeft = Math.max(0, start - (strip.clientWidth - item.offsetWidth) / 2);
      }
    }
    mark(strip);
  }

  function setUp(strip) {
    if (strip.dataset.tabStrip) return;
    strip.dataset.tabStrip = "1";
    strip.addEventListener("scroll", function () { mark(strip); }, { passive: true });
    reveal(strip);
  }

  function setUpAll() {
    document.querySelectorAll(STRIPS).forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", setUpAll);
  window.addEventListener("resize", function () {
    document.querySelectorAll(STRIPS).forEach(mark);
  });
  // The tabs are swapped whole (out of band) after each action: set the new ones up.
  document.addEventListener("htmx:afterSettle", setUpAll);
})();
