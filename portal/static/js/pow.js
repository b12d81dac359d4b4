// The booking form's proof of work (portal/web/pow.py), present only after several posts from
// one client: find a nonce such that SHA-256("<challenge>:<nonce>") starts with `bits` zero bits,
// then send the form. Self-hosted, no third party; about a second on a phone.
(function () {
  "use strict";
  var challenge = document.querySelector("input[name=pow_challenge]");
  if (!challenge || !window.crypto || !window.crypto.subtle || !window.TextEncoder) { return; }
  var form = challenge.form;
  var nonceField = form.querySelector("input[name=pow_nonce]");
  var status = form.querySelector(".pow-status");
  var bits = parseInt(challenge.getAttribute("data-pow-bits"), 10) || 16;
  var encoder = new TextEncoder();
  var solving = false;

  function zeroBits(bytes) {
    var count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { count += 8; continue; }
      for (var mask = 0x80; mask && !(bytes[i] & mask); mask >>= 1) { count++; }
      break;
    }
    return count;
  }

  async function solve() {
    var prefix = challenge.value + ":";
    for (var nonce = 0; ; nonce++) {
      var digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(prefix + nonce));
      if (zeroBits(new Uint8Array(digest)) >= bits) { return String(nonce); }
    }
  }

  // Send the form again as the button pressed would have: form.submit() alone drops the
  // button's name and formaction, and the language switch (a submit button of this form) then
  // booked the appointment instead of showing the form in the other language. (Chromium's
  // requestSubmit(submitter) sent nothing at all here, called once the work was done.)
  function resend(submitter) {
    if (submitter && submitter.name) {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = submitter.name;
      field.value = submitter.value;
      form.appendChild(field);
    }
    if (submitter && submitter.hasAttribute("formaction")) { form.action = submitter.formAction; }
    form.submit();
  }

  form.addEventListener("submit", function (event) {
    if (nonceField.value) { return; }  // solved: let it go
    event.preventDefault();
    if (solving) { return; }
    solving = true;
    var submitter = event.submitter || null;
    if (status) { status.textContent = status.getAttribute("data-working"); }
    solve().then(function (nonce) {
      nonceField.value = nonce;
      if (status) { status.textContent = ""; }
      solving = false;
      resend(submitter);
    });
  });
})();
