/* Skills type-ahead for the volunteer profile form (progressive enhancement).
 *
 * Without this file the form still works: every skill is a check box with a level select,
 * grouped by category. With it, a combobox asks /volunteers/skills/suggest for matches in
 * Chinese or English; choosing one ticks the skill, opens its group and moves to its level.
 * The "Your skills" list and the per-group counts follow every change.
 */
(function () {
  "use strict";

  var picker = document.querySelector("[data-skill-picker]");
  if (!picker) { return; }
  var search = picker.querySelector("[data-skill-search]");
  var input = picker.querySelector("#skill-search-input");
  var listbox = picker.querySelector("#skill-suggestions");
  var status = picker.querySelector("[data-skill-status]");
  var empty = picker.querySelector("[data-skill-empty]");
  var chosenList = picker.querySelector("[data-skill-chosen]");
  var noneYet = picker.querySelector("[data-skill-none]");
  var levelWords = JSON.parse(chosenList.getAttribute("data-level-words") || "{}");
  var countTemplate = chosenList.getAttribute("data-count-template") || "{n}";
  var suggestUrl = search.getAttribute("data-suggest-url");
  var options = [];
  var active = -1;
  var timer = null;
  var lastQuery = "";

  function rowFor(slug) {
    return picker.querySelector('.skill-row[data-skill="' + CSS.escape(slug) + '"]');
  }

  function checkboxes() {
    return Array.prototype.slice.call(picker.querySelectorAll('.skill-row input[type="checkbox"]'));
  }

  /* Rebuild "Your skills" and the group counts from the check boxes (the form's truth). */
  function refreshChosen() {
    chosenList.textContent = "";
    var ticked = checkboxes().filter(function (box) { return box.checked; });
    ticked.forEach(function (box) {
      var row = box.closest(".skill-row");
      var level = row.querySelector("select").value;
      var item = document.createElement("li");
      item.setAttribute("data-skill", box.value);
      var name = document.createElement("span");
      Array.prototype.forEach.call(row.querySelector("label").childNodes, function (node) {
        name.appendChild(node.cloneNode(true));  // keeps a product name's lang="en" span
      });
      item.appendChild(name);
      item.appendChild(document.createTextNode(" "));
      var word = document.createElement("span");
      word.className = "muted";
      word.textContent = level + " · " + (levelWords[level] || "");
      item.appendChild(word);
      chosenList.appendChild(item);
    });
    noneYet.hidden = ticked.length > 0;
    picker.querySelectorAll("[data-skill-group]").forEach(function (group) {
      var count = group.querySelectorAll('.skill-row input[type="checkbox"]:checked').length;
      group.querySelector("[data-skill-count]").textContent =
        count ? countTemplate.replace("{n}", String(count)) : "";
    });
  }

  function close() {
    listbox.hidden = true;
    listbox.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function highlight(index) {
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(slug, name) {
    var row = rowFor(slug);
    close();
    input.value = "";
    lastQuery = "";
    if (!row) { return; }
    var box = row.querySelector('input[type="checkbox"]');
    box.checked = true;
    row.closest("details").open = true;
    row.classList.add("is-just-added");
    window.setTimeout(function () { row.classList.remove("is-just-added"); }, 1600);
    refreshChosen();
    status.textContent = status.getAttribute("data-added-template").replace("{skill}", name);
    var select = row.querySelector("select");
    select.focus();
    row.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function render(items) {
    close();
    empty.hidden = items.length > 0 || !input.value.trim();
    items.forEach(function (item, index) {
      var option = document.createElement("li");
      option.id = "skill-option-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.className = "skill-option";
      var name = document.createElement("span");
      name.className = "skill-option-name";
      name.textContent = item.name;
      option.appendChild(name);
      if (item.other_name) {
        var other = document.createElement("span");
        other.className = "skill-option-other";
        other.lang = item.other_lang;
        other.textContent = item.other_name;
        option.appendChild(other);
      }
      if (item.matched) {
        var matched = document.createElement("span");
        matched.className = "skill-option-matched";
        matched.textContent = "“" + item.matched + "”";
        option.appendChild(matched);
      }
      var row = rowFor(item.slug);
      if (row && row.querySelector('input[type="checkbox"]').checked) {
        option.classList.add("is-chosen");
      }
      option.addEventListener("mousedown", function (event) { event.preventDefault(); });
      option.addEventListener("click", function () { choose(item.slug, item.name); });
      option.setAttribute("data-slug", item.slug);
      option.setAttribute("data-name", item.name);
      listbox.appendChild(option);
      options.push(option);
    });
    if (options.length) {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  }

  function lookUp() {
    var query = input.value.trim();
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (!query) { render([]); return; }
    fetch(suggestUrl + "?q=" + encodeURIComponent(query), { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (body) {
        if (input.value.trim() === query) { render(body.items || []); }
      })
      .catch(function () { render([]); });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 150);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      highlight((active + 1) % options.length);
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter") {
      // Never submit the whole form from the search box.
      event.preventDefault();
      var pick = options[active >= 0 ? active : 0];
      if (pick) { choose(pick.getAttribute("data-slug"), pick.getAttribute("data-name")); }
    } else if (event.key === "Escape") {
      close();
    }
  });

  input.addEventListener("blur", function () { window.setTimeout(close, 150); });

  picker.addEventListener("change", function (event) {
    if (event.target.closest(".skill-row")) { refreshChosen(); }
  });

  search.hidden = false;
  refreshChosen();
}());
