// The simulation panel: run a scenario file and watch it play, switch faults on and
// off, advance the world's clock.

import { background, get, post, request } from "./api.js";
import { emit } from "./store.js";
import { clear, dateTime, el, toast } from "./ui.js";

// Faults a developer reaches for most, as switches: on = armed for every occasion
// (probability 1) until switched off.
const PRESETS = [
  { id: "fail-send", label: "Sends fail (retcode 1200, 发送失败)",
    fault: { kind: "fail", action: "send_*", retcode: 1200, message: "发送失败", probability: 1 } },
  { id: "risk-control", label: "Risk control: sends fail but are delivered",
    fault: { kind: "fail_delivered", action: "send_*", probability: 1 } },
  { id: "slow", label: "Every call answers 3 s late", fault: { kind: "delay", seconds: 3, probability: 1 } },
  { id: "silent", label: "Calls are never answered", fault: { kind: "no_reply", probability: 1 } },
  { id: "rate-limit", label: "Rate limit: 5 calls per 60 s",
    fault: { kind: "rate_limit", limit: 5, per: 60 } },
  { id: "duplicate", label: "Events arrive twice", fault: { kind: "duplicate_events", probability: 1 } },
  { id: "heartbeats", label: "Heartbeats stop", fault: { kind: "stop_heartbeats", probability: 1 } },
];
const ONE_OFFS = [
  { label: "Drop the bot's connection once", fault: { kind: "drop_connection" } },
  { label: "Send one malformed frame", fault: { kind: "malformed_frame" } },
  { label: "Fail the next call", fault: { kind: "fail", retcode: 1200, message: "发送失败" } },
];

let faults = { active: [], kinds: [] };
let watching = null;

// -- faults ------------------------------------------------------------------------------

async function loadFaults() {
  faults = await get("/api/faults");
  renderFaults();
}

function presetOf(fault) {
  return PRESETS.find((p) => fault.label === p.id);
}

async function arm(fault) {
  try {
    await post("/api/faults", fault);
    toast("Fault armed", "ok");
  } catch (error) {
    toast(`Fault refused: ${error.message}`, "error");
  }
  await loadFaults();
}

async function disarm(id) {
  await request("DELETE", `/api/faults/${id}`).catch((error) => toast(error.message, "error"));
  await loadFaults();
}

function renderFaults() {
  const box = document.getElementById("faults");
  if (!box) return;
  const switches = PRESETS.map((preset) => {
    const armed = faults.active.find((f) => presetOf(f) === preset);
    const input = el("input", { type: "checkbox", checked: !!armed, "data-testid": `fault-${preset.id}`,
      onchange: () => background(input.checked ? arm({ ...preset.fault, label: preset.id }) : disarm(armed.id)) });
    return el("li", {}, el("label", { class: "switch" }, input, preset.label));
  });
  const kinds = el("select", { name: "kind" }, faults.kinds.map((k) => el("option", { value: k.kind, text: `${k.kind} (${k.level})` })));
  const action = el("input", { name: "action", placeholder: "send_*" });
  const times = el("input", { name: "times", type: "number", min: 1, placeholder: "every time" });
  const window = el("input", { name: "for_seconds", type: "number", min: 1, placeholder: "until disarmed" });
  const labelled = (text, input) => el("label", { class: "field" }, el("span", {}, text), input);
  const custom = el("form", { class: "form-grid", "data-testid": "fault-form", onsubmit: (event) => {
    event.preventDefault();
    const fault = { kind: kinds.value };
    if (action.value) fault.action = action.value;
    if (times.value) fault.times = Number(times.value);
    if (window.value) fault.for_seconds = Number(window.value);
    if (fault.kind === "delay") fault.seconds = 3;
    if (fault.kind === "rate_limit") Object.assign(fault, { limit: 5, per: 60 });
    background(arm(fault));
  } }, labelled("Kind", kinds), labelled("Actions (glob)", action), labelled("Times", times),
  labelled("For seconds (world time)", window),
  el("button", { class: "primary", type: "submit" }, "Arm"));
  clear(box).append(
    el("h3", {}, "Faults"),
    el("p", { class: "hint" }, "Switch a fault on and the bot's next calls or frames take it; off disarms it."),
    el("ul", { class: "list", "data-testid": "fault-switches" }, switches),
    el("div", { class: "button-grid" }, ONE_OFFS.map((o) =>
      el("button", { onclick: () => background(arm(o.fault)) }, o.label))),
    el("h4", {}, "Custom fault"), custom,
    el("h4", {}, `Armed (${faults.active.length})`),
    el("ul", { class: "list", "data-testid": "armed-faults" }, faults.active.length
      ? faults.active.map((f) => el("li", { "data-testid": "armed-fault" },
        el("code", { class: "grow" }, f.describe),
        el("button", { class: "ghost danger", onclick: () => background(disarm(f.id)) }, "Disarm")))
      : el("li", { class: "hint" }, "none")),
  );
}

// -- scenarios ---------------------------------------------------------------------------

async function loadScenarios() {
  const { directory, files, runs } = await get("/api/scenarios");
  const box = document.getElementById("scenarios");
  if (!box) return;
  const pick = el("select", { "data-testid": "scenario-file" }, files.map((f) => el("option", { value: f, text: f })));
  const upload = el("input", { type: "file", accept: ".yaml,.yml", "data-testid": "scenario-upload" });
  const log = el("div", { id: "scenario-log", class: "log", "data-testid": "scenario-log" });
  clear(box).append(
    el("h3", {}, "Scenarios"),
    el("p", { class: "hint" }, `Run a scenario file on this world (it is reset to the scenario's) and watch it `
      + "play in Chat and Inspector."),
    files.length
      ? el("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); background(run({ path: pick.value })); } },
        pick, el("button", { class: "primary", type: "submit", "data-testid": "run-scenario" }, "Run"))
      : el("p", { class: "hint" }, `No scenario files in ${directory}.`),
    el("form", { class: "inline", onsubmit: async (e) => {
      e.preventDefault();
      const file = upload.files[0];
      if (file) background(run({ text: await file.text(), name: file.name }));
    } }, upload, el("button", { type: "submit" }, "Run this file")),
    log);
  const last = runs[runs.length - 1];
  if (last) showRun(last);
}

async function run(body) {
  try {
    const started = await post("/api/scenarios/run", body);
    toast(`Running ${started.name}`, "ok");
    showRun(started);
    watch(started.id);
  } catch (error) {
    toast(`Scenario not started: ${error.message}`, "error");
  }
}

// Follow a run until it ends (its steps come from the run's transcript).
function watch(runId) {
  clearInterval(watching);
  watching = setInterval(() => background(get(`/api/scenarios/runs/${runId}`).then((state) => {
    showRun(state);
    if (state.status !== "running") {
      clearInterval(watching);
      emit("reload");
      toast(state.headline, state.status === "passed" ? "ok" : "error");
    }
  })), 400);
}

function showRun(state) {
  const log = document.getElementById("scenario-log");
  if (!log) return;
  const status = el("div", { "data-testid": "scenario-status", "data-status": state.status,
                             class: state.status === "passed" ? "pass" : state.status === "running" ? "" : "fail" },
  state.headline || `${state.status.toUpperCase()} ${state.name} (${state.seconds.toFixed(1)} s)`);
  log.replaceChildren(status,
    ...state.steps.map((s) => el("div", {}, `step ${s.index}: ${s.step}${s.line ? ` (line ${s.line})` : ""}`)),
    state.message ? el("pre", { class: "json" }, state.message) : "");
}

// -- clock --------------------------------------------------------------------------------

async function renderClock() {
  const box = document.getElementById("clock");
  if (!box) return;
  const { now } = await get("/api/clock");
  // A refresh keeps what was typed (it may land just after the person typed it).
  const typed = box.querySelector("[data-testid=advance-by]")?.value || "10m";
  const input = el("input", { type: "text", value: typed, size: 6, "data-testid": "advance-by",
                              title: "seconds, or 30s / 10m / 2h / 1d" });
  clear(box).append(el("h3", {}, "World clock"),
    el("p", {}, "World time: ", el("b", { "data-testid": "world-time" }, dateTime(now))),
    el("p", { class: "hint" }, "Mute expiry, timestamps, request expiry, heartbeats and timed faults follow it."),
    el("form", { class: "inline", onsubmit: async (event) => {
      event.preventDefault();
      const seconds = parseDuration(input.value);
      if (seconds === null) return toast("Give seconds, or a number with s, m, h or d", "error");
      try {
        await post("/api/clock/advance", { seconds });
        toast(`Advanced the clock by ${input.value}`, "ok");
        emit("refresh");
        background(renderClock());
      } catch (error) {
        toast(error.message, "error");
      }
    } }, "Advance by ", input, el("button", { class: "primary", type: "submit", "data-testid": "advance" }, "Advance")));
}

export function parseDuration(text) {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2]];
}

export function refreshSession() {
  background(Promise.all([renderClock(), loadFaults(), loadScenarios()]));
}

export function setupSession() {
  document.querySelector('[data-tab="session"]').addEventListener("click", refreshSession);
  refreshSession();
}
