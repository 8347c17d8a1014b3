// The world view: add people and groups, join groups, send friend and group requests
// as the current person, and see whether the bot approved them.

import { background, get, post } from "./api.js";
import { act } from "./acts.js";
import { icon } from "./icons.js";
import { fromRoute, pagedList, picker } from "./picker.js";
import { bots, emit, nameOf, on, state } from "./store.js";
import { avatar, clear, dateTime, el, toast } from "./ui.js";

const STATE_LABEL = { pending: "pending", approved: "approved", rejected: "rejected" };
const STATE_ICON = { approved: "check", rejected: "close" };

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

// A group picker searching every group of the world on the server.
function groupPicker(testid) {
  let chosen = null;
  const pick = picker({
    testid, placeholder: "Search groups by name or number",
    fetch: fromRoute("/api/groups", "groups", get),
    label: (g) => `${g.name} (${g.group_id})`, value: (g) => g.group_id,
    onPick: (g) => { chosen = g.group_id; },
  });
  pick.node.value = () => chosen;
  return pick.node;
}

const botPairs = () => bots().map((b) => [b.user_id, `${b.nickname} (${b.user_id})`]);
const asMe = (what) => () => `${what} as ${nameOf(state.me)}`;

// Built once (so typing survives live updates); refreshWorld() updates the dynamic parts.
function buildWorldForms(view) {
  const nickname = el("input", { placeholder: "nickname", required: true, "data-testid": "new-person-name" });
  const groupName = el("input", { placeholder: "group name", required: true, "data-testid": "new-group-name" });
  const joinGroup = groupPicker("join-group");
  const joinHow = el("select", { "data-testid": "join-how" },
    el("option", { value: "join", text: "join directly" }),
    el("option", { value: "join_request", text: "ask to join (bot admins decide)" }));
  const joinComment = el("input", { placeholder: "comment (for a request)" });
  const friendBot = dynamicSelect("friend-bot", botPairs);
  const friendComment = el("input", { value: "你好，加个好友", "data-testid": "friend-comment" });
  const inviteBot = dynamicSelect("invite-bot", botPairs);
  const inviteGroup = groupPicker("invite-group");
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
      if (!joinGroup.value()) return toast("Pick a group first", "error");
      const body = { group_id: joinGroup.value() };
      if (verb === "join_request") body.comment = joinComment.value;
      if (await act(verb, body)) emit(verb === "join" ? "refresh" : "requests");
    }),
    form(asMe("Befriend a bot"), "friend-form", [field("Bot", friendBot), field("Comment", friendComment)],
      "Send friend request", async () => {
        if (await act("friend_request", { bot_id: Number(friendBot.value), comment: friendComment.value })) background(loadRequests());
      }),
    form(asMe("Invite a bot"), "invite-form", [field("Bot", inviteBot), field("Into group", inviteGroup)],
      "Invite", async () => {
        if (!inviteGroup.value()) return toast("Pick a group first", "error");
        if (await act("invite", { bot_id: Number(inviteBot.value), group_id: inviteGroup.value() })) background(loadRequests());
      }));
}

// Fills the World tab; called whenever the world or the person the page speaks as changes
// (so it is filled on the first load too, once that person is known).
export function renderWorld() {
  const view = document.getElementById("world-forms");
  if (!view || !state.me) return;
  if (!view.firstChild) buildWorldForms(view);
  for (const node of view.querySelectorAll("select, h3, p")) node.refill?.();
  renderPeople();
  renderRequests();
}

let peopleList = null;
let peopleShown = "";  // who the list was last filled for: refilled when that changes

// Everyone in the world, a page at a time, searched on the server.
function renderPeople() {
  const box = document.getElementById("people");
  if (!box) return;
  if (!peopleList) {
    peopleList = pagedList({
      testid: "people-list", className: "people-list", empty: "Nobody matches.",
      fetch: fromRoute("/api/people", "people", get, 100),
      render: personRow,
    });
    const search = el("input", { type: "search", placeholder: "Search people by name or number",
                                 "data-testid": "people-search", "aria-label": "Search people" });
    search.addEventListener("input", () => background(peopleList.search(search.value.trim())));
    clear(box).append(el("h3", {}, `People · ${state.counts.people}`), search, peopleList.node);
  } else {
    box.querySelector("h3").textContent = `People · ${state.counts.people}`;
  }
  const shown = `${state.me}:${state.counts.people}`;
  if (shown !== peopleShown) {
    peopleShown = shown;
    background(peopleList.reload());
  }
}

function personRow(p) {
  const me = p.user_id === state.me;
  return el("li", { class: me ? "me" : "", "data-testid": "person", "data-user": p.user_id },
    avatar(p.user_id, p.nickname, "small"),
    el("span", { class: "grow" }, `${p.nickname} `, el("small", {}, String(p.user_id))),
    me ? el("small", { class: "you" }, "you")
      : el("button", { class: "ghost", "data-testid": "become", onclick: () => emit("become", p.user_id) }, "Be them"));
}

export function renderRequests() {
  const box = document.getElementById("requests");
  if (!box) return;
  const rows = [...state.requests].reverse();
  clear(box).append(el("h3", {}, "Requests and what the bot answered"),
    rows.length ? el("div", { class: "requests-box" }, el("table", { class: "requests", "data-testid": "requests" },
      el("thead", {}, el("tr", {}, ["When", "Kind", "From", "To bot", "Group", "Comment", "State"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((r) => el("tr", { "data-testid": "request-row", "data-flag": r.flag },
        el("td", {}, dateTime(r.time)),
        el("td", {}, r.kind === "friend" ? "friend" : `group ${r.sub_type}`),
        el("td", {}, `${nameOf(r.user_id)} ${r.user_id}`),
        el("td", {}, `${nameOf(r.self_id)} ${r.self_id}`),
        el("td", {}, r.group_id ? String(r.group_id) : ""),
        el("td", {}, r.comment),
        el("td", { class: `state ${r.state}`, "data-testid": "request-state" },
          STATE_ICON[r.state] ? icon(STATE_ICON[r.state]) : null, STATE_LABEL[r.state] || r.state))))))
      : el("p", { class: "empty" }, "No requests yet. Send one above; the bot answers with set_friend_add_request / set_group_add_request."));
}

on("world", renderWorld);
on("requests", () => background(loadRequests()));
