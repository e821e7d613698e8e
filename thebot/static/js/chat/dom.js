// DOM and text helpers for the chat page. User text only ever goes through textContent.

/** Build an element: el("li", {class: "x", dataset: {id: 1}, onclick}, child, "text", …). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  append(node, children);
  return node;
}

/** Append children (nodes or strings as text nodes), skipping empty ones. */
export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Remove every child of a node. */
export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

/** Read a JSON block the template rendered (`<script type="application/json" id=…>`). */
export function readJson(id) {
  const block = document.getElementById(id);
  return block ? JSON.parse(block.textContent) : {};
}

/** Translator over the strings the template rendered: t("key", {name: "…"}). */
export function translator(strings) {
  return (key, params = {}) => {
    const text = strings[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}

const locale = document.documentElement.lang || undefined;
const timeOnly = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(locale, {
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
});
const fullDate = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" });
const numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });

/** A <time> element in the viewer's locale and time zone (time only for today). */
export function timeElement(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  return el("time", {
    datetime: iso,
    title: fullDate.format(date),
    text: (sameDay ? timeOnly : dayAndTime).format(date),
  });
}

/** A short label of a time for lists (same rules as timeElement). */
export function shortTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return (sameDay ? timeOnly : dayAndTime).format(date);
}

// The size units come translated from the page's i18n block ("12 KB" / "12 КБ").
const sizeText = translator({
  size_b: "{size} B", size_kb: "{size} KB", size_mb: "{size} MB", ...readJson("chat-i18n"),
});

/** "12 KB" / "3.4 MB" in the viewer's locale and language. */
export function fileSize(bytes) {
  if (bytes < 1024) return sizeText("size_b", { size: numbers.format(bytes) });
  if (bytes < 1024 * 1024) return sizeText("size_kb", { size: numbers.format(bytes / 1024) });
  return sizeText("size_mb", { size: numbers.format(bytes / (1024 * 1024)) });
}

/** The first line of a text, cut to `limit` characters, for previews and quotes. */
export function snippet(text, limit = 80) {
  const line = (text || "").trim().split("\n")[0];
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}
