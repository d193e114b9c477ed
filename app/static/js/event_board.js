/* The live board refreshes itself while people check in (progressive enhancement).
 *
 * Without this file the board is a plain page whose forms post and come back. With it, every few
 * seconds a small GET of /api/v1/events/<id>/board tells whether anything changed (check-ins, a
 * run, a move, a lock, a confirmation, perhaps by another coordinator); only then is the page
 * fetched again and its live part swapped in place. A pick list in use is never swapped under
 * the coordinator's hand: the refresh waits until they leave it.
 */
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  var url = board && board.getAttribute("data-board-url");
  if (!url || !window.fetch || !window.DOMParser) { return; }
  var status = board.querySelector("[data-board-status]");
  var EVERY_MS = 5000;
  var seen = null;
  var pending = false;

  /* What the board shows, as one string: any difference means the page is out of date. */
  function signature(data) {
    var people = [];
    (data.requests || []).forEach(function (project) {
      (project.proposals || []).forEach(function (p) {
        people.push([p.user_id, p.request_id, p.role, p.locked, p.confirmed].join(":"));
      });
    });
    (data.unmatched || []).forEach(function (u) { people.push("u" + u.user_id); });
    (data.waiting || []).forEach(function (w) { people.push("w" + w.user_id); });
    var a = data.attendance || {};
    return [data.status, data.version, data.matched_at, a.registered, a.attended, a.waitlisted,
            people.sort().join(",")].join("|");
  }

  function isBusy(live) {
    var focused = document.activeElement;
    return focused && live.contains(focused) && focused.tagName === "SELECT";
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
      .then(function (data) {
        var now = signature(data);
        if (seen !== null && (now !== seen || pending)) { swapLive(); }
        seen = now;
      })
      .catch(function () { status.textContent = board.getAttribute("data-label-offline"); });
  }

  board.addEventListener("focusout", function () { if (pending) { window.setTimeout(swapLive, 0); } });
  poll();
  window.setInterval(poll, EVERY_MS);
})();
