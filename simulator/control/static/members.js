// The member panel of a group chat: roles, cards, titles, mutes, and what the
// current person can do to each member (the world decides whether QQ allows it).
// A group may hold thousands: the panel searches on the server and loads on scroll.

import { background, get } from "./api.js";
import { act } from "./acts.js";
import { icon } from "./icons.js";
import { fromRoute, pagedList } from "./picker.js";
import { rememberMembers, state } from "./store.js";
import { avatar, clear, dialog, el } from "./ui.js";

const ROLE_BADGE = { owner: "群主", admin: "管理员" };
let fetchedAtWall = Date.now() / 1000;
let fetchedAtWorld = 0;

// World time now, moved on by the wall clock since the world was last read.
export function worldNow() {
  if (fetchedAtWorld !== state.now) {
    fetchedAtWorld = state.now;
    fetchedAtWall = Date.now() / 1000;
  }
  return state.now + (Date.now() / 1000 - fetchedAtWall);
}

export function isMuted(member) {
  return member.mute_until > worldNow();
}

export function memberBadges(member, account) {
  return [
    member && ROLE_BADGE[member.role]
      ? el("span", { class: `badge role-${member.role}`, "data-testid": "role" }, ROLE_BADGE[member.role])
      : null,
    member?.title ? el("span", { class: "badge title" }, member.title) : null,
    account?.is_bot ? el("span", { class: "badge bot" }, "BOT") : null,
  ];
}

export function renderMembers(groupId, handlers = {}) {
  const panel = clear(document.getElementById("members"));
  panel.hidden = !groupId;
  if (!groupId) return;
  const group = state.groups.get(groupId) || { group_id: groupId, member_count: "" };
  const fetch = fromRoute(`/api/groups/${groupId}/members`, "members", get, 100);
  const list = pagedList({
    testid: "member-list", className: "member-list", empty: "No member matches.",
    fetch: async (query, cursor) => {
      const page = await fetch(query, cursor);
      rememberMembers(groupId, page.items, { fresh: cursor === 0 && !query });
      return page;
    },
    render: (member) => memberRow(group, member, handlers),
  });
  const search = el("input", { type: "search", class: "member-search", placeholder: "Search members",
                               "data-testid": "member-search", "aria-label": "Search members" });
  search.addEventListener("input", () => background(list.search(search.value.trim())));
  const close = el("button", { class: "ghost icon members-close", title: "Close", "aria-label": "Close the members",
    "data-testid": "members-close",
    onclick: () => document.getElementById("view-chat").classList.remove("members-open") }, icon("close"));
  panel.append(el("h3", { class: "members-head" }, `Members · ${group.member_count}`, close), search, list.node);
  background(list.search(""));
}

function memberRow(group, member, handlers) {
  const account = state.accounts.get(member.user_id);
  const name = member.card || member.nickname;
  const muted = isMuted(member);
  return el("li", { class: "member", "data-testid": "member", "data-user": member.user_id, tabindex: 0,
                    title: `${member.nickname} (${member.user_id})`,
                    onclick: (e) => memberMenu(e.currentTarget, group, member, handlers) },
    avatar(member.user_id, name, "small"),
    el("span", { class: "member-name" }, name, member.user_id === state.me ? el("small", {}, " (you)") : null),
    muted ? el("span", { class: "muted", title: "muted" }, icon("mute", "muted")) : null,
    memberBadges(member, account));
}

function memberMenu(anchor, group, member, handlers) {
  document.querySelector(".popover")?.remove();
  const gid = group.group_id;
  const uid = member.user_id;
  const item = (name, label, fn, testid) => el("button", { class: "menu-item", "data-testid": testid,
    onclick: () => { pop.remove(); fn(); } }, icon(name), label);
  const isAdmin = member.role === "admin";
  const other = uid !== state.me;
  const pop = el("div", { class: "popover menu", "data-testid": "member-menu" },
    el("div", { class: "menu-title" }, `${member.card || member.nickname} · ${uid}`),
    item("chat", "@ Mention", () => handlers.mention?.(uid), "menu-mention"),
    other ? item("chat", "Private chat", () => handlers.chatWith?.(uid), "menu-chat") : null,
    other ? item("poke", "Poke", () => act("poke", { user_id: uid, group_id: gid }), "menu-poke") : null,
    other ? item("like", "Like profile", () => act("like", { user_id: uid }), "menu-like") : null,
    item("mute", "Mute…", () => mute(gid, uid), "menu-mute"),
    isMuted(member) ? item("sound", "Unmute", () => act("mute", { group_id: gid, user_id: uid, duration: 0 }), "menu-unmute") : null,
    item(isAdmin ? "down" : "up", isAdmin ? "Remove admin" : "Make admin",
      () => act("set_admin", { group_id: gid, user_id: uid, enable: !isAdmin }), "menu-admin"),
    item("edit", "Set card…", () => setCard(gid, member), "menu-card"),
    item("tag", "Set title…", () => setTitle(gid, member), "menu-title"),
    other ? item("kick", "Kick", () => act("kick", { group_id: gid, user_id: uid }), "menu-kick") : null);
  document.body.append(pop);
  const rect = anchor.getBoundingClientRect();
  // Beside the member panel on a wide screen; over it (inside the window) on a phone.
  const left = rect.left - pop.offsetWidth - 6;
  pop.style.left = `${Math.max(8, left >= 8 ? left : Math.min(rect.left, innerWidth - pop.offsetWidth - 8))}px`;
  pop.style.top = `${Math.max(8, Math.min(rect.top, innerHeight - pop.offsetHeight - 8))}px`;
  const close = (e) => {
    if (!pop.contains(e.target)) { pop.remove(); document.removeEventListener("mousedown", close); }
  };
  setTimeout(() => document.addEventListener("mousedown", close));
}

async function mute(groupId, userId) {
  const values = await dialog("Mute", [
    { name: "duration", label: "Seconds (0 lifts it)", type: "number", value: "600" }], { submit: "Mute" });
  if (values) act("mute", { group_id: groupId, user_id: userId, duration: Number(values.duration) || 0 });
}

async function setCard(groupId, member) {
  const values = await dialog("Group card", [{ name: "card", label: "Card", value: member.card }],
    { submit: "Set card" });
  if (values) act("set_card", { group_id: groupId, user_id: member.user_id, card: values.card });
}

async function setTitle(groupId, member) {
  const values = await dialog("Special title (owner only)", [{ name: "title", label: "Title", value: member.title }],
    { submit: "Set title" });
  if (values) act("set_title", { group_id: groupId, user_id: member.user_id, title: values.title });
}
