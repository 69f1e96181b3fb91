// A draft form that never loses what was typed (the application form, a progress report), where scripts run;
// without them every part still works by plain posts. The form says where to send things:
//   data-draft-url   where the draft is saved as one types (a JSON answer: {message}, 4xx when refused);
//   data-upload-url  where a chosen file is sent at once (a JSON answer: {message, file: the row's HTML,
//                    replaced: the id of the row it takes the place of});
//   each remove button (name=remove_file) carries its data-remove-url.
// The fields of the file chooser are inside [data-upload]: they are sent with the file, never with the draft.
//  - The draft saves itself a moment after typing stops, and when the page is left, and says when it did.
//  - A chosen file is sent at once and listed (or refused, with the reason) without reloading the page;
//    a listed file is removed in place.
//  - After a refused post, the summary of what to correct is where the reader starts.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form || !window.fetch) return;
  var SAVE_AFTER = 1500;
  var uploadFields = form.querySelector("[data-upload]");

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(
        function (body) { return { ok: response.ok, body: body }; },
        function () { return { ok: false, body: { message: form.dataset.failed || "The server did not answer." } }; }
      );
    });
  }

  function isUploadField(element) {
    return Boolean(uploadFields && element && uploadFields.contains(element));
  }

  // --- saving as one types ------------------------------------------------------------------------------
  var status = document.getElementById("save-status");
  var timer = null;
  var dirty = false;
  var saving = false;

  function draftData() {
    var data = new FormData(form);
    if (uploadFields) {
      uploadFields.querySelectorAll("[name]").forEach(function (field) { data.delete(field.name); });
    }
    return data;
  }

  function say(text) { status.textContent = text; }

  function save() {
    clearTimeout(timer);
    if (!dirty) return;
    if (saving) { timer = setTimeout(save, SAVE_AFTER); return; }
    dirty = false;
    saving = true;
    say(status.dataset.saving || "Saving…");
    post(form.dataset.draftUrl, draftData()).then(function (answer) {
      say(answer.body.message);
      status.classList.toggle("save-refused", !answer.ok);
    }, function () {
      dirty = true;
      say(status.dataset.offline || "Not saved: no connection. Trying again…");
      timer = setTimeout(save, 10000);
    }).then(function () { saving = false; });
  }

  function changed(event) {
    if (!event.target.name || isUploadField(event.target)) return;
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_AFTER);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", save);
  // Leaving the page (closing the tab, following a link): the last words typed are sent as it goes, also when
  // a save was under way (leaving may cut it off).
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && (dirty || saving) && navigator.sendBeacon) {
      dirty = false;
      navigator.sendBeacon(form.dataset.draftUrl, draftData());
    }
  });
  form.addEventListener("submit", function () { clearTimeout(timer); dirty = false; });

  // --- files ----------------------------------------------------------------------------------------------
  var fileList = document.getElementById("file-list");
  var uploadStatus = document.getElementById("upload-status");

  function listIsEmpty() {
    if (!fileList.querySelector(".file-row")) {
      fileList.innerHTML = "";
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = fileList.dataset.empty;
      fileList.appendChild(empty);
    }
  }

  // A file replaced or removed is no longer offered as one to replace.
  function forget(rowId) {
    var row = document.getElementById(rowId);
    if (row) row.remove();
    form.querySelectorAll("option[data-row='" + rowId + "']").forEach(function (option) { option.remove(); });
    var replaces = uploadFields && uploadFields.querySelector("select[data-replaces]");
    if (replaces && replaces.options.length < 2) replaces.closest(".field").hidden = true;
    listIsEmpty();
  }

  function upload(button) {
    var fileInput = uploadFields.querySelector("input[type=file]");
    if (!fileInput.files.length) { fileInput.focus(); return; }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    uploadFields.querySelectorAll("[name]").forEach(function (field) {
      if (field.type === "file") data.append(field.name, field.files[0]);
      else data.append(field.name, field.value);
    });
    button.disabled = true;
    uploadStatus.textContent = uploadStatus.dataset.sending || "Sending the file…";
    post(form.dataset.uploadUrl, data).then(function (answer) {
      uploadStatus.textContent = answer.body.message;
      uploadStatus.classList.toggle("upload-refused", !answer.ok);
      if (answer.ok) {
        if (answer.body.replaced) forget(answer.body.replaced);
        fileList.querySelectorAll("li:not(.file-row)").forEach(function (item) { item.remove(); });
        fileList.insertAdjacentHTML("beforeend", answer.body.file);
        if (answer.body.option) {
          var replaces = uploadFields.querySelector("select[data-replaces]");
          if (replaces) {
            replaces.insertAdjacentHTML("beforeend", answer.body.option);
            replaces.closest(".field").hidden = false;
          }
        }
        uploadFields.querySelectorAll("input").forEach(function (field) { field.value = ""; });
        uploadFields.querySelectorAll("select").forEach(function (field) { field.selectedIndex = 0; });
      }
    }, function () {
      uploadStatus.textContent = uploadStatus.dataset.offline || "Not sent: no connection. Try again.";
    }).then(function () { button.disabled = false; });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !fileList) return;
    if (button.name === "upload") {
      event.preventDefault();
      upload(button);
    } else if (button.name === "remove_file") {
      event.preventDefault();
      var removal = new FormData();
      removal.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      post(button.dataset.removeUrl, removal).then(function (answer) {
        uploadStatus.textContent = answer.body.message;
        uploadStatus.classList.toggle("upload-refused", !answer.ok);
        if (answer.ok) forget(button.closest("li").id);
      }, function () {
        uploadStatus.textContent = uploadStatus.dataset.offline || "Not sent: no connection. Try again.";
      });
    }
  });

  // --- after a refused post, the summary of what to correct is where the reader starts ------------------
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // --- what is typed from here on is saved: a mark for whoever waits on it (the browser tests) -----------
  form.dataset.draftReady = "true";
})();
