// One message as QQ draws it: avatar, name with role badges and title, the bubble,
// reactions under it, a recalled mark, and the tools shown on hover.

import { get } from "./api.js";
import { act } from "./acts.js";
import { startReply } from "./composer.js";
import { icon } from "./icons.js";
import { memberBadges } from "./members.js";
import { FACES, PICKER_FACES, faceName, renderSegments, segmentsMention } from "./segments.js";
import { currentKey, emit, nameOf, state } from "./store.js";
import { avatar, clock, dialog, el, toast } from "./ui.js";

const reactions = new Map();      // message_id -> [{ emoji_id, count, user_ids }]

export function rememberReactions(byId) {
  for (const [id, list] of Object.entries(byId || {})) reactions.set(Number(id), list);
}

// The sender as the open chat shows them: a loaded member, else as the message says.
function senderOf(message, groupId) {
  const account = state.accounts.get(message.sender_id);
  const loaded = groupId ? state.members.get(groupId)?.get(message.sender_id) : null;
  const member = loaded || (groupId ? { role: message.sender_role, title: "" } : null);
  const name = loaded?.card || message.sender_card || account?.nickname || message.sender_nickname
    || String(message.sender_id);
  return { account, member, name, isBot: account?.is_bot || loaded?.is_bot };
}

export function bubble(message, chat) {
  const mine = message.sender_id === state.me;
  const groupId = chat.type === "group" ? chat.id : null;
  const { account, member, name, isBot } = senderOf(message, groupId);
  const ctx = { groupId, me: state.me, onQuote: scrollToMessage };
  const classes = ["msg", mine ? "mine" : "", message.recalled ? "recalled" : "",
    isBot ? "from-bot" : "", segmentsMention(message.segments, state.me) ? "mentions-me" : ""];
  return el("div", { class: classes.filter(Boolean).join(" "), "data-testid": "message",
                     "data-message-id": message.message_id, "data-sender": message.sender_id },
    avatar(message.sender_id, name),
    el("div", { class: "msg-main" },
      el("div", { class: "msg-head" },
        memberBadges(member, account || (isBot ? { is_bot: true } : null)),
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
    // An emoji reaction is the person's own character; a QQ face is drawn, with its name.
    const isEmoji = r.emoji_type === "2";
    const name = isEmoji ? String.fromCodePoint(Number(r.emoji_id) || 0x2753) : faceName(r.emoji_id);
    return el("button", {
      class: `reaction${mine ? " mine" : ""}`, "data-testid": "reaction", "data-emoji": r.emoji_id,
      title: `${name}: ${r.user_ids.map((id) => nameOf(id, message.group_id || null)).join(", ")}`,
      onclick: () => setReaction(message, r.emoji_id, !mine),
    }, isEmoji ? null : icon("smile"), `${name} ${r.count}`);
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
  const tool = (name, label, title, onclick, testid) =>
    el("button", { class: "tool", title, onclick, "data-testid": testid }, icon(name), label);
  return el("div", { class: "msg-tools" },
    tool("reply", "Reply", "Quote this message", () => startReply(message), "reply"),
    message.recalled ? null : tool("recall", "Recall", "Recall it (as you)", () =>
      act("recall", { message_id: message.message_id }), "recall"),
    tool("smile", "React", "React with a face", () => react(message), "react"),
    message.sender_id !== state.me
      ? tool("poke", "Poke", "Poke the sender", () => act("poke", chat.type === "group"
        ? { user_id: message.sender_id, group_id: chat.id } : { user_id: message.sender_id }), "poke")
      : null,
    tool("frames", "Frames", "The actions and events behind this message", () =>
      emit("show-traffic", { message_id: message.message_id }), "frames"),
    el("span", { class: "msg-id", title: "message_id" }, `#${message.message_id}`));
}

export function scrollToMessage(messageId) {
  const node = document.querySelector(`.msg[data-message-id="${messageId}"]`);
  if (!node) return toast("The quoted message is not in the part of the chat shown", "info");
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  node.classList.add("flash");
  setTimeout(() => node.classList.remove("flash"), 1200);
}

async function react(message) {
  const faces = PICKER_FACES.map((id) => [String(id), `${FACES[id]} (${id})`]);
  const values = await dialog("React to the message", [
    { name: "emoji_id", label: "Face", options: faces, value: "76" },
    { name: "set", label: "Add (untick to remove)", type: "checkbox", value: true },
  ], { submit: "React" });
  if (values) setReaction(message, values.emoji_id, values.set);
}
