/* The review page's "Comment on this" under a file nobody has commented on yet: the page does not
   draw a form for each of its hundred files, it fetches the file's conversation with its form open
   (moderation:file-thread) when the moderator opens one, puts it in place and moves the focus to
   the text box. Without JavaScript, or when the fetch fails, the link inside leads to the file's
   own page, which has the form. The form posts as every comment form does. */
(function () {
  "use strict";

  function load(details) {
    if (!details.open || details.dataset.loaded) return;
    var wrapper = details.closest("[data-thread]");
    if (!wrapper) return;
    details.dataset.loaded = "loading";
    wrapper.setAttribute("aria-busy", "true");
    var url = details.dataset.threadUrl + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html.trim();
        var fresh = template.content.querySelector("[data-thread]");
        if (!fresh) throw new Error("no conversation in the answer");
        wrapper.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
        var box = fresh.querySelector("details.comment-new");
        if (box) box.open = true;
        var text = fresh.querySelector("details.comment-new textarea");
        if (text) text.focus();
      })
      .catch(function () {
        delete details.dataset.loaded;
        wrapper.removeAttribute("aria-busy");
      });
  }

  function init() {
    document.querySelectorAll("details.comment-new[data-thread-url]").forEach(function (details) {
      details.addEventListener("toggle", function () { load(details); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
