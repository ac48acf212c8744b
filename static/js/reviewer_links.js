/* Estran — a new reviewer link's copy button (templates/deposit/reviewer_link_created.html). Without
   script the button stays hidden and the link is selected whole by a click (`.secret`). */
(function () {
  "use strict";
  const button = document.getElementById("copy-reviewer-link");
  if (!button) { return; }
  const target = document.getElementById(button.dataset.copyTarget);
  const status = document.getElementById("copy-reviewer-link-status");

  function say(text) { if (status) { status.textContent = text; } }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http (a trial on a laboratory's server): the older way, from a selection.
    return new Promise((resolve, reject) => {
      const range = document.createRange();
      range.selectNodeContents(target);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      const ok = document.execCommand("copy");
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  button.hidden = false;
  button.addEventListener("click", () => {
    copyText(target.textContent.trim())
      .then(() => say(button.dataset.copied))
      .catch(() => say(button.dataset.failed));
  });
})();
