// The console's entry point: loads the world, opens the live stream, wires the tabs.

import { background, get, openStream } from "./api.js";
import {
  addNotice, loadAllChats, loadMyChats, myChats, openChat, receive, renderChatList, setupChatSearch,
} from "./chat.js";
import { refreshReactions } from "./bubbles.js";
import { icon } from "./icons.js";
import { loadConnections, loadTraffic, renderConnections, setupInspector, showMessageTraffic } from "./inspector.js";
import { isNotice } from "./notices.js";
import { fromRoute, picker } from "./picker.js";
import { setupSession } from "./session.js";
import { addTraffic, emit, groupKey, on, privateKey, setWorld, state } from "./store.js";
import { toast } from "./ui.js";
import { loadRequests, renderWorld } from "./world.js";

const ME_KEY = "qqsim.me";
let refreshTimer = null;
let identity = null;

async function loadWorld() {
  setWorld(await get("/api/world"));
}

// Who the page speaks as: the one chosen before (this tab), else the first person.
async function chooseMe() {
  const saved = Number(sessionStorage.getItem(ME_KEY)) || state.me;
  const found = saved ? await get(`/api/people/${saved}`).catch(() => null) : null;
  const me = found && !found.is_bot ? found
    : (await get("/api/people?limit=1")).people[0] || null;
  setMe(me);
}

function setMe(account) {
  state.me = account?.user_id ?? null;
  if (account) state.accounts.set(account.user_id, account);
  identity?.show(account);
  if (state.me) sessionStorage.setItem(ME_KEY, String(state.me));
}

// Re-read everything the page shows (at start, after a reconnect or a dropped notice).
async function reloadAll() {
  await loadWorld();
  await chooseMe();
  state.messages.clear();
  state.notices.clear();
  await loadMyChats();
  await loadAllChats();
  const current = state.current && myChats().find((c) => c.type === state.current.type && c.id === state.current.id);
  state.current = null;
  const open = current || myChats()[0];
  if (open) await openChat(open, { reveal: false });
  renderChatList();
  renderWorld();
  await Promise.all([loadTraffic(), loadConnections(), loadRequests()]);
}

function scheduleWorldRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => background(loadWorld().then(loadMyChats).then(loadAllChats)
    .then(() => emit("world"))), 120);
}

// -- identity ------------------------------------------------------------------------

function setupIdentity() {
  identity = picker({
    testid: "identity", placeholder: "Name or number", className: "identity-picker",
    fetch: fromRoute("/api/people", "people", get),
    label: (p) => `${p.nickname} (${p.user_id})`, value: (p) => p.user_id,
    onPick: (p) => background(become(p)),
  });
  document.getElementById("identity-slot").replaceChildren(identity.node);
}

async function become(account) {
  const who = typeof account === "object" ? account : await get(`/api/people/${account}`);
  setMe(who);
  state.current = null;
  await loadMyChats();
  await loadAllChats();
  const first = myChats()[0];
  if (first) await openChat(first, { reveal: false });
  else emit("world");
  renderWorld();
}

// -- tabs --------------------------------------------------------------------------------

function showTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.classList.toggle("active", tab.dataset.tab === name);
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== `view-${name}`;
  location.hash = name;
  // A hidden chat could not scroll: show its latest messages when it comes back.
  const messages = document.getElementById("messages");
  if (name === "chat" && messages) messages.scrollTop = messages.scrollHeight;
}

// -- the live stream ---------------------------------------------------------------------

// Where a notice shows: its group, or the private chat it happened in.
function noticeKey(item) {
  const d = item.data;
  if (d.group_id) return groupKey(d.group_id);
  if (item.type === "Poked" && d.peer_id) return privateKey(d.user_id, d.peer_id);
  return null;
}

function onWorldEvent(item) {
  const data = item.data || {};
  if (data.message && (item.type === "MessageCreated" || item.type === "MessageRecalled")) {
    receive(data.message);
    return;
  }
  if (item.type === "MessageReacted") {
    background(refreshReactions(data.message_id));
    return;
  }
  const key = noticeKey(item);
  if (isNotice(item.type) && key) addNotice(key, item);
  scheduleWorldRefresh();
  if (/Request|Friend|Joined/.test(item.type)) background(loadRequests());
}

function onStreamItem(item) {
  switch (item.kind) {
    case "world":
      onWorldEvent(item);
      break;
    case "action":
    case "frame":
      if (addTraffic([item]).length) emit("traffic");
      if (item.kind === "action" && /request/.test(item.action)) background(loadRequests());
      if (item.kind === "frame" && item.event.meta_event_type === "lifecycle") background(loadConnections());
      break;
    case "connections":
      state.connections = { connections: item.connections, listeners: item.listeners };
      renderConnections();
      break;
    case "reset":
      state.current = null;
      background(reloadAll());
      break;
    case "fault":
      toast(`Fault: ${item.fault}${item.action ? ` took ${item.action}` : ""} (bot ${item.bot})`, "info");
      break;
    case "dropped":
      toast(`Missed ${item.count} live updates; reloading`, "info");
      background(reloadAll());
      break;
    default:
      break;
  }
}

function setLive(live) {
  state.live = live;
  const badge = document.getElementById("live");
  badge.replaceChildren(icon(live ? "dot" : "ring"), live ? "live" : "reconnecting…");
  badge.className = live ? "live on" : "live off";
  badge.dataset.testid = "live";
  badge.dataset.live = String(live);
}

// -- start -----------------------------------------------------------------------------

async function start() {
  for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  setupIdentity();
  setupChatSearch();
  on("become", (uid) => become(uid));
  on("refresh", () => scheduleWorldRefresh());
  on("reload", () => background(reloadAll()));
  on("show-traffic", ({ message_id: messageId }) => { showTab("inspector"); showMessageTraffic(messageId); });
  setupInspector();
  setupSession();
  showTab(["chat", "inspector", "world", "session"].includes(location.hash.slice(1)) ? location.hash.slice(1) : "chat");
  // Open the stream first and hold its items until the first load is done, so nothing
  // that happens in between is lost (records and messages are de-duplicated).
  const held = [];
  let ready = false;
  let opened = false;
  openStream({
    onItem: (item) => (ready ? onStreamItem(item) : held.push(item)),
    onOpen: () => {
      setLive(true);
      if (opened) background(reloadAll());  // after a reconnect: catch up on what was missed
      opened = true;
    },
    onClose: () => setLive(false),
  });
  await reloadAll();
  ready = true;
  // A held notice is in the history just read already (notices have no id to de-duplicate).
  for (const item of held.splice(0)) if (!(item.kind === "world" && isNotice(item.type))) onStreamItem(item);
  // How long the page took to be usable, from the navigation's start (tests report it).
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  console.error(error);
  toast(`The console could not start: ${error.message}`, "error");
});
