/* Staff sign-in: keep the token in sessionStorage for the pages' API calls (the server also
   sets an HttpOnly cookie, which is what lets it refuse a page to the wrong role). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-login]");
  if (!form) return;
  var error = document.querySelector("p[data-error][hidden]");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch("/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (r) { return r.json(); }).then(function (j) {
      if (!j.ok) {
        error.textContent = j.reason;
        error.hidden = false;
        button.disabled = false;
        return;
      }
      sessionStorage.setItem("magen.token", j.access_token);
      sessionStorage.setItem("magen.role", j.role);
      location.assign(j.redirect);
    }).catch(function () {
      // No answer: fall back to the plain form post.
      form.submit();
    });
  });
})();
