// Ketenpoort secure-mail portal: the secure reply. Each file is first sent as it is (streamed
// by the browser, of any size up to the gateway's limit) to /m/TOKEN/files, where the gateway
// seals it to the sender's organisation as it arrives; then the text and the list of those
// uploads go as one JSON request. The page's CSRF token travels in a header each time. Loaded
// from 'self' only; no inline script anywhere.
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
  function upload(file) {
    var url = form.getAttribute('data-action').replace(/\/reply$/, '/files');
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/octet-stream',
                 'X-CSRF-Token': form.getAttribute('data-csrf') },
      body: file
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (a) {
      return { name: file.name, type: file.type || 'application/octet-stream',
               attachment_id: a.attachment_id, size: a.size, sha256: a.sha256,
               envelope: a.envelope };
    });
  }
  // One file after another, so a large one has the connection to itself.
  function uploadAll(files) {
    var done = [];
    return files.reduce(function (chain, file) {
      return chain.then(function () {
        return upload(file).then(function (a) { done.push(a); });
      });
    }, Promise.resolve()).then(function () { return done; });
  }
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var button = form.querySelector('button');
    button.disabled = true;
    var files = Array.prototype.slice.call(form.querySelector('input[type=file]').files || []);
    var max = Number(form.getAttribute('data-max-bytes'));
    var tooLarge = files.filter(function (f) { return max > 0 && f.size > max; });
    if (tooLarge.length > 0) {
      show('error', tooLarge[0].name + ': ' + form.getAttribute('data-too-large'));
      button.disabled = false;
      return;
    }
    uploadAll(files).then(function (attachments) {
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
    }).catch(function (e) {
      show('error', form.getAttribute('data-failed') + (e && e.message ? ' (' + e.message + ')' : ''));
    }).then(function () { button.disabled = false; });
  });
}());
