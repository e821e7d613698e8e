// The admin's new-account form: show only the profile fields of the chosen role. Without
// JavaScript every field shows and the server keeps only the chosen role's (admin.routes).
(() => {
  "use strict";
  const form = document.querySelector("form[data-role-fields]");
  if (!form) return;
  const fieldsByRole = JSON.parse(form.dataset.roleFields || "{}");
  const role = form.querySelector("select[name=role]");
  const fieldset = form.querySelector("[data-profile-fieldset]");
  if (!role) return;

  function show() {
    const wanted = new Set(fieldsByRole[role.value] || []);
    for (const box of form.querySelectorAll("[data-profile-field]")) {
      box.hidden = !wanted.has(box.dataset.profileField);
    }
    if (fieldset) fieldset.hidden = wanted.size === 0;
    // The note "only the chosen role's fields are saved" is for the page without JavaScript.
    const note = fieldset && fieldset.querySelector("[data-profile-note]");
    if (note) note.hidden = true;
  }

  role.addEventListener("change", show);
  show();
})();
