/* WageSafe complaint form on a worker's phone: photos shrunk before upload, a draft kept on the
 * phone, and a resend when the network comes back. Plain ES2017, no library, no inline script
 * (the app's CSP is script-src 'self'). With JavaScript off the form posts as a plain HTML form.
 *
 * Why each part:
 * - Photos: a phone photo is 3-8 MB; on a building site's 3G it takes minutes or fails. Images are
 *   decoded (EXIF orientation applied by the browser), drawn on a canvas with the long edge at most
 *   MAX_EDGE and re-encoded as JPEG: the canvas carries no EXIF, so the location goes too. PDFs and
 *   small images go as they are. The server still checks every file by its content.
 * - Draft: the text fields go to localStorage on every change, the photos (already shrunk) to
 *   IndexedDB, keyed by the form's path. A reload, a closed tab or a dropped connection loses
 *   nothing; the receipt deletes the draft; "clear" deletes it on a shared phone.
 * - Sending: XMLHttpRequest (it reports upload progress; fetch does not). A network failure keeps
 *   the draft and sends again on the "online" event (and every few seconds), with the same
 *   submission token, so the server makes one complaint however often it arrives (WeChat's
 *   browser has no Background Sync).
 */
(function () {
  "use strict";
  var MAX_EDGE = 1600, QUALITY = 0.82, SMALL_BYTES = 200 * 1024;
  var PREFIX = "wagesafe-draft:", DRAFT_DAYS = 30;
  var form, key, msgs, input, tokenField, serverToken, status, bar, button;
  var chosen = null;      // the files to send (shrunk) once the worker chose some; null: the input's own
  var sending = false, retryTimer = null, retryDelay = 5000, freshTokenTried = false;

  // The receipt page: a complaint that was on its way has arrived, so its draft goes.
  if (document.querySelector("[data-ws-receipt]")) { forgetSentDrafts(); return; }
  if (!window.FormData || !window.XMLHttpRequest) return;

  /** Bind to the page's form: at load, and again when a form with errors replaces the page. */
  function bind() {
    form = document.querySelector("form[data-ws-draft]");
    if (!form) return false;
    key = PREFIX + (form.getAttribute("data-ws-draft") || location.pathname);
    msgs = form.dataset;
    input = form.querySelector("input[type=file][name=evidence]");
    tokenField = form.querySelector("input[name=submission_token]");
    serverToken = tokenField ? tokenField.value : "";
    status = document.getElementById("ws-send-status");
    bar = document.getElementById("ws-progress");
    button = form.querySelector("button[type=submit]");
    chosen = null;
    return true;
  }

  function say(text, kind) {
    if (!status) return;
    status.hidden = !text;
    status.textContent = text || "";
    status.className = "ws-send-status" + (kind ? " " + kind : "");
  }

  function msg(name, values) {
    var text = msgs[name] || "";
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }

  // ------------------------------------------------------------------ draft: text fields

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "submit" && el.type !== "button" &&
        el.name !== "csrf_token" && el.name !== "website" && el.name !== "held";
    });
  }

  function readDraft() {
    try {
      var d = JSON.parse(localStorage.getItem(key) || "null");
      if (d && d.saved && Date.now() - d.saved > DRAFT_DAYS * 864e5) { localStorage.removeItem(key); return null; }
      return d;
    } catch (e) { return null; }
  }

  function saveDraft(extra) {
    var values = {}, checks = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") checks[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) values[el.name] = el.value; }
      else values[el.name] = el.value;
    });
    var old = readDraft() || {};
    var d = {v: 1, saved: Date.now(), values: values, checks: checks, pending: !!old.pending};
    if (extra) Object.keys(extra).forEach(function (k) { d[k] = extra[k]; });
    try { localStorage.setItem(key, JSON.stringify(d)); } catch (e) { /* storage full or off: nothing to do */ }
  }

  /** Put the draft back into the form; the number of fields it changed. */
  function restoreDraft(d) {
    var changed = 0;
    fields().forEach(function (el) {
      var was = el.type === "checkbox" || el.type === "radio" ? el.checked : el.value;
      if (el.type === "checkbox") { if (el.name in d.checks) el.checked = d.checks[el.name]; }
      else if (el.type === "radio") { if (el.name in d.values) el.checked = (d.values[el.name] === el.value); }
      else if (el.name in d.values && (el.name === "submission_token" || !el.value || el.defaultValue === el.value)) {
        el.value = d.values[el.name];
      }
      if (el.type !== "hidden" && was !== (el.type === "checkbox" || el.type === "radio" ? el.checked : el.value)) changed++;
    });
    return changed;
  }

  var saveSoon = null;
  function onEdit() {
    clearTimeout(saveSoon);
    saveSoon = setTimeout(function () { saveDraft(); }, 250);
  }

  // ------------------------------------------------------------------ draft: photos (IndexedDB)

  function idb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var open = indexedDB.open("wagesafe", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("photos"); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }

  function photos(mode, value) {
    return idb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("photos", mode === "get" ? "readonly" : "readwrite");
        var store = tx.objectStore("photos");
        var req = mode === "get" ? store.get(key) : mode === "put" ? store.put(value, key) : store.delete(key);
        tx.oncomplete = function () { db.close(); resolve(req.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    }).catch(function () { return null; });
  }

  function keepPhotos(files) {
    return photos("put", files.map(function (f) { return {name: f.name, type: f.type, blob: f}; }));
  }

  function setInputFiles(files) {
    try {
      var dt = new DataTransfer();
      files.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
    } catch (e) { /* an old browser: the files still go with the XMLHttpRequest */ }
  }

  // ------------------------------------------------------------------ photos: shrink on the phone

  function decode(file) {
    if (!window.createImageBitmap) return Promise.reject(new Error("no createImageBitmap"));
    return createImageBitmap(file, {imageOrientation: "from-image"}).catch(function () {
      return createImageBitmap(file);
    });
  }

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/i.test(file.type)) return Promise.resolve(file); // PDFs, HEIC: as they are
    return decode(file).then(function (img) {
      var w = img.width, h = img.height, scale = Math.min(1, MAX_EDGE / Math.max(w, h));
      if (scale === 1 && file.size <= SMALL_BYTES) { if (img.close) img.close(); return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // a transparent PNG becomes white, not black, as a JPEG
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      if (img.close) img.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || (scale === 1 && blob.size >= file.size && file.type === "image/png")) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, {type: "image/jpeg", lastModified: Date.now()}));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; }); // cannot decode here: the server takes it as it is
  }

  function onChoose() {
    var picked = Array.prototype.slice.call(input.files || []);
    if (!picked.length) { chosen = null; photos("delete"); return; }
    var before = picked.reduce(function (s, f) { return s + f.size; }, 0);
    say(msg("msgShrinking"), "busy");
    chosen = picked;  // until shrunk, the originals would go
    Promise.all(picked.map(shrink)).then(function (files) {
      chosen = files;
      setInputFiles(files);
      var after = files.reduce(function (s, f) { return s + f.size; }, 0);
      say(after < before ? msg("msgShrunk", {before: kb(before), after: kb(after)}) : "", "");
      return keepPhotos(files);
    });
  }

  function kb(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB"; }

  // ------------------------------------------------------------------ sending

  function body() {
    var data = new FormData(form);
    if (chosen) {
      data.delete("evidence");
      chosen.forEach(function (f) { data.append("evidence", f, f.name); });
    }
    return data;
  }

  function progress(loaded, total) {
    if (!bar) return;
    bar.hidden = false;
    bar.max = total || 1;
    bar.value = loaded;
  }

  function send() {
    if (sending) return;
    sending = true;
    clearTimeout(retryTimer);
    if (button) button.disabled = true;
    saveDraft({pending: true});
    say(msg("msgSending"), "busy");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "text/html");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        progress(e.loaded, e.total);
        say(msg("msgProgress", {pct: Math.floor(100 * e.loaded / e.total)}), "busy");
      }
    };
    xhr.onload = function () {
      sending = false;
      if (xhr.status >= 200 && xhr.status < 300 && /\/receipt\//.test(xhr.responseURL || "")) {
        // The receipt page came with the answer (the 303 was followed): show it in place, at its own
        // address, instead of fetching it once more (another round trip on a slow network).
        var url = xhr.responseURL;
        forget().then(function () {
          try {
            history.replaceState(null, "", url);
            swapIn(xhr.responseText);
          } catch (e) { location.replace(url); }
        });
        return;
      }
      if (xhr.status >= 500 || xhr.status === 0) { offline(); return; }
      if (xhr.status === 400 && !freshTokenTried && !/data-ws-draft/.test(xhr.responseText)) {
        // Refused before the form was read: most likely the page's CSRF token expired while the
        // phone was offline (Flask-WTF: one hour). Take a fresh one from the form and send again.
        freshTokenTried = true;
        refreshCsrf(function (ok) { if (ok) send(); else showRefusal(); });
        return;
      }
      showRefusal();
    };
    xhr.onerror = xhr.ontimeout = function () { sending = false; offline(); };
    xhr.send(body());

    function showRefusal() {
      // The form with errors (or a polite refusal): show the server's page; the draft stays.
      saveDraft({pending: false});
      swapIn(xhr.responseText);
      start();
    }
  }

  /** GET the form again and copy its CSRF token into this one; ``done(ok)``. */
  function refreshCsrf(done) {
    var field = form.querySelector("input[name=csrf_token]");
    var get = new XMLHttpRequest();
    get.open("GET", form.action);
    get.onload = function () {
      var fresh = new DOMParser().parseFromString(get.responseText, "text/html")
        .querySelector("form[data-ws-draft] input[name=csrf_token]");
      if (get.status === 200 && fresh && field) { field.value = fresh.value; done(true); } else { done(false); }
    };
    get.onerror = function () { done(false); };
    get.send();
  }

  /** Put a page the server sent in place of this one (its scripts are this one, already running). */
  function swapIn(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    document.title = page.title;
    document.body.parentNode.replaceChild(document.adoptNode(page.body), document.body);
    window.scrollTo(0, 0);
  }

  function offline() {
    if (button) button.disabled = false;
    if (bar) bar.hidden = true;
    say(msg("msgOffline"), "warn");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { if (navigator.onLine !== false) send(); else offline(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  }

  window.addEventListener("online", function () {
    var d = readDraft();
    if (d && d.pending && !sending) { retryDelay = 5000; send(); }
  });

  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
    return photos("delete");
  }

  // ------------------------------------------------------------------ start

  function start() {
    if (!bind()) return;
    var draft = readDraft();
    var held = form.querySelector("input[name=held]");
    if (draft) {
      var changed = restoreDraft(draft);
      say(draft.pending ? msg("msgPending") : changed ? msg("msgRestored") : "", draft.pending ? "warn" : "");
      if (!held) {
        photos("get").then(function (saved) {
          if (saved && saved.length && !(input.files && input.files.length)) {
            chosen = saved.map(function (p) { return new File([p.blob], p.name, {type: p.type}); });
            setInputFiles(chosen);
          }
        });
      }
    }
    saveDraft();  // keeps this page's submission token from the first keystroke on

    form.addEventListener("input", onEdit);
    form.addEventListener("change", function (e) { if (e.target === input) onChoose(); else onEdit(); });
    form.addEventListener("submit", function (e) { e.preventDefault(); send(); });

    var note = document.getElementById("ws-draft-note");
    if (note) note.hidden = false;
    var clear = document.getElementById("ws-clear");
    if (clear) {
      clear.hidden = false;
      clear.addEventListener("click", clearDraft);
    }
  }

  function clearDraft() {
    forget().then(function () {
      form.reset();
      fields().forEach(function (el) {
        if (el.type === "text" || el.type === "tel" || el.tagName === "TEXTAREA") el.value = "";
      });
      if (tokenField) tokenField.value = serverToken;
      chosen = null;
      setInputFiles([]);
      try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
      say(msg("msgCleared"), "");
    });
  }

  start();

  function forgetSentDrafts() {
    try {
      Object.keys(localStorage).forEach(function (k) {
        if (k.indexOf(PREFIX) !== 0) return;
        var d = JSON.parse(localStorage.getItem(k) || "null");
        if (d && d.pending) {
          localStorage.removeItem(k);
          var name = k;
          if (window.indexedDB) {
            var open = indexedDB.open("wagesafe", 1);
            open.onupgradeneeded = function () { open.result.createObjectStore("photos"); };
            open.onsuccess = function () {
              var db = open.result, tx = db.transaction("photos", "readwrite");
              tx.objectStore("photos").delete(name);
              tx.oncomplete = function () { db.close(); };
            };
          }
        }
      });
    } catch (e) { /* storage off */ }
  }
})();
