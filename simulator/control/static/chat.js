// The chat view: the list of the current person's chats with unread counts, the open
// chat's messages and notices (a page at a time, older ones on scrolling up) and the
// composer. Everything is said as state.me, through the control API.

import { background, get } from "./api.js";
import { act } from "./acts.js";
import { bubble, rememberReactions } from "./bubbles.js";
import { askFriend, composer, insertMention, inviteBot, renameGroup, resetReply } from "./composer.js";
import { icon } from "./icons.js";
import { isMuted, renderMembers } from "./members.js";
import { noticeText } from "./notices.js";
import { summary } from "./segments.js";
import {
  bots, currentKey, emit, groupKey, keyOfMessage, learnSender, nameOf, on, privateKey,
  putMessage, setMine, state,
} from "./store.js";
import { avatar, clock, clear, el } from "./ui.js";

// A person's groups and friends come a page at a time, searched on the server by the box
// above the list (a person has a few dozen; a generated one may be in hundreds).
const MINE_LIMIT = 100;
const PAGE = 60;
// Chats whose newest messages are read for the list's previews.
const PREVIEWED = 30;

// -- the chat list -------------------------------------------------------------

let chatQuery = "";
let mineNext = { groups: null, friends: null };  // where the next pages start (null: none)

// The first pages (or, with `more`, the next ones) of the person's groups and friends.
export async function loadMyChats({ more = false } = {}) {
  if (!state.me || (more && mineNext.groups === null && mineNext.friends === null)) return;
  const me = state.me;
  const query = chatQuery ? `&q=${encodeURIComponent(chatQuery)}` : "";
  const page = (kind) => {
    const offset = more ? mineNext[kind] : 0;
    return offset === null ? { [kind]: [], next: null }
      : get(`/api/people/${me}/${kind}?limit=${MINE_LIMIT}&offset=${offset}${query}`);
  };
  const [groups, friends] = await Promise.all([page("groups"), page("friends")]);
  if (me !== state.me) return;
  setMine(groups.groups, friends.friends, { add: more });
  mineNext = { groups: groups.next, friends: friends.next };
}

const chatsEnd = new IntersectionObserver((entries) => {
  if (entries.some((e) => e.isIntersecting)) background(loadMyChats({ more: true }).then(renderChatList));
});

export function setupChatSearch() {
  const input = document.getElementById("chat-search");
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      chatQuery = input.value.trim();
      background(loadMyChats().then(loadAllChats));
    }, 120);
  });
}

export function myChats() {
  const groups = [...state.groups.values()]
    .map((g) => ({ type: "group", id: g.group_id, key: groupKey(g.group_id), name: g.name }));
  const needle = chatQuery.toLowerCase();
  const botIds = bots().filter((b) => !needle || b.nickname.toLowerCase().includes(needle)
    || String(b.user_id).startsWith(needle)).map((b) => b.user_id);
  const peers = [...new Set([...botIds, ...[...state.friends].sort((a, b) => a - b)])]
    .filter((id) => id !== state.me);
  const privates = peers.map((id) => ({ type: "private", id, key: privateKey(state.me, id), name: nameOf(id) }));
  return [...groups, ...privates];
}

export function renderChatList() {
  const list = clear(document.getElementById("chat-list"));
  for (const chat of myChats()) {
    const messages = state.messages.get(chat.key) || [];
    const last = messages[messages.length - 1];
    const unread = state.unread.get(chat.key) || 0;
    const account = chat.type === "private" ? state.accounts.get(chat.id) : null;
    const active = currentKey() === chat.key;
    list.append(el("li", {
      class: `chat-row${active ? " active" : ""}`, "data-testid": "chat-row",
      "data-chat": `${chat.type}:${chat.id}`, tabindex: 0, role: "button",
      onclick: () => openChat(chat), onkeydown: (e) => { if (e.key === "Enter") openChat(chat); },
    },
    avatar(chat.id, chat.name),
    el("div", { class: "chat-row-main" },
      el("div", { class: "chat-row-top" },
        el("span", { class: "chat-name" }, chat.name,
          account?.is_bot ? el("span", { class: "badge bot" }, "BOT") : null,
          chat.type === "group" ? el("span", { class: "badge group" }, "群") : null),
        el("span", { class: "chat-time" }, last ? clock(last.time) : "")),
      el("div", { class: "chat-row-bottom" },
        el("span", { class: "chat-preview" }, last ? previewOf(last, chat) : ""),
        unread ? el("span", { class: "unread", "data-testid": "unread" }, String(unread)) : null))));
  }
  if (!list.children.length) {
    list.append(el("li", { class: "empty" }, chatQuery ? "No chat matches."
      : `${nameOf(state.me)} is in no group and has no friend yet.`));
  }
  if (mineNext.groups !== null || mineNext.friends !== null) {
    const end = el("li", { class: "paged-end", "data-testid": "more-chats" });
    list.append(end);
    chatsEnd.disconnect();
    chatsEnd.observe(end);
  }
}

function previewOf(message, chat) {
  const text = message.recalled ? "撤回了一条消息" : summary(message.segments);
  if (chat.type !== "group") return text;
  return `${nameOf(message.sender_id, message.group_id)}: ${text}`;
}

const keyOf = (chat) => chat.key || (chat.type === "group" ? groupKey(chat.id) : privateKey(state.me, chat.id));

// A page of a chat: the newest, or (older) the one before what is loaded.
export async function loadChat(chat, { older = false, limit = PAGE } = {}) {
  const key = keyOf(chat);
  const path = chat.type === "group" ? `/api/groups/${chat.id}/messages`
    : `/api/private/${state.me}/${chat.id}/messages`;
  const known = older ? state.messages.get(key) || [] : [];
  const params = new URLSearchParams({ limit: String(limit) });
  if (known.length) params.set("before", String(known[0].seq));
  const page = await get(`${path}?${params}`);
  page.messages.forEach(learnSender);
  rememberReactions(page.reactions);
  state.messages.set(key, [...page.messages, ...known]);
  state.notices.set(key, [...page.notices, ...(older ? state.notices.get(key) || [] : [])]);
  state.older.set(key, page.more);
  return page.messages;
}

// The newest messages of the first chats, for the list's previews.
export async function loadAllChats() {
  const missing = myChats().slice(0, PREVIEWED).filter((c) => !state.messages.has(c.key));
  await Promise.all(missing.map((chat) => loadChat(chat, { limit: 20 })));
  renderChatList();
}

// Open a chat; `reveal` (a person chose it) also brings it in front on a narrow screen,
// where the list and the chat take turns.
export async function openChat(chat, { reveal = true } = {}) {
  state.current = { type: chat.type, id: chat.id };
  resetReply();
  const key = currentKey();
  state.unread.delete(key);
  if (reveal) document.getElementById("view-chat")?.classList.add("chat-open");
  // Only a preview (the list's few newest) loaded so far: read a whole page.
  const known = state.messages.get(key);
  if (!known || (state.older.get(key) && known.length < PAGE)) await loadChat(chat);
  renderChatList();
  renderChat();
  emit("chat-opened", chat);
}

// -- the open chat ---------------------------------------------------------------

export function renderChat() {
  const pane = document.getElementById("chat-pane");
  const chat = state.current;
  if (!chat) {
    pane.replaceChildren(el("div", { class: "empty" }, "Pick a chat on the left."));
    renderMembers(null);
    return;
  }
  pane.replaceChildren(chatHeader(chat), messageList(chat), composer(chat));
  scrollToBottom(true);
  renderMembers(chat.type === "group" ? chat.id : null, { mention: insertMention, chatWith });
}

const headButton = (name, label, title, onclick, extra = "") =>
  el("button", { class: `ghost${extra}`, title, onclick }, icon(name), el("span", { class: "label" }, label));

function backButton() {
  return el("button", { class: "ghost icon back", title: "Back to the chats", "aria-label": "Back to the chats",
    "data-testid": "back", onclick: () => document.getElementById("view-chat").classList.remove("chat-open") },
  icon("back"));
}

function chatHeader(chat) {
  if (chat.type === "private") {
    const account = state.accounts.get(chat.id);
    const friend = state.friends.has(chat.id);
    return el("header", { class: "chat-head" }, backButton(),
      el("div", { class: "chat-title" }, el("h2", { "data-testid": "chat-title" }, nameOf(chat.id)),
        el("small", {}, `${chat.id}${account?.is_bot ? " · bot account" : ""}`
          + (friend ? " · friend" : " · not a friend (temp chat via a shared group)"))),
      el("div", { class: "head-tools" },
        headButton("poke", "Poke", "Poke them", () => act("poke", { user_id: chat.id })),
        account?.is_bot && !friend ? headButton("invite", "Add friend", "Send a friend request", () => askFriend(chat.id)) : null));
  }
  const group = state.groups.get(chat.id) || { group_id: chat.id, name: String(chat.id), member_count: 0 };
  const me = group.me;
  return el("header", { class: "chat-head" }, backButton(),
    el("div", { class: "chat-title" }, el("h2", { "data-testid": "chat-title" }, group.name),
      el("small", {}, `${group.group_id} · ${group.member_count} members`
        + (group.whole_mute ? " · 全员禁言" : "") + (me && isMuted(me) ? " · you are muted" : ""))),
    el("div", { class: "head-tools" },
      headButton(group.whole_mute ? "sound" : "mute", group.whole_mute ? "Unmute all" : "Mute all",
        "Whole-group mute (admins)", () => act("mute_all", { group_id: chat.id, enable: !group.whole_mute })),
      headButton("people", "Members", "Show or hide the members", () =>
        document.getElementById("view-chat").classList.toggle("members-open"), " members-toggle"),
      headButton("invite", "Invite bot", "Invite a bot into this group", () => inviteBot(chat.id)),
      headButton("edit", "Rename", "Rename the group", () => renameGroup(group)),
      headButton("kick", "Leave", "Leave the group", () => act("leave", { group_id: chat.id }), " danger")));
}

// Messages by sequence, each notice right after the message it followed.
function chatItems(key) {
  const items = [...(state.messages.get(key) || []).map((m) => ({ seq: m.seq, order: 0, message: m })),
    ...(state.notices.get(key) || []).map((n, i) => ({ seq: n.after_seq, order: 1 + i, notice: n }))];
  return items.sort((a, b) => a.seq - b.seq || a.order - b.order);
}

function messageList(chat) {
  const key = currentKey();
  const box = el("div", { id: "messages", class: "messages", "data-testid": "messages" });
  fillMessages(box, chat, key);
  box.addEventListener("scroll", () => { if (box.scrollTop < 80 && state.older.get(key)) background(loadOlder(chat)); });
  return box;
}

function fillMessages(box, chat, key) {
  const items = chatItems(key);
  box.replaceChildren(
    state.older.get(key) ? el("button", { class: "ghost older", "data-testid": "older",
      onclick: () => background(loadOlder(chat)) }, "Older messages") : null,
    ...items.map((item) => (item.message ? bubble(item.message, chat) : tipLine(item.notice))));
  if (!items.length) box.append(el("div", { class: "empty" }, "No messages yet. Say something!"));
}

let loadingOlder = null;

async function loadOlder(chat) {
  if (loadingOlder) return loadingOlder;
  const key = currentKey();
  loadingOlder = loadChat(chat, { older: true }).then(() => {
    const box = document.getElementById("messages");
    if (!box || currentKey() !== key) return;
    const fromBottom = box.scrollHeight - box.scrollTop;
    fillMessages(box, chat, key);
    box.scrollTop = box.scrollHeight - fromBottom;  // stay where the reader was
  }).finally(() => { loadingOlder = null; });
  return loadingOlder;
}

function tipLine(notice) {
  return el("div", { class: "tip", "data-testid": "tip", "data-after-seq": notice.after_seq }, noticeText(notice));
}

function scrollToBottom(force = false) {
  const box = document.getElementById("messages");
  if (!box) return;
  const near = box.scrollHeight - box.scrollTop - box.clientHeight < 160;
  if (force || near) box.scrollTop = box.scrollHeight;
}

function chatWith(userId) {
  openChat({ type: "private", id: userId, key: privateKey(state.me, userId) });
}

// -- live updates --------------------------------------------------------------------

// A message from the stream or from our own send (the stream may bring it again).
export function receive(message) {
  const key = keyOfMessage(message);
  const isNew = putMessage(message);
  const open = currentKey() === key;
  if (isNew && !open && message.sender_id !== state.me && !message.recalled) {
    state.unread.set(key, (state.unread.get(key) || 0) + 1);
  }
  if (open) {
    const box = document.getElementById("messages");
    const old = box?.querySelector(`.msg[data-message-id="${message.message_id}"]`);
    if (old) old.replaceWith(bubble(message, state.current));
    else if (box) {
      box.querySelector(".empty")?.remove();
      box.append(bubble(message, state.current));
      scrollToBottom(message.sender_id === state.me);
    }
  }
  renderChatList();
}

// A notice from the stream: after the newest message of its chat (if that chat is loaded;
// otherwise it comes with the chat's history when opened).
export function addNotice(key, notice) {
  const messages = state.messages.get(key);
  if (!messages) return;
  const placed = { ...notice, after_seq: messages.length ? messages[messages.length - 1].seq : 0 };
  if (!state.notices.has(key)) state.notices.set(key, []);
  state.notices.get(key).push(placed);
  if (currentKey() === key) {
    const box = document.getElementById("messages");
    box?.querySelector(".empty")?.remove();
    box?.append(tipLine(placed));
    scrollToBottom();
  }
}

on("sent", (message) => receive(message));

on("world", () => {
  if (!state.me) return;
  renderChatList();
  if (state.current) {
    // Keep the typed text and scroll position across a re-render of the open chat.
    const input = document.getElementById("composer-input");
    const draft = input?.value || "";
    const box = document.getElementById("messages");
    const scroll = box ? box.scrollTop : 0;
    renderChat();
    const fresh = document.getElementById("composer-input");
    if (fresh) fresh.value = draft;
    const freshBox = document.getElementById("messages");
    if (freshBox && box) freshBox.scrollTop = scroll;
  }
});
