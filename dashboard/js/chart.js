import * as echarts from '/dashboard/vendor/echarts.js';
import { t } from './i18n.js';

/** The weekly trend as a line chart (SVG, so it prints sharp and scales with the page). */
export function setupTrendChart(el, weeks) {
  if (!el) return;
  const chart = echarts.init(el, null, { renderer: 'svg' });
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { data: [t('issued'), t('fedBack')], top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 28 },
    xAxis: { type: 'category', data: weeks.map((w) => w.weekStart.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        name: t('issued'),
        type: 'line',
        data: weeks.map((w) => w.issued),
        symbolSize: 6,
        itemStyle: { color: '#b42318' },
      },
      {
        name: t('fedBack'),
        type: 'line',
        data: weeks.map((w) => w.fedBack),
        symbolSize: 6,
        itemStyle: { color: '#1f6f43' },
      },
    ],
  });
  const resize = () => chart.resize();
  window.addEventListener('resize', resize);
  window.addEventListener(
    'hashchange',
    () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    },
    { once: true },
  );
}
