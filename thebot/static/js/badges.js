// The live chat unread badge next to "Chat" in the navigation, on every page of a signed-in user.
// It owns the page's one `/chat` socket; the chat page reuses it through TheBot.chatSocket().
(() => {
  "use strict";
  if (typeof window.io !== "function") return;

  const TheBot = (window.TheBot = window.TheBot || {});
  let socket = null;

  /** The page's shared `/chat` socket (connected with the session cookie, same origin). */
  TheBot.chatSocket = () => {
    if (!socket) {
      socket = window.io("/chat");
      if (TheBot.watchSession) TheBot.watchSession(socket);
    }
    return socket;
  };

  const badges = () => document.querySelectorAll("[data-chat-unread]");
  if (!badges().length) return;

  const unreadByRoom = new Map();

  function render() {
    let total = 0;
    for (const count of unreadByRoom.values()) total += count;
    for (const badge of badges()) {
      badge.textContent = total > 99 ? "99+" : String(total);
      badge.hidden = total === 0;
      badge.dataset.count = String(total);
    }
  }

  async function loadTotals() {
    try {
      const response = await fetch("/api/v1/chat/unread", {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const body = await response.json();
      unreadByRoom.clear();
      for (const [roomId, count] of Object.entries(body.rooms || {})) {
        unreadByRoom.set(Number(roomId), Number(count) || 0);
      }
      render();
    } catch (error) {
      // Offline: the next (re)connect loads the totals again.
    }
  }

  const chat = TheBot.chatSocket();
  chat.on("unread", (data) => {
    if (!data || typeof data.room_id !== "number") return;
    unreadByRoom.set(data.room_id, Number(data.unread) || 0);
    render();
  });
  // Counts may have changed while the socket was away; the first connect loads them too.
  chat.on("connect", loadTotals);
})();
