// The bulk import's progress bars (rows written; for a bulk issuance also PDFs sealed): polls the job's JSON (data-progress-url) every 2 s and updates the
// bar and its status line; reloads the page when the job ends or stops, so the page shows the result
// (and the resume button). No inline script: the page only marks the element (CSP, core/middleware.py).
(function () {
  "use strict";
  function start() {
    var bar = document.getElementById("import-progress");
    if (!bar || bar.getAttribute("data-finished")) {
      return;
    }
    var text = document.getElementById("progress-text");
    var template = bar.getAttribute("data-text") || "{done} / {total}";
    function poll() {
      fetch(bar.getAttribute("data-progress-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) {
            return;
          }
          bar.max = job.rows_total || 1;
          bar.value = job.rows_done;
          bar.textContent = job.percent + "%";
          if (text) {
            text.textContent = template.replace("{done}", job.rows_done).replace("{total}", job.rows_total)
              .replace("{percent}", job.percent) + " · " + job.status_label;
          }
          var seal = document.getElementById("seal-progress");
          var sealText = document.getElementById("seal-text");
          if (seal) {
            seal.max = job.rows_total || 1;
            seal.value = job.pdfs_done;
            seal.textContent = job.pdf_percent + "%";
            if (sealText) {
              sealText.textContent = (seal.getAttribute("data-text") || "{done} / {total}")
                .replace("{done}", job.pdfs_done).replace("{total}", job.rows_total).replace("{percent}", job.pdf_percent);
            }
          }
          if (job.is_finished || job.can_resume) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 2000);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
