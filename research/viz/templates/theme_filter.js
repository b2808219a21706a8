/* Classification page: click a theme chip in the legend to show only its paragraphs, click it
   again to show all. */
(function () {
  var active = null;
  function apply() {
    document.querySelectorAll('.para').forEach(function (p) {
      var themes = (p.getAttribute('data-themes') || '').split(' ');
      p.style.display = (active === null || themes.indexOf(active) >= 0) ? '' : 'none';
    });
    document.querySelectorAll('.legend .chip').forEach(function (c) {
      var id = c.getAttribute('data-theme');
      c.classList.toggle('off', active !== null && id !== active);
    });
  }
  document.addEventListener('click', function (e) {
    var chip = e.target.closest('.legend .chip');
    if (!chip) return;
    var id = chip.getAttribute('data-theme');
    active = (active === id) ? null : id;
    apply();
  });
})();
