// Follows donor reports being made (each element with a data-status-url: a row of the donor's list, the
// admin's report page) until they are finished, without reloading the page. The status URL answers the
// job's record as it is now. Without JavaScript the pages still work: reload them (the admin page has a
// Refresh link) to see the new status.
(function () {
  "use strict";
  var INTERVAL = 2000;

  function update(element, data) {
    var badge = element.querySelector("[data-role=status]");
    badge.textContent = data.label;
    badge.className = badge.className.replace(/(\S+-)(queued|running|ready|failed)\b/g, "$1" + data.status);
    element.querySelector("[data-role=reason]").textContent = data.failure_reason || "";
    if (data.download) {
      var cell = element.querySelector("[data-role=download]");
      var link = document.createElement("a");
      link.href = data.download;
      link.textContent = cell.getAttribute("data-label") || "Download PDF";
      cell.replaceChildren(link);
    }
    if (data.finished) {
      element.querySelectorAll("[data-role=progress], [data-role=refresh]").forEach(function (part) {
        part.remove();
      });
    }
  }

  // Poll every 2 s; after an error (a 502 while a server restarts, a dropped connection) wait
  // longer, and stop after half an hour: a reload then shows the status.
  var GIVE_UP_AFTER = 30 * 60 * 1000;

  function poll(element, started) {
    if (Date.now() - started > GIVE_UP_AFTER) { return; }
    var again = function (delay) { window.setTimeout(function () { poll(element, started); }, delay); };
    fetch(element.getAttribute("data-status-url"), {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { again(INTERVAL * 5); return; }
        update(element, data);
        if (!data.finished) { again(INTERVAL); }
      })
      .catch(function () { again(INTERVAL * 5); });
  }

  document.querySelectorAll("[data-status-url]").forEach(function (element) {
    window.setTimeout(function () { poll(element, Date.now()); }, INTERVAL);
  });
})();
