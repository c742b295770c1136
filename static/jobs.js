// A large file in the 批量分析 view: one upload to /api/jobs, then the job's status on the same progress bar
// until it ends; it can be cancelled; the tagged file (its columns in Chinese: header_language=zh) is
// downloaded from the server. A status request that fails (the network, a restarting service) is tried
// again; the job goes on on the server meanwhile.
window.jobs = (function () {
  "use strict";
  const $ = function (id) { return document.getElementById(id); };
  const root = document.querySelector(".chat");
  const start = $("bulk-start"), run = $("bulk-run"), progress = $("bulk-progress"), progressText = $("bulk-progress-text");
  const errorBox = $("bulk-error"), retry = $("bulk-retry"), results = $("bulk-results");
  const cancel = $("bulk-cancel"), jobDone = $("bulk-job-done"), jobDownload = $("bulk-job-download");
  let serverJob = null;  // the job being followed: {id, status_url, result_url}

  function showProblem(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  // wanted: {file, column (or null: the server finds the text column), classifier, threshold (0–1, with a
  // classifier), aspects (window.aspects.chosen()), onColumns(columns, message): the server could not find
  // the text column and lists the file's}.
  async function submit(wanted) {
    const form = new FormData();
    form.append("file", wanted.file);
    if (wanted.column) form.append("column", wanted.column);
    if (wanted.classifier) {
      form.append("classifier", wanted.classifier);
      if (wanted.threshold != null) form.append("threshold", String(wanted.threshold));
    }
    if (wanted.aspects) form.append("aspects", wanted.aspects.id);
    form.append("header_language", "zh");  // the columns in Chinese, as the page's own downloads
    window.aspects.hide();
    results.hidden = jobDone.hidden = errorBox.hidden = retry.hidden = true;
    run.hidden = false;
    start.disabled = true;
    progress.removeAttribute("value");
    progressText.textContent = "正在上传文件…";
    const result = await window.ui.call(root.dataset.jobs, { method: "POST", body: form });
    if (!result.ok) {
      start.disabled = false;
      progressText.textContent = "";
      if (result.body && result.body.code === "missing_column" && result.body.columns) {
        wanted.onColumns(result.body.columns);
        showProblem("没有找到像评论的列。请在上面选好文本所在的列，再点“开始分析”。");
        return;
      }
      showProblem(window.ui.failed(result));
      return;
    }
    serverJob = result.body;
    cancel.hidden = false;
    follow(serverJob, wanted.aspects);
  }

  function describe(status) {
    let text = "已分析 " + status.rows_done + " / " + status.rows_total + " 行";
    if (status.rows_per_second) text += "，每秒 " + Math.round(status.rows_per_second) + " 行";
    if (status.eta_seconds != null && status.state === "running") text += "，约 " + Math.max(1, Math.round(status.eta_seconds)) + " 秒后完成";
    return text;
  }

  async function follow(submitted, aspects) {
    let misses = 0;
    while (serverJob === submitted) {
      const result = await window.ui.call(submitted.status_url);
      if (serverJob !== submitted) return;
      if (!result.ok) {
        misses += 1;
        progressText.textContent = "暂时无法获取进度（" + misses + "），任务仍在服务器上进行，稍后自动重试…";
        await new Promise(function (done) { setTimeout(done, Math.min(10000, 1000 * misses)); });
        continue;
      }
      misses = 0;
      const status = result.body;
      progress.max = Math.max(status.rows_total, 1);
      progress.value = status.rows_done;
      progressText.textContent = describe(status);
      if (status.state === "done" || status.state === "failed" || status.state === "cancelled") {
        serverJob = null;
        cancel.hidden = true;
        start.disabled = false;
        if (status.state === "done") {
          progressText.textContent = "全部完成：共 " + status.rows_total + " 行。无法分析的行，结果文件的“无法分析的原因”列写明了原因。";
          jobDownload.href = submitted.result_url;
          jobDone.hidden = false;
          if (aspects) window.aspects.fromResult(submitted.result_url, aspects);
        } else if (status.state === "failed") {
          showProblem("任务没有完成，请稍后重新提交。");
          errorBox.title = status.error || "";
        } else {
          progressText.textContent = "任务已取消（已分析 " + status.rows_done + " 行）。";
        }
        return;
      }
      await new Promise(function (done) { setTimeout(done, 1000); });
    }
  }

  cancel.addEventListener("click", async function () {
    if (!serverJob) return;
    const result = await window.ui.call(serverJob.status_url, { method: "DELETE" });  // cancels and deletes it
    if (!result.ok) { showProblem(window.ui.failed(result)); return; }
    serverJob = null;  // ends the progress loop: the job is gone from the server
    cancel.hidden = true;
    start.disabled = false;
    progressText.textContent = "任务已取消（已分析 " + result.body.rows_done + " 行）。";
  });

  return { submit: submit };
})();
