// Draw every <canvas data-chart="ID"> with window.Chart from the JSON in <script id="ID"> that
// Django's json_script wrote: {type: "bar"|"line"|"doughnut", labels, datasets, stacked?, integers?}.
// The page always shows or folds the same figures in a table; this only draws them.
(function () {
  "use strict";
  if (!window.Chart) return;
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 1 });
  const reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function valueOf(context) {
    if (typeof context.parsed === "number") return context.parsed;
    return context.chart.options.indexAxis === "y" ? context.parsed.x : context.parsed.y;
  }

  function optionsFor(spec) {
    const options = {
      responsive: true,
      maintainAspectRatio: false, // the container's fixed height decides, so a phone gets a readable chart
      animation: reduceMotion ? false : undefined,
      plugins: {
        legend: { display: spec.type === "doughnut" || spec.datasets.length > 1, position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (context) {
              const name = spec.type === "doughnut" ? context.label : context.dataset.label;
              return name + ": " + numbers.format(valueOf(context));
            },
          },
        },
      },
    };
    if (spec.type !== "doughnut") {
      const stacked = Boolean(spec.stacked);
      options.scales = {
        x: { stacked: stacked },
        y: {
          stacked: stacked,
          beginAtZero: true,
          ticks: { precision: spec.integers ? 0 : undefined, callback: function (value) { return numbers.format(value); } },
        },
      };
    }
    return options;
  }

  const charts = [];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    charts.push(new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: optionsFor(spec),
    }));
  });

  // On paper: charts redraw at the page's width, and the tables folded in <details> open.
  let opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.from(document.querySelectorAll("details.chart-data:not([open])"));
    opened.forEach(function (details) { details.open = true; });
    charts.forEach(function (chart) { chart.resize(); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
