/* Estran — the deposit wizard in the browser: saves what is typed (on leaving a field, on changing
   step, every ten seconds while something is unsaved, on the Save button, and when the tab is
   hidden or closed), keeps unsaved edits in localStorage and offers them back after a crash, shows a
   conflict when someone else saved in between, manages repeated lines (add, remove, reorder by drag
   or by keyboard), the thesaurus type-ahead, checks values as they are typed, and, where the site
   has them, looks up the name on an ORCID record and organisations in ROR.

   Field names are the document's paths with dashes (`creators-1-orcid`); ids are `f-<name>`. Inside
   repeated groups the names are recomputed from the structure (`data-repeat`, `data-row`,
   `data-name`) after every change, so adding, removing or moving a line never breaks them.
   Without JavaScript the same form posts to the step's page and works. */
(function () {
  "use strict";

  const form = document.getElementById("wizard-form");
  if (!form) return;
  const S = JSON.parse(document.getElementById("wizard-strings").textContent);
  const fmt = (text, values) => String(text).replace(/%\((\w+)\)s/g, (m, key) => (values && key in values ? values[key] : ""));
  const statusEl = document.getElementById("save-status");
  const revisionInput = form.querySelector("[data-revision]");
  const hasFields = !form.hasAttribute("data-no-fields");
  const storageKey = "estran:deposit:" + form.dataset.deposit + ":" + form.dataset.step;
  const lang = (document.documentElement.lang || "en").slice(0, 2);
  const PERIOD_MS = 10000; // while something is unsaved
  const IDLE_MS = 2000; // after the last keystroke
  // Only a web address becomes a link (as core/links.py): a draft keeps whatever was typed, and a
  // `javascript:` concept URI would run script when its chip's link is clicked.
  const webHref = (value) => (/^https?:\/\/[^\s\/$.?#]\S*$/i.test(value || "") ? value : "");

  // --- Names and ids from the structure ---------------------------------------------------------

  function rowsContainer(group) {
    return group.querySelector("[data-rows]");
  }

  function rowsOf(group) {
    const container = rowsContainer(group);
    return container ? Array.from(container.children).filter((el) => el.hasAttribute("data-row")) : [];
  }

  function groupOfRow(row) {
    return row.parentElement.closest("[data-repeat]");
  }

  function prefixOf(el) {
    let prefix = "";
    let row = el.closest("[data-row]");
    while (row && form.contains(row)) {
      const group = groupOfRow(row);
      if (!group) break;
      prefix = group.dataset.repeat + "-" + rowsOf(group).indexOf(row) + "-" + prefix;
      row = group.parentElement ? group.parentElement.closest("[data-row]") : null;
    }
    return prefix;
  }

  function renumber() {
    form.querySelectorAll("[data-repeat]").forEach((group) => {
      const rowEl = group.parentElement.closest("[data-row]");
      group.id = "f-" + (rowEl ? prefixOf(rowEl) : "") + group.dataset.repeat;
      rowsOf(group).forEach((row, index) => {
        row.id = "f-" + prefixOf(row).replace(/-$/, "");
        const number = row.querySelector(":scope > legend [data-row-number], :scope > [data-row-number]");
        if (number) number.textContent = String(index + 1);
      });
    });
    form.querySelectorAll("[data-name], [data-id], [data-for], [data-describedby]").forEach((el) => {
      if (el.closest("template")) return;
      const prefix = prefixOf(el);
      if (el.dataset.name) el.name = prefix + el.dataset.name;
      if (el.dataset.id) el.id = "f-" + prefix + el.dataset.id;
      else if (el.dataset.name) el.id = "f-" + prefix + el.dataset.name;
      if (el.dataset.for) el.htmlFor = "f-" + prefix + el.dataset.for;
      if (el.dataset.describedby) {
        const extra = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter((id) => id.endsWith("-check") && document.getElementById(id));
        el.setAttribute("aria-describedby", el.dataset.describedby.split(/\s+/).map((id) => "f-" + prefix + id).concat(extra).join(" "));
      }
    });
  }

  // --- Serialising --------------------------------------------------------------------------------

  function entries() {
    return Array.from(new FormData(form).entries())
      .filter(([key]) => key !== "csrfmiddlewaretoken" && key !== "revision" && key !== "overwrite_revision")
      .map(([key, value]) => [key, String(value)]);
  }

  function snapshot() {
    return JSON.stringify(entries());
  }

  let lastSaved = snapshot();
  const isDirty = () => hasFields && snapshot() !== lastSaved;

  // --- Status -------------------------------------------------------------------------------------

  function setStatus(state, detail) {
    if (!statusEl) return;
    statusEl.dataset.state = state;
    const texts = {
      saving: S.saving,
      saved: detail ? fmt(S.savedAt, { time: detail }) : S.saved,
      dirty: S.unsaved,
      offline: S.offline,
      failed: fmt(S.failed, { reason: detail || "" }),
      conflict: S.conflictTitle,
    };
    statusEl.textContent = texts[state] || "";
  }

  function announce(text) {
    const live = document.getElementById("wizard-announce");
    if (live) {
      live.textContent = "";
      window.setTimeout(() => { live.textContent = text; }, 50);
    }
  }

  // --- Local copy (crash, closed tab) ------------------------------------------------------------

  function storeLocal() {
    if (!hasFields) return;
    const current = entries();
    if (JSON.stringify(current) === lastSaved) {
      clearLocal(); // nothing the server does not have
      return;
    }
    try {
      localStorage.setItem(storageKey, JSON.stringify({ revision: revisionInput.value, time: Date.now(), entries: current }));
    } catch (e) { /* private mode or full: the server copy is what counts */ }
  }

  function clearLocal() {
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  }

  function readLocal() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { return null; }
  }

  // --- Saving -------------------------------------------------------------------------------------

  let inFlight = null;
  let again = false;
  let conflict = null;
  let saveTimer = null;

  function scheduleSave(delay) {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(() => save(), delay === undefined ? 400 : delay);
  }

  async function save(options) {
    options = options || {};
    window.clearTimeout(saveTimer);
    if (!hasFields) return { ok: true };
    if (conflict) return { ok: false, conflict: true };
    if (inFlight) {
      again = true;
      return inFlight;
    }
    const sent = snapshot();
    if (sent === lastSaved && !options.force) {
      clearLocal();
      setStatus("saved");
      return { ok: true };
    }
    const body = new FormData(form);
    setStatus("saving");
    inFlight = send(body, sent, Boolean(options.keepalive));
    const result = await inFlight;
    inFlight = null;
    if (result.retry && !options.retried) return save({ force: true, retried: true });
    if (again) {
      again = false;
      if (result.ok && isDirty()) return save();
    }
    return result;
  }

  async function send(body, sent, keepalive) {
    let response;
    try {
      // keepalive lets the request finish when the page is being closed or reloaded.
      response = await fetch(form.dataset.saveUrl, {
        method: "POST", body, credentials: "same-origin", keepalive,
        headers: { Accept: "application/json", "X-Requested-With": "fetch" },
      });
    } catch (e) {
      setStatus("offline");
      return { ok: false, offline: true };
    }
    const type = response.headers.get("Content-Type") || "";
    let data = {};
    if (type.includes("json")) {
      try { data = await response.json(); } catch (e) { data = {}; }
    }
    if (response.ok && data.revision) {
      revisionInput.value = data.revision;
      lastSaved = sent;
      if (snapshot() === sent) clearLocal(); else storeLocal();
      showProblems(data.problems || []);
      updateProgress(data);
      setStatus(snapshot() === sent ? "saved" : "dirty", data.saved_at);
      document.body.dispatchEvent(new CustomEvent("wizard:saved", { bubbles: true }));
      return { ok: true };
    }
    if (response.status === 409 && data.code === "stale_revision") {
      return handleConflict(data);
    }
    if (response.redirected || !type.includes("json")) {
      setStatus("failed", S.offline);
      return { ok: false, offline: true };
    }
    if (Array.isArray(data.problems) && data.problems.length) showProblems(data.problems);
    setStatus("failed", data.detail || response.statusText);
    return { ok: false };
  }

  function handleConflict(data) {
    if (!data.differences || !data.differences.length) {
      // The other save changed other steps only: nothing of theirs is overwritten by ours.
      revisionInput.value = data.revision;
      setStatus("dirty");
      return { ok: false, retry: true };
    }
    conflict = data;
    setStatus("conflict");
    const box = document.getElementById("wizard-conflict");
    box.innerHTML = "";
    const title = document.createElement("h3");
    title.id = "wizard-conflict-title";
    title.textContent = S.conflictTitle;
    const detail = document.createElement("p");
    detail.textContent = data.detail;
    box.append(title, detail);
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    const table = document.createElement("table");
    table.className = "diff";
    const head = table.createTHead().insertRow();
    [S.field, S.theirs, S.mine].forEach((text) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = text;
      head.appendChild(th);
    });
    const tbody = table.createTBody();
    data.differences.forEach((d) => {
      const tr = tbody.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = d.label;
      tr.appendChild(th);
      [d.theirs, d.mine].forEach((value) => {
        const td = tr.insertCell();
        td.textContent = value || "—";
      });
    });
    wrap.appendChild(table);
    box.appendChild(wrap);
    const buttons = document.createElement("div");
    buttons.className = "buttons";
    const theirs = document.createElement("button");
    theirs.type = "button";
    theirs.className = "button secondary";
    theirs.textContent = S.loadTheirs;
    theirs.addEventListener("click", () => {
      clearLocal();
      conflict = "reloading";
      window.location.reload();
    });
    const mine = document.createElement("button");
    mine.type = "button";
    mine.className = "button";
    mine.textContent = S.keepMine;
    mine.addEventListener("click", () => {
      revisionInput.value = data.revision;
      conflict = null;
      box.hidden = true;
      save({ force: true });
    });
    buttons.append(theirs, mine);
    box.appendChild(buttons);
    box.hidden = false;
    box.focus();
    return { ok: false, conflict: true };
  }

  // --- Problems at their fields, progress ---------------------------------------------------------

  // A problem at an empty field waits for the person: it is not shown before they have typed in
  // the field or left it, pressed Save or a step button, left the step once (this tab remembers),
  // or come from a link to a field (the review's list). A new draft opens without red.
  const shownKey = storageKey + ":problems-shown";
  const touched = new Set();
  let revealAll = Boolean(window.location.hash);
  try { revealAll = revealAll || window.sessionStorage.getItem(shownKey) === "1"; } catch (e) { /* no storage */ }
  let lastProblems = null;

  function waiting(problem) {
    if (revealAll || touched.has(problem.anchor)) return false;
    const el = document.getElementById(problem.anchor);
    return Boolean(el && el.matches("input, textarea, select") && !String(el.value || "").trim());
  }

  function revealProblems() {
    revealAll = true;
    try { window.sessionStorage.setItem(shownKey, "1"); } catch (e) { /* no storage */ }
    if (lastProblems) showProblems(lastProblems);
  }

  // The problems the page was rendered with, read back from it (the summary's links say where).
  function renderedProblems() {
    const where = {};
    document.querySelectorAll("#step-problems a[href^='#']").forEach((a) => {
      where[a.getAttribute("href").slice(1)] = a.textContent;
    });
    const problems = [];
    form.querySelectorAll(".field-problems").forEach((slot) => {
      const anchor = slot.id.replace(/-problems$/, "");
      slot.querySelectorAll("li").forEach((li) => {
        const full = where[anchor] || "";
        const message = li.textContent;
        const place = full.endsWith(": " + message) ? full.slice(0, -(message.length + 2)) : "";
        problems.push({ anchor, message, where: place });
      });
    });
    return problems;
  }

  function markTouched(event) {
    const el = event.target;
    if (!el || !el.id || touched.has(el.id)) return;
    touched.add(el.id);
    if (lastProblems && lastProblems.some((p) => p.anchor === el.id)) showProblems(lastProblems);
  }
  form.addEventListener("focusout", markTouched);
  form.addEventListener("input", markTouched);
  if (hasFields) {
    const rendered = renderedProblems();
    if (rendered.some(waiting)) showProblems(rendered); // else the page stays as the server wrote it
  }

  function showProblems(all) {
    lastProblems = all;
    const problems = all.filter((problem) => !waiting(problem));
    form.querySelectorAll(".field-problems").forEach((list) => {
      list.innerHTML = "";
      list.hidden = true;
      const wrap = list.closest(".wfield");
      if (wrap) wrap.classList.remove("has-problems");
    });
    form.querySelectorAll("[data-server-invalid]").forEach((el) => {
      el.removeAttribute("data-server-invalid");
      if (!el.dataset.clientInvalid) el.removeAttribute("aria-invalid");
    });
    form.querySelectorAll('[aria-invalid="true"]').forEach((el) => {
      if (!el.dataset.clientInvalid) el.removeAttribute("aria-invalid");
    });
    problems.forEach((problem) => {
      const target = document.getElementById(problem.anchor);
      let slot = document.getElementById(problem.anchor + "-problems");
      if (!slot && target) {
        slot = document.createElement("ul");
        slot.className = "field-problems";
        slot.id = problem.anchor + "-problems";
        (target.closest(".wfield, fieldset, .chip") || target).appendChild(slot);
      }
      // The browser's own check of the field, when it finds fault, already says what is wrong (in
      // words that follow the typing): the server's problem there is not said a second time.
      const checked = Boolean(target && target.dataset.clientInvalid && document.getElementById(target.id + "-check"));
      if (slot && !checked) {
        const li = document.createElement("li");
        li.textContent = problem.message;
        slot.appendChild(li);
        slot.hidden = false;
        const wrap = slot.closest(".wfield");
        if (wrap) wrap.classList.add("has-problems");
      }
      if (target && target.matches("input, select, textarea")) {
        target.setAttribute("aria-invalid", "true");
        target.dataset.serverInvalid = "1";
      }
    });
    let summary = document.getElementById("step-problems");
    if (!problems.length) {
      if (summary) summary.remove();
      return;
    }
    if (!summary) {
      summary = document.createElement("div");
      summary.id = "step-problems";
      summary.className = "step-problems";
      const firstField = form.querySelector("fieldset, section, .wfield");
      form.insertBefore(summary, firstField);
    }
    summary.innerHTML = "";
    const p = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = fmt(S.problemsHere, { count: problems.length });
    p.appendChild(strong);
    const ul = document.createElement("ul");
    problems.forEach((problem) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "#" + problem.anchor;
      a.textContent = (problem.where ? problem.where + ": " : "") + problem.message;
      li.appendChild(a);
      ul.appendChild(li);
    });
    summary.append(p, ul);
  }

  function updateProgress(data) {
    (data.steps || []).forEach((step) => {
      const item = document.querySelector('.wstep[data-step="' + step.slug + '"]');
      if (!item) return;
      item.classList.remove("status-complete", "status-problems", "status-empty");
      item.classList.add("status-" + step.status);
      const label = item.querySelector("[data-state-label]");
      if (label) label.textContent = step.state_text || step.status_label;
    });
    if (typeof data.score === "number") {
      document.querySelectorAll("[data-score]").forEach((el) => { el.textContent = String(data.score); });
      const bar = document.querySelector("#wizard-score [role=progressbar]");
      if (bar) {
        bar.setAttribute("aria-valuenow", String(data.score));
        const fill = bar.querySelector("span");
        if (fill) fill.style.width = data.score + "%";
      }
    }
    if (data.title !== undefined) {
      const title = document.getElementById("deposit-title");
      if (title && data.title) title.textContent = data.title;
    }
  }

  // --- Repeated lines -----------------------------------------------------------------------------

  function templateFor(group, kind) {
    const name = group.dataset.repeat;
    const selector = 'template[data-template-for="' + name + '"]' + (kind ? '[data-kind="' + kind + '"]' : "");
    return Array.from(group.querySelectorAll(selector)).find((t) => t.closest("[data-repeat]") === group)
      || group.querySelector('template[data-template-for="' + name + '"]');
  }

  function setValues(row, values) {
    Object.entries(values || {}).forEach(([key, value]) => {
      const el = Array.from(row.querySelectorAll('[data-name="' + key + '"]')).find((e) => e.closest("[data-row]") === row);
      if (!el) return;
      if (el.type === "checkbox") el.checked = Boolean(value) && value !== "false";
      else el.value = value === null || value === undefined ? "" : String(value);
    });
    if (row.classList.contains("chip")) refreshChip(row);
    const type = row.querySelector('[data-name="name_type"]');
    if (type) row.dataset.nameType = type.value;
  }

  function addRow(group, options) {
    options = options || {};
    const template = templateFor(group, options.kind);
    if (!template) return null;
    const fragment = template.content.cloneNode(true);
    const row = fragment.querySelector("[data-row]");
    rowsContainer(group).appendChild(fragment);
    renumber();
    if (options.values) {
      setValues(row, options.values);
      row.querySelectorAll("[data-check]").forEach((el) => { if (el.value) runChecks(el); });
    }
    group.dispatchEvent(new CustomEvent("wizard:rows-changed", { bubbles: true, detail: { row, added: true } }));
    const empty = group.querySelector("[data-empty-geo]");
    if (empty) empty.hidden = true;
    return row;
  }

  function groupByName(name) {
    return Array.from(form.querySelectorAll('[data-repeat="' + name + '"]')).find((g) => !g.parentElement.closest("[data-row]"));
  }

  function firstInput(row) {
    return Array.from(row.querySelectorAll("input:not([type=hidden]), select, textarea"))
      .find((el) => el.offsetParent !== null && !el.disabled);
  }

  function removeRow(row) {
    const group = groupOfRow(row);
    const rows = rowsOf(group);
    const index = rows.indexOf(row);
    row.remove();
    renumber();
    group.dispatchEvent(new CustomEvent("wizard:rows-changed", { bubbles: true, detail: { removed: true } }));
    const rest = rowsOf(group);
    const next = rest[Math.min(index, rest.length - 1)];
    const focusTarget = next ? (next.querySelector("[data-remove]") || firstInput(next)) : group.querySelector("[data-add]");
    if (focusTarget) focusTarget.focus();
    else {
      const typeahead = group.querySelector("[data-typeahead]");
      if (typeahead) typeahead.focus();
    }
    const empty = group.querySelector("[data-empty-geo]");
    if (empty) empty.hidden = rest.length > 0;
    announce(S.removed);
    changed();
  }

  function moveRow(row, delta) {
    const group = groupOfRow(row);
    const rows = rowsOf(group);
    const index = rows.indexOf(row);
    const target = rows[index + delta];
    if (!target) return;
    if (delta < 0) target.before(row); else target.after(row);
    renumber();
    group.dispatchEvent(new CustomEvent("wizard:rows-changed", { bubbles: true, detail: { moved: true } }));
    announce(fmt(S.movedTo, { n: index + delta + 1 }));
    changed();
  }

  function changed() {
    storeLocal();
    if (isDirty()) setStatus("dirty");
    scheduleSave();
  }

  // Drag to reorder, by the handle (the arrows do the same from the keyboard).
  let dragged = null;
  form.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest("[data-drag]");
    if (handle) handle.closest("[data-row]").draggable = true;
  });
  form.addEventListener("dragstart", (event) => {
    const row = event.target.closest && event.target.closest("[data-row]");
    if (!row || !row.draggable) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.id);
  });
  form.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const over = event.target.closest && event.target.closest("[data-row]");
    if (!over || over === dragged || over.parentElement !== dragged.parentElement) return;
    event.preventDefault();
    const box = over.getBoundingClientRect();
    if (event.clientY < box.top + box.height / 2) over.before(dragged); else over.after(dragged);
  });
  form.addEventListener("drop", (event) => { if (dragged) event.preventDefault(); });
  form.addEventListener("dragend", () => {
    if (!dragged) return;
    const row = dragged;
    dragged = null;
    row.classList.remove("dragging");
    row.draggable = false;
    renumber();
    const group = groupOfRow(row);
    group.dispatchEvent(new CustomEvent("wizard:rows-changed", { bubbles: true, detail: { moved: true } }));
    announce(fmt(S.movedTo, { n: rowsOf(group).indexOf(row) + 1 }));
    changed();
  });

  // --- Chips and the thesaurus type-ahead --------------------------------------------------------

  function refreshChip(row) {
    const value = (key) => {
      const input = row.querySelector('[data-name="' + key + '"]');
      return input ? input.value : "";
    };
    row.querySelector("[data-chip-label]").textContent = value("subject");
    const scheme = row.querySelector("[data-chip-scheme]");
    scheme.textContent = value("scheme");
    scheme.hidden = !value("scheme");
    const uri = row.querySelector("[data-chip-uri]");
    const href = webHref(value("value_uri"));
    uri.href = href || "#";
    uri.hidden = !href;
    const remove = row.querySelector("[data-remove] .visually-hidden");
    if (remove) remove.textContent = S.remove + " " + value("subject");
  }

  function addChip(groupName, subject) {
    const group = groupByName(groupName);
    if (!group) return false;
    const same = rowsOf(group).find((row) => {
      const uri = row.querySelector('[data-name="value_uri"]').value;
      const label = row.querySelector('[data-name="subject"]').value;
      return (subject.value_uri && uri === subject.value_uri) || (!subject.value_uri && !uri && label.toLowerCase() === subject.subject.toLowerCase());
    });
    if (same) {
      announce(fmt(S.alreadyThere, { label: subject.subject }));
      return false;
    }
    addRow(group, { values: subject });
    announce(fmt(S.added, { label: subject.subject }));
    changed();
    return true;
  }

  // The listbox of a combobox (ARIA 1.2 pattern), shared by the thesaurus pickers and the ROR
  // search: closing it, and the option highlighted with the arrow keys (`active`, -1 for none).
  function comboboxList(input, list) {
    const box = { active: -1 };
    box.close = function () {
      list.hidden = true;
      list.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      box.active = -1;
    };
    box.highlight = function (index) {
      const options = list.querySelectorAll("[role=option]");
      options.forEach((opt, i) => opt.setAttribute("aria-selected", i === index ? "true" : "false"));
      box.active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    };
    return box;
  }

  function setupTypeahead(input) {
    const list = document.getElementById(input.getAttribute("aria-controls"));
    const status = input.parentElement.querySelector("[data-typeahead-status]");
    let results = [];
    let timer = null;
    let seq = 0;

    const box = comboboxList(input, list);
    const close = box.close;
    const highlight = box.highlight;

    function render() {
      list.innerHTML = "";
      results.forEach((hit, index) => {
        const li = document.createElement("li");
        li.id = input.id + "-opt-" + index;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const label = document.createElement("span");
        label.className = "opt-label";
        label.textContent = hit.label;
        li.appendChild(label);
        const meta = document.createElement("span");
        meta.className = "opt-meta";
        meta.textContent = [hit.matched ? "“" + hit.matched + "”" : "", hit.notation, hit.thesaurus && hit.thesaurus.title, hit.broader && hit.broader.label ? "⊂ " + hit.broader.label : ""]
          .filter(Boolean).join(" · ");
        li.appendChild(meta);
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(index);
        });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      box.active = -1;
    }

    function choose(index) {
      const hit = results[index];
      if (!hit) return;
      addChip(input.dataset.group, {
        subject: hit.label, value_uri: hit.uri, scheme: hit.thesaurus ? hit.thesaurus.title : "",
        scheme_uri: hit.thesaurus ? hit.thesaurus.uri : "", keyword_type: input.dataset.keywordType, lang: hit.lang || "",
      });
      input.value = "";
      close();
      status.textContent = "";
      input.focus();
    }

    async function search() {
      const q = input.value.trim();
      if (q.length < 2 || !input.dataset.url) {
        seq += 1; // an answer still on its way says nothing about what is typed now
        results = [];
        close();
        status.textContent = "";
        return;
      }
      const mine = ++seq;
      const url = input.dataset.url + "?" + new URLSearchParams({ q, keyword_type: input.dataset.keywordType, lang, limit: "12" });
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (mine !== seq) return;
        const data = await response.json();
        if (!response.ok) throw new Error(data.detail || response.statusText);
        results = data.results || [];
        render();
        status.textContent = results.length ? "" : fmt(S.noMatch, { q });
      } catch (e) {
        if (mine !== seq) return;
        results = [];
        close();
        status.textContent = S.searchFailed;
      }
    }

    input.addEventListener("input", (event) => {
      event.stopPropagation(); // the query is not part of the deposit
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
    input.addEventListener("change", (event) => event.stopPropagation());
    input.addEventListener("keydown", (event) => {
      const count = results.length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        if (list.hidden) render();
        highlight((box.active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        highlight(box.active <= 0 ? count - 1 : box.active - 1);
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (box.active >= 0) choose(box.active);
        else if (input.value.trim()) {
          addChip(input.dataset.group, { subject: input.value.trim(), keyword_type: input.dataset.keywordType });
          input.value = "";
          close();
          status.textContent = "";
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", () => window.setTimeout(close, 150));
  }

  form.querySelectorAll("[data-typeahead]").forEach(setupTypeahead);

  // --- Checks as one types ----------------------------------------------------------------------

  const parseNumber = (text) => {
    let t = String(text || "").trim().replace(/\u2212/g, "-").replace(/\s/g, "");
    if ((t.match(/,/g) || []).length === 1 && !t.includes(".")) t = t.replace(",", ".");
    if (t === "" || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return t === "" ? null : NaN;
    return Number(t);
  };

  function normalizeOrcid(value) {
    let v = String(value || "").trim().replace(/^https?:\/\//i, "").replace(/^(www\.|sandbox\.)?orcid\.org\//i, "").toUpperCase();
    if (/^\d{15}[\dX]$/.test(v)) v = v.replace(/(.{4})(?=.)/g, "$1-");
    return v;
  }

  function orcidProblem(value) {
    const v = normalizeOrcid(value);
    if (!/^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/.test(v)) return S.orcidFormat;
    const digits = v.replace(/-/g, "");
    let total = 0;
    for (let i = 0; i < 15; i++) total = (total + Number(digits[i])) * 2;
    const result = (12 - (total % 11)) % 11;
    return digits[15] === (result === 10 ? "X" : String(result)) ? null : S.orcidCheck;
  }

  function sibling(el, name) {
    const row = el.closest("[data-row]") || form;
    return Array.from(row.querySelectorAll('[data-name="' + name + '"]')).find((e) => (e.closest("[data-row]") || form) === row);
  }

  function checkOf(el) {
    const value = el.value;
    const kind = el.dataset.check;
    if (!value.trim() && kind !== "date-end") return null;
    if (kind === "lat" || kind === "lon") {
      const n = parseNumber(value);
      if (Number.isNaN(n)) return S.number;
      const limit = kind === "lat" ? 90 : 180;
      if (n < -limit || n > limit) return kind === "lat" ? S.lat : S.lon;
      if (el.dataset.name === "box-south" || el.dataset.name === "box-north") {
        const south = parseNumber(sibling(el, "box-south").value);
        const north = parseNumber(sibling(el, "box-north").value);
        if (south !== null && north !== null && south > north) return S.southNorth;
      }
      return null;
    }
    if (kind === "orcid") return orcidProblem(value);
    if (kind === "ror") {
      return /^(https?:\/\/ror\.org\/)?0[a-hj-km-np-tv-z0-9]{6}\d{2}$/i.test(value.trim()) ? null : S.rorFormat;
    }
    if (kind === "polygon") {
      const lines = value.split("\n").map((l) => l.trim()).filter(Boolean);
      for (let i = 0; i < lines.length; i++) {
        const parts = lines[i].replace(/\u2212/g, "-").split(/[\s,;]+/).filter(Boolean);
        const lon = parseNumber(parts[0]);
        const lat = parseNumber(parts[1]);
        if (parts.length !== 2 || Number.isNaN(lon) || Number.isNaN(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
          return fmt(S.polygonLine, { n: i + 1 });
        }
      }
      return lines.length < 3 ? S.polygonFew : null;
    }
    if (kind === "vmin" || kind === "vmax") {
      const n = parseNumber(value);
      if (Number.isNaN(n)) return S.number;
      const min = parseNumber(form.querySelector('[data-check="vmin"]').value);
      const max = parseNumber(form.querySelector('[data-check="vmax"]').value);
      if (min !== null && max !== null && !Number.isNaN(min) && !Number.isNaN(max) && min > max) return S.minMax;
      return null;
    }
    if (kind === "date-start") return null; // an end before the start is the end's fault, as the server says
    if (kind === "date-end") {
      const start = form.querySelector('[data-check="date-start"]').value;
      const end = form.querySelector('[data-check="date-end"]').value;
      return start && end && end < start ? S.endBeforeStart : null;
    }
    if (kind === "embargo") {
      if (el.max && value > el.max) return fmt(S.embargoMax, { date: el.max });
      if (el.min && value < el.min) return S.embargoPast;
      return null;
    }
    if (kind === "related") {
      const type = sibling(el, "identifier_type").value;
      const v = value.trim();
      if (type === "DOI" && !/^(https?:\/\/(dx\.)?doi\.org\/|doi:)?10\.\d{4,9}\/\S+$/i.test(v)) return S.doiFormat || null;
      if (type === "URL" && !/^https?:\/\/\S+$/i.test(v)) return S.urlFormat || null;
      if (type === "SWHID" && !/^swh:1:(cnt|dir|rev|rel|snp|ori):[0-9a-f]{40}(;.*)?$/.test(v)) return S.swhidFormat || null;
      return null;
    }
    return null;
  }

  function showCheck(el, message) {
    const id = el.id + "-check";
    let note = document.getElementById(id);
    if (!message) {
      if (note) note.remove();
      delete el.dataset.clientInvalid;
      if (!el.dataset.serverInvalid) el.removeAttribute("aria-invalid");
      el.setAttribute("aria-describedby", (el.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id).join(" "));
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "field-check";
      note.id = id;
      note.setAttribute("aria-live", "polite");
      el.insertAdjacentElement("afterend", note);
      el.setAttribute("aria-describedby", ((el.getAttribute("aria-describedby") || "") + " " + id).trim());
    }
    note.textContent = message;
    // One message at a field: the server's problems there give way to this one until the next save
    // answers (the value changed, so they are stale; showProblems then says what still holds).
    const server = document.getElementById(el.id + "-problems");
    if (server) {
      server.innerHTML = "";
      server.hidden = true;
    }
    el.dataset.clientInvalid = "1";
    el.setAttribute("aria-invalid", "true");
  }

  function runChecks(el) {
    if (!el.dataset || !el.dataset.check) return;
    const related = { "date-start": '[data-check="date-end"]', "date-end": '[data-check="date-start"]', vmin: '[data-check="vmax"]', vmax: '[data-check="vmin"]' };
    showCheck(el, checkOf(el));
    if (related[el.dataset.check]) {
      const other = form.querySelector(related[el.dataset.check]);
      if (other) showCheck(other, checkOf(other));
    }
    if (el.dataset.name === "box-south" || el.dataset.name === "box-north") {
      const other = sibling(el, el.dataset.name === "box-south" ? "box-north" : "box-south");
      if (other) showCheck(other, checkOf(other));
    }
    if (el.dataset.name === "box-west" || el.dataset.name === "box-east") {
      const west = parseNumber(sibling(el, "box-west").value);
      const east = parseNumber(sibling(el, "box-east").value);
      const note = el.closest("[data-row]").querySelector("[data-antimeridian]");
      if (note) note.hidden = !(west !== null && east !== null && west > east);
    }
  }

  // --- Look-ups: the name on an ORCID record, organisations in ROR --------------------------------
  // Only where the page names the look-up's URL (data-orcid-lookup, data-ror-lookup on the creators'
  // and contributors' groups): otherwise the fields are typed by hand, as without JavaScript. What a
  // look-up says is shown under its field and announced; the fields always stay free to type.

  function lookupNote(input, create) {
    const field = input.closest(".wfield") || input.parentElement;
    let note = Array.from(field.querySelectorAll("[data-lookup-note]")).find((n) => n.closest(".wfield") === field);
    if (!note && create) {
      note = document.createElement("div");
      note.className = "help lookup-note";
      note.setAttribute("data-lookup-note", "");
      note.dataset.id = input.dataset.name + "-lookup"; // renumber() keeps its id with the line's
      field.appendChild(note);
      input.dataset.describedby = ((input.dataset.describedby || "") + " " + note.dataset.id).trim();
      renumber();
    }
    return note;
  }

  function clearLookupNote(input) {
    const note = lookupNote(input, false);
    if (!note) return;
    input.dataset.describedby = (input.dataset.describedby || "").split(/\s+/).filter((id) => id && id !== note.dataset.id).join(" ");
    note.remove();
    renumber();
  }

  function sayBeside(input, text, button) {
    const note = lookupNote(input, true);
    note.textContent = "";
    const p = document.createElement("span");
    p.textContent = text;
    note.appendChild(p);
    if (button) {
      note.appendChild(document.createTextNode(" "));
      note.appendChild(button);
    }
    announce(button ? text + " " + button.textContent : text);
  }

  async function getJson(url) {
    // {ok, data}; data.detail is the server's own (translated) reason when it refused.
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const data = await response.json();
      return { ok: response.ok, data: data || {} };
    } catch (e) {
      return { ok: false, data: {} }; // offline, or not JSON (a sign-in page after the session ended)
    }
  }

  const orcidLookups = new WeakMap(); // input → the iD asked last: a late answer for another is dropped

  async function lookupOrcid(input) {
    const group = input.closest("[data-orcid-lookup]");
    if (!group || !group.dataset.orcidLookup) return;
    const orcid = normalizeOrcid(input.value);
    if (!input.value.trim() || orcidProblem(input.value)) {
      orcidLookups.delete(input);
      clearLookupNote(input);
      return;
    }
    orcidLookups.set(input, orcid);
    lookupNote(input, true).textContent = S.orcidLooking;
    const { ok, data } = await getJson(group.dataset.orcidLookup.replace("__orcid__", encodeURIComponent(orcid)));
    if (orcidLookups.get(input) !== orcid || !input.isConnected) return;
    if (!ok) {
      sayBeside(input, data.detail || S.lookupFailed);
      return;
    }
    offerOrcidName(input, data);
  }

  function offerOrcidName(input, person) {
    const given = sibling(input, "given_name");
    const family = sibling(input, "family_name");
    if (!given || !family) return;
    const recordGiven = person.given_name || "";
    const recordFamily = person.family_name || "";
    if (!recordGiven && !recordFamily) {
      sayBeside(input, S.orcidNoName);
      return;
    }
    const name = person.name || [recordGiven, recordFamily].filter(Boolean).join(" ");
    const same = (a, b) => a.trim().replace(/\s+/g, " ").toLowerCase() === b.trim().replace(/\s+/g, " ").toLowerCase();
    const pairs = [[given, recordGiven], [family, recordFamily]];
    if (!pairs.some(([el, value]) => el.value.trim() && value && !same(el.value, value))) {
      // Nothing typed disagrees with the record: fill in what is empty.
      const empty = pairs.filter(([el, value]) => !el.value.trim() && value);
      empty.forEach(([el, value]) => { el.value = value; });
      sayBeside(input, empty.length ? fmt(S.orcidFilled, { name }) : S.orcidMatches);
      if (empty.length) changed();
      return;
    }
    // The depositor typed another name: theirs stays unless they take the record's.
    const use = document.createElement("button");
    use.type = "button";
    use.className = "button small secondary";
    use.textContent = fmt(S.orcidUseName, { name });
    use.addEventListener("click", () => {
      pairs.forEach(([el, value]) => { el.value = value; });
      sayBeside(input, fmt(S.orcidUsed, { name }));
      input.focus();
      changed();
    });
    sayBeside(input, fmt(S.orcidDiffers, { name }), use);
  }

  function syncRorIds(input) {
    const list = input.parentElement.querySelector("[role=listbox]");
    if (!list) return;
    list.id = input.id + "-list";
    input.setAttribute("aria-controls", list.id);
  }

  function setupRorCombobox(input) {
    const group = input.closest("[data-ror-lookup]");
    if (input.dataset.rorCombobox || !group || !group.dataset.rorLookup) return;
    input.dataset.rorCombobox = "1";
    // The thesaurus type-ahead's pattern (ARIA 1.2 combobox with a listbox), on a field that keeps
    // what is typed: the name is the affiliation whether or not a suggestion is chosen.
    const wrap = document.createElement("div");
    wrap.style.position = "relative"; // the list opens under the field
    input.before(wrap);
    wrap.appendChild(input);
    const list = document.createElement("ul");
    list.className = "typeahead-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", S.rorSuggestions);
    list.hidden = true;
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    wrap.append(list, status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    syncRorIds(input);
    let results = [];
    let timer = null;
    let seq = 0;

    const box = comboboxList(input, list);
    const close = box.close;
    const highlight = box.highlight;

    function render() {
      syncRorIds(input);
      list.innerHTML = "";
      results.forEach((org, index) => {
        const li = document.createElement("li");
        li.id = input.id + "-opt-" + index;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const label = document.createElement("span");
        label.className = "opt-label";
        label.textContent = org.name;
        const meta = document.createElement("span");
        meta.className = "opt-meta";
        meta.textContent = [org.country, (org.aliases || []).slice(0, 3).join(", "), org.id.replace(/^https:\/\//, "")]
          .filter(Boolean).join(" · ");
        li.append(label, meta);
        li.addEventListener("mousedown", (event) => {
          event.preventDefault(); // keep the focus in the field
          choose(index);
        });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      box.active = -1;
    }

    function choose(index) {
      const org = results[index];
      if (!org) return;
      input.value = org.name;
      const ror = sibling(input, "ror");
      if (ror) {
        ror.value = org.id;
        runChecks(ror);
      }
      close();
      status.textContent = "";
      clearLookupNote(input);
      announce(fmt(S.rorChosen, { name: org.name, id: org.id }));
      input.focus();
      changed();
    }

    async function search() {
      const q = input.value.trim();
      const mine = ++seq;
      if (q.length < 2) {
        results = [];
        close();
        return;
      }
      const { ok, data } = await getJson(group.dataset.rorLookup + "?" + new URLSearchParams({ q }));
      if (mine !== seq || document.activeElement !== input) return;
      if (!ok) {
        results = [];
        close();
        sayBeside(input, data.detail || S.lookupFailed); // typing goes on: the name is kept as typed
        return;
      }
      clearLookupNote(input);
      results = Array.isArray(data.results) ? data.results : [];
      render();
      status.textContent = results.length ? fmt(S.rorFound, { n: results.length }) : fmt(S.rorNoMatch, { q });
    }

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
    input.addEventListener("keydown", (event) => {
      const count = results.length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        if (list.hidden) render();
        highlight((box.active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        if (list.hidden) render();
        highlight(box.active <= 0 ? count - 1 : box.active - 1);
      } else if (event.key === "Enter" && !list.hidden) {
        event.preventDefault();
        if (box.active >= 0) choose(box.active);
        else close();
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      } else if (event.key === "Tab") close();
    });
    input.addEventListener("blur", () => window.setTimeout(() => {
      seq += 1; // an answer arriving after the field was left opens nothing
      close();
    }, 150));
  }

  function setupLookups() {
    form.querySelectorAll('[data-ror-lookup] [data-repeat="affiliations"] [data-row] [data-name="name"]').forEach(setupRorCombobox);
    form.querySelectorAll("[data-ror-combobox]").forEach(syncRorIds); // lines renumbered: ids follow
  }

  // --- Small behaviours ---------------------------------------------------------------------------

  function syncOngoing() {
    const ongoing = form.querySelector('[data-name="temporal_extent-ongoing"]');
    const end = form.querySelector('[data-name="temporal_extent-end"]');
    if (ongoing && end) end.disabled = ongoing.checked;
  }

  function syncEmbargo() {
    const chosen = form.querySelector('[data-name="access-level"]:checked');
    const box = form.querySelector("[data-embargo]");
    if (box) box.hidden = !chosen || chosen.value !== "embargoed";
  }

  function syncContactAddress() {
    const chosen = form.querySelector('[data-name="point_of_contact-address"]:checked');
    const box = form.querySelector("[data-contact-email]");
    if (box) box.hidden = !chosen || chosen.value !== "own";
  }

  // The INSPIRE theme follows the community, and the conditions of use follow the licence, for as long
  // as the depositor leaves them as they were offered (the server does the same with a form sent
  // without this script: deposit/wizard/inspire.py).
  function followCommunity(select) {
    const theme = form.querySelector('[data-name="inspire_theme"]');
    const offered = form.querySelector('[data-name="inspire_theme-offered"]');
    if (!theme || !offered) return;
    const option = select.selectedOptions[0];
    const next = (option && option.dataset.inspireTheme) || "";
    if (theme.value === offered.value) theme.value = next;
    offered.value = next;
  }

  const checkedLicence = form.querySelector('[data-name="licence"]:checked');
  let licenceConditions = checkedLicence ? checkedLicence.dataset.useConditions || "" : "";

  function followLicence(radio) {
    const conditions = form.querySelector('[data-name="use_conditions"]');
    const next = radio.dataset.useConditions || "";
    if (conditions && conditions.value.trim() === licenceConditions.trim()) conditions.value = next;
    licenceConditions = next;
  }

  function contactFromCreator() {
    const creators = groupByName("creators");
    const first = creators && rowsOf(creators)[0];
    if (!first) return;
    const get = (name) => {
      const el = sibling(first.querySelector("[data-name]"), name);
      return el ? el.value.trim() : "";
    };
    const personal = get("name_type") !== "Organizational";
    const name = personal ? [get("given_name"), get("family_name")].filter(Boolean).join(" ") : get("name");
    const affiliation = first.querySelector('[data-repeat="affiliations"] [data-name="name"]');
    const set = (field, value) => {
      const el = form.querySelector('[data-name="point_of_contact-' + field + '"]');
      if (el && value) el.value = value;
    };
    set("name", name);
    set("orcid", personal ? get("orcid") : "");
    set("organisation", affiliation ? affiliation.value.trim() : "");
    const email = form.querySelector('[data-name="point_of_contact-email"]');
    if (email && !email.closest("[hidden]")) email.focus();
    changed();
  }

  // The label of a chip of `groupName` that says what the suggested `subject` says: the same concept,
  // one of the concepts the server found equivalent in the loaded thesauri (a CF standard name's
  // NVS P07 term and the P02 group it is filed under), or an NVS P07 term whose label is the
  // standard name (P07's preferred labels are the CF names themselves). The chips include those
  // the same fill has just added.
  function equivalentChip(groupName, subject) {
    const group = groupByName(groupName);
    if (!group || !subject.value_uri) return null;
    const uris = [subject.value_uri].concat(subject.equivalents || []);
    const row = rowsOf(group).find((r) => {
      const uri = r.querySelector('[data-name="value_uri"]').value;
      const label = r.querySelector('[data-name="subject"]').value;
      return (uri && uris.includes(uri)) || (/\/collection\/P07\//.test(uri) && label === subject.subject);
    });
    return row ? row.querySelector('[data-name="subject"]').value : null;
  }

  function applySuggestions(panel) {
    const data = JSON.parse(panel.dataset.suggestions || "{}");
    const used = (kind, index) => {
      const box = panel.querySelector('[data-use="' + kind + '"]' + (index === undefined ? "" : '[data-index="' + index + '"]'));
      return box && box.checked;
    };
    const geo = groupByName("geo_locations");
    let boxReplaced = false;
    (data.geo_locations || []).forEach((location, index) => {
      if (!used("geo_locations", index) || !geo) return;
      const values = { place: location.place || "" };
      let kind = "place";
      if (location.box) {
        kind = "box";
        ["west", "east", "south", "north"].forEach((k) => { values["box-" + k] = location.box[k]; });
        // The file's box is the deposit's bounding box: it replaces the box there (its place name
        // kept unless the file names one), rather than drawing a second one beside it.
        const box = boxReplaced ? null : rowsOf(geo).find((row) => row.dataset.kind === "box");
        if (box) {
          boxReplaced = true;
          if (!values.place) delete values.place;
          setValues(box, values);
          box.querySelectorAll("[data-check]").forEach((el) => runChecks(el));
          geo.dispatchEvent(new CustomEvent("wizard:rows-changed", { bubbles: true, detail: { row: box, fit: true } }));
          return;
        }
      } else if (location.point) {
        kind = "point";
        values["point-longitude"] = location.point.longitude;
        values["point-latitude"] = location.point.latitude;
      } else if (location.polygon) {
        kind = "polygon";
        values.polygon = location.polygon.map((p) => p.longitude + ", " + p.latitude).join("\n");
      }
      addRow(geo, { kind, values });
    });
    const setField = (name, value) => {
      const el = form.querySelector('[data-name="' + name + '"]');
      if (!el || value === undefined || value === null) return;
      if (el.type === "checkbox") el.checked = Boolean(value);
      else el.value = String(value).slice(0, el.type === "date" ? 10 : undefined);
    };
    if (data.temporal_extent && used("temporal_extent")) {
      setField("temporal_extent-start", data.temporal_extent.start);
      setField("temporal_extent-end", data.temporal_extent.end || "");
      setField("temporal_extent-ongoing", data.temporal_extent.ongoing);
      syncOngoing();
    }
    if (data.vertical_extent && used("vertical_extent")) {
      setField("vertical_extent-minimum", data.vertical_extent.minimum);
      setField("vertical_extent-maximum", data.vertical_extent.maximum);
      setField("vertical_extent-reference", data.vertical_extent.reference || "depth");
    }
    const groups = { parameter: "parameters", instrument: "instruments", platform: "platforms", place: "places" };
    (data.subjects || []).forEach((subject, index) => {
      if (!used("subjects", index)) return;
      const group = groups[subject.keyword_type || "parameter"];
      if (!group) return;
      const same = equivalentChip(group, subject);
      if (same) {
        announce(fmt(S.alreadyThere, { label: same }));
        return;
      }
      const { equivalents, already, ...values } = subject; // what the server knows, not metadata
      addChip(group, Object.assign({ keyword_type: subject.keyword_type || "parameter" }, values));
    });
    announce(S.applied);
    changed();
  }

  // --- Events -------------------------------------------------------------------------------------

  form.addEventListener("input", (event) => {
    if (event.target.dataset && event.target.dataset.clientInvalid) runChecks(event.target);
    storeLocal();
    if (isDirty()) {
      setStatus("dirty");
      scheduleSave(IDLE_MS); // a pause in typing saves too
    }
  });

  form.addEventListener("change", (event) => {
    const el = event.target;
    runChecks(el);
    if (el.dataset && el.dataset.name === "name_type") el.closest("[data-row]").dataset.nameType = el.value;
    if (el.dataset && el.dataset.name === "orcid") lookupOrcid(el);
    if (el.dataset && el.dataset.name === "temporal_extent-ongoing") syncOngoing();
    if (el.dataset && el.dataset.name === "access-level") syncEmbargo();
    if (el.dataset && el.dataset.name === "point_of_contact-address") syncContactAddress();
    if (el.dataset && el.dataset.name === "community") followCommunity(el);
    if (el.dataset && el.dataset.name === "licence" && el.checked) followLicence(el);
    if (el.dataset && el.dataset.name === "identifier_type") {
      const identifier = sibling(el, "identifier");
      if (identifier) runChecks(identifier);
    }
    changed();
  });

  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add]");
    if (add) {
      event.preventDefault();
      const scope = add.closest("[data-row]");
      const group = Array.from((scope || form).querySelectorAll('[data-repeat="' + add.dataset.add + '"]'))
        .find((g) => g.parentElement.closest("[data-row]") === scope) || add.closest("[data-repeat]");
      const values = add.dataset.preset ? JSON.parse(add.dataset.preset) : null;
      const row = addRow(group, { kind: add.dataset.kind, values });
      if (row) {
        if (add.dataset.placeholder) {
          const identifier = row.querySelector('[data-name="identifier"]');
          if (identifier) identifier.placeholder = add.dataset.placeholder;
        }
        const input = firstInput(row);
        if (input) input.focus();
        storeLocal();
      }
      return;
    }
    const remove = event.target.closest("[data-remove]");
    if (remove) {
      event.preventDefault();
      removeRow(remove.closest("[data-row]"));
      return;
    }
    const move = event.target.closest("[data-move]");
    if (move) {
      event.preventDefault();
      moveRow(move.closest("[data-row]"), move.dataset.move === "up" ? -1 : 1);
      move.focus();
      return;
    }
    if (event.target.closest("[data-contact-from-creator]")) {
      event.preventDefault();
      contactFromCreator();
      return;
    }
    const apply = event.target.closest("[data-apply-suggestions]");
    if (apply) {
      event.preventDefault();
      applySuggestions(apply.closest("[data-suggestions]"));
    }
  });

  function stepUrl(slug) {
    const link = document.querySelector('.wstep[data-step="' + slug + '"] a');
    return link ? link.href : null;
  }

  async function leaveTo(url) {
    revealProblems();
    const result = await save();
    if (result.ok || result.offline) window.location.href = url;
  }

  document.querySelectorAll("[data-nav]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      leaveTo(link.href);
    });
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    revealProblems();
    const submitter = event.submitter;
    if (submitter && submitter.dataset.go) {
      leaveTo(stepUrl(submitter.dataset.go));
      return;
    }
    save({ force: true });
  });

  document.querySelectorAll("[data-submit-form]").forEach((submitForm) => {
    submitForm.addEventListener("submit", async (event) => {
      if (!isDirty() && !inFlight) return;
      event.preventDefault();
      const result = await save();
      if (result.ok) submitForm.submit();
    });
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    event.target.querySelectorAll && event.target.querySelectorAll("[data-submit-form]").forEach((submitForm) => {
      submitForm.addEventListener("submit", async (e) => {
        if (!isDirty() && !inFlight) return;
        e.preventDefault();
        const result = await save();
        if (result.ok) submitForm.submit();
      });
    });
  });

  // Leaving: save what is unsaved (the beacon outlives the page; the local copy covers a crash).
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && isDirty() && !conflict) save({ keepalive: true });
  });
  window.addEventListener("pagehide", () => {
    if (!isDirty() || conflict || inFlight || !navigator.sendBeacon) return;
    storeLocal();
    navigator.sendBeacon(form.dataset.saveUrl, new FormData(form));
  });
  window.setInterval(() => {
    if (isDirty() && !inFlight) save();
  }, PERIOD_MS);

  // --- After a crash: offer what this browser kept ------------------------------------------------

  function applyEntries(list) {
    const values = new Map();
    list.forEach(([key, value]) => { if (!values.has(key)) values.set(key, value); });
    form.querySelectorAll("[data-repeat]").forEach((group) => {
      if (!group.parentElement.closest("[data-row]")) rowsOf(group).forEach((row) => row.remove());
    });
    renumber();
    list.forEach(([name]) => ensureRowsFor(name, values));
    renumber();
    form.querySelectorAll('input[type="checkbox"][data-name]').forEach((box) => { box.checked = values.has(box.name); });
    values.forEach((value, name) => {
      const field = form.elements.namedItem(name);
      if (!field) return;
      if (field instanceof RadioNodeList) field.value = value;
      else if (field.type !== "checkbox") field.value = value;
    });
    form.querySelectorAll(".chip[data-row]").forEach(refreshChip);
    form.querySelectorAll('[data-name="name_type"]').forEach((el) => { el.closest("[data-row]").dataset.nameType = el.value; });
    form.querySelectorAll("[data-check]").forEach((el) => { if (el.value) runChecks(el); });
    syncOngoing();
    syncEmbargo();
    syncContactAddress();
    form.dispatchEvent(new CustomEvent("wizard:rows-changed", { bubbles: true, detail: { restored: true } }));
  }

  function ensureRowsFor(name, values) {
    const tokens = name.split("-");
    let scope = null;
    let prefix = "";
    for (let i = 0; i < tokens.length - 1; i++) {
      if (!/^\d+$/.test(tokens[i + 1])) continue;
      const group = Array.from((scope || form).querySelectorAll('[data-repeat="' + tokens[i] + '"]'))
        .find((g) => g.parentElement.closest("[data-row]") === scope);
      if (!group) continue;
      const index = Number(tokens[i + 1]);
      prefix += tokens[i] + "-" + index + "-";
      while (rowsOf(group).length <= index) {
        addRow(group, { kind: values.get(prefix + "kind") });
      }
      scope = rowsOf(group)[index];
      i += 1;
    }
  }

  function offerRestore(stored) {
    const box = document.getElementById("wizard-restore");
    if (!box) return;
    box.innerHTML = "";
    const title = document.createElement("h3");
    title.id = "wizard-restore-title";
    title.textContent = S.restoreTitle;
    const text = document.createElement("p");
    text.textContent = fmt(S.restoreText, { time: new Date(stored.time).toLocaleString(document.documentElement.lang || undefined) });
    const buttons = document.createElement("div");
    buttons.className = "buttons";
    const restore = document.createElement("button");
    restore.type = "button";
    restore.className = "button";
    restore.textContent = S.restore;
    restore.addEventListener("click", () => {
      applyEntries(stored.entries);
      // Saved on top of the revision they were typed on: if someone saved since, the conflict shows.
      revisionInput.value = stored.revision;
      box.hidden = true;
      announce(S.restored);
      storeLocal();
      save({ force: true });
    });
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button secondary";
    discard.textContent = S.discard;
    discard.addEventListener("click", () => {
      clearLocal();
      box.hidden = true;
    });
    buttons.append(restore, discard);
    box.append(title, text, buttons);
    box.hidden = false;
  }

  // --- Start --------------------------------------------------------------------------------------

  renumber();
  syncOngoing();
  syncEmbargo();
  syncContactAddress();
  setupLookups();
  form.addEventListener("wizard:rows-changed", setupLookups);
  form.querySelectorAll("[data-check]").forEach((el) => { if (el.value) runChecks(el); });
  const live = document.createElement("p");
  live.id = "wizard-announce";
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);
  if (hasFields) {
    const stored = readLocal();
    if (stored && Array.isArray(stored.entries)) {
      if (JSON.stringify(stored.entries) === lastSaved) clearLocal();
      else if (String(stored.revision) === String(revisionInput.value)) {
        // Typed here on top of the very revision the page shows (a reload, a crash before the last
        // save): nobody saved since, so put them back at once and save them.
        applyEntries(stored.entries);
        setStatus("dirty");
        announce(S.restored);
        save({ force: true });
      } else offerRestore(stored);
    }
  }

  // --- Layout: the Save bar never hides the focus, the current step in view, the request folded --

  // What is focused is never under the sticky Save bar (WCAG 2.2 "focus not obscured"). The page
  // keeps the bar's height free when it scrolls something into view (scroll-padding-bottom in
  // estran.css, from --wizard-bar measured here); a focus that still ends under the bar (an
  // element in a box that scrolls on its own, a script's focus() without scrolling) is brought up.
  const bar = document.getElementById("wizard-actions");
  if (bar) {
    const measure = () => {
      document.documentElement.style.setProperty("--wizard-bar", Math.ceil(bar.getBoundingClientRect().height) + 12 + "px");
    };
    measure();
    if (window.ResizeObserver) new ResizeObserver(measure).observe(bar);
    document.addEventListener("focusin", (event) => {
      const target = event.target;
      if (!(target instanceof Element) || bar.contains(target)) return;
      requestAnimationFrame(() => {
        const box = target.getBoundingClientRect();
        const top = bar.getBoundingClientRect().top;
        if (box.bottom <= top - 4 || box.top >= window.innerHeight) return;
        // Up by what the bar covers, but never so far that the element's own top leaves the window
        // (a tall box, a map: its top, where one starts reading, stays in sight).
        const by = Math.min(box.bottom - top + 12, box.top - 8);
        if (by > 0) window.scrollBy(0, by);
      });
    });
  }

  // On a phone the steps are a strip that scrolls sideways: show the current one.
  const strip = document.querySelector("#wizard-steps ol");
  const current = strip && strip.querySelector(".wstep.current");
  if (current && strip.scrollWidth > strip.clientWidth) {
    const stripBox = strip.getBoundingClientRect();
    const box = current.getBoundingClientRect();
    strip.scrollLeft += box.left - stripBox.left - (stripBox.width - box.width) / 2;
  }

  // The moderator's request, at the top of every step: once folded, it stays folded on the other
  // steps for this visit (sessionStorage), so the fields come first.
  const request = document.querySelector("details[data-change-request]");
  if (request) {
    const key = "estran:change-request:" + request.dataset.changeRequest;
    try {
      if (sessionStorage.getItem(key) === "folded") request.open = false;
      request.addEventListener("toggle", () => {
        if (request.open) sessionStorage.removeItem(key);
        else sessionStorage.setItem(key, "folded");
      });
    } catch (e) {
      // Storage refused (private mode): the request simply opens on each step.
    }
  }

  window.EstranWizard = {
    form,
    strings: S,
    addRow: (groupName, kind, values) => {
      const group = groupByName(groupName);
      const row = group ? addRow(group, { kind, values }) : null;
      if (row) changed();
      return row;
    },
    removeRow,
    rowsOf: (groupName) => {
      const group = groupByName(groupName);
      return group ? rowsOf(group) : [];
    },
    changed,
    save,
    parseNumber,
    runChecks,
  };
  document.dispatchEvent(new CustomEvent("wizard:ready"));
})();
