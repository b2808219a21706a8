/* Draw the report's figures lazily: each one when it comes near the viewport, the rest one by
   one in idle time, so the page opens without waiting for every plot. A figure is a
   <div class="plot" data-figure="ID"> plus <script type="application/json" id="ID"> holding its
   plotly spec; the plotly config is in <script type="application/json" id="plotly-config">.
   `report-rendered` fires on the document (and window.reportRendered is set) when all are drawn;
   a figure that fails is logged with console.error and counts as done. */
(function () {
  var config = JSON.parse(document.getElementById('plotly-config').textContent);
  var pending = Array.prototype.slice.call(document.querySelectorAll('div.plot[data-figure]'));
  var total = pending.length, done = 0;
  function finished() {
    done += 1;
    if (done === total) {
      window.reportRendered = true;
      document.dispatchEvent(new Event('report-rendered'));
    }
  }
  function draw(div) {
    if (div.dataset.drawn) { return; }
    div.dataset.drawn = '1';
    try {
      var spec = JSON.parse(document.getElementById(div.dataset.figure).textContent);
      Plotly.newPlot(div, spec.data, spec.layout, config).then(finished, function (e) {
        console.error('figure ' + div.id + ' failed: ' + e);
        finished();
      });
    } catch (e) {
      console.error('figure ' + div.id + ' failed: ' + e);
      finished();
    }
  }
  var observer = 'IntersectionObserver' in window ? new IntersectionObserver(function (items) {
    items.forEach(function (item) {
      if (item.isIntersecting) { observer.unobserve(item.target); draw(item.target); }
    });
  }, {rootMargin: '400px 0px'}) : null;
  pending.forEach(function (div) { if (observer) { observer.observe(div); } });
  var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 30); };
  function next() {
    var div = pending.shift();
    if (!div) { return; }
    draw(div);
    idle(next);
  }
  window.addEventListener('load', function () { idle(next); });
  if (total === 0) { window.reportRendered = true; }
})();
