// System notices as QQ words them, shown inline in a chat: "李娜 was muted for 60s by 张伟".
// A notice comes with the names of the people in it as they were called when it happened.

import { nameOf } from "./store.js";

const WORDS = {
  MemberJoined: (d, n) => `${n(d.user_id)} joined the group${d.kind === "invite" ? " (invited)" : ""}`,
  MemberLeft: (d, n) => (d.kind === "kick" ? `${n(d.user_id)} was kicked by ${n(d.operator_id)}`
    : d.kind === "disband" ? "The group was disbanded" : `${n(d.user_id)} left the group`),
  MemberMuted: (d, n) => (d.user_id === 0
    ? `${n(d.operator_id)} ${d.duration ? "muted everyone" : "lifted the whole-group mute"}`
    : d.duration ? `${n(d.user_id)} was muted for ${d.duration}s by ${n(d.operator_id)}`
      : `${n(d.user_id)} was unmuted by ${n(d.operator_id)}`),
  AdminChanged: (d, n) => `${n(d.user_id)} ${d.is_admin ? "is now an admin" : "is no longer an admin"}`,
  GroupRenamed: (d, n) => `${n(d.operator_id)} renamed the group to “${d.name}”`,
  TitleChanged: (d, n) => `${n(d.user_id)} got the title “${d.title}”`,
  CardChanged: (d, n) => `${n(d.user_id)}'s card is now “${d.card_new}”`,
  Poked: (d, n) => `${n(d.user_id)} ${d.action || "戳了戳"} ${n(d.target_id)}${d.suffix || ""}`,
  GroupFileUploaded: (d, n) => `${n(d.user_id)} uploaded the file “${d.name}”`,
  EssenceAdded: (d, n) => `${n(d.operator_id)} set a message of ${n(d.sender_id)} as essence`,
};

export function isNotice(type) {
  return type in WORDS;
}

// { type, data, names } -> the line shown.
export function noticeText(notice) {
  const names = notice.names || {};
  const groupId = notice.data.group_id || null;
  return WORDS[notice.type](notice.data, (id) => names[id] || nameOf(id, groupId));
}
