/* 生活圈 (lifecircle/map.html): community outlines coloured by coverage, buildings by walking time to
 * the nearest facility of the chosen type, the facilities (and vacant premises) with a link to their
 * isochrone, and the sites a siting run proposes (drawn when its result is swapped in by htmx).
 * The map element carries data-type, data-region, data-communities/-buildings/-facilities (the layers'
 * URLs) and data-isochrone (a facility's isochrone page, ending in /0/); once drawn it carries
 * data-loaded (buildings) and data-facilities (facilities in view). */
(function () {
  'use strict';
  var M = window.LinliMap;
  var FACILITY_LIMIT = 1000;  // per request; more in view asks the user to zoom in
  var el = document.getElementById('map');
  var d = el.dataset;
  var map = M.create(el, {preferCanvas: true, background: '#f4f1ea'});
  M.boundaries(map, {region: d.region});  // the named outlines of the region's children
  function colour(m) { if (m === null) { return '#999'; } if (m <= 5) { return '#1a9850'; } if (m <= 10) { return '#91cf60'; } if (m <= 15) { return '#fee08b'; } if (m <= 30) { return '#fc8d59'; } return '#d73027'; }
  function shareColour(s) { if (s === null) { return '#bbb'; } if (s >= 0.9) { return '#1a9850'; } if (s >= 0.8) { return '#91cf60'; } if (s >= 0.5) { return '#fc8d59'; } return '#d73027'; }
  var comm = M.geojson(map, {
    style: function (f) { return {color: shareColour(f.properties.share), weight: 1.5, fillOpacity: 0.04}; },
    tooltip: function (p) { return p.name + (p.share === null ? '' : '：' + Math.round(p.share * 100) + '% 的服务对象在步行范围内'); }
  });
  var blds = M.geojson(map, {
    pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 3, stroke: false, fillColor: colour(f.properties.minutes), fillOpacity: 0.85}); },
    tooltip: function (p) {
      return p.name + '：' + (p.minutes === null ? '步行到不了' : p.minutes > 60 ? '步行超过 1 小时' : '步行 ' + Math.round(p.minutes) + ' 分钟') + '，' + p.threshold + ' 分钟内有 ' + p.within + ' 处' +
        (p.method === 'straight' ? '（直线估算）' : '');
    }
  });
  var facs = M.geojson(map, {
    pointToLayer: function (f, ll) { var v = f.properties.status === 'vacant'; return L.circleMarker(ll, {radius: 6, color: '#fff', weight: 1.5, fillColor: v ? '#8e44ad' : '#1f5f8b', fillOpacity: 1}); },
    popup: function (p) { return [p.name + '（' + p.status_label + '）', M.idLink(d.isochrone, p.id, '查看等时圈')]; }
  });
  var sites = L.layerGroup().addTo(map);
  var q = '?type=' + encodeURIComponent(d.type) + '&region=' + encodeURIComponent(d.region);
  function features(r) { return {type: 'FeatureCollection', features: (r.ok && r.data.features) || []}; }
  // The facilities come for the map's view (a city has tens of thousands): those of the chosen type,
  // and the vacant premises of any type (siting candidates), again whenever the view moves.
  var note = document.getElementById('facility-note');
  var shown = 0;
  function loadFacilities() {
    var seq = ++shown;
    var box = '&bbox=' + M.bbox(map, 0.2) + '&limit=' + FACILITY_LIMIT;
    var typed = M.getJSON(d.facilities + q + box);
    var vacant = M.getJSON(d.facilities + '?status=vacant&region=' + encodeURIComponent(d.region) + box);
    Promise.all([typed, vacant]).then(function (rs) {
      if (seq !== shown) { return; }  // the view moved on meanwhile
      var seen = {}, feats = [];
      rs.forEach(function (r) {
        features(r).features.forEach(function (f) {
          if (!seen[f.properties.id]) { seen[f.properties.id] = true; feats.push(f); }
        });
      });
      facs.clearLayers();
      facs.addData({type: 'FeatureCollection', features: feats});
      var more = rs.some(function (r) { return r.ok && r.data.properties && r.data.properties.next_offset !== null; });
      note.textContent = more ? '视野内设施较多，只显示了一部分；放大地图可看到全部。' : '';
      el.dataset.facilities = feats.length;
    });
  }
  // one request after another: the layers are small, and the server answers them in turn anyway
  M.getJSON(d.communities + q).then(function (r) {
    comm.addData(features(r));
    return M.getJSON(d.buildings + q);
  }).then(function (r) {
    var b = features(r);
    blds.addData(b);
    M.fit(map, comm.getBounds().isValid() ? comm.getBounds() : blds.getBounds());
    el.dataset.loaded = b.features.length;
    loadFacilities();
    map.on('moveend', loadFacilities);
  });
  document.body.addEventListener('htmx:afterSwap', function (e) {
    if (e.target.id !== 'siting-result') { return; }
    sites.clearLayers();
    (M.island('siting-data') || []).forEach(function (s, i) {
      var badge = M.node('div', {style: {background: '#000', color: '#fff', borderRadius: '3px', padding: '1px 5px', fontSize: '12px'}}, '★' + (i + 1));
      var marker = L.marker([s.lat, s.lon], {icon: L.divIcon({className: '', iconSize: [34, 20], iconAnchor: [17, 10], html: badge})});
      M.tooltip(marker, '选址 ' + (i + 1) + '：' + s.label + '，新覆盖 ' + Math.round(s.reach) + ' 人');
      marker.addTo(sites);
    });
  });
})();
