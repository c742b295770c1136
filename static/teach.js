// 用示例教一个分类器 (the 自定义分类 view): from a file (CSV, XLSX, JSONL) or typed "标签，文本" lines. When the API
// finds typed texts and labels in each other's places, 交换后再教 swaps them and teaches again; when the name
// is one of ours already, 替换 teaches it again in its place. The report says how well it did in plain words.
(function () {
  "use strict";
  const el = window.ui.el, custom = window.custom;
  const root = document.querySelector(".chat"), classifiersUrl = root.dataset.classifiers;
  const $ = function (id) { return document.getElementById(id); };
  const teachName = $("teach-name"), teachFile = $("teach-file"), teachLines = $("teach-lines"), teachResult = $("teach-result");
  const SEPARATOR = /[,，\t]/;

  // "标签，文本" per line: the first comma (either width) or tab splits, so the text may hold commas; typed the
  // other way round ("文本，标签"), the last one does.
  function typedExamples(text, swapped) {
    const examples = [];
    const lines = text.split("\n");
    for (let at = 0; at < lines.length; at++) {
      const line = lines[at].trim();
      if (!line) continue;
      const cut = swapped ? Math.max(line.lastIndexOf(","), line.lastIndexOf("，"), line.lastIndexOf("\t")) : line.search(SEPARATOR);
      if (cut <= 0) return { error: "第 " + (at + 1) + " 行缺少“标签，文本”中的逗号。" };
      const first = line.slice(0, cut).trim(), second = line.slice(cut + 1).trim();
      examples.push(swapped ? { label: second, text: first } : { label: first, text: second });
    }
    return { examples: examples };
  }

  function drawReport(report) {
    const box = el("div", "report"), cv = report.cross_validation;
    box.appendChild(el("p", "", "已教好“" + report.name + "”：" + report.examples + " 条示例，用示例自测的准确率 " + custom.percent(cv.accuracy) +
      "。把握低于 " + custom.percent(report.threshold || 0) + " 或不像任何示例的文本记为“其他”。"));
    const table = el("ul", "per-label");
    report.labels.forEach(function (label) {
      table.appendChild(el("li", "", label + "：" + report.counts[label] + " 条，自测准确率 " + custom.percent(cv.per_label[label])));
    });
    box.appendChild(table);
    teachResult.replaceChildren(box);
  }

  // The API's refusal, with the one button that fixes it.
  function offer(message, label, action) {
    const box = el("div", "offer");
    box.appendChild(el("p", "error", message));
    const button = el("button", "secondary", label);
    button.type = "button";
    button.addEventListener("click", action);
    box.appendChild(button);
    teachResult.replaceChildren(box);
  }

  // wanted: {name, file | examples, replace}.
  async function teach(wanted) {
    let options;
    if (wanted.file) {
      const form = new FormData();
      form.append("name", wanted.name);
      form.append("file", wanted.file);
      if (wanted.replace) form.append("replace", "true");
      options = { method: "POST", body: form };
    } else {
      options = { method: "POST", headers: { "Content-Type": "application/json" },
                  body: JSON.stringify({ name: wanted.name, examples: wanted.examples, replace: !!wanted.replace }) };
    }
    custom.say(teachResult, "正在学习…");
    const result = await custom.call(classifiersUrl, options);
    if (result.error) {
      if (result.code === "swapped_columns" && !wanted.file) {
        offer(result.error, "交换后再教", function () { swapped(wanted); });
      } else if (result.code === "classifier_exists" && !wanted.replace && result.result.body.replaceable) {
        offer("已经有名为“" + wanted.name + "”的分类器。要用这些示例替换它吗？", "替换",
              function () { teach(Object.assign({}, wanted, { replace: true })); });
      } else {
        custom.say(teachResult, result.error, "error");
      }
      return;
    }
    drawReport(result.body);
    teachFile.value = "";
    await custom.refresh(result.body.name);
  }

  // The typed examples with text and label swapped, rewritten as "标签，文本" and taught again. (A file's
  // columns are found by what they hold, so the service sorts out a file's swapped columns itself.)
  function swapped(wanted) {
    const typed = typedExamples(teachLines.value, true);
    if (typed.error) { custom.say(teachResult, typed.error, "error"); return; }
    teachLines.value = typed.examples.map(function (e) { return e.label + "，" + e.text; }).join("\n");
    teach({ name: wanted.name, examples: typed.examples, replace: wanted.replace });
  }

  $("teach-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const name = teachName.value.trim();
    if (!name) { custom.say(teachResult, "请给分类器起个名字。", "error"); return; }
    if (teachFile.files.length) { teach({ name: name, file: teachFile.files[0] }); return; }
    const typed = typedExamples(teachLines.value, false);
    if (typed.error) { custom.say(teachResult, typed.error, "error"); return; }
    if (!typed.examples.length) { custom.say(teachResult, "请上传文件，或逐行输入“标签，文本”。", "error"); return; }
    teach({ name: name, examples: typed.examples });
  });
})();
