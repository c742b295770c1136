// The chat page: sends text to the JSON API and draws the answers as bubbles.
// User text and every API field are written with textContent only, never as HTML.
// A text over the limit (data-max-chars, counted in characters as the API counts) is not cut silently: the
// box says so while typing, the first part is analysed, and a button analyses the whole in parts.
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
  const inputNote = document.getElementById("input-note");
  const HISTORY_KEY = "sentiment-chat-history";
  const POLARITY_ZH = { Positive: "正面", Negative: "负面", Neutral: "中性" };
  const FACE = { Positive: "👍", Neutral: "😐", Negative: "👎" };
  let history = [];

  const el = window.ui.el;

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function drawUser(entry) {
    hint.hidden = true;
    const bubble = el("div", "bubble user");
    if (entry.part) bubble.appendChild(el("div", "part", entry.part));
    bubble.appendChild(document.createTextNode(entry.text));
    log.appendChild(bubble);
  }

  // Under a text that was cut: what was analysed, and a button for the whole, in parts of at most maxChars.
  function drawCut(entry) {
    const note = el("div", "bubble cut", "只分析了前 " + entry.shown + " 字（全文 " + entry.total + " 字，上限是每次 " + entry.shown + " 字）。");
    const pieces = parts(entry.whole);
    const whole = el("button", "secondary", "分 " + pieces.length + " 段分析全文");
    whole.type = "button";
    whole.addEventListener("click", async function () {
      whole.disabled = true;
      for (let at = 0; at < pieces.length; at++) await analyse(pieces[at], "第 " + (at + 1) + " / " + pieces.length + " 段");
    });
    note.appendChild(document.createElement("br"));
    note.appendChild(whole);
    log.appendChild(note);
  }

  function charsOf(text) { return Array.from(text).length; }

  // The text in parts of at most maxChars characters, each ending at a sentence's end where one is near.
  function parts(text) {
    const chars = Array.from(text), out = [];
    let start = 0;
    while (chars.length - start > maxChars) {
      let cut = start + maxChars;
      for (let at = cut; at > start + maxChars / 2; at--) {
        if ("。！？!?；;\n".includes(chars[at - 1])) { cut = at; break; }
      }
      out.push(chars.slice(start, cut).join(""));
      start = cut;
    }
    out.push(chars.slice(start).join(""));
    return out;
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
    if (result.windows > 1) details += " · 长文分段读完（" + result.windows + " 段）";
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
    if (entry.kind === "user") drawUser(entry);
    else if (entry.kind === "cut") drawCut(entry);
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
    const length = charsOf(input.value);
    counter.textContent = length + " / " + maxChars;
    counter.classList.toggle("over", length > maxChars);
    inputNote.hidden = length <= maxChars;
    inputNote.textContent = length > maxChars ? "已有 " + length + " 字，超过每次 " + maxChars + " 字的上限：发送后先分析前 " +
      maxChars + " 字，再可以点“分 " + parts(input.value).length + " 段分析全文”。" : "";
  }

  // part: "第 1 / 2 段" when the text is one part of a longer one.
  async function analyse(whole, part) {
    if (!whole.trim()) { drawError("请输入要分析的文本。"); scrollDown(); return; }
    const total = charsOf(whole), text = total > maxChars ? Array.from(whole).slice(0, maxChars).join("") : whole;
    remember({ kind: "user", text: text, part: part });
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
    if (total > maxChars) remember({ kind: "cut", shown: maxChars, total: total, whole: whole });  // under the answer, in sight
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

  // The model in plain words (page.py names it: 内置模型 · 情感); its technical name only in the tooltip.
  // While it loads, /ready is asked again every few seconds.
  async function showModel() {
    const status = document.getElementById("model-status");
    const result = await window.ui.call(root.dataset.ready);
    const body = result.body || {};
    if (body.ready) {
      status.textContent = "模型：" + (root.dataset.modelName || "已就绪") + "（" + body.labels.join(" / ") + "）";
      status.title = body.model || "";
      return;
    }
    status.title = body.error || "";
    if (result.status === 0) { status.textContent = "无法连接服务"; return; }
    const loading = /还在加载/.test(body.error || "");
    status.textContent = loading ? "模型正在加载…" : "模型暂时不可用，请联系管理员。";
    if (loading) setTimeout(showModel, 3000);
  }
  showModel();

  restore();
  updateCounter();
  input.focus();
})();
