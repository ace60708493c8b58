// bulkd's dashboard script: live rows, dialogs, upload progress. The pages
// work without it; it only saves reloading and shows progress.
"use strict";

// A session that ended (signed out in another tab, an expired token) makes
// a fragment's request end on the sign-in page: then signedOut reloads the
// page, which goes there and comes back once signed in, instead of showing
// the sign-in page inside itself; its callers wait for nothing more.
function signedOut(r) {
  if (!r.redirected || new URL(r.url).pathname !== "/signin") return false;
  location.reload();
  return true;
}

// Elements with data-refresh are replaced, every second, by what their
// URL answers (the same server-rendered HTML), until they say data-final.
function refresh(el) {
  if (el.hasAttribute("data-final")) return;
  fetch(el.dataset.refresh, { headers: { "Accept": "text/html" } })
    .then((r) => (signedOut(r) ? new Promise(() => {}) : r.ok ? r.text() : Promise.reject(r.status)))
    .then((html) => {
      const tpl = document.createElement("template");
      tpl.innerHTML = html;
      const active = document.activeElement && document.activeElement.id;
      el.replaceChildren(tpl.content);
      if (el.querySelector("[data-final-marker]") || /^(succeeded|partial|failed|skipped|canceled)$/.test((el.querySelector("#job-state") || {}).textContent || "")) {
        el.setAttribute("data-final", "");
      }
      if (active && document.getElementById(active)) document.getElementById(active).focus();
    })
    .catch(() => {})
    .finally(() => setTimeout(() => refresh(el), 1000));
}

// A link or button with data-dialog opens its URL's fragment in the page's
// dialog instead of following it.
function openDialog(url) {
  const dialog = document.getElementById("dialog");
  fetch(url, { headers: { "Accept": "text/html" } })
    .then((r) => (signedOut(r) ? new Promise(() => {}) : r.text()))
    .then((html) => {
      dialog.innerHTML = html;
      wireImport(dialog);
      dialog.showModal();
    });
}

// The Import form sends its file with XMLHttpRequest, whose upload events
// drive the progress bar; Close leaves the upload and the import running.
function wireImport(root) {
  const form = root.querySelector("#import-form");
  if (!form) return;
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const bar = form.querySelector("#upload-progress");
    const status = form.querySelector("#upload-status");
    const submit = form.querySelector("#import-submit");
    const tenant = new URLSearchParams(location.search).get("tenant");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/ui/v1/bulk-operations" + (tenant ? "?tenant=" + encodeURIComponent(tenant) : ""));
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded * 100) / e.total);
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 202) {
        bar.value = 100;
        status.textContent = "Sent: bulk operation " + body.id + " is " + body.status + ". You can close this; it runs on.";
      } else {
        status.textContent = "Refused: " + (body.description || body.message || xhr.status);
        status.className = "error";
        submit.disabled = false;
      }
    });
    xhr.addEventListener("error", () => { status.textContent = "The upload failed: the connection broke."; submit.disabled = false; });
    bar.hidden = false;
    bar.value = 0;
    submit.disabled = true;
    status.textContent = "Uploading…";
    xhr.send(new FormData(form));
  });
}

document.addEventListener("click", (ev) => {
  const el = ev.target.closest("[data-dialog]");
  if (!el || !document.getElementById("dialog")) return;
  ev.preventDefault();
  openDialog(el.dataset.dialog);
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-refresh]").forEach((el) => setTimeout(() => refresh(el), 1000));
  wireImport(document);
});
