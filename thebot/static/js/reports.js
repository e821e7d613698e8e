// Live weekly reports: a report sent to (or shared with) the user appears in an open inbox
// without a reload, and a report read by its recipient shows "read" wherever it is on the page.
// Talks to the `/reports` Socket.IO namespace with the session cookie. User text is only ever
// set with textContent.
(() => {
  "use strict";
  if (typeof window.io !== "function") return;
  const i18nNode = document.getElementById("reports-i18n");
  const i18n = i18nNode ? JSON.parse(i18nNode.textContent) : {};
  const me = Number(document.body.dataset.userId);
  const table = document.querySelector("[data-reports-live]");
  const socket = window.io("/reports");
  if (window.TheBot && window.TheBot.watchSession) window.TheBot.watchSession(socket);

  const weekFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
    { dateStyle: "medium", timeZone: "UTC" });

  // "new": the server's per-viewer is_new (it waits for this user to read it, by the student's
  // links as they are now, not by the stored recipient).
  function statusOf(report) {
    return report.is_new === true ? "new" : report.status;
  }

  function setStatus(badge, status) {
    badge.dataset.status = status;
    badge.className = `badge report-status is-${status}`;
    badge.textContent = i18n[status] || status;
  }

  function badgeFor(report) {
    const badge = document.createElement("span");
    badge.dataset.reportStatus = String(report.id);
    setStatus(badge, statusOf(report));
    return badge;
  }

  function cell(column, report, labels) {
    const td = document.createElement("td");
    td.dataset.label = labels[column] || "";
    if (column === "week") {
      const link = document.createElement("a");
      link.href = table.dataset.urlTemplate.replace(/0$/, String(report.id));
      link.textContent = weekFormat.format(new Date(`${report.week_start}T00:00:00Z`));
      td.append(link);
    } else if (column === "student") {
      td.textContent = report.student.full_name;
    } else if (column === "about") {
      td.textContent = report.subject ? report.subject.title : i18n.tutor_report;
    } else if (column === "author") {
      td.textContent = report.author.full_name;
    } else if (column === "recipient") {
      td.textContent = report.recipient ? report.recipient.full_name : "—";
    } else if (column === "status") {
      td.append(badgeFor(report));
    }
    return td;
  }

  function belongsHere(report) {
    const { reportsLive, studentId, kind } = table.dataset;
    if (studentId && Number(studentId) !== report.student.id) return false;
    if (kind && kind !== report.kind) return false;
    // An outbox lists what the user wrote; an inbox what others wrote.
    return (report.author.id === me) === (reportsLive === "outbox");
  }

  // The inbox's "N new" counter.
  const plurals = new Intl.PluralRules(document.documentElement.lang || undefined);
  function changeUnread(delta) {
    const badge = document.querySelector("[data-reports-unread]");
    if (!badge) return;
    const count = Math.max(0, (Number(badge.dataset.count) || 0) + delta);
    const forms = JSON.parse(badge.dataset.forms || "{}");
    badge.dataset.count = String(count);
    badge.textContent = (forms[plurals.select(count)] || forms.other || "{count}")
      .replace("{count}", count);
    badge.hidden = count === 0;
  }

  /** The list's order, as the server sorts it: newest week first, then student, newest first. */
  function sortsBefore(a, b) {
    if (a.week !== b.week) return a.week > b.week;
    if (a.student !== b.student) return a.student < b.student;
    return a.id > b.id;
  }

  function keyOf(row) {
    return { week: row.dataset.week, student: row.dataset.student, id: Number(row.dataset.reportId) };
  }

  function addRow(report) {
    if (!table || !belongsHere(report)) return;
    if (table.querySelector(`tr[data-report-id="${Number(report.id)}"]`)) return;
    const columns = JSON.parse(table.dataset.columns);
    const labels = JSON.parse(table.dataset.labels);
    const row = document.createElement("tr");
    row.dataset.reportId = String(report.id);
    row.dataset.week = report.week_start;
    row.dataset.student = report.student.full_name.toLowerCase();
    const isNew = statusOf(report) === "new";
    if (isNew) row.className = "unread arrived";
    columns.forEach((column) => row.append(cell(column, report, labels)));
    const body = table.tBodies[0];
    const empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    const key = keyOf(row);
    const next = [...body.querySelectorAll("tr[data-report-id]")]
      .find((other) => sortsBefore(key, keyOf(other)));
    body.insertBefore(row, next || null);
    if (isNew) changeUnread(1);
  }

  // Say whether the list is live, so nobody waits for updates that cannot come.
  const liveState = document.querySelector("[data-live-state]");
  if (liveState) {
    socket.on("connect", () => { liveState.hidden = false; });
    socket.on("disconnect", () => { liveState.hidden = true; });
  }

  function show(report) {
    if (!report || typeof report.id !== "number") return;
    document.querySelectorAll(`[data-report-status="${report.id}"]`)
      .forEach((badge) => setStatus(badge, statusOf(report)));
    if (report.status === "read") {
      document.querySelectorAll(`tr[data-report-id="${report.id}"]`)
        .forEach((row) => row.classList.remove("unread"));
    }
    addRow(report);
  }

  // On every (re)connect, catch up with what happened while the page had no live connection.
  socket.on("connect", () => {
    if (!table) return;
    const filters = {};
    if (table.dataset.studentId) filters.student_id = Number(table.dataset.studentId);
    if (table.dataset.kind) filters.kind = table.dataset.kind;
    socket.emit("reports", filters, (ack) => {
      if (ack && ack.ok) ack.reports.slice().reverse().forEach(show);
    });
  });

  socket.on("report_sent", show);

  socket.on("report_read", (data) => {
    if (!data || typeof data.report_id !== "number") return;
    const badges = document.querySelectorAll(`[data-report-status="${data.report_id}"]`);
    const shownNew = [...badges].some((badge) => badge.dataset.status === "new");
    // Read by me (e.g. in another tab), or by the other guardian of a report new for me too.
    if ((data.reader && data.reader.id === me) || shownNew) changeUnread(-1);
    badges.forEach((badge) => setStatus(badge, "read"));
    document.querySelectorAll(`tr[data-report-id="${data.report_id}"]`)
      .forEach((row) => row.classList.remove("unread"));
  });
})();
