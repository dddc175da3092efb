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
 *   <input type="file">                          gets a large Chinese button ("拍照或选择照片" for images,
 *                                                "选择文件" otherwise, or data-pick-label) and a line
 *                                                saying what was chosen: the browser's own control is
 *                                                small and speaks the browser's language
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

  function enhanceFileInputs(root) {
    root.querySelectorAll('input[type=file]:not(.file-hidden)').forEach(function (input) {
      var images = (input.getAttribute('accept') || '').indexOf('image') === 0;
      var noun = images ? '照片' : '文件';
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn secondary file-button';
      button.textContent = input.dataset.pickLabel || (images ? '拍照或选择照片' : '选择文件');
      var state = document.createElement('span');
      state.className = 'muted file-state';
      state.setAttribute('aria-live', 'polite');
      state.textContent = '未选择' + noun;
      input.classList.add('file-hidden');
      input.tabIndex = -1;
      input.after(button, ' ', state);
      button.addEventListener('click', function () { input.click(); });
      input.addEventListener('change', function () {
        var files = input.files ? input.files.length : 0;
        if (!files) { state.textContent = '未选择' + noun; }
        else if (files === 1) { state.textContent = '已选择：' + input.files[0].name; }
        else { state.textContent = '已选择 ' + files + ' 个' + noun; }
      });
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { enhanceFileInputs(document); });
  } else {
    enhanceFileInputs(document);
  }
  document.addEventListener('htmx:afterSwap', function (e) {
    if (e.target instanceof Element) { enhanceFileInputs(e.target); }
  });

  document.addEventListener('htmx:afterRequest', function (e) {
    var el = e.target;
    if (el instanceof Element && el.hasAttribute('data-remove-after-request')) { el.remove(); }
  });
})();
