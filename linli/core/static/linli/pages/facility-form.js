/* 设施登记/修改 (facilities/form.html): the opening-hours editor is the shared week-hours.js; the small
 * map picks the position (WGS-84) over the region outlines. The map element carries
 * data-boundaries (the outlines' URL) and data-lat/data-lon (where to look when nothing is picked). */
(function () {
  'use strict';
  var M = window.LinliMap;

  /* The hours editor is the shared module week-hours.js (one editor for every page with a week of
   * hours); it is loaded here beside this script when the page did not load it itself. */
  if (!window.LinliWeekHours) {
    var shared = document.createElement('script');
    shared.src = document.currentScript.src.replace(/facility-form(\.[0-9a-f]+)?\.js(\?.*)?$/, 'week-hours.js');
    document.head.appendChild(shared);
  }

  var el = document.getElementById('pick-map');
  var lat = document.getElementById('f-lat'), lon = document.getElementById('f-lon'), sys = document.getElementById('f-coord');
  var map = M.create(el, {maxZoom: 19});
  var marker = null;
  function put(la, lo) { if (marker) { marker.setLatLng([la, lo]); } else { marker = L.marker([la, lo]).addTo(map); } }
  var bounds = M.geojson(map, {
    style: function (f) { return f.properties.kind === 'region' ? {color: '#c0392b', weight: 1.2, fillOpacity: 0.03} : {}; },
    pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 3, color: '#888', weight: 1, fillOpacity: 0.5}); },
    tooltip: function (p) { return p.name; }
  });
  if (lat.value && lon.value && sys.value === 'wgs84') { put(+lat.value, +lon.value); map.setView([+lat.value, +lon.value], 16); }
  else { map.setView([M.num(el.dataset.lat, M.DEFAULT_CENTRE[0]), M.num(el.dataset.lon, M.DEFAULT_CENTRE[1])], 15); }
  M.getJSON(el.dataset.boundaries).then(function (r) {
    var features = (r.ok && r.data.features) || [];
    bounds.addData({type: 'FeatureCollection', features: features});
    if (!(lat.value && lon.value) && features.length) { M.fit(map, bounds.getBounds()); }
    el.dataset.loaded = features.length;
  });
  map.on('click', function (e) { lat.value = e.latlng.lat.toFixed(6); lon.value = e.latlng.lng.toFixed(6); sys.value = 'wgs84'; put(e.latlng.lat, e.latlng.lng); });
})();
