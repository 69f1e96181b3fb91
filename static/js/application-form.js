// The application form, made easier where scripts run; without them every part still works by plain posts.
// Saving as one types, files and the error summary are draft-form.js's, as on every draft form.
//  - Budget lines are added and removed in place, with their total against the amount requested and the
//    call's ceiling.
//  - Text with a limit shows how many characters are left.
//  - Countries and cities are picked by typing part of their name (a combobox listing what matches).
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form || !window.fetch) return;
  var lang = document.documentElement.lang || "en";

  // --- budget lines -----------------------------------------------------------------------------------------
  var table = form.querySelector("table.budget-lines tbody");
  var template = document.getElementById("budget-row-template");
  var totalForms = form.querySelector("input[name=budget-TOTAL_FORMS]");
  var totalLine = document.getElementById("budget-total");
  var currency = form.dataset.currency;
  var ceiling = parseFloat(form.dataset.ceiling);
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: currency, currencyDisplay: "code" });

  function amountOf(input) {
    var value = parseFloat((input.value || "").replace(/[\s,]/g, ""));
    return isNaN(value) ? 0 : value;
  }

  function showTotal() {
    var total = 0;
    table.querySelectorAll("input[name$=-amount]").forEach(function (input) { total += amountOf(input); });
    var requested = amountOf(form.elements.requested_amount);
    var parts = [(totalLine.dataset.total || "Budget total:") + " " + money.format(total)];
    if (requested) {
      parts.push((totalLine.dataset.requested || "requested:") + " " + money.format(requested));
      var difference = requested - total;
      if (Math.abs(difference) >= 0.005) {
        parts.push((difference > 0 ? totalLine.dataset.short || "still to budget:" : totalLine.dataset.over || "over by:") +
          " " + money.format(Math.abs(difference)));
      }
    }
    if (ceiling) parts.push((totalLine.dataset.ceiling || "ceiling:") + " " + money.format(ceiling));
    totalLine.textContent = parts.join(" · ");
    totalLine.classList.toggle("budget-off", Boolean(requested) && Math.abs(requested - total) >= 0.005);
    totalLine.hidden = false;
  }

  function addRemoveButton(row) {
    var cell = document.createElement("td");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-link";
    button.textContent = template.dataset.remove || "Remove";
    var number = table.querySelectorAll("tr.budget-line").length;
    button.setAttribute("aria-label", (template.dataset.removeLine || "Remove line") + " " + number);
    button.addEventListener("click", function () {
      row.querySelectorAll("input, select").forEach(function (input) { input.value = ""; });
      row.hidden = true;
      showTotal();
      row.querySelector("input").dispatchEvent(new Event("change", { bubbles: true }));  // saves the draft
    });
    cell.appendChild(button);
    row.appendChild(cell);
  }

  if (table && template && totalForms) {
    form.querySelector(".no-script-note").hidden = true;
    table.querySelectorAll("tr.budget-line").forEach(addRemoveButton);
    var header = form.querySelector("table.budget-lines thead tr");
    header.appendChild(document.createElement("td"));
    var add = document.createElement("button");
    add.type = "button";
    add.className = "button button-secondary";
    add.textContent = template.dataset.add || "Add a budget line";
    add.addEventListener("click", function () {
      var index = parseInt(totalForms.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      table.insertAdjacentHTML("beforeend", html);
      totalForms.value = String(index + 1);
      var row = table.lastElementChild;
      addRemoveButton(row);
      row.querySelector("select").focus();
    });
    totalLine.parentNode.insertBefore(add, totalLine);
    form.addEventListener("input", function (event) {
      if (/-amount$|^requested_amount$/.test(event.target.name)) showTotal();
    });
    showTotal();
  }

  // --- characters left -----------------------------------------------------------------------------------
  form.querySelectorAll("textarea[maxlength]").forEach(function (area) {
    var limit = parseInt(area.getAttribute("maxlength"), 10);
    var counter = document.createElement("p");
    counter.className = "counter muted";
    counter.id = area.id + "-counter";
    area.setAttribute("aria-describedby", ((area.getAttribute("aria-describedby") || "") + " " + counter.id).trim());
    function count() {
      var left = limit - area.value.length;
      counter.textContent = (area.dataset.countLabel || "%(left)s of %(limit)s characters left")
        .replace("%(left)s", left.toLocaleString(lang)).replace("%(limit)s", limit.toLocaleString(lang));
      counter.classList.toggle("counter-low", left < limit / 10);
    }
    area.addEventListener("input", count);
    area.insertAdjacentElement("afterend", counter);
    count();
  });

  // --- picking by typing (the combobox is static/js/picker.js) ---------------------------------------------
  // A combobox (WAI-ARIA pattern with a listbox popup) over a multiple select (countries) or over a
  // comma-separated text field with suggestions from the server (cities: a new name is kept as typed).
  var picker = window.Picker;

  function normalised(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  var countries = form.querySelector("select[multiple][name=countries]");
  if (countries) {
    picker({
      source: countries,
      chosenLabel: countries.dataset.chosenLabel || "Chosen countries",
      chosen: function () {
        return Array.prototype.filter.call(countries.options, function (o) { return o.selected; })
          .map(function (o) { return { value: o.value, label: o.textContent }; });
      },
      find: function (text) {
        var wanted = normalised(text);
        var found = Array.prototype.filter.call(countries.options, function (o) {
          return !o.selected && normalised(o.textContent).indexOf(wanted) !== -1;
        }).slice(0, 8).map(function (o) { return { value: o.value, label: o.textContent }; });
        return Promise.resolve(found);
      },
      choose: function (item) {
        countries.querySelector("option[value='" + item.value + "']").selected = true;
        countries.dispatchEvent(new Event("change", { bubbles: true }));
      },
      unchoose: function (value) {
        countries.querySelector("option[value='" + value + "']").selected = false;
        countries.dispatchEvent(new Event("change", { bubbles: true }));
      },
    });
  }

  var cities = form.querySelector("input[name=city_names]");
  if (cities && cities.dataset.suggestUrl) {
    var names = function () {
      return cities.value.split(",").map(function (n) { return n.trim(); }).filter(Boolean);
    };
    var setNames = function (list) {
      cities.value = list.join(", ");
      cities.dispatchEvent(new Event("change", { bubbles: true }));
    };
    picker({
      source: cities,
      free: true,
      chosenLabel: cities.dataset.chosenLabel || "Chosen cities",
      chosen: function () { return names().map(function (n) { return { value: n, label: n }; }); },
      find: function (text) {
        var query = new URLSearchParams({ q: text });
        Array.prototype.forEach.call(countries ? countries.selectedOptions : [], function (o) {
          query.append("country", o.value);
        });
        return fetch(cities.dataset.suggestUrl + "?" + query, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { cities: [] }; }, function () { return { cities: [] }; })
          .then(function (body) {
            var found = body.cities.map(function (c) { return { value: c, label: c }; });
            if (!found.some(function (c) { return normalised(c.label) === normalised(text); })) {
              found.push({ value: text, label: text + " (" + (cities.dataset.newLabel || "a new city, to be confirmed") + ")" });
            }
            return found;
          });
      },
      choose: function (item) {
        var list = names();  // a new city is kept by its name, as typed
        if (list.indexOf(item.value) === -1) list.push(item.value);
        setNames(list);
      },
      unchoose: function (value) {
        setNames(names().filter(function (n) { return n !== value; }));
      },
    });
  }
})();
