// The chat page: wires the room list, the open conversation, the composer and the contacts to
// the shared `/chat` socket (see badges.js), and keeps the open room in the address (?room=<id>).
import { apiClient } from "./api.js";
import { Composer } from "./composer.js";
import { Contacts } from "./contacts.js";
import { Conversation } from "./conversation.js";
import { readJson, translator } from "./dom.js";
import { RoomList } from "./rooms.js";
import { errorText, request } from "./socket.js";

const REFRESH_DELAY_MS = 400;
const CATCH_UP_PAGE = 100;

const config = readJson("chat-config");
const t = translator(readJson("chat-i18n"));
const socket = window.TheBot.chatSocket();
const api = apiClient(config.api, t("error_generic"));
const page = document.getElementById("chat");
const status = document.getElementById("chat-status");

let openRoomId = null;
let joinSeq = 0;
let refreshTimer = null;

const rooms = new RoomList({ config, t, onOpen: (id) => openRoom(id) });
const conversation = new Conversation({
  config, t, socket,
  onRead: (roomId, unread) => rooms.setUnread(roomId, unread),
  onMessageShown: (message) => rooms.noteMessage(message),
  onReply: (message, quote) => composer.setReply(message, quote),
  onRoomChanged: () => renderLockButton(),
});
const composer = new Composer({ config, t, socket, conversation });
new Contacts({ t, api, onOpenRoom: (room) => { rooms.upsert(room); openRoom(room.id); } });

// --- panes and the address --------------------------------------------------------------------

function showPane(name) {
  page.dataset.pane = name;
}

function roomFromAddress() {
  const value = new URLSearchParams(window.location.search).get("room");
  return value && /^\d+$/.test(value) ? Number(value) : null;
}

function setAddress(roomId, mode) {
  if (mode === "none") return;
  const url = roomId ? `${config.page_url}?room=${roomId}` : config.page_url;
  if (url === window.location.pathname + window.location.search) return;
  window.history[mode === "replace" ? "replaceState" : "pushState"]({ room: roomId }, "", url);
}

/** Open a room: leave the previous one, join this one (now, or as soon as we are connected). */
function openRoom(roomId, addressMode = "push") {
  setAddress(roomId, addressMode);
  showPane("conversation");
  if (roomId === openRoomId && conversation.room) return;
  if (openRoomId !== null && openRoomId !== roomId) leaveRoom();
  openRoomId = roomId;
  rooms.setActive(roomId);
  conversation.showLoading(roomId, rooms.get(roomId)?.title);
  composer.setRoom(null);
  joinOpenRoom();
}

function leaveRoom() {
  composer.leave();
  if (socket.connected) request(socket, "leave", { room_id: openRoomId });
  openRoomId = null;
  rooms.setActive(null);
  conversation.close();
}

function showList(addressMode = "push") {
  setAddress(null, addressMode);
  if (openRoomId !== null) leaveRoom();
  showPane("list");
}

/**
 * Join the open room. The first time we get its newest messages; after a reconnect we ask for
 * what came after the last message we saw, so nothing is missed and nothing is shown twice.
 */
async function joinOpenRoom() {
  const roomId = openRoomId;
  if (roomId === null || !socket.connected) return;
  const seq = ++joinSeq;
  const catchingUp = conversation.roomId === roomId && conversation.room !== null;
  const payload = { room_id: roomId };
  if (catchingUp && conversation.lastSeenId) payload.after_id = conversation.lastSeenId;
  const answer = await request(socket, "join", payload);
  if (seq !== joinSeq || roomId !== openRoomId) return;
  if (!answer.ok) {
    const text = answer.error.code === "not_found" ? t("room_not_found") : errorText(answer.error, t("error_generic"));
    conversation.showError(text);
    composer.setRoom(null);
    return;
  }
  rooms.upsert(answer.room);
  composer.setRoom(answer.room);
  if (catchingUp) {
    conversation.catchUp(answer.room, answer.messages || []);
    if (payload.after_id && answer.has_more) await fetchRest(roomId);
  } else {
    conversation.open(answer.room, answer.messages || [], answer.has_more);
  }
  composer.resendPending();
}

/** A long absence: page through the rest of the missed messages over HTTP. */
async function fetchRest(roomId) {
  for (;;) {
    const after = conversation.lastSeenId;
    let body;
    try {
      body = await api("GET", `/rooms/${roomId}/messages?after_id=${after}&limit=${CATCH_UP_PAGE}`);
    } catch (error) {
      return;
    }
    if (roomId !== openRoomId) return;
    conversation.insertMany(body.messages || []);
    if (!body.has_more || conversation.lastSeenId === after) return;
  }
}

async function loadRooms() {
  const answer = await request(socket, "rooms", {});
  if (!answer.ok) {
    document.getElementById("chat-rooms-state").textContent = errorText(answer.error, t("error_generic"));
    return;
  }
  rooms.setRooms(answer.rooms || []);
  if (openRoomId !== null) rooms.setActive(openRoomId);
}

/** Several events in a row (e.g. unread counts of rooms we have not opened) → one refresh. */
function refreshRoomsSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(loadRooms, REFRESH_DELAY_MS);
}

function showStatus(text) {
  status.textContent = text;
  status.hidden = !text;
}

// --- the socket ---------------------------------------------------------------------------------

async function onConnect() {
  showStatus("");
  await loadRooms();
  conversation.renderMembers();
  await joinOpenRoom();
}

socket.on("connect", onConnect);
socket.on("disconnect", () => {
  showStatus(t("reconnecting"));
  conversation.connectionLost();
});
// When the server refuses us (signed out) the client stops retrying: `active` turns false.
socket.on("connect_error", () => showStatus(socket.active ? t("reconnecting") : t("signed_out")));

function inOpenRoom(data) {
  return data && data.room_id === openRoomId && conversation.room !== null;
}

socket.on("message", (message) => {
  rooms.noteMessage(message);
  if (inOpenRoom(message)) conversation.upsert(message);
});
socket.on("message_edited", (message) => {
  rooms.noteMessage(message);
  if (inOpenRoom(message)) conversation.upsert(message);
});
socket.on("message_deleted", (data) => {
  if (inOpenRoom(data)) conversation.remove(data.message_id);
  refreshRoomsSoon();
});
socket.on("typing", (data) => {
  if (inOpenRoom(data)) conversation.setTyping(data.user, Boolean(data.typing));
});
socket.on("read", (data) => {
  if (inOpenRoom(data)) conversation.setRead(data.user_id, data.message_id);
});
socket.on("presence", (data) => {
  if (inOpenRoom(data)) conversation.setPresence(data.user_id, Boolean(data.online));
});
socket.on("room_updated", (room) => {
  if (!room || typeof room.id !== "number") return;
  rooms.upsert(room);
  if (room.id === openRoomId && conversation.room) {
    conversation.updateRoom(room);
    composer.setRoom(room);
  }
});
socket.on("unread", (data) => {
  if (!data || typeof data.room_id !== "number") return;
  rooms.setUnread(data.room_id, data.unread);
  // Another room moved (or a new one appeared): fetch fresh previews for the list.
  if (data.room_id !== openRoomId || !rooms.has(data.room_id)) refreshRoomsSoon();
});

// --- the page -----------------------------------------------------------------------------------

document.getElementById("chat-back").addEventListener("click", () => showList());
window.addEventListener("popstate", () => {
  const wanted = roomFromAddress();
  if (wanted === null) showList("none");
  else openRoom(wanted, "none");
});

const lockButton = document.getElementById("chat-lock");
function renderLockButton() {
  const room = conversation.room;
  // A room whose relationship ended stays read-only; there is nothing to lock or unlock.
  const show = Boolean(room) && conversation.canModerate() && !room.read_only;
  lockButton.hidden = !show;
  if (show) lockButton.textContent = room.locked ? t("unlock") : t("lock");
}
lockButton.addEventListener("click", async () => {
  const room = conversation.room;
  if (!room) return;
  lockButton.disabled = true;
  try {
    const body = await api("POST", `/rooms/${room.id}/lock`, { locked: !room.locked });
    if (body && body.room && body.room.id === openRoomId) {
      rooms.upsert(body.room);
      conversation.updateRoom(body.room);
      composer.setRoom(body.room);
    }
  } catch (error) {
    composer.showProblem(error.message);
  } finally {
    lockButton.disabled = false;
  }
});

const firstRoom = roomFromAddress();
if (firstRoom === null) showPane("list");
else openRoom(firstRoom, "none");
if (socket.connected) onConnect();
