// When the server ends this sign-in (sign-out elsewhere, a deactivated account, a revoked
// session), every page says so and goes to the sign-in page instead of "reconnecting" forever.
// One handler for every Socket.IO socket of the page: TheBot.watchSession(socket); and the
// page's shared /notifications socket: TheBot.notificationSocket().
(() => {
  "use strict";
  const TheBot = (window.TheBot = window.TheBot || {});
  const RECONNECT_DELAY_MS = 2000;
  const REDIRECT_DELAY_MS = 2500;
  let ended = false;

  function loginUrl() {
    const base = document.body.dataset.loginUrl || "/auth/login";
    const here = window.location.pathname + window.location.search;
    return `${base}?next=${encodeURIComponent(here)}`;
  }

  /** Say the session has ended (once, however many sockets noticed) and go to the sign-in page. */
  function sessionEnded() {
    if (ended) return;
    ended = true;
    const notice = document.createElement("div");
    notice.className = "flash flash-error session-ended";
    notice.setAttribute("role", "alert");
    notice.dataset.test = "session-ended";
    notice.textContent = document.body.dataset.sessionEnded || "Your session has ended.";
    (document.querySelector("main") || document.body).prepend(notice);
    window.setTimeout(() => window.location.assign(loginUrl()), REDIRECT_DELAY_MS);
  }

  /** The server closed the socket: ended if the session no longer signs us in, else come back. */
  async function checkAfterServerDisconnect(socket) {
    try {
      const response = await fetch("/api/v1/me", {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.status === 401) {
        sessionEnded();
        return;
      }
    } catch (error) {
      // Offline: reconnecting below is all we can do.
    }
    window.setTimeout(() => { if (!ended) socket.connect(); }, RECONNECT_DELAY_MS);
  }

  TheBot.sessionEnded = sessionEnded;
  TheBot.watchSession = (socket) => {
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") checkAfterServerDisconnect(socket);
    });
    // The server refuses to connect us: Socket.IO's shape {message, data: {code, message}}.
    socket.on("connect_error", (error) => {
      if (error && error.data && error.data.code === "unauthorized") sessionEnded();
    });
    return socket;
  };

  // The page's one `/notifications` socket (the bell, invoices, lessons and homework all listen
  // on it), opened on first use and watched like every other; null without Socket.IO.
  let notifications = null;
  TheBot.notificationSocket = () => {
    if (!notifications && typeof window.io === "function") {
      notifications = TheBot.watchSession(window.io("/notifications"));
    }
    return notifications;
  };
})();
