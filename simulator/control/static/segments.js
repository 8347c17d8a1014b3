// Rendering message segments as QQ shows them: at-mentions, quoted replies, faces,
// images from qqsim's media store, files, forward messages you can open, cards.

import { get, mediaUrl } from "./api.js";
import { faceIcon, icon } from "./icons.js";
import { el, showModal, size, avatar, clock } from "./ui.js";
import { findMessage, nameOf } from "./store.js";

// QQ's classic faces by id (their names; a face is drawn, see faceChip); others are "表情<id>".
export const FACES = {
  0: "惊讶", 1: "撇嘴", 2: "色", 3: "发呆", 4: "得意",
  5: "流泪", 6: "害羞", 7: "闭嘴", 8: "睡", 9: "大哭",
  10: "尴尬", 11: "发怒", 12: "调皮", 13: "呲牙", 14: "微笑",
  15: "难过", 16: "酷", 18: "抓狂", 19: "吐", 20: "偷笑",
  21: "可爱", 22: "白眼", 23: "傲慢", 24: "饥饿", 25: "困",
  26: "惊恐", 27: "流汗", 28: "憨笑", 29: "悠闲", 30: "奋斗",
  31: "咒骂", 32: "疑问", 33: "嘘", 34: "晕", 35: "折磨",
  36: "衰", 37: "骷髅", 38: "敲打", 39: "再见", 41: "发抖",
  42: "爱情", 43: "跳跳", 46: "猪头", 49: "拥抱", 53: "蛋糕",
  56: "刀", 59: "便便", 60: "咖啡", 63: "玫瑰", 64: "凋谢",
  66: "爱心", 67: "心碎", 69: "礼物", 74: "太阳", 75: "月亮",
  76: "赞", 77: "踩", 78: "握手", 79: "胜利", 85: "飞吻",
  86: "怄火", 89: "西瓜", 96: "冷汗", 97: "擦汗", 98: "抠鼻",
  99: "鼓掌", 100: "糗大了", 101: "坏笑", 102: "左哼哼",
  103: "右哼哼", 104: "哈欠", 105: "鄙视", 106: "委屈",
  107: "快哭了", 108: "阴险", 109: "左亲亲", 110: "吓",
  111: "可怜", 112: "菜刀", 114: "篮球", 116: "示爱",
  118: "抱拳", 119: "勾引", 120: "拳头", 121: "差劲",
  123: "NO", 124: "OK", 144: "喝彩", 146: "爆筋",
  147: "棒棒糖", 169: "手枪", 171: "茶", 172: "眨眼睛",
  173: "泪奔", 174: "无奈", 175: "卖萌", 176: "小纠结",
  177: "喷血", 178: "斜眼笑", 179: "doge", 180: "惊喜",
  181: "骚扰", 182: "笑哭", 183: "我最美", 201: "点赞",
  212: "托腮", 264: "捂脸", 265: "辣眼睛", 266: "哦哟",
  267: "头秃", 268: "问号脸", 269: "暗中观察", 270: "emm",
  271: "吃瓜", 272: "呵呵哒", 273: "我酸了", 277: "汪汪",
  281: "无眼笑", 282: "敬礼", 284: "面无表情", 285: "摸鱼",
  287: "哦", 289: "睁眼", 293: "摸锦鲤", 294: "期待",
  297: "拜谢", 298: "元宝", 299: "牛啊", 305: "右亲亲",
  306: "牛气冲天", 307: "喵喵", 314: "仔细分析", 315: "加油",
  318: "崇拜", 319: "比心", 320: "庆祝", 322: "拒绝",
  323: "嫌弃", 324: "吃糖", 326: "生气", 332: "举牌牌",
  333: "烟花", 337: "花朵脸", 339: "舔屏", 341: "打招呼",
  342: "酸Q", 343: "我方了", 344: "大怨种", 345: "红包多多",
  346: "你真棒棒", 347: "大展宏兔", 392: "龙年快乐", 424: "续标识",
};

// The faces the composer's picker offers.
export const PICKER_FACES = [14, 13, 21, 4, 12, 28, 182, 178, 179, 277, 5, 9, 106, 111, 32, 26,
  27, 96, 264, 268, 269, 271, 285, 99, 76, 124, 79, 78, 118, 66, 63, 53, 144, 319, 320, 333];

export function faceName(id) {
  return FACES[Number(id)] || `表情${id}`;
}

// A face as a chip: a drawn face and QQ's name for it (no emoji font needed).
export function faceChip(id) {
  const name = faceName(id);
  return el("span", { class: "face", title: `[face ${id}] /${name}`, "data-testid": "face" },
    faceIcon(), el("span", { class: "face-name", text: `/${name}` }));
}

// One line of plain text for a message (chat previews, quotes, forward cards).
export function summary(segments) {
  return (segments || []).map((segment) => {
    const data = segment.data || {};
    switch (segment.type) {
      case "text": return data.text;
      case "at": return data.qq === "all" ? "@全体成员 " : `@${nameOf(Number(data.qq))} `;
      case "face": return `[${faceName(data.id)}]`;
      case "image": return data.summary || "[图片]";
      case "record": return "[语音]";
      case "video": return "[视频]";
      case "file": return `[文件] ${data.file || ""}`;
      case "forward": return "[聊天记录]";
      case "reply": return "";
      case "json": return cardPrompt(data.data) || "[卡片消息]";
      case "dice": return "[骰子]";
      case "rps": return "[猜拳]";
      case "markdown": return "[Markdown]";
      default: return `[${segment.type}]`;
    }
  }).join("").trim();
}

function cardPrompt(raw) {
  try {
    return JSON.parse(raw).prompt || "";
  } catch {
    return "";
  }
}

// The DOM for a message's segments; ctx = { groupId, me, onQuote(messageId) }.
export function renderSegments(segments, ctx = {}) {
  const parts = [];
  for (const segment of segments || []) {
    const render = RENDERERS[segment.type] || unknownSegment;
    parts.push(render(segment.data || {}, ctx, segment));
  }
  return parts;
}

const RENDERERS = {
  text: (data) => el("span", { class: "text" }, data.text),
  at: (data, ctx) => {
    const target = data.qq === "all" ? "全体成员" : nameOf(Number(data.qq), ctx.groupId);
    const mine = data.qq === "all" || Number(data.qq) === ctx.me;
    return el("span", { class: `at${mine ? " me" : ""}`, title: `[at ${data.qq}]`,
                        "data-testid": "at" }, `@${target} `);
  },
  face: (data) => faceChip(data.id),
  reply: (data, ctx) => quote(Number(data.id), ctx),
  image: (data) => image(data),
  record: (data) => mediaChip("voice", "语音", data.file, data.file_size),
  video: (data) => mediaChip("video", "视频", data.file, data.file_size),
  file: (data) => fileCard(data),
  forward: (data, ctx) => forwardCard(data.id, ctx),
  json: (data) => arkCard(data.data),
  dice: (data) => el("span", { class: "chip" }, icon("dice"), ` 骰子 ${data.result ?? ""}`),
  rps: (data) => el("span", { class: "chip" }, `猜拳 ${["", "石头", "剪刀", "布"][Number(data.result)] || ""}`),
  markdown: (data) => el("pre", { class: "markdown" }, data.content || ""),
  poke: () => el("span", { class: "chip" }, icon("poke"), " 戳一戳"),
};

function unknownSegment(data, ctx, segment) {
  return el("span", { class: "chip", title: JSON.stringify(data) }, `[${segment.type}]`);
}

function quote(messageId, ctx) {
  const box = el("div", { class: "quote", "data-testid": "quote", title: "Show the quoted message",
                          onclick: () => ctx.onQuote && ctx.onQuote(messageId) });
  const fill = (message) => {
    box.replaceChildren(
      el("span", { class: "quote-name" }, nameOf(message.sender_id, message.group_id || null)),
      el("span", { class: "quote-text" },
        message.recalled ? "(已撤回)" : summary(message.segments) || "…"));
  };
  const known = findMessage(messageId);
  if (known) fill(known);
  else {
    box.textContent = "…";
    get(`/api/messages/${messageId}`).then((found) => fill(found.message))
      .catch(() => { box.textContent = "(原消息不存在)"; });
  }
  return box;
}

function stored(data) {
  return data.file && Number(data.file_size) > 0 && !/^https?:/.test(data.file);
}

function image(data) {
  if (!stored(data)) {
    // A remote URL qqsim never fetched: show where it points, do not load it.
    return el("span", { class: "chip", title: data.url || data.file },
      icon("image"), ` ${data.summary || "图片"}`, el("small", {}, " (remote, not fetched)"));
  }
  const src = mediaUrl(data.file);
  return el("img", { class: "image", src, alt: data.summary || "[图片]", loading: "lazy",
                     "data-testid": "image",
                     onclick: () => showModal("图片", el("img", { class: "full", src })) });
}

function mediaChip(kind, label, file, fileSize) {
  return el("a", { class: "chip", href: mediaUrl(file, file), download: file },
    icon(kind), ` ${label} ${size(fileSize)}`);
}

function fileCard(data) {
  const name = data.file || "file";
  return el("a", { class: "file-card", href: mediaUrl(data.file_id || name, name),
                   download: name, "data-testid": "file" },
    el("span", { class: "file-icon" }, icon("file")),
    el("span", { class: "file-meta" }, el("b", {}, name), el("small", {}, size(data.file_size))));
}

function forwardCard(forwardId, ctx) {
  return el("button", { class: "forward-card", "data-testid": "forward",
                        onclick: () => openForward(forwardId, ctx) },
    el("b", {}, "聊天记录"), el("small", {}, "Open the forwarded messages"));
}

export async function openForward(forwardId, ctx = {}) {
  const { nodes } = await get(`/api/forwards/${encodeURIComponent(forwardId)}`);
  const list = el("div", { class: "forward-list", "data-testid": "forward-nodes" },
    nodes.map((node) => el("div", { class: "node" },
      avatar(node.user_id, node.nickname, "small"),
      el("div", {},
        el("div", { class: "node-head" }, el("b", {}, node.nickname), " ",
          el("small", {}, clock(node.time))),
        el("div", { class: "node-body" }, renderSegments(node.segments, ctx))))));
  showModal(`聊天记录 (${nodes.length})`, list);
}

function arkCard(raw) {
  let ark = null;
  try { ark = JSON.parse(raw); } catch { /* not JSON: show the text */ }
  if (!ark) return el("span", { class: "chip" }, "[卡片消息]");
  const meta = Object.values(ark.meta || {})[0] || {};
  return el("div", { class: "ark-card", title: raw },
    el("b", {}, meta.title || meta.nickname || ark.prompt || "卡片消息"),
    el("small", {}, meta.desc || meta.contact || meta.tag || ark.app || ""));
}

export function segmentsMention(segments, userId) {
  return (segments || []).some((s) => s.type === "at" && (s.data.qq === "all" || Number(s.data.qq) === userId));
}

