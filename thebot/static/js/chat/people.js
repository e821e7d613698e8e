// The people of the open room: who is online, who is typing, and how far each has read
// (the receipts under our own messages).
import { clear, el } from "./dom.js";

const TYPING_EXPIRES_MS = 8000; // a lost "stopped typing" must not leave the line up for ever

/** "A, B and C" in the page's language. */
export function joinNames(names) {
  try {
    return new Intl.ListFormat(document.documentElement.lang || undefined, { type: "conjunction" }).format(names);
  } catch (error) {
    return names.join(", ");
  }
}

export class RoomPeople {
  constructor({ t, me, socket }) {
    this.t = t;
    this.me = me;
    this.socket = socket;
    this.membersList = document.getElementById("chat-room-members");
    this.typingLine = document.getElementById("chat-typing");
    this.room = null;
    this.reads = new Map(); // other member id -> the last message id they read
    this.online = new Set();
    this.typing = new Map(); // user id -> {name, timer}
  }

  reset() {
    this.clearTyping();
    this.room = null;
    this.reads = new Map();
    this.online = new Set();
    clear(this.membersList);
  }

  /** Take presence and read cursors from a room's JSON (on join and after a reconnect). */
  load(room) {
    this.room = room;
    this.online = new Set((room.members || []).filter((m) => m.online).map((m) => m.id));
    for (const member of room.members || []) {
      if (member.last_read_id) this.setRead(member.id, member.last_read_id);
    }
    this.renderMembers();
  }

  setRoom(room) {
    this.room = room;
    this.renderMembers();
  }

  /** Another member's read cursor moved; true when it did (it only moves forward). */
  setRead(userId, messageId) {
    if (userId === this.me || !messageId) return false;
    if ((this.reads.get(userId) || 0) >= messageId) return false;
    this.reads.set(userId, messageId);
    return true;
  }

  setPresence(userId, online) {
    if (online) this.online.add(userId);
    else this.online.delete(userId);
    this.renderMembers();
  }

  /** The connection dropped: typing and presence are unknown until we rejoin. */
  connectionLost() {
    this.clearTyping();
    this.online.clear();
    this.renderMembers();
  }

  renderMembers() {
    clear(this.membersList);
    if (!this.room) return;
    for (const member of this.room.members || []) {
      const online = member.id === this.me ? this.socket.connected : this.online.has(member.id);
      this.membersList.append(el("li", { class: online ? "online" : "", dataset: { userId: member.id },
        title: online ? this.t("online") : "" },
      el("span", { class: "dot", "aria-hidden": "true" }),
      member.id === this.me ? this.t("you") : member.full_name));
    }
  }

  setTyping(user, typing) {
    if (!user || user.id === this.me) return;
    const entry = this.typing.get(user.id);
    if (entry) clearTimeout(entry.timer);
    if (typing) {
      const timer = setTimeout(() => this.setTyping(user, false), TYPING_EXPIRES_MS);
      this.typing.set(user.id, { name: user.full_name, timer });
    } else {
      this.typing.delete(user.id);
    }
    const names = [...this.typing.values()].map((e) => e.name);
    this.typingLine.textContent = names.length === 0 ? ""
      : names.length === 1 ? this.t("typing_one", { name: names[0] })
        : this.t("typing_many", { names: joinNames(names) });
  }

  clearTyping() {
    for (const entry of this.typing.values()) clearTimeout(entry.timer);
    this.typing.clear();
    this.typingLine.textContent = "";
  }

  /**
   * Under our own messages (newest first): who has read them. A receipt shows where the set of
   * readers changes, and always under our newest message, so each reader appears once.
   */
  renderReceipts(list) {
    if (!this.room) return;
    const names = new Map((this.room.members || []).map((m) => [m.id, m.full_name]));
    const nodes = [...list.querySelectorAll("li.mine[data-message-id]")].reverse();
    let newerKey = null;
    nodes.forEach((node, index) => {
      const id = Number(node.dataset.messageId);
      const readers = [...this.reads.entries()].filter(([, cursor]) => cursor >= id)
        .map(([userId]) => userId).sort((a, b) => a - b);
      const key = readers.join(",");
      const receipt = node.querySelector(".msg-receipt");
      if (receipt && (index === 0 || key !== newerKey)) {
        const who = readers.map((userId) => names.get(userId)).filter(Boolean);
        receipt.textContent = who.length ? `✓✓ ${this.t("read_by", { names: joinNames(who) })}` : `✓ ${this.t("sent")}`;
        receipt.classList.toggle("read", who.length > 0);
      } else if (receipt) {
        receipt.textContent = "";
      }
      newerKey = key;
    });
  }
}
