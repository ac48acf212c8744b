/* Estran — the map of step 3 ("Where and when"): Leaflet over an offline Natural Earth base map,
   with three drawing tools (box, polygon, point), by mouse or by touch (the box's drag is
   EstranBasemap.boxTool's). Every shape is a line of the "Locations" list, whose numeric inputs
   are the truth: drawing fills them, typing in them redraws the shape.

   Longitudes are stored in −180…180. A box drawn across the antimeridian is stored with
   west > east (DataCite's and ISO's convention) and drawn by unwrapping east by 360°. */
(function () {
  "use strict";

  const COLOURS = ["#0b4f6c", "#c2410c", "#6d28d9", "#15803d", "#b91c1c", "#0e7490", "#a16207", "#be185d"];
  const round = (x) => Math.round(x * 10000) / 10000;
  const wrap = (lng) => {
    const w = ((((lng + 180) % 360) + 360) % 360) - 180;
    return w === -180 && lng > 0 ? 180 : w;
  };
  const clampLat = (lat) => Math.max(-90, Math.min(90, lat));

  function start() {
    const W = window.EstranWizard;
    const el = document.getElementById("map");
    if (!W || !el || !window.L) return;
    const S = W.strings;
    const status = document.getElementById("map-status");
    const say = (text) => { if (status) status.textContent = text; };
    const num = (row, name) => {
      const input = row.querySelector('[data-name="' + name + '"]');
      const value = input ? W.parseNumber(input.value) : null;
      return value === null || Number.isNaN(value) ? null : value;
    };

    const basemap = window.EstranBasemap(el, { center: [30, 0], zoom: 2 });
    const map = basemap.map;

    // --- Shapes from the list ----------------------------------------------------------------
    const shapes = L.featureGroup().addTo(map);
    const layerOf = new Map();

    function shapeOf(row, colour) {
      const kind = row.dataset.kind;
      const style = { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.15 };
      if (kind === "box") {
        const w = num(row, "box-west"), e = num(row, "box-east"), s = num(row, "box-south"), n = num(row, "box-north");
        if ([w, e, s, n].some((v) => v === null) || Math.abs(w) > 180 || Math.abs(e) > 180 || Math.abs(s) > 90 || Math.abs(n) > 90) return null;
        const east = e < w ? e + 360 : e;
        return L.rectangle([[Math.min(s, n), w], [Math.max(s, n), east]], style);
      }
      if (kind === "point") {
        const lon = num(row, "point-longitude"), lat = num(row, "point-latitude");
        if (lon === null || lat === null || Math.abs(lon) > 180 || Math.abs(lat) > 90) return null;
        return L.circleMarker([lat, lon], Object.assign({}, style, { radius: 7, fillOpacity: 0.6 }));
      }
      if (kind === "polygon") {
        const input = row.querySelector('[data-name="polygon"]');
        const points = [];
        let previous = null;
        for (const line of (input ? input.value : "").split("\n")) {
          const parts = line.trim().replace(/\u2212/g, "-").split(/[\s,;]+/).filter(Boolean);
          if (parts.length !== 2) continue;
          let lon = W.parseNumber(parts[0]);
          const lat = W.parseNumber(parts[1]);
          if (lon === null || lat === null || Number.isNaN(lon) || Number.isNaN(lat)) continue;
          if (previous !== null) {
            while (lon - previous > 180) lon -= 360;
            while (previous - lon > 180) lon += 360;
          }
          previous = lon;
          points.push([lat, lon]);
        }
        return points.length >= 3 ? L.polygon(points, style) : points.length ? L.polyline(points, style) : null;
      }
      return null;
    }

    function redraw(fit) {
      shapes.clearLayers();
      layerOf.clear();
      W.rowsOf("geo_locations").forEach((row, index) => {
        const colour = COLOURS[index % COLOURS.length];
        const swatch = row.querySelector(".geo-swatch");
        if (swatch) swatch.style.background = colour;
        const layer = shapeOf(row, colour);
        if (!layer) return;
        layer.on("click", () => {
          const input = row.querySelector('input:not([type=hidden]), textarea');
          if (input) input.focus();
        });
        layer.addTo(shapes);
        layerOf.set(row, layer);
      });
      if (fit && shapes.getLayers().length) {
        map.fitBounds(shapes.getBounds().pad(0.3), { maxZoom: 7 });
      }
    }

    let timer = null;
    const group = document.getElementById("f-geo_locations");
    const later = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => redraw(false), 150);
    };
    group.addEventListener("input", later);
    group.addEventListener("change", later);
    W.form.addEventListener("wizard:rows-changed", (event) => {
      const detail = event.detail || {};
      redraw(Boolean(detail.restored || detail.fit));
    });
    group.addEventListener("focusin", (event) => {
      const row = event.target.closest("[data-row]");
      layerOf.forEach((layer, r) => layer.setStyle && layer.setStyle({ weight: r === row ? 4 : 2 }));
    });
    redraw(true);

    // --- Drawing ----------------------------------------------------------------------------
    const tools = Array.from(document.querySelectorAll("[data-draw]"));
    const finishButton = document.querySelector("[data-draw-finish]");
    let mode = null;
    let draft = null; // the polygon being drawn
    let vertices = [];
    const boxTool = window.EstranBasemap.boxTool(map, (box) => done("box", {
      "box-west": round(box.west), "box-east": round(box.east), "box-south": round(box.south), "box-north": round(box.north),
    }));

    function setMode(next) {
      cancelDraft();
      mode = next;
      tools.forEach((button) => button.setAttribute("aria-pressed", button.dataset.draw === mode ? "true" : "false"));
      el.classList.toggle("drawing", Boolean(mode));
      if (finishButton) finishButton.hidden = mode !== "polygon";
      if (mode === "box") {
        boxTool.enable();
        say(S.drawBox);
      } else boxTool.disable();
      if (mode === "polygon") {
        map.doubleClickZoom.disable();
        say(S.drawPolygon);
      } else map.doubleClickZoom.enable();
      if (mode === "point") say(S.drawPoint);
    }

    function cancelDraft() {
      if (draft && draft._markers) map.removeLayer(draft._markers);
      if (draft) map.removeLayer(draft);
      draft = null;
      vertices = [];
    }

    function done(kind, values) {
      const row = W.addRow("geo_locations", kind, values);
      setMode(null);
      say(S.drawn);
      redraw(false);
      if (row) {
        row.scrollIntoView({ block: "nearest" });
        const place = row.querySelector('[data-name="place"]');
        if (place) place.focus({ preventScroll: true });
      }
    }

    tools.forEach((button) => {
      button.addEventListener("click", () => setMode(mode === button.dataset.draw ? null : button.dataset.draw));
    });
    if (finishButton) finishButton.addEventListener("click", () => finishPolygon());
    document.addEventListener("keydown", (event) => {
      if (!mode) return;
      if (event.key === "Escape") {
        setMode(null);
        say("");
      } else if (event.key === "Enter" && mode === "polygon" && vertices.length >= 3) {
        event.preventDefault();
        finishPolygon();
      }
    });

    map.on("mousemove", (event) => {
      if (mode === "polygon" && draft && vertices.length) draft.setLatLngs(vertices.concat([event.latlng]));
    });
    map.on("click", (event) => {
      if (mode === "point") {
        done("point", { "point-latitude": round(clampLat(event.latlng.lat)), "point-longitude": round(wrap(event.latlng.lng)) });
      } else if (mode === "polygon") {
        if (vertices.length >= 3) {
          const first = map.latLngToContainerPoint(vertices[0]);
          if (first.distanceTo(event.containerPoint) < 10) {
            finishPolygon();
            return;
          }
        }
        vertices.push(event.latlng);
        if (!draft) draft = L.polyline(vertices, { color: "#f0a500", weight: 2, dashArray: "5 4" }).addTo(map);
        else draft.setLatLngs(vertices);
        L.circleMarker(event.latlng, { radius: 4, color: "#f0a500" }).addTo(draft._markers || (draft._markers = L.layerGroup().addTo(map)));
      }
    });
    map.on("dblclick", () => { if (mode === "polygon" && vertices.length >= 3) finishPolygon(); });

    function finishPolygon() {
      if (vertices.length < 3) {
        say(S.polygonFew);
        return;
      }
      const text = vertices.map((v) => round(wrap(v.lng)) + ", " + round(clampLat(v.lat))).join("\n");
      done("polygon", { polygon: text });
    }

    window.EstranMap = { map, redraw, setMode };
  }

  if (window.EstranWizard) start();
  else document.addEventListener("wizard:ready", start);
})();
