// The 批量分析 view: a file (read by the server into rows) or pasted lines, tagged in chunks through
// /api/sentiment with a progress bar; a failed chunk can be retried without losing the rows done.
// The text column is the server's guess (the column that reads most like prose), shown with its first rows
// before anything runs, and changeable. Then charts drawn on <canvas>, a table to filter and sort, and the
// file back with the added columns (download.js). A file above data-job-bytes goes to /api/jobs (jobs.js):
// its first part is read here only for the columns and the preview.
(function () {
  "use strict";
  const el = window.ui.el, option = window.ui.option, post = window.ui.post, failed = window.ui.failed;
  const root = document.querySelector(".chat");
  const SHOWN = 1000;  // table rows drawn at once; the download holds every row
  const PREVIEW = 5;  // rows of the chosen column shown before 开始分析
  const HEAD_BYTES = 65536;  // of a large file, read for its columns and preview
  const chunkSize = Number(root.dataset.maxTexts) || 64;
  const $ = function (id) { return document.getElementById(id); };
  const fileInput = $("bulk-file"), lines = $("bulk-lines"), columnRow = $("bulk-column-row"), columnSelect = $("bulk-column");
  const fileNote = $("bulk-file-note"), start = $("bulk-start"), run = $("bulk-run"), progress = $("bulk-progress");
  const progressText = $("bulk-progress-text"), errorBox = $("bulk-error"), retry = $("bulk-retry");
  const results = $("bulk-results"), filter = $("bulk-filter"), tbody = document.querySelector("#bulk-table tbody");
  const classifierRow = $("bulk-classifier-row"), classifierSelect = $("bulk-classifier");
  const thresholdRow = $("bulk-threshold-row"), thresholdBox = $("bulk-threshold"), jobDone = $("bulk-job-done");
  const jobBytes = Number(root.dataset.jobBytes) || Infinity;
  let table = null;  // {name, format, columns, rows (objects), text_column, sheet}; of a large file, its first rows only
  let turn = 0;  // the file being read: a newer choice of file wins over an older answer
  let job = null;  // {column, answers: [], labels: [], next: chunk index, classifier: {name, labels, threshold} | null,
                   //  threshold (0–1, the classifier's), extra: [], aspects: the 行业 chosen (window.aspects.chosen()) | null}
  let taught = [];  // the taught classifiers, from /api/classifiers
  let sortByConfidence = false;

  // Taught classifiers, offered as a second set of columns, with their "其他" threshold.
  $("tab-bulk").addEventListener("click", async function () {
    const result = await window.ui.call(root.dataset.classifiers);
    if (!result.ok) return;
    taught = result.body.classifiers;
    const kept = classifierSelect.value;
    classifierSelect.replaceChildren(option("", "不加"));
    taught.forEach(function (item) { classifierSelect.appendChild(option(item.name, item.name + "（" + item.labels.join(" / ") + "）")); });
    classifierSelect.value = taught.some(function (item) { return item.name === kept; }) ? kept : "";
    classifierRow.hidden = !taught.length;
    chooseClassifier();
  });

  function chosenClassifier() { return taught.find(function (item) { return item.name === classifierSelect.value; }) || null; }

  function chooseClassifier() {
    const chosen = chosenClassifier();
    thresholdRow.hidden = !chosen;
    if (chosen) thresholdBox.value = String(Math.round((chosen.threshold || 0) * 100));
  }
  classifierSelect.addEventListener("change", chooseClassifier);

  function isLarge() { return fileInput.files.length && fileInput.files[0].size > jobBytes; }

  function sizeOf(bytes) { return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.ceil(bytes / 1024) + " KB"; }

  // The rows of the chosen column that 开始分析 would read first.
  function preview() {
    const box = $("bulk-preview"), list = $("bulk-preview-list"), column = columnSelect.value;
    box.hidden = !table || !column;
    if (box.hidden) return;
    $("bulk-preview-title").textContent = "“" + column + "”列的前 " + Math.min(PREVIEW, table.rows.length) + " 行：";
    list.replaceChildren.apply(list, table.rows.slice(0, PREVIEW).map(function (row) {
      const value = row[column] == null ? "" : String(row[column]);
      return el("li", value.trim() ? "" : "empty", value.trim() ? value : "（空）");
    }));
  }
  columnSelect.addEventListener("change", preview);

  function offerColumns(columns, chosen) {
    columnSelect.replaceChildren.apply(columnSelect, columns.map(function (name) { return option(name, name); }));
    columnSelect.value = chosen && columns.includes(chosen) ? chosen : columns[0];
    columnRow.hidden = false;
    preview();
  }

  // The start of a large file (cut after its last whole line), for the columns and the preview; a workbook
  // cannot be cut, and the server finds its text column itself.
  async function head(file) {
    if (/\.xlsx$/i.test(file.name)) return null;
    const bytes = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
    const end = bytes.lastIndexOf(10);
    if (end <= 0) return null;
    const form = new FormData();
    form.append("file", new Blob([bytes.slice(0, end + 1)]), file.name);
    const result = await window.ui.call(root.dataset.table, { method: "POST", body: form });
    return result.ok ? window.ui.table(result.body) : null;
  }

  fileInput.addEventListener("change", async function () {
    const mine = ++turn;
    table = null;
    columnRow.hidden = true;
    columnSelect.replaceChildren();
    preview();
    fileNote.className = "note";
    if (!fileInput.files.length) { fileNote.textContent = ""; return; }
    const file = fileInput.files[0];
    if (isLarge()) {
      fileNote.textContent = "文件较大（" + sizeOf(file.size) + "），将在服务器上后台分析，进度会显示在下方；完成后下载结果文件。";
      const first = await head(file);
      if (mine !== turn || !first) return;
      table = first;
      offerColumns(table.columns, table.text_column);
      return;
    }
    fileNote.textContent = "正在读取文件…";
    const form = new FormData();
    form.append("file", file);
    const result = await window.ui.call(root.dataset.table, { method: "POST", body: form });
    if (mine !== turn) return;
    if (!result.ok) { fileNote.textContent = failed(result); fileNote.className = "error"; return; }
    table = window.ui.table(result.body);
    offerColumns(table.columns, table.text_column);
    fileNote.textContent = "共 " + table.rows.length + " 行，" + table.columns.length + " 列。" +
      (table.text_column ? "" : "没有找到像评论的列，请选好文本所在的列。");
  });

  function pastedTable() {
    const rows = lines.value.split("\n").filter(function (line) { return line.trim(); }).map(function (line) { return { text: line }; });
    return rows.length ? { name: "reviews.txt", format: "txt", columns: ["text"], rows: rows } : null;
  }

  $("bulk-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const classifier = chosenClassifier();
    const threshold = classifier ? window.ui.threshold(thresholdBox, classifier) : null;
    if (isLarge()) {
      window.jobs.submit({ file: fileInput.files[0], column: columnRow.hidden ? null : columnSelect.value || null,
                           classifier: classifier && classifier.name, threshold: threshold, aspects: window.aspects.chosen(),
                           onColumns: function (columns) { offerColumns(columns, null); } });
      return;
    }
    const source = fileInput.files.length ? table : pastedTable();
    if (!source) { fileNote.className = "error"; fileNote.textContent = fileInput.files.length ? "文件还没有读好。" : "请上传文件，或粘贴多行文本。"; return; }
    table = source;
    job = { column: fileInput.files.length ? columnSelect.value : "text", answers: new Array(table.rows.length).fill(null),
            labels: [], next: 0, classifier: classifier, threshold: threshold, extra: new Array(table.rows.length).fill(null),
            aspects: window.aspects.chosen() };
    results.hidden = jobDone.hidden = true;
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
          const extra = await post(root.dataset.classify, { texts: texts, classifier: job.classifier.name, threshold: job.threshold });
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

  function colorOf(label) {
    const answer = job.answers.find(function (a) { return a && a.label === label; });
    return { Positive: "#2f9e66", Negative: "#d9534f", Neutral: "#8a8f98" }[answer && answer.sentiment] || "#5b7bd5";
  }

  // The filter offers what occurs: the model's labels, 褒贬不一 and 无法分析 when some row is so, and the
  // taught classifier's labels and 其他 when one was used (their values start "c:").
  function filters() {
    filter.replaceChildren(option("", "全部"));
    job.labels.forEach(function (label) { filter.appendChild(option(label, label)); });
    if (job.answers.some(function (a) { return !a.error && a.mixed; })) filter.appendChild(option("褒贬不一", "褒贬不一"));
    if (job.answers.some(function (a) { return a.error; })) filter.appendChild(option("无法分析", "无法分析"));
    if (!job.classifier) return;
    const group = el("optgroup");
    group.label = "分类器：" + job.classifier.name;
    job.classifier.labels.concat([window.ui.OTHER]).forEach(function (label) { group.appendChild(option("c:" + label, label)); });
    filter.appendChild(group);
  }

  function draw() {
    const tagged = job.answers.filter(function (a) { return a && !a.error; });
    const skipped = job.answers.length - tagged.length;
    $("bulk-summary").textContent = "共 " + job.answers.length + " 行：已分析 " + tagged.length + " 行" + (skipped ? "，" + skipped + " 行无法分析（见“结果”列）" : "") + "。";
    window.charts.bars($("bulk-share"), job.labels.map(function (label) {
      const share = tagged.length ? tagged.filter(function (a) { return a.label === label; }).length / tagged.length : 0;
      return { name: label, top: window.ui.percentOf(share) + "%", value: share, color: colorOf(label) };
    }));
    window.charts.histogram($("bulk-histogram"), tagged, job.labels.length);
    $("bulk-extra-head").hidden = !job.classifier;
    if (job.classifier) $("bulk-extra-head").textContent = job.classifier.name;
    filters();
    results.hidden = false;
    if (job.aspects) window.aspects.show(table, job.aspects, window.aspects.fromAnswers(job.answers), true);
    drawTable();
  }

  function drawTable() {
    let order = job.answers.map(function (_, at) { return at; }).filter(function (at) {
      const a = job.answers[at], wanted = filter.value;
      if (window.aspects.only() && !window.aspects.mentionsOf(at)) return false;
      if (wanted === "无法分析") return a.error;
      if (wanted === "褒贬不一") return !a.error && a.mixed;
      if (wanted.startsWith("c:")) return job.extra[at] && job.extra[at].label === wanted.slice(2);
      return !wanted || a.label === wanted;
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
      row.appendChild(el("td", a.error ? "problem" : "result", a.error ? a.error : a.label));
      row.appendChild(el("td", "result", a.error ? "" : window.ui.percentOf(a.confidence) + "%"));
      row.appendChild(el("td", "reason", a.error ? "" : (a.mixed ? "褒贬不一 · " : "") + window.ui.reason(a)));
      const x = job.extra[at];
      if (job.classifier) {
        const said = !x ? "" : x.label === window.ui.OTHER ? x.label : x.label + " " + window.ui.percentOf(x.scores[x.label]) + "%";
        const extra = row.appendChild(el("td", "result", said));
        if (x && x.label === window.ui.OTHER) extra.title = "不属于任何标签（最接近：" + x.labels[0] + " " + window.ui.percentOf(x.scores[x.labels[0]]) + "%）";
      }
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

  $("bulk-download").addEventListener("click", async function () {
    const problem = await window.download.tagged(table, job);
    if (problem) { errorBox.textContent = problem; errorBox.hidden = false; }
  });
})();
