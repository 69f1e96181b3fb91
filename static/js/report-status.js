// Updates the status of donor reports being made, without reloading the page.
// Without JavaScript the page still works: reload it to see the new status.
(function () {
  "use strict";
  var INTERVAL = 2000;

  function update(row, data) {
    var badge = row.querySelector("[data-role=status]");
    badge.textContent = data.label;
    badge.className = "badge badge-" + data.status;
    row.querySelector("[data-role=reason]").textContent = data.failure_reason || "";
    if (data.download) {
      var cell = row.querySelector("[data-role=download]");
      var link = document.createElement("a");
      link.href = data.download;
      link.textContent = cell.getAttribute("data-label") || "Download PDF";
      cell.replaceChildren(link);
    }
  }

  // Poll every 2 s; after an error (a 502 while a server restarts, a dropped connection) wait
  // longer, and stop after half an hour: a reload then shows the status.
  var GIVE_UP_AFTER = 30 * 60 * 1000;

  function poll(row, started) {
    if (Date.now() - started > GIVE_UP_AFTER) { return; }
    var again = function (delay) { window.setTimeout(function () { poll(row, started); }, delay); };
    fetch(row.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { again(INTERVAL * 5); return; }
        update(row, data);
        if (!data.finished) { again(INTERVAL); }
      })
      .catch(function () { again(INTERVAL * 5); });
  }

  document.querySelectorAll("tr[data-status-url]").forEach(function (row) {
    window.setTimeout(function () { poll(row, Date.now()); }, INTERVAL);
  });
})();
