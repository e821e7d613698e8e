// The live notification bell on every page of a signed-in user, and live additions to the
// notification list page. Talks to the `/notifications` Socket.IO namespace with the session
// cookie. User text is only ever set with textContent.
(() => {
  "use strict";
  const bell = document.querySelector("[data-notification-bell]");
  if (!bell || typeof window.io !== "function") return;

  const badge = bell.querySelector("[data-notification-count]");
  const i18n = JSON.parse(bell.dataset.i18n || "{}");
  const socket = window.TheBot.notificationSocket();

  function showCount(count) {
    const value = Math.max(0, Number(count) || 0);
    badge.textContent = value > 99 ? "99+" : String(value);
    badge.dataset.count = String(value);
    badge.hidden = value === 0;
    const label = value ? `${i18n.label} (${(i18n.unread || "{count}").replace("{count}", value)})`
      : i18n.label;
    bell.setAttribute("aria-label", label);
    bell.title = label;
    showSummary(value);
  }

  // The list page's own counter ("3 unread notifications") and its "Mark all read" button.
  const lang = document.documentElement.lang || undefined;
  const plurals = new Intl.PluralRules(lang);
  function showSummary(count) {
    const summary = document.querySelector("[data-test=unread-summary]");
    if (!summary) return;
    const forms = JSON.parse(summary.dataset.forms || "{}");
    summary.dataset.count = String(count);
    summary.textContent = count
      ? (forms[plurals.select(count)] || forms.other || "{count}").replace("{count}", count)
      : summary.dataset.none || "";
    const markAll = document.querySelector("[data-mark-all-read]");
    if (markAll) markAll.hidden = count === 0;
  }

  // After (re)connecting, ask for the count: events sent while offline were missed.
  socket.on("connect", () => {
    socket.emit("list", { limit: 1 }, (ack) => {
      if (ack && ack.ok) showCount(ack.unread);
    });
  });
  socket.on("unread_count", (data) => showCount(data && data.count));
  socket.on("notification", (data) => addToList(data));

  // --- the list page -------------------------------------------------------------------------

  const timeFormat = new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" });

  /** Put a row where the server would have: newest (highest id) first, within this page. */
  function placeRow(list, li, id) {
    const before = Number(list.dataset.before) || Infinity;  // an "Older" page ends below this
    if (id >= before) return false;
    const rows = [...list.querySelectorAll("li[data-notification-id]")];
    const next = rows.find((row) => Number(row.dataset.notificationId) < id);
    if (next) {
      list.insertBefore(li, next);
    } else if (!rows.length || !document.querySelector("a[href*='before=']")) {
      list.append(li);  // the oldest on the last page; with an "Older" link it belongs there
    } else {
      return false;
    }
    return true;
  }

  function addToList(item) {
    const list = document.querySelector("[data-test=notifications]");
    if (!list || !item || list.querySelector(`[data-notification-id="${Number(item.id)}"]`)) return;
    const li = document.createElement("li");
    li.className = item.read ? "read" : "unread";
    li.dataset.notificationId = String(item.id);
    li.dataset.read = item.read ? "true" : "false";
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.setAttribute("aria-hidden", "true");
    const main = document.createElement("div");
    main.className = "main";
    const title = document.createElement(item.url ? "a" : "span");
    title.className = "title";
    title.textContent = item.title;
    if (item.url && item.url.startsWith("/") && !item.url.startsWith("//")) title.href = item.url;
    main.append(title);
    if (item.body) {
      const body = document.createElement("p");
      body.textContent = item.body;
      main.append(body);
    }
    const meta = document.createElement("div");
    meta.className = "meta";
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.textContent = i18n.new || "New";
    const time = document.createElement("time");
    time.dateTime = item.created_at;
    time.textContent = timeFormat.format(new Date(item.created_at));
    meta.append(chip, " ", time);
    main.append(meta);
    li.append(dot, main);
    if (!item.read) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button small";
      button.textContent = i18n.mark_read || "Mark read";
      button.addEventListener("click", () => {
        socket.emit("mark_read", { id: Number(item.id) }, (ack) => {
          if (!ack || !ack.ok) return;
          li.className = "read";
          li.dataset.read = "true";
          button.remove();
          showCount(ack.unread);
        });
      });
      li.append(button);
    }
    if (!placeRow(list, li, Number(item.id))) return;
    const empty = document.querySelector("[data-empty-notice]");
    if (empty) empty.hidden = true;
  }
})();
