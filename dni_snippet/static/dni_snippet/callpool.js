/* callpool DNI snippet. Plain JS, no dependencies. The server inlines C = {o: [[cc, national, current?]...], a: assign path}. */
(function (w, d) {
  'use strict';
  var C = __CALLPOOL_CONFIG__;
  if (w.callpool || !w.fetch || !C.o.length) return;
  var me = d.currentScript;
  var url = new URL(C.a, (me && me.src) || location.href).href;
  var leave = url.replace(/assign$/, 'leave');
  var SKIP = 'script,style,textarea,input,select,option,noscript,template,[data-dni-noswap]';
  var IDLE = 18e5;
  var shown = {};
  var rules = [];
  var mo, timer, pending, beatMs = 3e5, lastBeat = 0, gtagIds = [], exp, dom, veil;
  // Consent: `no` = analytics storage denied, so the session lives in sessionStorage only and no GA ids are sent.
  var no = false, forced, CK = '_callpool';

  function digits(s) { return String(s).replace(/\D/g, ''); }
  function store() { return no ? w.sessionStorage : w.localStorage; }
  function save(k, v) { try { store().setItem(k, v); } catch (e) { /* storage off: nothing kept */ } }
  function load(k) { try { return store().getItem(k); } catch (e) { return null; } }
  function del(k) { try { store().removeItem(k); } catch (e) { /* nothing stored there */ } }
  // The session {v: visitor id, s: session id, t: last answer, e: expiry of n, n: {original: tracking}} lives in
  // the `_callpool` cookie on the registrable domain the answer names (one session across a site's subdomains),
  // expiring with the session; under denied consent in sessionStorage only. The visitor id stays in localStorage.
  function get() {
    var c = d.cookie.match('(?:^|; )' + CK + '=([^;]*)'), r;
    try { r = JSON.parse(no ? load(CK) : decodeURIComponent(c[1])); } catch (e) { /* none yet */ }
    return r || { v: load('cp_v'), s: load('cp_s'), t: +load('cp_t') }; // cp_s, cp_t: an older script's session
  }
  function put(r) {
    if (no) return save(CK, JSON.stringify(r));
    drop();
    d.cookie = CK + '=' + encodeURIComponent(JSON.stringify(r)) + ';path=/;max-age=' + IDLE / 1e3 +
      (dom ? ';domain=' + dom : '') + ';SameSite=Lax' + (location.protocol === 'https:' ? ';Secure' : '');
    save('cp_v', r.v);
  }
  // The cookie off the host and every parent domain it may have been set on (a host-only one came first).
  function drop() {
    var p = location.hostname.split('.'), x = CK + '=;path=/;max-age=0';
    d.cookie = x;
    while (p.length) { d.cookie = x + ';domain=' + p.join('.'); p.shift(); }
  }
  // Denied: explicit callpool.consent(), else the last Consent Mode command in dataLayer, else data-consent.
  function denied() {
    if (forced != null) return forced;
    var r = !!me && me.getAttribute('data-consent') === 'denied', l = w.dataLayer || [], a;
    for (var i = 0; i < l.length; i++) {
      a = l[i];
      if (a && a[0] === 'consent' && a[2] && a[2].analytics_storage) r = a[2].analytics_storage !== 'granted';
    }
    return r;
  }
  // Moves the session to the store the consent state allows and wipes it (and the other ids) from the other one.
  function consent(v) {
    if (v === no) return;
    var r = get();
    if (!no) drop();
    ['cp_v', 'cp_s', 'cp_t', 'cp_g', 'cp_l', CK].forEach(del);
    no = v;
    if (r.s) put(r);
  }
  // Anti-flicker for a first page view: the elements of `data-hide` stay hidden until the swap, at most
  // `data-hide-timeout` ms.
  function hide() {
    var q = me && me.getAttribute('data-hide');
    if (!q) return;
    veil = d.createElement('style');
    veil.textContent = q + '{visibility:hidden!important}';
    (d.head || d.documentElement).appendChild(veil);
    setTimeout(unhide, +me.getAttribute('data-hide-timeout') || 500);
  }
  function unhide() { if (veil) { veil.remove(); veil = null; } }

  // A number's every displayed form: optional +cc / cc / trunk 0, optional parentheses, any of " .-()" between digits.
  function rule(cc, from, to) {
    var nat = from.slice(cc.length);
    // (^|\D) instead of a lookbehind: older Safari has none.
    var src = '(^|\\D)((?:\\+?' + cc + '[\\s.-]?' + (cc === '1' ? '' : '|0') + ')?\\(?' +
      nat.split('').join('[\\s.()-]{0,2}') + ')(?!\\d)';
    return {
      k: nat.slice(-4),
      re: new RegExp(src, 'g'),
      f: function (all, pre, m) {
        var n = digits(m), t = to.slice(cc.length), i = 0;
        var rep = n.length > nat.length && n.charAt(0) === '0' && cc !== '0' ? '0' + t : to.slice(-n.length);
        return pre + m.replace(/\d/g, function () { return rep.charAt(i++); });
      }
    };
  }

  function swapText(s) {
    for (var i = 0; i < rules.length; i++) {
      if (s.indexOf(rules[i].k) > -1) s = s.replace(rules[i].re, rules[i].f);
    }
    return s;
  }
  function allowed(el) { return el && !(el.closest && el.closest(SKIP)); }
  function text(n) {
    var v = n.nodeValue, s = swapText(v);
    if (s !== v && allowed(n.parentNode)) n.nodeValue = s;
  }
  function attr(el, name) {
    var v = el.getAttribute(name);
    if (!v || (name === 'href' && v.slice(0, 4).toLowerCase() !== 'tel:')) return;
    var s = swapText(v);
    if (s !== v && allowed(el)) el.setAttribute(name, s);
  }
  function element(el) { attr(el, 'title'); if (el.tagName === 'A') attr(el, 'href'); }
  function scan(root) {
    if (!rules.length || !root) return;
    if (root.nodeType === 3) { text(root); return; }
    if (root.nodeType !== 1 && root.nodeType !== 9) return;
    var tw = d.createTreeWalker(root, 4), n;
    while ((n = tw.nextNode())) text(n);
    if (root.nodeType === 1) element(root);
    var els = root.querySelectorAll('a[href^="tel:"],a[href^="TEL:"],[title]');
    for (var i = 0; i < els.length; i++) element(els[i]);
  }
  function observe() {
    if (mo || !w.MutationObserver) return;
    mo = new MutationObserver(function (list) {
      for (var i = 0; i < list.length; i++) {
        var r = list[i];
        if (r.type === 'childList') for (var j = 0; j < r.addedNodes.length; j++) scan(r.addedNodes[j]);
        else if (r.type === 'characterData') text(r.target);
        else element(r.target);
      }
    });
    mo.observe(d.documentElement, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['title', 'href'] });
  }

  function ga() {
    var c = d.cookie;
    var m = c.match(/(?:^|; )_ga=GA\d\.\d\.(\d+\.\d+)/);
    var s = c.match(/(?:^|; )_ga_\w+=GS\d\.\d\.s?(\d+)/);
    return [gtagIds[0] || (m && m[1]), gtagIds[1] || (s && s[1])];
  }
  function tagId() {
    var m = d.cookie.match(/(?:^|; )_ga_(\w+)=/), l = w.dataLayer || [];
    if (m) return 'G-' + m[1];
    for (var i = 0; i < l.length; i++) if (l[i] && l[i][0] === 'config' && /^G-/.test(l[i][1])) return l[i][1];
  }
  function askGtag() {
    var id = tagId();
    if (typeof w.gtag !== 'function' || !id) return;
    ['client_id', 'session_id'].forEach(function (field, i) {
      w.gtag('get', id, field, function (v) {
        if (v && String(v) !== String(gtagIds[i])) { gtagIds[i] = String(v); if (i && pending) pending.then(beat); }
      });
    });
  }

  function apply(j) {
    var got = {};
    (j.numbers || []).forEach(function (n) { got[digits(n.original)] = digits(n.tracking); });
    dom = j.cookie_domain;
    exp = j.expires_at;
    put({ v: j.visitor_id, s: j.session_id, t: Date.now(), e: Date.parse(exp), n: got });
    show(got);
    beatMs = Math.max(15, j.heartbeat_seconds || 300) * 1e3;
    if (!timer) timer = setInterval(function () { if (d.visibilityState !== 'hidden') beat(); }, beatMs);
  }
  // Swaps to `got` (original digits → tracking digits); what an earlier show() put up is corrected.
  function show(got) {
    rules = [];
    C.o.forEach(function (o) {
      // o[2]: an older original of a pool, swapped for the tracking number of the pool's current one.
      var full = o[0] + o[1], want = got[o[2] || full] || full, cur = shown[full] || full;
      if (want !== full) rules.push(rule(o[0], full, want));
      if (cur !== want && cur !== full) rules.push(rule(o[0], cur, want));
      shown[full] = want;
    });
    scan(d.documentElement);
    observe();
    unhide();
  }

  function beat(pl) {
    consent(denied());
    var now = Date.now(), r = get(), sid = r.s, g = no ? [] : ga();
    lastBeat = now;
    if (sid && now - (r.t || 0) > IDLE) sid = null;
    var body = { page_url: location.href, referrer: d.referrer };
    if (pl === true) body.page_load = true; // a page view; heartbeats are not
    if (r.v) body.visitor_id = r.v;
    if (sid) body.session_id = sid;
    var gk = sid + '|' + g[0] + '|' + g[1];
    // GA ids are sent until the server has them for this session, so heartbeats stay one statement.
    if (gk !== load('cp_g')) {
      if (g[0]) body.ga_client_id = g[0];
      if (g[1]) body.ga_session_id = g[1];
    }
    return (pending = fetch(url, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      credentials: 'omit', cache: 'no-store'
    }).then(function (r) {
      if (!r.ok) throw r.status;
      return r.json();
    }).then(function (j) {
      if (j.session_id === sid) save('cp_g', gk);
      apply(j);
    }).catch(unhide)); // any failure: the numbers shown stay (the originals, or those the session holds)
  }

  d.addEventListener('visibilitychange', function () {
    if (d.visibilityState === 'visible' && lastBeat && Date.now() - lastBeat > beatMs) beat();
  });
  // Leaving: the numbers come back after a grace period unless the next page renews them. `expires_at` is the
  // lease this page last saw, so a beacon that arrives after the next page's renewal changes nothing.
  // The numbers held are then good for the next page only for a while, well within the server's grace period.
  w.addEventListener('pagehide', function () {
    var r = get();
    if (r.s && exp && navigator.sendBeacon) {
      navigator.sendBeacon(leave, JSON.stringify({ session_id: r.s, expires_at: exp }));
      save('cp_l', String(Date.now()));
      r.e = Math.min(r.e, Date.now() + 6e4);
      put(r);
    }
  });
  // Back from the back/forward cache, or another tab of this session left: take the numbers back.
  w.addEventListener('pageshow', function (e) { if (e.persisted) beat(); });
  w.addEventListener('storage', function (e) { if (e.key === 'cp_l') beat(); });
  w.callpool = {
    swap: function () { scan(d.documentElement); }, refresh: beat,
    consent: function (g) { forced = !g; return beat(); }
  };
  // A running session's page: its numbers at once, before the answer (which corrects them if they changed).
  consent(denied());
  var r = get();
  if (r.n && r.e > Date.now() && Date.now() - r.t < IDLE) show(r.n); else hide();
  askGtag();
  beat(true);
})(window, document);
