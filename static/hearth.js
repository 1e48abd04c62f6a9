// Hearth's only script: small conveniences. Every page works without it.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.classList.contains("js-confirm") && !window.confirm(form.dataset.confirm || "Are you sure?")) {
    event.preventDefault();
  }
});
