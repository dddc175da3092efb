/* 诉求分布热力图 (cases/map.html): a heat layer of the requests' positions over the outlines of the
 * areas in scope. The map element carries data-lat/data-lon (the centre) and data-region (the place
 * chosen in the filter, if any: the map then frames its requests); the islands "points" and "areas"
 * hold the positions and the outlines. */
(function () {
  'use strict';
  var M = window.LinliMap;
  var el = document.getElementById('heat');
  var pts = M.island('points') || [];
  var areas = M.island('areas');
  var map = M.create(el);
  M.boundaries(map);  // the named outlines of the account's region
  map.setView([M.num(el.dataset.lat, M.DEFAULT_CENTRE[0]), M.num(el.dataset.lon, M.DEFAULT_CENTRE[1])], 12);
  var outlines = areas ? M.outline(map, areas, {color: '#1f5f8b', weight: 1, fillOpacity: 0.03}) : null;
  if (pts.length) {
    L.heatLayer(pts.map(function (p) { return [p[0], p[1], 0.6]; }), {radius: 18, blur: 14, minOpacity: 0.3}).addTo(map);
  }
  if (el.dataset.region && pts.length) {  // a place was chosen: show where its requests are
    M.fit(map, L.latLngBounds(pts.map(function (p) { return [p[0], p[1]]; })), {padding: [20, 20], maxZoom: 16});
  } else if (outlines && outlines.getLayers().length) {
    M.fit(map, outlines.getBounds());
  } else if (pts.length) {
    M.fit(map, L.latLngBounds(pts.map(function (p) { return [p[0], p[1]]; })), {padding: [20, 20], maxZoom: 15});
  }
  el.dataset.loaded = pts.length;
})();
