// intake's web pages: the little the server cannot do alone. Every page works without this
// script (forms post, links link); with it, an upload shows its progress, a dropped file is
// uploaded, a review being made reloads its page until it is done, and a running import
// shows its progress live from the server's event stream. No value is written as HTML:
// only as text. In the embedded wizard (a body with data-embed-origin), the page reports to
// its host with postMessage, to that origin only: ready, step, progress, complete, error and
// close, each as { source: "intake", type, ... }.
"use strict";

(function () {
  function byId(id) { return document.getElementById(id); }

  // A message to the host page of the embedded wizard (nothing outside one).
  function tell(message) {
    var origin = document.body.dataset.embedOrigin;
    if (!origin || window.parent === window) { return; }
    message.source = "intake";
    window.parent.postMessage(message, origin);
  }

  function setUpEmbed() {
    var body = document.body;
    if (!body.dataset.embedOrigin) { return; }
    if (body.dataset.embedError) {
      tell({ type: "error", message: body.dataset.embedError });
      return;
    }
    var step = body.dataset.step;
    if (step === "upload") { tell({ type: "ready" }); }
    // A page that reloads until its work is done reports its step once it is.
    if (!document.querySelector("[data-reload]")) { tell({ type: "step", step: step }); }
    var problem = byId("error-message") || byId("upload-error");
    if (problem && !problem.hidden && problem.textContent) {
      tell({ type: "error", message: problem.textContent.trim() });
    }
    var summary = byId("summary");
    if (summary) {
      var counts = {};
      ["rows", "imported", "updated", "skipped", "errors"].forEach(function (name) {
        counts[name] = Number(summary.dataset[name]);
      });
      tell({ type: "progress", rows_done: counts.rows, rows_total: counts.rows, percent: 100 });
      if (summary.dataset.state === "completed") {
        tell({ type: "complete", import_id: summary.dataset.importId, counts: counts });
      } else {
        tell({ type: "error", message: "The import ended " + summary.dataset.state + "." });
      }
    }
    var close = byId("close");
    if (close) { close.addEventListener("click", function () { tell({ type: "close" }); }); }
  }

  // The upload: drag and drop onto the zone, progress from XHR's upload events.
  function setUpUpload() {
    var form = byId("upload-form");
    if (!form) { return; }
    var input = byId("file");
    var zone = byId("drop-zone");
    var bar = byId("upload-progress");
    var status = byId("upload-status");
    var problem = byId("upload-error");

    function showProblem(text) {
      problem.textContent = text;
      problem.hidden = false;
      bar.hidden = true;
    }

    function send(file) {
      var body = new FormData();
      body.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
      problem.hidden = true;
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          var percent = Math.round(event.loaded * 100 / event.total);
          bar.value = percent;
          bar.textContent = percent + " %";
          status.textContent = percent + " % sent";
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400) {
          status.textContent = "Read. Opening the file…";
          window.location.assign(xhr.responseURL);
          return;
        }
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var message = page.getElementById("error-message");
        showProblem(message ? message.textContent : "The upload was refused (HTTP " + xhr.status + ").");
      });
      xhr.addEventListener("error", function () { showProblem("The upload broke off: try again."); });
      xhr.send(body);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.files.length > 0) { send(input.files[0]); }
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer.files.length > 0) { send(event.dataTransfer.files[0]); }
    });
  }

  // A review being made: reload until it is done.
  function setUpReload() {
    var waiting = document.querySelector("[data-reload]");
    if (!waiting) { return; }
    window.setTimeout(function () { window.location.reload(); }, Number(waiting.dataset.reload) || 1000);
  }

  // A running import: its progress from the event stream; the page of its results at its end.
  function setUpProgress() {
    var live = byId("live");
    if (!live || !window.EventSource) { return; }
    var source = new EventSource(live.dataset.events);
    function show(event) {
      var from;
      try { from = JSON.parse(event.data); } catch (e) { return; }
      byId("import-state").textContent = from.state;
      var progress = from.progress || {};
      var done = progress.rows_done || 0;
      byId("rows-done").textContent = String(done);
      if (progress.rows_total) {
        var percent = Math.min(100, Math.floor(done * 100 / progress.rows_total));
        byId("rows-total").textContent = String(progress.rows_total);
        byId("import-progress").value = percent;
        byId("percent").textContent = percent + " %";
      }
      byId("rate").textContent = (progress.rows_per_second || 0) + " rows/s";
      var total = progress.rows_total || null;
      tell({ type: "progress", rows_done: done, rows_total: total,
             percent: total ? Math.min(100, Math.floor(done * 100 / total)) : null });
      byId("time-left").textContent = progress.seconds_left == null ? "" : progress.seconds_left + " s";
    }
    source.addEventListener("import", show);
    source.addEventListener("end", function (event) {
      show(event);
      source.close();
      window.location.reload();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpEmbed();
    setUpUpload();
    setUpReload();
    setUpProgress();
  });
})();
