/* Search over the index shipped with the site (search-index.js sets window.SITE_INDEX).
   Every word typed must appear in a case's reference, title, city, year, sector, procedure
   or approaches (ignoring case and accents). Results are built as text nodes: nothing from
   the index is ever read as HTML. */
(function () {
  "use strict";
  var MAX = 100;
  var index = window.SITE_INDEX || [];
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("results");
  if (!form || !input || !status || !list) { return; }

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var texts = index.map(function (e) {
    return fold([e.r, e.t, e.c, e.y, e.s, e.p, (e.a || []).join(" ")].join(" "));
  });

  function show(query) {
    var words = fold(query).split(/\s+/).filter(function (w) { return w.length > 0; });
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (words.length === 0) {
      status.textContent = "Type one or more words.";
      return;
    }
    var found = [];
    for (var i = 0; i < index.length; i++) {
      var text = texts[i];
      if (words.every(function (w) { return text.indexOf(w) !== -1; })) { found.push(index[i]); }
    }
    found.slice(0, MAX).forEach(function (e) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = e.u;
      link.textContent = e.t;
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = [e.r, e.c, e.y, e.s].join(" · ");
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(meta);
      list.appendChild(item);
    });
    var n = found.length;
    status.textContent = n === 0 ? "No case matches." :
      (n === 1 ? "1 case matches." : n + " cases match.") +
      (n > MAX ? " The first " + MAX + " are shown; add a word to narrow the search." : "");
  }

  var params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  show(input.value);
  input.addEventListener("input", function () { show(input.value); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
  });
})();
