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
  let history = [];

  const el = window.ui.el;

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function drawUser(text) {
    hint.hidden = true;
    log.appendChild(el("div", "bubble user", text));
  }

  // The model's own label leads (正面, 中性, 高兴 …); below it, one bar per label, largest first.
  function drawAnswer(result) {
    const bubble = el("div", "bubble bot " + (result.sentiment || "Other"));
    const verdict = el("div", "verdict");
    verdict.appendChild(el("span", "emoji", result.emoji));
    verdict.appendChild(el("span", "label", result.label));
    const percent = window.ui.percentOf(result.confidence);
    verdict.appendChild(el("span", "percent", percent + "%"));
    bubble.appendChild(verdict);
    Object.keys(result.scores || {})
      .sort(function (a, b) { return result.scores[b] - result.scores[a]; })
      .forEach(function (label) { bubble.appendChild(window.ui.scoreRow(label, result.scores[label], label === result.label)); });
    let details = "置信度 " + percent + "%";
    if (result.sentiment && POLARITY_ZH[result.sentiment] !== result.label) details += " · 倾向 " + POLARITY_ZH[result.sentiment];
    if (result.windows > 1) details += " · 长文本分 " + result.windows + " 段阅读";
    bubble.appendChild(el("div", "details", details));
    log.appendChild(bubble);
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
    try {
      const response = await fetch(api, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: text }),
      });
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      pending.remove();
      if (response.ok && body) remember({ kind: "answer", result: body });
      else remember({ kind: "error", message: (body && body.error) || ("服务暂时不可用（" + response.status + "），请稍后再试。") });
    } catch (e) {
      pending.remove();
      remember({ kind: "error", message: "无法连接服务，请检查网络后再试。" });
    } finally {
      send.disabled = false;
      input.focus();
    }
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
