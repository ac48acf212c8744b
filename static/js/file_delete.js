/* Estran — the files step asks before deleting a file (templates/deposit/wizard/files.html): the
   table's "Delete…" link (which, without scripts, opens the same question as a page) opens a modal
   dialog naming the file. "Keep it", Escape or a click beside it closes the dialog and deletes
   nothing; "Delete the file" posts the deletion. The listener is on the document: htmx replaces
   the table while files are verified, and the dialog lives outside it. */
(function () {
  "use strict";

  function start() {
    const dialog = document.querySelector("[data-delete-dialog]");
    if (!dialog || typeof dialog.showModal !== "function") return; // the link's page asks instead
    const form = dialog.querySelector("form");
    const question = dialog.querySelector("h3");
    const keep = dialog.querySelector("[data-delete-cancel]");

    document.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-delete-file]");
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      form.action = link.href;
      // a function, so that a "$&" in a file's name is not read as a replacement pattern
      question.textContent = dialog.dataset.question.replace("%(name)s", () => link.dataset.name);
      dialog.showModal();
      keep.focus(); // the choice that loses nothing comes first
    });
    keep.addEventListener("click", () => dialog.close());
    // a click on the backdrop (the dialog element itself, outside its box) also keeps the file
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
