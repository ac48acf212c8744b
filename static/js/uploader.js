/* Estran — the browser uploader (templates/deposit/_uploader.html), on the upload-session protocol of
   the REST API (README, "Uploads and storage"), called with the signed-in session and its CSRF token.

   For each file: open a session (POST /api/deposits/{id}/uploads, with `part_sha256` where Web
   Crypto hashes the parts: every part carries its checksum, and S3 keeps the object's composite
   checksum), then send its parts straight to the store, four at a time across all files. Each part
   is read with Blob.slice (never the whole file), hashed with SHA-256 (crypto.subtle) and its URL
   signed for that checksum a batch of four ahead (POST /api/uploads/{id}/parts), so that the store
   refuses bytes that do not match; the PUT itself streams the slice from disk. A failed part is
   sent again with exponential backoff (five attempts; a lost connection waits for the network
   instead of using them up). Pause starts no new part and lets the parts in flight finish
   ("Pausing…"), so that nothing sent is thrown away: with four parts of one file in flight,
   aborting them would lose up to four parts' worth of progress (the store keeps whole parts only).
   "Stop now" aborts them at once; they are sent again on resume. Resuming first asks the server
   which parts it holds (GET /api/uploads/{id}), so that a part whose bytes all arrived before it
   was aborted is not sent again. The file's line and the overall bar are computed from the same
   numbers (FileUpload.shownBytes), paused included. Then complete (POST /api/uploads/{id}/complete)
   and follow the file until Estran has verified it (ready, with its SHA-256, or failed, with why);
   a file with the same bytes as another file of the deposit says so (`same_content_as`), without
   being refused.

   Open sessions are remembered in localStorage (upload id, name, size, lastModified): after a reload
   or a crash, choosing the same file again asks the server which parts it holds (GET
   /api/uploads/{id}, `stored_parts`) and sends only the others. Forgotten here (another browser,
   cleared storage), the same file chosen again is resumed by the server itself: opening an upload
   of a name and size whose upload is unfinished answers that session.

   Completion is safe to send again: the server answers a completed upload with its file. So any
   failure of a completion (5xx, 409, no answer) is followed by reading the session again: completed,
   the file is followed to `ready`; still open, the completion is sent again.

   A folder (the "Choose a folder…" picker, or dropped and walked entry by entry) gives each file
   its relative path as its name, the folder chosen as the top one; hidden files in it and empty
   folders are left out, with a note saying how many. Sessions are opened one file after another,
   at most eight files being sent at a time, and parts sent four at a time, whatever the number of
   files.

   bench/upload/client.py does the same in Python. Plain modern JavaScript, no library. */
(function () {
  "use strict";

  const CONCURRENCY = 4; // parts in flight, all files together
  const BATCH = 4; // parts hashed and signed per request, ahead of need
  const ATTEMPTS = 5; // per part (and per API call) before the upload stops, resumable
  const BACKOFF_MS = 1000; // 1 s, 2 s, 4 s, 8 s between attempts (with a little jitter)
  const STALL_MS = 60000; // a part with no progress for this long is sent again
  const POLL_MS = 2000; // while Estran verifies a completed file
  const RETRYABLE = new Set([0, 408, 429, 500, 502, 503, 504]);
  const STORAGE_KEY = "estran:uploads";
  const SESSION_DAYS = 7; // UPLOAD_SESSION_TTL_HOURS' default: older entries are dropped unasked
  const ACTIVE = new Set(["queued", "opening", "uploading", "pausing", "completing"]);
  const IDLE = new Set(["queued", "ready", "failed", "cancelled"]);
  const SENDING = new Set(["opening", "uploading", "completing"]);
  const OPEN_AHEAD = 8; // files with an open session being sent: enough to keep four parts in flight
  const REFRESH_MS = 2000; // the Files step's table, at most this often while files arrive
  const lang = document.documentElement.lang || "en";

  const fmt = (text, values) => String(text).replace(/%\((\w+)\)s/g, (m, key) => (values && key in values ? values[key] : ""));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const backoff = (attempt) => BACKOFF_MS * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
  const hasDigest = !!(window.crypto && window.crypto.subtle && window.isSecureContext);

  // --- Units, in the page's language: as the server's tables (Django's filesizeformat) say them ----

  const UNITS = ["bytes", "kb", "mb", "gb", "tb"]; // the names of their strings in the template
  let S = {}; // the strings, set by the first uploader

  function bytes(n) {
    if (n === 1) return S.oneByte;
    let value = n;
    let i = 0;
    while (value >= 1024 && i < UNITS.length - 1) {
      value /= 1024;
      i += 1;
    }
    const digits = i ? 1 : 0;
    const number = new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
    return fmt(S[UNITS[i]], { n: number });
  }

  function rate(perSecond) {
    return fmt(S.perSecond, { size: bytes(perSecond) });
  }

  function duration(seconds) {
    const [value, unit, digits] = seconds < 90 ? [Math.max(1, Math.ceil(seconds)), "second", 0]
      : seconds < 5400 ? [Math.ceil(seconds / 60), "minute", 0] : [seconds / 3600, "hour", 1];
    return new Intl.NumberFormat(lang, { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: digits }).format(value);
  }

  function percent(done, total) {
    return total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- Sessions remembered in this browser ---------------------------------------------------------

  const remembered = {
    read() {
      try {
        return JSON.parse(localStorage.getItem(STORAGE_KEY)) || {};
      } catch (e) {
        return {};
      }
    },
    write(all) {
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(all));
      } catch (e) { /* private mode or full: resumption after a reload is then not offered */ }
    },
    key(deposit, file, path) {
      return [deposit, path, file.size, file.lastModified].join("|");
    },
    get(key) {
      return this.read()[key] || null;
    },
    put(key, entry) {
      const all = this.read();
      all[key] = Object.assign({ saved: Date.now() }, entry);
      this.write(all);
    },
    remove(key) {
      const all = this.read();
      if (key in all) {
        delete all[key];
        this.write(all);
      }
    },
    of(deposit) {
      const all = this.read();
      const oldest = Date.now() - SESSION_DAYS * 86400000;
      let changed = false;
      const found = [];
      for (const [key, entry] of Object.entries(all)) {
        if (!entry || entry.saved < oldest) {
          delete all[key];
          changed = true;
        } else if (String(entry.deposit) === String(deposit)) {
          found.push(Object.assign({ key }, entry));
        }
      }
      if (changed) this.write(all);
      return found;
    },
  };

  // --- Folders: each file under its path, hidden files and empty folders left out ----------------

  // A path as the browser gives it (webkitRelativePath, or an entry's fullPath, which starts with
  // "/"), in NFC as the server stores it: macOS gives accents decomposed, and the names the server
  // answers (same_content_as) are compared with it. Every other rule is the server's to apply, and
  // a refused path shows the server's message on that file's line.
  function cleanPath(path) {
    return String(path).replace(/^\/+/, "").normalize("NFC");
  }

  // Hidden inside the folder chosen: a .DS_Store, the files of a .git folder. The folder chosen
  // itself (its first segment) was chosen, whatever its name.
  function isHidden(path) {
    return path.split("/").slice(1).some((segment) => segment.startsWith("."));
  }

  // Every entry of a dropped directory: readEntries answers at most 100 at a time, then [] at the end.
  async function entriesOf(dir) {
    const reader = dir.createReader();
    const all = [];
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) return all;
      all.push(...batch);
    }
  }

  // The files under a dropped directory, pushed to `found` as {file, path}; returns how many files it
  // holds, hidden ones included: none makes it an empty folder, counted once by the folder above
  // (an empty folder inside an empty folder is one empty folder to the depositor).
  async function walk(dir, found, skipped) {
    let seen = 0;
    let empty = 0;
    const files = [];
    for (const entry of await entriesOf(dir)) {
      if (entry.isDirectory) {
        const n = await walk(entry, found, skipped);
        if (!n) empty += 1;
        seen += n;
      } else if (entry.isFile) {
        seen += 1;
        const path = cleanPath(entry.fullPath);
        if (isHidden(path)) skipped.hidden += 1;
        else files.push(new Promise((resolve, reject) => entry.file((file) => resolve({ file, path }), reject)));
      }
    }
    found.push(...(await Promise.all(files)));
    if (seen) skipped.empty += empty;
    return seen;
  }

  const byPath = (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

  // --- One file ---------------------------------------------------------------------------------

  class FileUpload {
    constructor(uploader, file, path) {
      this.u = uploader;
      this.file = file;
      this.path = path; // the name sent: the file's own, or its path in a chosen or dropped folder
      this.key = remembered.key(uploader.deposit, file, path);
      this.state = "queued";
      this.session = null; // the API's upload: id, file_id, part_size, part_count, parts, stored_parts
      this.etags = new Map(); // part number -> ETag, stored parts included
      this.pending = []; // part numbers to hash and sign
      this.signed = []; // {number, url, headers} ready to PUT
      this.inflight = new Map(); // part number -> {xhr, loaded, at, why}
      this.attempts = new Map(); // part number -> failed attempts
      this.signing = false;
      this.storedBytes = 0; // on the server before this page sent anything
      this.sentBytes = 0; // by this page, parts finished
      this.samples = [];
      this.message = "";
      this.result = null; // the file as the API answers it, once completed
      this.el = this.render();
    }

    get name() {
      return this.path;
    }

    partLength(n) {
      const size = this.session.part_size;
      return Math.max(0, Math.min(size, this.file.size - (n - 1) * size));
    }

    doneBytes() {
      let flying = 0;
      for (const part of this.inflight.values()) flying += part.loaded;
      return Math.min(this.file.size, this.storedBytes + this.sentBytes + flying);
    }

    // what the file's line shows, and what the overall bar adds up: one number for both
    shownBytes() {
      return this.state === "ready" ? this.file.size : this.doneBytes();
    }

    // the parts the store holds (as GET /api/uploads/{id} lists them) that this page did not know
    // of: kept, and taken out of the line of parts to send. A part the store holds with another
    // length than expected (a different file) is sent again.
    adopt(stored) {
      for (const part of stored || []) {
        const n = part.part_number;
        if (this.etags.has(n) || this.inflight.has(n) || part.size !== this.partLength(n)) continue;
        this.etags.set(n, part.etag);
        this.attempts.delete(n);
        this.storedBytes += part.size;
      }
      this.pending = this.pending.filter((n) => !this.etags.has(n));
      this.signed = this.signed.filter((p) => !this.etags.has(p.number));
    }

    // the bytes this page sent, for the speed (what was stored before does not count)
    movedBytes() {
      return this.doneBytes() - this.storedBytes;
    }

    // --- opening or resuming

    async open() {
      this.setState("opening");
      const entry = remembered.get(this.key);
      let resumed = false;
      if (entry) {
        const answer = await this.u.call("GET", "uploads/" + entry.upload, null, this);
        if (answer.ok && answer.data.state === "open") {
          this.session = answer.data;
          resumed = true;
        } else if (answer.ok && answer.data.state === "completed") {
          this.session = answer.data; // completed while this page was away: follow its file
          return this.followCompleted();
        } else if (answer.status === 0 || answer.status >= 500) {
          return this.interrupt(answer.error);
        } else {
          remembered.remove(this.key); // completed, aborted, expired: start afresh
        }
      }
      if (!this.session) {
        if (this.state === "cancelled") return;
        const answer = await this.u.call("POST", "deposits/" + this.u.deposit + "/uploads",
          { name: this.path, size: this.file.size, part_sha256: hasDigest }, this);
        if (!answer.ok) {
          return answer.status === 0 || answer.status >= 500 ? this.interrupt(answer.error) : this.fail(answer.error);
        }
        this.session = answer.data;
        this.u.refreshTable();
        // the server resumes an unfinished upload of the same file: completed already, or with parts
        if (this.session.state === "completed") return this.followCompleted();
        resumed = (this.session.stored_parts || []).length > 0;
        remembered.put(this.key, {
          deposit: this.u.deposit, upload: this.session.id, name: this.path, size: this.file.size,
          lastModified: this.file.lastModified,
        });
      }
      const session = this.session;
      this.adopt(session.stored_parts);
      this.unsigned = new Map((session.parts || []).map((p) => [p.part_number, p]));
      this.pending = [];
      for (let n = 1; n <= session.part_count; n += 1) if (!this.etags.has(n)) this.pending.push(n);
      this.u.hidePending(this.key);
      if (this.state === "cancelled") return this.abortOnServer();
      this.u.say(resumed
        ? fmt(this.u.S.resumed, { name: this.name, parts: this.etags.size, count: session.part_count })
        : fmt(this.u.S.started, { name: this.name }));
      if (this.state === "paused") return this.update();
      this.setState("uploading");
      this.u.pump();
      this.maybeComplete(); // every part was already stored
    }

    // --- hashing and signing, a batch ahead

    wantsSigning() {
      return this.state === "uploading" && !this.signing && this.pending.length > 0 && this.signed.length < BATCH;
    }

    async signBatch() {
      this.signing = true;
      const numbers = this.pending.splice(0, BATCH);
      try {
        let parts;
        if (hasDigest) {
          const digests = [];
          for (const n of numbers) {
            const start = (n - 1) * this.session.part_size;
            // one part in memory at a time, only while it is hashed
            const buffer = await this.file.slice(start, start + this.partLength(n)).arrayBuffer();
            digests.push({ part_number: n, sha256: hex(await crypto.subtle.digest("SHA-256", buffer)) });
          }
          const answer = await this.u.call("POST", "uploads/" + this.session.id + "/parts", { parts: digests }, this);
          if (!answer.ok) {
            this.pending.unshift(...numbers);
            return this.apiFailure(answer);
          }
          parts = answer.data.parts;
        } else {
          // no Web Crypto (a page served over plain http): unsigned URLs; Estran still verifies the
          // whole file after completion
          parts = numbers.map((n) => this.unsigned.get(n));
        }
        for (const p of parts) this.signed.push({ number: p.part_number, url: p.url, headers: p.headers || {} });
      } catch (error) {
        this.pending.unshift(...numbers);
        if (error && error.name === "NotReadableError") return this.fail(this.u.S.unreadable);
        return this.fail(String((error && error.message) || error));
      } finally {
        this.signing = false;
      }
      this.u.pump();
    }

    // --- sending a part

    put(part) {
      return new Promise((resolve) => {
        const n = part.number;
        const start = (n - 1) * this.session.part_size;
        const xhr = new XMLHttpRequest();
        const flight = { xhr, loaded: 0, at: Date.now(), why: "" };
        this.inflight.set(n, flight);
        const settle = (outcome) => {
          this.inflight.delete(n);
          resolve();
          this.afterPut(part, outcome, flight);
          if (this.state === "pausing" && !this.inflight.size) this.paused();
          // the line and the overall bar follow at once, not at the next tick (which stops when
          // nothing is active)
          this.update();
          this.u.changed();
        };
        xhr.open("PUT", part.url);
        for (const [name, value] of Object.entries(part.headers)) xhr.setRequestHeader(name, value);
        xhr.upload.onprogress = (event) => {
          flight.loaded = event.loaded;
          flight.at = Date.now();
        };
        xhr.onload = () => settle({ status: xhr.status, etag: xhr.getResponseHeader("ETag"), text: xhr.responseText });
        xhr.onerror = () => settle({ status: 0 });
        xhr.onabort = () => settle({ status: 0, aborted: true });
        xhr.send(this.file.slice(start, start + this.partLength(n)));
      });
    }

    afterPut(part, outcome, flight) {
      const n = part.number;
      if (this.state === "cancelled") return;
      if (outcome.status >= 200 && outcome.status < 300 && outcome.etag) {
        this.etags.set(n, outcome.etag);
        this.attempts.delete(n);
        if (!this.attempts.size) this.message = ""; // the retried parts went through
        this.sentBytes += this.partLength(n);
        return this.maybeComplete();
      }
      if (outcome.aborted && flight.why !== "stall") {
        // paused or cancelled: the part goes back in line, its URL still valid
        if (this.state !== "cancelled") this.signed.unshift(part);
        return;
      }
      if (outcome.status === 0 && !navigator.onLine) {
        this.signed.unshift(part); // waits for the network, no attempt used
        return this.u.offline();
      }
      const error = outcome.status ? fmt(this.u.S.httpStatus, { status: outcome.status }) : this.u.S.unreachable;
      if (outcome.status === 400 && /BadDigest|checksum/i.test(outcome.text || "")) return this.fail(this.u.S.changed);
      if (outcome.status === 404) return this.gone();
      const attempt = (this.attempts.get(n) || 0) + 1;
      this.attempts.set(n, attempt);
      if (!(RETRYABLE.has(outcome.status) || outcome.status === 403) || attempt >= ATTEMPTS) {
        this.signed.unshift(part);
        return RETRYABLE.has(outcome.status) ? this.interrupt(error) : this.fail(error);
      }
      const wait = backoff(attempt);
      this.message = fmt(this.u.S.retrying, {
        error, seconds: Math.round(wait / 1000), attempt: attempt + 1, max: ATTEMPTS,
      });
      this.u.say(this.name + ": " + this.message);
      this.update();
      setTimeout(() => {
        if (outcome.status === 403) this.pending.unshift(n); // the URL expired: signed again
        else this.signed.unshift(part);
        this.u.pump();
      }, wait);
    }

    // --- completing and verifying

    maybeComplete() {
      if (!["uploading", "pausing"].includes(this.state)) return;
      if (this.etags.size < this.session.part_count || this.inflight.size) return;
      this.complete();
    }

    async complete() {
      this.setState("completing");
      this.message = "";
      const parts = Array.from(this.etags, ([part_number, etag]) => ({ part_number, etag }))
        .sort((a, b) => a.part_number - b.part_number);
      let error = "";
      for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
        const answer = await this.u.call("POST", "uploads/" + this.session.id + "/complete", { parts }, this, 1);
        if (this.state !== "completing") return; // cancelled meanwhile
        if (answer.status === 200 || answer.status === 202) return this.completed(answer.data);
        if (answer.status === 404) return this.gone();
        if (answer.status === 422) {
          this.closed = true; // the parts or the bytes are wrong: the upload is over
          remembered.remove(this.key);
          this.u.refreshTable();
          return this.fail(answer.error);
        }
        // 5xx, 409 or no answer: the completion may have happened (its answer lost, or a commit
        // that failed after the store assembled the parts). What the server holds decides.
        error = answer.error;
        const session = await this.u.call("GET", "uploads/" + this.session.id, null, null, 1);
        if (this.state !== "completing") return;
        if (session.status === 404 || (session.ok && session.data.state === "aborted")) return this.gone();
        if (session.ok && session.data.state === "completed") return this.followCompleted();
        if (attempt === ATTEMPTS) break;
        const wait = backoff(attempt);
        this.message = fmt(this.u.S.retrying, {
          error, seconds: Math.round(wait / 1000), attempt: attempt + 1, max: ATTEMPTS,
        });
        this.update();
        await sleep(wait);
        if (this.state !== "completing") return;
      }
      return this.interrupt(error);
    }

    followCompleted() {
      this.closed = true;
      remembered.remove(this.key);
      this.message = "";
      this.u.refreshTable();
      return this.follow();
    }

    completed(file) {
      this.closed = true;
      remembered.remove(this.key);
      this.message = "";
      this.result = file;
      this.u.refreshTable();
      if (file.state === "ready") return this.finish(file);
      if (file.state === "failed") return this.fail(file.error);
      this.setState("verifying");
      this.u.say(fmt(this.u.S.verifyingMsg, { name: this.name }));
      this.follow();
    }

    async follow() {
      this.setState("verifying");
      let delay = POLL_MS;
      while (this.state === "verifying") {
        await sleep(delay);
        const answer = await this.u.call("GET", "deposits/" + this.u.deposit + "/files", null, null, 1);
        const file = answer.ok ? answer.data.find((f) => f.id === this.session.file_id) : null;
        if (answer.ok && !file) return this.gone();
        if (file && file.state === "ready") return this.finish(file);
        if (file && file.state === "failed") {
          this.u.refreshTable();
          return this.fail(file.error);
        }
        delay = Math.min(delay * 1.5, 15000);
      }
    }

    finish(file) {
      remembered.remove(this.key);
      this.result = file;
      this.message = "";
      this.setState("ready");
      const warning = this.warning();
      this.u.say(fmt(this.u.S.readyMsg, { name: this.name }) + (warning ? " " + warning : ""));
      this.u.sameContent(this);
      this.u.refreshTable();
    }

    // the deposit's other files with the same bytes, as the server found them (not refused)
    warning() {
      const names = (this.result && this.result.same_content_as) || [];
      return names.length ? fmt(this.u.S.sameContent, { names: names.join(", ") }) : "";
    }

    // --- what the depositor does

    pause() {
      if (!["opening", "uploading"].includes(this.state)) return;
      if (!this.inflight.size) return this.paused();
      // no new part; those on their way finish and are kept (settle() then calls paused())
      this.setState("pausing");
      this.u.say(fmt(this.u.S.pausingMsg, { name: this.name }));
    }

    paused() {
      this.setState("paused");
      this.u.say(fmt(this.u.S.pausedMsg, { name: this.name }));
    }

    stop() {
      // "Stop now" while pausing: the parts in flight are aborted and go back in line
      if (this.state !== "pausing") return;
      for (const flight of this.inflight.values()) {
        flight.why = "pause";
        flight.xhr.abort();
      }
    }

    async resume() {
      if (!["paused", "interrupted", "pausing"].includes(this.state)) return;
      this.attempts.clear();
      this.message = "";
      this.u.say(fmt(this.u.S.resumedMsg, { name: this.name }));
      if (!this.session) return this.open();
      if (this.state !== "pausing") {
        this.setState("opening");
        if (!(await this.recount()) || this.state !== "opening") return;
      }
      if (this.etags.size === this.session.part_count && !this.inflight.size) return this.complete();
      this.setState("uploading");
      this.u.pump();
    }

    // Before sending again, what the store holds: a part aborted after all its bytes had arrived
    // is there, and is not sent twice. If the server does not answer, this page's own record of
    // the stored parts stands (false: the upload is over, or it completed meanwhile).
    async recount() {
      const answer = await this.u.call("GET", "uploads/" + this.session.id, null, null, 1);
      if (this.state === "cancelled") return false;
      if (answer.status === 404 || (answer.ok && answer.data.state === "aborted")) {
        this.gone();
        return false;
      }
      if (answer.ok && answer.data.state === "completed") {
        this.followCompleted();
        return false;
      }
      if (answer.ok) this.adopt(answer.data.stored_parts);
      return true;
    }

    async cancel() {
      const wasOpen = !!this.session && !this.closed;
      this.setState("cancelled");
      for (const flight of this.inflight.values()) {
        flight.why = "cancel";
        flight.xhr.abort();
      }
      this.u.drop(this);
      this.u.say(fmt(this.u.S.cancelled, { name: this.name }));
      if (wasOpen) await this.abortOnServer();
    }

    async abortOnServer() {
      remembered.remove(this.key);
      if (this.session && !this.closed) {
        this.closed = true;
        await this.u.call("DELETE", "uploads/" + this.session.id, null, null, 1);
      }
      this.u.refreshTable();
    }

    remove() {
      // a file that failed before completion leaves its upload open on the server, holding the
      // name: removing it from the list cancels that upload, so the file can be added again
      this.u.drop(this);
      if (this.state === "failed") this.abortOnServer();
    }

    // --- outcomes

    apiFailure(answer) {
      if (answer.status === 404) return this.gone();
      return answer.status === 0 || answer.status >= 500 ? this.interrupt(answer.error) : this.fail(answer.error);
    }

    interrupt(error) {
      if (this.state === "cancelled") return;
      this.message = fmt(this.u.S.interruptedMsg, { name: this.name, error });
      this.setState("interrupted");
      this.u.say(this.message);
    }

    gone() {
      this.closed = true;
      remembered.remove(this.key);
      this.u.refreshTable();
      this.fail(this.u.S.gone);
    }

    fail(reason) {
      if (this.state === "cancelled") return;
      for (const flight of this.inflight.values()) {
        flight.why = "cancel";
        flight.xhr.abort();
      }
      this.message = String(reason || "");
      this.setState("failed");
      this.u.say(fmt(this.u.S.failedMsg, { name: this.name, reason: this.message }));
    }

    setState(state) {
      this.state = state;
      this.update();
      this.u.changed();
    }

    // --- on the page

    render() {
      const S = this.u.S;
      const li = document.createElement("li");
      li.className = "upload-item";
      const id = "upload-" + Math.random().toString(36).slice(2, 10);
      li.innerHTML = `
        <div class="upload-head">
          <span class="upload-name" id="${id}-name"></span>
          <span class="upload-size small muted"></span>
          <span class="badge upload-state"></span>
        </div>
        <div class="uploader-bar" role="progressbar" aria-labelledby="${id}-name" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><span></span></div>
        <p class="small muted uploader-stats"></p>
        <p class="small upload-message" hidden></p>
        <p class="small upload-warning" hidden></p>
        <p class="upload-checksum" hidden><span class="small muted"></span> <span class="mono"></span></p>
        <div class="buttons upload-actions">
          <button type="button" class="button small secondary" data-act="pause"></button>
          <button type="button" class="button small secondary" data-act="resume"></button>
          <button type="button" class="button small secondary" data-act="stop"></button>
          <button type="button" class="button small secondary" data-act="cancel"></button>
          <button type="button" class="button small secondary" data-act="remove"></button>
        </div>`;
      li.querySelector(".upload-name").textContent = this.name;
      li.querySelector(".upload-checksum .muted").textContent = S.sha256;
      li.querySelector(".upload-size").textContent = bytes(this.file.size);
      for (const button of li.querySelectorAll("[data-act]")) {
        const act = button.dataset.act;
        button.textContent = S[act] + " ";
        const hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = this.name;
        button.append(hidden);
        button.addEventListener("click", () => this[act]());
      }
      return li;
    }

    update() {
      const el = this.el;
      const S = this.u.S;
      const shown = this.state === "queued" || this.state === "cancelled" ? "queued" : this.state;
      el.dataset.state = this.state;
      const badge = el.querySelector(".upload-state");
      badge.textContent = S[shown] || this.state;
      badge.classList.toggle("ok", this.state === "ready");
      badge.classList.toggle("bad", this.state === "failed");
      badge.classList.toggle("warn", ["interrupted", "paused", "pausing"].includes(this.state));
      const done = this.shownBytes();
      const value = this.state === "ready" ? 100 : percent(done, this.file.size);
      const bar = el.querySelector(".uploader-bar");
      bar.setAttribute("aria-valuenow", String(value));
      bar.setAttribute("aria-valuetext", value + " % — " + (S[shown] || ""));
      bar.firstElementChild.style.width = value + "%";
      const stats = [fmt(S.progress, { done: bytes(done), total: bytes(this.file.size) })];
      if (this.state === "uploading") {
        const speed = this.u.speedOf(this);
        if (speed > 0) {
          stats.push(rate(speed));
          stats.push(fmt(S.left, { time: duration((this.file.size - done) / speed) }));
        }
      }
      el.querySelector(".uploader-stats").textContent = stats.join(" · ");
      const message = el.querySelector(".upload-message");
      const said = this.message || (this.state === "pausing" ? S.pausingNote : "");
      // reasons are written to follow "failed: "; on their own line they start with a capital
      message.textContent = said.charAt(0).toLocaleUpperCase(lang) + said.slice(1);
      message.hidden = !said;
      message.classList.toggle("error", this.state === "failed" || this.state === "interrupted");
      const checksum = el.querySelector(".upload-checksum");
      checksum.hidden = !(this.result && this.result.sha256 && this.state === "ready");
      if (!checksum.hidden) checksum.querySelector(".mono").textContent = this.result.sha256;
      const warning = el.querySelector(".upload-warning");
      warning.textContent = this.state === "ready" ? this.warning() : "";
      warning.hidden = !warning.textContent;
      const can = {
        pause: ["opening", "uploading"].includes(this.state),
        resume: ["paused", "interrupted", "pausing"].includes(this.state),
        stop: this.state === "pausing",
        cancel: ["queued", "opening", "uploading", "pausing", "paused", "interrupted", "completing"].includes(this.state),
        remove: ["ready", "failed"].includes(this.state),
      };
      for (const button of el.querySelectorAll("[data-act]")) {
        const wanted = can[button.dataset.act];
        if (!wanted && button === document.activeElement) this.u.focusAfter(button, el);
        button.hidden = !wanted;
      }
    }
  }

  // --- The uploader: the drop zone, the queue, four parts in flight --------------------------------

  class Uploader {
    constructor(root) {
      this.root = root;
      this.deposit = root.dataset.deposit;
      this.api = root.dataset.api;
      this.refreshUrl = root.dataset.refreshUrl;
      this.form = root.querySelector("[data-drop]");
      this.input = root.querySelector("input[type=file]");
      this.folderInput = root.querySelector("[data-folder-input]");
      this.skipped = root.querySelector("[data-skipped]");
      this.csrf = this.form.querySelector("input[name=csrfmiddlewaretoken]").value;
      this.list = root.querySelector("[data-list]");
      this.live = root.querySelector("[data-live]");
      this.S = {};
      for (const span of root.querySelectorAll("[data-strings] [data-s]")) this.S[span.dataset.s] = span.textContent;
      S = this.S;
      this.uploads = [];
      this.active = 0;
      this.samples = [];
      this.timer = null;
      this.opening = Promise.resolve();
      this.enhance();
      this.showPending();
    }

    enhance() {
      this.root.classList.add("is-enhanced");
      this.root.querySelector("[data-fallback]").hidden = true;
      for (const el of this.root.querySelectorAll("[data-enhanced-only]")) el.hidden = false;
      this.input.addEventListener("change", () => {
        this.add(Array.from(this.input.files, (file) => ({ file, path: cleanPath(file.name) })));
        this.input.value = "";
      });
      this.folderInput.addEventListener("change", () => {
        const found = [];
        const skipped = { hidden: 0, empty: 0 }; // the picker lists files only: empty folders never show
        for (const file of this.folderInput.files) {
          const path = cleanPath(file.webkitRelativePath || file.name);
          if (isHidden(path)) skipped.hidden += 1;
          else found.push({ file, path });
        }
        this.folderInput.value = "";
        this.add(found.sort(byPath));
        this.noteSkipped(skipped);
      });
      this.form.addEventListener("submit", (event) => event.preventDefault());
      let depth = 0;
      const hasFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files");
      this.form.addEventListener("dragenter", (event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        depth += 1;
        this.form.classList.add("is-dragover");
      });
      this.form.addEventListener("dragover", (event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      });
      this.form.addEventListener("dragleave", () => {
        depth = Math.max(0, depth - 1);
        if (!depth) this.form.classList.remove("is-dragover");
      });
      this.form.addEventListener("drop", (event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        depth = 0;
        this.form.classList.remove("is-dragover");
        // the entries can be read only during the event: taken now, their folders walked after
        const items = Array.from(event.dataTransfer.items || []).filter((item) => item.kind === "file");
        const dropped = Array.from(event.dataTransfer.files, (file, i) => ({
          file, entry: items[i] && items[i].webkitGetAsEntry ? items[i].webkitGetAsEntry() : null,
        }));
        this.addDropped(dropped);
      });
      // a file dropped beside the zone would make the browser open it, leaving the page
      window.addEventListener("dragover", (event) => {
        if (hasFiles(event) && !this.form.contains(event.target)) event.preventDefault();
      });
      window.addEventListener("drop", (event) => {
        if (hasFiles(event) && !this.form.contains(event.target)) event.preventDefault();
      });
      // "Pause all" also holds the files waiting their turn, which would otherwise be opened as the
      // paused ones leave room
      this.root.querySelector("[data-pause-all]").addEventListener("click", () => {
        this.held = true;
        this.uploads.forEach((u) => u.pause());
        this.changed();
      });
      this.root.querySelector("[data-resume-all]").addEventListener("click", () => {
        this.held = false;
        this.uploads.forEach((u) => u.resume());
        this.changed();
      });
      window.addEventListener("offline", () => this.offline());
      window.addEventListener("online", () => {
        this.say(this.S.connectionBack);
        this.uploads.forEach((u) => u.update());
        this.pump();
      });
      window.addEventListener("beforeunload", (event) => {
        if (this.uploads.some((u) => ACTIVE.has(u.state))) {
          event.preventDefault();
          event.returnValue = this.S.leave;
        }
      });
    }

    // files dropped, and the files of the folders dropped, each under its path
    async addDropped(dropped) {
      const found = [];
      const skipped = { hidden: 0, empty: 0, unreadable: [] };
      for (const { file, entry } of dropped) {
        if (!entry || !entry.isDirectory) {
          found.push({ file, path: cleanPath(file.name) });
          continue;
        }
        const files = [];
        try {
          if (!(await walk(entry, files, skipped))) skipped.empty += 1;
        } catch (error) {
          skipped.unreadable.push(file.name);
        }
        found.push(...files.sort(byPath));
      }
      this.add(found);
      this.noteSkipped(skipped);
    }

    // what a folder held that is not uploaded, said under the drop zone and to screen readers
    noteSkipped({ hidden, empty, unreadable = [] }) {
      const said = [];
      if (hidden) said.push(hidden === 1 ? this.S.skippedHidden1 : fmt(this.S.skippedHidden, { n: hidden }));
      if (empty) said.push(empty === 1 ? this.S.skippedEmpty1 : fmt(this.S.skippedEmpty, { n: empty }));
      for (const name of unreadable) said.push(fmt(this.S.unreadableFolder, { name }));
      this.skipped.textContent = said.join(" ");
      this.skipped.hidden = !said.length;
      if (said.length) setTimeout(() => this.say(said.join(" ")), 1000); // after "upload started"
    }

    // `chosen`: {file, path}. Thousands at once (a folder): one insertion into the list, and a map
    // of the keys rather than a search of the list for each file.
    add(chosen) {
      const known = new Map(this.uploads.map((u) => [u.key, u]));
      const lines = document.createDocumentFragment();
      for (const { file, path } of chosen) {
        const key = remembered.key(this.deposit, file, path);
        const same = known.get(key);
        if (same && !["failed", "ready", "cancelled"].includes(same.state)) {
          this.say(fmt(this.S.duplicate, { name: path }));
          continue;
        }
        if (same) this.drop(same);
        const upload = new FileUpload(this, file, path);
        known.set(key, upload);
        this.uploads.push(upload);
        lines.append(upload.el);
        upload.update();
        // sessions are opened one after another, in the order chosen
        // (at most OPEN_AHEAD sending at a time: a folder of thousands is not opened all at once)
        this.opening = this.opening.then(() => this.roomToOpen())
          .then(() => (upload.state === "queued" ? upload.open() : null)).catch(() => null);
      }
      this.list.append(lines);
      this.changed();
    }

    drop(upload) {
      const index = this.uploads.indexOf(upload);
      if (index >= 0) this.uploads.splice(index, 1);
      if (upload.el.contains(document.activeElement)) this.input.focus();
      upload.el.remove();
      this.changed();
    }

    focusAfter(button, item) {
      // the button pressed disappears (pause becomes resume): keep the focus in the item
      requestAnimationFrame(() => {
        if (document.activeElement && document.activeElement !== document.body) return;
        const next = Array.from(item.querySelectorAll("[data-act]")).find((b) => !b.hidden);
        (next || this.input).focus();
      });
    }

    // --- the parts in flight

    pump() {
      if (!navigator.onLine) return;
      let budget = 2 * CONCURRENCY; // parts signed or in flight, ahead of need, over all files
      for (const upload of this.uploads) {
        if (upload.state !== "uploading") continue;
        if (budget > 0 && upload.wantsSigning()) upload.signBatch();
        budget -= upload.signed.length + upload.inflight.size + (upload.signing ? BATCH : 0);
      }
      while (this.active < CONCURRENCY) {
        const upload = this.uploads.find((u) => u.state === "uploading" && u.signed.length);
        if (!upload) break;
        const part = upload.signed.shift();
        this.active += 1;
        upload.put(part).then(() => {
          this.active -= 1;
          this.pump();
        });
      }
      this.changed();
    }

    offline() {
      if (this.wasOffline) return;
      this.wasOffline = true;
      this.say(this.S.connectionLost);
      const back = () => {
        this.wasOffline = false;
        window.removeEventListener("online", back);
      };
      window.addEventListener("online", back);
      this.uploads.forEach((u) => u.update());
    }

    // --- the API, with the session and its CSRF token

    async call(method, path, body, upload, attempts = ATTEMPTS) {
      let answer;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        answer = { ok: false, status: 0, data: null, error: this.S.unreachable };
        try {
          const response = await fetch(this.api + path, {
            method,
            credentials: "same-origin",
            headers: Object.assign({ Accept: "application/json" },
              body ? { "Content-Type": "application/json" } : {},
              method === "GET" ? {} : { "X-CSRFToken": this.csrf }),
            body: body ? JSON.stringify(body) : undefined,
          });
          answer.status = response.status;
          answer.ok = response.ok;
          answer.data = await response.json().catch(() => null);
          answer.error = (answer.data && answer.data.detail) || fmt(this.S.httpStatus, { status: response.status });
        } catch (error) { /* network: status 0 */ }
        if (!RETRYABLE.has(answer.status) || attempt === attempts) break;
        if (answer.status === 0 && !navigator.onLine) {
          this.offline();
          await new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
          attempt -= 1;
          continue;
        }
        const wait = backoff(attempt);
        if (upload) {
          upload.message = fmt(this.S.retrying, {
            error: answer.error, seconds: Math.round(wait / 1000), attempt: attempt + 1, max: attempts,
          });
          upload.update();
        }
        await sleep(wait);
      }
      if (upload && upload.message && answer.ok) {
        upload.message = "";
        upload.update();
      }
      return answer;
    }

    // --- progress, speed and time left

    speedOf(upload) {
      const samples = upload ? upload.samples : this.samples;
      if (samples.length < 2) return 0;
      const [t0, b0] = samples[0];
      const [t1, b1] = samples[samples.length - 1];
      return t1 - t0 >= 1000 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
    }

    sample(samples, value, now) {
      samples.push([now, value]);
      while (samples.length > 2 && now - samples[0][0] > 10000) samples.shift(); // the last ten seconds
    }

    tick() {
      const now = Date.now();
      let moved = 0;
      for (const upload of this.uploads) {
        for (const flight of upload.inflight.values()) {
          if (now - flight.at > STALL_MS) {
            flight.why = "stall";
            flight.xhr.abort();
          }
        }
        if (upload.state === "uploading") this.sample(upload.samples, upload.movedBytes(), now);
        else upload.samples = [];
        moved += upload.movedBytes();
      }
      if (this.uploads.some((u) => u.state === "uploading")) this.sample(this.samples, moved, now);
      else this.samples = [];
      // a waiting, ready or failed line changes only when its state does (setState updates it)
      for (const u of this.uploads) if (!IDLE.has(u.state)) u.update();
      this.updateOverall();
    }

    // Resolves once fewer than OPEN_AHEAD files are opening, sending or finishing. Paused and
    // interrupted ones do not count: the others go on meanwhile.
    roomToOpen() {
      return new Promise((resolve) => {
        this.waitingToOpen = resolve;
        this.checkRoom();
      });
    }

    checkRoom() {
      if (!this.waitingToOpen || this.held) return;
      let sending = 0;
      for (const u of this.uploads) if (SENDING.has(u.state)) sending += 1;
      if (sending >= OPEN_AHEAD) return;
      const resolve = this.waitingToOpen;
      this.waitingToOpen = null;
      resolve();
    }

    changed() {
      this.checkRoom();
      const busy = this.uploads.some((u) => ACTIVE.has(u.state) || u.state === "verifying");
      if (busy && !this.timer) this.timer = setInterval(() => this.tick(), 500);
      if (!busy && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
      this.updateOverall();
    }

    updateOverall() {
      const box = this.root.querySelector("[data-overall]");
      const counted = this.uploads.filter((u) => u.state !== "failed");
      box.hidden = counted.length === 0;
      if (box.hidden) return;
      const total = counted.reduce((sum, u) => sum + u.file.size, 0);
      const done = counted.reduce((sum, u) => sum + u.shownBytes(), 0);
      const ready = this.uploads.filter((u) => u.state === "ready").length;
      const value = total ? percent(done, total) : ready === counted.length ? 100 : 0;
      const bar = box.querySelector("[data-overall-bar]");
      bar.setAttribute("aria-valuenow", String(value));
      bar.setAttribute("aria-valuetext", value + " %");
      bar.firstElementChild.style.width = value + "%";
      box.querySelector("[data-overall-count]").textContent = fmt(this.S.filesDone, { done: ready, total: this.uploads.length });
      const stats = [fmt(this.S.progress, { done: bytes(done), total: bytes(total) })];
      const speed = this.speedOf(null);
      if (speed > 0 && this.uploads.some((u) => u.state === "uploading")) {
        stats.push(rate(speed));
        stats.push(fmt(this.S.left, { time: duration((total - done) / speed) }));
      }
      box.querySelector("[data-overall-stats]").textContent = stats.join(" · ");
      const pausable = this.uploads.some((u) => ["opening", "uploading"].includes(u.state));
      const resumable = this.uploads.some((u) => ["paused", "interrupted", "pausing"].includes(u.state)
        || (this.held && u.state === "queued"));
      const pauseAll = box.querySelector("[data-pause-all]");
      const resumeAll = box.querySelector("[data-resume-all]");
      if (!pausable && pauseAll === document.activeElement && resumable) requestAnimationFrame(() => resumeAll.focus());
      if (!resumable && resumeAll === document.activeElement && pausable) requestAnimationFrame(() => pauseAll.focus());
      pauseAll.hidden = !pausable;
      resumeAll.hidden = !resumable;
    }

    say(text) {
      // a change of text is what screen readers announce; the same text twice must be re-set
      this.live.textContent = "";
      setTimeout(() => {
        this.live.textContent = text;
      }, 50);
    }

    // --- a file just ready with the same bytes as others in the list: they say it too

    sameContent(upload) {
      const names = (upload.result && upload.result.same_content_as) || [];
      for (const other of this.uploads) {
        if (other === upload || !other.result || !names.includes(other.name)) continue;
        const known = other.result.same_content_as || [];
        if (!known.includes(upload.name)) other.result.same_content_as = known.concat(upload.name).sort();
        other.update();
      }
    }

    // --- the wizard's table of files, when on the page (htmx), follows what happens here

    // At most once every REFRESH_MS, and once after the last change: with a folder of thousands of
    // files opening one after another, a refresh per file would redraw the whole table each time.
    refreshTable() {
      if (!this.refreshUrl || !window.htmx || !document.getElementById("files-table")) return;
      if (this.refreshing) return; // the refresh on its way shows this change too
      const wait = Math.max(300, (this.refreshed || 0) + REFRESH_MS - Date.now());
      this.refreshing = setTimeout(() => {
        this.refreshing = null;
        this.refreshed = Date.now();
        // the table as it is shown (its folder, search and page), which it says itself
        const table = document.getElementById("files-table");
        const url = (table && table.dataset.refreshUrl) || this.refreshUrl;
        window.htmx.ajax("GET", url, { target: "#files-table", swap: "outerHTML" });
      }, wait);
    }

    // --- sessions this browser left unfinished (a reload, a crash, a closed tab)

    async showPending() {
      const box = this.root.querySelector("[data-pending]");
      const list = box.querySelector("[data-pending-list]");
      for (const entry of remembered.of(this.deposit)) {
        const answer = await this.call("GET", "uploads/" + entry.upload, null, null, 1);
        if (answer.status === 404 || (answer.ok && answer.data.state !== "open")) {
          remembered.remove(entry.key);
          continue;
        }
        if (this.uploads.some((u) => u.key === entry.key)) continue; // chosen again meanwhile
        const stored = answer.ok ? (answer.data.stored_parts || []).reduce((sum, p) => sum + p.size, 0) : null;
        const li = document.createElement("li");
        li.dataset.key = entry.key;
        const text = document.createElement("span");
        text.textContent = entry.name + " (" + bytes(entry.size) + ")"
          + (stored === null ? "" : " — " + fmt(this.S.storedAlready, { done: bytes(stored), total: bytes(entry.size) }));
        const forget = document.createElement("button");
        forget.type = "button";
        forget.className = "link-button";
        forget.textContent = this.S.forget + " ";
        const hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = entry.name;
        forget.append(hidden);
        forget.addEventListener("click", async () => {
          remembered.remove(entry.key);
          this.hidePending(entry.key);
          this.input.focus();
          await this.call("DELETE", "uploads/" + entry.upload, null, null, 1);
          this.refreshTable();
        });
        li.append(text, " ", forget);
        list.append(li);
        box.hidden = false;
      }
    }

    hidePending(key) {
      const box = this.root.querySelector("[data-pending]");
      for (const li of box.querySelectorAll("[data-pending-list] > li")) if (li.dataset.key === key) li.remove();
      box.hidden = !box.querySelector("[data-pending-list] > li");
    }
  }

  function start() {
    document.querySelectorAll("[data-uploader]").forEach((root) => {
      if (!root.uploader) root.uploader = new Uploader(root);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
