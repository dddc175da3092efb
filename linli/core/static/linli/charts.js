/* The chart helpers of the project (loaded after vendor/echarts/echarts.min.js).
 *
 * ECharts draws axis, series and map labels on the canvas, which is safe for any text; its tooltips
 * are HTML, and the string a tooltip formatter returns is inserted as markup. So every tooltip here
 * is built by these helpers, which escape each piece of text (echarts.format.encodeHTML) before
 * joining the lines with <br>.
 */
(function () {
  'use strict';

  var STATUS_COLOUR = {'达标': '#2e7d32', '未达标': '#c62828', '无数据': '#b0b0b0'};

  function esc(x) { return echarts.format.encodeHTML(x === null || x === undefined ? '' : String(x)); }

  /* Lines of text as tooltip HTML, each escaped. */
  function html(lines) {
    return lines.filter(function (x) { return x !== null && x !== undefined && x !== ''; }).map(esc).join('<br>');
  }

  /* A chart in el that follows the window's size. */
  function init(el) {
    var chart = echarts.init(el);
    window.addEventListener('resize', function () { chart.resize(); });
    return chart;
  }

  /* Tooltip of an axis chart: the category, then one line per series (its colour marker, its name
   * when named is true, and its value through format). */
  function axisTooltip(options) {
    var o = options || {};
    var format = o.format || function (v) { return v === null || v === undefined ? '—' : v; };
    return {trigger: 'axis', formatter: function (params) {
      var ps = Array.isArray(params) ? params : [params];
      if (!ps.length) { return ''; }
      var head = esc(ps[0].axisValueLabel !== undefined ? ps[0].axisValueLabel : ps[0].name);
      return [head].concat(ps.map(function (p) {
        // p.marker is ECharts' own coloured dot, made from the series colour, not from data
        return (p.marker || '') + (o.named ? esc(p.seriesName) + '：' : '') + esc(format(p.value));
      })).join('<br>');
    }};
  }

  /* Tooltip of single items: lines(params) gives the lines of text. */
  function itemTooltip(lines) {
    return {trigger: 'item', formatter: function (p) { return html(lines(p)); }};
  }

  /* The JSON of a data island ({{ value|json_script:"id" }}). */
  function island(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  window.LinliCharts = {
    STATUS_COLOUR: STATUS_COLOUR, esc: esc, html: html, init: init, axisTooltip: axisTooltip,
    itemTooltip: itemTooltip, island: island
  };
})();
