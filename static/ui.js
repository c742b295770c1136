// What the views share: elements with text (never HTML), one score bar per label, a text drawn with its
// sentences, evidence and marks, and calls to the JSON API.
window.ui = (function () {
  "use strict";
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function option(value, text) {
    const node = el("option", "", text);
    node.value = value;
    return node;
  }

  function percentOf(score) { return Math.round(score * 1000) / 10; }

  function scoreRow(label, score, winner) {
    const percent = percentOf(score);
    const row = el("div", "score" + (winner ? " winner" : ""));
    row.appendChild(el("span", "score-label", label));
    const bar = el("div", "bar");
    const fill = el("span");
    fill.style.width = percent + "%";
    bar.appendChild(fill);
    bar.setAttribute("role", "meter");
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-label", label);
    row.appendChild(bar);
    row.appendChild(el("span", "score-percent", percent + "%"));
    return row;
  }

  // A text with each sentence tinted by its polarity, each aspect mention (the words that speak of a
  // category) underlined by its own, and the code points in `marked` in <mark>, nested in that order.
  // Offsets count Unicode code points (as the API does), so the text is cut by code points, never by
  // UTF-16 units: an emoji before a word does not shift it. Returns the element and, per mention span
  // ("start:end"), the elements that show it.
  function reading(text, sentences, mentions, marked) {
    const chars = Array.from(text);
    const sentenceOf = new Array(chars.length).fill(null), mentionOf = new Array(chars.length).fill(null);
    sentences.forEach(function (s) { for (let i = s.start; i < s.end; i++) sentenceOf[i] = s; });
    mentions.forEach(function (m) { for (let i = m.start; i < m.end; i++) mentionOf[i] = mentionOf[i] || m; });
    const box = el("div"), shown = {};
    let i = 0;
    while (i < chars.length) {
      const s = sentenceOf[i];
      const part = el("span", s ? "sentence " + (s.sentiment || "Other") : "");
      if (s) part.title = s.label + " " + percentOf(s.confidence) + "%";
      while (i < chars.length && sentenceOf[i] === s) {
        const m = mentionOf[i];
        const holder = m ? el("span", "evidence " + (m.sentiment || "Other")) : part;
        if (m) {
          part.appendChild(holder);
          (shown[m.start + ":" + m.end] = shown[m.start + ":" + m.end] || []).push(holder);
        }
        while (i < chars.length && sentenceOf[i] === s && mentionOf[i] === m) {
          let j = i;
          while (j < chars.length && sentenceOf[j] === s && mentionOf[j] === m && !marked[j] === !marked[i]) j++;
          const piece = chars.slice(i, j).join("");
          holder.appendChild(marked[i] ? el("mark", "", piece) : document.createTextNode(piece));
          i = j;
        }
      }
      box.appendChild(part);
    }
    return { node: box, shown: shown };
  }

  // An API call: {ok, status, body}; without a connection, status 0 and a Chinese error in the body.
  async function call(url, options) {
    try {
      const response = await fetch(url, options);
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      return { ok: response.ok, status: response.status, body: body };
    } catch (e) {
      return { ok: false, status: 0, body: { error: "无法连接服务，请检查网络后再试。" } };
    }
  }

  function post(url, body) {
    return call(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }

  function failed(result) { return (result.body && result.body.error) || ("服务暂时不可用（" + result.status + "），请稍后再试。"); }

  // /api/table's answer with its rows as objects (they come as lists in the columns' order, each name sent once).
  function table(body) {
    body.rows = body.rows.map(function (values) {
      const row = {};
      body.columns.forEach(function (name, at) { row[name] = values[at]; });
      return row;
    });
    return body;
  }

  // The sentence that decided the verdict, as the server's explain.reason picks it: the most confident
  // sentence that agrees with the whole text's label.
  function reason(answer) {
    const agreeing = answer.sentences.filter(function (s) { return s.label === answer.label; });
    return (agreeing.length ? agreeing : answer.sentences).reduce(function (best, s) {
      return s.confidence > best.confidence ? s : best;
    }).text;
  }

  // A taught classifier's answer: 其他 (the text is none of its labels) is said as such.
  const OTHER = "其他";
  function classLabel(answer) { return answer.label === OTHER ? "其他（不属于任何标签）" : answer.label; }

  // The threshold to send for a taught classifier, from a "把握低于 __%" box: the classifier's own (exact)
  // while the box shows it rounded, else the box's percent as 0–1.
  function threshold(box, classifier) {
    const own = classifier.threshold || 0, value = Number(box.value);
    if (box.value.trim() === "" || !isFinite(value) || Math.round(value) === Math.round(own * 100)) return own;
    return Math.min(100, Math.max(0, value)) / 100;
  }

  return { el: el, option: option, percentOf: percentOf, scoreRow: scoreRow, reading: reading, call: call, post: post, failed: failed,
           table: table, reason: reason, OTHER: OTHER, classLabel: classLabel, threshold: threshold,
           POLARITY_ZH: { Positive: "正面", Negative: "负面", Neutral: "中性" } };
})();
