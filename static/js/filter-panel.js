// On a phone, a list's filters fold away under their summary, so that the list comes first.
// Without JavaScript, and on wider screens, they stay open.
(function () {
  "use strict";
  var phone = window.matchMedia("(max-width: 40rem)");

  function fit() {
    document.querySelectorAll("details.filter-panel").forEach(function (panel) {
      panel.open = !phone.matches;
    });
  }

  fit();
  phone.addEventListener("change", fit);
})();
