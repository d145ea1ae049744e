/* Lantern embed: the nearest meetings starting soon, on any page.
 *
 *   <div data-lantern data-mode="nearby" data-lat="40.75" data-lon="-73.99" data-lang="es"></div>
 *   <script src="https://HOST/embed.js" async></script>
 *
 * Every [data-lantern] element becomes an independent finder in an open shadow root. It talks to
 * its Lantern only (the host of this script, or data-api): no other host, not even the page's.
 * Attributes: data-mode (nearby | upcoming | list), data-lat, data-lon, data-geolocate,
 * data-service-body, data-fellowship, data-types, data-attendance, data-radius-km (25),
 * data-starting-within (minutes, 180), data-limit (10), data-lang, data-api. See the README.
 * Plain JavaScript, no build step, no dependencies. */
(function () {
  'use strict';
  if (window.LanternEmbed) { window.LanternEmbed.scan(); return; }

  var script = document.currentScript;
  var HOME = new URL(script && script.src ? script.src : location.href, location.href).origin;
  var STYLESHEET = new URL('__LANTERN_STYLESHEET__', HOME).href;
  var DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  var MODES = ['nearby', 'upcoming', 'list'];
  var REFRESH_MS = 60000;

  /* The embed's own words. Languages without an entry use English for these; dates, times,
   * distances and relative times come from the browser's Intl in the chosen language, and type
   * names from GET /v1/types. */
  var STRINGS = {
    en: {
      nearby: 'Meetings starting soon nearby', upcoming: 'Online meetings starting soon', list: 'Meetings each week',
      day: 'Day', anyDay: 'Any day', type: 'Type', anyType: 'Any type', attendance: 'Attendance', anyAttendance: 'Any',
      in_person: 'In person', hybrid: 'Hybrid', online: 'Online',
      place: 'Find meetings near a town or city', placeNone: 'No place found.', near: 'Near {place}', change: 'Change place',
      credit: 'Place names from GeoNames (CC BY 4.0)', locating: 'Finding your position…', choose: 'Choose a place to see meetings near it.',
      loading: 'Loading meetings…', none: 'No meetings found.', count: '{n} meetings', updated: 'Updated {time}',
      now: 'starting now', started: 'started {rel}', join: 'Join online', call: 'Call {phone}', map: 'Map: {address}',
      error: 'Meetings could not be loaded: {detail}', needBody: 'This list needs data-service-body.', weeks: 'weeks {weeks} of the month', last: 'last'
    },
    es: {
      nearby: 'Reuniones cercanas que empiezan pronto', upcoming: 'Reuniones en línea que empiezan pronto', list: 'Reuniones de cada semana',
      day: 'Día', anyDay: 'Cualquier día', type: 'Tipo', anyType: 'Cualquier tipo', attendance: 'Asistencia', anyAttendance: 'Cualquiera',
      in_person: 'Presencial', hybrid: 'Híbrida', online: 'En línea',
      place: 'Buscar reuniones cerca de una ciudad', placeNone: 'No se encontró ningún lugar.', near: 'Cerca de {place}', change: 'Cambiar lugar',
      credit: 'Nombres de lugares de GeoNames (CC BY 4.0)', locating: 'Buscando su ubicación…', choose: 'Elija un lugar para ver las reuniones cercanas.',
      loading: 'Cargando reuniones…', none: 'No se encontraron reuniones.', count: '{n} reuniones', updated: 'Actualizado: {time}',
      now: 'empieza ahora', started: 'empezó {rel}', join: 'Unirse en línea', call: 'Llamar al {phone}', map: 'Mapa: {address}',
      error: 'No se pudieron cargar las reuniones: {detail}', needBody: 'Esta lista necesita data-service-body.', weeks: 'semanas {weeks} del mes', last: 'última'
    },
    fr: {
      nearby: 'Réunions proches qui commencent bientôt', upcoming: 'Réunions en ligne qui commencent bientôt', list: 'Réunions de la semaine',
      day: 'Jour', anyDay: 'Tous les jours', type: 'Type', anyType: 'Tous les types', attendance: 'Participation', anyAttendance: 'Toutes',
      in_person: 'En présentiel', hybrid: 'Hybride', online: 'En ligne',
      place: 'Chercher des réunions près d’une ville', placeNone: 'Aucun lieu trouvé.', near: 'Près de {place}', change: 'Changer de lieu',
      credit: 'Noms de lieux : GeoNames (CC BY 4.0)', locating: 'Recherche de votre position…', choose: 'Choisissez un lieu pour voir les réunions proches.',
      loading: 'Chargement des réunions…', none: 'Aucune réunion trouvée.', count: '{n} réunions', updated: 'Mis à jour à {time}',
      now: 'commence maintenant', started: 'commencée {rel}', join: 'Rejoindre en ligne', call: 'Appeler le {phone}', map: 'Carte : {address}',
      error: 'Impossible de charger les réunions : {detail}', needBody: 'Cette liste a besoin de data-service-body.', weeks: 'semaines {weeks} du mois', last: 'dernière'
    },
    pt: {
      nearby: 'Reuniões próximas que começam em breve', upcoming: 'Reuniões on-line que começam em breve', list: 'Reuniões de cada semana',
      day: 'Dia', anyDay: 'Qualquer dia', type: 'Tipo', anyType: 'Qualquer tipo', attendance: 'Participação', anyAttendance: 'Qualquer',
      in_person: 'Presencial', hybrid: 'Híbrida', online: 'On-line',
      place: 'Procurar reuniões perto de uma cidade', placeNone: 'Nenhum lugar encontrado.', near: 'Perto de {place}', change: 'Mudar de lugar',
      credit: 'Nomes de lugares do GeoNames (CC BY 4.0)', locating: 'Procurando sua posição…', choose: 'Escolha um lugar para ver as reuniões próximas.',
      loading: 'Carregando reuniões…', none: 'Nenhuma reunião encontrada.', count: '{n} reuniões', updated: 'Atualizado às {time}',
      now: 'começa agora', started: 'começou {rel}', join: 'Entrar on-line', call: 'Ligar para {phone}', map: 'Mapa: {address}',
      error: 'Não foi possível carregar as reuniões: {detail}', needBody: 'Esta lista precisa de data-service-body.', weeks: 'semanas {weeks} do mês', last: 'última'
    }
  };

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined ? '' : String(values[k]); });
  }

  /* A DOM node: h('a', {href: u, class: 'x'}, ['text', node]). Text is always text, never HTML. */
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    });
    (children || []).forEach(function (c) {
      if (c !== undefined && c !== null && c !== false) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function isoSeconds(date) { return date.toISOString().replace(/\.\d{3}Z$/, 'Z'); }

  function getJSON(api, path, params) {
    var url = new URL(path, api);
    Object.keys(params || {}).forEach(function (k) {
      if (params[k] !== undefined && params[k] !== null && params[k] !== '') url.searchParams.set(k, params[k]);
    });
    return fetch(url.href, { credentials: 'omit', referrerPolicy: 'no-referrer' }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) {
          var named = body.errors ? Object.keys(body.errors).map(function (k) { return k + ': ' + body.errors[k].join('; '); }) : [];
          throw new Error(named.length ? named.join(', ') : (body.detail || body.title || ('HTTP ' + res.status)));
        }
        return body;
      });
    });
  }

  /* GET /v1/types once per Lantern: code -> {names, name}. */
  var typeCache = {};
  function types(api) {
    if (!typeCache[api]) {
      typeCache[api] = getJSON(api, '/v1/types').then(function (body) {
        var map = {};
        (body.results || []).forEach(function (t) { map[t.code] = t; });
        return map;
      }).catch(function () { delete typeCache[api]; return {}; });
    }
    return typeCache[api];
  }

  /* The chosen language: data-lang, else the page's lang, else the browser's; its primary subtag
   * (es-MX -> es); English when /v1/types has no names in it. */
  function language(el, typeMap) {
    var tag = el.getAttribute('data-lang') || document.documentElement.getAttribute('lang') || navigator.language || 'en';
    var primary = tag.toLowerCase().split(/[-_]/)[0];
    var own = function (o, k) { return !!o && Object.prototype.hasOwnProperty.call(o, k); };
    var known = Object.keys(typeMap).some(function (c) { return own(typeMap[c].names, primary); });
    return known ? primary : 'en';
  }

  /* Minutes east of UTC that `zone` is at instant `t` (ms). */
  function zoneOffset(t, zone) {
    var parts = {};
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric'
    }).formatToParts(new Date(t)).forEach(function (p) { parts[p.type] = +p.value; });
    var local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
    return Math.round((local - Math.floor(t / 60000) * 60000) / 60000);
  }

  /* The local calendar date and weekday (0 = Monday) in `zone` at instant `t`. */
  function localDate(t, zone) {
    var offset = zoneOffset(t, zone);
    var d = new Date(t + offset * 60000);
    return { y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate(), weekday: (d.getUTCDay() + 6) % 7, minutes: d.getUTCHours() * 60 + d.getUTCMinutes() };
  }

  /* The instant local time `hh:mm` on date y-m-d is in `zone`, converted as Lantern converts it
   * (RFC 5545): in a fold the earlier instant, in a gap the offset in force before the gap. The
   * offsets 40 hours either side of the wall-clock value are the only ones it can have (changes are
   * far more than 80 hours apart); each candidate is kept when the zone really has that offset then. */
  function zonedInstant(y, m, d, hh, mm, zone) {
    var wall = Date.UTC(y, m, d, hh, mm);
    var before = zoneOffset(wall - 40 * 3600000, zone);
    var after = zoneOffset(wall + 40 * 3600000, zone);
    var found = [before, after].map(function (o) { return wall - o * 60000; })
      .filter(function (t, i) { return zoneOffset(t, zone) === [before, after][i]; });
    return found.length ? Math.min.apply(null, found) : wall - before * 60000;
  }

  function Embed(el) {
    this.el = el;
    this.root = el.shadowRoot || el.attachShadow({ mode: 'open' });
    this.point = null;
    this.placeName = null;
    this.seenTypes = {};
    this.timer = null;
    this.generation = 0;
    var self = this;
    new MutationObserver(function () { self.start(); }).observe(el, { attributes: true, attributeFilter: [
      'data-mode', 'data-lat', 'data-lon', 'data-geolocate', 'data-service-body', 'data-fellowship', 'data-types',
      'data-attendance', 'data-radius-km', 'data-starting-within', 'data-limit', 'data-lang', 'data-api'] });
    this.start();
  }

  Embed.prototype.start = function () {
    var self = this, el = this.el;
    var generation = ++this.generation;
    this.api = HOME;
    try { if (el.getAttribute('data-api')) this.api = new URL(el.getAttribute('data-api'), location.href).origin; } catch (e) { /* keep HOME */ }
    this.mode = MODES.indexOf(el.getAttribute('data-mode')) >= 0 ? el.getAttribute('data-mode') : 'nearby';
    var lat = el.getAttribute('data-lat'), lon = el.getAttribute('data-lon');
    if (lat !== null && lon !== null) { this.point = { lat: lat, lon: lon }; this.placeName = null; }
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(function () { self.tick(); }, REFRESH_MS);
    types(this.api).then(function (typeMap) {
      if (generation !== self.generation) return;
      self.typeMap = typeMap;
      self.lang = language(el, typeMap);
      self.t = Object.prototype.hasOwnProperty.call(STRINGS, self.lang) ? STRINGS[self.lang] : STRINGS.en;
      self.build();
      if (self.mode === 'nearby' && !self.point) {
        if (el.hasAttribute('data-geolocate') && navigator.geolocation) self.locate();
        else self.askPlace();
      } else {
        self.load();
      }
    });
  };

  Embed.prototype.build = function () {
    var t = this.t, self = this, lang = this.lang;
    var dayNames = DAYS.map(function (_, i) {
      return new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + i)));
    });
    this.dayNames = dayNames;
    var id = 'lantern-' + Math.random().toString(36).slice(2, 8);
    var section = h('section', { class: 'lantern', part: 'root', lang: lang, 'aria-labelledby': id + '-title', hidden: true });
    var link = h('link', { rel: 'stylesheet', href: STYLESHEET });
    var reveal = function () { section.hidden = false; };
    link.addEventListener('load', reveal);
    link.addEventListener('error', reveal);
    this.daySelect = h('select', { name: 'day', onchange: function () { self.render(); } },
      [h('option', { value: '' }, [t.anyDay])].concat(DAYS.map(function (d, i) { return h('option', { value: d }, [dayNames[i]]); })));
    this.typeSelect = h('select', { name: 'type', onchange: function () { self.load(); } }, [h('option', { value: '' }, [t.anyType])]);
    this.attendanceSelect = h('select', { name: 'attendance', onchange: function () { self.load(); } },
      [h('option', { value: '' }, [t.anyAttendance])].concat((this.mode === 'upcoming' ? ['hybrid', 'online'] : ['in_person', 'hybrid', 'online']).map(function (a) { return h('option', { value: a }, [t[a]]); })));
    this.placeInput = h('input', { type: 'search', name: 'place', autocomplete: 'off', 'aria-describedby': id + '-credit',
      oninput: function () { self.searchPlaces(); } });
    this.placeResults = h('ul', { class: 'lantern-place-results' });
    this.placeBox = h('div', { class: 'lantern-place', hidden: true }, [
      h('label', {}, [t.place, this.placeInput]),
      this.placeResults,
      h('p', { class: 'lantern-credit', id: id + '-credit' }, [h('a', { href: 'https://www.geonames.org/', rel: 'noopener', target: '_blank' }, [t.credit])])
    ]);
    this.whereText = h('span');
    this.where = h('p', { class: 'lantern-where', hidden: true }, [this.whereText, ' ',
      h('button', { type: 'button', onclick: function () { self.askPlace(true); } }, [t.change])]);
    this.status = h('p', { class: 'lantern-status', role: 'status', 'aria-live': 'polite' });
    this.updated = h('p', { class: 'lantern-status lantern-updated' });
    this.list = h('ol', { class: 'lantern-list', part: 'list' });
    section.appendChild(h('h2', { class: 'lantern-title', id: id + '-title' }, [t[this.mode]]));
    section.appendChild(this.placeBox);
    section.appendChild(this.where);
    section.appendChild(h('form', { class: 'lantern-filters', onsubmit: function (e) { e.preventDefault(); } }, [
      h('label', {}, [t.day, this.daySelect]), h('label', {}, [t.type, this.typeSelect]), h('label', {}, [t.attendance, this.attendanceSelect])]));
    section.appendChild(this.status);
    section.appendChild(this.list);
    section.appendChild(this.updated);
    while (this.root.firstChild) this.root.removeChild(this.root.firstChild);
    this.root.appendChild(link);
    this.root.appendChild(section);
    this.results = [];
  };

  Embed.prototype.say = function (text, isError) {
    this.status.textContent = text;
    this.status.classList.toggle('lantern-error', !!isError);
  };

  Embed.prototype.locate = function () {
    var self = this, generation = this.generation;
    this.say(this.t.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      if (generation !== self.generation) return;
      // Four decimals (about 11 m) are enough to find meetings and say less about the visitor.
      self.point = { lat: pos.coords.latitude.toFixed(4), lon: pos.coords.longitude.toFixed(4) };
      self.load();
    }, function () {
      if (generation === self.generation) self.askPlace();
    }, { timeout: 15000, maximumAge: 600000 });
  };

  /* The place search; it takes focus only when the visitor asked for it (Change place). */
  Embed.prototype.askPlace = function (focus) {
    this.placeBox.hidden = false;
    this.where.hidden = true;
    this.list.textContent = '';
    this.results = [];
    this.say(this.t.choose);
    if (focus) this.placeInput.focus();
  };

  Embed.prototype.searchPlaces = function () {
    var self = this, q = this.placeInput.value.trim();
    clearTimeout(this.placeTimer);
    if (!q) { this.placeResults.textContent = ''; return; }
    this.placeTimer = setTimeout(function () {
      getJSON(self.api, '/v1/places', { q: q.slice(0, 100), limit: 8 }).then(function (body) {
        if (self.placeInput.value.trim() !== q) return;
        self.placeResults.textContent = '';
        if (!body.results.length) self.placeResults.appendChild(h('li', {}, [self.t.placeNone]));
        body.results.forEach(function (p) {
          var label = p.name + ', ' + (p.admin1_code && !/^\d+$/.test(p.admin1_code) ? p.admin1_code + ', ' : '') + p.country;
          self.placeResults.appendChild(h('li', {}, [h('button', { type: 'button', 'data-geonameid': p.geonameid, onclick: function () {
            self.point = { lat: String(p.latitude), lon: String(p.longitude) };
            self.placeName = label;
            self.placeBox.hidden = true;
            self.results = [];
            self.load();
            self.list.setAttribute('tabindex', '-1');
            self.list.focus();
          } }, [label])]));
        });
      }).catch(function (err) { self.say(fill(self.t.error, { detail: err.message }), true); });
    }, 250);
  };

  /* The query for this mode, with the filters chosen in the embed. */
  Embed.prototype.query = function (now) {
    var el = this.el, get = function (name) { return el.getAttribute('data-' + name) || undefined; };
    var types = [get('types'), this.typeSelect.value].filter(Boolean).join(',');
    var q = {
      fellowship: get('fellowship'), service_body: get('service-body'), types: types,
      attendance: this.attendanceSelect.value || get('attendance')
    };
    if (this.mode === 'list') {
      // A week shows the meetings that meet: inactive ones are listed by Lantern but never start.
      q.attendance = q.attendance || 'in_person,hybrid,online';
      q.limit = 500;
      return q;
    }
    q.at = isoSeconds(now);
    q.include_in_progress = 'true';
    q.starting_within = get('starting-within') || 180;
    q.limit = get('limit') || 10;
    if (this.mode === 'upcoming') {
      q.attendance = q.attendance || 'online,hybrid';
    } else {
      q.lat = this.point.lat;
      q.lon = this.point.lon;
      q.radius_km = get('radius-km') || 25;
    }
    return q;
  };

  Embed.prototype.load = function () {
    var self = this, generation = this.generation, seq = (this.loadSeq = (this.loadSeq || 0) + 1);
    if (!this.el.isConnected) { clearInterval(this.timer); return; }
    if (!this.t || (this.mode === 'nearby' && !this.point)) return;
    if (this.mode === 'list' && !this.el.getAttribute('data-service-body')) { this.say(this.t.needBody, true); return; }
    var now = new Date();
    var query = this.query(now);
    if (!this.results.length) this.say(this.t.loading);
    var request = this.mode === 'list' ? this.week(query)
      : getJSON(this.api, '/v1/meetings/' + this.mode, query).then(function (body) { return body.results; });
    request.then(function (results) {
      if (generation !== self.generation || seq !== self.loadSeq) return; // a newer load is on its way
      self.now = now;
      self.fetchedAt = Date.now();
      self.results = results;
      self.render();
    }).catch(function (err) {
      if (generation === self.generation && seq === self.loadSeq) self.say(fill(self.t.error, { detail: err.message }), true);
    });
  };

  /* Each minute: a new search; a week (list) is read again hourly and re-rendered meanwhile. */
  Embed.prototype.tick = function () {
    if (this.mode === 'list' && this.fetchedAt && Date.now() - this.fetchedAt < 3600000) {
      this.now = new Date();
      this.render();
    } else {
      this.load();
    }
  };

  /* A service body's meetings, every page of them (at most 10 pages of 500). */
  Embed.prototype.week = function (query) {
    var api = this.api, all = [];
    function page(cursor, left) {
      var q = Object.assign({}, query, { cursor: cursor });
      return getJSON(api, '/v1/meetings', q).then(function (body) {
        all = all.concat(body.results);
        return body.next_cursor && left > 1 ? page(body.next_cursor, left - 1) : all;
      });
    }
    return page(undefined, 10).then(function (meetings) {
      var rows = [];
      meetings.forEach(function (m) {
        if (!m.schedule) return; // by appointment: no day to show it on
        (m.schedule.days || []).forEach(function (day) { if (m.schedule.start_time) rows.push({ meeting: m, day: day }); });
      });
      rows.sort(function (a, b) {
        return DAYS.indexOf(a.day) - DAYS.indexOf(b.day) || (a.meeting.schedule.start_time < b.meeting.schedule.start_time ? -1
          : a.meeting.schedule.start_time > b.meeting.schedule.start_time ? 1 : a.meeting.id - b.meeting.id);
      });
      return rows;
    });
  };

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  /* The next start of a row: the row's weekday at the meeting's local time, this week unless it
   * has ended, skipping what the schedule skips (weeks of the month it does not meet, dated
   * closures, a suspension). Lantern's occurrences follow the same rules. */
  function nextOnDay(row, now) {
    var s = row.meeting.schedule, zone = s.time_zone, closures = row.meeting.closures || {};
    var today = localDate(now.getTime(), zone);
    var hm = s.start_time.split(':');
    var ahead = (DAYS.indexOf(row.day) - today.weekday + 7) % 7;
    if (ahead === 0 && today.minutes >= +hm[0] * 60 + +hm[1] + (s.duration_minutes || 60)) ahead = 7;
    var weeks = s.weeks_of_month || [];
    for (var k = 0; k < 60; k += 1, ahead += 7) {
      var date = new Date(Date.UTC(today.y, today.m, today.d + ahead));
      var y = date.getUTCFullYear(), m = date.getUTCMonth(), d = date.getUTCDate();
      var text = y + '-' + pad(m + 1) + '-' + pad(d);
      var last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate() - d < 7;
      if (weeks.length && weeks.indexOf(Math.ceil(d / 7)) < 0 && !(last && weeks.indexOf(-1) >= 0)) continue;
      if ((closures.dates || []).indexOf(text) >= 0 || (closures.suspended_until && text <= closures.suspended_until)) continue;
      return zonedInstant(y, m, d, +hm[0], +hm[1], zone);
    }
    return null;
  }

  Embed.prototype.render = function () {
    var self = this, t = this.t, lang = this.lang, now = this.now || new Date();
    var day = this.daySelect.value;
    var list = this.list;
    list.textContent = '';
    if (this.mode === 'nearby' && this.point) {
      this.where.hidden = !this.placeName;
      this.whereText.textContent = this.placeName ? fill(t.near, { place: this.placeName }) : '';
    }
    var shown = 0;
    var lastDay = null;
    this.results.forEach(function (r) {
      var m = r.meeting;
      (m.types || []).forEach(function (c) { self.seenTypes[c] = true; });
      var start = r.next_start ? Date.parse(r.next_start) : nextOnDay(r, now);
      if (start === null) return;
      var rowDay = r.day || DAYS[localDate(start, m.schedule.time_zone).weekday];
      if (day && rowDay !== day) return;
      list.appendChild(self.item(r, start, rowDay !== lastDay && self.mode === 'list' ? rowDay : null, now));
      lastDay = rowDay;
      shown += 1;
    });
    this.fillTypes();
    var time = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit' }).format(now);
    var summary = shown ? fill(t.count, { n: shown }) : t.none;
    // The live region speaks when what is shown changes, not each minute.
    var ids = Array.prototype.map.call(list.children, function (li) { return li.getAttribute('data-meeting-id'); }).join();
    if (ids !== this.shownIds || this.status.textContent !== summary) this.say(summary);
    this.shownIds = ids;
    this.updated.textContent = fill(t.updated, { time: time });
  };

  Embed.prototype.fillTypes = function () {
    var self = this, select = this.typeSelect, chosen = select.value;
    var codes = Object.keys(this.seenTypes).sort(function (a, b) { return self.typeName(a).localeCompare(self.typeName(b), self.lang); });
    while (select.options.length > 1) select.remove(1);
    codes.forEach(function (c) { select.appendChild(h('option', { value: c }, [self.typeName(c)])); });
    select.value = chosen;
  };

  Embed.prototype.typeName = function (code) {
    if (!Object.prototype.hasOwnProperty.call(this.typeMap, code)) return code;
    var type = this.typeMap[code];
    return (type.names && Object.prototype.hasOwnProperty.call(type.names, this.lang) && type.names[this.lang]) || type.name || code;
  };

  Embed.prototype.relative = function (start, now) {
    var minutes = Math.round((start - now.getTime()) / 60000);
    if (minutes === 0) return this.t.now;
    var rtf = new Intl.RelativeTimeFormat(this.lang, { numeric: 'always', style: 'short' });
    var size = Math.abs(minutes);
    var text = size < 100 ? rtf.format(minutes, 'minute') : rtf.format(Math.round(minutes / 6) / 10, 'hour');
    return minutes < 0 ? fill(this.t.started, { rel: text }) : text;
  };

  Embed.prototype.item = function (r, start, dayHeading, now) {
    var self = this, t = this.t, m = r.meeting, zone = m.schedule.time_zone, lang = this.lang;
    var visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var options = { weekday: 'short', hour: 'numeric', minute: '2-digit', timeZone: zone };
    // The zone is named when the visitor's clock would read differently (not merely another name).
    if (zoneOffset(start, zone) !== zoneOffset(start, visitorZone)) options.timeZoneName = 'short';
    // A start more than six days away (a monthly meeting, a closure) says its date.
    if (start - now.getTime() > 6 * 86400000) { options.month = 'short'; options.day = 'numeric'; }
    var when = h('div', { class: 'lantern-when' }, [
      h('time', { class: 'lantern-start', part: 'start', datetime: isoSeconds(new Date(start)) },
        [new Intl.DateTimeFormat(lang, options).format(new Date(start))]),
      this.mode === 'list' ? null : h('span', { class: 'lantern-relative' }, [this.relative(start, now)])
    ]);
    var weeks = m.schedule.weeks_of_month || [];
    if (weeks.length) {
      when.appendChild(h('span', { class: 'lantern-zone' }, [fill(t.weeks, { weeks: weeks.map(function (w) { return w < 0 ? t.last : w; }).join(', ') })]));
    }
    var meta = [];
    if (typeof r.distance_km === 'number') {
      meta.push(new Intl.NumberFormat(lang, { style: 'unit', unit: 'kilometer', maximumFractionDigits: 1 }).format(r.distance_km));
    }
    var loc = m.location;
    if (loc && typeof loc.latitude === 'number' && typeof loc.longitude === 'number') {
      var address = loc.formatted_address || loc.street_address || loc.name || (loc.latitude + ', ' + loc.longitude);
      var osm = 'https://www.openstreetmap.org/?mlat=' + loc.latitude + '&mlon=' + loc.longitude + '#map=17/' + loc.latitude + '/' + loc.longitude;
      meta.push(h('a', { href: osm, rel: 'noopener', target: '_blank', title: fill(t.map, { address: address }) }, [address]));
    }
    var online = [];
    if (m.online && m.online.conference_url && /^https?:\/\//i.test(m.online.conference_url)) {
      online.push(h('a', { href: m.online.conference_url, rel: 'noopener nofollow', target: '_blank' }, [t.join]));
    }
    if (m.online && m.online.conference_phone) {
      online.push(h('a', { href: 'tel:' + m.online.conference_phone.replace(/[^0-9+,;#*]/g, '') }, [fill(t.call, { phone: m.online.conference_phone })]));
    }
    var metaLine = h('div', { class: 'lantern-meta' });
    meta.concat(online).forEach(function (part, i) {
      if (i) metaLine.appendChild(document.createTextNode(' · '));
      metaLine.appendChild(typeof part === 'string' ? document.createTextNode(part) : part);
    });
    return h('li', { class: 'lantern-item', part: 'item', 'data-meeting-id': m.id, 'data-day': this.mode === 'list' ? r.day : null }, [
      dayHeading ? h('span', { class: 'lantern-day' }, [this.dayNames[DAYS.indexOf(dayHeading)]]) : null,
      when,
      h('span', { class: 'lantern-name', part: 'name' }, [m.name]),
      metaLine.childNodes.length ? metaLine : null,
      h('div', { class: 'lantern-badges' }, (m.types || []).map(function (c) {
        return h('span', { class: 'lantern-badge', part: 'badge', 'data-type': c }, [self.typeName(c)]);
      }))
    ]);
  };

  function scan() {
    document.querySelectorAll('[data-lantern]').forEach(function (el) {
      if (!el.lanternEmbed) el.lanternEmbed = new Embed(el);
    });
  }

  window.LanternEmbed = { scan: scan };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
  else scan();
  // Embeds a page adds later (a single-page site) start too.
  new MutationObserver(function (changes) {
    if (changes.some(function (c) { return c.addedNodes.length; })) scan();
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
