// The language menu sends its form as soon as a language is picked (without JavaScript, the
// <noscript> button does). A static file, not an onchange attribute: the pages' CSP runs no
// inline script.
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
    select.addEventListener("change", () => select.form.submit());
  }
});
