// The room list: newest conversation first (by time), last message, unread badge, locked mark.
import { clear, el, shortTime } from "./dom.js";
import { previewOf } from "./messages.js";

export class RoomList {
  constructor({ config, t, onOpen }) {
    this.config = config;
    this.t = t;
    this.onOpen = onOpen;
    this.list = document.getElementById("chat-rooms");
    this.state = document.getElementById("chat-rooms-state");
    this.rooms = new Map();
    this.activeId = null;
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-room-id]");
      if (button) this.onOpen(Number(button.dataset.roomId));
    });
  }

  has(roomId) {
    return this.rooms.has(roomId);
  }

  get(roomId) {
    return this.rooms.get(roomId);
  }

  setRooms(rooms) {
    this.rooms = new Map(rooms.map((room) => [room.id, room]));
    this.render();
  }

  upsert(room) {
    const known = this.rooms.get(room.id);
    // A newer last message we saw live wins over an older snapshot.
    if (known && known.last_message && room.last_message && known.last_message.id > room.last_message.id) {
      room = { ...room, last_message: known.last_message };
    }
    this.rooms.set(room.id, room);
    this.render();
  }

  setUnread(roomId, unread) {
    const room = this.rooms.get(roomId);
    if (!room || room.unread === unread) return;
    room.unread = unread;
    this.render();
  }

  /** A message shown in the open room becomes its list preview when it is the newest. */
  noteMessage(message) {
    const room = this.rooms.get(message.room_id);
    if (!room) return;
    if (room.last_message && room.last_message.id > message.id) return;
    if (room.last_message && room.last_message.id === message.id
        && room.last_message.edited_at === message.edited_at) return;
    room.last_message = message;
    this.render();
  }

  setActive(roomId) {
    this.activeId = roomId;
    for (const button of this.list.querySelectorAll("[data-room-id]")) {
      const active = Number(button.dataset.roomId) === roomId;
      button.classList.toggle("active", active);
      if (active) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  /** Newest conversation first: by the last message's time (then its id), empty rooms last. */
  ordered() {
    const when = (room) => (room.last_message ? Date.parse(room.last_message.created_at) || 0 : -1);
    const lastId = (room) => (room.last_message ? room.last_message.id : 0);
    return [...this.rooms.values()].sort((a, b) => when(b) - when(a) || lastId(b) - lastId(a)
      || (a.title || "").localeCompare(b.title || ""));
  }

  render() {
    clear(this.list);
    this.state.textContent = this.rooms.size ? "" : this.t("no_rooms");
    this.state.hidden = this.rooms.size > 0;
    for (const room of this.ordered()) this.list.append(this.item(room));
    this.setActive(this.activeId);
  }

  item(room) {
    const last = room.last_message;
    const sender = last && last.sender
      ? (last.sender.id === this.config.user_id ? this.t("you") : last.sender.full_name.split(" ")[0]) : "";
    const unread = room.unread || 0;
    return el("li", {},
      el("button", { type: "button", class: `chat-room-item${unread ? " has-unread" : ""}`,
        dataset: { roomId: room.id }, "data-test": "room-item" },
      el("span", { class: "room-line" },
        el("span", { class: "room-title", "data-test": "room-name", text: room.title || "" }),
        el("span", { class: "room-time muted", text: last ? shortTime(last.created_at) : "" })),
      el("span", { class: "room-line" },
        el("span", { class: "room-kind", text: this.t(`kind_${room.kind}`) }),
        room.locked ? el("span", { class: "badge room-locked",
          text: room.read_only ? this.t("read_only") : this.t("locked") }) : null,
        el("span", { class: "room-last muted", "data-test": "room-last" },
          last ? `${sender ? `${sender}: ` : ""}${previewOf(last, this.t)}` : ""),
        unread ? el("span", { class: "badge danger room-unread", "data-test": "room-unread",
          "aria-label": this.t("unread_count", { count: unread }), text: String(unread) }) : null)));
  }
}
