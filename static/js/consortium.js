// The consortium section of an application's page: the organisation to invite is picked by typing part of its name
// (the combobox of picker.js, with suggestions from the server); a name, an IATI identifier or an e-mail address
// typed in full is sent as it is. Without scripts the plain text field does the same.
(function () {
  "use strict";
  var input = document.getElementById("invite-organisation");
  if (!input || !window.fetch || !window.Picker) return;
  var form = input.form;
  input.required = false;  // hidden by the picker: the browser would refuse the form without saying where

  function setValue(value) {
    input.value = value;
  }

  window.Picker({
    source: input,
    free: true,
    chosenLabel: input.dataset.chosenLabel || "Organisation chosen",
    chosen: function () { return input.value ? [{ value: input.value, label: input.value }] : []; },
    find: function (text) {
      var query = new URLSearchParams({ q: text });
      return fetch(input.dataset.suggestUrl + "?" + query, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { organisations: [] }; }, function () { return { organisations: [] }; })
        .then(function (body) {
          var found = body.organisations.map(function (name) { return { value: name, label: name }; });
          if (!found.some(function (item) { return item.value.toLowerCase() === text.toLowerCase(); })) {
            found.push({ value: text, label: text });  // an identifier or e-mail address, sent as typed
          }
          return found;
        });
    },
    choose: function (item) { setValue(item.value); },
    unchoose: function () { setValue(""); },
  });
  // The field the picker hid is required: what is typed but not chosen yet is sent too.
  form.addEventListener("submit", function () {
    var search = document.getElementById(input.id + "-search");
    if (!input.value && search && search.value.trim()) setValue(search.value.trim());
  });
})();
