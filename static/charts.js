// The 批量分析 view's charts, drawn on <canvas>: a bar per label (its share of the rows), and how sure the
// model was, as a histogram over the range its answers can take.
window.charts = (function () {
  "use strict";
  function bars(canvas, items) {  // items: [{name, top (the text over it), value in [0, 1], color}]
    const context = canvas.getContext("2d");
    const width = canvas.width, height = canvas.height, slot = width / Math.max(items.length, 1);
    context.clearRect(0, 0, width, height);
    context.font = "11px sans-serif";
    context.textAlign = "center";
    items.forEach(function (bar, at) {
      const barHeight = Math.round(bar.value * (height - 34));
      context.fillStyle = bar.color;
      context.fillRect(at * slot + slot * 0.15, height - 18 - barHeight, slot * 0.7, barHeight);
      context.fillStyle = "#1f2328";
      context.fillText(bar.name, at * slot + slot / 2, height - 5);
      context.fillText(bar.top, at * slot + slot / 2, height - 22 - barHeight);
    });
  }

  // Confidence from 1/labels (no answer is less sure than that) to 100%, in ten bins: the count of rows on
  // each bar, the confidence under the bins' edges (one row of percentages).
  function histogram(canvas, tagged, labels) {
    const low = Math.floor(100 / Math.max(labels, 2) / 10) * 10, step = (100 - low) / 10, bins = new Array(10).fill(0);
    tagged.forEach(function (a) { bins[Math.max(0, Math.min(9, Math.floor((a.confidence * 100 - low) / step)))] += 1; });
    const most = Math.max.apply(null, bins.concat([1]));
    bars(canvas, bins.map(function (count) { return { name: "", top: count ? String(count) : "", value: count / most, color: "#5b7bd5" }; }));
    const context = canvas.getContext("2d"), slot = canvas.width / 10;
    context.textAlign = "center";
    for (let edge = 0; edge <= 10; edge += 2) {
      const x = Math.min(canvas.width - 14, Math.max(12, edge * slot));
      context.fillText(Math.round(low + edge * step) + "%", x, canvas.height - 5);
    }
    canvas.setAttribute("aria-label", "置信度分布：" + bins.map(function (count, at) {
      return Math.round(low + at * step) + "–" + Math.round(low + (at + 1) * step) + "% " + count + " 行";
    }).join("；"));
  }

  return { bars: bars, histogram: histogram };
})();
