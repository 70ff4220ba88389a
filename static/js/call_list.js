// Calls log: the filters are folded on a phone (the first call shows without a screen of filters first) and open
// on a laptop, where they fit beside the log.
(function () {
  var wide = window.matchMedia("(min-width: 900px)");
  document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
    if (wide.matches) { details.open = true; }
  });
})();
