// Live homework pages. Listens for `homework_updated` (the homework as its viewer sees it) on the
// page's `/notifications` Socket.IO connection (shared with the bell, see notifications.js) and
// updates, without a reload: state badges, late marks and scores wherever a homework shows; list
// rows move to the section that lists their new state (a newly set homework appears in its
// place); an open homework's submission, grade and feedback. What a user may do is never
// decided here: the submit, grade and return forms follow the event's can_submit / can_grade /
// can_return (the service's answers), and a reload link shows when one the page lacks became
// possible. Times are shown in the viewer's time zone. User text only ever via textContent.
(() => {
  "use strict";
  const TheBot = (window.TheBot = window.TheBot || {});
  const i18nNode = document.getElementById("homework-i18n");
  const i18n = i18nNode ? JSON.parse(i18nNode.textContent) : {};
  const lang = document.documentElement.lang || undefined;
  const zone = i18n.zone || undefined;
  const shortTime = new Intl.DateTimeFormat(lang, {
    timeZone: zone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23",
  });
  const longTime = new Intl.DateTimeFormat(lang, {
    timeZone: zone, day: "numeric", month: "short", year: "numeric", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23",
  });

  const scoreText = (hw) => (hw.submission && typeof hw.submission.score === "number"
    ? `${hw.submission.score} / ${hw.max_score}` : "");

  function showState(hw) {
    document.querySelectorAll(`[data-homework-id="${hw.id}"]`).forEach((holder) => {
      holder.querySelectorAll("[data-hw-status]").forEach((badge) => {
        badge.className = `badge hw-status is-${hw.status}`;
        badge.textContent = i18n[hw.status] || hw.status;
      });
      holder.querySelectorAll("[data-hw-late]").forEach((late) => {
        late.hidden = !(hw.submission && hw.submission.late);
      });
      holder.querySelectorAll("[data-hw-score]").forEach((score) => {
        score.textContent = scoreText(hw);
      });
      if (holder.dataset.status) holder.dataset.status = hw.status;
    });
  }

  // --- list rows -------------------------------------------------------------------------------

  function cell(column, hw, table, labels) {
    const td = document.createElement("td");
    td.dataset.label = labels[column] || "";
    if (column === "title") {
      const link = document.createElement("a");
      link.href = table.dataset.urlTemplate.replace(/0$/, String(hw.id));
      link.textContent = hw.title;
      td.append(link);
    } else if (column === "subject") {
      td.textContent = hw.subject ? hw.subject.title || hw.subject.name : "";
    } else if (column === "student") {
      td.textContent = hw.student ? hw.student.full_name : "";
    } else if (column === "due") {
      const time = document.createElement("time");
      time.dateTime = hw.due_at;
      time.textContent = shortTime.format(new Date(hw.due_at));
      td.append(time);
    } else if (column === "status") {
      const badge = document.createElement("span");
      badge.dataset.hwStatus = "";
      const late = document.createElement("span");
      late.className = "badge hw-late";
      late.dataset.hwLate = "";
      late.textContent = i18n.late || "late";
      td.append(badge, " ", late);
    } else if (column === "score") {
      const score = document.createElement("span");
      score.dataset.hwScore = "";
      td.append(score);
    }
    return td;
  }

  function newRow(hw, table) {
    const row = document.createElement("tr");
    row.dataset.homeworkId = String(hw.id);
    row.dataset.status = hw.status;
    row.dataset.dueAt = hw.due_at;
    row.className = "arrived";
    const columns = JSON.parse(table.dataset.columns);
    const labels = JSON.parse(table.dataset.labels);
    columns.forEach((column) => row.append(cell(column, hw, table, labels)));
    return row;
  }

  function place(table, row) {
    const body = table.tBodies[0];
    const empty = body.querySelector("tr.empty");
    const next = [...body.querySelectorAll("tr[data-homework-id]")]
      .find((other) => other !== row && other.dataset.dueAt > row.dataset.dueAt);
    body.insertBefore(row, next || empty || null);
    if (empty) empty.hidden = true;
  }

  function leave(table) {
    const empty = table.tBodies[0].querySelector("tr.empty");
    if (empty) empty.hidden = Boolean(table.tBodies[0].querySelector("tr[data-homework-id]"));
  }

  function homeOf(hw) {
    return [...document.querySelectorAll("[data-hw-table]")].find((table) => {
      const statuses = (table.dataset.hwStatuses || "").split(" ");
      const student = Number(table.dataset.hwStudent) || null;
      return statuses.includes(hw.status) && (!student || (hw.student && hw.student.id === student));
    });
  }

  function showRow(hw) {
    let row = document.querySelector(`tr[data-homework-id="${hw.id}"]`);
    const home = homeOf(hw);
    if (!row && home) row = newRow(hw, home);
    if (!row) return;
    const table = row.closest("table");
    if (home && table !== home) {
      place(home, row);
      if (table) leave(table);
    }
  }

  // --- one homework's page ---------------------------------------------------------------------

  function showDetail(hw) {
    const page = document.querySelector(`[data-homework-detail="${hw.id}"]`);
    if (!page) return;
    const sub = hw.submission;
    const block = document.querySelector("[data-hw-submission]");
    const nothing = document.querySelector("[data-hw-nothing]");
    if (block) block.hidden = !sub;
    if (nothing) nothing.hidden = Boolean(sub);
    if (sub) {
      const fields = {
        submitted_at: sub.submitted_at ? longTime.format(new Date(sub.submitted_at)) : "",
        feedback: sub.feedback || "",
        text: sub.text || "",
      };
      Object.entries(fields).forEach(([name, value]) => {
        document.querySelectorAll(`[data-hw-field="${name}"]`).forEach((node) => {
          node.textContent = value;
        });
      });
      document.querySelectorAll("[data-hw-submission] [data-hw-score]").forEach((node) => {
        node.textContent = scoreText(hw);
      });
      document.querySelectorAll("[data-hw-submission] [data-hw-late]").forEach((node) => {
        node.hidden = !sub.late;
      });
    }
    let missing = false;
    ["submit", "grade", "return"].forEach((action) => {
      const allowed = hw[`can_${action}`] === true;
      const control = document.querySelector(`[data-action="${action}"]`);
      if (control) control.hidden = !allowed;
      else if (allowed) missing = true;
    });
    const actions = document.querySelector("[data-hw-actions]");
    if (actions) actions.hidden = !actions.querySelector("[data-action]:not([hidden])");
    const changed = document.querySelector("[data-hw-changed]");
    if (changed && missing) changed.hidden = false;
    page.dataset.status = hw.status;
  }

  function onHomework(hw) {
    if (!hw || typeof hw.id !== "number" || typeof hw.status !== "string") return;
    showRow(hw);
    showState(hw);
    showDetail(hw);
  }

  const live = TheBot.notificationSocket();
  if (live) {
    live.on("homework_updated", onHomework);
    const root = document.querySelector("[data-homework-page], [data-homework-detail]");
    if (root) {
      root.dataset.live = live.connected ? "on" : "off";
      live.on("connect", () => { root.dataset.live = "on"; });
      live.on("disconnect", () => { root.dataset.live = "off"; });
    }
  }
})();
