// A student's whole picture (the tutor's student page, the parent's child page) stays current:
// when homework of this student is set, handed in, graded or returned (`homework_updated` on
// /notifications), progress changes (`progress_updated` on /reports) or a lesson changes
// (`lesson_updated`), the page's parts are fetched again from the server, which renders them
// (and escapes every user text), and swapped in place. Nothing here builds markup from data.
(() => {
  "use strict";
  const root = document.querySelector("[data-student-picture]");
  if (!root || typeof window.io !== "function") return;
  const studentId = Number(root.dataset.studentId);
  let timer = null;
  let busy = false;

  async function refresh() {
    if (busy) { timer = setTimeout(refresh, 300); return; }
    busy = true;
    try {
      const response = await fetch(window.location.href,
        { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      fresh.querySelectorAll("[data-picture-part]").forEach((part) => {
        const here = root.querySelector(`[data-picture-part="${part.dataset.picturePart}"]`);
        if (here) here.replaceWith(document.importNode(part, true));
      });
      root.dataset.refreshed = String(Number(root.dataset.refreshed || 0) + 1);
    } catch (error) {
      // The next event tries again.
    } finally {
      busy = false;
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  }

  function aboutThisStudent(data) {
    if (!data || typeof data !== "object") return false;
    const id = data.student_id !== undefined ? data.student_id : (data.student || {}).id;
    return Number(id) === studentId;
  }

  const notifications = window.TheBot.notificationSocket();
  const reports = window.TheBot.watchSession(window.io("/reports"));
  ["homework_updated", "lesson_updated"].forEach((event) => {
    notifications.on(event, (data) => { if (aboutThisStudent(data)) soon(); });
  });
  reports.on("progress_updated", (data) => { if (aboutThisStudent(data)) soon(); });
  reports.on("report_sent", (data) => { if (aboutThisStudent(data)) soon(); });
  // Say when the page is live (both namespaces connected), so a test knows updates can arrive.
  const connected = new Set();
  [["notifications", notifications], ["reports", reports]].forEach(([name, socket]) => {
    if (socket.connected) connected.add(name); // the shared socket may be up already
    if (connected.size === 2) root.dataset.live = "1";
    socket.on("connect", () => {
      connected.add(name);
      if (connected.size === 2) root.dataset.live = "1";
    });
    socket.on("disconnect", () => { connected.delete(name); delete root.dataset.live; });
  });
})();
