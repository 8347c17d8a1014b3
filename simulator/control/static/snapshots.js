// Snapshots and coverage in the "Scenarios · Faults · Clock" tab, over snapshot_routes.py:
// save the world under a name, go back to a saved one, and see what the bots met of the
// OneBot surface so far. Self-contained: it adds its own card and touches no other module.

import { background, get, post } from "./api.js";
import { clear, dateTime, el, toast } from "./ui.js";

async function renderSnapshots(box) {
  const { snapshots } = await get("/api/snapshots");
  const rows = snapshots.map((snap) => el("li", { "data-testid": "snapshot" },
    el("b", {}, snap.name), ` ${dateTime(snap.time)} `,
    el("button", { type: "button", "data-testid": "snapshot-restore", onclick: async () => {
      try {
        await post(`/api/snapshots/${encodeURIComponent(snap.name)}/restore`);
        toast(`Back to snapshot ${snap.name}`, "ok");
        location.reload(); // every view reads the restored world afresh
      } catch (error) {
        toast(error.message, "error");
      }
    } }, "Restore")));
  // Only the list is rebuilt: a refresh (the tab's click, a save) that replaced the form
  // would throw away a name being typed, and a click meant for it would save "start".
  const list = box.querySelector("[data-role=snapshot-list]") ?? snapshotForm(box);
  clear(list).append(rows.length ? el("ul", {}, ...rows)
    : el("p", { class: "hint" }, "None saved yet."));
}

function snapshotForm(box) {
  const name = el("input", { type: "text", value: "start", size: 12, "data-testid": "snapshot-name",
                             title: "letters, digits, _ - ." });
  const list = el("div", { "data-role": "snapshot-list" });
  clear(box).append(el("h3", {}, "Snapshots"),
    el("p", { class: "hint" }, "The whole world: people, groups, history, ids and the clock."),
    el("form", { class: "inline", onsubmit: async (event) => {
      event.preventDefault();
      try {
        await post("/api/snapshots", { name: name.value });
        toast(`Saved snapshot ${name.value}`, "ok");
        background(renderSnapshots(box));
      } catch (error) {
        toast(error.message, "error");
      }
    } }, "Name ", name, el("button", { class: "primary", type: "submit", "data-testid": "snapshot-save" }, "Save")),
    list);
  return list;
}

async function renderCoverage(box) {
  const { report } = await get("/api/coverage");
  const parts = Object.values(report).flatMap((profile) =>
    ["actions", "events", "segments", "faults"].map((part) => el("li", {},
      `${profile.profile} ${part}: ${profile[part].covered}/${profile[part].total}`)));
  clear(box).append(el("h3", {}, "Coverage"),
    el("p", { class: "hint" }, "What the bots called and received since qqsim started, against the profile's surface (GET /api/coverage?format=html for every name)."),
    parts.length ? el("ul", { "data-testid": "coverage" }, ...parts)
      : el("p", { class: "hint" }, "No traffic yet."));
}

function setup() {
  const view = document.getElementById("view-session");
  const tab = document.querySelector('[data-tab="session"]');
  if (!view || !tab) return;
  const snapshots = el("div", { id: "snapshots", class: "card", "data-testid": "snapshots" });
  const coverage = el("div", { id: "coverage", class: "card" });
  view.append(snapshots, coverage);
  const refresh = () => background(Promise.all([renderSnapshots(snapshots), renderCoverage(coverage)]));
  tab.addEventListener("click", refresh);
  refresh();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
else setup();
