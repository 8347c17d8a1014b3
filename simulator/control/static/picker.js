// Lists that come from the control API a page at a time: a search as you type asks the
// server (never filters a world-sized list here), and the next page is asked for when
// the end of the list scrolls into view. pagedList is a list; picker is a search box
// whose results drop down under it (the identity picker, group pickers...).

import { background } from "./api.js";
import { el } from "./ui.js";

const TYPING_PAUSE_MS = 120;

// fetch(query, cursor) -> { items, next } (next: a cursor, or null at the end; the first
// cursor is 0); render(item) -> an <li>. Returns { node, search(query), reload() }.
export function pagedList({ fetch, render, testid, empty = "Nothing found.", className = "" }) {
  const list = el("ul", { class: `paged ${className}`, "data-testid": testid });
  const end = el("li", { class: "paged-end", "aria-hidden": "true" });
  let query = "";
  let cursor = 0;
  let loading = null;
  let generation = 0;
  const watcher = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) background(more());
  });

  function more() {
    if (cursor === null || loading) return loading || Promise.resolve();
    const mine = generation;
    loading = fetch(query, cursor).then(({ items, next }) => {
      if (mine !== generation) return;
      end.before(...items.map(render));
      cursor = next;
      loading = null;
      end.textContent = cursor === null && list.children.length === 1 ? empty : "";
      end.className = `paged-end${end.textContent ? " empty" : ""}`;
      // Still at the end of the view: observe again, which reports where the end is now.
      watcher.unobserve(end);
      if (cursor !== null) watcher.observe(end);
    }, (error) => {
      if (mine === generation) loading = null;
      throw error;
    });
    return loading;
  }

  function search(text) {
    query = text;
    cursor = 0;
    loading = null;
    generation += 1;
    list.replaceChildren(end);
    return more();
  }

  list.append(end);
  return { node: list, search, reload: () => search(query), get query() { return query; } };
}

// A search box with a drop-down of results. label(item) is what the box shows once an
// item is picked; value(item) names it in data-value (tests and keyboards pick by it).
export function picker({ testid, placeholder, fetch, render, label, value, onPick, className = "" }) {
  const input = el("input", { type: "search", class: "picker-input", placeholder, autocomplete: "off",
                              "data-testid": testid, "aria-autocomplete": "list" });
  const pop = el("div", { class: "picker-pop", hidden: true });
  const box = el("div", { class: `picker ${className}` }, input, pop);
  let shown = "";
  let timer = null;
  const choose = (item) => {
    shown = label(item);
    input.value = shown;
    close();
    onPick(item);
  };
  const list = pagedList({
    fetch, testid: `${testid}-options`, className: "picker-list",
    render: (item) => {
      const row = el("li", { class: "picker-option", tabindex: -1, role: "option",
                             "data-testid": `${testid}-option`, "data-value": String(value(item)) },
      render ? render(item) : label(item));
      // mousedown, not click: the input's blur must not close the list first.
      row.addEventListener("mousedown", (event) => { event.preventDefault(); choose(item); });
      row.addEventListener("keydown", (event) => { if (event.key === "Enter") choose(item); });
      return row;
    },
  });
  pop.append(list.node);

  function open() {
    if (!pop.hidden) return;
    pop.hidden = false;
    background(list.search(input.value === shown ? "" : input.value.trim()));
  }
  function close() {
    pop.hidden = true;
    if (input.value !== shown) input.value = shown;
  }
  input.addEventListener("focus", () => { input.select(); open(); });
  input.addEventListener("input", () => {
    pop.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => background(list.search(input.value.trim())), TYPING_PAUSE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { close(); input.blur(); }
    if (event.key === "ArrowDown") { event.preventDefault(); list.node.querySelector(".picker-option")?.focus(); }
    if (event.key === "Enter") {
      event.preventDefault();
      list.node.querySelector(".picker-option")?.dispatchEvent(new MouseEvent("mousedown", { cancelable: true }));
    }
  });
  input.addEventListener("blur", () => setTimeout(() => {
    if (!box.contains(document.activeElement)) close();
  }));
  return {
    node: box,
    input,
    // Show an item as chosen without asking the server (the page already knows it).
    show(item) { shown = item ? label(item) : ""; input.value = shown; },
  };
}

// The usual fetch for a picker or list of one control-API list route.
export function fromRoute(path, key, get, limit = 50) {
  return async (query, cursor) => {
    const params = new URLSearchParams({ offset: String(cursor), limit: String(limit) });
    if (query) params.set("q", query);
    const sep = path.includes("?") ? "&" : "?";
    const page = await get(`${path}${sep}${params}`);
    return { items: page[key], next: page.next };
  };
}
