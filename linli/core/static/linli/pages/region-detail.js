/* 区划详情 (regions/detail.html): population and households of the child regions as bars (island
 * "chart-data": {names, population, households}), and the children's named outlines (LinliMap.boundaries)
 * and the buildings on a map whose element carries data-region and data-url (the buildings' GeoJSON). */
(function () {
  'use strict';
  var chartEl = document.getElementById('chart');
  if (chartEl && window.LinliCharts) {
    var C = window.LinliCharts;
    var d = C.island('chart-data');
    var c = C.init(chartEl);
    c.setOption({tooltip: C.axisTooltip({named: true}), legend: {data: ['人口', '户数']}, grid: {left: 50, right: 10, bottom: 70},
      xAxis: {type: 'category', data: d.names, axisLabel: {rotate: d.names.length > 6 ? 45 : 0, interval: 0}},
      yAxis: {type: 'value'},
      series: [{name: '人口', type: 'bar', data: d.population, itemStyle: {color: '#1f5f8b'}},
               {name: '户数', type: 'bar', data: d.households, itemStyle: {color: '#e0a96d'}}]});
  }
  var mapEl = document.getElementById('map');
  if (mapEl && window.LinliMap) {
    var M = window.LinliMap;
    var map = M.create(mapEl);
    // the named outlines of the children from the shared helper; the buildings from the page's GeoJSON
    var outlines = M.boundaries(map, {region: mapEl.dataset.region});
    var layer = M.geojson(map, {
      pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 4, color: '#1f5f8b', fillColor: '#1f5f8b', weight: 1, fillOpacity: 0.8}); },
      tooltip: function (p) { return p.name; }
    });
    M.getJSON(mapEl.dataset.url).then(function (r) {
      var features = (r.ok && r.data.features) || [];
      layer.addData({type: 'FeatureCollection', features: features});
      return outlines.then(function (o) {
        var b = o.getBounds();
        M.fit(map, b.isValid() ? b : (features.length ? layer.getBounds() : null));
        mapEl.dataset.loaded = features.length;
      });
    });
  }
})();
