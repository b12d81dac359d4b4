// Progressive enhancement only: every step works without this file.
// After a refused form, put the keyboard focus on the first field in error (or on the slot
// choice), in case the browser ignored `autofocus` (restored page, history navigation).
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("[autofocus]") ||
    document.querySelector(".summary.has-error") ||
    document.querySelector(".error-summary");
  if (target && document.activeElement !== target) {
    if (!target.hasAttribute("tabindex") && !/^(INPUT|TEXTAREA|SELECT|BUTTON|A)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }
});

// "First available" lands on the slot's own link (#slot-…): give it the keyboard focus too, so
// that Enter books it and Tab goes on from there.
document.addEventListener("DOMContentLoaded", function () {
  if (!/^#slot-[0-9A-Z]+$/.test(window.location.hash)) return;
  var slot = document.getElementById(window.location.hash.slice(1));
  if (slot && !document.querySelector("[autofocus]")) slot.focus();
});
