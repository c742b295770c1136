// The chat page: sends text to the JSON API and draws the answers as bubbles.
// User text and every API field are written with textContent only, never as HTML.
(function () {
  "use strict";
  const root = document.querySelector(".chat");
  const api = root.dataset.api;
  const maxChars = Number(root.dataset.maxChars);
  const log = document.getElementById("log");
  const hint = document.getElementById("empty-hint");
  const input = document.getElementById("input");
  const send = document.getElementById("send");
  const counter = document.getElementById("counter");
  const HISTORY_KEY = "sentiment-chat-history";
  const POLARITY_ZH = { Positive: "正面", Negative: "负面", Neutral: "中性" };
  const FACE = { Positive: "👍", Neutral: "😐", Negative: "👎" };
  let history = [];

  const el = window.ui.el;

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function drawUser(text) {
    hint.hidden = true;
    log.appendChild(el("div", "bubble user", text));
  }

  // The model's own label leads (正面, 中性, 高兴 …); under it the aspects (口味 👍, 配送速度 👎), then one
  // bar per label, largest first; the text with its sentences tinted and the words that decided marked.
  function drawAnswer(result) {
    const bubble = el("div", "bubble bot " + (result.sentiment || "Other"));
    const verdict = el("div", "verdict");
    verdict.appendChild(el("span", "emoji", result.emoji));
    verdict.appendChild(el("span", "label", result.label));
    const percent = window.ui.percentOf(result.confidence);
    verdict.appendChild(el("span", "percent", percent + "%"));
    bubble.appendChild(verdict);
    const aspects = result.aspects || [];
    const mentions = [].concat.apply([], aspects.map(function (a) { return a.mentions; }));
    const text = (result.sentences && result.sentences.length > 1) || (result.highlights && result.highlights.length) || mentions.length
      ? reading(result, mentions) : null;
    if (aspects.length) bubble.appendChild(aspectChips(aspects, text ? text.shown : {}));
    Object.keys(result.scores || {})
      .sort(function (a, b) { return result.scores[b] - result.scores[a]; })
      .forEach(function (label) { bubble.appendChild(window.ui.scoreRow(label, result.scores[label], label === result.label)); });
    let details = "置信度 " + percent + "%";
    if (result.sentiment && POLARITY_ZH[result.sentiment] !== result.label) details += " · 倾向 " + POLARITY_ZH[result.sentiment];
    if (result.windows > 1) details += " · 长文本分 " + result.windows + " 段阅读";
    bubble.appendChild(el("div", "details", details));
    if (result.mixed) bubble.appendChild(el("div", "mixed-line", mixedLine(result)));
    if (text) bubble.appendChild(text.node);
    if (result.sentences && result.sentences.length > 1) bubble.appendChild(sentenceList(result));
    log.appendChild(bubble);
  }

  // One chip per category the text speaks of, with how it feels about it; a category whose mentions
  // disagree shows each feeling (口味 👍👎). A click lights the chip's evidence in the text.
  function aspectChips(aspects, shown) {
    const box = el("div", "aspect-chips"), lit = [];
    aspects.forEach(function (a) {
      const feelings = a.mixed ? ["Positive", "Neutral", "Negative"].filter(function (p) {
        return a.mentions.some(function (m) { return m.sentiment === p; });
      }) : [a.sentiment];
      const chip = el("button", "aspect-chip " + (a.mixed ? "Mixed" : a.sentiment),
        a.category + " " + feelings.map(function (p) { return FACE[p]; }).join(""));
      chip.type = "button";
      chip.title = a.mentions.map(function (m) { return m.label + "：" + m.text; }).join("\n");
      chip.setAttribute("aria-pressed", "false");
      const evidence = [].concat.apply([], a.mentions.map(function (m) { return shown[m.start + ":" + m.end] || []; }));
      chip.addEventListener("click", function () {
        const on = chip.getAttribute("aria-pressed") !== "true";
        box.querySelectorAll(".aspect-chip").forEach(function (other) { other.setAttribute("aria-pressed", "false"); });
        lit.splice(0).forEach(function (node) { node.classList.remove("lit"); });
        chip.setAttribute("aria-pressed", String(on));
        if (on) evidence.forEach(function (node) { node.classList.add("lit"); lit.push(node); });
      });
      box.appendChild(chip);
    });
    return box;
  }

  // "褒贬不一：整体正面，但最后一句是负面（96%）": the verdict, and the strongest sentence against it.
  function mixedLine(result) {
    const against = result.sentences.filter(function (s) { return s.sentiment && s.sentiment !== result.sentiment; });
    const strongest = against.reduce(function (best, s) { return !best || s.confidence > best.confidence ? s : best; }, null);
    if (!strongest) return "褒贬不一";
    const at = result.sentences.indexOf(strongest);
    const where = at === result.sentences.length - 1 ? "最后一句" : "第 " + (at + 1) + " 句";
    return "褒贬不一：整体" + (POLARITY_ZH[result.sentiment] || result.label) + "，但" + where + "是" +
      POLARITY_ZH[strongest.sentiment] + "（" + window.ui.percentOf(strongest.confidence) + "%）";
  }

  // The text as sent: each sentence tinted, each aspect's evidence underlined, the words toward the
  // verdict marked (window.ui.reading, which cuts the text by code points as the API counts).
  function reading(result, mentions) {
    const marked = [];
    (result.highlights || []).forEach(function (h) {
      if (h.weights[result.label] > 0) for (let i = h.start; i < h.end; i++) marked[i] = true;
    });
    const text = window.ui.reading(result.text, result.sentences || [], mentions, marked);
    text.node.className = "reading";
    return text;
  }

  // Every sentence with its own answer, folded under the card.
  function sentenceList(result) {
    const fold = document.createElement("details");
    fold.className = "sentences";
    fold.appendChild(el("summary", "", "逐句结果（" + result.sentences.length + " 句）"));
    const list = el("ol", "");
    result.sentences.forEach(function (s) {
      const item = el("li", s.sentiment || "Other", s.text);
      item.appendChild(el("span", "sentence-label", " " + s.label + " " + window.ui.percentOf(s.confidence) + "%"));
      list.appendChild(item);
    });
    fold.appendChild(list);
    return fold;
  }

  function drawError(message) { log.appendChild(el("div", "bubble error", message)); }

  function draw(entry) {
    if (entry.kind === "user") drawUser(entry.text);
    else if (entry.kind === "answer") drawAnswer(entry.result);
    else drawError(entry.message);
  }

  function remember(entry) {
    history.push(entry);
    draw(entry);
    scrollDown();
    try { localStorage.setItem(HISTORY_KEY, JSON.stringify(history.slice(-200))); } catch (e) { /* private mode: keep in memory only */ }
  }

  function restore() {
    try { history = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]"); } catch (e) { history = []; }
    if (!Array.isArray(history)) history = [];
    history.forEach(draw);
    scrollDown();
  }

  function updateCounter() {
    const length = input.value.length;
    counter.textContent = length + " / " + maxChars;
    counter.classList.toggle("over", length > maxChars);
  }

  async function analyse(text) {
    if (!text.trim()) { drawError("请输入要分析的文本。"); scrollDown(); return; }
    remember({ kind: "user", text: text });
    const pending = el("div", "bubble bot pending", "分析中…");
    log.appendChild(pending);
    scrollDown();
    send.disabled = true;
    // The words that decided, marked: asked for texts of up to 300 characters, where they are words; a
    // longer text's sentences are tinted already, and explaining it costs a reading per sentence. And
    // what it says of each category of the chosen 行业 (none until the list of them is read).
    const result = await window.ui.post(api, { text: text, explain: Array.from(text).length <= 300,
                                               aspects: window.aspects.current() || undefined });
    pending.remove();
    if (result.ok && result.body) remember({ kind: "answer", result: result.body });
    else remember({ kind: "error", message: window.ui.failed(result) });
    send.disabled = false;
    input.focus();
  }

  function submit() {
    const text = input.value;
    if (send.disabled) return;
    input.value = "";
    updateCounter();
    analyse(text);
  }

  document.getElementById("composer").addEventListener("submit", function (event) { event.preventDefault(); submit(); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); submit(); }
  });
  input.addEventListener("input", updateCounter);
  document.querySelectorAll(".chip").forEach(function (chip) {
    chip.addEventListener("click", function () { analyse(chip.textContent.trim()); });
  });
  document.getElementById("clear").addEventListener("click", function () {
    history = [];
    try { localStorage.removeItem(HISTORY_KEY); } catch (e) { /* nothing stored */ }
    log.querySelectorAll(".bubble").forEach(function (node) { node.remove(); });
    hint.hidden = false;
    input.focus();
  });

  fetch(root.dataset.ready).then(function (r) { return r.json(); }).then(function (status) {
    document.getElementById("model-status").textContent = status.ready
      ? "模型：" + status.model + "（" + status.labels.join(" / ") + "）"
      : "模型尚未就绪：" + (status.error || "正在加载");
  }).catch(function () { document.getElementById("model-status").textContent = "无法获取模型状态"; });

  restore();
  updateCounter();
  input.focus();
})();
