/* Estran — the Files step's rows are 100 a page (templates/deposit/wizard/_files_table.html), and a
   problem's link points at its file's row, `#f-files-<n>`: the file's place among all the
   deposit's files by name (deposit/file_listing.py). "All files" lists them in that order, so a row
   that is not on the page shown is on page n / page size + 1 of it: go there, once, to that row. */
(function () {
  "use strict";

  function follow() {
    const match = /^#f-files-(\d+)$/.exec(window.location.hash);
    const table = document.getElementById("files-table");
    if (!match || !table || document.getElementById(match[0].slice(1))) return;
    const size = Number(table.dataset.pageSize) || 100;
    const page = Math.floor(Number(match[1]) / size) + 1;
    const url = new URL(window.location.href);
    if (url.searchParams.get("files_page") === String(page) && !url.searchParams.has("folder")
        && !url.searchParams.has("files_q")) return; // already there: the file is gone
    url.search = page > 1 ? "?files_page=" + page : "";
    window.location.replace(url.toString());
  }

  window.addEventListener("hashchange", follow);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", follow);
  else follow();
})();
