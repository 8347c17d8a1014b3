// The inspector: every action a bot called (parameters, response, latency) and every
// event frame sent to it (full JSON), filterable by bot, chat, type and message; and
// which bots are connected, how, and since when.

import { background, get } from "./api.js";
import { icon } from "./icons.js";
import { picker } from "./picker.js";
import { addTraffic, bots, nameOf, on, state } from "./store.js";
import { summary } from "./segments.js";
import { clear, clock, dateTime, el, jsonBlock } from "./ui.js";

const SHOWN_ROWS = 500;
const TRAFFIC_PAGE = 500;
const filters = { bot: "", chat: "", kind: "all", text: "", messageId: null, heartbeats: false };
let selectedSeq = null;
let renderQueued = false;
let olderLeft = false;     // the server holds older records than those loaded
let loadingOlder = null;
let chatPicker = null;

export async function loadTraffic() {
  const [actions, frames] = await Promise.all([get(`/api/actions?limit=${TRAFFIC_PAGE}`),
    get(`/api/frames?limit=${TRAFFIC_PAGE}`)]);
  state.traffic = [];
  addTraffic([...actions.actions, ...frames.frames]);
  olderLeft = actions.more || frames.more;
  queueRender();
}

// The page before the oldest record loaded (asked for when the log's end scrolls into view).
function loadOlderTraffic() {
  if (loadingOlder || !olderLeft || !state.traffic.length) return loadingOlder;
  const before = state.traffic[0].seq;
  loadingOlder = Promise.all([get(`/api/actions?limit=${TRAFFIC_PAGE}&before=${before}`),
    get(`/api/frames?limit=${TRAFFIC_PAGE}&before=${before}`)]).then(([actions, frames]) => {
    addTraffic([...actions.actions, ...frames.frames]);
    olderLeft = actions.more || frames.more;
    queueRender();
  }).finally(() => { loadingOlder = null; });
  return loadingOlder;
}

const olderWatcher = new IntersectionObserver((entries) => {
  if (entries.some((e) => e.isIntersecting)) background(loadOlderTraffic());
});

export async function loadConnections() {
  state.connections = await get("/api/connections");
  renderConnections();
}

export function showMessageTraffic(messageId) {
  filters.messageId = messageId;
  filters.bot = filters.chat = filters.text = "";
  filters.kind = "all";
  selectedSeq = null;
  syncControls();
  queueRender();
}

// -- filtering (the same rules as the control API's TrafficFilter) -------------------

function dictsOf(record) {
  if (record.kind === "frame") return [record.event];
  const found = [];
  if (record.params && typeof record.params === "object") found.push(record.params);
  if (record.response?.data && typeof record.response.data === "object") found.push(record.response.data);
  return found;
}

function typeOf(record) {
  if (record.kind === "action") return record.action;
  const e = record.event;
  const detail = e.notice_type || e.request_type || e.meta_event_type || e.message_type || "";
  return detail ? `${e.post_type}.${detail}` : String(e.post_type);
}

const asInt = (v) => (typeof v === "number" ? v : /^\d+$/.test(String(v ?? "")) ? Number(v) : null);

function inChat(data, chat) {
  const [type, id] = chat.split(":");
  const groupId = asInt(data.group_id);
  if (type === "group") return groupId === Number(id);
  const isPrivate = (data.message_type === undefined || data.message_type === "private") && !groupId;
  return isPrivate && [asInt(data.user_id), asInt(data.target_id)].includes(Number(id));
}

function matches(record) {
  if (filters.bot && record.bot_id !== Number(filters.bot)) return false;
  if (filters.kind === "actions" && record.kind !== "action") return false;
  if (filters.kind === "events" && record.kind !== "frame") return false;
  const type = typeOf(record);
  if (!filters.heartbeats && type === "meta_event.heartbeat") return false;
  const dicts = dictsOf(record);
  if (filters.chat && !dicts.some((d) => inChat(d, filters.chat))) return false;
  if (filters.messageId !== null && !dicts.some((d) => asInt(d.message_id) === filters.messageId)) return false;
  if (filters.text) {
    const haystack = `${type} ${JSON.stringify(record.kind === "action" ? record.params : record.event)}`;
    if (!haystack.toLowerCase().includes(filters.text.toLowerCase())) return false;
  }
  return true;
}

// -- rendering ---------------------------------------------------------------------------

export function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; renderLog(); });
}

function summaryOf(record) {
  if (record.kind === "frame") return record.summary;
  const p = record.params && typeof record.params === "object" ? record.params : {};
  const where = p.group_id ? ` group ${p.group_id}` : p.user_id ? ` user ${p.user_id}` : "";
  let text = "";
  if (p.message !== undefined) {
    text = typeof p.message === "string" ? p.message
      : Array.isArray(p.message) ? segmentText(p.message) : JSON.stringify(p.message);
    text = ` “${text.length > 60 ? `${text.slice(0, 57)}…` : text}”`;
  } else if (p.message_id !== undefined) text = ` #${p.message_id}`;
  return `${record.action}${where}${text}`;
}

// Segments as one line: "[reply] pong" (names of segment types the console knows).
function segmentText(segments) {
  return segments.map((s) => (s && s.type === "reply" ? "[reply] " : summary([s]))).join("");
}

function outcomeOf(record) {
  if (record.kind === "frame") return el("span", { class: "outcome" }, typeOf(record));
  const r = record.response || {};
  const ok = r.status === "ok";
  const answered = Object.keys(r).length > 0;
  return el("span", { class: `outcome ${ok ? "ok" : "failed"}` },
    record.fault ? el("span", { class: "badge fault", title: "a fault took this call" }, `fault: ${record.fault}`) : null,
    !answered ? "no reply" : ok ? "ok" : `failed ${r.retcode}`, el("small", {}, ` ${record.elapsed_ms.toFixed(1)} ms`));
}

function renderLog() {
  const list = document.getElementById("traffic-rows");
  if (!list) return;
  const shown = state.traffic.filter(matches).slice(-SHOWN_ROWS).reverse();
  clear(list);
  for (const record of shown) {
    const isAction = record.kind === "action";
    list.append(el("li", {
      class: `traffic-row ${isAction ? "action" : "frame"}${record.seq === selectedSeq ? " selected" : ""}`,
      "data-testid": isAction ? "action-row" : "frame-row", "data-seq": record.seq, tabindex: 0,
      onclick: () => select(record),
      onkeydown: (e) => { if (e.key === "Enter") select(record); },
    },
    el("span", { class: "dir", title: isAction ? "the bot called an action" : "an event sent to the bot" },
      isAction ? "call" : "event"),
    el("span", { class: "when" }, clock(record.time)),
    el("span", { class: "who", title: record.connection }, `${record.bot_id}`),
    el("span", { class: "what" }, summaryOf(record)),
    outcomeOf(record)));
  }
  if (!shown.length) list.append(el("li", { class: "empty" }, "Nothing matches yet."));
  if (olderLeft && shown.length < SHOWN_ROWS) {
    const older = el("li", { class: "older", "data-testid": "older-traffic",
                             onclick: () => background(loadOlderTraffic()) }, "Older traffic");
    list.append(older);
    olderWatcher.disconnect();
    olderWatcher.observe(older);
  }
  document.getElementById("traffic-count").textContent =
    `${shown.length}${shown.length === SHOWN_ROWS ? "+" : ""} shown of ${state.traffic.length}`;
  const selected = state.traffic.find((r) => r.seq === selectedSeq);
  renderDetail(selected && matches(selected) ? selected : null);
}

function select(record) {
  selectedSeq = record.seq;
  for (const row of document.querySelectorAll(".traffic-row.selected")) row.classList.remove("selected");
  document.querySelector(`.traffic-row[data-seq="${record.seq}"]`)?.classList.add("selected");
  renderDetail(record);
}

function renderDetail(record) {
  const pane = clear(document.getElementById("traffic-detail"));
  if (!record) {
    pane.append(el("div", { class: "empty" }, "Select a row to see its full JSON."));
    return;
  }
  const head = el("div", { class: "detail-head" },
    el("h3", { "data-testid": "detail-title" }, record.kind === "action" ? record.action : typeOf(record)),
    el("small", {}, `#${record.seq} · bot ${record.bot_id} (${nameOf(record.bot_id)}) · ${record.connection} · `
      + `${dateTime(record.time)}`));
  if (record.kind === "action") {
    pane.append(head,
      el("p", {}, `Latency ${record.elapsed_ms.toFixed(2)} ms`),
      el("h4", {}, "Parameters"), jsonBlock(record.params),
      el("h4", {}, "Response"), jsonBlock(record.response));
  } else {
    pane.append(head, el("h4", {}, "Event as sent"), jsonBlock(record.event));
  }
}

export function renderConnections() {
  const box = document.getElementById("connections");
  const status = document.getElementById("bot-status");
  if (!box || !status) return;
  const { connections, listeners } = state.connections;
  clear(box).append(
    el("h3", {}, "Connected bots"),
    connections.length
      ? el("ul", { class: "conn-list", "data-testid": "connections" }, connections.map((c) => el("li", {},
        el("span", { class: "dot on" }), el("b", {}, `${nameOf(c.bot_id)} ${c.bot_id}`),
        ` · ${c.transport} (${c.connection}) · ${c.message_format}`
        + `${c.report_self_message ? " · reports self" : ""} · since ${dateTime(c.connected_at)}`)))
      : el("p", { class: "empty" }, "No bot is connected. Point your bot at a listener below."),
    el("h3", {}, "Listeners"),
    el("ul", { class: "conn-list" }, listeners.map((l) => el("li", {},
      el("code", {}, l.url), ` ${l.kind} · ${l.name}${l.bot_id ? ` · bot ${l.bot_id}` : ""}`))));
  clear(status);
  for (const bot of bots()) {
    const live = connections.filter((c) => c.bot_id === bot.user_id);
    status.append(el("span", { class: "bot-pill", "data-testid": "bot-status",
      title: live.length ? live.map((c) => `${c.transport} (${c.connection}) since ${dateTime(c.connected_at)}`).join("\n")
        : "not connected" },
    el("span", { class: `dot ${live.length ? "on" : "off"}` }), `${bot.nickname} ${bot.user_id}`,
    live.length ? el("small", {}, ` ${live.map((c) => c.transport).join(", ")}`) : el("small", {}, " offline")));
  }
}

// -- the filter bar --------------------------------------------------------------------------

// The chat filter: every group and person of the world, searched on the server.
async function chatPage(query, cursor) {
  const at = cursor || { groups: 0, people: 0 };
  const q = query ? `&q=${encodeURIComponent(query)}` : "";
  const [groups, people] = await Promise.all([
    at.groups === null ? { groups: [], next: null } : get(`/api/groups?limit=25&offset=${at.groups}${q}`),
    at.people === null ? { people: [], next: null } : get(`/api/people?limit=25&offset=${at.people}${q}`)]);
  const items = [...(cursor || query ? [] : [{ value: "", label: "All chats" }]),
    ...groups.groups.map((g) => ({ value: `group:${g.group_id}`, label: `群 ${g.name} (${g.group_id})` })),
    ...people.people.map((p) => ({ value: `private:${p.user_id}`, label: `私聊 ${p.nickname} (${p.user_id})` }))];
  const next = groups.next === null && people.next === null ? null : { groups: groups.next, people: people.next };
  return { items, next };
}

function setupChatFilter() {
  chatPicker = picker({
    testid: "filter-chat", placeholder: "All chats", className: "chat-filter",
    fetch: chatPage, label: (item) => (item.value ? item.label : ""), value: (item) => item.value,
    onPick: (item) => { filters.chat = item.value; queueRender(); },
  });
  document.getElementById("filter-chat-slot").replaceChildren(chatPicker.node);
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([v, label]) => el("option", { value: v, text: label })));
  select.value = value;
}

function syncControls() {
  fillSelect(document.getElementById("filter-bot"),
    [["", "All bots"], ...bots().map((b) => [String(b.user_id), `${b.nickname} ${b.user_id}`])], filters.bot);
  if (!filters.chat && document.activeElement !== chatPicker?.input) chatPicker?.show(null);
  document.getElementById("filter-kind").value = filters.kind;
  document.getElementById("filter-text").value = filters.text;
  document.getElementById("filter-heartbeats").checked = filters.heartbeats;
  const chip = clear(document.getElementById("filter-message"));
  if (filters.messageId !== null) {
    chip.append(el("span", { class: "chip", "data-testid": "message-filter" }, `message #${filters.messageId}`,
      el("button", { class: "ghost icon", title: "Show all", "aria-label": "Show all",
        onclick: () => { filters.messageId = null; syncControls(); queueRender(); } }, icon("close"))));
  }
}

export function setupInspector() {
  const bind = (id, key, event = "change", read = (node) => node.value) => {
    document.getElementById(id).addEventListener(event, (e) => { filters[key] = read(e.target); queueRender(); });
  };
  bind("filter-bot", "bot");
  setupChatFilter();
  bind("filter-kind", "kind");
  bind("filter-text", "text", "input");
  bind("filter-heartbeats", "heartbeats", "change", (node) => node.checked);
  on("world", syncControls);
  on("traffic", queueRender);
  on("connections", renderConnections);
  syncControls();
}
