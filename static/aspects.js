// Aspects on the page. The 行业 picker: the category sets by their Chinese names (the choice is remembered),
// sent with each chat message and each 批量分析 chunk. 添加自己的类别: a category taught from example
// phrases, added to the page's own copy of the chosen set. And the 批量分析 report: per category the
// reviews that mention it, the shares of 好评 and 差评 and a bar, most complaints first; a click shows only
// its reviews in the table, the words that speak of it marked; with a date column, 差评 per week.
window.aspects = (function () {
  "use strict";
  const el = window.ui.el, $ = function (id) { return document.getElementById(id); };
  const root = document.querySelector(".chat"), setsUrl = root.dataset.aspectSets;
  const KEY = "sentiment-aspect-set";
  const SENTIMENT = { 正面: "Positive", 中性: "Neutral", 负面: "Negative" };
  const PARTS = [["Positive", "好评"], ["Neutral", "中评"], ["Negative", "差评"]];
  const DATE = /^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+\d{1,2}[:：]\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*$/;
  const DATE_HEADER = /日期|时间|date|time/i;
  const picker = $("aspect-set"), addResult = $("aspect-add-result");
  const report = $("aspect-report"), note = $("aspect-report-note"), tbody = document.querySelector("#aspect-table tbody");
  const weeks = $("aspect-weeks"), weekly = $("aspect-weekly"), filterLine = $("aspect-filter");
  let sets = [];
  let shown = null;  // the report drawn: {categories, found: per row {category: {label, sentiment, mentions}} or null}
  let only = "";  // the category a click in the report chose: the table shows only its reviews
  let redraw = function () {};  // the table's, given by the 批量分析 view

  // ---- 行业: the sets, by name; the stored choice if it is still there, else the service's default.
  async function load(choose) {
    const result = await window.ui.call(setsUrl);
    if (!result.ok) {
      picker.replaceChildren(window.ui.option("", "暂不可用"));
      picker.disabled = true;
      return;
    }
    sets = result.body.sets;
    let stored = null;
    try { stored = localStorage.getItem(KEY); } catch (e) { /* private mode: the default */ }
    const wanted = choose || stored;
    picker.replaceChildren.apply(picker, sets.map(function (s) { return window.ui.option(s.id, s.name); }));
    picker.value = setOf(wanted) ? wanted : result.body.default;
    picker.disabled = false;
  }

  function remember() {
    try { localStorage.setItem(KEY, picker.value); } catch (e) { /* private mode: kept for this visit */ }
  }
  picker.addEventListener("change", remember);

  function setOf(id) { return sets.find(function (s) { return s.id === id; }); }

  // The chosen set as the 批量分析 view keeps it for one run: {id, name, categories: names in order}.
  function chosen() {
    const set = setOf(picker.value);
    return set ? { id: set.id, name: set.name, categories: Object.keys(set.categories) } : null;
  }

  // ---- 添加自己的类别: the page's own copy of a set is "page-" and the set it starts from; the categories
  // added before (preferred in the list) are sent again with the new one, so none is lost.
  function say(message, className) { addResult.replaceChildren(el("p", className || "note", message)); }

  $("aspect-add-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const name = $("aspect-add-name").value.trim();
    const examples = $("aspect-add-examples").value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
    const current = setOf(picker.value);
    if (!name) { say("请填写类别名称，例如：停车。", "error"); return; }
    if (examples.length < 2) { say("请至少写 2 句示例，每行一句。", "error"); return; }
    if (!current) { say("行业列表还没有读好，请稍后再试。", "error"); return; }
    const base = sets.find(function (s) { return "page-" + s.id === current.id; }) || current;
    const own = setOf("page-" + base.id), categories = {};
    Object.keys(own ? own.categories : {}).forEach(function (kept) {
      const c = own.categories[kept];
      if (c.preferred) categories[kept] = { targets: c.targets, opinions: c.opinions, examples: c.examples };
    });
    categories[name] = { examples: examples };
    say("正在学习…");
    const result = await window.ui.post(setsUrl, { id: "page-" + base.id, name: base.name + "·自定义", base: base.id,
                                                  categories: categories, replace: true });
    if (!result.ok) { say(window.ui.failed(result), "error"); return; }
    await load(result.body.id);
    remember();
    $("aspect-add-name").value = $("aspect-add-examples").value = "";
    say("已添加“" + name + "”：行业换成了“" + result.body.name + "”，聊天和批量分析都会按它的类别统计。");
  });

  // ---- The report.
  function share(count, total) { return window.ui.percentOf(total ? count / total : 0) + "%"; }

  function bar(counts) {
    const split = el("div", "split");
    PARTS.forEach(function (part) {
      const piece = el("span", part[0]);
      piece.style.width = 100 * counts[part[0]] / counts.mentions + "%";
      split.appendChild(piece);
    });
    split.setAttribute("role", "img");
    split.setAttribute("aria-label", PARTS.map(function (part) { return part[1] + " " + share(counts[part[0]], counts.mentions); }).join("，"));
    return split;
  }

  // A Monday (YYYY-MM-DD) for 2024-03-05, 2024/3/5 or 2024年3月5日, with or without a time; null otherwise.
  function mondayOf(value) {
    const m = DATE.exec(value == null ? "" : String(value));
    if (!m) return null;
    const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (day.getUTCMonth() !== Number(m[2]) - 1 || day.getUTCDate() !== Number(m[3])) return null;  // 2024-02-30
    day.setUTCDate(day.getUTCDate() - (day.getUTCDay() + 6) % 7);
    return day.toISOString().slice(0, 10);
  }

  // The column whose values mostly read as dates (half will do under a header such as 日期), if any.
  function dateColumn(table) {
    const found = table.columns.map(function (name) {
      const values = table.rows.slice(0, 1000).map(function (row) { return row[name]; }).filter(function (v) { return v != null && String(v).trim(); });
      return { name: name, named: DATE_HEADER.test(name), share: values.length ? values.filter(mondayOf).length / values.length : 0 };
    }).filter(function (c) { return c.share >= (c.named ? 0.5 : 0.8); });
    found.sort(function (a, b) { return (b.named - a.named) || (b.share - a.share); });
    return found.length ? found[0].name : null;
  }

  function countsOf(name, ats) {
    const counts = { name: name, mentions: 0, Positive: 0, Neutral: 0, Negative: 0 };
    ats.forEach(function (at) {
      const a = shown.found[at] && shown.found[at][name];
      if (a) { counts.mentions += 1; counts[a.sentiment] += 1; }
    });
    return counts;
  }

  // table: {columns, rows (objects)}; set: chosen()'s; found: per row its categories, or null (not read);
  // filterable: whether the rows are in the table below (not so for a job's file).
  function show(table, set, found, filterable) {
    shown = { categories: set.categories, found: found };
    choose("");
    report.hidden = false;
    const all = found.map(function (_, at) { return at; });
    const rows = set.categories.map(function (name) { return countsOf(name, all); })  // a tie keeps the set's order
      .filter(function (c) { return c.mentions; })
      .sort(function (x, y) { return y.Negative - x.Negative || y.mentions - x.mentions; });
    $("aspect-report-title").textContent = "各类别的评价（" + set.name + "）";
    note.className = "note";
    note.textContent = !rows.length ? "没有评论提到这个行业的类别。" : "按差评条数排序。" +
      (filterable ? "点类别名，下方表格只显示提到它的评论，并标出相关的话。" : "数字来自结果文件里各类别的列。");
    tbody.replaceChildren();
    rows.forEach(function (c) {
      const row = el("tr"), head = el("th");
      head.scope = "row";
      const name = el(filterable ? "button" : "span", filterable ? "link" : "", c.name);
      if (filterable) {
        name.type = "button";
        name.addEventListener("click", function () { choose(c.name); redraw(); $("bulk-results").scrollIntoView({ block: "start" }); });
      }
      head.appendChild(name);
      row.appendChild(head);
      row.appendChild(el("td", "", String(c.mentions)));
      row.appendChild(el("td", "", share(c.Positive, c.mentions)));
      row.appendChild(el("td", "", c.Negative + "（" + share(c.Negative, c.mentions) + "）"));
      const cell = el("td");
      cell.appendChild(bar(c));
      row.appendChild(cell);
      tbody.appendChild(row);
    });
    drawWeeks(table, rows);
  }

  // Weeks (from Monday) × categories: the share of 差评 among the week's reviews that mention each.
  function drawWeeks(table, rows) {
    const column = rows.length && dateColumn(table);
    weeks.hidden = !column;
    if (!column) return;
    const byWeek = {};
    table.rows.forEach(function (row, at) {
      const week = mondayOf(row[column]);
      if (week) (byWeek[week] = byWeek[week] || []).push(at);
    });
    $("aspect-weeks-note").textContent = "按“" + column + "”列，每周（从周一算起）提到各类别的评论里差评的占比。";
    const head = el("tr");
    head.appendChild(el("th", "", "周"));
    rows.forEach(function (c) { head.appendChild(el("th", "", c.name)); });
    const body = el("tbody");
    Object.keys(byWeek).sort().forEach(function (week) {
      const line = el("tr");
      line.appendChild(el("th", "", week));
      rows.forEach(function (c) {
        const counts = countsOf(c.name, byWeek[week]);
        const cell = el("td", "", counts.mentions ? share(counts.Negative, counts.mentions) : "–");
        cell.title = "差评 " + counts.Negative + " / 提到 " + counts.mentions;
        line.appendChild(cell);
      });
      body.appendChild(line);
    });
    const thead = el("thead");
    thead.appendChild(head);
    weekly.replaceChildren(thead, body);
  }

  function choose(name) {
    only = name;
    filterLine.hidden = !name;
    $("aspect-filter-text").textContent = "只看提到“" + name + "”的评论";
  }
  $("aspect-clear").addEventListener("click", function () { choose(""); redraw(); });

  // No report (a new run begins), or only why there is none.
  function hide(problem) {
    shown = null;
    choose("");
    report.hidden = !problem;
    tbody.replaceChildren();
    weeks.hidden = true;
    note.className = "error";
    note.textContent = problem || "";
  }

  // A job's tagged file, with a column per category, read back through /api/table for the report.
  async function fromResult(url, set) {
    const response = await fetch(url).catch(function () { return null; });
    let result = { ok: false, status: response ? response.status : 0, body: null };
    if (response && response.ok) {
      const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
      const form = new FormData();
      form.append("file", await response.blob(), named ? named[1] : "tagged.csv");
      result = await window.ui.call(root.dataset.table, { method: "POST", body: form });
    }
    if (!result.ok) { hide("无法在页面上汇总各类别：" + window.ui.failed(result) + " 结果文件里每个类别有一列。"); return; }
    const table = window.ui.table(result.body);
    const prefix = set.categories.every(function (n) { return table.columns.includes("aspect_" + n); }) ? "aspect_" : "";
    show(table, set, table.rows.map(function (row) {
      const found = {};
      set.categories.forEach(function (n) {
        const label = row[prefix + n];
        if (SENTIMENT[label]) found[n] = { label: label, sentiment: SENTIMENT[label], mentions: [] };
      });
      return found;
    }), false);
  }

  // Per table row its categories, from the answers of /api/sentiment (null where none came).
  function fromAnswers(answers) {
    return answers.map(function (answer) {
      if (!answer || !answer.aspects) return null;
      const found = {};
      answer.aspects.forEach(function (a) { found[a.category] = a; });
      return found;
    });
  }

  // The download's columns: one per category, named as it, or all "aspect_" and it when one is taken.
  function columns(existing) {
    if (!shown) return [];
    const clash = shown.categories.some(function (n) { return existing.includes(n); });
    return shown.categories.map(function (n) { return clash ? "aspect_" + n : n; });
  }

  function cells(at) {
    return !shown ? [] : shown.categories.map(function (n) {
      const a = shown.found[at] && shown.found[at][n];
      return a ? a.label : "";
    });
  }

  load();
  return {
    current: function () { return picker.value; }, chosen: chosen, show: show, hide: hide, fromAnswers: fromAnswers, fromResult: fromResult,
    columns: columns, cells: cells, only: function () { return only; },
    // The chosen category's mentions in a row: null when no category is chosen or the row does not mention it.
    mentionsOf: function (at) { const a = only && shown.found[at] && shown.found[at][only]; return a ? a.mentions : null; },
    onFilter: function (fn) { redraw = fn; },
  };
})();
