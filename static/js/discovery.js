/* Estran — the institution discovery page (templates/saml/discovery.html): a type-ahead over the
   institutions that asks the JSON endpoint as the user types (debounced, latest answer wins) and
   renders the same buttons as the server-side results. Without JavaScript, the form searches. */
(function () {
  "use strict";
  var input = document.getElementById("idp-search");
  var list = document.getElementById("idp-results");
  var status = document.getElementById("idp-status");
  var messages = JSON.parse(document.getElementById("idp-messages").textContent);
  var timer = null, latest = 0;

  function render(results) {
    list.textContent = "";
    results.forEach(function (idp) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "submit";
      button.setAttribute("form", "idp-signin");
      button.name = "idp"; button.value = idp.slug; button.className = "idp-choice";
      if (idp.logo) {
        var img = document.createElement("img");
        img.src = idp.logo; img.alt = ""; img.width = 32; img.height = 32; img.loading = "lazy";
        img.referrerPolicy = "no-referrer";
        button.appendChild(img);
      }
      var name = document.createElement("span");
      name.className = "idp-name"; name.textContent = idp.name;
      button.appendChild(name);
      if (idp.domain) {
        var domain = document.createElement("span");
        domain.className = "idp-domain"; domain.textContent = idp.domain;
        button.appendChild(domain);
      }
      li.appendChild(button);
      list.appendChild(li);
    });
    if (!results.length) { status.textContent = messages.none; }
    else if (results.length === 1) { status.textContent = messages.found_one; }
    else { status.textContent = messages.found_many.replace("%(count)s", results.length); }
  }

  function search() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (query.length < 2) { list.textContent = ""; status.textContent = ""; return; }
    fetch(input.dataset.searchUrl + "?q=" + encodeURIComponent(query), {headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { if (ticket === latest) { render(data.results); } })
      .catch(function () { if (ticket === latest) { status.textContent = messages.error; } });
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 150); });
  input.addEventListener("keydown", function (event) {
    var first = list.querySelector("button");
    if (event.key === "ArrowDown" && first) { event.preventDefault(); first.focus(); }
    if (event.key === "Enter" && list.children.length === 1 && first) { event.preventDefault(); first.click(); }
  });
  list.addEventListener("keydown", function (event) {
    var item = event.target.closest("li");
    if (!item) { return; }
    if (event.key === "ArrowDown" && item.nextElementSibling) { event.preventDefault(); item.nextElementSibling.querySelector("button").focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (item.previousElementSibling ? item.previousElementSibling.querySelector("button") : input).focus(); }
  });
  if (!input.value) { input.focus(); }
})();
