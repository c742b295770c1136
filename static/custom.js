// The tabs, and the 自定义分类 view: classify into your own labels (zero-shot or a taught classifier), teach a
// classifier from a file or typed examples, list and delete them. Text goes in with textContent only.
(function () {
  "use strict";
  const el = window.ui.el;
  const root = document.querySelector(".chat");
  const classifyUrl = root.dataset.classify;
  const classifiersUrl = root.dataset.classifiers;
  const choice = document.getElementById("classifier-choice");
  const labelsRow = document.getElementById("labels-row");
  const labelsInput = document.getElementById("labels-input");
  const classifyText = document.getElementById("classify-text");
  const classifyResult = document.getElementById("classify-result");
  const teachName = document.getElementById("teach-name");
  const teachFile = document.getElementById("teach-file");
  const teachLines = document.getElementById("teach-lines");
  const teachResult = document.getElementById("teach-result");
  const list = document.getElementById("classifier-list");
  const empty = document.getElementById("classifier-empty");
  const status = document.getElementById("zero-shot-status");
  const goTeach = document.getElementById("go-teach");

  function showTab(name) {
    ["chat", "bulk", "custom"].forEach(function (tab) {
      document.getElementById("tab-" + tab).setAttribute("aria-selected", String(tab === name));
      document.getElementById(tab + "-view").hidden = tab !== name;
    });
    document.getElementById("clear").hidden = name !== "chat";
    document.getElementById("aspect-bar").hidden = name === "custom";  // the 行业 serves the chat and 批量分析
    if (name === "custom") refresh();
  }
  document.getElementById("tab-chat").addEventListener("click", function () { showTab("chat"); });
  document.getElementById("tab-bulk").addEventListener("click", function () { showTab("bulk"); });
  document.getElementById("tab-custom").addEventListener("click", function () { showTab("custom"); });

  function say(box, message, className) {
    box.replaceChildren(el("p", className || "note", message));
  }

  async function call(url, options) {
    const result = await window.ui.call(url, options);
    return result.ok && result.body ? { body: result.body } : { error: window.ui.failed(result) };
  }

  function percent(value) { return window.ui.percentOf(value) + "%"; }

  function drawClassifiers(classifiers) {
    const kept = choice.value;
    choice.querySelectorAll("option[data-taught]").forEach(function (option) { option.remove(); });
    list.replaceChildren();
    empty.hidden = classifiers.length > 0;
    classifiers.forEach(function (item) {
      const option = el("option", "", "分类器：" + item.name + "（" + item.labels.join(" / ") + "）");
      option.value = item.name;
      option.dataset.taught = "1";
      choice.appendChild(option);
      const row = el("li", "classifier");
      const cv = item.cross_validation || {};
      row.appendChild(el("strong", "", item.name));
      row.appendChild(el("span", "note", item.labels.join(" / ") + " · " + item.examples + " 条示例 · 交叉验证准确率 " + percent(cv.accuracy || 0)));
      const remove = el("button", "secondary", "删除");
      remove.type = "button";
      remove.setAttribute("aria-label", "删除分类器 " + item.name);
      remove.addEventListener("click", async function () {
        if (!window.confirm("删除分类器“" + item.name + "”？")) return;
        const result = await call(classifiersUrl + "/" + encodeURIComponent(item.name), { method: "DELETE" });
        if (result.error) say(teachResult, result.error, "error");
        refresh();
      });
      row.appendChild(remove);
      list.appendChild(row);
    });
    if (Array.from(choice.options).some(function (option) { return option.value === kept; })) choice.value = kept;
    labelsRow.hidden = choice.value !== "";
  }

  async function refresh() {
    const result = await call(classifiersUrl);
    if (result.error) { status.textContent = result.error; return; }
    const zero = result.body.zero_shot;
    if (zero.available) {
      status.textContent = "零样本模型：" + zero.model + "。输入标签即可分类，也可以用示例教一个分类器。";
      goTeach.hidden = true;
    } else {
      status.textContent = "本机没有零样本分类模型：" + zero.error;
      goTeach.hidden = false;
      if (choice.value === "" && result.body.classifiers.length) choice.value = result.body.classifiers[0].name;
    }
    drawClassifiers(result.body.classifiers);
  }

  goTeach.addEventListener("click", function () { teachName.focus(); teachName.scrollIntoView({ block: "center" }); });
  choice.addEventListener("change", function () { labelsRow.hidden = choice.value !== ""; });

  function drawAnswer(answer) {
    const box = el("div", "bubble bot");
    const verdict = el("div", "verdict");
    verdict.appendChild(el("span", "label", answer.label));
    verdict.appendChild(el("span", "percent", percent(answer.scores[answer.label])));
    box.appendChild(verdict);
    answer.labels.forEach(function (label) { box.appendChild(window.ui.scoreRow(label, answer.scores[label], label === answer.label)); });
    let details = "模型：" + answer.model + (answer.multi_label ? " · 多标签，各标签分别打分" : "");
    if (answer.generated !== undefined) details += " · 模型写的是“" + answer.generated + "”" + (answer.mapped ? "，已对应到最接近的标签" : "");
    box.appendChild(el("div", "details", details));
    classifyResult.replaceChildren(box);
  }

  document.getElementById("classify-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = classifyText.value;
    if (!text.trim()) { say(classifyResult, "请输入要分类的文本。", "error"); return; }
    const body = { text: text };
    if (choice.value) body.classifier = choice.value;
    else body.labels = labelsInput.value.split(/[,，、\n]/).map(function (label) { return label.trim(); }).filter(Boolean);
    say(classifyResult, "分类中…");
    const result = await call(classifyUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (result.error) say(classifyResult, result.error, "error");
    else drawAnswer(result.body);
  });

  // "标签，文本" per line; the first comma (either width) or tab splits, so the text may hold commas.
  function typedExamples(text) {
    const examples = [];
    const lines = text.split("\n");
    for (let at = 0; at < lines.length; at++) {
      const line = lines[at].trim();
      if (!line) continue;
      const cut = line.search(/[,，\t]/);
      if (cut <= 0) return { error: "第 " + (at + 1) + " 行缺少“标签，文本”中的逗号。" };
      examples.push({ label: line.slice(0, cut).trim(), text: line.slice(cut + 1).trim() });
    }
    return { examples: examples };
  }

  function drawReport(report) {
    const box = el("div", "report");
    const cv = report.cross_validation;
    box.appendChild(el("p", "", "已教好“" + report.name + "”：" + report.examples + " 条示例，交叉验证准确率 " + percent(cv.accuracy) + "（" + cv.folds + " 折）。"));
    const table = el("ul", "per-label");
    report.labels.forEach(function (label) {
      table.appendChild(el("li", "", label + "：" + report.counts[label] + " 条，准确率 " + percent(cv.per_label[label])));
    });
    box.appendChild(table);
    teachResult.replaceChildren(box);
  }

  document.getElementById("teach-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const name = teachName.value.trim();
    if (!name) { say(teachResult, "请给分类器起个名字。", "error"); return; }
    let options;
    if (teachFile.files.length) {
      const form = new FormData();
      form.append("name", name);
      form.append("file", teachFile.files[0]);
      options = { method: "POST", body: form };
    } else {
      const typed = typedExamples(teachLines.value);
      if (typed.error) { say(teachResult, typed.error, "error"); return; }
      if (!typed.examples.length) { say(teachResult, "请上传文件，或逐行输入“标签，文本”。", "error"); return; }
      options = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: name, examples: typed.examples }) };
    }
    say(teachResult, "正在学习…");
    const result = await call(classifiersUrl, options);
    if (result.error) { say(teachResult, result.error, "error"); return; }
    drawReport(result.body);
    teachFile.value = "";
    await refresh();
    choice.value = result.body.name;
    labelsRow.hidden = true;
  });
})();
