// The customer search box by keyboard (htmx swaps the results in as the person types): the arrow
// keys go from the box to the result links and between them, Escape goes back to the box.
(() => {
  "use strict";

  for (const form of document.querySelectorAll("form[data-customer-search]")) {
    const box = form.querySelector("input[name=q]");
    const results = document.getElementById(box.getAttribute("aria-controls"));
    const links = () => [...results.querySelectorAll("tbody a")];

    box.addEventListener("keydown", (event) => {
      const first = links()[0];
      if (event.key !== "ArrowDown" || !first) return;
      event.preventDefault();
      first.focus();
    });

    results.addEventListener("keydown", (event) => {
      const all = links();
      const at = all.indexOf(document.activeElement);
      if (at < 0) return;
      let next = null;
      if (event.key === "ArrowDown") next = all[at + 1] || all[at];
      else if (event.key === "ArrowUp") next = all[at - 1] || box;
      else if (event.key === "Escape") next = box;
      if (!next) return;
      event.preventDefault();
      next.focus();
    });
  }
})();
