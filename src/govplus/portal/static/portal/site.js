// Behaviour of the portal's pages. No inline script anywhere (the Content-Security-Policy allows
// scripts from /static/ only): pages mark elements with data- attributes and this file wires them.
(function () {
  "use strict";
  function ready() {
    // <a data-history-back href="/fallback">: go back one page when there is one.
    document.querySelectorAll("a[data-history-back]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (window.history.length > 1) {
          event.preventDefault();
          window.history.back();
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
