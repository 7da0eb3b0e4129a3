// The analytics page's charts, drawn with Chart.js (served from /static/, no CDN) from the
// page's JSON data block (#analytics-data). Each chart repeats a table of the page, which
// stays the accessible version; without Chart.js the charts simply stay hidden.
(function () {
  "use strict";

  var COLOURS = ["#8a4b08", "#1c4f8a", "#1e6b3a", "#a11d2b", "#7a5200", "#5b4b8a", "#4a4a50"];

  function readData() {
    var block = document.getElementById("analytics-data");
    if (!block) return null;
    try {
      return JSON.parse(block.textContent);
    } catch (error) {
      return null;
    }
  }

  function moneyFormatter(money) {
    var divisor = Math.pow(10, money.exponent);
    var format;
    try {
      format = new Intl.NumberFormat(money.locale, { style: "currency", currency: money.currency });
    } catch (error) {
      format = new Intl.NumberFormat(money.locale);
    }
    return function (minor) {
      return format.format(minor / divisor);
    };
  }

  function show(name, draw) {
    var box = document.querySelector('[data-chart="' + name + '"]');
    if (!box) return;
    box.hidden = false;
    draw(box.querySelector("canvas"));
  }

  function drawSeries(canvas, data, money) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.series.labels,
        datasets: [
          {
            type: "bar",
            label: "Revenue",
            data: data.series.revenue,
            backgroundColor: COLOURS[0],
            yAxisID: "money",
          },
          {
            type: "line",
            label: "Conversations started",
            data: data.series.conversations,
            borderColor: COLOURS[1],
            backgroundColor: COLOURS[1],
            yAxisID: "count",
            cubicInterpolationMode: "monotone",
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          money: { position: "left", beginAtZero: true, ticks: { callback: money } },
          count: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.dataset.yAxisID === "money" ? money(item.raw) : item.raw;
                return item.dataset.label + ": " + value;
              },
            },
          },
        },
      },
    });
  }

  function drawFunnel(canvas, data) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.funnel.steps,
        datasets: data.funnel.channels.map(function (channel, index) {
          return {
            label: channel.label,
            data: channel.counts,
            backgroundColor: COLOURS[index % COLOURS.length],
          };
        }),
      },
      options: {
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function drawAttribution(canvas, data, money) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.attribution.labels,
        datasets: [
          {
            label: "Revenue",
            data: data.attribution.revenue,
            backgroundColor: data.attribution.labels.map(function (_, index) {
              return COLOURS[index % COLOURS.length];
            }),
          },
        ],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: { x: { beginAtZero: true, ticks: { callback: money } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (item) { return money(item.raw); } } },
        },
      },
    });
  }

  function init() {
    var data = readData();
    if (!data || typeof window.Chart !== "function") return;
    var money = moneyFormatter(data.money);
    show("series", function (canvas) { drawSeries(canvas, data, money); });
    if (data.funnel.channels.length) show("funnel", function (canvas) { drawFunnel(canvas, data); });
    if (data.attribution.labels.length) {
      show("attribution", function (canvas) { drawAttribution(canvas, data, money); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
