// The world view: add people and groups, join groups, send friend and group requests
// as the current person, and see whether the bot approved them.

import { background, get, post } from "./api.js";
import { act } from "./acts.js";
import { bots, emit, nameOf, on, people, state } from "./store.js";
import { avatar, clear, dateTime, el, toast } from "./ui.js";

const STATE_LABEL = { pending: "pending", approved: "approved ✔", rejected: "rejected ✘" };

export async function loadRequests() {
  state.requests = (await get("/api/requests")).requests;
  renderRequests();
}

function field(label, input) {
  return el("label", { class: "field" }, el("span", {}, label), input);
}

// A select whose options follow the world; keeps the chosen value when refilled.
function dynamicSelect(testid, pairs) {
  const select = el("select", { "data-testid": testid });
  select.refill = () => {
    const chosen = select.value;
    select.replaceChildren(...pairs().map(([v, label]) => el("option", { value: v, text: label })));
    if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  };
  return select;
}

function form(title, testid, fields, submit, onsubmit) {
  const heading = el("h3", {});
  heading.refill = () => { heading.textContent = typeof title === "function" ? title() : title; };
  const node = el("form", { class: "card", "data-testid": testid },
    heading, ...fields, el("button", { class: "primary", type: "submit" }, submit));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    await onsubmit(node);
  });
  return node;
}

const groupPairs = () => [...state.groups.values()].map((g) => [g.group_id, `${g.name} (${g.group_id})`]);
const botPairs = () => bots().map((b) => [b.user_id, `${b.nickname} (${b.user_id})`]);
const asMe = (what) => () => `${what} as ${nameOf(state.me)}`;

// Built once (so typing survives live updates); refreshWorld() updates the dynamic parts.
function buildWorldForms(view) {
  const nickname = el("input", { placeholder: "nickname", required: true, "data-testid": "new-person-name" });
  const groupName = el("input", { placeholder: "group name", required: true, "data-testid": "new-group-name" });
  const joinGroup = dynamicSelect("join-group", groupPairs);
  const joinHow = el("select", { "data-testid": "join-how" },
    el("option", { value: "join", text: "join directly" }),
    el("option", { value: "join_request", text: "ask to join (bot admins decide)" }));
  const joinComment = el("input", { placeholder: "comment (for a request)" });
  const friendBot = dynamicSelect("friend-bot", botPairs);
  const friendComment = el("input", { value: "你好，加个好友", "data-testid": "friend-comment" });
  const inviteBot = dynamicSelect("invite-bot", botPairs);
  const inviteGroup = dynamicSelect("invite-group", groupPairs);
  const owner = el("p", { class: "hint" });
  owner.refill = () => { owner.textContent = `Owner: ${nameOf(state.me)}`; };
  view.append(
    form("Add a person", "add-person", [field("Nickname", nickname)], "Add", async () => {
      const account = await post("/api/people", { nickname: nickname.value }).catch((e) => toast(e.message, "error"));
      if (account) {
        toast(`Added ${account.nickname} (${account.user_id})`, "ok");
        nickname.value = "";
        emit("refresh");
      }
    }),
    form("Create a group", "add-group", [field("Name", groupName), owner], "Create", async () => {
      const group = await post("/api/groups", { name: groupName.value, owner_id: state.me })
        .catch((e) => toast(e.message, "error"));
      if (group) {
        toast(`Created ${group.name} (${group.group_id})`, "ok");
        groupName.value = "";
        emit("refresh");
      }
    }),
    form(asMe("Join a group"), "join-form", [field("Group", joinGroup), field("How", joinHow),
      field("Comment", joinComment)], "Join", async () => {
      const verb = joinHow.value;
      const body = { group_id: Number(joinGroup.value) };
      if (verb === "join_request") body.comment = joinComment.value;
      if (await act(verb, body)) emit(verb === "join" ? "refresh" : "requests");
    }),
    form(asMe("Befriend a bot"), "friend-form", [field("Bot", friendBot), field("Comment", friendComment)],
      "Send friend request", async () => {
        if (await act("friend_request", { bot_id: Number(friendBot.value), comment: friendComment.value })) background(loadRequests());
      }),
    form(asMe("Invite a bot"), "invite-form", [field("Bot", inviteBot), field("Into group", inviteGroup)],
      "Invite", async () => {
        if (await act("invite", { bot_id: Number(inviteBot.value), group_id: Number(inviteGroup.value) })) background(loadRequests());
      }));
}

export function renderWorld() {
  const view = document.getElementById("world-forms");
  if (!view || !state.me) return;
  if (!view.firstChild) buildWorldForms(view);
  for (const node of view.querySelectorAll("select, h3, p")) node.refill?.();
  renderPeople();
  renderRequests();
}

function renderPeople() {
  const box = document.getElementById("people");
  if (!box) return;
  clear(box).append(el("h3", {}, "People"), el("ul", { class: "people-list" }, people().map((p) =>
    el("li", { class: p.user_id === state.me ? "me" : "" },
      avatar(p.user_id, p.nickname, "small"),
      el("span", {}, `${p.nickname} `, el("small", {}, String(p.user_id))),
      p.user_id === state.me ? el("small", { class: "you" }, "you")
        : el("button", { class: "ghost", "data-testid": "become", onclick: () => emit("become", p.user_id) }, "Be them")))));
}

export function renderRequests() {
  const box = document.getElementById("requests");
  if (!box) return;
  const rows = [...state.requests].reverse();
  clear(box).append(el("h3", {}, "Requests and what the bot answered"),
    rows.length ? el("table", { class: "requests", "data-testid": "requests" },
      el("thead", {}, el("tr", {}, ["When", "Kind", "From", "To bot", "Group", "Comment", "State"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((r) => el("tr", { "data-testid": "request-row", "data-flag": r.flag },
        el("td", {}, dateTime(r.time)),
        el("td", {}, r.kind === "friend" ? "friend" : `group ${r.sub_type}`),
        el("td", {}, `${nameOf(r.user_id)} ${r.user_id}`),
        el("td", {}, `${nameOf(r.self_id)} ${r.self_id}`),
        el("td", {}, r.group_id ? String(r.group_id) : ""),
        el("td", {}, r.comment),
        el("td", { class: `state ${r.state}`, "data-testid": "request-state" }, STATE_LABEL[r.state] || r.state)))))
      : el("p", { class: "empty" }, "No requests yet. Send one above; the bot answers with set_friend_add_request / set_group_add_request."));
}

on("world", renderWorld);
on("requests", () => background(loadRequests()));
