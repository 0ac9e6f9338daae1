// Charts of the officials' dashboard (/dashboard), drawn with Apache ECharts
// 5.6.0 (/static/echarts-5.6.0.min.js, Apache-2.0). The numbers come from the
// page's <script type="application/json" id="data"> block, the same numbers
// as the tables, which stay the reference: without JavaScript the charts
// simply stay hidden.
(function () {
  'use strict';
  var el = document.getElementById('data');
  if (!el || typeof window.echarts === 'undefined') {
    return;
  }
  var data;
  try {
    data = JSON.parse(el.textContent);
  } catch (e) {
    return;
  }
  var L = data.labels || {};
  var ink = '#1d2733', muted = '#5b6775', line = '#e3e8ef';
  var palette = ['#1d4f91', '#b3261e', '#c58b00', '#2e7d5b', '#6b4fa1', '#0f7c90', '#8a5a2b', '#5b6775'];
  var font = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  var charts = [];

  // Names reach the tooltip's HTML: escape them.
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function wan(v) {
    return (Math.round(v * 100) / 100).toFixed(2);
  }

  function mount(id, points, option) {
    var box = document.getElementById(id);
    if (!box || !points || points.length === 0) {
      return;
    }
    box.hidden = false;
    // SVG, not canvas: the labels are text a reader (and the browser
    // test, which checks none is clipped) can find.
    var chart = window.echarts.init(box, null, { renderer: 'svg' });
    option.color = option.color || palette;
    option.textStyle = { fontFamily: font, color: ink };
    option.animationDuration = 400;
    chart.setOption(option);
    charts.push(chart);
  }

  // Horizontal bars: long Chinese names read best on the vertical axis.
  function hbar(id, points, unit, money) {
    if (!points) {
      return;
    }
    var rows = points.slice().reverse();
    mount(id, points, {
      grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'item',
        formatter: function (p) {
          var pt = rows[p.dataIndex];
          return esc(pt.name) + '<br>' + esc(money ? wan(pt.value) + ' ' + unit + ' · ' + pt.count + ' ' + (L['件数'] || '') : pt.count + ' ' + unit);
        }
      },
      xAxis: { type: 'value', axisLabel: { color: muted }, splitLine: { lineStyle: { color: line } } },
      yAxis: {
        type: 'category', data: rows.map(function (p) { return p.name; }),
        axisLabel: { color: ink, width: 160, overflow: 'truncate' }, axisTick: { show: false }, axisLine: { lineStyle: { color: line } }
      },
      series: [{
        type: 'bar', barMaxWidth: 22, itemStyle: { color: palette[0], borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: 'right', color: muted, formatter: function (p) { return money ? wan(p.value) : p.value; } },
        data: rows.map(function (p) { return p.value; })
      }]
    });
  }

  var unitWan = data.lang === 'en' ? '×10k yuan' : '万元';

  hbar('chart-documents', data.documents, unitWan, true);
  hbar('chart-departments', data.departments, unitWan, true);

  if (data.months) {
    mount('chart-months', data.months, {
      // containLabel leaves the axis' name out: the top leaves room for
      // 万元 above the axis, which a top of 24 cut in half.
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'axis',
        formatter: function (ps) {
          var pt = data.months[ps[0].dataIndex];
          return esc(pt.name) + '<br>' + esc(wan(pt.value) + ' ' + unitWan + ' · ' + pt.count + ' ' + (L['件数'] || ''));
        }
      },
      xAxis: { type: 'category', data: data.months.map(function (p) { return p.name; }), axisLabel: { color: muted }, axisLine: { lineStyle: { color: line } } },
      yAxis: { type: 'value', name: unitWan, nameGap: 14, nameTextStyle: { color: muted, align: 'left' }, axisLabel: { color: muted }, splitLine: { lineStyle: { color: line } } },
      series: [{
        type: 'bar', barMaxWidth: 36, itemStyle: { color: palette[0], borderRadius: [3, 3, 0, 0] },
        label: { show: true, position: 'top', color: muted, formatter: function (p) { return wan(p.value); } },
        data: data.months.map(function (p) { return p.value; })
      }]
    });
  }

  // The stages in the colours of their badges on the pages.
  var stageColor = {
    submitted: '#1d4f91', returned: '#c58b00', reviewed: '#4a72b0', assessed: '#0f7c90', proposed: '#e0a800',
    publicity: '#6b4fa1', approved: '#2e9d6a', paying: '#1f8a99', paid: '#1e6b47', rejected: '#b3261e',
    withdrawn: '#9aa4b1', revoked: '#7d1a14'
  };

  if (data.stages) {
    mount('chart-stages', data.stages, {
      tooltip: { trigger: 'item', formatter: function (p) { return esc(p.name) + '<br>' + p.value + ' (' + p.percent + '%)'; } },
      legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle', textStyle: { color: ink } },
      series: [{
        type: 'pie', radius: ['42%', '70%'], center: ['36%', '50%'], avoidLabelOverlap: true,
        itemStyle: { borderColor: '#fff', borderWidth: 2 },
        label: { show: false },
        data: data.stages.map(function (p) {
          return { name: p.name, value: p.value, itemStyle: stageColor[p.key] ? { color: stageColor[p.key] } : undefined };
        })
      }]
    });
  }

  var anyUnclaimed = (data.unclaimed || []).some(function (p) { return p.value > 0; });
  if (anyUnclaimed) {
    hbar('chart-unclaimed', data.unclaimed, L['应享未享条款数'] || '', false);
  }

  // The law in force beside a reform (/simulate): two bars a row.
  function compare(c) {
    var rows = (c.points || []).slice().reverse();
    var unit = c.money ? (L['万元'] || '') : (L['项'] || '');
    mount(c.id, c.points, {
      grid: { left: 8, right: 56, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: ink } },
      tooltip: {
        trigger: 'axis', axisPointer: { type: 'shadow' },
        formatter: function (ps) {
          var pt = rows[ps[0].dataIndex];
          return esc(pt.name) + '<br>' + esc((L['现行'] || '') + ' ' + pt.baseline + ' ' + unit) + '<br>' + esc((L['改革'] || '') + ' ' + pt.reform + ' ' + unit);
        }
      },
      xAxis: { type: 'value', axisLabel: { color: muted }, splitLine: { lineStyle: { color: line } } },
      yAxis: {
        type: 'category', data: rows.map(function (p) { return p.name; }),
        axisLabel: { color: ink, width: 160, overflow: 'truncate' }, axisTick: { show: false }, axisLine: { lineStyle: { color: line } }
      },
      series: [
        { name: L['现行'], type: 'bar', barMaxWidth: 16, itemStyle: { color: muted }, data: rows.map(function (p) { return p.baseline; }) },
        { name: L['改革'], type: 'bar', barMaxWidth: 16, itemStyle: { color: palette[0] }, data: rows.map(function (p) { return p.reform; }) }
      ]
    });
  }

  (data.compare || []).forEach(compare);

  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      charts.forEach(function (c) { c.resize(); });
    }, 120);
  });
})();
