/* Estran — the base map under every map (the wizard's, the search's, the landing page's): Leaflet
   over Natural Earth 1:50m land (the vendored TopoJSON named by the element's data-land), repeated
   on each side of the antimeridian, a graticule, and the antimeridian dashed. No tile server, so it
   works offline; drawn on a canvas, as thousands of coastline vertices would make SVG slow on a
   tablet. `EstranBasemap(el, {center, zoom, step, map: {Leaflet options}})` → {map, canvas}; the
   view it shows is kept in the element's data-center ("lat,lng") and data-zoom, which say what a
   finger or a mouse did to the map (the browser tests read them).
   `EstranBasemap.boxTool(map, onBox)`: the "Draw a box" gesture of the wizard's and the search's
   maps, by mouse, pen or finger alike. */
(function () {
  "use strict";

  window.EstranBasemap = function (el, options) {
    options = options || {};
    const map = L.map(el, Object.assign({ zoomSnap: 0.5, minZoom: 1, worldCopyJump: false, keyboard: true }, options.map));
    map.on("moveend", () => {
      const centre = map.getCenter();
      el.dataset.center = centre.lat.toFixed(4) + "," + centre.lng.toFixed(4);
      el.dataset.zoom = String(map.getZoom());
    });
    map.setView(options.center || [30, 0], options.zoom || 2);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution('<a href="https://www.naturalearthdata.com/" rel="noopener">Natural Earth</a> · <a href="https://leafletjs.com" rel="noopener">Leaflet</a>');
    const canvas = L.canvas({ padding: 0.2 });
    const base = L.layerGroup().addTo(map);
    fetch(el.dataset.land)
      .then((response) => response.json())
      .then((topology) => {
        const land = window.topojson.feature(topology, topology.objects.land);
        [-360, 0, 360].forEach((shift) => {
          L.geoJSON(land, {
            interactive: false,
            renderer: canvas,
            style: { color: "#8d9b8a", weight: 0.6, fillColor: "#ece6d3", fillOpacity: 1 },
            coordsToLatLng: (c) => L.latLng(c[1], c[0] + shift),
          }).addTo(base);
        });
        el.dataset.ready = "land";
      })
      .catch(() => { /* the shapes still show on the blank sea */ });
    const step = options.step || 10;
    const graticule = [];
    for (let lat = -80; lat <= 80; lat += step) graticule.push([[lat, -540], [lat, 540]]);
    for (let lng = -540; lng <= 540; lng += step) graticule.push([[-85, lng], [85, lng]]);
    L.polyline(graticule, { color: "#9cbccc", weight: 0.5, opacity: 0.7, interactive: false, renderer: canvas }).addTo(base);
    L.polyline([[[-85, 180], [85, 180]], [[-85, -180], [85, -180]]],
               { color: "#6b8fa3", weight: 1, dashArray: "4 4", interactive: false, renderer: canvas }).addTo(base);
    return { map: map, canvas: canvas };
  };

  /* A box dragged out on the map. Pointer events, not mouse events: a finger sends no mousemove
     while it moves (only a mousedown, mouseup and click once it is lifted without moving), so a
     mouse-only tool drew nothing by touch. While the tool is on, Leaflet's dragging and box zoom
     are off, and the map's `drawing` class (estran.css) sets touch-action: none, without which the
     browser would scroll the page under the finger and cancel the pointer. A second finger cancels
     the box being drawn and is left to Leaflet's pinch zoom. `onBox({west, east, south, north})`
     gets the box in degrees, longitudes in −180…180 (west > east across the antimeridian), not
     rounded; a tap or a click without a drag gives nothing. → {enable(), disable()} */
  const wrap = (lng) => {
    const w = ((((lng + 180) % 360) + 360) % 360) - 180;
    return w === -180 && lng > 0 ? 180 : w;
  };
  const clampLat = (lat) => Math.max(-90, Math.min(90, lat));

  window.EstranBasemap.boxTool = function (map, onBox) {
    const el = map.getContainer();
    let on = false;
    let pointer = null; // the pointer drawing, by its pointerId
    let anchor = null; // the corner where the drag started
    let draft = null;

    function drop() {
      if (draft) map.removeLayer(draft);
      if (pointer !== null && el.hasPointerCapture(pointer)) el.releasePointerCapture(pointer);
      draft = null;
      anchor = null;
      pointer = null;
    }

    el.addEventListener("pointerdown", (event) => {
      if (!on) return;
      if (!event.isPrimary) { drop(); return; } // two fingers: a pinch, not a box
      if (event.button !== 0 || event.target.closest(".leaflet-control")) return; // the zoom buttons stay buttons
      event.preventDefault(); // no text selection under a mouse
      pointer = event.pointerId;
      el.setPointerCapture(pointer); // the drag goes on outside the map
      anchor = map.mouseEventToLatLng(event);
      draft = L.rectangle([anchor, anchor], { color: "#f0a500", weight: 2, dashArray: "5 4", fillOpacity: 0.1, interactive: false }).addTo(map);
    });
    el.addEventListener("pointermove", (event) => {
      if (event.pointerId !== pointer) return;
      draft.setBounds(L.latLngBounds(anchor, map.mouseEventToLatLng(event)));
    });
    el.addEventListener("pointerup", (event) => {
      if (event.pointerId !== pointer) return;
      const a = anchor, b = map.mouseEventToLatLng(event);
      drop();
      if (Math.abs(a.lng - b.lng) < 1e-6 && Math.abs(a.lat - b.lat) < 1e-6) return; // a tap, not a drag
      let west = Math.min(a.lng, b.lng), east = Math.max(a.lng, b.lng);
      if (east - west >= 360) {
        west = -180;
        east = 180;
      } else {
        west = wrap(west);
        east = wrap(east);
      }
      onBox({ west, east, south: clampLat(Math.min(a.lat, b.lat)), north: clampLat(Math.max(a.lat, b.lat)) });
    });
    el.addEventListener("pointercancel", (event) => { if (event.pointerId === pointer) drop(); });

    return {
      enable() {
        on = true;
        map.dragging.disable();
        map.boxZoom.disable();
      },
      disable() {
        on = false;
        drop();
        map.dragging.enable();
        map.boxZoom.enable();
      },
    };
  };
})();
