/* The household picker of the person form (registry/person_form.html): the households found by the
 * search box (htmx fills #household-hits) are buttons; a tap puts the household's code into the
 * 户编号 field and says which household was chosen (as text). */
(function () {
  'use strict';
  var hits = document.getElementById('household-hits');
  var code = document.getElementById('id_household_code');
  var chosen = document.getElementById('household-chosen');
  if (!hits || !code) { return; }
  var search = document.getElementById('household-search');
  if (search) {  // Enter searches; it must not submit the person form
    search.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); } });
  }
  hits.addEventListener('click', function (e) {
    var hit = e.target.closest('.hh-hit');
    if (!hit) { return; }
    code.value = hit.dataset.code;
    chosen.textContent = '已选：' + hit.dataset.label;
    hits.textContent = '';
  });
})();
