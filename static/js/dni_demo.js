// The demo page's SPA-style late content: an original number inserted after the snippet ran.
setTimeout(function () {
  var late = document.getElementById('late');
  var pool = document.querySelector('.pool');
  if (late && pool) late.innerHTML = '<p class="late">Late content: call <b>' + pool.dataset.display + '</b></p>';
}, 1500);
