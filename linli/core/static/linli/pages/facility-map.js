/* 设施地图 (facilities/map.html): region outlines and facilities coloured by category; a facility's
 * popup links to its page. The map element carries data-geojson (the layer's URL) and data-detail
 * (a facility's page, ending in /0/); the colours come from the island "colours". */
(function () {
  'use strict';
  var M = window.LinliMap;
  var el = document.getElementById('map');
  var colours = M.island('colours') || {};
  var map = M.create(el, {maxZoom: 19});
  M.boundaries(map);  // the named outlines of the account's region
  var layer = M.geojson(map, {
    style: function (f) { return f.properties.kind === 'region' ? {color: '#c0392b', weight: 1.2, fillOpacity: 0.03} : {}; },
    pointToLayer: function (f, ll) {
      var p = f.properties, c = colours[p.category] || '#1f5f8b';
      if (p.status === 'vacant') { return L.circleMarker(ll, {radius: 7, color: '#b35c00', dashArray: '3', fillColor: '#fff', weight: 2, fillOpacity: 0.9}); }
      return L.circleMarker(ll, {radius: p.status === 'open' ? 6 : 5, color: '#fff', fillColor: c, weight: 1, fillOpacity: p.status === 'open' ? 0.9 : 0.4});
    },
    tooltip: function (p) { return p.name; },
    popup: function (p) {
      if (p.kind !== 'facility') { return null; }
      return [
        M.node('b', null, M.idLink(el.dataset.detail, p.id, p.name)),
        p.type_name + ' · ' + p.status_label,
        p.building_area === null ? null : '建筑面积 ' + Math.round(p.building_area) + '㎡',
        p.hours_per_week === null ? null : '每周开放 ' + p.hours_per_week + ' 小时',
        p.short_days ? M.node('span', {style: {color: '#c0392b'}}, p.short_days + ' 天开放不足 8 小时') : null
      ];
    }
  });
  M.getJSON(el.dataset.geojson).then(function (r) {
    var features = (r.data && r.data.features) || [];
    layer.addData({type: 'FeatureCollection', features: features});
    var n = features.filter(function (f) { return f.properties.kind === 'facility'; }).length;
    document.getElementById('map-count').textContent = '地图上共 ' + n + ' 处设施（有坐标的）';
    M.fit(map, features.length ? layer.getBounds() : null);
    el.dataset.loaded = n;
  });
})();
