// The console is a client of the control API only: every read and change goes
// through these JSON routes, and live updates come over /api/stream.

const TOKEN_KEY = "qqsim.control_token";

function initialToken() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("access_token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete("access_token");
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? `?${query}` : "") + location.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

let token = initialToken();
let askingForToken = null;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function tokenPrompt() {
  // One prompt at a time, however many requests were refused.
  if (!askingForToken) {
    askingForToken = Promise.resolve().then(() => {
      const given = window.prompt("This qqsim console is protected. Control token:", "");
      if (given !== null) {
        token = given;
        sessionStorage.setItem(TOKEN_KEY, token);
      }
      askingForToken = null;
      return given !== null;
    });
  }
  return askingForToken;
}

export async function request(method, path, body) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "qqsim is not reachable (stopped?)");
  }
  if (response.status === 401 && await tokenPrompt()) return request(method, path, body);
  let data;
  try {
    data = await response.json();
  } catch {
    // Not JSON: an answer cut short (the page closing, qqsim stopping) or not qqsim's.
    throw new ApiError(response.ok ? 0 : response.status, response.ok
      ? "qqsim's answer was cut short" : response.statusText);
  }
  if (!response.ok) throw new ApiError(response.status, data.error || response.statusText);
  return data;
}

export const get = (path) => request("GET", path);

// Run a refresh nobody awaits: qqsim being unreachable is expected then (it may have
// stopped; the stream reconnects and reloads), any other error is a bug and is thrown.
export function background(promise) {
  promise.catch((error) => {
    if (!(error instanceof ApiError)) throw error;
    console.warn(error.message);
  });
}
export const post = (path, body = {}) => request("POST", path, body);

export function mediaUrl(name, download = "") {
  const params = new URLSearchParams();
  if (token) params.set("access_token", token);
  if (download) params.set("name", download);
  const query = params.toString();
  return `/api/media/${encodeURIComponent(name)}${query ? `?${query}` : ""}`;
}

// The live feed; reconnects after a pause and calls onOpen again so the page reloads.
export function openStream({ onItem, onOpen, onClose }) {
  let closedOnPurpose = false;
  let retry = 500;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = token ? `?access_token=${encodeURIComponent(token)}` : "";
    const socket = new WebSocket(`${scheme}://${location.host}/api/stream${query}`);
    socket.onopen = () => { retry = 500; onOpen(); };
    socket.onmessage = (message) => onItem(JSON.parse(message.data));
    socket.onclose = () => {
      onClose();
      if (!closedOnPurpose) setTimeout(connect, retry);
      retry = Math.min(retry * 2, 8000);
    };
  }
  connect();
  return () => { closedOnPurpose = true; };
}
