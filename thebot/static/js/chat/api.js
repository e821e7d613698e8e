// The chat JSON API over the browser session: CSRF header on unsafe calls, one error shape.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

/** An API failure carrying the envelope's code and message. */
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

function failure(status, body, fallback) {
  const error = body && body.error;
  return new ApiError(error?.code || "internal_error", error?.message || fallback, status);
}

/** Call the API: api(base)("GET", "/rooms") → the JSON body, or throws ApiError. */
export function apiClient(base, fallbackMessage) {
  return async (method, path, json) => {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    if (json !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(base + path, {
        method, headers, credentials: "same-origin",
        body: json === undefined ? undefined : JSON.stringify(json),
      });
    } catch (networkError) {
      throw new ApiError("network", fallbackMessage, 0);
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) throw failure(response.status, body, fallbackMessage);
    return body;
  };
}

/**
 * Upload one attachment with progress (XMLHttpRequest, because fetch has no upload progress).
 * Resolves with the stored message; rejects with ApiError. `onProgress(fraction)` runs as it goes.
 */
export function uploadAttachment(base, roomId, { file, clientId, replyToId }, onProgress, fallback) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("file", file, file.name);
    if (clientId) form.append("client_id", clientId);
    if (replyToId) form.append("reply_to_id", String(replyToId));
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${base}/rooms/${roomId}/attachments`);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300 && xhr.response?.message) {
        onProgress(1);
        resolve(xhr.response.message);
      } else {
        reject(failure(xhr.status, xhr.response, fallback));
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError("network", fallback, 0)));
    xhr.addEventListener("abort", () => reject(new ApiError("aborted", fallback, 0)));
    xhr.send(form);
  });
}
