// Acting on the world as the person the page speaks as (or as someone else).

import { post } from "./api.js";
import { state } from "./store.js";
import { toast } from "./ui.js";

// POST /api/people/<uid>/<verb>; refusals (QQ's rules) show as a toast and return null.
export async function act(verb, body, { as = state.me, quiet = false } = {}) {
  try {
    const result = await post(`/api/people/${as}/${verb}`, body);
    if (!quiet) toast(DONE[verb] || "Done", "ok");
    return result;
  } catch (error) {
    toast(`${verb}: ${error.message}`, "error");
    return null;
  }
}

export async function say(chat, message, { as = state.me } = {}) {
  const target = chat.type === "group" ? { group_id: chat.id } : { user_id: chat.id };
  try {
    return await post(`/api/people/${as}/messages`, { ...target, message });
  } catch (error) {
    toast(`Not sent: ${error.message}`, "error");
    return null;
  }
}

const DONE = {
  recall: "Recalled", join: "Joined the group", leave: "Left the group", kick: "Kicked",
  mute: "Mute set", mute_all: "Whole-group mute set", set_admin: "Admin changed",
  set_card: "Card changed", set_title: "Title changed", rename_group: "Group renamed",
  like: "Liked", friend_request: "Friend request sent", join_request: "Join request sent",
  invite: "Invitation sent", poke: "Poked", react: "Reacted", upload: "File uploaded",
};
