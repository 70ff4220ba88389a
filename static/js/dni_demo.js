// The demo page's SPA-style late content: a number inserted after the snippet ran.
setTimeout(function () {
  var late = document.getElementById('late');
  var first = document.querySelector('.pool .num');
  if (late && first) late.innerHTML = '<p class="late">Late content: call <b>' + first.textContent + '</b></p>';
}, 1500);
