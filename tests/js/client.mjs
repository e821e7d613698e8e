// A socket.io-client 4.x session as a browser or mobile app would run it, for the Python tests.
// Usage: node client.mjs <url> <namespace> <json: {auth?, cookie?, emits?: [[event, payload]]}>
// Prints one JSON line: {"connected": bool, "error"?: {message, data}, "acks": [...]}.
import { io } from "socket.io-client";

const [url, namespace, optionsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson || "{}");
const socket = io(url + namespace, {
  transports: ["websocket"],
  reconnection: false,
  auth: options.auth || {},
  extraHeaders: options.cookie ? { Cookie: options.cookie } : {},
});
const done = (result) => {
  console.log(JSON.stringify(result));
  socket.close();
  process.exit(0);
};
setTimeout(() => done({ connected: false, timeout: true }), 10000);

socket.on("connect_error", (err) => {
  done({ connected: false, error: { message: err.message, data: err.data === undefined ? null : err.data } });
});
socket.on("connect", async () => {
  const acks = [];
  for (const [event, payload] of options.emits || []) {
    acks.push(await socket.timeout(5000).emitWithAck(event, payload).catch((e) => ({ timeout: String(e) })));
  }
  done({ connected: true, acks, still_connected: socket.connected });
});
