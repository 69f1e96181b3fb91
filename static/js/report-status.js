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

  function poll(row) {
    var url = row.getAttribute("data-status-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        update(row, data);
        if (!data.finished) { window.setTimeout(function () { poll(row); }, INTERVAL); }
      })
      .catch(function () { window.setTimeout(function () { poll(row); }, INTERVAL * 5); });
  }

  document.querySelectorAll("tr[data-status-url]").forEach(function (row) {
    window.setTimeout(function () { poll(row); }, INTERVAL);
  });
})();
