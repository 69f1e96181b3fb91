"use strict";
// A list filter whose row is picked by typing (common/admin.py, SearchedRelatedFilter): choosing a row reloads
// the list filtered on it, from its first page. The admin's autocomplete signals through jQuery events.
django.jQuery(function ($) {
  $("select[data-filter-parameter]").on("change", function () {
    if (!this.value) return;
    const url = new URL(window.location.href);
    url.searchParams.delete("p");
    url.searchParams.set(this.dataset.filterParameter, this.value);
    window.location.assign(url.toString());
  });
});
