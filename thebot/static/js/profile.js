// The profile page: a Copy button for the calendar feed link (shown only where the clipboard
// can be written; the link stays selectable in its read-only field either way).
(() => {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach((button) => {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.value);
        button.textContent = button.dataset.copied || label;
        window.setTimeout(() => { button.textContent = label; }, 2000);
      } catch (error) {
        source.select();
      }
    });
  });
  document.querySelectorAll("[data-copy-source]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
})();
