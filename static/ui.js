// What both views draw: elements with text (never HTML) and one score bar per label.
window.ui = (function () {
  "use strict";
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
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

  return { el: el, percentOf: percentOf, scoreRow: scoreRow };
})();
