// The open conversation: messages in id order (deduplicated by id and client_id), pending
// bubbles until the ack, history loaded upward on scroll, and read marks sent as we read.
import { deleteMessage, startEdit } from "./actions.js";
import { el } from "./dom.js";
import { messageNode, pendingNode, previewOf, quoteNode } from "./messages.js";
import { RoomPeople } from "./people.js";
import { request } from "./socket.js";

const NEAR_BOTTOM_PX = 80;
const HISTORY_TRIGGER_PX = 120;
const HISTORY_PAGE = 50;

export class Conversation {
  constructor({ config, t, socket, onRead, onMessageShown, onReply, onRoomChanged }) {
    this.config = config;
    this.t = t;
    this.socket = socket;
    this.onRead = onRead; // (roomId, unread) after our read mark is stored
    this.onMessageShown = onMessageShown; // (message) for the room list's preview
    this.onReply = onReply; // (message, quote) when "Reply" is chosen
    this.onRoomChanged = onRoomChanged; // (room) when the open room's facts change
    this.me = config.user_id;
    this.people = new RoomPeople({ t, me: this.me, socket });
    this.box = document.getElementById("chat-room");
    this.placeholder = document.getElementById("chat-placeholder");
    this.placeholderText = this.placeholder.textContent;
    this.scroller = document.getElementById("chat-messages");
    this.list = document.getElementById("chat-message-list");
    this.historyState = document.getElementById("chat-history-state");
    this.title = document.getElementById("chat-room-title");
    this.lockedBadge = document.getElementById("chat-room-locked");
    this.jumpButton = document.getElementById("chat-jump");
    this.reset(null);
    this.scroller.addEventListener("scroll", () => this.onScroll(), { passive: true });
    // Whatever grows or shrinks the view (an image that loads, a reflow, a resized window), a
    // reader who was at the bottom stays at the bottom, and so keeps reading what arrives.
    const keepPinned = new ResizeObserver(() => this.keepPinned());
    keepPinned.observe(this.list);
    keepPinned.observe(this.scroller);
    this.list.addEventListener("click", (event) => this.onListClick(event));
    this.jumpButton.addEventListener("click", () => this.scrollToBottom());
    document.addEventListener("visibilitychange", () => this.markRead());
    window.addEventListener("focus", () => this.markRead());
  }

  reset(roomId) {
    this.roomId = roomId;
    this.room = null;
    this.messages = new Map(); // id -> message
    this.pending = new Map(); // client_id -> {item, node}
    this.lastSeenId = 0;
    this.oldestId = null;
    this.hasMore = false;
    this.loadingHistory = false;
    this.readSent = 0;
    this.pinned = true; // the reader is at the bottom (set by scrolling; kept through resizes)
    this.people.reset();
    this.list.replaceChildren();
    this.historyState.textContent = "";
    this.jumpButton.hidden = true;
  }

  /** Show the conversation area while `roomId` is being joined. */
  showLoading(roomId, title) {
    if (this.roomId !== roomId) this.reset(roomId);
    this.showPlaceholder(null);
    this.title.textContent = title || "";
    if (!this.room) this.historyState.textContent = this.t("loading");
  }

  /** Show why the room cannot be opened (e.g. it is not this user's to see). */
  showError(text) {
    this.reset(null);
    this.showPlaceholder(text, "room-error");
  }

  close() {
    this.reset(null);
    this.showPlaceholder(this.placeholderText);
  }

  /** Instead of a room: a hint or an error (`text`), or nothing (null) while one opens. */
  showPlaceholder(text, testName = "placeholder") {
    this.box.hidden = text !== null;
    this.placeholder.hidden = text === null;
    if (text !== null) {
      this.placeholder.textContent = text;
      this.placeholder.dataset.test = testName;
    }
  }

  /** A fresh join: the room and its newest messages (oldest first). */
  open(room, messages, hasMore) {
    this.reset(room.id);
    this.people.load(room);
    this.updateRoom(room);
    this.hasMore = Boolean(hasMore);
    this.insertMany(messages);
    this.showHistoryState();
    this.scrollToBottom();
    this.fillViewport();
    this.markRead();
  }

  /** After a reconnect: the messages missed while away (duplicates are dropped). */
  catchUp(room, messages) {
    this.people.load(room);
    this.updateRoom(room);
    const atBottom = this.isNearBottom();
    this.insertMany(messages);
    this.showHistoryState();
    if (atBottom) this.scrollToBottom();
    this.markRead();
  }

  /** The room's own facts changed (title, members, lock, whether we may post). */
  updateRoom(room) {
    this.room = room;
    this.title.textContent = room.title || "";
    this.lockedBadge.hidden = !room.locked;
    this.lockedBadge.textContent = room.read_only ? this.t("read_only") : this.t("locked");
    this.people.setRoom(room);
    this.rerenderAll();
    this.onRoomChanged(room);
  }

  canModerate() {
    return Boolean(this.room && this.room.can_moderate);
  }

  /**
   * What we may do to a message, as the server says: the room's `message_rights` (for us, by
   * whose message it is and its kind), which `room_updated` keeps current, so a lock or an ended
   * relationship changes every bubble at once. The page decides none of it itself.
   */
  rightsOf(message) {
    const rights = this.room && this.room.message_rights;
    const mine = Boolean(message.sender && message.sender.id === this.me);
    const answer = rights && rights[mine ? "own" : "others"][message.kind];
    return answer || { can_edit: false, can_delete: false };
  }

  view() {
    return {
      me: this.me,
      t: this.t,
      canReply: Boolean(this.room && this.room.can_post),
      rightsOf: (m) => this.rightsOf(m),
      quoteOf: (id) => {
        const quoted = this.messages.get(id);
        if (!quoted) return null;
        const name = quoted.sender && quoted.sender.id === this.me ? this.t("you") : quoted.sender?.full_name;
        return { name, text: previewOf(quoted, this.t) };
      },
    };
  }

  // --- live people -----------------------------------------------------------------------------

  setTyping(user, typing) {
    this.people.setTyping(user, typing);
  }

  setPresence(userId, online) {
    this.people.setPresence(userId, online);
  }

  /** Another member's read cursor moved: update the receipts under our messages. */
  setRead(userId, messageId) {
    if (this.people.setRead(userId, messageId)) this.renderReceipts();
  }

  renderReceipts() {
    this.people.renderReceipts(this.list);
  }

  /** The connection dropped: typing and presence are unknown until we rejoin. */
  connectionLost() {
    this.people.connectionLost();
  }

  renderMembers() {
    this.people.renderMembers();
  }

  // --- messages ------------------------------------------------------------------------------

  insertMany(messages) {
    for (const message of messages) this.upsert(message, { quiet: true });
    this.refreshQuotes();
    this.renderReceipts();
  }

  /** Add or replace a stored message; a pending bubble with its client_id gives way to it. */
  upsert(message, { quiet = false } = {}) {
    if (!message || message.room_id !== this.roomId || typeof message.id !== "number") return;
    if (message.deleted || message.deleted_at) {
      this.remove(message.id);
      return;
    }
    const wasAtBottom = this.pinned || this.isNearBottom();
    const pending = message.client_id ? this.pending.get(message.client_id) : null;
    if (pending && message.sender && message.sender.id === this.me) {
      pending.node.remove();
      this.pending.delete(message.client_id);
    }
    const node = messageNode(message, this.view());
    const existing = this.messages.has(message.id) ? this.nodeOf(message.id) : null;
    this.messages.set(message.id, message);
    if (existing) {
      existing.replaceWith(node);
      this.refreshQuotesOf(message.id); // replies quote the edited text
    } else {
      this.list.insertBefore(node, this.nodeAfter(message.id));
    }
    if (this.oldestId === null || message.id < this.oldestId) this.oldestId = message.id;
    if (message.id > this.lastSeenId) this.lastSeenId = message.id;
    if (quiet) return;
    this.showHistoryState();
    this.refreshQuotes();
    this.renderReceipts();
    this.onMessageShown(message);
    if (!existing && message.sender && message.sender.id === this.me) this.scrollToBottom();
    else if (!existing && wasAtBottom) this.scrollToBottom();
    else if (!existing) this.jumpButton.hidden = false;
    this.markRead();
  }

  remove(messageId) {
    this.messages.delete(messageId);
    this.nodeOf(messageId)?.remove();
    this.refreshQuotes();
    this.renderReceipts();
  }

  nodeOf(id) {
    return this.list.querySelector(`li[data-message-id="${Number(id)}"]`);
  }

  /** The node a message with this id goes before: the first newer message, else the first pending. */
  nodeAfter(id) {
    for (const node of this.list.children) {
      if (node.classList.contains("pending")) return node;
      if (Number(node.dataset.messageId) > id) return node;
    }
    return null;
  }

  rerenderAll() {
    if (!this.room) return;
    const view = this.view();
    for (const message of this.messages.values()) {
      this.nodeOf(message.id)?.replaceWith(messageNode(message, view));
    }
    this.renderReceipts();
  }

  /** The quotes of the replies to one message, rebuilt from what we know of it now. */
  refreshQuotesOf(id) {
    const view = this.view();
    for (const quote of this.list.querySelectorAll(`.msg-quote[data-reply-to="${Number(id)}"]`)) {
      quote.replaceWith(quoteNode(id, view));
    }
  }

  refreshQuotes() {
    const view = this.view();
    for (const quote of this.list.querySelectorAll(".msg-quote[data-reply-to]")) {
      const id = Number(quote.dataset.replyTo);
      const known = this.messages.has(id);
      if (known === !quote.dataset.missing) continue;
      quote.replaceWith(quoteNode(id, view));
    }
  }

  // --- pending sends -------------------------------------------------------------------------

  /** Show a bubble for a message on its way; returns its node. */
  addPending(item) {
    if (item.replyToId) item.replyText = this.view().quoteOf(item.replyToId)?.text || "";
    const node = pendingNode(item, this.t);
    this.pending.set(item.clientId, { item, node });
    this.list.append(node);
    this.showHistoryState();
    this.scrollToBottom();
    return node;
  }

  pendingItems() {
    return [...this.pending.values()].map((entry) => entry.item);
  }

  setProgress(clientId, fraction) {
    const bar = this.pending.get(clientId)?.node.querySelector("progress");
    if (bar) bar.value = Math.round(fraction * 100);
  }

  /** The ack said no: keep the bubble with the reason, and offer to retry or remove it. */
  failPending(clientId, reason, retry) {
    const entry = this.pending.get(clientId);
    if (!entry) return;
    entry.item.failed = true;
    const { node } = entry;
    node.classList.add("failed");
    node.querySelector(".msg-state").textContent = this.t("not_sent", { reason });
    node.querySelector(".msg-progress")?.remove();
    node.querySelector(".msg-pending-actions")?.remove();
    node.append(el("div", { class: "msg-actions msg-pending-actions" },
      el("button", { type: "button", class: "linklike", text: this.t("retry"), "data-test": "retry",
        onclick: () => {
          entry.item.failed = false;
          node.classList.remove("failed");
          node.querySelector(".msg-pending-actions")?.remove();
          node.querySelector(".msg-state").textContent = this.t("sending");
          retry(entry.item);
        } }),
      el("button", { type: "button", class: "linklike", text: this.t("discard"),
        onclick: () => { node.remove(); this.pending.delete(clientId); } })));
  }

  // --- history ---------------------------------------------------------------------------------

  /** The line above the messages: loading, the beginning of the conversation, or empty. */
  showHistoryState() {
    let key = null;
    if (this.loadingHistory) key = "loading";
    else if (this.hasMore) key = null;
    else if (this.messages.size || this.pending.size) key = "beginning";
    else key = "no_messages";
    this.historyState.textContent = key ? this.t(key) : "";
  }

  onScroll() {
    if (this.scroller.scrollTop < HISTORY_TRIGGER_PX) this.loadOlder();
    this.pinned = this.isNearBottom();
    if (this.pinned) this.jumpButton.hidden = true;
    this.markRead();
  }

  /** Keep loading older pages while the list does not fill the view. */
  async fillViewport() {
    while (this.hasMore && this.scroller.scrollHeight <= this.scroller.clientHeight + HISTORY_TRIGGER_PX) {
      if (!(await this.loadOlder())) break;
    }
  }

  /** Load the page before the oldest message shown, keeping what is on screen in place. */
  async loadOlder() {
    if (this.loadingHistory || !this.hasMore || this.oldestId === null) return false;
    const roomId = this.roomId;
    this.loadingHistory = true;
    this.showHistoryState();
    const answer = await request(this.socket, "history",
      { room_id: roomId, before_id: this.oldestId, limit: HISTORY_PAGE });
    this.loadingHistory = false;
    if (roomId !== this.roomId) return false;
    if (!answer.ok) {
      this.historyState.textContent = this.t("load_failed");
      return false;
    }
    const before = this.scroller.scrollHeight - this.scroller.scrollTop;
    this.hasMore = Boolean(answer.has_more);
    this.insertMany(answer.messages || []);
    this.scroller.scrollTop = this.scroller.scrollHeight - before;
    this.showHistoryState();
    return (answer.messages || []).length > 0;
  }

  // --- reading ---------------------------------------------------------------------------------

  isNearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
    this.jumpButton.hidden = true;
  }

  /** The view changed size: if the reader was at the bottom, keep them there (and read on). */
  keepPinned() {
    const s = this.scroller;
    if (!this.pinned || this.box.hidden || s.scrollHeight - s.scrollTop - s.clientHeight <= 1) return;
    this.scrollToBottom();
    this.markRead();
  }

  /** The newest stored message whose bubble is on screen. */
  newestVisibleId() {
    const bottom = this.scroller.getBoundingClientRect().bottom;
    const nodes = this.list.querySelectorAll("li[data-message-id]");
    for (let i = nodes.length - 1; i >= 0; i -= 1) {
      if (nodes[i].getBoundingClientRect().top < bottom) return Number(nodes[i].dataset.messageId);
    }
    return 0;
  }

  /** Tell the server how far we have read: the newest message on screen, if someone else wrote it. */
  async markRead() {
    if (!this.room || document.hidden || this.box.hidden || !this.socket.connected) return;
    if (this.box.offsetParent === null) return; // the list pane is in front (phone layout)
    const newest = this.newestVisibleId();
    if (newest <= this.readSent) return;
    const fromOthers = [...this.messages.values()].some(
      (m) => m.id > this.readSent && m.id <= newest && m.sender && m.sender.id !== this.me);
    if (!fromOthers) return;
    const roomId = this.roomId;
    const previous = this.readSent;
    this.readSent = newest;
    const answer = await request(this.socket, "read", { room_id: roomId, message_id: newest });
    if (answer.ok) this.onRead(roomId, answer.unread);
    else if (roomId === this.roomId) this.readSent = previous;
  }

  // --- actions on a message ------------------------------------------------------------------

  onListClick(event) {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    if (button.dataset.action === "jump") {
      this.nodeOf(Number(button.dataset.replyTo))?.scrollIntoView({ block: "center", behavior: "smooth" });
      return;
    }
    const node = button.closest("li[data-message-id]");
    const message = node && this.messages.get(Number(node.dataset.messageId));
    if (!message) return;
    const context = { t: this.t, socket: this.socket, maxChars: this.config.max_text_chars,
      onSaved: (saved) => this.upsert(saved), onDeleted: (id) => this.remove(id) };
    if (button.dataset.action === "reply") this.onReply(message, this.view().quoteOf(message.id));
    if (button.dataset.action === "edit") startEdit(node, message, context);
    if (button.dataset.action === "delete") deleteMessage(node, message, context);
  }
}
