/* Behaviour shared by every page, declared in the markup with data attributes instead of inline
 * handlers (the Content-Security-Policy runs no inline script):
 *
 *   <select data-autosubmit>                     submits its form when changed
 *   <select data-go>                             opens the chosen option's value, a same-site link
 *                                                ("?region=…" or "/path"), when changed
 *   <button data-fill="#id" data-value="v">      puts v into the field #id when clicked
 *   <select data-show-items=".sel">              shows the elements .sel whose data-item equals the
 *                                                chosen value, hides the others
 *   <… data-remove-after-request hx-get=…>       removes itself once its htmx request has finished
 *
 * Listeners sit on the document, so fragments swapped in by htmx behave the same.
 */
(function () {
  'use strict';

  function sameSite(href) {
    return typeof href === 'string' && (href.charAt(0) === '?' || (href.charAt(0) === '/' && href.charAt(1) !== '/'));
  }

  document.addEventListener('change', function (e) {
    var el = e.target;
    if (!(el instanceof HTMLSelectElement)) { return; }
    if (el.hasAttribute('data-autosubmit') && el.form) {
      el.form.submit();
    } else if (el.hasAttribute('data-go')) {
      if (el.value && sameSite(el.value)) { window.location.assign(el.value); }
    } else if (el.dataset.showItems) {
      document.querySelectorAll(el.dataset.showItems).forEach(function (item) {
        item.hidden = item.dataset.item !== el.value;
      });
    }
  });

  document.addEventListener('click', function (e) {
    var el = e.target instanceof Element ? e.target.closest('[data-fill]') : null;
    if (!el) { return; }
    var field = document.querySelector(el.dataset.fill);
    if (field) { field.value = el.dataset.value || ''; }
  });

  document.addEventListener('htmx:afterRequest', function (e) {
    var el = e.target;
    if (el instanceof Element && el.hasAttribute('data-remove-after-request')) { el.remove(); }
  });
})();
