// Two self-contained additions to the console, over lab_routes.py:
// * lint: a ⚠ badge beside each call in the inspector that broke a rule real QQ enforces,
//   and the rule, the fact behind it and how to silence it in the call's detail pane;
// * Record: a switch that records what people and the bot do as a scenario, a list of the
//   steps with each expectation's text match (exact / contains / regex) to edit, and Save.
// Both watch the page rather than patch other modules: the inspector's rows and the
// session view are observed, and what they need is fetched when they change.

import { background, get, post, request } from "./api.js";
import { clear, el, toast } from "./ui.js";

// -- lint ----------------------------------------------------------------------------------

const lintsBySeq = new Map();
let lintSince = 0;
let lintTimer = null;

async function loadLints() {
  const data = await get(`/api/lints?since=${lintSince}`);
  if (data.total < lintSince) { lintsBySeq.clear(); lintSince = 0; } // a new qqsim
  for (const lint of data.lints) {
    lintSince = Math.max(lintSince, lint.n);
    if (!lintsBySeq.has(lint.seq)) lintsBySeq.set(lint.seq, []);
    lintsBySeq.get(lint.seq).push(lint);
  }
  decorateRows();
  decorateDetail();
}

function decorateRows() {
  for (const row of document.querySelectorAll("#traffic-rows .traffic-row.action")) {
    const found = lintsBySeq.get(Number(row.dataset.seq));
    if (!found || row.querySelector(".lint-badge")) continue;
    row.append(el("span", {
      class: "badge lint-badge", "data-testid": "lint-badge",
      title: found.map((l) => `${l.rule}: ${l.message}`).join("\n"),
    }, `⚠ ${found.map((l) => l.rule).join(", ")}`));
  }
}

function decorateDetail() {
  const selected = document.querySelector("#traffic-rows .traffic-row.selected");
  const pane = document.getElementById("traffic-detail");
  if (!selected || !pane || pane.querySelector(".lint-detail")) return;
  const found = lintsBySeq.get(Number(selected.dataset.seq));
  if (!found) return;
  pane.prepend(el("div", { class: "lint-detail", "data-testid": "lint-detail" },
    el("h4", {}, "Lint: this would hurt on real QQ"),
    ...found.map((l) => el("div", { class: "lint-item" },
      el("strong", {}, l.rule), ` ${l.message}`,
      el("small", {}, l.summary),
      el("small", {}, `Source: ${l.source}`),
      el("small", {}, `Silence: QQSIM_LINT_IGNORE=${l.rule} or --lint-ignore ${l.rule}`)))));
}

function watchInspector() {
  const rows = document.getElementById("traffic-rows");
  const pane = document.getElementById("traffic-detail");
  if (!rows || !pane) return;
  new MutationObserver(() => {
    decorateRows();
    clearTimeout(lintTimer);
    lintTimer = setTimeout(() => background(loadLints()), 150);
  }).observe(rows, { childList: true });
  new MutationObserver(() => decorateDetail()).observe(pane, { childList: true });
}

// -- recording -------------------------------------------------------------------------------

let recording = { recording: false, steps: [], version: -1 };
let shownVersion = -1;
let pollTimer = null;

async function loadRecording() {
  recording = await get("/api/recording");
  renderRecording();
  clearTimeout(pollTimer);
  // While recording, the steps grow with every act: follow them (the stream does not
  // carry the recording). A second is soon enough for a list a person reads.
  if (recording.recording) pollTimer = setTimeout(() => background(loadRecording()), 1000);
}

async function act(promise, done) {
  try {
    recording = await promise;
    if (done) toast(done, "ok");
  } catch (error) {
    toast(error.message, "error");
  }
  shownVersion = -1;
  await loadRecording();
}

function recordCard() {
  let card = document.getElementById("recorder");
  if (!card) {
    const view = document.getElementById("view-session");
    if (!view) return null;
    card = el("div", { id: "recorder", class: "card recorder", "data-testid": "recorder" });
    view.prepend(card);
  }
  return card;
}

function renderRecording() {
  const card = recordCard();
  if (!card) return;
  // Do not redraw under someone typing in a step's text.
  const typing = card.contains(document.activeElement) && document.activeElement.type === "text";
  if (recording.version === shownVersion || typing) return;
  shownVersion = recording.version;
  clear(card);
  const toggle = el("input", {
    type: "checkbox", "data-testid": "record-switch", checked: recording.recording,
    onchange: (e) => background(act(post(`/api/recording/${e.target.checked ? "start" : "stop"}`),
      e.target.checked ? "Recording" : "Recording stopped")),
  });
  const name = el("input", { type: "text", placeholder: "scenario name", "data-testid": "record-name",
    value: sessionStorage.getItem("qqsim.record.name") || "recorded",
    oninput: (e) => sessionStorage.setItem("qqsim.record.name", e.target.value) });
  card.append(
    el("h3", {}, "Record a scenario"),
    el("label", { class: "check record-toggle" }, toggle, recording.recording ? " Recording…" : " Record"),
    el("p", { class: "hint" }, "What people do becomes steps, what the bot does becomes expectations. "
      + "Start on a fresh world: changes made before recording are not in the file."),
    el("ol", { class: "record-steps", "data-testid": "record-steps" }, ...recording.steps.map(stepRow)),
    el("div", { class: "record-actions" }, name,
      el("button", { type: "button", "data-testid": "record-save", disabled: !recording.steps.length,
        onclick: () => background(save(name.value)) }, "Save"),
      el("button", { type: "button", disabled: !recording.steps.length,
        onclick: () => background(download(name.value)) }, "Download"),
      el("button", { type: "button", disabled: !recording.steps.length,
        onclick: () => background(act(post("/api/recording/clear"))) }, "Clear")),
  );
  if (recording.saved) {
    card.append(el("p", { class: "hint", "data-testid": "record-saved" }, `Saved: ${recording.saved}`));
  }
}

function stepRow(step) {
  const remove = el("button", { type: "button", class: "link", title: "Leave this step out",
    onclick: () => background(act(request("DELETE", `/api/recording/steps/${step.id}`))) }, "✕");
  const row = el("li", { class: "record-step", "data-testid": "record-step", dataset: { kind: step.kind } },
    el("code", {}, step.summary), remove);
  if (step.text_mode) {
    const mode = el("select", { "data-testid": "record-mode",
      onchange: (e) => background(act(request("PATCH", `/api/recording/steps/${step.id}`, { text_mode: e.target.value }))) },
    ...["text", "contains", "regex"].map((m) => el("option", { value: m, selected: m === step.text_mode },
      m === "text" ? "exact" : m)));
    const text = el("input", { type: "text", value: step.text ?? "", "data-testid": "record-text",
      onchange: (e) => { e.target.blur(); background(act(request("PATCH", `/api/recording/steps/${step.id}`, { text: e.target.value }))); } });
    row.append(el("div", { class: "record-match" }, "text ", mode, text));
  }
  return row;
}

async function save(name) {
  await act(post("/api/recording/save", { name: name || "recorded" }), "Scenario saved");
}

async function download(name) {
  const text = await fetch(`/api/recording/yaml?name=${encodeURIComponent(name || "recorded")}`,
    { headers: tokenHeader() }).then((r) => r.text());
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/yaml" })),
    download: `${name || "recorded"}.yaml` });
  link.click();
  URL.revokeObjectURL(link.href);
}

function tokenHeader() {
  const token = sessionStorage.getItem("qqsim.control_token");
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function start() {
  watchInspector();
  background(loadLints());
  background(loadRecording());
  // The session tab may be opened later: refresh the card when it is shown.
  document.querySelector('[data-tab="session"]')?.addEventListener("click", () => background(loadRecording()));
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
