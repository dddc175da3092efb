/* 指标详情 (indicators/indicator.html): the indicator's values over the years, and its value in each
 * child region. The island "chart-data" holds {years, values, children, unit, target}. */
(function () {
  'use strict';
  var C = window.LinliCharts;
  var d = C.island('chart-data');
  var colour = C.STATUS_COLOUR;
  function top(v) { return Math.ceil(Math.max(v.max, d.target || 0) * 1.1); }
  var t = C.init(document.getElementById('trend'));
  t.setOption({animation: false, tooltip: C.axisTooltip(), grid: {left: 50, right: 20, top: 20, bottom: 30},
    xAxis: {type: 'category', data: d.years.map(function (y) { return y + '年'; })},
    yAxis: {type: 'value', name: d.unit, max: top},
    series: [{type: 'line', data: d.values, connectNulls: false, label: {show: true}, itemStyle: {color: '#1f5f8b'},
      markLine: d.target === null ? undefined : {symbol: 'none', data: [{yAxis: d.target}], lineStyle: {color: '#c62828', type: 'dashed'}, label: {formatter: '目标 {c}'}}}]});
  var k = document.getElementById('kids');
  if (k) {
    var c = C.init(k);
    c.setOption({animation: false,
      tooltip: C.itemTooltip(function (p) { var x = d.children[p.dataIndex] || {}; return [x.name, x.value === null || x.value === undefined ? '无数据' : x.value + ' ' + (d.unit || ''), x.status]; }),
      grid: {left: 50, right: 50, bottom: 80}, xAxis: {type: 'category', data: d.children.map(function (x) { return x.name; }), axisLabel: {rotate: 45, interval: 0}},
      yAxis: {type: 'value', name: d.unit, max: top},
      series: [{type: 'bar', data: d.children.map(function (x) { return {value: x.value, itemStyle: {color: colour[x.status]}}; }),
        markLine: d.target === null ? undefined : {symbol: 'none', data: [{yAxis: d.target}], label: {formatter: '目标'}}}]});
  }
})();
