/* Search as you type for the requests to feature at an event (progressive enhancement).
 *
 * Without this file the page still works: the search form reloads the page with the results, each
 * with a Feature button. With it, typing asks GET /api/v1/requests?q=…&status=open (the same search
 * as the search page) and lists the matches in place, each with the same Feature form.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-feature-search]");
  if (!box || !window.fetch) { return; }
  var input = box.querySelector("[data-feature-input]");
  var results = box.querySelector("[data-feature-results]");
  var status = box.querySelector("[data-feature-status]");
  var featured = (box.getAttribute("data-featured-ids") || "").split(",").filter(Boolean);
  var timer = null;
  var asked = 0;

  function label(name) { return box.getAttribute("data-label-" + name) || ""; }

  function featureForm(id) {
    var form = document.createElement("form");
    form.method = "post";
    form.className = "inline-form";
    form.action = box.getAttribute("data-feature-url");
    [["csrf_token", box.getAttribute("data-csrf")], ["request_ids", String(id)],
     ["next", window.location.pathname + "?q=" + encodeURIComponent(input.value)]].forEach(function (pair) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = pair[0];
      hidden.value = pair[1];
      form.appendChild(hidden);
    });
    var button = document.createElement("button");
    button.type = "submit";
    button.className = "button button-small";
    button.textContent = label("feature");
    form.appendChild(button);
    return form;
  }

  function row(item) {
    var li = document.createElement("li");
    li.className = "event-row";
    var main = document.createElement("div");
    main.className = "event-row-main";
    var link = document.createElement("a");
    link.href = "/requests/" + encodeURIComponent(item.id);
    link.textContent = item.title;
    var meta = document.createElement("span");
    meta.className = "muted";
    var org = item.organization && item.organization.name ? item.organization.name + " · " : "";
    meta.textContent = org + label("seats").replace("{n}", String(item.seats_free));
    main.appendChild(link);
    main.appendChild(document.createTextNode(" "));
    main.appendChild(meta);
    li.appendChild(main);
    if (featured.indexOf(String(item.id)) >= 0) {
      var badge = document.createElement("span");
      badge.className = "badge badge-open";
      badge.textContent = label("featured");
      li.appendChild(badge);
    } else {
      li.appendChild(featureForm(item.id));
    }
    return li;
  }

  function show(items) {
    results.textContent = "";
    items.forEach(function (item) { results.appendChild(row(item)); });
    status.textContent = items.length ? "" : label("none");
  }

  function search() {
    var words = input.value.trim();
    if (!words) { results.textContent = ""; status.textContent = ""; return; }
    var ticket = ++asked;
    var url = box.getAttribute("data-search-url") + "?status=open&per_page=10&q=" + encodeURIComponent(words);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (answer) { if (!answer.ok) { throw new Error(answer.status); } return answer.json(); })
      .then(function (page) { if (ticket === asked) { show(page.items || []); } })
      .catch(function () { if (ticket === asked) { status.textContent = label("failed"); } });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);  // one request per pause in typing, not per key
  });
})();
