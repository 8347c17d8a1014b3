// The chat view: the list of chats with unread counts, the open chat's bubbles and
// the composer. Everything is said as state.me, through the control API.

import { get, post } from "./api.js";
import { act, say } from "./acts.js";
import { renderMembers, memberBadges, isMuted } from "./members.js";
import { FACES, PICKER_FACES, faceChip, faceLabel, renderSegments, summary, segmentsMention } from "./segments.js";
import {
  bots, currentKey, emit, groupKey, keyOfMessage, nameOf, on, privateKey,
  putMessage, state,
} from "./store.js";
import { avatar, clock, clear, dialog, el, readFileBase64, toast } from "./ui.js";

const tips = new Map();           // chat key -> [{ time, text }] (notices seen live)
const reactions = new Map();      // message_id -> [{ emoji_id, count, user_ids }]
let replyTo = null;               // the message the next send quotes

// -- the chat list -------------------------------------------------------------

export function myChats() {
  const me = state.me;
  const groups = [...state.groups.values()]
    .filter((g) => g.members.has(me))
    .map((g) => ({ type: "group", id: g.group_id, key: groupKey(g.group_id), name: g.name }));
  const peers = new Set([...bots().map((b) => b.user_id), ...(state.friends.get(me) || [])]);
  peers.delete(me);
  const privates = [...peers]
    .filter((id) => state.accounts.has(id))
    .sort((a, b) => Number(state.accounts.get(b).is_bot) - Number(state.accounts.get(a).is_bot) || a - b)
    .map((id) => ({ type: "private", id, key: privateKey(me, id), name: nameOf(id) }));
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
}

function previewOf(message, chat) {
  const text = message.recalled ? "撤回了一条消息" : summary(message.segments);
  if (chat.type !== "group") return text;
  return `${nameOf(message.sender_id, message.group_id)}: ${text}`;
}

export async function loadChat(chat) {
  const key = chat.key || (chat.type === "group" ? groupKey(chat.id) : privateKey(state.me, chat.id));
  const path = chat.type === "group"
    ? `/api/groups/${chat.id}/messages`
    : `/api/private/${state.me}/${chat.id}/messages`;
  const history = await get(path);
  state.messages.set(key, history.messages);
  for (const [id, list] of Object.entries(history.reactions || {})) reactions.set(Number(id), list);
  return history.messages;
}

// Load every chat of the current person once, for previews (worlds here are small).
export async function loadAllChats() {
  await Promise.all(myChats().filter((c) => !state.messages.has(c.key)).map(loadChat));
  renderChatList();
}

export async function openChat(chat) {
  state.current = { type: chat.type, id: chat.id };
  replyTo = null;
  const key = currentKey();
  state.unread.delete(key);
  if (!state.messages.has(key)) await loadChat(chat);
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

function chatHeader(chat) {
  if (chat.type === "private") {
    const account = state.accounts.get(chat.id);
    const friend = state.friends.get(state.me)?.has(chat.id);
    return el("header", { class: "chat-head" },
      el("div", {}, el("h2", { "data-testid": "chat-title" }, nameOf(chat.id)),
        el("small", {}, `${chat.id}${account?.is_bot ? " · bot account" : ""}`
          + (friend ? " · friend" : " · not a friend (temp chat via a shared group)"))),
      el("div", { class: "head-tools" },
        el("button", { class: "ghost", onclick: () => act("poke", { user_id: chat.id }) }, "👉 Poke"),
        account?.is_bot && !friend
          ? el("button", { class: "ghost", onclick: () => askFriend(chat.id) }, "Add friend") : null));
  }
  const group = state.groups.get(chat.id);
  const me = group.members.get(state.me);
  return el("header", { class: "chat-head" },
    el("div", {}, el("h2", { "data-testid": "chat-title" }, group.name),
      el("small", {}, `${group.group_id} · ${group.member_count} members`
        + (group.whole_mute ? " · 全员禁言" : "") + (me && isMuted(me) ? " · you are muted" : ""))),
    el("div", { class: "head-tools" },
      el("button", { class: "ghost", title: "Whole-group mute (admins)",
        onclick: () => act("mute_all", { group_id: chat.id, enable: !group.whole_mute }) },
      group.whole_mute ? "🔊 Unmute all" : "🔇 Mute all"),
      el("button", { class: "ghost", onclick: () => inviteBot(chat.id) }, "Invite bot"),
      el("button", { class: "ghost", onclick: () => renameGroup(group) }, "Rename"),
      el("button", { class: "ghost danger", onclick: () => act("leave", { group_id: chat.id }) }, "Leave")));
}

function messageList(chat) {
  const key = currentKey();
  const box = el("div", { id: "messages", class: "messages", "data-testid": "messages" });
  const items = [...(state.messages.get(key) || []).map((m) => ({ time: m.time, message: m })),
                 ...(tips.get(key) || []).map((t) => ({ time: t.time, tip: t.text }))];
  items.sort((a, b) => a.time - b.time || (a.message ? 0 : 1) - (b.message ? 0 : 1));
  for (const item of items) box.append(item.message ? bubble(item.message, chat) : tipLine(item.tip));
  if (!items.length) box.append(el("div", { class: "empty" }, "No messages yet. Say something!"));
  return box;
}

function tipLine(text) {
  return el("div", { class: "tip", "data-testid": "tip" }, text);
}

function bubble(message, chat) {
  const mine = message.sender_id === state.me;
  const groupId = chat.type === "group" ? chat.id : null;
  const account = state.accounts.get(message.sender_id);
  const member = groupId ? state.groups.get(groupId)?.members.get(message.sender_id) : null;
  const name = member?.card || account?.nickname || message.sender_nickname || String(message.sender_id);
  const ctx = { groupId, me: state.me, onQuote: scrollToMessage };
  const classes = ["msg", mine ? "mine" : "", message.recalled ? "recalled" : "",
    account?.is_bot ? "from-bot" : "", segmentsMention(message.segments, state.me) ? "mentions-me" : ""];
  return el("div", { class: classes.filter(Boolean).join(" "), "data-testid": "message",
                     "data-message-id": message.message_id, "data-sender": message.sender_id },
    avatar(message.sender_id, name),
    el("div", { class: "msg-main" },
      el("div", { class: "msg-head" },
        memberBadges(member, account),
        el("span", { class: "msg-name", "data-testid": "sender-name" }, name),
        el("time", { title: new Date(message.time * 1000).toLocaleString() }, clock(message.time))),
      el("div", { class: "bubble", "data-testid": "bubble" }, renderSegments(message.segments, ctx)),
      reactionRow(message),
      message.recalled ? el("div", { class: "recalled-mark", "data-testid": "recalled" }, "已撤回 · recalled") : null,
      messageTools(message, chat)));
}

function reactionRow(message) {
  const list = reactions.get(message.message_id) || [];
  if (!list.length) return null;
  return el("div", { class: "reactions", "data-testid": "reactions" }, list.map((r) => {
    const mine = r.user_ids.includes(state.me);
    const [name, glyph] = r.emoji_type === "2" ? [r.emoji_id, String.fromCodePoint(Number(r.emoji_id) || 0x2753)]
      : faceLabel(r.emoji_id);
    return el("button", {
      class: `reaction${mine ? " mine" : ""}`, "data-testid": "reaction", "data-emoji": r.emoji_id,
      title: `${name}: ${r.user_ids.map((id) => nameOf(id, message.group_id || null)).join(", ")}`,
      onclick: () => setReaction(message, r.emoji_id, !mine),
    }, `${glyph} ${r.count}`);
  }));
}

async function setReaction(message, emojiId, add) {
  const result = await act("react", { message_id: message.message_id, emoji_id: emojiId, set: add }, { quiet: true });
  if (result) updateReactions(message.message_id, result.reactions);
}

// New reaction totals for a message (from our own act, or the stream via /api/messages).
export function updateReactions(messageId, list) {
  reactions.set(messageId, list);
  const message = state.messages.get(currentKey())?.find((m) => m.message_id === messageId);
  const old = document.querySelector(`.msg[data-message-id="${messageId}"]`);
  if (message && old) old.replaceWith(bubble(message, state.current));
}

export async function refreshReactions(messageId) {
  const found = await get(`/api/messages/${messageId}`).catch(() => null);
  if (found) updateReactions(messageId, found.reactions);
}

function messageTools(message, chat) {
  const tool = (label, title, onclick, testid) =>
    el("button", { class: "tool", title, onclick, "data-testid": testid }, label);
  return el("div", { class: "msg-tools" },
    tool("↩ Reply", "Quote this message", () => startReply(message), "reply"),
    message.recalled ? null : tool("⟲ Recall", "Recall it (as you)", () =>
      act("recall", { message_id: message.message_id }), "recall"),
    tool("☺ React", "React with a face", () => react(message), "react"),
    message.sender_id !== state.me
      ? tool("👉 Poke", "Poke the sender", () => act("poke", chat.type === "group"
        ? { user_id: message.sender_id, group_id: chat.id } : { user_id: message.sender_id }), "poke")
      : null,
    tool("⇄ Frames", "The actions and events behind this message", () =>
      emit("show-traffic", { message_id: message.message_id }), "frames"),
    el("span", { class: "msg-id", title: "message_id" }, `#${message.message_id}`));
}

function scrollToMessage(messageId) {
  const node = document.querySelector(`.msg[data-message-id="${messageId}"]`);
  if (!node) return toast("The quoted message is not in this chat's history", "info");
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  node.classList.add("flash");
  setTimeout(() => node.classList.remove("flash"), 1200);
}

function scrollToBottom(force = false) {
  const box = document.getElementById("messages");
  if (!box) return;
  const near = box.scrollHeight - box.scrollTop - box.clientHeight < 160;
  if (force || near) box.scrollTop = box.scrollHeight;
}

async function react(message) {
  const faces = PICKER_FACES.map((id) => [String(id), `${FACES[id][1]} ${FACES[id][0]} (${id})`]);
  const values = await dialog("React to the message", [
    { name: "emoji_id", label: "Face", options: faces, value: "76" },
    { name: "set", label: "Add (untick to remove)", type: "checkbox", value: true },
  ], { submit: "React" });
  if (values) setReaction(message, values.emoji_id, values.set);
}

// -- composer ----------------------------------------------------------------------

function composer(chat) {
  const input = el("textarea", {
    id: "composer-input", rows: 3, "data-testid": "composer",
    placeholder: `Write as ${nameOf(state.me)} — Enter sends, Shift+Enter for a new line. CQ codes work: [CQ:face,id=14]`,
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(chat, input);
    }
  });
  const imageInput = el("input", { type: "file", accept: "image/*", hidden: true,
    "data-testid": "image-input", onchange: () => sendImage(chat, imageInput) });
  const fileInput = el("input", { type: "file", hidden: true, "data-testid": "file-input",
    onchange: () => sendFile(chat, fileInput) });
  const replyBar = el("div", { id: "reply-bar", class: "reply-bar" });
  const tools = el("div", { class: "composer-tools" },
    el("button", { class: "ghost icon", title: "Faces", onclick: (e) => facePicker(e, input) }, "😊"),
    chat.type === "group"
      ? el("button", { class: "ghost icon", title: "Mention someone", onclick: () => mentionPicker(chat, input) }, "@")
      : null,
    el("button", { class: "ghost icon", title: "Send an image", onclick: () => imageInput.click() }, "🖼"),
    el("button", { class: "ghost icon", title: chat.type === "group" ? "Upload a group file" : "Send a file",
      onclick: () => fileInput.click() }, "📎"),
    imageInput, fileInput,
    el("span", { class: "as" }, "as ", avatar(state.me, nameOf(state.me), "tiny"), ` ${nameOf(state.me)}`));
  const box = el("div", { class: "composer" }, replyBar, tools,
    el("div", { class: "composer-row" }, input,
      el("button", { class: "primary", "data-testid": "send", onclick: () => send(chat, input) }, "Send")));
  setTimeout(() => { renderReplyBar(); input.focus(); });
  return box;
}

function startReply(message) {
  replyTo = message;
  renderReplyBar();
  document.getElementById("composer-input")?.focus();
}

function renderReplyBar() {
  const bar = document.getElementById("reply-bar");
  if (!bar) return;
  bar.replaceChildren();
  if (!replyTo) return;
  bar.append(el("span", {}, "Replying to ", el("b", {}, nameOf(replyTo.sender_id, replyTo.group_id || null)),
    `: ${summary(replyTo.segments).slice(0, 60)}`),
  el("button", { class: "ghost icon", title: "Cancel reply", onclick: () => { replyTo = null; renderReplyBar(); } }, "✕"));
}

async function send(chat, input) {
  const text = input.value;
  if (!text.trim()) return;
  const message = (replyTo ? `[CQ:reply,id=${replyTo.message_id}]` : "") + text;
  input.disabled = true;
  const sent = await say(chat, message);
  input.disabled = false;
  input.focus();
  if (!sent) return;
  input.value = "";
  replyTo = null;
  renderReplyBar();
  receive(sent);
}

async function sendImage(chat, fileInput) {
  const file = fileInput.files[0];
  fileInput.value = "";
  if (!file) return;
  const data = await readFileBase64(file);
  const sent = await say(chat, [{ type: "image", data: { file: `base64://${data}`, name: file.name } }]);
  if (sent) receive(sent);
}

async function sendFile(chat, fileInput) {
  const file = fileInput.files[0];
  fileInput.value = "";
  if (!file) return;
  const data = await readFileBase64(file);
  if (chat.type === "group") {
    try {
      await post(`/api/people/${state.me}/upload`, { group_id: chat.id, name: file.name, data });
      toast(`Uploaded ${file.name} to the group's files`, "ok");
      return;
    } catch (error) {
      if (error.status !== 501) return toast(`Upload failed: ${error.message}`, "error");
      // No group-file service in this qqsim: send it as a file message instead.
    }
  }
  const sent = await say(chat, [{ type: "file", data: { file: `base64://${data}`, name: file.name } }]);
  if (sent) receive(sent);
}

function insertAt(input, text) {
  const start = input.selectionStart ?? input.value.length;
  input.value = input.value.slice(0, start) + text + input.value.slice(input.selectionEnd ?? start);
  input.focus();
  input.selectionStart = input.selectionEnd = start + text.length;
}

function insertMention(userId) {
  const input = document.getElementById("composer-input");
  if (input) insertAt(input, `[CQ:at,qq=${userId}] `);
}

function chatWith(userId) {
  openChat({ type: "private", id: userId, key: privateKey(state.me, userId) });
}

function facePicker(event, input) {
  document.querySelector(".popover")?.remove();
  const pop = el("div", { class: "popover faces", "data-testid": "face-picker" },
    PICKER_FACES.map((id) => el("button", { class: "ghost face-btn", title: `/${FACES[id][0]} (${id})`,
      onclick: () => { insertAt(input, `[CQ:face,id=${id}]`); pop.remove(); } }, faceChip(id))));
  placePopover(pop, event.currentTarget);
}

async function mentionPicker(chat, input) {
  const group = state.groups.get(chat.id);
  const options = [["all", "@全体成员 (everyone)"],
    ...[...group.members.values()].map((m) => [String(m.user_id), `${m.card || m.nickname} (${m.user_id})`])];
  const values = await dialog("Mention", [{ name: "qq", label: "Who", options, value: String(bots()[0]?.user_id || "") }],
    { submit: "Insert" });
  if (values) insertAt(input, `[CQ:at,qq=${values.qq}] `);
}

export function placePopover(pop, anchor) {
  document.body.append(pop);
  const rect = anchor.getBoundingClientRect();
  pop.style.left = `${Math.max(8, Math.min(rect.left, innerWidth - pop.offsetWidth - 8))}px`;
  pop.style.top = `${Math.max(8, rect.top - pop.offsetHeight - 6)}px`;
  const close = (e) => {
    if (!pop.contains(e.target) && e.target !== anchor) { pop.remove(); document.removeEventListener("mousedown", close); }
  };
  setTimeout(() => document.addEventListener("mousedown", close));
}

async function askFriend(botId) {
  const values = await dialog(`Friend request to ${nameOf(botId)}`, [
    { name: "comment", label: "Message", value: "你好，加个好友" }], { submit: "Send request" });
  if (values) act("friend_request", { bot_id: botId, comment: values.comment });
}

async function inviteBot(groupId) {
  const options = bots().map((b) => [String(b.user_id), `${b.nickname} (${b.user_id})`]);
  const values = await dialog("Invite a bot into this group", [
    { name: "bot_id", label: "Bot", options }], { submit: "Invite" });
  if (values) act("invite", { bot_id: Number(values.bot_id), group_id: groupId });
}

async function renameGroup(group) {
  const values = await dialog("Rename the group", [{ name: "name", label: "Name", value: group.name }],
    { submit: "Rename" });
  if (values) act("rename_group", { group_id: group.group_id, name: values.name });
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

export function addTip(key, time, text) {
  if (!tips.has(key)) tips.set(key, []);
  tips.get(key).push({ time, text });
  if (currentKey() === key) {
    document.getElementById("messages")?.append(tipLine(text));
    scrollToBottom();
  }
}

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

