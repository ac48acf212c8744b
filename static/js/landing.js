/* Estran — the landing page: the citation's copy button and style chooser, and the map of the
   extent (Leaflet over the vendored Natural Earth land, in display mode: no drawing, shapes from
   the page's JSON), and the files' previews, fetched when a reader opens one. Everything works
   without it: the citation can be selected by hand, the style form reloads the page, the locations
   are listed in words under the map, and each preview is a link to a page of its own. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  const status = document.getElementById("citation-status");
  const say = (text) => {
    if (!status) return;
    status.textContent = "";
    // A new text in a live region is what screen readers announce: set it on the next frame.
    window.requestAnimationFrame(() => { status.textContent = text; });
  };

  // --- Copy the citation -------------------------------------------------------------------------
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise((resolve, reject) => {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  const copyButton = document.getElementById("copy-citation");
  if (copyButton) {
    copyButton.addEventListener("click", () => {
      const target = document.getElementById(copyButton.dataset.copyTarget);
      if (!target) return;
      copyText(target.textContent.trim())
        .then(() => {
          say(copyButton.dataset.copied);
          copyButton.classList.add("copied");
        })
        .catch(() => say(copyButton.dataset.failed));
    });
  }

  // --- Citation style ----------------------------------------------------------------------------
  const form = document.getElementById("citation-style-form");
  const select = document.getElementById("citation-style");
  const citation = document.getElementById("citation-text");
  if (form && select && citation) {
    const cache = {};
    const initial = select.value;
    cache[initial] = citation.textContent;
    select.addEventListener("change", () => {
      const style = select.value;
      const show = (text) => {
        citation.textContent = text;
        citation.dataset.style = style;
        say(select.options[select.selectedIndex].text);
      };
      if (cache[style]) { show(cache[style]); return; }
      if (!form.dataset.export) { form.submit(); return; } // the preview of a page before publication
      const url = form.dataset.export + "?style=" + encodeURIComponent(style) + "&locale=" + encodeURIComponent(form.dataset.locale || "en-US");
      fetch(url, { headers: { Accept: "text/x-bibliography" } })
        .then((response) => (response.ok ? response.text() : Promise.reject(new Error(String(response.status)))))
        .then((text) => { cache[style] = text.trim(); show(cache[style]); })
        .catch(() => form.submit());
    });
  }

  // --- The files' previews ----------------------------------------------------------------------
  // Fetched once, when the reader opens one: the landing page stays light whatever the number of
  // files. The fragment is the server's escaped HTML; on failure the link to the preview's page stays.
  document.querySelectorAll("details.file-preview[data-preview-url]").forEach((details) => {
    details.addEventListener("toggle", () => {
      if (!details.open || details.dataset.loaded) return;
      details.dataset.loaded = "loading";
      const body = details.querySelector(".preview-body");
      body.setAttribute("aria-busy", "true");
      fetch(details.dataset.previewUrl, { headers: { Accept: "text/html" }, credentials: "same-origin" })
        .then((response) => response.text().then((html) => {
          // 403 (embargo) and 410 (withdrawn) come with their message, as 200 with the preview.
          if (!response.ok && response.status !== 403 && response.status !== 410) throw new Error(String(response.status));
          body.innerHTML = html;
          details.dataset.loaded = "done";
        }))
        .catch(() => { delete details.dataset.loaded; })
        .finally(() => body.removeAttribute("aria-busy"));
    });
  });

  // --- The map of the extent ---------------------------------------------------------------------
  function startMap() {
    const el = document.getElementById("extent-map");
    const data = document.getElementById("extent-shapes");
    if (!el || !data || !window.L) return;
    const shapes = JSON.parse(data.textContent);
    const basemap = window.EstranBasemap(el, { center: [30, 0], zoom: 2, map: { scrollWheelZoom: false } });
    const map = basemap.map;

    const style = { color: "#c2410c", weight: 2, fillColor: "#c2410c", fillOpacity: 0.18 };
    const group = L.featureGroup().addTo(map);
    shapes.forEach((shape) => {
      let layer = null;
      if (shape.kind === "box") {
        // West greater than east crosses the antimeridian: drawn by unwrapping east by 360°.
        const east = shape.east < shape.west ? shape.east + 360 : shape.east;
        layer = L.rectangle([[shape.south, shape.west], [shape.north, east]], style);
      } else if (shape.kind === "point") {
        layer = L.circleMarker([shape.lat, shape.lon], Object.assign({}, style, { radius: 7, fillOpacity: 0.6 }));
      } else if (shape.kind === "polygon") {
        let previous = null;
        const points = shape.points.map(([lat, lon]) => {
          if (previous !== null) {
            while (lon - previous > 180) lon -= 360;
            while (previous - lon > 180) lon += 360;
          }
          previous = lon;
          return [lat, lon];
        });
        layer = L.polygon(points, style);
      }
      if (layer) {
        if (shape.label) {
          // The place name is the depositor's text: a string would go into Leaflet's innerHTML.
          const tip = document.createElement("span");
          tip.textContent = shape.label;
          layer.bindTooltip(tip);
        }
        layer.addTo(group);
      }
    });
    if (group.getLayers().length) {
      // Not animated: the view (and data-center) is the extent's as soon as the page has loaded.
      map.fitBounds(group.getBounds().pad(0.4), { maxZoom: 6, animate: false });
    }
    el.dataset.shapes = String(group.getLayers().length);
    window.addEventListener("beforeprint", () => map.invalidateSize());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startMap);
  } else {
    startMap();
  }
})();
