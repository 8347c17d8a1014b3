// The page's state: the world as last read, the open chat, message caches and the
// traffic log. Parts of the page subscribe to named changes with on(name, fn).

export const state = {
  accounts: new Map(),      // user_id -> account
  groups: new Map(),        // group_id -> group, with members: Map(user_id -> member)
  friends: new Map(),       // user_id -> Set of friend ids
  now: 0,
  me: null,                 // the person the page speaks as
  current: null,            // { type: "group" | "private", id }
  messages: new Map(),      // chat key -> messages, oldest first (only chats loaded)
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

export function setWorld(world) {
  state.accounts = new Map(world.accounts.map((a) => [a.user_id, a]));
  state.groups = new Map(world.groups.map((g) => [g.group_id,
    { ...g, members: new Map(g.members.map((m) => [m.user_id, m])) }]));
  state.friends = new Map();
  for (const [a, b] of world.friendships) {
    if (!state.friends.has(a)) state.friends.set(a, new Set());
    if (!state.friends.has(b)) state.friends.set(b, new Set());
    state.friends.get(a).add(b);
    state.friends.get(b).add(a);
  }
  state.now = world.now;
  emit("world");
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

export function people() {
  return [...state.accounts.values()].filter((a) => !a.is_bot);
}

export function bots() {
  return [...state.accounts.values()].filter((a) => a.is_bot);
}

export function nameOf(userId, groupId = null) {
  const member = groupId ? state.groups.get(groupId)?.members.get(userId) : null;
  if (member?.card) return member.card;
  return state.accounts.get(userId)?.nickname || String(userId);
}

// Add or replace a message in its chat's cache; returns true if it was new.
export function putMessage(message) {
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
