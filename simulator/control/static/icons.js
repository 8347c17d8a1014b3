// The console's icons, drawn as inline SVG: they need no emoji or icon font, so they
// look the same on a bare Linux install, in CI's headless browsers and on any phone.
// Each is a few strokes on a 24×24 grid, drawn in the text colour (currentColor).

const SVG = "http://www.w3.org/2000/svg";

// name -> list of [element, attributes]; strokes unless "fill" is given.
const SHAPES = {
  close: [["path", { d: "M6 6l12 12M18 6L6 18" }]],
  poke: [["path", { d: "M4 12h10M10 6l6 6-6 6" }], ["circle", { cx: 19, cy: 12, r: 1.5 }]],
  mute: [["path", { d: "M4 9h4l5-4v14l-5-4H4z" }], ["path", { d: "M16 9l5 6M21 9l-5 6" }]],
  sound: [["path", { d: "M4 9h4l5-4v14l-5-4H4z" }], ["path", { d: "M16 8.5a5 5 0 010 7M18.5 6a8.5 8.5 0 010 12" }]],
  smile: [["circle", { cx: 12, cy: 12, r: 9 }], ["path", { d: "M8 14.5a5 5 0 008 0" }],
    ["circle", { cx: 9, cy: 10, r: 1, fill: true }], ["circle", { cx: 15, cy: 10, r: 1, fill: true }]],
  image: [["rect", { x: 3, y: 5, width: 18, height: 14, rx: 2 }], ["circle", { cx: 9, cy: 10, r: 1.6 }],
    ["path", { d: "M4 18l5-5 4 4 3-3 4 4" }]],
  attach: [["path", { d: "M17 11l-5.5 5.5a3.5 3.5 0 01-5-5L13 5a2.3 2.3 0 013.3 3.3L10 14.6a1.1 1.1 0 01-1.6-1.6L14 7.5" }]],
  reply: [["path", { d: "M10 7L5 12l5 5" }], ["path", { d: "M5 12h9a5 5 0 015 5v1" }]],
  recall: [["path", { d: "M8 5L4 9l4 4" }], ["path", { d: "M4 9h10a6 6 0 010 12h-3" }]],
  frames: [["path", { d: "M4 8h14M14 4l4 4-4 4" }], ["path", { d: "M20 16H6M10 12l-4 4 4 4" }]],
  chat: [["path", { d: "M4 5h16v11H10l-5 4v-4H4z" }]],
  like: [["path", { d: "M7 11v9H4v-9zM7 11l4-7c1.5 0 2.5 1 2 3l-1 3h6.5a1.5 1.5 0 011.5 1.8l-1.4 6.7A2 2 0 0116.6 20H7" }]],
  up: [["path", { d: "M6 14l6-6 6 6" }]],
  down: [["path", { d: "M6 10l6 6 6-6" }]],
  edit: [["path", { d: "M4 20h4L19 9l-4-4L4 16z" }], ["path", { d: "M13 7l4 4" }]],
  tag: [["path", { d: "M3 12V4h8l10 10-8 8z" }], ["circle", { cx: 7.5, cy: 8.5, r: 1.4 }]],
  kick: [["circle", { cx: 12, cy: 12, r: 9 }], ["path", { d: "M5.6 5.6l12.8 12.8" }]],
  file: [["path", { d: "M6 3h8l5 5v13H6z" }], ["path", { d: "M14 3v5h5M9 13h7M9 17h7" }]],
  voice: [["rect", { x: 9, y: 3, width: 6, height: 11, rx: 3 }], ["path", { d: "M5 11a7 7 0 0014 0M12 18v3" }]],
  video: [["rect", { x: 3, y: 6, width: 13, height: 12, rx: 2 }], ["path", { d: "M16 10l5-3v10l-5-3" }]],
  dice: [["rect", { x: 4, y: 4, width: 16, height: 16, rx: 3 }], ["circle", { cx: 9, cy: 9, r: 1.2, fill: true }],
    ["circle", { cx: 15, cy: 15, r: 1.2, fill: true }], ["circle", { cx: 12, cy: 12, r: 1.2, fill: true }]],
  check: [["path", { d: "M5 12l5 5 9-10" }]],
  search: [["circle", { cx: 11, cy: 11, r: 6 }], ["path", { d: "M16 16l4 4" }]],
  back: [["path", { d: "M15 5l-7 7 7 7" }]],
  people: [["circle", { cx: 9, cy: 8, r: 3.5 }], ["path", { d: "M3 20a6 6 0 0112 0M16 5a3.5 3.5 0 010 7M18 14a6 6 0 013 6" }]],
  invite: [["circle", { cx: 10, cy: 8, r: 3.5 }], ["path", { d: "M4 20a6 6 0 0112 0M19 8v6M16 11h6" }]],
  dot: [["circle", { cx: 12, cy: 12, r: 5, fill: true }]],
  ring: [["circle", { cx: 12, cy: 12, r: 5 }]],
};

// An icon as an <svg> element; `label` makes it speak for itself (else it is decoration).
export function icon(name, label = "") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `icon icon-${name}`);
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  } else svg.setAttribute("aria-hidden", "true");
  for (const [tag, attrs] of SHAPES[name] || SHAPES.ring) {
    const shape = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "fill") shape.setAttribute("fill", "currentColor");
      else shape.setAttribute(key, String(value));
    }
    svg.append(shape);
  }
  return svg;
}

// A QQ face drawn as a small round face (the name beside it says which face it is):
// faces are QQ's own images, and an emoji stand-in would need an emoji font.
export function faceIcon() {
  const svg = icon("smile");
  svg.classList.add("face-icon");
  return svg;
}
