/* Estran — the base map under every map (the wizard's, the search's, the landing page's): Leaflet
   over Natural Earth 1:50m land (the vendored TopoJSON named by the element's data-land), repeated
   on each side of the antimeridian, a graticule, and the antimeridian dashed. No tile server, so it
   works offline; drawn on a canvas, as thousands of coastline vertices would make SVG slow on a
   tablet. `EstranBasemap(el, {center, zoom, step, map: {Leaflet options}})` → {map, canvas}. */
(function () {
  "use strict";

  window.EstranBasemap = function (el, options) {
    options = options || {};
    const map = L.map(el, Object.assign({ zoomSnap: 0.5, minZoom: 1, worldCopyJump: false, keyboard: true }, options.map));
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
})();
