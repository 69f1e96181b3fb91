// Folds the site's navigation behind a "Menu" button on narrow screens. Loaded in <head> so the page is
// marked as scripted before it is painted; the button is wired once the document is read.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector(".nav-toggle");
  const nav = document.getElementById(button ? button.getAttribute("aria-controls") : "");
  if (!button || !nav) return;
  const fold = (folded) => {
    button.setAttribute("aria-expanded", String(!folded));
    nav.toggleAttribute("data-folded", folded);
  };
  fold(true);
  button.addEventListener("click", () => fold(button.getAttribute("aria-expanded") === "true"));
});
