/* The live board refreshes itself while people check in (progressive enhancement).
 *
 * Without this file the board is a plain page whose forms post and come back. With it, every few
 * seconds a small GET of the board's state (/events/<id>/board/state: counts and a fingerprint)
 * updates the counts, and when the fingerprint changes (check-ins, a run, a move, a lock, a
 * confirmation, perhaps by another coordinator) the page is fetched again and its live part
 * swapped in place. A pick list in use is never swapped under the coordinator's hand: the refresh
 * waits until they leave it.
 */
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  var url = board && board.getAttribute("data-board-url");
  if (!url || !window.fetch || !window.DOMParser) { return; }
  var status = board.querySelector("[data-board-status]");
  var EVERY_MS = 5000;
  var seen = board.getAttribute("data-board-fingerprint") || null;  // what the page was drawn from
  var pending = false;

  function isBusy(live) {
    var focused = document.activeElement;
    return focused && live.contains(focused) && focused.tagName === "SELECT";
  }

  function showCounts(state) {
    board.querySelectorAll("[data-board-count]").forEach(function (figure) {
      var value = state[figure.getAttribute("data-board-count")];
      if (value !== undefined) { figure.textContent = String(value); }
    });
  }

  function swapLive() {
    var live = board.querySelector("[data-board-live]");
    if (!live || isBusy(live)) { pending = true; return; }
    pending = false;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (answer) { if (!answer.ok) { throw new Error(answer.status); } return answer.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-board-live]");
        if (fresh && !isBusy(live)) {
          live.replaceWith(document.importNode(fresh, true));
          status.textContent = board.getAttribute("data-label-updated");
        } else {
          pending = true;
        }
      })
      .catch(function () { status.textContent = board.getAttribute("data-label-offline"); });
  }

  function poll() {
    if (document.hidden) { return; }  // a background tab asks nothing
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (answer) { if (!answer.ok) { throw new Error(answer.status); } return answer.json(); })
      .then(function (state) {
        showCounts(state);
        if (seen !== null && (state.fingerprint !== seen || pending)) { swapLive(); }
        seen = state.fingerprint;
      })
      .catch(function () { status.textContent = board.getAttribute("data-label-offline"); });
  }

  board.addEventListener("focusout", function () { if (pending) { window.setTimeout(swapLive, 0); } });
  poll();
  window.setInterval(poll, EVERY_MS);
})();
