// The page's state: what it has read of the world, the open chat, message caches and
// the traffic log. The world may hold 100k people: the page never holds all of them,
// only what it has been shown (bots, the person it speaks as, their groups and friends,
// the members and senders on screen). Parts of the page subscribe with on(name, fn).

export const state = {
  counts: { people: 0, groups: 0 },
  bots: [],                 // bot accounts (few)
  accounts: new Map(),      // user_id -> account, for those the page has seen
  groups: new Map(),        // group_id -> group (with `me`: our membership), our groups
  members: new Map(),       // group_id -> Map(user_id -> member), the pages shown
  friends: new Set(),       // friends of state.me (the first pages)
  now: 0,
  me: null,                 // the person the page speaks as
  current: null,            // { type: "group" | "private", id }
  messages: new Map(),      // chat key -> messages, oldest first (the pages loaded)
  older: new Map(),         // chat key -> true when older messages are left to load
  notices: new Map(),       // chat key -> notices ({ type, data, names, after_seq })
  unread: new Map(),        // chat key -> count of messages not seen
  traffic: [],              // actions and frames, by seq (the newest TRAFFIC_KEEP)
  connections: { connections: [], listeners: [] },
  requests: [],
  live: false,              // the stream is open
};

export const TRAFFIC_KEEP = 5000;
const listeners = new Map();

export function on(name, fn) {
  if (!listeners.has(name)) listeners.set(name, []);
  listeners.get(name).push(fn);
}

export function emit(name, detail) {
  for (const fn of listeners.get(name) || []) fn(detail);
}

// The world's summary (counts, bots, time) from /api/world.
export function setWorld(world) {
  state.counts = { people: world.people, groups: world.groups };
  state.bots = world.bots;
  for (const bot of world.bots) state.accounts.set(bot.user_id, bot);
  state.now = world.now;
}

// What the page knows of the person it speaks as: their groups and friends.
export function setMine(groups, friends, { add = false } = {}) {
  if (!add) {
    state.groups = new Map();
    state.friends = new Set();
  }
  for (const group of groups) state.groups.set(group.group_id, group);
  for (const friend of friends) state.friends.add(friend.user_id);
  for (const friend of friends) state.accounts.set(friend.user_id, friend);
}

export function rememberMembers(groupId, members, { fresh = false } = {}) {
  if (fresh || !state.members.has(groupId)) state.members.set(groupId, new Map());
  const known = state.members.get(groupId);
  for (const member of members) known.set(member.user_id, member);
}

export const groupKey = (groupId) => `g:${groupId}`;
export const privateKey = (a, b) => `p:${Math.min(a, b)}-${Math.max(a, b)}`;

export function keyOfMessage(message) {
  return message.chat_type === "group"
    ? groupKey(message.group_id)
    : privateKey(message.sender_id, message.peer_id);
}

export function currentKey() {
  const chat = state.current;
  if (!chat) return null;
  return chat.type === "group" ? groupKey(chat.id) : privateKey(state.me, chat.id);
}

export function bots() {
  return state.bots;
}

const senders = new Map();  // user_id -> nickname, from messages shown

// The name QQ shows: the group card, else the nickname, else the number.
export function nameOf(userId, groupId = null) {
  const member = groupId ? state.members.get(groupId)?.get(userId) : null;
  if (member?.card) return member.card;
  return member?.nickname || state.accounts.get(userId)?.nickname || senders.get(userId) || String(userId);
}

// Learn a sender's name from a message (its card and role travel with it).
export function learnSender(message) {
  if (message.sender_nickname) senders.set(message.sender_id, message.sender_nickname);
}

// Add or replace a message in its chat's cache; returns true if it was new.
export function putMessage(message) {
  learnSender(message);
  const key = keyOfMessage(message);
  const list = state.messages.get(key);
  if (!list) return true;
  const at = list.findIndex((m) => m.message_id === message.message_id);
  if (at >= 0) {
    list[at] = message;
    return false;
  }
  list.push(message);
  list.sort((a, b) => a.seq - b.seq || a.time - b.time);
  return true;
}

export function findMessage(messageId) {
  for (const list of state.messages.values()) {
    const found = list.find((m) => m.message_id === messageId);
    if (found) return found;
  }
  return null;
}

const seenSeqs = new Set();

// Merge records from a fetch or the stream (both may carry the same one).
export function addTraffic(items) {
  const fresh = items.filter((r) => !seenSeqs.has(r.seq));
  if (!fresh.length) return [];
  for (const r of fresh) seenSeqs.add(r.seq);
  const inOrder = !state.traffic.length || fresh[0].seq > state.traffic[state.traffic.length - 1].seq;
  state.traffic.push(...fresh);
  if (!inOrder || fresh.length > 1) state.traffic.sort((a, b) => a.seq - b.seq);
  if (state.traffic.length > TRAFFIC_KEEP) {
    for (const r of state.traffic.splice(0, state.traffic.length - TRAFFIC_KEEP)) seenSeqs.delete(r.seq);
  }
  return fresh;
}
