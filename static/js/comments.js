/* The moderator's comments in the wizard: put each step comment's marker ("1 comment", a link to
   its thread at the top of the step) beside the field group it is about. The markers are rendered
   hidden by templates/moderation/_wizard_comments.html, already translated; without JavaScript the
   list at the top of the step, with its links to the fields, is all there is.

   A marker's anchor is a wizard field (`title`) or one item of a list (`creators-1`,
   `geo_locations-0`): its group is the element with id `f-<anchor>` (a row's fieldset, a field's
   input), else the first input whose name is the anchor or starts with `<anchor>-`. */
(function () {
  "use strict";

  function groupOf(anchor, form) {
    var byId = document.getElementById("f-" + anchor);
    var input = byId;
    if (!byId) {
      var quoted = window.CSS && CSS.escape ? CSS.escape(anchor) : anchor.replace(/"/g, "");
      input = form.querySelector('[name="' + quoted + '"], [name^="' + quoted + '-"]');
      if (!input) return null;
    }
    if (input.matches("fieldset, [data-row], .wcard")) return input;
    return input.closest(".wfield, [data-row], fieldset") || input.parentElement;
  }

  function place(marker, group) {
    var head = group.querySelector(":scope > legend, :scope > label");
    marker.hidden = false;
    marker.classList.add("is-placed");
    if (head) {
      // Beside the label or legend, not inside it: the field's accessible name stays its own.
      head.insertAdjacentElement("afterend", marker);
    } else {
      group.insertBefore(marker, group.firstChild);
    }
    group.classList.add("has-comments");
  }

  function init() {
    var form = document.getElementById("wizard-form");
    var section = document.querySelector("[data-step-comments]");
    if (!form || !section) return;
    section.querySelectorAll("[data-comment-marker]").forEach(function (marker) {
      var group = groupOf(marker.getAttribute("data-comment-marker"), form);
      if (group) place(marker, group);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
