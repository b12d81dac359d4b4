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
