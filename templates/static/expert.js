// Autosave for the expert's questionnaire. Every change of a rating or a
// comment is posted on its own to /e/answer; "Saved" appears only after
// the server answered that the answer is committed. Saves of the same
// statement never overlap, so the last change is the one that stays.
// Without JavaScript the form's Save and Submit buttons post everything
// instead (the page says so until this script replaces the text).
(function () {
  "use strict";
  var form = document.getElementById("rate");
  if (!form || !window.fetch || !window.URLSearchParams) return;
  // Only now is it true that each answer is saved as soon as it is chosen.
  var howto = document.getElementById("howto");
  if (howto) howto.textContent = howto.getAttribute("data-js");
  var token = form.querySelector("input[name=csrf]").value;
  var progress = document.getElementById("progress");
  var busy = {}, again = {}, timers = {};

  function show(fs, text, cls) {
    var st = fs.querySelector(".st");
    st.textContent = text;
    st.className = "st " + (cls || "");
  }

  // fs is a statement's fieldset (id s<n>) or an open question's box (q<n>).
  function save(fs) {
    var id = fs.id;
    if (busy[id]) { again[id] = true; return; }
    busy[id] = true;
    show(fs, form.getAttribute("data-saving"));
    var body = new URLSearchParams();
    if (id.charAt(0) === "q") {
      body.set("q", id.slice(1));
      body.set("t", fs.querySelector("textarea").value);
    } else {
      var est = fs.querySelector("input.estimate"); // a numeric round's field
      var sid = id.slice(1);
      body.set("s", sid);
      var rank = fs.querySelector("input.rank"); // a ranking round's rank box
      if (rank) {
        body.set("r", rank.value.trim());
      } else if (est) {
        var unable = fs.querySelector("input.unable"), conf = fs.querySelector("input.conf:checked");
        body.set("r", est.value);
        body.set("u", unable && unable.checked ? "unable" : "");
        body.set("k", conf ? conf.value : "");
      } else {
        // One group of radios per criterion: r<id> (criterion 1), r<id>_2
        // and r<id>_3 where the study rates on several, sent as r, r2, r3.
        ["", "_2", "_3"].forEach(function (suffix) {
          var name = "r" + sid + suffix;
          if (suffix && !fs.querySelector("input[name='" + name + "']")) return;
          var picked = fs.querySelector("input[name='" + name + "']:checked");
          body.set("r" + suffix.slice(1), picked ? picked.value : "");
        });
      }
      body.set("c", fs.querySelector("textarea").value);
    }
    fetch("/e/answer", {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": token, "Accept": "application/json" }
    }).then(function (res) {
      return res.json().then(function (j) { return { ok: res.ok, status: res.status, j: j }; });
    }).then(function (r) {
      busy[id] = false;
      if (again[id]) { again[id] = false; save(fs); return; }
      if (r.ok) {
        show(fs, form.getAttribute("data-saved"), "ok");
        progress.textContent = r.j.progress;
        if (r.j.live) setLive(id.slice(1), r.j.live);
      } else if (r.status >= 500) {
        retry(fs);
      } else {
        show(fs, r.j.message || form.getAttribute("data-failed"), "err");
      }
    }).catch(function () {
      busy[id] = false;
      again[id] = false;
      retry(fs);
    });
  }

  // A failed save (offline, server restarting) is tried again until it
  // succeeds; the page says so meanwhile.
  function retry(fs) {
    show(fs, form.getAttribute("data-failed"), "err");
    setTimeout(function () { save(fs); }, 4000);
  }

  // Real-time mode: the panel's current figures under each statement,
  // refreshed every few seconds while the page is visible. A block is
  // replaced only when its figures changed, so screen readers announce
  // changes, not every poll.
  var liveURL = form.getAttribute("data-live"), scratch = document.createElement("div");
  function setLive(id, html) {
    var el = document.getElementById("live" + id);
    if (!el) return;
    scratch.innerHTML = html; // compared as the browser writes it
    if (scratch.innerHTML !== el.innerHTML) el.innerHTML = html;
  }
  function poll() {
    if (document.hidden) return;
    fetch(liveURL, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (j) {
        if (!j) return;
        Object.keys(j.live).forEach(function (id) { setLive(id, j.live[id]); });
      }).catch(function () {});
  }
  if (liveURL) {
    setInterval(poll, 3000);
    document.addEventListener("visibilitychange", poll);
  }

  // A statement's fieldset has an id (s<n>); a criterion's or the
  // confidence fieldset inside it has none.
  function box(el) { return el.closest("fieldset[id], .oq-item"); }
  form.addEventListener("change", function (e) {
    var fs = box(e.target);
    if (fs) save(fs);
  });
  // Comments and answers are also saved when typing pauses, not only on
  // leaving the box.
  form.addEventListener("input", function (e) {
    if (e.target.tagName !== "TEXTAREA" && !e.target.classList.contains("estimate")) return;
    var fs = box(e.target);
    if (!fs) return;
    var id = fs.id;
    show(fs, form.getAttribute("data-saving"));
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () { save(fs); }, 1200);
  });
})();
