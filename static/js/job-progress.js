// Polls each job's JSON (/jobs/<token>) and updates its progress bar until the job is done or has failed.
(function () {
  "use strict";
  const LABELS = { queued: "data-label-queued", running: "data-label-running", done: "data-label-done", failed: "data-label-failed" };

  function update(box, job) {
    box.dataset.state = job.state;
    box.querySelector("progress").value = job.percent;
    box.querySelector('[data-job-text="count"]').textContent = job.done + " / " + job.total;
    const label = box.getAttribute(LABELS[job.state]);
    if (label) box.querySelector('[data-job-text="state"]').textContent = label;
    const error = box.querySelector('[data-job-text="error"]');
    if (job.error) {
      error.textContent = (box.getAttribute("data-label-error") || "") + " " + job.error;
      error.hidden = false;
    }
    box.querySelector(".job-download").hidden = !job.has_result;
    box.querySelector(".job-refresh").hidden = job.state === "done" || job.state === "failed";
  }

  function poll(box) {
    fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        update(box, job);
        if (job.state === "queued" || job.state === "running") setTimeout(function () { poll(box); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(box); }, 5000); });
  }

  document.querySelectorAll(".job-progress").forEach(function (box) {
    if (box.dataset.state === "queued" || box.dataset.state === "running") poll(box);
  });
})();
