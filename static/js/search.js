/* Estran — the search page: a Leaflet map (the wizard's offline Natural Earth base map) on which a
   box is drawn with the mouse or a finger to filter the records by area, kept in sync with the four coordinate
   inputs (the inputs are the truth: the page works without this script); ticking a facet,
   choosing a sort or a date submits the form at once.

   Longitudes are −180…180; a box drawn across the antimeridian is sent with west > east and drawn
   by unwrapping east by 360°, as in static/js/map.js. */
(function () {
  "use strict";

  const round = (x) => Math.round(x * 100) / 100; // 0.01° (about a kilometre) is plenty to search by
  const parse = (text) => {
    const value = String(text || "").trim().replace(/\u2212/g, "-").replace(",", ".");
    if (value === "") return null;
    const number = Number(value);
    return Number.isFinite(number) ? number : NaN;
  };

  function start() {
    const form = document.getElementById("search-form");
    if (!form) return;
    const inputs = {
      west: document.getElementById("f-west"), south: document.getElementById("f-south"),
      east: document.getElementById("f-east"), north: document.getElementById("f-north"),
    };

    // Empty inputs are left out of the URL; a facet or a sort applies at once.
    form.addEventListener("submit", () => {
      form.querySelectorAll("input[type=text], input[type=search], input[type=date]").forEach((input) => {
        if (!input.value.trim()) input.disabled = true;
      });
    });
    window.addEventListener("pageshow", () => form.querySelectorAll("input:disabled").forEach((i) => { i.disabled = false; }));
    form.querySelectorAll(".facet input[type=checkbox], #f-sort").forEach((input) => {
      input.addEventListener("change", () => {
        // Keyboard users find themselves where they were once the new page is there.
        try { window.sessionStorage.setItem("estran-search-focus", JSON.stringify([input.name, input.value])); } catch (e) { /* private mode */ }
        form.requestSubmit();
      });
    });
    // A date applies as a ticked box does, once it is a whole day: a date field fires `change` at
    // each digit of a typed year (0002, 0020, 0202, 2024), so only a four-digit year counts, and a
    // short pause lets the typing end. The button below the filters stays for pages without script.
    let dateTimer = null;
    form.querySelectorAll("#f-start, #f-end").forEach((input) => {
      input.addEventListener("change", () => {
        window.clearTimeout(dateTimer);
        const year = Number((input.value || "").slice(0, 4));
        if (input.value && (!input.validity.valid || year < 1000)) return;
        dateTimer = window.setTimeout(() => {
          try { window.sessionStorage.setItem("estran-search-focus", JSON.stringify([input.name, input.value])); } catch (e) { /* private mode */ }
          form.requestSubmit();
        }, 600);
      });
    });
    document.querySelectorAll("[data-js-only]").forEach((el) => { el.hidden = false; });
    try {
      const focus = JSON.parse(window.sessionStorage.getItem("estran-search-focus") || "null");
      window.sessionStorage.removeItem("estran-search-focus");
      const target = focus && (focus[0] === "sort" ? document.getElementById("f-sort")
        : form.querySelector('input[name="' + CSS.escape(focus[0]) + '"][value="' + CSS.escape(focus[1]) + '"]'));
      if (target) target.focus();
    } catch (e) { /* private mode */ }

    const el = document.getElementById("search-map");
    if (!el || !window.L) return;
    el.hidden = false;
    const status = document.getElementById("map-status");
    const say = (text) => { if (status) status.textContent = text; };
    const drawButton = form.querySelector("[data-draw-box]");
    const clearButton = form.querySelector("[data-clear-box]");
    drawButton.hidden = false;

    const basemap = window.EstranBasemap(el, { center: [20, 0], zoom: 1, step: 20 });
    const map = basemap.map;

    // --- The box of the inputs ---------------------------------------------------------------
    let box = null;
    function values() {
      const v = {};
      for (const name in inputs) v[name] = parse(inputs[name].value);
      return v;
    }
    function redraw(fit) {
      if (box) map.removeLayer(box);
      box = null;
      const v = values();
      const complete = ["west", "south", "east", "north"].every((k) => v[k] !== null && !Number.isNaN(v[k]));
      clearButton.hidden = !["west", "south", "east", "north"].some((k) => v[k] !== null);
      if (!complete || Math.abs(v.west) > 180 || Math.abs(v.east) > 180 || Math.abs(v.south) > 90 || Math.abs(v.north) > 90) return;
      const east = v.east < v.west ? v.east + 360 : v.east;
      box = L.rectangle([[Math.min(v.south, v.north), v.west], [Math.max(v.south, v.north), east]],
                        { color: "#c2410c", weight: 2, fillColor: "#c2410c", fillOpacity: 0.12, interactive: false }).addTo(map);
      if (fit) map.fitBounds(box.getBounds().pad(0.6), { maxZoom: 6 });
    }
    let timer = null;
    Object.values(inputs).forEach((input) => input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => redraw(false), 150);
    }));
    redraw(true);

    // --- Drawing -----------------------------------------------------------------------------
    let drawing = false;
    const boxTool = window.EstranBasemap.boxTool(map, (box) => {
      setDrawing(false);
      for (const side in inputs) inputs[side].value = round(box[side]);
      redraw(false);
      say(el.dataset.drawnHelp || "");
      form.requestSubmit();
    });
    function setDrawing(on) {
      drawing = on;
      drawButton.setAttribute("aria-pressed", on ? "true" : "false");
      el.classList.toggle("drawing", on);
      if (on) {
        boxTool.enable();
        say(drawButton.dataset.help || "");
      } else boxTool.disable();
    }
    drawButton.dataset.help = el.dataset.drawHelp || "";
    drawButton.addEventListener("click", () => setDrawing(!drawing));
    clearButton.addEventListener("click", () => {
      Object.values(inputs).forEach((input) => { input.value = ""; });
      redraw(false);
      form.requestSubmit();
    });
    document.addEventListener("keydown", (event) => {
      if (drawing && event.key === "Escape") {
        setDrawing(false);
        say("");
      }
    });

    window.EstranSearchMap = { map, redraw, setDrawing };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
