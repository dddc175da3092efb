/* 等时圈 (lifecircle/isochrone.html): the road segments reachable on foot from one facility within
 * 5, 10 and 15 minutes. The map element carries data-url (the isochrone's URL), data-lat/data-lon and
 * data-name (the facility). */
(function () {
  'use strict';
  var M = window.LinliMap;
  var el = document.getElementById('map');
  var map = M.create(el, {preferCanvas: true, background: '#f4f1ea'});
  M.boundaries(map);  // the named outlines of the account's region
  var colours = {5: '#1a9850', 10: '#fdae61', 15: '#d73027'};
  var here = [M.num(el.dataset.lat, 0), M.num(el.dataset.lon, 0)];
  M.tooltip(L.circleMarker(here, {radius: 8, color: '#fff', weight: 2, fillColor: '#1f5f8b', fillOpacity: 1}), el.dataset.name).addTo(map);
  M.getJSON(el.dataset.url).then(function (r) {
    if (!r.ok) {
      var e = document.getElementById('iso-error');
      e.textContent = r.data.detail || '等时圈暂时无法计算';
      e.hidden = false;
      map.setView(here, 15);
      return;
    }
    var layer = M.geojson(map, {data: r.data, style: function (f) { return {color: colours[f.properties.band], weight: 3}; }});
    M.fit(map, layer.getBounds(), {centre: here, zoom: 15});
    el.dataset.loaded = r.data.features.length;
  });
})();
