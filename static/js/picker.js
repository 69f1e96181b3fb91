// A combobox (the WAI-ARIA pattern with a listbox popup) that picks by typing: over a multiple select, or over a
// text field with suggestions from the server. Used by the application form (countries, cities) and its consortium
// section (the organisation to invite). `window.Picker(options)` enhances `options.source`; without scripts the
// source field works as it is.
(function () {
  "use strict";
  function picker(options) {
    var source = options.source;
    var wrapper = document.createElement("div");
    wrapper.className = "picker";
    var chips = document.createElement("ul");
    chips.className = "chips";
    chips.setAttribute("aria-label", options.chosenLabel);
    var input = document.createElement("input");
    input.type = "text";
    input.id = source.id + "-search";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var list = document.createElement("ul");
    list.id = source.id + "-options";
    list.setAttribute("role", "listbox");
    list.className = "picker-options";
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    var label = document.querySelector("label[for=" + source.id + "]");
    if (label) label.htmlFor = input.id;
    var help = source.getAttribute("aria-describedby");
    if (help) input.setAttribute("aria-describedby", help);
    wrapper.append(chips, input, list);
    source.insertAdjacentElement("afterend", wrapper);
    source.hidden = true;
    source.setAttribute("aria-hidden", "true");
    source.tabIndex = -1;
    var active = -1;
    var matches = [];

    function renderChips() {
      chips.innerHTML = "";
      options.chosen().forEach(function (item) {
        var chip = document.createElement("li");
        chip.className = "chip";
        chip.textContent = item.label + " ";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", (options.removeLabel || "Remove") + " " + item.label);
        remove.addEventListener("click", function () {
          options.unchoose(item.value);
          renderChips();
          input.focus();
        });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      items.forEach(function (item, i) { item.setAttribute("aria-selected", String(i === index)); });
      active = index;
      if (items[index]) input.setAttribute("aria-activedescendant", items[index].id);
    }

    function choose(item) {
      options.choose(item);
      input.value = "";
      close();
      renderChips();
    }

    function show(found) {
      matches = found;
      list.innerHTML = "";
      found.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
        list.appendChild(option);
      });
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", String(found.length > 0));
      active = -1;
    }

    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (!text) { close(); return; }
      options.find(text).then(show);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, matches.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter") {
        event.preventDefault();
        if (active >= 0) choose(matches[active]);
        else if (matches.length === 1) choose(matches[0]);
        else if (options.free && input.value.trim()) choose({ value: input.value.trim(), label: input.value.trim() });
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    renderChips();
  }

  window.Picker = picker;
})();
