// Live schedule pages. Listens for `lesson_updated` (the lesson as the contract shapes it) on the
// page's `/notifications` Socket.IO connection (shared with the bell, see notifications.js) and
// updates every card of that lesson in place: state, times (in the viewer's time zone, from the
// page's data-time-zone), topic, video link, reason. In the week view a moved lesson goes to its
// new day (or leaves a week it is no longer in) and a lesson new to the shown week is added.
// What a viewer may do is never decided here: each action follows the event's can_change /
// can_cancel / can_complete (the service's answers for this viewer); one newly allowed that the
// card lacks shows a reload link. User text is only ever set with textContent.
(() => {
  "use strict";
  const TheBot = (window.TheBot = window.TheBot || {});
  const page = document.querySelector("[data-schedule]");
  if (!page) return;
  const i18nNode = document.getElementById("schedule-i18n");
  const i18n = i18nNode ? JSON.parse(i18nNode.textContent) : {};
  const lang = document.documentElement.lang || undefined;
  const zone = page.dataset.timeZone || undefined;
  const role = page.dataset.role || "";
  const filterStudent = Number(page.dataset.filterStudent) || null;
  const filterSubject = Number(page.dataset.filterSubject) || null;

  const clock = new Intl.DateTimeFormat(lang, {
    timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  const dayLabel = new Intl.DateTimeFormat(lang, {
    timeZone: zone, weekday: "short", day: "numeric", month: "short",
  });
  const dayKeyFormat = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
  });
  const dayKey = (date) => dayKeyFormat.format(date);

  function peopleOf(lesson) {
    const host = lesson.teacher || lesson.tutor;
    const hostName = host ? host.full_name : "";
    const student = lesson.student ? lesson.student.full_name : "";
    if (role === "student") return hostName;
    if (role === "teacher" || role === "tutor") return student;
    return [student, hostName].filter(Boolean).join(" · ");
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** A card for a lesson this page was rendered without (no actions: those need the server). */
  function newCard(lesson) {
    const card = el("article", "lesson arrived");
    card.dataset.lessonId = String(lesson.id);
    card.dataset.test = "lesson";
    const when = el("div", "lesson-when");
    const time = el("time");
    time.dataset.lessonTime = "";
    const badge = el("span", "badge lesson-status");
    badge.dataset.lessonStatus = "";
    when.append(time, " ", badge);
    const what = el("div", "lesson-what");
    what.append(el("strong", "", lesson.subject ? lesson.subject.title : (i18n.tutoring || "")),
      " ", el("span", "muted", peopleOf(lesson)));
    const topic = el("div", "lesson-topic");
    topic.dataset.lessonTopic = "";
    const video = el("div", "lesson-video");
    video.dataset.lessonVideo = "";
    const reason = el("div", "lesson-reason muted small");
    reason.dataset.lessonReason = "";
    const changed = el("p", "small lesson-changed", `${i18n.changed || ""} `);
    changed.dataset.lessonChanged = "";
    changed.hidden = true;
    const reload = el("a", "", i18n.reload || "");
    reload.href = window.location.pathname + window.location.search;
    changed.append(reload);
    card.append(when, what, topic, video, reason, changed);
    card.dataset.status = lesson.status;
    return card;
  }

  function fill(card, lesson) {
    const starts = new Date(lesson.starts_at);
    const ends = new Date(lesson.ends_at);
    card.dataset.startsAt = lesson.starts_at;
    card.classList.remove("is-scheduled", "is-completed", "is-cancelled");
    card.classList.add(`is-${lesson.status}`);
    card.querySelectorAll("[data-lesson-time]").forEach((time) => {
      time.dateTime = lesson.starts_at;
      time.textContent = `${clock.format(starts)}–${clock.format(ends)}`;
    });
    card.querySelectorAll("[data-lesson-day]").forEach((day) => {
      day.textContent = dayLabel.format(starts);
    });
    card.querySelectorAll("[data-lesson-status]").forEach((badge) => {
      badge.className = `badge lesson-status is-${lesson.status}`;
      badge.textContent = i18n[lesson.status] || lesson.status;
    });
    card.querySelectorAll("[data-lesson-topic]").forEach((topic) => {
      topic.textContent = lesson.topic || "";
      topic.hidden = !lesson.topic;
    });
    card.querySelectorAll("[data-lesson-video]").forEach((video) => {
      const url = String(lesson.video_url || "");
      const safe = /^https?:\/\//i.test(url);
      let link = video.querySelector("a");
      if (safe && !link) {
        link = el("a", "", i18n.video || "Video");
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        video.append(link);
      }
      if (link && safe) link.href = url;
      video.hidden = !safe || lesson.status !== "scheduled";
    });
    card.querySelectorAll("[data-lesson-reason]").forEach((reason) => {
      reason.textContent = lesson.cancel_reason || "";
      reason.hidden = !lesson.cancel_reason;
    });
    // Each control shows while the event's can_* (the service's answer for this viewer) says
    // so; one newly allowed that the page was rendered without needs the page again.
    let missing = false;
    ["change", "cancel", "complete"].forEach((action) => {
      const allowed = lesson[`can_${action}`] === true;
      const control = card.querySelector(`[data-action="${action}"]`);
      if (control) control.hidden = !allowed;
      else if (allowed) missing = true;
    });
    const changed = card.querySelector("[data-lesson-changed]");
    if (changed && missing) changed.hidden = false;
    card.dataset.status = lesson.status;
  }

  function showEmpty(column) {
    const empty = column.querySelector("[data-day-empty]");
    if (empty) empty.hidden = Boolean(column.querySelector("[data-lesson-id]"));
  }

  /** Put a card into its day column, by start time (as the server orders them). */
  function placeInDay(column, card) {
    const list = column.querySelector("[data-day-lessons]");
    const next = [...list.querySelectorAll("[data-lesson-id]")]
      .find((other) => other !== card && other.dataset.startsAt > card.dataset.startsAt);
    list.insertBefore(card, next || null);
    showEmpty(column);
  }

  function matchesFilters(lesson) {
    if (filterStudent && (!lesson.student || lesson.student.id !== filterStudent)) return false;
    if (filterSubject && (!lesson.subject || lesson.subject.id !== filterSubject)) return false;
    return true;
  }

  function inWeek(lesson) {
    const day = dayKey(new Date(lesson.starts_at));
    const column = page.querySelector(`[data-day="${day}"]`);
    const selector = `[data-day-lessons] [data-lesson-id="${lesson.id}"]`;
    let card = page.querySelector(selector);
    if (!card && column && matchesFilters(lesson)) card = newCard(lesson);
    if (!card) return;
    fill(card, lesson);
    const from = card.closest("[data-day]");
    if (column && from !== column) {
      placeInDay(column, card);
      if (from) showEmpty(from);
    } else if (!column && from) {
      card.remove();
      showEmpty(from);
    } else if (column) {
      placeInDay(column, card);
    }
  }

  function onLesson(lesson) {
    if (!lesson || typeof lesson.id !== "number" || typeof lesson.status !== "string") return;
    inWeek(lesson);
    document.querySelectorAll(`[data-lesson-id="${lesson.id}"]`).forEach((card) => {
      if (!card.closest("[data-day-lessons]")) fill(card, lesson);
    });
  }

  const live = TheBot.notificationSocket();
  if (live) {
    live.on("lesson_updated", onLesson);
    page.dataset.live = live.connected ? "on" : "off";
    live.on("connect", () => { page.dataset.live = "on"; });
    live.on("disconnect", () => { page.dataset.live = "off"; });
  }
})();
