// Editing and deleting a message from its bubble; refusals are shown on the bubble itself.
import { el } from "./dom.js";
import { errorText, request } from "./socket.js";

/** Replace the bubble's text with an editor; `onSaved(message)` gets the stored edit. */
export function startEdit(node, message, { t, socket, maxChars, onSaved }) {
  if (node.querySelector("form.msg-edit")) return;
  const body = node.querySelector(".msg-body");
  const input = el("textarea", { class: "msg-edit-input", maxlength: String(maxChars),
    "aria-label": t("edit"), "data-test": "edit-input" });
  input.value = message.content;
  const problem = el("p", { class: "msg-error", role: "alert", hidden: true });
  const close = () => {
    form.remove();
    if (body) body.hidden = false;
  };
  const form = el("form", { class: "msg-edit" }, input, problem,
    el("div", { class: "msg-actions" },
      el("button", { type: "submit", class: "button small primary", text: t("save"), "data-test": "edit-save" }),
      el("button", { type: "button", class: "button small", text: t("cancel"), onclick: close })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await request(socket, "edit", { message_id: message.id, content: input.value });
    if (answer.ok) {
      onSaved(answer.message);
      if (form.isConnected) close(); // nothing changed: the bubble was not re-rendered
    } else {
      problem.textContent = errorText(answer.error, t("error_generic"));
      problem.hidden = false;
    }
  });
  if (body) body.hidden = true;
  const actions = node.querySelector(".msg-actions");
  if (actions) actions.before(form);
  else node.append(form);
  input.focus();
}

/** Ask, then delete; `onDeleted(id)` runs once the server has hidden it. */
export async function deleteMessage(node, message, { t, socket, onDeleted }) {
  if (!window.confirm(t("confirm_delete"))) return;
  const answer = await request(socket, "delete", { message_id: message.id });
  if (answer.ok) {
    onDeleted(message.id);
    return;
  }
  node.querySelector(".msg-error")?.remove();
  node.append(el("p", { class: "msg-error", role: "alert", text: errorText(answer.error, t("error_generic")) }));
}
