// The agenda refreshes itself: every minute, while the tab is visible, it fetches the same page
// and replaces the agenda's content, so that new online bookings appear without a reload. It
// leaves the page alone while the keyboard focus is inside the agenda (nothing moves under the
// user's hands), and announces a change through the polite status line. Without JavaScript the
// page is complete; the browser's reload does the same.
(function () {
  "use strict";
  var live = document.getElementById("agenda-live");
  if (!live || !window.fetch || !window.DOMParser) { return; }
  var seconds = parseInt(live.getAttribute("data-refresh"), 10) || 60;

  function refresh() {
    if (document.visibilityState !== "visible" || live.contains(document.activeElement)) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("agenda-live");
        if (!fresh || live.contains(document.activeElement)) { return; }
        if (fresh.innerHTML === live.innerHTML) { return; }
        live.innerHTML = fresh.innerHTML;
        // The status line sits outside the replaced part: a live region must exist before it speaks.
        var status = document.getElementById("agenda-status");
        if (status) { status.textContent = status.getAttribute("data-updated"); }
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); }
  });
}());
