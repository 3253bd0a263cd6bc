// Follow the browser's light or dark preference with Bootstrap's colour modes: set
// data-bs-theme on <html> before the page is drawn (templates/base.html loads this first
// in <head>, without defer, so no page flashes light), and again when the preference
// changes. Without JavaScript the pages stay light.
(function () {
  "use strict";
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function apply() {
    document.documentElement.setAttribute("data-bs-theme", dark && dark.matches ? "dark" : "light");
  }

  apply();
  if (dark && dark.addEventListener) dark.addEventListener("change", apply);
})();
