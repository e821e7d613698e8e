// Writing: the text box (Enter sends), replies, attachments with upload progress, typing signals,
// and sends that survive a reconnect (re-sent with the same client_id; the server keeps one).
import { uploadAttachment } from "./api.js";
import { errorText, newClientId, request } from "./socket.js";

const TYPING_REPEAT_MS = 3000;
const TYPING_IDLE_MS = 4000;

export class Composer {
  constructor({ config, t, socket, conversation }) {
    this.config = config;
    this.t = t;
    this.socket = socket;
    this.conversation = conversation;
    this.form = document.getElementById("chat-composer");
    this.room = null;
    this.replyTo = null;
    this.typingRoom = null;
    this.typingSentAt = 0;
    this.idleTimer = null;
    if (!this.form) return; // read-only viewers (admin) have no composer
    this.input = document.getElementById("chat-input");
    this.fileInput = document.getElementById("chat-file");
    this.sendButton = document.getElementById("chat-send");
    this.blocked = document.getElementById("chat-blocked");
    this.problem = document.getElementById("chat-composer-error");
    this.replyBar = document.getElementById("chat-reply-bar");
    this.replyText = document.getElementById("chat-reply-text");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendText();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendText();
      }
    });
    this.input.addEventListener("input", () => {
      this.autoGrow();
      this.hideProblem();
      if (this.input.value.trim()) this.typingStarted();
      else this.typingStopped();
    });
    this.input.addEventListener("blur", () => this.typingStopped());
    this.fileInput.addEventListener("change", () => {
      const [file] = this.fileInput.files;
      this.fileInput.value = "";
      if (file) this.sendFile(file);
    });
    document.getElementById("chat-reply-cancel").addEventListener("click", () => this.setReply(null));
  }

  /** Enable or disable writing for this room, saying why when it is closed. */
  setRoom(room) {
    if (this.room && room && this.room.id !== room.id) this.leave();
    this.room = room;
    if (!this.form) return;
    const open = Boolean(room && room.can_post); // closed, too, while a room is being joined
    for (const control of [this.input, this.fileInput, this.sendButton]) control.disabled = !open;
    this.form.classList.toggle("disabled", !open);
    this.blocked.hidden = open || !room;
    this.blocked.textContent = open || !room ? "" : this.reasonClosed(room);
    if (!open) this.setReply(null);
  }

  reasonClosed(room) {
    if (room.read_only) return this.t(room.kind === "subject" ? "reason_ended_subject" : "reason_ended");
    if (room.locked) return this.t("reason_locked");
    return this.t("reason_other");
  }

  /** Leaving a room: stop saying we type there, forget the reply. */
  leave() {
    this.typingStopped();
    this.setReply(null);
    this.hideProblem();
  }

  setReply(message, quote) {
    this.replyTo = message;
    if (!this.form) return;
    this.replyBar.hidden = !message;
    this.replyText.textContent = message
      ? `${this.t("replying_to", { name: quote?.name || "" })}: ${quote?.text || ""}` : "";
    if (message) this.input.focus();
  }

  showProblem(text) {
    if (!this.form) return;
    this.problem.textContent = text;
    this.problem.hidden = false;
  }

  hideProblem() {
    if (this.problem) this.problem.hidden = true;
  }

  autoGrow() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 160)}px`;
  }

  // --- sending ---------------------------------------------------------------------------------

  sendText() {
    if (!this.room || !this.room.can_post) return;
    const content = this.input.value.trim();
    if (!content) return;
    if (content.length > this.config.max_text_chars) {
      this.showProblem(this.t("text_too_long", { limit: this.config.max_text_chars }));
      return;
    }
    const item = { clientId: newClientId(), roomId: this.room.id, content,
      replyToId: this.replyTo ? this.replyTo.id : null, sentOn: null };
    this.conversation.addPending(item);
    this.input.value = "";
    this.autoGrow();
    this.setReply(null);
    this.typingStopped();
    this.emitSend(item);
  }

  /** Send (or re-send) a text message; waits for the connection if it is down. */
  emitSend(item) {
    if (!this.socket.connected) return; // resendPending runs on (re)connect
    item.sentOn = this.socket.id;
    const payload = { room_id: item.roomId, content: item.content, client_id: item.clientId };
    if (item.replyToId) payload.reply_to_id = item.replyToId;
    this.socket.emit("send", payload, (answer) => {
      if (answer && answer.ok) {
        this.conversation.upsert(answer.message);
      } else if (item.roomId === this.conversation.roomId) {
        this.conversation.failPending(item.clientId, errorText(answer && answer.error, this.t("error_generic")),
          (again) => this.emitSend(again));
      }
    });
  }

  /** After a (re)connect: send again what is still pending (same client_id, so no duplicates). */
  resendPending() {
    for (const item of this.conversation.pendingItems()) {
      if (!item.file && !item.failed && item.sentOn !== this.socket.id) this.emitSend(item);
    }
  }

  sendFile(file) {
    if (!this.room || !this.room.can_post) return;
    if (file.size > this.config.max_upload_bytes) {
      this.showProblem(this.t("file_too_large"));
      return;
    }
    const item = { clientId: newClientId(), roomId: this.room.id, file,
      replyToId: this.replyTo ? this.replyTo.id : null };
    this.conversation.addPending(item);
    this.setReply(null);
    this.upload(item);
  }

  async upload(item) {
    try {
      const message = await uploadAttachment(this.config.api, item.roomId, item,
        (fraction) => this.conversation.setProgress(item.clientId, fraction), this.t("error_generic"));
      this.conversation.upsert(message);
    } catch (error) {
      if (item.roomId === this.conversation.roomId) {
        this.conversation.failPending(item.clientId, error.message || this.t("error_generic"),
          (again) => this.upload(again));
      }
    }
  }

  // --- typing ----------------------------------------------------------------------------------

  typingStarted() {
    if (!this.room || !this.room.can_post || !this.socket.connected) return;
    const now = Date.now();
    if (this.typingRoom !== this.room.id || now - this.typingSentAt > TYPING_REPEAT_MS) {
      this.typingRoom = this.room.id;
      this.typingSentAt = now;
      request(this.socket, "typing", { room_id: this.room.id, typing: true });
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.typingStopped(), TYPING_IDLE_MS);
  }

  typingStopped() {
    clearTimeout(this.idleTimer);
    if (this.typingRoom === null) return;
    const roomId = this.typingRoom;
    this.typingRoom = null;
    this.typingSentAt = 0;
    if (this.socket.connected) request(this.socket, "typing", { room_id: roomId, typing: false });
  }
}
