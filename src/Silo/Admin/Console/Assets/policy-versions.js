// The console's policy versions (docs/console.md#policy-versions): the list, a version's changes,
// an editor for one policy's masks and rules (JSON, checked by the gateway exactly like the
// configuration file), Save with a reason, and Rollback. It uses app.js's api(), el() and $().
"use strict";

const versions = { list: null, editing: null, viewing: null };

// Called by app.js's refresh while the Policies page is shown (every 2 seconds): only the list is
// redrawn, never the editor, so what someone is typing stays.
async function refreshPolicyVersions() {
  let listing;
  try {
    listing = await api("/policies/versions");
  } catch (error) {
    if (error.status === 403) { $("policy-versions").hidden = true; return; }
    throw error;
  }
  versions.list = listing;
  $("policy-versions").hidden = false;
  $("policy-versions-inforce").textContent = listing.inForce ? `version ${listing.inForce} in force` : "";
  $("policy-versions-list").replaceChildren(...listing.versions.map((v) => el("tr", { "data-version": v.version },
    el("td", {}, v.version, v.inForce ? " (in force)" : "", v.sealed ? "" : " (not sealed: the gateway did not record it, never in force)"),
    el("td", {}, v.author),
    el("td", {}, new Date(v.at).toLocaleString()),
    el("td", {}, v.reason + (v.restoredFrom ? ` (rollback to ${v.restoredFrom})` : "")),
    el("td", {}, el("button", { type: "button", class: "view-version", onclick: () => viewVersion(v.version) }, "Changes")))));
  const newest = listing.versions[0];
  if (newest && state.me && state.me.policyEditor && (!versions.editors || versions.editors !== newest.version)) {
    versions.editors = newest.version;
    const document = await api(`/policies/versions/${newest.version}`);
    $("policy-edit-buttons").replaceChildren(...document.policies.map((p) =>
      el("button", { type: "button", "data-policy": p.Name, onclick: () => editPolicy(p.Name) }, `Edit ${p.Name}`)));
  }
}

async function viewVersion(number) {
  const shown = await api(`/policies/versions/${number}`);
  versions.viewing = shown.version;
  $("policy-version-title").textContent = `Version ${number} by ${shown.version.author}: ${shown.version.reason}`;
  $("policy-version-changes").replaceChildren(...(shown.changes.length ? shown.changes : ["no change"]).map((c) => el("li", {}, c)));
  $("policy-rollback").hidden = !(state.me && state.me.policyEditor) || shown.version.inForce;
  $("policy-rollback-error").textContent = "";
  $("policy-version-view").hidden = false;
}

async function editPolicy(name) {
  const newest = versions.list.versions[0].version;
  const document = await api(`/policies/versions/${newest}`);
  const policy = document.policies.find((p) => p.Name === name);
  versions.editing = { name, base: newest };
  $("policy-edit-name").textContent = name;
  $("policy-edit-base").textContent = newest;
  $("policy-edit-masks").value = JSON.stringify(policy.Masks || [], null, 2);
  $("policy-edit-rules").value = JSON.stringify(policy.Rules || [], null, 2);
  $("policy-edit-reason").value = "";
  $("policy-edit-error").textContent = "";
  $("policy-edit-form").hidden = false;
}

function parsed(id, label) {
  try {
    return JSON.parse($(id).value);
  } catch (error) {
    throw new Error(`${label}: not JSON (${error.message})`);
  }
}

$("policy-edit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const body = { baseVersion: versions.editing.base, reason: $("policy-edit-reason").value, policy: versions.editing.name,
      masks: parsed("policy-edit-masks", "Masks"), rules: parsed("policy-edit-rules", "Rules") };
    const saved = await api("/policies/versions", { method: "POST", body: JSON.stringify(body) });
    $("policy-edit-form").hidden = true;
    await refresh();
    await viewVersion(saved.version.version);
  } catch (error) {
    // The gateway's problems, one line each, naming the key (or the newest version after a 409).
    $("policy-edit-error").textContent = error.message;
  }
});
$("policy-edit-cancel").addEventListener("click", () => { $("policy-edit-form").hidden = true; });
$("policy-rollback").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const number = versions.viewing.version;
    const saved = await api(`/policies/versions/${number}/rollback`, { method: "POST",
      body: JSON.stringify({ baseVersion: versions.list.versions[0].version, reason: $("policy-rollback-reason").value }) });
    $("policy-rollback-reason").value = "";
    await refresh();
    await viewVersion(saved.version.version);
  } catch (error) {
    $("policy-rollback-error").textContent = error.message;
  }
});
