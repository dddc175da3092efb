/* 规划指标监测 (indicators/dashboard.html): the attainment of every indicator as bars, and the chosen
 * indicator across the child regions as a choropleth of its values with a legend (#map-legend), or bars
 * when they have no outlines. The island "chart-data" holds {indicators, children, geo, unit, target}. */
(function () {
  'use strict';
  var C = window.LinliCharts;
  var d = C.island('chart-data');
  var colour = C.STATUS_COLOUR;
  var phone = window.matchMedia('(max-width: 720px)').matches;
  var cut = phone ? 9 : 16;  // indicator names on the bars' axis
  var barsEl = document.getElementById('bars');
  if (barsEl) {
    var inds = d.indicators.slice().reverse();
    var bars = C.init(barsEl);
    bars.setOption({animation: false,
      grid: {left: phone ? 130 : 230, right: phone ? 70 : 90, top: 24, bottom: 30},
      tooltip: C.itemTooltip(function (p) {
        var i = inds[p.dataIndex];
        return [i.name, '本年值 ' + (i.value === null ? '无数据' : i.value) + '，目标 ' + i.target];
      }),
      xAxis: {type: 'value', max: 200, interval: phone ? 100 : 50, axisLabel: {formatter: '{value}%'}},
      yAxis: {type: 'category', data: inds.map(function (i) { return i.name.length > cut ? i.name.slice(0, cut) + '…' : i.name; }), axisLabel: {fontSize: 11}},
      series: [{type: 'bar', data: inds.map(function (i) { return {value: i.ratio === null ? 0 : Math.min(i.ratio, 200), itemStyle: {color: colour[i.status]}}; }),
        label: {show: true, position: 'right', formatter: function (p) { var r = inds[p.dataIndex].ratio; return r === null ? '无数据' : (r > 200 ? '>200%（' + r + '%）' : r + '%'); }},
        markLine: {symbol: 'none', data: [{xAxis: 100}], lineStyle: {type: 'dashed', color: '#333'}, label: {formatter: '目标'}}}]
    });
  }
  var mapEl = document.getElementById('map');
  if (mapEl) {
    var m = C.init(mapEl);
    // a choropleth of the chosen indicator's values: five equal steps from the lowest to the highest
    var PALETTE = ['#deebf7', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];
    var NO_DATA = '#d9d9d9';
    var values = d.children.map(function (c) { return c.value; }).filter(function (v) { return v !== null && v !== undefined; });
    var lo = values.length ? Math.min.apply(null, values) : 0, hi = values.length ? Math.max.apply(null, values) : 0;
    var steps = hi > lo ? PALETTE.length : 1;
    function step(v) { return hi > lo ? Math.min(steps - 1, Math.floor((v - lo) / (hi - lo) * steps)) : steps - 1; }
    function colourOf(v) { return v === null || v === undefined ? NO_DATA : PALETTE[PALETTE.length - steps + step(v)]; }
    function fmt(v) { return Math.round(v * 10) / 10; }
    // 万福社区居委会 → 万福社区, 洪四村委会 → 洪四村 (the labels; the tooltip keeps the full name)
    function shortName(n) { return String(n).replace(/社区居委会$/, '社区').replace(/居委会$/, '社区').replace(/村委会$/, '村'); }
    var colours = {};
    var data = d.children.map(function (c) {
      colours[c.code] = colourOf(c.value);
      return {name: c.name, value: c.value, itemStyle: {areaColor: colours[c.code], color: colours[c.code]}, status: c.status, reason: c.gap_reason};
    });
    mapEl.dataset.colours = JSON.stringify(colours);
    // the legend, as text on the page
    var legend = document.getElementById('map-legend');
    if (legend) {
      legend.textContent = '';
      var width = (hi - lo) / steps;
      for (var i = 0; i < steps; i++) {
        var a = lo + i * width, b = i === steps - 1 ? hi : lo + (i + 1) * width;
        var item = document.createElement('span');
        var sw = document.createElement('i'); sw.style.background = PALETTE[PALETTE.length - steps + i];
        item.appendChild(sw);
        item.appendChild(document.createTextNode(steps === 1 ? fmt(lo) + ' ' + d.unit : fmt(a) + '–' + fmt(b) + ' ' + d.unit));
        if (values.length) { legend.appendChild(item); }
      }
      if (values.length < d.children.length) {
        var none = document.createElement('span');
        var swn = document.createElement('i'); swn.style.background = NO_DATA;
        none.appendChild(swn); none.appendChild(document.createTextNode('无数据'));
        legend.appendChild(none);
      }
    }
    var tip = C.itemTooltip(function (p) {
      var x = p.data || {};
      return [p.name, x.value === null || x.value === undefined ? '无数据 ' + (x.reason || '') : x.value + ' ' + d.unit, x.status || ''];
    });
    if (d.geo.features.length) {
      echarts.registerMap('children', d.geo);
      // on a phone the page scrolls under the finger: no dragging the map (a tap shows the value)
      m.setOption({animation: false, tooltip: Object.assign({confine: true}, tip), series: [{type: 'map', map: 'children', roam: !phone, data: data,
        itemStyle: {areaColor: NO_DATA, borderColor: '#fff', borderWidth: 1},
        label: {show: true, fontSize: phone ? 10 : 12, color: '#fff', textBorderColor: '#333', textBorderWidth: 2, formatter: function (p) { return shortName(p.name); }}, emphasis: {label: {show: true}, itemStyle: {areaColor: '#fdae6b'}}, select: {disabled: true}}]});
    } else {
      m.setOption({animation: false, tooltip: tip, grid: {left: 50, right: 10, bottom: 70}, xAxis: {type: 'category', data: data.map(function (x) { return x.name; }), axisLabel: {rotate: 45, interval: 0}},
        yAxis: {type: 'value'}, series: [{type: 'bar', data: data.map(function (x) { return {value: x.value, itemStyle: {color: x.itemStyle.areaColor}}; }),
          markLine: d.target === null ? undefined : {symbol: 'none', data: [{yAxis: d.target}], label: {formatter: '目标'}}}]});
    }
  }
})();
