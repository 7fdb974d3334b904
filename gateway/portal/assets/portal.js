// Ketenpoort secure-mail portal: the secure reply (text and files) as one JSON request with
// the page's CSRF token in a header. Loaded from 'self' only; no inline script anywhere.
(function () {
  'use strict';
  var form = document.getElementById('reply');
  if (!form) return;
  var status = document.getElementById('reply-status');
  function show(kind, text) {
    status.className = kind;
    status.textContent = text;
    status.hidden = false;
  }
  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () {
        var url = String(r.result);
        resolve({ name: file.name, type: file.type || 'application/octet-stream',
                  data: url.slice(url.indexOf(',') + 1) });
      };
      r.onerror = function () { reject(r.error); };
      r.readAsDataURL(file);
    });
  }
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var button = form.querySelector('button');
    button.disabled = true;
    var files = Array.prototype.slice.call(form.querySelector('input[type=file]').files || []);
    Promise.all(files.map(readFile)).then(function (attachments) {
      return fetch(form.getAttribute('data-action'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json',
                   'X-CSRF-Token': form.getAttribute('data-csrf') },
        body: JSON.stringify({ body: form.querySelector('textarea').value,
                               attachments: attachments })
      });
    }).then(function (response) {
      if (response.ok) {
        show('ok', form.getAttribute('data-sent'));
        form.reset();
      } else {
        show('error', form.getAttribute('data-failed') + ' (' + response.status + ')');
      }
    }).catch(function () {
      show('error', form.getAttribute('data-failed'));
    }).then(function () { button.disabled = false; });
  });
}());
