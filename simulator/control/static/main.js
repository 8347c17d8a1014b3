// The console's entry point: loads the world, opens the live stream, wires the tabs.

import { background, get, openStream } from "./api.js";
import { addTip, loadAllChats, myChats, openChat, receive, refreshReactions, renderChatList } from "./chat.js";
import { loadConnections, loadTraffic, renderConnections, setupInspector, showMessageTraffic } from "./inspector.js";
import { setupSession } from "./session.js";
import { addTraffic, emit, groupKey, nameOf, on, people, privateKey, setWorld, state } from "./store.js";
import { el, toast } from "./ui.js";
import { loadRequests } from "./world.js";

const ME_KEY = "qqsim.me";
let refreshTimer = null;

async function loadWorld() {
  const world = await get("/api/world");
  setWorld(world);
  fillIdentity();
}

// Re-read everything the page shows (at start, after a reconnect or a dropped notice).
async function reloadAll() {
  await loadWorld();
  fillIdentity();
  state.messages.clear();
  await loadAllChats();
  if (state.current) await openChat(state.current);
  if (!state.current) {
    const first = myChats()[0];
    if (first) await openChat(first);
  }
  await Promise.all([loadTraffic(), loadConnections(), loadRequests()]);
}

function scheduleWorldRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => background(loadWorld().then(loadAllChats)), 120);
}

// -- identity ------------------------------------------------------------------------

function fillIdentity() {
  const select = document.getElementById("identity");
  const everyone = people();
  if (!everyone.some((p) => p.user_id === state.me)) {
    const saved = Number(sessionStorage.getItem(ME_KEY));
    state.me = everyone.some((p) => p.user_id === saved) ? saved : everyone[0]?.user_id ?? null;
  }
  select.replaceChildren(...everyone.map((p) => el("option", { value: p.user_id, text: `${p.nickname} (${p.user_id})` })));
  select.value = String(state.me);
}

async function become(userId) {
  state.me = Number(userId);
  sessionStorage.setItem(ME_KEY, String(state.me));
  document.getElementById("identity").value = String(state.me);
  state.current = null;
  await loadAllChats();
  const first = myChats()[0];
  if (first) await openChat(first);
  emit("world");
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

const TIPS = {
  MemberJoined: (d) => `${nameOf(d.user_id)} joined the group${d.kind === "invite" ? " (invited)" : ""}`,
  MemberLeft: (d) => (d.kind === "kick" ? `${nameOf(d.user_id)} was kicked by ${nameOf(d.operator_id, d.group_id)}`
    : d.kind === "disband" ? "The group was disbanded" : `${nameOf(d.user_id)} left the group`),
  MemberMuted: (d) => (d.user_id === 0
    ? `${nameOf(d.operator_id, d.group_id)} ${d.duration ? "muted everyone" : "lifted the whole-group mute"}`
    : d.duration ? `${nameOf(d.user_id, d.group_id)} was muted for ${d.duration}s by ${nameOf(d.operator_id, d.group_id)}`
      : `${nameOf(d.user_id, d.group_id)} was unmuted by ${nameOf(d.operator_id, d.group_id)}`),
  AdminChanged: (d) => `${nameOf(d.user_id, d.group_id)} ${d.is_admin ? "is now an admin" : "is no longer an admin"}`,
  GroupRenamed: (d) => `${nameOf(d.operator_id, d.group_id)} renamed the group to “${d.name}”`,
  TitleChanged: (d) => `${nameOf(d.user_id, d.group_id)} got the title “${d.title}”`,
  CardChanged: (d) => `${nameOf(d.user_id)}'s card is now “${d.card_new}”`,
  Poked: (d) => `${nameOf(d.user_id, d.group_id || null)} ${d.action || "戳了戳"} ${nameOf(d.target_id, d.group_id || null)}${d.suffix || ""}`,
  GroupFileUploaded: (d) => `${nameOf(d.user_id, d.group_id)} uploaded the file “${d.name}”`,
  EssenceAdded: (d) => `${nameOf(d.operator_id, d.group_id)} set a message of ${nameOf(d.sender_id, d.group_id)} as essence`,
};

// Where a notice shows: its group, or the private chat it happened in.
function tipKey(item) {
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
    refreshReactions(data.message_id);
    return;
  }
  const tip = TIPS[item.type];
  const key = tipKey(item);
  if (tip && key) addTip(key, item.time, tip(data));
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
  badge.textContent = live ? "● live" : "○ reconnecting…";
  badge.className = live ? "live on" : "live off";
  badge.dataset.testid = "live";
  badge.dataset.live = String(live);
}

// -- start -----------------------------------------------------------------------------

async function start() {
  for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  document.getElementById("identity").addEventListener("change", (e) => become(e.target.value));
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
  await loadWorld();
  fillIdentity();
  await loadAllChats();
  const first = myChats()[0];
  if (first) await openChat(first);
  renderChatList();
  await Promise.all([loadTraffic(), loadConnections(), loadRequests()]);
  ready = true;
  for (const item of held.splice(0)) onStreamItem(item);
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  console.error(error);
  toast(`The console could not start: ${error.message}`, "error");
});
