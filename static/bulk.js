// The 批量分析 view: a file (read by the server into rows) or pasted lines, tagged in chunks through
// /api/sentiment with a progress bar; a failed chunk can be retried without losing the rows done.
// Then charts drawn on <canvas>, a table to filter and sort, and the file back with the added columns.
// A file above data-job-bytes goes to /api/jobs instead: the server tags it in the background, the
// same progress bar follows the job, and the tagged file is downloaded from the server.
(function () {
  "use strict";
  const el = window.ui.el;
  const root = document.querySelector(".chat");
  const TEXT_COLUMNS = ["text", "review", "content", "文本", "评论", "内容"];
  const SHOWN = 1000;  // table rows drawn at once; the download holds every row
  const chunkSize = Number(root.dataset.maxTexts) || 64;
  const $ = function (id) { return document.getElementById(id); };
  const fileInput = $("bulk-file"), lines = $("bulk-lines"), columnRow = $("bulk-column-row"), columnSelect = $("bulk-column");
  const fileNote = $("bulk-file-note"), start = $("bulk-start"), run = $("bulk-run"), progress = $("bulk-progress");
  const progressText = $("bulk-progress-text"), errorBox = $("bulk-error"), retry = $("bulk-retry");
  const results = $("bulk-results"), filter = $("bulk-filter"), tbody = document.querySelector("#bulk-table tbody");
  const classifierRow = $("bulk-classifier-row"), classifierSelect = $("bulk-classifier");
  const cancel = $("bulk-cancel"), jobDone = $("bulk-job-done"), jobDownload = $("bulk-job-download");
  const jobBytes = Number(root.dataset.jobBytes) || Infinity;
  let serverJob = null;  // the /api/jobs job being followed: {id, status_url, result_url}
  let table = null;  // {name, format, columns, rows}
  let job = null;  // {column, answers: [], labels: [], next: chunk index, classifier: {name, labels} | null, extra: [],
                   //  aspects: the 行业 chosen (window.aspects.chosen()) | null}
  let taught = [];  // the taught classifiers, from /api/classifiers
  let sortByConfidence = false;

  const json = window.ui.call, post = window.ui.post, failed = window.ui.failed, option = window.ui.option;

  // Taught classifiers, offered as a second set of columns.
  document.getElementById("tab-bulk").addEventListener("click", async function () {
    const result = await json(root.dataset.classifiers);
    if (!result.ok) return;
    taught = result.body.classifiers;
    const kept = classifierSelect.value;
    classifierSelect.replaceChildren(option("", "不加"));
    taught.forEach(function (item) { classifierSelect.appendChild(option(item.name, item.name + "（" + item.labels.join(" / ") + "）")); });
    classifierSelect.value = taught.some(function (item) { return item.name === kept; }) ? kept : "";
    classifierRow.hidden = !taught.length;
  });

  function isLarge() { return fileInput.files.length && fileInput.files[0].size > jobBytes; }

  function sizeOf(bytes) { return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.ceil(bytes / 1024) + " KB"; }

  fileInput.addEventListener("change", async function () {
    table = null;
    columnRow.hidden = true;
    columnSelect.replaceChildren();
    if (!fileInput.files.length) { fileNote.textContent = ""; return; }
    if (isLarge()) {
      fileNote.className = "note";
      fileNote.textContent = "文件较大（" + sizeOf(fileInput.files[0].size) + "），将在服务器上后台分析，进度会显示在下方；完成后下载结果文件。";
      return;
    }
    fileNote.textContent = "正在读取文件…";
    const form = new FormData();
    form.append("file", fileInput.files[0]);
    const result = await json(root.dataset.table, { method: "POST", body: form });
    if (!result.ok) { fileNote.textContent = failed(result); fileNote.className = "error"; return; }
    fileNote.className = "note";
    table = window.ui.table(result.body);
    columnSelect.replaceChildren();
    table.columns.forEach(function (name) { columnSelect.appendChild(option(name, name)); });
    columnSelect.value = TEXT_COLUMNS.find(function (name) { return table.columns.includes(name); }) || table.columns[0];
    columnRow.hidden = false;
    fileNote.textContent = "共 " + table.rows.length + " 行，" + table.columns.length + " 列。";
  });

  function pastedTable() {
    const rows = lines.value.split("\n").filter(function (line) { return line.trim(); }).map(function (line) { return { text: line }; });
    return rows.length ? { name: "reviews.txt", format: "txt", columns: ["text"], rows: rows } : null;
  }

  $("bulk-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (isLarge()) { submitJob(); return; }
    const source = fileInput.files.length ? table : pastedTable();
    if (!source) { fileNote.className = "error"; fileNote.textContent = fileInput.files.length ? "文件还没有读好。" : "请上传文件，或粘贴多行文本。"; return; }
    table = source;
    const chosen = taught.find(function (item) { return item.name === classifierSelect.value; }) || null;
    job = { column: fileInput.files.length ? columnSelect.value : "text", answers: new Array(table.rows.length).fill(null),
            labels: [], next: 0, classifier: chosen, extra: new Array(table.rows.length).fill(null), aspects: window.aspects.chosen() };
    results.hidden = true;
    window.aspects.hide();
    run.hidden = false;
    proceed();
  });

  retry.addEventListener("click", proceed);

  // One chunk: empty texts are answered here; a text the API refuses (its index says which) is marked
  // with the API's message and the rest of the chunk is sent again.
  async function tagChunk(first) {
    let pending = [];
    for (let at = first; at < Math.min(first + chunkSize, table.rows.length); at++) {
      const text = String(table.rows[at][job.column] == null ? "" : table.rows[at][job.column]);
      if (!text.trim()) job.answers[at] = { error: "空文本" };
      else pending.push(at);
    }
    while (pending.length) {
      const texts = pending.map(function (at) { return String(table.rows[at][job.column]); });
      const result = await post(root.dataset.api, { texts: texts, aspects: job.aspects ? job.aspects.id : undefined });
      if (result.ok) {
        if (job.classifier) {  // the same texts, which the API has just read: only the service can fail now
          const extra = await post(root.dataset.classify, { texts: texts, classifier: job.classifier.name });
          if (!extra.ok) return failed(extra);
          extra.body.results.forEach(function (answer, k) { job.extra[pending[k]] = answer; });
        }
        result.body.results.forEach(function (answer, k) { job.answers[pending[k]] = answer; });
        if (!job.labels.length && result.body.results.length) job.labels = Object.keys(result.body.results[0].scores);
        return null;
      }
      if (result.status === 400 && result.body && typeof result.body.index === "number") {
        job.answers[pending[result.body.index]] = { error: result.body.error };
        pending.splice(result.body.index, 1);
        continue;
      }
      return failed(result);
    }
    return null;
  }

  async function proceed() {
    errorBox.hidden = retry.hidden = true;
    start.disabled = true;
    const total = table.rows.length;
    progress.max = total;
    while (job.next * chunkSize < total) {
      const problem = await tagChunk(job.next * chunkSize);
      if (problem) {
        errorBox.textContent = "第 " + (job.next * chunkSize + 1) + " 行起的一批没有完成：" + problem + " 已完成的行都保留着。";
        errorBox.hidden = retry.hidden = false;
        start.disabled = false;
        return;
      }
      job.next += 1;
      const done = Math.min(job.next * chunkSize, total);
      progress.value = done;
      progressText.textContent = "已分析 " + done + " / " + total + " 行";
    }
    start.disabled = false;
    draw();
  }

  function showProblem(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  // A large file: one upload to /api/jobs, then its status until it ends. A status request that fails
  // (the network, a restarting service) is tried again; the job goes on on the server meanwhile.
  async function submitJob() {
    const form = new FormData();
    form.append("file", fileInput.files[0]);
    if (!columnRow.hidden && columnSelect.value) form.append("column", columnSelect.value);
    if (classifierSelect.value) form.append("classifier", classifierSelect.value);
    const aspects = window.aspects.chosen();
    if (aspects) form.append("aspects", aspects.id);
    window.aspects.hide();
    results.hidden = jobDone.hidden = errorBox.hidden = retry.hidden = true;
    run.hidden = false;
    start.disabled = true;
    progress.removeAttribute("value");
    progressText.textContent = "正在上传文件…";
    const result = await json(root.dataset.jobs, { method: "POST", body: form });
    if (!result.ok) {
      start.disabled = false;
      progressText.textContent = "";
      if (result.body && result.body.code === "missing_column" && result.body.columns) {
        result.body.columns.forEach(function (name) { columnSelect.appendChild(option(name, name)); });
        columnRow.hidden = false;
        showProblem(result.body.error + " 请在上面选好文本所在的列，再点“开始分析”。");
        return;
      }
      showProblem(failed(result));
      return;
    }
    serverJob = result.body;
    cancel.hidden = false;
    follow(serverJob, aspects);
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
      const result = await json(submitted.status_url);
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
          progressText.textContent = "全部完成：共 " + status.rows_total + " 行。无法分析的行在结果文件的 error 列里说明。";
          jobDownload.href = submitted.result_url;
          jobDone.hidden = false;
          if (aspects) window.aspects.fromResult(submitted.result_url, aspects);
        } else if (status.state === "failed") {
          showProblem("任务失败：" + (status.error || "未知原因") + " 请稍后重新提交。");
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
    const result = await json(serverJob.status_url, { method: "DELETE" });  // cancels and deletes it
    if (!result.ok) { showProblem(failed(result)); return; }
    serverJob = null;  // ends the progress loop: the job is gone from the server
    cancel.hidden = true;
    start.disabled = false;
    progressText.textContent = "任务已取消（已分析 " + result.body.rows_done + " 行）。";
  });

  function drawBars(canvas, bars) {  // bars: [{name, value, color}], value in [0, 1]
    const context = canvas.getContext("2d");
    const width = canvas.width, height = canvas.height, slot = width / Math.max(bars.length, 1);
    context.clearRect(0, 0, width, height);
    context.font = "11px sans-serif";
    context.textAlign = "center";
    bars.forEach(function (bar, at) {
      const barHeight = Math.round(bar.value * (height - 34));
      context.fillStyle = bar.color;
      context.fillRect(at * slot + slot * 0.15, height - 18 - barHeight, slot * 0.7, barHeight);
      context.fillStyle = "#1f2328";
      context.fillText(bar.name, at * slot + slot / 2, height - 5);
      context.fillText(Math.round(bar.value * 1000) / 10 + "%", at * slot + slot / 2, height - 22 - barHeight);
    });
  }

  function colorOf(label) {
    const answer = job.answers.find(function (a) { return a && a.label === label; });
    return { Positive: "#2f9e66", Negative: "#d9534f", Neutral: "#8a8f98" }[answer && answer.sentiment] || "#5b7bd5";
  }

  function draw() {
    const tagged = job.answers.filter(function (a) { return a && !a.error; });
    const skipped = job.answers.length - tagged.length;
    $("bulk-summary").textContent = "共 " + job.answers.length + " 行：已分析 " + tagged.length + " 行" + (skipped ? "，" + skipped + " 行无法分析（见“结果”列）" : "") + "。";
    drawBars($("bulk-share"), job.labels.map(function (label) {
      const count = tagged.filter(function (a) { return a.label === label; }).length;
      return { name: label, value: tagged.length ? count / tagged.length : 0, color: colorOf(label) };
    }));
    const bins = new Array(10).fill(0);  // confidence 0–10% … 90–100%
    tagged.forEach(function (a) { bins[Math.min(9, Math.floor(a.confidence * 10))] += 1; });
    drawBars($("bulk-histogram"), bins.map(function (count, at) {
      return { name: at * 10 + "%", value: tagged.length ? count / tagged.length : 0, color: "#5b7bd5" };
    }));
    $("bulk-extra-head").hidden = !job.classifier;
    filter.replaceChildren(option("", "全部"));
    job.labels.concat(["褒贬不一", "无法分析"]).forEach(function (label) { filter.appendChild(option(label, label)); });
    results.hidden = false;
    if (job.aspects) window.aspects.show(table, job.aspects, window.aspects.fromAnswers(job.answers), true);
    drawTable();
  }

  function drawTable() {
    let order = job.answers.map(function (_, at) { return at; }).filter(function (at) {
      const a = job.answers[at];
      if (window.aspects.only() && !window.aspects.mentionsOf(at)) return false;
      if (filter.value === "无法分析") return a.error;
      if (filter.value === "褒贬不一") return !a.error && a.mixed;
      return !filter.value || a.label === filter.value;
    });
    if (sortByConfidence) order.sort(function (x, y) { return (job.answers[y].confidence || 0) - (job.answers[x].confidence || 0); });
    tbody.replaceChildren();
    order.slice(0, SHOWN).forEach(function (at) {
      const a = job.answers[at], row = el("tr", a.error ? "skipped" : (a.sentiment || ""));
      row.appendChild(el("td", "", String(at + 1)));
      // The review; when the report chose a category, the words that speak of it marked.
      const text = String(table.rows[at][job.column] == null ? "" : table.rows[at][job.column]), mentions = window.aspects.mentionsOf(at);
      const cell = row.appendChild(el("td", "text", mentions ? undefined : text));
      if (mentions) cell.appendChild(window.ui.reading(text, [], mentions, []).node);
      row.appendChild(el("td", "", a.error ? a.error : a.label));
      row.appendChild(el("td", "", a.error ? "" : window.ui.percentOf(a.confidence) + "%"));
      row.appendChild(el("td", "reason", a.error ? "" : (a.mixed ? "褒贬不一 · " : "") + reason(a)));
      const extra = job.extra[at];
      if (job.classifier) row.appendChild(el("td", "", extra ? extra.label + " " + window.ui.percentOf(extra.scores[extra.label]) + "%" : ""));
      tbody.appendChild(row);
    });
    $("bulk-shown").textContent = order.length > SHOWN ? "显示前 " + SHOWN + " 行（共 " + order.length + " 行）；下载可得全部。" : "共 " + order.length + " 行。";
  }

  filter.addEventListener("change", drawTable);
  window.aspects.onFilter(drawTable);
  $("bulk-sort").addEventListener("click", function () {
    sortByConfidence = !sortByConfidence;
    $("bulk-sort").textContent = sortByConfidence ? "按原顺序" : "按置信度排序";
    drawTable();
  });

  // The sentence that decided the verdict, as the server's explain.reason picks it: the most confident
  // sentence that agrees with the whole text's label.
  function reason(answer) {
    const agreeing = answer.sentences.filter(function (s) { return s.label === answer.label; });
    return (agreeing.length ? agreeing : answer.sentences).reduce(function (best, s) {
      return s.confidence > best.confidence ? s : best;
    }).text;
  }

  // The same columns as the file API and the CLI: label, polarity, confidence, score_<label>, reason,
  // mixed, error, all prefixed model_ when the file already has one of those names; then one per aspect
  // category (window.aspects.columns).
  function output() {
    let added = ["label", "polarity", "confidence"].concat(job.labels.map(function (l) { return "score_" + l; }),
      ["reason", "mixed", "error"]);
    if (added.some(function (name) { return table.columns.includes(name); })) added = added.map(function (name) { return "model_" + name; });
    // A taught classifier's set, as the file API and the CLI name it: NAME_label, NAME_confidence, NAME_score_<label>.
    const c = job.classifier;
    const second = c ? [c.name + "_label", c.name + "_confidence"].concat(c.labels.map(function (l) { return c.name + "_score_" + l; })) : [];
    const aspects = window.aspects.columns(table.columns);
    const rows = table.rows.map(function (row, at) {
      const a = job.answers[at], x = job.extra[at], found = window.aspects.cells(at);
      const base = table.columns.map(function (name) { return row[name] == null ? "" : row[name]; });
      const more = !c ? [] : !x ? second.map(function () { return ""; })
        : [x.label, Math.round(x.scores[x.label] * 10000) / 10000].concat(c.labels.map(function (l) { return Math.round(x.scores[l] * 10000) / 10000; }));
      if (a.error) return base.concat(added.map(function (_, k) { return k === added.length - 1 ? a.error : ""; }), found, more);
      return base.concat([a.label, a.sentiment || "", a.confidence], job.labels.map(function (l) { return a.scores[l]; }),
        [reason(a), a.mixed, ""], found, more);
    });
    return { columns: table.columns.concat(added, aspects, second), rows: rows };
  }

  // The server's formula guard (sentiment/bulk/formulas.py): text that a spreadsheet would run as a
  // formula gets a leading ' ; numbers the page computed stay numbers.
  function csvCell(value) {
    let text = typeof value === "boolean" ? (value ? "True" : "False") : String(value);  // as the server's CSV
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function save(blob, name) {
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  $("bulk-download").addEventListener("click", async function () {
    const out = output(), stem = table.name.replace(/\.[^.]*$/, "") || "reviews";
    if (table.format === "xlsx") {
      const response = await fetch(root.dataset.workbook, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: stem + ".xlsx", columns: out.columns, rows: out.rows }) }).catch(function () { return null; });
      if (response && response.ok) { save(await response.blob(), stem + ".tagged.xlsx"); return; }
      errorBox.textContent = "无法生成 Excel 文件，请稍后再试。";
      errorBox.hidden = false;
      return;
    }
    const text = [out.columns].concat(out.rows).map(function (row) { return row.map(csvCell).join(","); }).join("\r\n") + "\r\n";
    save(new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" }), stem + ".tagged.csv");
  });
})();
