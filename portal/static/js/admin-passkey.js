/* Passkeys on the back-office pages: a progressive enhancement. The buttons are hidden in the
   HTML and shown only when the browser can do WebAuthn with JSON options; messages come from
   the page (data-failed), already translated. */
(function () {
  "use strict";
  var PKC = window.PublicKeyCredential;
  if (!PKC || !PKC.parseRequestOptionsFromJSON || !PKC.parseCreationOptionsFromJSON || !navigator.credentials) {
    return;
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken()},
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          throw new Error((data.error && data.error.message) || String(response.status));
        }
        return data;
      });
    });
  }

  function wire(section, run) {
    if (!section) {
      return;
    }
    var button = section.querySelector("button");
    var status = section.querySelector("[role=status]");
    section.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "";
      run().then(function (data) {
        window.location.assign(data.redirect);
      }).catch(function (error) {
        button.disabled = false;
        status.textContent = error && error.name === "NotAllowedError" ? section.dataset.cancelled : section.dataset.failed;
      });
    });
  }

  wire(document.getElementById("passkey-sign-in"), function () {
    return post("/admin/passkey/options").then(function (options) {
      return navigator.credentials.get({publicKey: PKC.parseRequestOptionsFromJSON(options)});
    }).then(function (credential) {
      return post("/admin/passkey/sign-in", credential.toJSON());
    });
  });

  wire(document.getElementById("passkey-add"), function () {
    return post("/admin/account/passkeys/options").then(function (options) {
      return navigator.credentials.create({publicKey: PKC.parseCreationOptionsFromJSON(options)});
    }).then(function (credential) {
      return post("/admin/account/passkeys", credential.toJSON());
    });
  });
}());
