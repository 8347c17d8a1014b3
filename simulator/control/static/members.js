// The member panel of a group chat: roles, cards, titles, mutes, and what the
// current person can do to each member (the world decides whether QQ allows it).

import { act } from "./acts.js";
import { state } from "./store.js";
import { avatar, clear, dialog, el } from "./ui.js";

const RANK = { owner: 0, admin: 1, member: 2 };
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
  const group = groupId ? state.groups.get(groupId) : null;
  panel.hidden = !group;
  if (!group) return;
  const members = [...group.members.values()]
    .sort((a, b) => RANK[a.role] - RANK[b.role] || a.user_id - b.user_id);
  panel.append(el("h3", {}, `Members · ${members.length}`),
    el("ul", { class: "member-list" }, members.map((m) => memberRow(group, m, handlers))));
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
    muted ? el("span", { class: "muted", title: "muted" }, "🔇") : null,
    memberBadges(member, account));
}

function memberMenu(anchor, group, member, handlers) {
  document.querySelector(".popover")?.remove();
  const gid = group.group_id;
  const uid = member.user_id;
  const item = (label, fn, testid) => el("button", { class: "menu-item", "data-testid": testid,
    onclick: () => { pop.remove(); fn(); } }, label);
  const isAdmin = member.role === "admin";
  const pop = el("div", { class: "popover menu", "data-testid": "member-menu" },
    el("div", { class: "menu-title" }, `${member.card || member.nickname} · ${uid}`),
    item("@ Mention", () => handlers.mention?.(uid), "menu-mention"),
    uid !== state.me ? item("💬 Private chat", () => handlers.chatWith?.(uid), "menu-chat") : null,
    uid !== state.me ? item("👉 Poke", () => act("poke", { user_id: uid, group_id: gid }), "menu-poke") : null,
    uid !== state.me ? item("👍 Like profile", () => act("like", { user_id: uid }), "menu-like") : null,
    item("🔇 Mute…", () => mute(gid, uid), "menu-mute"),
    isMuted(member) ? item("🔊 Unmute", () => act("mute", { group_id: gid, user_id: uid, duration: 0 }), "menu-unmute") : null,
    item(isAdmin ? "⬇ Remove admin" : "⬆ Make admin",
      () => act("set_admin", { group_id: gid, user_id: uid, enable: !isAdmin }), "menu-admin"),
    item("✎ Set card…", () => setCard(gid, member), "menu-card"),
    item("🏷 Set title…", () => setTitle(gid, member), "menu-title"),
    uid !== state.me ? item("⛔ Kick", () => act("kick", { group_id: gid, user_id: uid }), "menu-kick") : null);
  document.body.append(pop);
  const rect = anchor.getBoundingClientRect();
  pop.style.left = `${Math.max(8, rect.left - pop.offsetWidth - 6)}px`;
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
