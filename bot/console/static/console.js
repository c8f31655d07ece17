// Agent console: live fragments over server-sent events, SLA timers, canned replies, step ticks.
// Fragments come from the server already escaped; customer text is never built into HTML here.
(function () {
  "use strict";
  var body = document.body;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function updateTimers() {
    var now = Date.now();
    document.querySelectorAll(".sla[data-due]").forEach(function (el) {
      if (el.dataset.answered === "1") { return; }
      var due = Number(el.dataset.due);
      if (!due) { return; }
      var left = Math.round((due - now) / 1000);
      var span = Math.abs(left);
      var clock = Math.floor(span / 60) + ":" + pad(span % 60);
      if (left < 0) {
        el.classList.add("overdue");
        el.textContent = body.dataset.overdue + " " + clock;
      } else {
        el.classList.remove("overdue");
        el.textContent = clock + " " + body.dataset.left;
      }
    });
  }

  function bindTicketControls(root) {
    root.querySelectorAll(".canned-reply").forEach(function (button) {
      button.addEventListener("click", function () {
        var box = document.getElementById("reply-text");
        box.value = button.dataset.text;
        box.focus();
      });
    });
    root.querySelectorAll("input.step").forEach(function (box) {
      box.addEventListener("change", function () {
        var form = box.form;
        var data = new URLSearchParams();
        data.set("step", box.dataset.step);
        data.set("done", box.checked ? "1" : "0");
        fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "x-csrftoken": csrf, "Accept": "application/json",
                     "Content-Type": "application/x-www-form-urlencoded" },
          body: data.toString()
        });
      });
    });
  }

  var live = document.querySelector("[data-fragment]");
  var loading = false;
  var again = false;

  function refresh() {
    if (!live) { return; }
    if (loading) { again = true; return; }
    loading = true;
    fetch(live.dataset.fragment, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 401) { window.location = "/login"; return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== undefined) {
          live.innerHTML = html;
          updateTimers();
          live.dispatchEvent(new CustomEvent("console:updated", { bubbles: true }));
        }
      })
      .catch(function () {})
      .then(function () {
        loading = false;
        if (again) { again = false; refresh(); }
      });
  }

  if (live && window.EventSource) {
    var indicator = document.getElementById("live-indicator");
    var source = new EventSource("/events");
    var first = true;
    source.addEventListener("open", function () { if (indicator) { indicator.hidden = false; } });
    source.addEventListener("error", function () { if (indicator) { indicator.hidden = true; } });
    source.addEventListener("change", function () {
      if (first) { first = false; return; }  // the page was rendered at this cursor
      refresh();
    });
  }

  function scrollTranscript() {
    var lines = document.getElementById("transcript-lines");
    if (lines) { lines.scrollTop = lines.scrollHeight; }
  }

  if (live) { live.addEventListener("console:updated", scrollTranscript); }
  bindTicketControls(document);
  scrollTranscript();
  updateTimers();
  window.setInterval(updateTimers, 1000);
})();
