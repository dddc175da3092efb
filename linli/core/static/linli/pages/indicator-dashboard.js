/* 规划指标监测 (indicators/dashboard.html): the attainment of every indicator as bars, and the chosen
 * indicator across the child regions as a map (or bars when they have no outlines). The island
 * "chart-data" holds {indicators, children, geo, unit, target}. */
(function () {
  'use strict';
  var C = window.LinliCharts;
  var d = C.island('chart-data');
  var colour = C.STATUS_COLOUR;
  var barsEl = document.getElementById('bars');
  if (barsEl) {
    var inds = d.indicators.slice().reverse();
    var bars = C.init(barsEl);
    bars.setOption({animation: false,
      grid: {left: 230, right: 90, top: 24, bottom: 30},
      tooltip: C.itemTooltip(function (p) {
        var i = inds[p.dataIndex];
        return [i.name, '本年值 ' + (i.value === null ? '无数据' : i.value) + '，目标 ' + i.target];
      }),
      xAxis: {type: 'value', max: 200, axisLabel: {formatter: '{value}%'}},
      yAxis: {type: 'category', data: inds.map(function (i) { return i.name.length > 16 ? i.name.slice(0, 16) + '…' : i.name; }), axisLabel: {fontSize: 11}},
      series: [{type: 'bar', data: inds.map(function (i) { return {value: i.ratio === null ? 0 : Math.min(i.ratio, 200), itemStyle: {color: colour[i.status]}}; }),
        label: {show: true, position: 'right', formatter: function (p) { var r = inds[p.dataIndex].ratio; return r === null ? '无数据' : (r > 200 ? '>200%（' + r + '%）' : r + '%'); }},
        markLine: {symbol: 'none', data: [{xAxis: 100}], lineStyle: {type: 'dashed', color: '#333'}, label: {formatter: '目标'}}}]
    });
  }
  var mapEl = document.getElementById('map');
  if (mapEl) {
    var m = C.init(mapEl);
    var data = d.children.map(function (c) { return {name: c.name, value: c.value, itemStyle: {areaColor: colour[c.status]}, status: c.status, reason: c.gap_reason}; });
    var tip = C.itemTooltip(function (p) {
      var x = p.data || {};
      return [p.name, x.value === null || x.value === undefined ? '无数据 ' + (x.reason || '') : x.value + ' ' + d.unit, x.status || ''];
    });
    if (d.geo.features.length) {
      echarts.registerMap('children', d.geo);
      m.setOption({animation: false, tooltip: tip, series: [{type: 'map', map: 'children', roam: true, data: data,
        label: {show: true, fontSize: 12, color: '#fff', textBorderColor: '#333', textBorderWidth: 2}, emphasis: {label: {show: true}}, select: {disabled: true}}]});
    } else {
      m.setOption({animation: false, tooltip: tip, grid: {left: 50, right: 10, bottom: 70}, xAxis: {type: 'category', data: data.map(function (x) { return x.name; }), axisLabel: {rotate: 45, interval: 0}},
        yAxis: {type: 'value'}, series: [{type: 'bar', data: data.map(function (x) { return {value: x.value, itemStyle: {color: x.itemStyle.areaColor}}; }),
          markLine: d.target === null ? undefined : {symbol: 'none', data: [{yAxis: d.target}], label: {formatter: '目标'}}}]});
    }
  }
})();
