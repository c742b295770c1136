// The 批量分析 view's download: the file back with columns in staff's words (the API and the CLI keep their
// machine names): 结果, 倾向 (正面/负面/中性), 置信度, 得分_<label>, 理由, 褒贬不一 (是/否), 无法分析的原因, all
// prefixed 模型_ when the file already has one of those names; then one per aspect category
// (window.aspects.columns); then a taught classifier's <name>_结果, <name>_置信度, <name>_得分_<label>.
// CSV (UTF-8 with BOM, for Excel) is written here; XLSX through /api/table/xlsx, keeping the first sheet's name
// and numbers as numbers.
window.download = (function () {
  "use strict";
  const root = document.querySelector(".chat");
  const ZH = window.ui.POLARITY_ZH;

  function round(value) { return Math.round(value * 10000) / 10000; }

  // table: {name, format, columns, rows (objects), sheet}; job: bulk.js's run (answers, labels, classifier, extra).
  function output(table, job) {
    let added = ["结果", "倾向", "置信度"].concat(job.labels.map(function (l) { return "得分_" + l; }),
      ["理由", "褒贬不一", "无法分析的原因"]);
    if (added.some(function (name) { return table.columns.includes(name); })) added = added.map(function (name) { return "模型_" + name; });
    const c = job.classifier;
    const second = c ? [c.name + "_结果", c.name + "_置信度"].concat(c.labels.map(function (l) { return c.name + "_得分_" + l; })) : [];
    const aspects = window.aspects.columns(table.columns);
    const rows = table.rows.map(function (row, at) {
      const a = job.answers[at], x = job.extra[at], found = window.aspects.cells(at);
      const base = table.columns.map(function (name) { return row[name] == null ? "" : row[name]; });  // 5 stays 5
      const more = !c ? [] : !x ? second.map(function () { return ""; })
        : [x.label, round(x.scores[x.labels[0]])].concat(c.labels.map(function (l) { return round(x.scores[l]); }));
      if (a.error) return base.concat(added.map(function (_, k) { return k === added.length - 1 ? a.error : ""; }), found, more);
      return base.concat([a.label, ZH[a.sentiment] || "", a.confidence], job.labels.map(function (l) { return a.scores[l]; }),
        [window.ui.reason(a), a.mixed ? "是" : "否", ""], found, more);
    });
    return { columns: table.columns.concat(added, aspects, second), rows: rows };
  }

  // The server's formula guard (sentiment/bulk/formulas.py): text that a spreadsheet would run as a
  // formula gets a leading ' ; numbers stay numbers.
  function csvCell(value) {
    let text = typeof value === "boolean" ? (value ? "True" : "False") : String(value);  // as the server's CSV
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function save(blob, name) {
    const link = window.ui.el("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  // Saves the tagged file; a problem (the workbook could not be written) comes back as a sentence.
  async function tagged(table, job) {
    const out = output(table, job), stem = table.name.replace(/\.[^.]*$/, "") || "reviews";
    if (table.format === "xlsx") {
      const body = { name: stem + ".xlsx", columns: out.columns, rows: out.rows };
      if (table.sheet) body.sheet = table.sheet;
      const response = await fetch(root.dataset.workbook, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body) }).catch(function () { return null; });
      if (response && response.ok) { save(await response.blob(), stem + ".tagged.xlsx"); return null; }
      return "无法生成 Excel 文件，请稍后再试。";
    }
    const text = [out.columns].concat(out.rows).map(function (row) { return row.map(csvCell).join(","); }).join("\r\n") + "\r\n";
    save(new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" }), stem + ".tagged.csv");
    return null;
  }

  return { tagged: tagged, output: output };
})();
