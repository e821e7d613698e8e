// How one message looks: its bubble, quote, attachment and action buttons (DOM only, no state).
import { el, fileSize, snippet, timeElement } from "./dom.js";

/** Only same-site links (the server's attachment URLs) become href/src. */
export function safeUrl(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.origin === window.location.origin ? parsed.href : null;
  } catch (error) {
    return null;
  }
}

/** The text a quote or a list preview shows for a message. */
export function previewOf(message, t) {
  if (!message) return t("earlier_message");
  if (message.content) return snippet(message.content);
  if (message.attachment) return `${t("attachment")}: ${message.attachment.name}`;
  return t("attachment");
}

function attachmentNode(attachment, t) {
  const url = safeUrl(attachment.url);
  const label = `${attachment.name} (${fileSize(attachment.size || 0)})`;
  const link = el("a", { class: "msg-file", href: url, download: attachment.name || true,
    rel: "noopener", "data-test": "attachment" }, label);
  if (url && /^image\/(png|jpeg|gif|webp)$/.test(attachment.content_type || "")) {
    const preview = el("a", { class: "msg-image", href: url, target: "_blank", rel: "noopener" },
      el("img", { src: url, alt: attachment.name || t("attachment"), loading: "lazy" }));
    return el("div", { class: "msg-attachment" }, preview, link);
  }
  return el("div", { class: "msg-attachment" }, link);
}

/**
 * The bubble of a stored message. `view` tells who is looking and what they may do:
 * {me, t, quoteOf(id) -> {name, text}|null, canReply, rightsOf(message) -> {can_edit, can_delete}}.
 */
export function messageNode(message, view) {
  const { t } = view;
  const mine = message.sender && message.sender.id === view.me;
  const classes = ["msg", mine ? "mine" : "theirs", message.kind === "system" ? "system" : ""];
  const node = el("li", {
    class: classes.filter(Boolean).join(" "),
    id: `message-${message.id}`,
    dataset: { messageId: message.id, senderId: message.sender ? message.sender.id : "" },
    "data-test": "message",
  });
  if (message.kind === "system") {
    node.append(el("div", { class: "msg-body", text: message.content }),
      el("div", { class: "msg-meta" }, timeElement(message.created_at)));
    return node;
  }
  if (message.reply_to_id) node.append(quoteNode(message.reply_to_id, view));
  const meta = el("div", { class: "msg-meta" },
    el("span", { class: "msg-sender", "data-test": "sender",
      text: mine ? t("you") : (message.sender ? message.sender.full_name : "") }),
    " ", timeElement(message.created_at),
    message.edited_at ? el("span", { class: "msg-edited", "data-test": "edited", text: ` · ${t("edited")}` }) : null);
  node.append(meta);
  if (message.content) node.append(el("div", { class: "msg-body", "data-test": "body", text: message.content }));
  if (message.attachment) node.append(attachmentNode(message.attachment, t));
  const actions = el("div", { class: "msg-actions" });
  if (view.canReply) actions.append(actionButton("reply", t("reply")));
  const rights = view.rightsOf(message);
  if (rights.can_edit) actions.append(actionButton("edit", t("edit")));
  if (rights.can_delete) actions.append(actionButton("delete", t("delete")));
  if (actions.childElementCount) node.append(actions);
  if (mine) node.append(el("div", { class: "msg-receipt", "data-test": "receipt" }));
  return node;
}

function actionButton(action, label) {
  return el("button", { type: "button", class: "linklike msg-action", dataset: { action },
    "data-test": `action-${action}`, text: label });
}

/** The quote above a reply: who said what, or "an earlier message" until it is loaded. */
export function quoteNode(replyToId, view) {
  const quote = view.quoteOf(replyToId);
  return el("button", {
    type: "button", class: "msg-quote", "data-test": "quote",
    dataset: quote ? { replyTo: replyToId, action: "jump" }
      : { replyTo: replyToId, action: "jump", missing: "1" },
  }, quote ? el("strong", { text: quote.name }) : null, quote ? " " : null,
  quote ? quote.text : view.t("earlier_message"));
}

/** A bubble for a message on its way: text or a file with an upload progress bar. */
export function pendingNode(item, t) {
  const node = el("li", { class: "msg mine pending", dataset: { clientId: item.clientId },
    "data-test": "pending-message" });
  if (item.replyToId) node.append(el("div", { class: "msg-quote", text: `↩ ${item.replyText || ""}` }));
  node.append(el("div", { class: "msg-meta" },
    el("span", { class: "msg-sender", text: t("you") }), " ",
    el("span", { class: "msg-state", "data-test": "pending-state", text: item.file ? t("uploading") : t("sending") })));
  if (item.content) node.append(el("div", { class: "msg-body", text: item.content }));
  if (item.file) {
    node.append(el("div", { class: "msg-attachment" },
      el("span", { class: "msg-file", text: `${item.file.name} (${fileSize(item.file.size)})` })),
      el("progress", { class: "msg-progress", max: 100, value: 0, "data-test": "upload-progress" }));
  }
  return node;
}
