// The composer under the open chat: text with CQ codes, faces, mentions, images and
// files, quoted replies; and the chat header's dialogs. Everything is said as state.me.

import { get, post } from "./api.js";
import { act, say } from "./acts.js";
import { icon } from "./icons.js";
import { fromRoute, picker } from "./picker.js";
import { FACES, PICKER_FACES, faceChip, summary } from "./segments.js";
import { bots, emit, nameOf, state } from "./store.js";
import { avatar, dialog, el, readFileBase64, toast } from "./ui.js";

let replyTo = null;               // the message the next send quotes

export function resetReply() {
  replyTo = null;
}

const iconButton = (name, title, onclick, testid) =>
  el("button", { class: "ghost icon", title, "aria-label": title, onclick, "data-testid": testid }, icon(name));

export function composer(chat) {
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
    iconButton("smile", "Faces", (e) => facePicker(e, input), "faces"),
    chat.type === "group"
      ? el("button", { class: "ghost icon at-button", title: "Mention someone", "data-testid": "mention",
        onclick: (e) => mentionPicker(e, chat, input) }, "@")
      : null,
    iconButton("image", "Send an image", () => imageInput.click(), "send-image"),
    iconButton("attach", chat.type === "group" ? "Upload a group file" : "Send a file", () => fileInput.click(), "send-file"),
    imageInput, fileInput,
    el("span", { class: "as" }, "as ", avatar(state.me, nameOf(state.me), "tiny"), ` ${nameOf(state.me)}`));
  const box = el("div", { class: "composer" }, replyBar, tools,
    el("div", { class: "composer-row" }, input,
      el("button", { class: "primary", "data-testid": "send", onclick: () => send(chat, input) }, "Send")));
  setTimeout(() => { renderReplyBar(); input.focus(); });
  return box;
}

export function startReply(message) {
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
  iconButton("close", "Cancel reply", () => { replyTo = null; renderReplyBar(); }));
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
  emit("sent", sent);
}

async function sendImage(chat, fileInput) {
  const file = fileInput.files[0];
  fileInput.value = "";
  if (!file) return;
  const data = await readFileBase64(file);
  const sent = await say(chat, [{ type: "image", data: { file: `base64://${data}`, name: file.name } }]);
  if (sent) emit("sent", sent);
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
  if (sent) emit("sent", sent);
}

function insertAt(input, text) {
  const start = input.selectionStart ?? input.value.length;
  input.value = input.value.slice(0, start) + text + input.value.slice(input.selectionEnd ?? start);
  input.focus();
  input.selectionStart = input.selectionEnd = start + text.length;
}

export function insertMention(userId) {
  const input = document.getElementById("composer-input");
  if (input) insertAt(input, `[CQ:at,qq=${userId}] `);
}

function facePicker(event, input) {
  document.querySelector(".popover")?.remove();
  const pop = el("div", { class: "popover faces", "data-testid": "face-picker" },
    PICKER_FACES.map((id) => el("button", { class: "ghost face-btn", title: `/${FACES[id]} (${id})`,
      onclick: () => { insertAt(input, `[CQ:face,id=${id}]`); pop.remove(); } }, faceChip(id))));
  placePopover(pop, event.currentTarget);
}

// Who to mention: the group's members, searched on the server (a group may hold 3000).
function mentionPicker(event, chat, input) {
  document.querySelector(".popover")?.remove();
  const members = fromRoute(`/api/groups/${chat.id}/members`, "members", get);
  const everyone = { user_id: "all", nickname: "@全体成员 (everyone)", card: "" };
  const pick = picker({
    testid: "mention-picker", placeholder: "Search members by name or number",
    fetch: async (query, cursor) => {
      const page = await members(query, cursor);
      return cursor === 0 && !query ? { ...page, items: [everyone, ...page.items] } : page;
    },
    label: (m) => m.card || m.nickname,
    value: (m) => m.user_id,
    render: (m) => (m.user_id === "all" ? m.nickname : `${m.card || m.nickname} (${m.user_id})`),
    onPick: (m) => { pop.remove(); insertAt(input, `[CQ:at,qq=${m.user_id}] `); },
  });
  const pop = el("div", { class: "popover mention", "data-testid": "mention-popover" }, pick.node);
  placePopover(pop, event.currentTarget);
  pick.input.focus();  // opens the list: place it again, now at its full height
  const rect = event.currentTarget.getBoundingClientRect();
  pop.style.top = `${Math.max(8, rect.top - pop.offsetHeight - 6)}px`;
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

export async function askFriend(botId) {
  const values = await dialog(`Friend request to ${nameOf(botId)}`, [
    { name: "comment", label: "Message", value: "你好，加个好友" }], { submit: "Send request" });
  if (values) act("friend_request", { bot_id: botId, comment: values.comment });
}

export async function inviteBot(groupId) {
  const options = bots().map((b) => [String(b.user_id), `${b.nickname} (${b.user_id})`]);
  const values = await dialog("Invite a bot into this group", [
    { name: "bot_id", label: "Bot", options }], { submit: "Invite" });
  if (values) act("invite", { bot_id: Number(values.bot_id), group_id: groupId });
}

export async function renameGroup(group) {
  const values = await dialog("Rename the group", [{ name: "name", label: "Name", value: group.name }],
    { submit: "Rename" });
  if (values) act("rename_group", { group_id: group.group_id, name: values.name });
}

