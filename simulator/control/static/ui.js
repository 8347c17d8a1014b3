// Small DOM helpers shared by every part of the console. Text is always set with
// textContent, never parsed as HTML: messages and names come from bots and people.

import { icon } from "./icons.js";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// A stable colour per QQ number, so a person keeps their colour everywhere.
export function colourOf(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360}deg 55% 52%)`;
}

export function avatar(id, name, size = "") {
  const node = el("span", { class: `avatar ${size}`, title: `${name} (${id})`,
                            "data-testid": "avatar" }, initials(name || String(id)));
  node.style.background = colourOf(id);
  return node;
}

function initials(name) {
  const chars = Array.from(name.trim());
  return chars.length ? chars[0].toUpperCase() : "?";
}

export function clock(seconds) {
  const date = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function dateTime(seconds) {
  const date = new Date(seconds * 1000);
  return `${date.toLocaleDateString()} ${clock(seconds)}`;
}

export function size(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

let toastTimer = null;

export function toast(text, kind = "info") {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.className = "toast"; }, kind === "error" ? 6000 : 3000);
}

// A modal dialog; resolves with the form's values, or null when cancelled.
export function dialog(title, fields, { submit = "OK", body = null } = {}) {
  return new Promise((resolve) => {
    const form = el("form", { class: "dialog-form", method: "dialog" });
    const inputs = {};
    for (const field of fields) {
      let input;
      if (field.options) {
        input = el("select", { name: field.name },
          field.options.map(([value, label]) => el("option", { value, text: label,
            selected: String(value) === String(field.value ?? "") })));
      } else if (field.type === "checkbox") {
        input = el("input", { type: "checkbox", name: field.name, checked: !!field.value });
      } else {
        input = el("input", { name: field.name, type: field.type || "text",
                              value: field.value ?? "", placeholder: field.placeholder || "",
                              required: field.required });
      }
      inputs[field.name] = input;
      form.append(el("label", {}, el("span", { text: field.label }), input));
    }
    if (body) form.append(body);
    const close = (value) => { overlay.remove(); resolve(value); };
    form.append(el("div", { class: "dialog-buttons" },
      el("button", { type: "button", class: "ghost", onclick: () => close(null) }, "Cancel"),
      el("button", { type: "submit", class: "primary", "data-testid": "dialog-submit" }, submit)));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = {};
      for (const [name, input] of Object.entries(inputs)) {
        values[name] = input.type === "checkbox" ? input.checked : input.value;
      }
      close(values);
    });
    const overlay = el("div", { class: "overlay", onclick: (e) => { if (e.target === overlay) close(null); } },
      el("div", { class: "dialog", role: "dialog", "aria-label": title },
        el("h3", { text: title }), form));
    overlay.addEventListener("keydown", (e) => { if (e.key === "Escape") close(null); });
    document.body.append(overlay);
    const first = form.querySelector("input, select");
    if (first) first.focus();
  });
}

// A modal that only shows content (a forward message, an image, JSON).
export function showModal(title, content) {
  const close = () => overlay.remove();
  const overlay = el("div", { class: "overlay", onclick: (e) => { if (e.target === overlay) close(); } },
    el("div", { class: "dialog wide", role: "dialog", "aria-label": title },
      el("div", { class: "dialog-head" }, el("h3", { text: title }),
        el("button", { class: "ghost icon", title: "Close", "aria-label": "Close", onclick: close }, icon("close"))),
      el("div", { class: "dialog-body" }, content)));
  overlay.tabIndex = -1;
  overlay.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
  document.body.append(overlay);
  overlay.focus();
  return close;
}

export function jsonBlock(value) {
  return el("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

export function readFileBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
