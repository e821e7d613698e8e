// Acknowledged requests over the `/chat` socket, always answered in the contract's envelope.

/** Emit `event` and resolve with its ack, or with an error envelope when no ack comes in time. */
export function request(socket, event, payload, timeoutMs = 15000) {
  return new Promise((resolve) => {
    socket.timeout(timeoutMs).emit(event, payload, (timedOut, response) => {
      if (timedOut) {
        resolve({ ok: false, error: { code: "timeout", message: "" } });
      } else if (response && typeof response === "object") {
        resolve(response);
      } else {
        resolve({ ok: false, error: { code: "internal_error", message: "" } });
      }
    });
  });
}

/** A fresh client id for a message (crypto.randomUUID needs a secure context; this does not). */
export function newClientId() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The error text of a refused ack or API call, with a fallback for codes without a message. */
export function errorText(error, fallback) {
  return (error && error.message) || fallback;
}
