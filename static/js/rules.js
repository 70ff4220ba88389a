// Automation rules: apply jobs show their progress while the worker runs them (the page works without this).
(function () {
  var jobs = document.querySelectorAll("[data-job-url]");
  function describe(job) {
    if (job.status === "done") { return "Done: " + job.total + " calls, " + job.matched + " matched, " + job.changed + " changed"; }
    if (job.status === "failed") { return "Failed: " + job.error; }
    if (job.status === "running") { return job.processed + " of " + job.total + " calls"; }
    return "Waiting for the worker…";
  }
  jobs.forEach(function (item) {
    if (item.getAttribute("data-status") === "done" || item.getAttribute("data-status") === "failed") { return; }
    var timer = setInterval(function () {
      fetch(item.getAttribute("data-job-url"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { return; }
          item.querySelector("progress").value = job.percent;
          item.querySelector(".job-status").textContent = describe(job);
          item.setAttribute("data-status", job.status);
          if (job.status === "done" || job.status === "failed") { clearInterval(timer); }
        });
    }, 1500);
  });
})();
