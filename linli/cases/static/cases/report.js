/* 我要反映 (cases/report.html): the category by topic, the suggested category, the place by search.
 *
 * - Topic first: the grouped category list (<optgroup> per topic, usable without scripts) becomes two
 *   lists: the topic, then the categories of that topic only.
 * - The suggestion (#suggest, filled by htmx from the description) is a button per category; a tap
 *   chooses it. Nothing is chosen without the resident's tap.
 * - The address field searches the buildings of the district (JSON of registry:address_search); a
 *   chosen hit fills the building and shows it on the map; typing again, a map tap or the phone's
 *   position drops it. Text from the server goes on the page as text only. */
(function () {
  'use strict';
  var form = document.getElementById('report-form');
  if (!form) { return; }
  var category = document.getElementById('category');
  var topic = document.getElementById('topic');
  var topicBox = document.getElementById('topic-box');
  var catLabel = document.getElementById('category-label');

  // ---- topic → category
  var groups = [];
  Array.prototype.forEach.call(category.querySelectorAll('optgroup'), function (g) {
    var options = Array.prototype.map.call(g.querySelectorAll('option'), function (o) {
      return {value: o.value, text: o.textContent.replace(g.label + ' · ', ''), selected: o.selected};
    });
    groups.push({label: g.label, options: options});
    var opt = document.createElement('option');
    opt.value = g.label; opt.textContent = g.label;
    topic.appendChild(opt);
  });
  function showTopic(label, chosen) {
    topic.value = label;
    while (category.firstChild) { category.removeChild(category.firstChild); }
    var head = document.createElement('option');
    head.value = ''; head.textContent = label ? '请选择' : '请先选事项';
    category.appendChild(head);
    groups.forEach(function (g) {
      if (g.label !== label) { return; }
      g.options.forEach(function (o) {
        var opt = document.createElement('option');
        opt.value = o.value; opt.textContent = o.text;
        category.appendChild(opt);
      });
    });
    category.value = chosen || '';
    category.disabled = !label;
  }
  var initial = groups.filter(function (g) { return g.options.some(function (o) { return o.selected; }); })[0];
  topicBox.hidden = false;
  catLabel.textContent = '再选类型';
  showTopic(initial ? initial.label : '', initial ? initial.options.filter(function (o) { return o.selected; })[0].value : '');
  function forget() { var done = document.getElementById('suggest-done'); if (done) { done.hidden = true; } }
  topic.addEventListener('change', function () { showTopic(topic.value, ''); forget(); });
  category.addEventListener('change', forget);

  // ---- the suggestion: a tap chooses it
  var suggest = document.getElementById('suggest');
  suggest.addEventListener('click', function (e) {
    var b = e.target instanceof Element ? e.target.closest('button.pick-cat') : null;
    if (!b) { return; }
    showTopic(b.dataset.topic, b.dataset.value);
    Array.prototype.forEach.call(suggest.querySelectorAll('button.pick-cat'), function (x) {
      x.setAttribute('aria-pressed', x === b ? 'true' : 'false');
    });
    var done = document.getElementById('suggest-done');
    done.textContent = '已选择：' + b.dataset.topic + ' · ' + category.options[category.selectedIndex].textContent;
    done.hidden = false;
  });

  // ---- the place: search a building or an address
  var address = document.getElementById('address');
  var building = document.getElementById('building');
  var hits = document.getElementById('addr-hits');
  var label = document.getElementById('pick-label');
  var pick = document.getElementById('pick');
  var lat = document.getElementById('lat'), lon = document.getElementById('lon');
  var timer = null, asked = '';
  function clearHits() { while (hits.firstChild) { hits.removeChild(hits.firstChild); } hits.hidden = true; }
  function choose(h) {
    building.value = String(h.id);
    address.value = h.address || h.name;
    lat.value = ''; lon.value = '';
    label.textContent = '已选：' + h.name + (h.community ? '（' + h.community + '）' : '');
    clearHits();
    if (pick && h.lat != null && h.lon != null) {
      pick.dispatchEvent(new CustomEvent('linli:place', {detail: {lat: h.lat, lon: h.lon}}));
    }
  }
  function show(q, results) {
    clearHits();
    if (q !== address.value.trim()) { return; }  // an answer to an older text
    if (!results.length) {
      label.textContent = '没有找到“' + q + '”：可换个说法，或照实填写，社区会核实位置';
      return;
    }
    results.forEach(function (h) {
      var li = document.createElement('li');
      var b = document.createElement('button');
      b.type = 'button'; b.className = 'addr-hit';
      var name = document.createElement('b'); name.textContent = h.name;
      var where = document.createElement('small'); where.textContent = (h.community ? h.community + ' · ' : '') + (h.address || '');
      b.appendChild(name); b.appendChild(where);
      b.addEventListener('click', function () { choose(h); });
      li.appendChild(b); hits.appendChild(li);
    });
    hits.hidden = false;
    label.textContent = '请从列表中选择（找不到时照实填写即可）';
  }
  function search() {
    var q = address.value.trim();
    if (q.length < 2 || q === asked) { return; }
    asked = q;
    fetch(address.dataset.search + '?q=' + encodeURIComponent(q), {credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) { show(q, data.results || []); })
      .catch(function () { clearHits(); });
  }
  address.addEventListener('input', function () {
    building.value = '';
    clearTimeout(timer);
    timer = setTimeout(search, 350);
  });
  if (pick) {
    pick.addEventListener('linli:picked', function () { building.value = ''; clearHits(); });
  }
})();
