// "New conversation": the people this user may write to; choosing one opens (or creates) the
// direct room with them.
import { clear, el } from "./dom.js";

export class Contacts {
  constructor({ t, api, onOpenRoom }) {
    this.t = t;
    this.api = api;
    this.onOpenRoom = onOpenRoom; // (room) once the direct room exists
    this.dialog = document.getElementById("chat-contacts");
    const opener = document.getElementById("chat-new");
    if (!this.dialog || !opener) return;
    this.list = document.getElementById("chat-contact-list");
    this.state = document.getElementById("chat-contacts-state");
    opener.addEventListener("click", () => this.show());
    document.getElementById("chat-contacts-close").addEventListener("click", () => this.dialog.close());
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-user-id]");
      if (button) this.choose(Number(button.dataset.userId), button);
    });
  }

  async show() {
    clear(this.list);
    this.state.hidden = false;
    this.state.textContent = this.t("loading");
    this.dialog.showModal();
    try {
      const { contacts } = await this.api("GET", "/contacts");
      this.state.hidden = contacts.length > 0;
      this.state.textContent = contacts.length ? "" : this.t("no_contacts");
      for (const contact of contacts) {
        this.list.append(el("li", {},
          el("button", { type: "button", class: "chat-contact", dataset: { userId: contact.id },
            "data-test": "contact" },
          el("span", { class: "contact-name", text: contact.full_name }),
          el("span", { class: "muted small", text: this.t(`role_${contact.role}`) }))));
      }
    } catch (error) {
      this.state.textContent = error.message;
    }
  }

  async choose(userId, button) {
    button.disabled = true;
    try {
      const { room } = await this.api("POST", "/direct", { user_id: userId });
      this.dialog.close();
      this.onOpenRoom(room);
    } catch (error) {
      this.state.hidden = false;
      this.state.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  }
}
