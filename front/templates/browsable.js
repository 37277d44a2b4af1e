// The browsable pages' forms: sign in, then post, change or delete your review of a film and edit your profile,
// each through the JSON API with fetch. The token lives in this tab's sessionStorage only (never a cookie,
// never a URL) and every text from the API is shown with textContent, never as HTML.
"use strict";
(function () {
  var KEY = "movieverse.token";
  var me = null; // {id, username} once signed in
  var ownReview = null; // the signed-in user's review of this page's film, if any
  var page = document.getElementById("forms");
  if (!page) return;
  var filmId = page.getAttribute("data-film") ? Number(page.getAttribute("data-film")) : null;

  function $(id) { return document.getElementById(id); }

  function token() {
    try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
  }

  function say(id, text, isError) {
    var el = $(id);
    el.textContent = text;
    el.className = "form-status" + (isError ? " error" : " ok");
  }

  // The text of a problem document (RFC 9457): its detail, then each field's errors.
  function problem(status, doc) {
    var text = doc && typeof doc.detail === "string" ? doc.detail : "HTTP " + status;
    if (doc && doc.errors && typeof doc.errors === "object") {
      Object.keys(doc.errors).forEach(function (field) {
        var messages = doc.errors[field];
        text += " " + field + ": " + (Array.isArray(messages) ? messages.join(" ") : String(messages));
      });
    }
    return text;
  }

  function ApiError(status, doc) { this.status = status; this.message = problem(status, doc); }

  function api(method, url, body) {
    var headers = { "Accept": "application/json" };
    var held = token();
    if (held) headers["Authorization"] = "Bearer " + held;
    var init = { method: method, headers: headers, credentials: "omit", cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      if (response.status === 204) return null;
      return response.text().then(function (text) {
        var doc = null;
        try { doc = text ? JSON.parse(text) : null; } catch (e) { doc = null; }
        if (!response.ok) {
          if (response.status === 401 && held) signOut(); // the token expired or was revoked
          throw new ApiError(response.status, doc);
        }
        return doc;
      });
    });
  }

  function failed(id) {
    return function (error) { say(id, error instanceof ApiError ? error.message : String(error), true); };
  }

  function show(id, visible) { $(id).hidden = !visible; }

  function signOut() {
    try { window.sessionStorage.removeItem(KEY); } catch (e) { /* storage refused */ }
    me = null;
    ownReview = null;
    render();
  }

  function render() {
    show("signin-form", !me);
    show("signed-in", !!me);
    if (me) $("account-name").textContent = me.username;
    if (filmId !== null) {
      show("review-form", !!me);
      show("review-post", !ownReview);
      show("review-save", !!ownReview);
      show("review-delete", !!ownReview);
      $("review-heading").textContent = ownReview ? "Your review (#" + ownReview.id + ")" : "Review this film";
    }
  }

  function fillReview(review) {
    ownReview = review;
    $("review-rating").value = review ? String(review.rating) : "";
    $("review-title").value = review ? review.title || "" : "";
    $("review-body").value = review ? review.body || "" : "";
    render();
  }

  function loadOwnReview() {
    if (filmId === null || !me) return Promise.resolve();
    var query = "?movie=" + encodeURIComponent(filmId) + "&user=" + encodeURIComponent(me.id) + "&page_size=1";
    return api("GET", "/api/reviews/" + query).then(function (found) {
      fillReview(found && found.results && found.results.length ? found.results[0] : null);
    }, failed("review-status"));
  }

  function loadProfile() {
    return api("GET", "/api/users/" + encodeURIComponent(me.id) + "/profile/").then(function (profile) {
      $("profile-bio").value = profile.bio || "";
      $("profile-location").value = profile.location || "";
      $("profile-avatar").value = profile.avatar_url || "";
      $("profile-genres").value = (profile.favorite_genres || []).join(", ");
    }, failed("profile-status"));
  }

  function start() {
    if (!token()) { render(); return Promise.resolve(); }
    return api("GET", "/api/users/me/").then(function (account) {
      me = { id: account.id, username: account.username };
      render();
      return Promise.all([loadOwnReview(), loadProfile()]);
    }, function (error) { render(); failed("signin-status")(error); });
  }

  $("signin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var who = $("signin-username").value.trim();
    var login = { password: $("signin-password").value };
    login[who.indexOf("@") >= 0 ? "email" : "username"] = who;
    say("signin-status", "Signing in…", false);
    api("POST", "/api/auth/token", login).then(function (issued) {
      window.sessionStorage.setItem(KEY, issued.access_token);
      $("signin-password").value = "";
      say("signin-status", "", false);
      return start();
    }).catch(failed("signin-status"));
  });

  $("signout").addEventListener("click", function () {
    signOut();
    say("signin-status", "Signed out.", false);
  });

  $("profile-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var avatar = $("profile-avatar").value.trim();
    var genres = $("profile-genres").value.split(",").map(function (g) { return g.trim(); })
      .filter(function (g) { return g !== ""; })
      .map(function (g) { return /^[0-9]+$/.test(g) ? Number(g) : g; });
    var change = { bio: $("profile-bio").value, location: $("profile-location").value,
                   avatar_url: avatar === "" ? null : avatar, favorite_genres: genres };
    api("PATCH", "/api/users/me/profile/", change).then(function (saved) {
      $("profile-genres").value = (saved.favorite_genres || []).join(", ");
      say("profile-status", "Profile saved.", false);
    }).catch(failed("profile-status"));
  });

  if (filmId !== null) {
    var reviewFields = function () {
      var rating = $("review-rating").value.trim();
      return { rating: /^-?[0-9]+$/.test(rating) ? Number(rating) : rating, title: $("review-title").value,
               body: $("review-body").value };
    };
    $("review-form").addEventListener("submit", function (event) {
      event.preventDefault(); // Enter in a field: post a new review, or save the one there is
      (ownReview ? $("review-save") : $("review-post")).click();
    });
    $("review-post").addEventListener("click", function () {
      var review = reviewFields();
      review.movie_id = filmId;
      api("POST", "/api/reviews/", review).then(function (created) {
        fillReview(created);
        say("review-status", "Review #" + created.id + " posted.", false);
      }).catch(failed("review-status"));
    });
    $("review-save").addEventListener("click", function () {
      api("PATCH", "/api/reviews/" + encodeURIComponent(ownReview.id) + "/", reviewFields()).then(function (saved) {
        fillReview(saved);
        say("review-status", "Review #" + saved.id + " saved.", false);
      }).catch(failed("review-status"));
    });
    $("review-delete").addEventListener("click", function () {
      var id = ownReview.id;
      api("DELETE", "/api/reviews/" + encodeURIComponent(id) + "/").then(function () {
        fillReview(null);
        say("review-status", "Review #" + id + " deleted.", false);
      }).catch(failed("review-status"));
    });
  }

  page.hidden = false; // the forms need this script: without it they are never shown
  start();
})();
