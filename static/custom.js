// The tabs, and the 自定义分类 view: classify into your own labels (直接用标签, when the service has a model for
// it, or a taught classifier), list and delete the classifiers (teaching is in teach.js). The view opens in
// a mode that works: 直接用标签 only when it is available, else a taught classifier; staff read plain
// Chinese, never the API's developer text (model ids, commands, settings), which stays in tooltips.
// Text goes in with textContent only.
window.custom = (function () {
  "use strict";
  const el = window.ui.el;
  const root = document.querySelector(".chat");
  const classifyUrl = root.dataset.classify, classifiersUrl = root.dataset.classifiers, maxChars = Number(root.dataset.maxChars);
  const $ = function (id) { return document.getElementById(id); };
  const choice = $("classifier-choice"), zeroOption = choice.querySelector('option[value=""]');
  const labelsRow = $("labels-row"), labelsInput = $("labels-input"), classifyText = $("classify-text");
  const classifyResult = $("classify-result"), classifyForm = $("classify-form");
  const thresholdRow = $("threshold-row"), thresholdBox = $("threshold");
  const list = $("classifier-list"), empty = $("classifier-empty"), status = $("zero-shot-status"), goTeach = $("go-teach");
  const NO_ZERO_SHOT = "直接用标签分类需要管理员先安装相应模型；现在可以用几条示例教一个分类器。";
  let classifiers = [];

  function showTab(name) {
    ["chat", "bulk", "custom"].forEach(function (tab) {
      $("tab-" + tab).setAttribute("aria-selected", String(tab === name));
      $(tab + "-view").hidden = tab !== name;
    });
    $("clear").hidden = name !== "chat";
    $("aspect-bar").hidden = name === "custom";  // the 行业 serves the chat and 批量分析
    if (name === "custom") refresh();
  }
  $("tab-chat").addEventListener("click", function () { showTab("chat"); });
  $("tab-bulk").addEventListener("click", function () { showTab("bulk"); });
  $("tab-custom").addEventListener("click", function () { showTab("custom"); });

  function say(box, message, className) {
    box.replaceChildren(el("p", className || "note", message));
  }

  // The API's message in staff's words: what needs an administrator is said so, without its commands.
  function problem(result) {
    const body = result.body || {}, message = window.ui.failed(result);
    if (body.code === "zero_shot_unavailable") return NO_ZERO_SHOT;
    if (body.code === "model_not_ready") return /还在加载/.test(message) ? "模型还在加载，请稍后再试。" : "模型暂时不可用，请联系管理员。";
    // A file whose columns were not found: the API names its own options (column, label_column).
    return message.replace(/请用 \S+ 指定(文本|标签)所在的列。/, "请把文本和标签放在两列里，列名写成“文本”和“标签”。");
  }

  async function call(url, options) {
    const result = await window.ui.call(url, options);
    return result.ok && result.body ? { body: result.body } : { error: problem(result), code: result.body && result.body.code, result: result };
  }

  function percent(value) { return window.ui.percentOf(value) + "%"; }

  function chosen() { return classifiers.find(function (item) { return item.name === choice.value; }) || null; }

  // The labels box for 直接用标签; the 其他 threshold for a taught classifier, reset to its own.
  function chooseMode() {
    const item = chosen();
    labelsRow.hidden = choice.value !== "";
    thresholdRow.hidden = !item;
    if (item) thresholdBox.value = String(Math.round((item.threshold || 0) * 100));
  }
  choice.addEventListener("change", chooseMode);

  function drawClassifiers() {
    choice.querySelectorAll("option[data-taught]").forEach(function (option) { option.remove(); });
    list.replaceChildren();
    empty.hidden = classifiers.length > 0;
    classifiers.forEach(function (item) {
      const option = el("option", "", "分类器：" + item.name + "（" + item.labels.join(" / ") + "）");
      option.value = item.name;
      option.dataset.taught = "1";
      choice.appendChild(option);
      const row = el("li", "classifier"), cv = item.cross_validation || {};
      row.appendChild(el("strong", "", item.name));
      row.appendChild(el("span", "note", item.labels.join(" / ") + " · " + item.examples + " 条示例 · 用示例自测的准确率 " + percent(cv.accuracy || 0) +
        " · 把握低于 " + percent(item.threshold || 0) + " 记为“其他”"));
      const remove = el("button", "secondary", "删除");
      remove.type = "button";
      remove.setAttribute("aria-label", "删除分类器 " + item.name);
      remove.addEventListener("click", async function () {
        if (!window.confirm("删除分类器“" + item.name + "”？")) return;
        const result = await call(classifiersUrl + "/" + encodeURIComponent(item.name), { method: "DELETE" });
        if (result.error) say($("teach-result"), result.error, "error");
        refresh();
      });
      row.appendChild(remove);
      list.appendChild(row);
    });
  }

  // The classifiers and whether 直接用标签 works; the mode kept if it still works, else one that does
  // (`wanted`: a classifier just taught).
  async function refresh(wanted) {
    const result = await call(classifiersUrl);
    if (result.error) { status.textContent = result.error; return; }
    const zero = result.body.zero_shot, kept = wanted || choice.value;
    classifiers = result.body.classifiers;
    drawClassifiers();
    zeroOption.disabled = !zero.available;
    zeroOption.textContent = zero.available ? "直接用标签：输入你的标签" : "直接用标签（需要管理员安装模型）";
    status.textContent = zero.available ? "可以直接输入标签来分类，也可以用几条示例教一个分类器。" : NO_ZERO_SHOT;
    status.title = zero.available ? zero.model || "" : zero.error || "";
    const usable = Array.from(choice.options).filter(function (option) { return !option.disabled; });
    choice.value = usable.some(function (option) { return option.value === kept; }) ? kept : usable.length ? usable[0].value : "";
    classifyForm.hidden = !usable.length;  // nothing classifies yet: teach first
    goTeach.hidden = zero.available;
    chooseMode();
  }

  goTeach.addEventListener("click", function () { $("teach-name").focus(); $("teach-name").scrollIntoView({ block: "center" }); });

  function drawAnswer(answer, cut) {
    const box = el("div", "bubble bot"), other = answer.label === window.ui.OTHER;
    const verdict = el("div", "verdict");
    verdict.appendChild(el("span", "label", window.ui.classLabel(answer)));
    if (!other) verdict.appendChild(el("span", "percent", percent(answer.scores[answer.label])));
    box.appendChild(verdict);
    answer.labels.forEach(function (label) { box.appendChild(window.ui.scoreRow(label, answer.scores[label], label === answer.label)); });
    const taught = /^taught:/.test(answer.model);
    let details = taught ? "分类器：" + answer.model.slice(7) : "直接用标签";
    if (answer.multi_label) details += " · 多标签，各标签分别打分";
    if (answer.generated !== undefined) details += " · 模型写的是“" + answer.generated + "”" + (answer.mapped ? "，已对应到最接近的标签" : "");
    if (other) {
      const top = answer.labels[0], unsure = answer.scores[top] < (answer.threshold || 0);
      details += " · 最接近“" + top + "”，但" + (unsure ? "把握低于 " + percent(answer.threshold) : "和教过的示例都不够像");
    }
    if (cut) details += " · 只分类了前 " + maxChars + " 字（全文 " + cut + " 字）";
    const line = box.appendChild(el("div", "details", details));
    if (!taught) line.title = answer.model;
    classifyResult.replaceChildren(box);
  }

  classifyForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const chars = Array.from(classifyText.value), text = chars.slice(0, maxChars).join("");
    if (!text.trim()) { say(classifyResult, "请输入要分类的文本。", "error"); return; }
    const body = { text: text }, item = chosen();
    if (item) {
      body.classifier = item.name;
      body.threshold = window.ui.threshold(thresholdBox, item);
    } else {
      body.labels = labelsInput.value.split(/[,，、\n]/).map(function (label) { return label.trim(); }).filter(Boolean);
    }
    say(classifyResult, "分类中…");
    const result = await call(classifyUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (result.error) say(classifyResult, result.error, "error");
    else drawAnswer(result.body, chars.length > maxChars ? chars.length : 0);
  });

  return { refresh: refresh, say: say, call: call, percent: percent };
})();
