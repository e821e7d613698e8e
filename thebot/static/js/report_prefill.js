// A new report's numbers follow the picked student (or enrollment) and week: on a change, the
// server's pre-fill (GET /api/v1/reports/prefill, computed by the reports service) replaces the
// numbers the author has not typed in. The author still edits them before saving.
(() => {
  "use strict";
  const form = document.querySelector("form[data-prefill-url]");
  if (!form) return;
  const kind = form.dataset.kind;
  const picker = form.elements[kind === "teacher" ? "enrollment_id" : "student_id"];
  const week = form.elements.week_start;
  const hint = form.querySelector("[data-prefill-hint]");
  const typed = new Set();
  const names = kind === "teacher"
    ? ["homework_done", "homework_set", "average_grade", "attendance_percent"]
    : ["days_present", "days_planned"];
  names.forEach((name) => {
    const input = form.elements[name];
    if (input) input.addEventListener("input", () => typed.add(name));
  });

  async function refresh() {
    if (!picker || !picker.value || !week || !week.value) return;
    const query = new URLSearchParams({ kind, week_start: week.value });
    query.set(picker.name, picker.value);
    let answer;
    try {
      const response = await fetch(`${form.dataset.prefillUrl}?${query}`,
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      answer = await response.json();
    } catch (error) {
      return;
    }
    const fields = (answer.prefill && answer.prefill.fields) || {};
    names.forEach((name) => {
      const input = form.elements[name];
      if (!input || typed.has(name) || !(name in fields)) return;
      input.value = fields[name] === null ? "" : String(fields[name]);
    });
    if (hint) hint.hidden = false;
  }

  if (picker) picker.addEventListener("change", refresh);
  if (week) week.addEventListener("change", refresh);
})();
