/* Lantern office console: volunteers keep their service bodies' meetings current.
 *
 * Served by Lantern at /console (this file under a content-hashed name). Plain JavaScript, no build
 * step, no dependencies. The API key lives in this tab's sessionStorage only and travels only as
 * `Authorization: Bearer` to this server: never in a URL, a cookie or a log (the page's CSP allows
 * no other host and no form posts).
 *
 * The API is the one source of rules. Inputs take what a volunteer types (times as HH:MM text,
 * numbers as text); the form sends it as typed and shows the server's verdict: a 422's `errors`
 * are keyed by the meeting JSON's dotted paths, and each input is named by the same path, so each
 * message lands beside the input it is about. Nothing here re-implements a rule. */
(function () {
  'use strict';

  var KEY_SLOT = 'lantern.console.key';
  var LANG_SLOT = 'lantern.console.lang';
  var DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  var ATTENDANCE = ['in_person', 'hybrid', 'online', 'inactive'];
  var WEEKS = [1, 2, 3, 4, 5, -1];
  var PAGE_LIMIT = 500;
  var MAX_PAGES = 40;

  /* The console's own words; type names come from GET /v1/types in the chosen language. */
  var STRINGS = {
    en: {
      title: 'Lantern console', signIn: 'Sign in', keyLabel: 'API key', keyHelp: 'Your office’s publisher, observer or admin key. It is kept in this tab only and forgotten when you sign out or close the tab.',
      signOut: 'Sign out', language: 'Language', signedInAs: 'Signed in as {name} (key {id})', role_admin: 'admin: every service body', role_publisher: 'publisher', role_observer: 'observer (read only)',
      of: 'of {body}', expires: 'expires {date}', noExpiry: 'does not expire', badKey: 'This key was not accepted: {detail}',
      expired: 'Your key is no longer accepted. Sign in again.', meetings: 'Meetings', newMeeting: 'New meeting', importFeed: 'Import', sources: 'Followed sources',
      search: 'Search', serviceBody: 'Service body', allBodies: 'All service bodies', day: 'Day', anyDay: 'Any day', attendance: 'Attendance', any: 'Any',
      type: 'Type', anyType: 'Any type', status: 'Status', published: 'Published', draft: 'Draft', drafts: 'Drafts', sort: 'Sort by',
      sort_name: 'Name', sort_time: 'Day and time', sort_updated: 'Last updated', filter: 'Show', loading: 'Loading…', count: '{n} meetings',
      name: 'Name', when: 'When', updated: 'Updated', actions: 'Actions', edit: 'Edit', view: 'View', history: 'History', remove: 'Delete',
      confirmDelete: 'Delete “{name}”? It can be restored from its history.', yesDelete: 'Yes, delete', cancel: 'Cancel', deleted: 'Deleted “{name}”.',
      byAppointment: 'By appointment', showDeleted: 'Show deleted meetings', deletedMeetings: 'Deleted meetings', noneDeleted: 'No deleted meetings.',
      editTitle: 'Edit “{name}”', viewTitle: '“{name}”', newTitle: 'New meeting', save: 'Save', saving: 'Saving…', saved: 'Saved “{name}” (version {version}).',
      created: 'Created “{name}” (meeting {id}).', back: 'Back to the list', readOnly: 'Your key may look but not change.',
      basics: 'Meeting', slug: 'Slug', slugHelp: 'Part of its web address; made from the name when empty.', fellowship: 'Fellowship',
      publishedLabel: 'Published (visible to everyone)', groupName: 'Group', website: 'Website', notes: 'Notes', types: 'Types', languages: 'Languages',
      languagesHelp: 'Two-letter codes separated by commas, such as en, es.',
      schedule: 'Schedule', appointmentLabel: 'By appointment (no regular time)', days: 'Days', startTime: 'Start time', startHelp: '24-hour time as HH:MM, such as 19:30.',
      duration: 'Duration in minutes', timeZone: 'Time zone', timeZoneHelp: 'An IANA zone such as America/New_York; leave empty to take it from the coordinates.',
      weeks: 'Weeks of the month (none: every week)', week_1: '1st', week_2: '2nd', week_3: '3rd', week_4: '4th', week_5: '5th', 'week_-1': 'Last',
      closures: 'Closures', closedDates: 'Closed on', closedHelp: 'Dates as YYYY-MM-DD separated by commas.', suspendedUntil: 'Suspended until', dateHelp: 'A date as YYYY-MM-DD.',
      location: 'Location', placeSearch: 'Find a place', find: 'Find', placeNone: 'No place found.', usePlace: 'Use {place}',
      placeName: 'Venue name', street: 'Street address', formatted: 'Full address', latitude: 'Latitude', longitude: 'Longitude', approximate: 'Approximate (the home area, not an address)',
      locationNotes: 'Directions', zoneAt: 'Time zone at these coordinates: {zone}', zoneNone: 'No time zone is known at these coordinates: the service body’s is used unless you name one.', zoneDerived: 'Time zone derived: {zone}',
      online: 'Online', conferenceUrl: 'Meeting link', conferencePhone: 'Dial-in phone', onlineNotes: 'Joining notes',
      contacts: 'Contacts (private)', contact: 'Contact {n}', email: 'E-mail', phone: 'Phone',
      fixErrors: 'The meeting was not saved. Please correct:', problem: 'Not saved: {detail}',
      conflict: 'Someone else changed this meeting while you were editing it.', conflictHelp: 'These fields differ. Keep their version, or save yours over it.',
      field: 'Field', theirs: 'Their version', yours: 'Your version', loadTheirs: 'Load their version', overwrite: 'Save mine over theirs',
      historyTitle: 'History of “{name}”', change_create: 'created', change_update: 'changed', change_delete: 'deleted', change_restore: 'restored',
      changedFields: 'Changed: {fields}', by: 'by {actor}', restoreThis: 'Restore this version', restoreMeeting: 'Restore the meeting', isDeleted: 'This meeting is deleted.',
      restored: 'Restored “{name}” (version {version}).', noHistory: 'No changes recorded.', details: 'Details',
      importTitle: 'Import a Meeting Guide feed', feedFile: 'Feed file (Meeting Guide JSON)', removeMissing: 'Remove imported meetings the feed no longer lists',
      importZone: 'Time zone for records without one (optional)', importFellowship: 'Fellowship (optional)', bodyDefault: 'The service body’s',
      preview: 'Preview changes', apply: 'Apply these changes', previewTitle: 'Preview: nothing has been written yet', appliedTitle: 'Imported',
      added: 'Added', updatedCount: 'Updated', unchanged: 'Unchanged', removed: 'Removed', rejected: 'Rejected', warnings: 'Warnings', rejections: 'Rejected records',
      record: 'Record', message: 'Message', chooseFile: 'Choose a file first.', importProblem: 'The feed was not accepted: {detail}',
      sourcesTitle: 'Followed sources', url: 'Address', kind: 'Kind', lastStatus: 'Last pull', lastSuccess: 'Last success', nextPull: 'Next pull', lastError: 'Last error', never: 'never', noSources: 'No followed sources.',
      failed: 'Something went wrong: {detail}', externalId: 'Id in the imported feed', stale: 'Someone else changed this meeting meanwhile; here is what it is now.',
      planned: 'Meetings', action_add: 'added', action_update: 'changed', action_remove: 'removed', action: 'Change', fields: 'Fields',
      editNamed: 'Edit “{name}”', viewNamed: 'View “{name}”', historyNamed: 'History of “{name}”', deleteNamed: 'Delete “{name}”',
      f_name: 'name', f_slug: 'slug', f_fellowship: 'fellowship', f_service_body_id: 'service body', f_attendance: 'attendance', f_schedule: 'schedule',
      f_location: 'location', f_online: 'online', f_types: 'types', f_languages: 'languages', f_notes: 'notes', f_group_name: 'group', f_website: 'website',
      f_closures: 'closures', f_contacts: 'contacts', f_published: 'published', f_external_id: 'feed id',
      att_in_person: 'In person', att_hybrid: 'Hybrid', att_online: 'Online', att_inactive: 'Inactive'
    },
    es: {
      title: 'Consola de Lantern', signIn: 'Entrar', keyLabel: 'Clave de API', keyHelp: 'La clave de publicación, observación o administración de su oficina. Se guarda solo en esta pestaña y se olvida al salir o cerrarla.',
      signOut: 'Salir', language: 'Idioma', signedInAs: 'Sesión de {name} (clave {id})', role_admin: 'administración: todos los organismos', role_publisher: 'publicación', role_observer: 'observación (solo lectura)',
      of: 'de {body}', expires: 'caduca el {date}', noExpiry: 'no caduca', badKey: 'Esta clave no fue aceptada: {detail}',
      expired: 'Su clave ya no es aceptada. Entre de nuevo.', meetings: 'Reuniones', newMeeting: 'Nueva reunión', importFeed: 'Importar', sources: 'Fuentes seguidas',
      search: 'Buscar', serviceBody: 'Organismo de servicio', allBodies: 'Todos los organismos', day: 'Día', anyDay: 'Cualquier día', attendance: 'Asistencia', any: 'Cualquiera',
      type: 'Tipo', anyType: 'Cualquier tipo', status: 'Estado', published: 'Publicada', draft: 'Borrador', drafts: 'Borradores', sort: 'Ordenar por',
      sort_name: 'Nombre', sort_time: 'Día y hora', sort_updated: 'Última modificación', filter: 'Mostrar', loading: 'Cargando…', count: '{n} reuniones',
      name: 'Nombre', when: 'Cuándo', updated: 'Modificada', actions: 'Acciones', edit: 'Editar', view: 'Ver', history: 'Historial', remove: 'Eliminar',
      confirmDelete: '¿Eliminar «{name}»? Se puede restaurar desde su historial.', yesDelete: 'Sí, eliminar', cancel: 'Cancelar', deleted: 'Se eliminó «{name}».',
      byAppointment: 'Con cita previa', showDeleted: 'Ver reuniones eliminadas', deletedMeetings: 'Reuniones eliminadas', noneDeleted: 'No hay reuniones eliminadas.',
      editTitle: 'Editar «{name}»', viewTitle: '«{name}»', newTitle: 'Nueva reunión', save: 'Guardar', saving: 'Guardando…', saved: 'Se guardó «{name}» (versión {version}).',
      created: 'Se creó «{name}» (reunión {id}).', back: 'Volver a la lista', readOnly: 'Su clave puede ver pero no modificar.',
      basics: 'Reunión', slug: 'Identificador', slugHelp: 'Parte de su dirección web; se forma con el nombre si se deja vacío.', fellowship: 'Comunidad',
      publishedLabel: 'Publicada (visible para todos)', groupName: 'Grupo', website: 'Sitio web', notes: 'Notas', types: 'Tipos', languages: 'Idiomas',
      languagesHelp: 'Códigos de dos letras separados por comas, como es, en.',
      schedule: 'Horario', appointmentLabel: 'Con cita previa (sin hora fija)', days: 'Días', startTime: 'Hora de inicio', startHelp: 'Hora de 24 horas como HH:MM, por ejemplo 19:30.',
      duration: 'Duración en minutos', timeZone: 'Zona horaria', timeZoneHelp: 'Una zona IANA como America/Mexico_City; vacía para tomarla de las coordenadas.',
      weeks: 'Semanas del mes (ninguna: todas)', week_1: '1.ª', week_2: '2.ª', week_3: '3.ª', week_4: '4.ª', week_5: '5.ª', 'week_-1': 'Última',
      closures: 'Cierres', closedDates: 'Cerrada el', closedHelp: 'Fechas como AAAA-MM-DD separadas por comas.', suspendedUntil: 'Suspendida hasta', dateHelp: 'Una fecha como AAAA-MM-DD.',
      location: 'Lugar', placeSearch: 'Buscar un lugar', find: 'Buscar', placeNone: 'No se encontró ningún lugar.', usePlace: 'Usar {place}',
      placeName: 'Nombre del local', street: 'Dirección', formatted: 'Dirección completa', latitude: 'Latitud', longitude: 'Longitud', approximate: 'Aproximada (la zona, no una dirección)',
      locationNotes: 'Indicaciones', zoneAt: 'Zona horaria en estas coordenadas: {zone}', zoneNone: 'No se conoce zona horaria en estas coordenadas: se usa la del organismo salvo que indique una.', zoneDerived: 'Zona horaria derivada: {zone}',
      online: 'En línea', conferenceUrl: 'Enlace de la reunión', conferencePhone: 'Teléfono de acceso', onlineNotes: 'Notas para conectarse',
      contacts: 'Contactos (privados)', contact: 'Contacto {n}', email: 'Correo', phone: 'Teléfono',
      fixErrors: 'La reunión no se guardó. Corrija:', problem: 'No se guardó: {detail}',
      conflict: 'Otra persona modificó esta reunión mientras usted la editaba.', conflictHelp: 'Estos campos difieren. Conserve su versión o guarde la suya encima.',
      field: 'Campo', theirs: 'Su versión (la guardada)', yours: 'Su edición', loadTheirs: 'Cargar la versión guardada', overwrite: 'Guardar la mía encima',
      historyTitle: 'Historial de «{name}»', change_create: 'creada', change_update: 'modificada', change_delete: 'eliminada', change_restore: 'restaurada',
      changedFields: 'Cambió: {fields}', by: 'por {actor}', restoreThis: 'Restaurar esta versión', restoreMeeting: 'Restaurar la reunión', isDeleted: 'Esta reunión está eliminada.',
      restored: 'Se restauró «{name}» (versión {version}).', noHistory: 'No hay cambios registrados.', details: 'Detalles',
      importTitle: 'Importar un archivo de Meeting Guide', feedFile: 'Archivo (JSON de Meeting Guide)', removeMissing: 'Eliminar las reuniones importadas que el archivo ya no incluye',
      importZone: 'Zona horaria para registros sin ella (opcional)', importFellowship: 'Comunidad (opcional)', bodyDefault: 'La del organismo',
      preview: 'Ver los cambios', apply: 'Aplicar estos cambios', previewTitle: 'Vista previa: todavía no se ha escrito nada', appliedTitle: 'Importado',
      added: 'Añadidas', updatedCount: 'Modificadas', unchanged: 'Sin cambios', removed: 'Eliminadas', rejected: 'Rechazadas', warnings: 'Avisos', rejections: 'Registros rechazados',
      record: 'Registro', message: 'Mensaje', chooseFile: 'Elija primero un archivo.', importProblem: 'El archivo no fue aceptado: {detail}',
      sourcesTitle: 'Fuentes seguidas', url: 'Dirección', kind: 'Tipo', lastStatus: 'Última descarga', lastSuccess: 'Último éxito', nextPull: 'Próxima descarga', lastError: 'Último error', never: 'nunca', noSources: 'No hay fuentes seguidas.',
      failed: 'Algo salió mal: {detail}', externalId: 'Id en el archivo importado', stale: 'Otra persona modificó esta reunión mientras tanto; así está ahora.',
      planned: 'Reuniones', action_add: 'añadida', action_update: 'modificada', action_remove: 'eliminada', action: 'Cambio', fields: 'Campos',
      editNamed: 'Editar «{name}»', viewNamed: 'Ver «{name}»', historyNamed: 'Historial de «{name}»', deleteNamed: 'Eliminar «{name}»',
      f_name: 'nombre', f_slug: 'identificador', f_fellowship: 'comunidad', f_service_body_id: 'organismo', f_attendance: 'asistencia', f_schedule: 'horario',
      f_location: 'lugar', f_online: 'en línea', f_types: 'tipos', f_languages: 'idiomas', f_notes: 'notas', f_group_name: 'grupo', f_website: 'sitio web',
      f_closures: 'cierres', f_contacts: 'contactos', f_published: 'publicada', f_external_id: 'id importado',
      att_in_person: 'Presencial', att_hybrid: 'Híbrida', att_online: 'En línea', att_inactive: 'Inactiva'
    }
  };

  var state = {
    token: null, me: null, lang: 'en', bodies: [], fellowships: [], types: [],
    filters: { q: '', body: '', day: '', attendance: '', type: '', status: '', sort: 'name' }
  };
  var root;

  function pickLanguage() {
    var saved = sessionStorage.getItem(LANG_SLOT);
    if (saved && STRINGS[saved]) return saved;
    var browser = (navigator.language || 'en').slice(0, 2).toLowerCase();
    return STRINGS[browser] ? browser : 'en';
  }

  function t(key, values) {
    var text = (STRINGS[state.lang] && STRINGS[state.lang][key]) || STRINGS.en[key] || key;
    return text.replace(/\{(\w+)\}/g, function (_, name) { return values && name in values ? String(values[name]) : ''; });
  }

  /* A meeting field's name in the chosen language (its JSON name where the console has none). */
  function fieldName(k) {
    return STRINGS.en['f_' + k] ? t('f_' + k) : k;
  }

  function dayName(day) {
    var monday = new Date(Date.UTC(2024, 0, 1 + DAYS.indexOf(day)));
    return monday.toLocaleDateString(state.lang, { weekday: 'long', timeZone: 'UTC' });
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString(state.lang, { dateStyle: 'medium', timeStyle: 'short' }) : t('never');
  }

  /* h('p', {class: 'x', onclick: f}, 'text', child): an element; text is always text, never HTML. */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name.slice(0, 2) === 'on') el.addEventListener(name.slice(2), value);
      else if (name === 'value' || name === 'checked') el[name] = value;
      else el.setAttribute(name, value === true ? '' : value);
    });
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(el, c); });
    else el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }

  function idFor(name) { return 'f-' + name.replace(/[^A-Za-z0-9]+/g, '-'); }

  /* ---- talking to Lantern -------------------------------------------------------------- */

  function api(method, path, options) {
    options = options || {};
    var headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    Object.keys(options.headers || {}).forEach(function (k) { headers[k] = options.headers[k]; });
    var body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    return fetch(path, { method: method, headers: headers, body: body, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' })
      .then(function (res) {
        var type = res.headers.get('content-type') || '';
        var read = type.indexOf('json') >= 0 ? res.json() : res.text();
        return read.then(function (data) {
          if (res.status === 401 && state.me && !options.signingIn) { signOut(t('expired')); throw new Error(t('expired')); }
          return { status: res.status, data: data, etag: res.headers.get('etag') };
        });
      });
  }

  function detail(res) {
    var data = res.data || {};
    return data.detail || data.title || ('HTTP ' + res.status);
  }

  function expect(res, statuses) {
    if (statuses.indexOf(res.status) < 0) throw new Error(detail(res));
    return res;
  }

  function allMeetings(params) {
    var results = [];
    function page(cursor, n) {
      var query = new URLSearchParams(params);
      query.set('limit', String(PAGE_LIMIT));
      if (cursor) query.set('cursor', cursor);
      return api('GET', '/v1/meetings?' + query).then(function (res) {
        expect(res, [200]);
        results = results.concat(res.data.results);
        return res.data.next_cursor && n < MAX_PAGES ? page(res.data.next_cursor, n + 1) : results;
      });
    }
    return page(null, 1);
  }

  /* ---- who the key is and what it may do ------------------------------------------------- */

  function canPublish() { return state.me && (state.me.role === 'admin' || state.me.role === 'publisher'); }
  function isAdmin() { return state.me && state.me.role === 'admin'; }

  function flatten(tree, depth, out) {
    tree.forEach(function (body) {
      out.push({ id: body.id, name: body.name, depth: depth, time_zone: body.time_zone, fellowship: body.fellowship });
      flatten(body.children || [], depth + 1, out);
    });
    return out;
  }

  function findSubtree(tree, id) {
    for (var i = 0; i < tree.length; i++) {
      if (tree[i].id === id) return tree[i];
      var found = findSubtree(tree[i].children || [], id);
      if (found) return found;
    }
    return null;
  }

  /* The service bodies the key reaches: all for admins, its own and those below it otherwise. */
  function reachable(tree) {
    if (isAdmin() || state.me.service_body_id === null) return flatten(tree, 0, []);
    var own = findSubtree(tree, state.me.service_body_id);
    return own ? flatten([own], 0, []) : [];
  }

  function bodyName(id) {
    var body = state.bodies.filter(function (b) { return b.id === id; })[0];
    return body ? body.name : '#' + id;
  }

  function loadCatalog() {
    return Promise.all([
      api('GET', '/v1/service-bodies').then(function (res) { return expect(res, [200]).data.results; }),
      api('GET', '/v1/fellowships').then(function (res) { return expect(res, [200]).data.results; }),
      loadTypes()
    ]).then(function (all) {
      state.bodies = reachable(all[0]);
      state.fellowships = all[1];
      if (!state.filters.body && !isAdmin() && state.bodies.length) state.filters.body = String(state.bodies[0].id);
    });
  }

  function loadTypes() {
    return api('GET', '/v1/types?lang=' + encodeURIComponent(state.lang)).then(function (res) {
      state.types = expect(res, [200]).data.results;
    });
  }

  function typeName(code) {
    var type = state.types.filter(function (x) { return x.code === code; })[0];
    return type ? type.name : code;
  }

  /* ---- the frame: header, navigation, status line ---------------------------------------- */

  function say(message, isError) {
    var status = document.getElementById('status');
    if (!status) return;
    status.textContent = message || '';
    status.className = isError ? 'status error-text' : 'status';
  }

  function languagePicker() {
    var select = h('select', { id: 'lang', onchange: function () {
      state.lang = select.value;
      sessionStorage.setItem(LANG_SLOT, state.lang);
      document.documentElement.lang = state.lang;
      (state.me ? loadTypes() : Promise.resolve()).then(function () { rerender(); });
    } }, Object.keys(STRINGS).map(function (code) {
      return h('option', { value: code, selected: code === state.lang }, code === 'en' ? 'English' : 'Español');
    }));
    select.value = state.lang;
    return h('span', { class: 'lang' }, h('label', { for: 'lang' }, t('language') + ' '), select);
  }

  var current = null;
  function rerender() { if (current) current(); }

  function frame(view, title) {
    current = view;
    document.title = title + ' · ' + t('title');
    root.textContent = '';
    var nav = null;
    var who = null;
    if (state.me) {
      var me = state.me;
      who = h('p', { class: 'who', id: 'who' },
        t('signedInAs', { name: me.name, id: me.id }), ' — ', t('role_' + me.role),
        me.service_body_id !== null ? [' ', t('of', { body: bodyName(me.service_body_id) })] : null,
        ', ', me.expires_at ? t('expires', { date: when(me.expires_at) }) : t('noExpiry'));
      var link = function (label, go, shown) {
        return shown === false ? null : h('li', null, h('button', { type: 'button', class: 'link', onclick: go }, label));
      };
      nav = h('nav', { 'aria-label': t('title') }, h('ul', null,
        link(t('meetings'), showList),
        link(t('newMeeting'), function () { showForm(null); }, canPublish()),
        link(t('importFeed'), showImport, canPublish()),
        link(t('sources'), showSources, isAdmin()),
        link(t('signOut'), function () { signOut(''); })));
    }
    var heading = h('h1', { tabindex: '-1', id: 'view-title' }, title);
    var main = h('main', { id: 'main' }, heading, h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }));
    root.appendChild(h('header', { class: 'bar' }, h('p', { class: 'brand' }, t('title')), languagePicker(), who, nav));
    root.appendChild(main);
    heading.focus();
    return main;
  }

  /* ---- sign in, sign out --------------------------------------------------------------------- */

  function showSignIn(message) {
    var main = frame(showSignIn, t('signIn'));
    // A text input masked by the stylesheet, not type=password: a password manager must not offer
    // to keep the key beyond this tab.
    var input = h('input', { id: 'key', name: 'key', type: 'text', class: 'secret', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'key-help key-error' });
    var error = h('p', { id: 'key-error', class: 'error-text', role: 'alert' }, message || '');
    var form = h('form', { class: 'card narrow', onsubmit: function (event) {
      event.preventDefault();
      signIn(input.value.trim()).catch(function (e) { error.textContent = e.message; input.focus(); });
    } },
      h('label', { for: 'key' }, t('keyLabel')), input, h('p', { id: 'key-help', class: 'help' }, t('keyHelp')),
      error, h('button', { type: 'submit', class: 'primary' }, t('signIn')));
    main.appendChild(form);
    input.focus();
  }

  function signIn(token) {
    state.token = token;
    return api('GET', '/v1/keys/me', { signingIn: true }).then(function (res) {
      if (res.status !== 200) {
        state.token = null;
        var refused = new Error(t('badKey', { detail: detail(res) }));
        refused.refused = true;
        throw refused;
      }
      state.me = res.data;
      sessionStorage.setItem(KEY_SLOT, token);
      return loadCatalog().then(showList);
    });
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY_SLOT);
    state.token = null;
    state.me = null;
    state.bodies = [];
    state.filters = { q: '', body: '', day: '', attendance: '', type: '', status: '', sort: 'name' };
    showSignIn(message);
  }

  /* ---- the list ---------------------------------------------------------------------------- */

  function select(id, label, value, options, onchange) {
    var el = h('select', { id: id, onchange: function () { onchange(el.value); } }, options.map(function (o) {
      return h('option', { value: o[0] }, o[1]);
    }));
    el.value = value;
    return h('div', { class: 'field' }, h('label', { for: id }, label), el);
  }

  function schedulePhrase(m) {
    var s = m.schedule;
    if (!s) return t('byAppointment');
    var weeks = s.weeks_of_month.length ? ' (' + s.weeks_of_month.map(function (w) { return t('week_' + w); }).join(', ') + ')' : '';
    return s.days.map(dayName).join(', ') + weeks + ' ' + s.start_time + ' · ' + s.time_zone;
  }

  function sortMeetings(list, by) {
    var key = {
      name: function (m) { return [m.name.toLowerCase(), m.id]; },
      time: function (m) { return m.schedule ? [DAYS.indexOf(m.schedule.days[0]), m.schedule.start_time, m.id] : [9, '', m.id]; },
      updated: function (m) { return [-Date.parse(m.updated_at), m.id]; }
    }[by];
    return list.slice().sort(function (a, b) {
      var x = key(a), y = key(b);
      for (var i = 0; i < x.length; i++) { if (x[i] < y[i]) return -1; if (x[i] > y[i]) return 1; }
      return 0;
    });
  }

  function showList() {
    var main = frame(showList, t('meetings'));
    var f = state.filters;
    var refresh = function (name) { return function (value) { f[name] = value; load(); }; };
    var search = h('input', { id: 'q', type: 'search', value: f.q });
    var filters = h('form', { class: 'filters', role: 'search', onsubmit: function (event) { event.preventDefault(); f.q = search.value.trim(); load(); } },
      h('div', { class: 'field' }, h('label', { for: 'q' }, t('search')), h('span', { class: 'inline' }, search, h('button', { type: 'submit' }, t('search')))),
      select('filter-body', t('serviceBody'), f.body, (isAdmin() ? [['', t('allBodies')]] : []).concat(state.bodies.map(function (b) {
        return [String(b.id), '\u00a0'.repeat(b.depth * 2) + b.name];
      })), refresh('body')),
      select('filter-day', t('day'), f.day, [['', t('anyDay')]].concat(DAYS.map(function (d) { return [d, dayName(d)]; })), refresh('day')),
      select('filter-attendance', t('attendance'), f.attendance, [['', t('any')]].concat(ATTENDANCE.map(function (a) { return [a, t('att_' + a)]; })), refresh('attendance')),
      select('filter-type', t('type'), f.type, [['', t('anyType')]].concat(state.types.map(function (x) { return [x.code, x.name + ' (' + x.code + ')']; })), refresh('type')),
      select('filter-status', t('filter'), f.status, [['', t('any')], ['published', t('published')], ['draft', t('drafts')]], refresh('status')),
      select('filter-sort', t('sort'), f.sort, [['name', t('sort_name')], ['time', t('sort_time')], ['updated', t('sort_updated')]], refresh('sort')));
    var results = h('div', { id: 'results' });
    var deleted = h('section', { id: 'deleted', 'aria-labelledby': 'deleted-title' },
      h('h2', { id: 'deleted-title' }, t('deletedMeetings')),
      h('button', { type: 'button', onclick: function () { showDeleted(deleted); } }, t('showDeleted')));
    main.appendChild(filters);
    main.appendChild(results);
    main.appendChild(deleted);

    var asked = 0;
    function load() {
      var ask = ++asked;
      say(t('loading'));
      var params = {};
      if (f.q) params.q = f.q;
      if (f.body) params.service_body = f.body;
      if (f.day) params.day = f.day;
      if (f.attendance) params.attendance = f.attendance;
      if (f.type) params.types = f.type;
      allMeetings(params).then(function (list) {
        if (ask !== asked) return; // a later choice of filters is being answered
        // A publisher's or observer's list is its own service bodies', never the whole world's.
        if (!f.body && !isAdmin()) list = [];
        list = list.filter(function (m) {
          return !f.status || (f.status === 'draft' ? m.published === false : m.published !== false);
        });
        renderTable(results, sortMeetings(list, f.sort));
        say(t('count', { n: list.length }));
      }).catch(function (e) { say(t('failed', { detail: e.message }), true); });
    }
    load();
  }

  function renderTable(container, list) {
    container.textContent = '';
    var rows = list.map(function (m) {
      var actions = [
        h('button', { type: 'button', 'aria-label': t(canPublish() ? 'editNamed' : 'viewNamed', { name: m.name }), onclick: function () { openMeeting(m.id); } }, canPublish() ? t('edit') : t('view')),
        h('button', { type: 'button', 'aria-label': t('historyNamed', { name: m.name }), onclick: function () { showHistory(m.id); } }, t('history'))
      ];
      if (canPublish()) actions.push(deleteButton(m, function (notice) { showHistory(m.id, notice); }));
      return h('tr', { 'data-id': m.id },
        h('th', { scope: 'row' }, h('button', { type: 'button', class: 'link', onclick: function () { openMeeting(m.id); } }, m.name)),
        h('td', { 'data-label': t('when') }, schedulePhrase(m)),
        h('td', { 'data-label': t('attendance') }, t('att_' + m.attendance)),
        h('td', { 'data-label': t('status') }, m.published === false ? h('span', { class: 'badge draft' }, t('draft')) : t('published')),
        h('td', { 'data-label': t('updated') }, when(m.updated_at)),
        h('td', { class: 'actions' }, actions));
    });
    container.appendChild(h('table', { class: 'meetings' },
      h('caption', { class: 'visually-hidden' }, t('meetings')),
      h('thead', null, h('tr', null, [t('name'), t('when'), t('attendance'), t('status'), t('updated'), t('actions')].map(function (c) {
        return h('th', { scope: 'col' }, c);
      }))),
      h('tbody', null, rows)));
  }

  /* A delete button that asks first, in the page (no native dialog), then deletes with If-Match. */
  function deleteButton(m, after) {
    var wrap = h('span', { class: 'delete' });
    var ask = h('button', { type: 'button', class: 'danger', 'aria-label': t('deleteNamed', { name: m.name }), onclick: function () {
      wrap.textContent = '';
      var yes = h('button', { type: 'button', class: 'danger', onclick: function () {
        api('DELETE', '/v1/meetings/' + m.id, { headers: { 'If-Match': '"' + m.version + '"' } }).then(function (res) {
          if (res.status === 412) { openMeeting(m.id, t('stale')); return; }
          expect(res, [204]);
          after(t('deleted', { name: m.name }));
        }).catch(function (e) { say(t('failed', { detail: e.message }), true); });
      } }, t('yesDelete'));
      wrap.appendChild(h('span', { role: 'group', 'aria-label': t('remove') },
        h('span', { class: 'confirm' }, t('confirmDelete', { name: m.name }), ' '), yes, ' ',
        h('button', { type: 'button', onclick: function () { wrap.textContent = ''; wrap.appendChild(ask); ask.focus(); } }, t('cancel'))));
      yes.focus();
    } }, t('remove'));
    wrap.appendChild(ask);
    return wrap;
  }

  /* Deleted meetings of the shown service bodies, read from the change feed: the last change of
   * each meeting that is a deletion. */
  function showDeleted(section) {
    say(t('loading'));
    var last = {};
    var params = new URLSearchParams({ limit: '500' });
    if (state.filters.body) params.set('service_body', state.filters.body);
    function page(since, n) {
      if (since !== null) params.set('since', String(since));
      return api('GET', '/v1/changes?' + params).then(function (res) {
        expect(res, [200]).data.results.forEach(function (c) { if (c.entity_kind === 'meeting') last[c.entity_id] = c; });
        return res.data.next_since !== null && n < MAX_PAGES ? page(res.data.next_since, n + 1) : null;
      });
    }
    page(null, 1).then(function () {
      var gone = Object.keys(last).map(function (id) { return last[id]; }).filter(function (c) { return c.change_kind === 'delete'; });
      section.textContent = '';
      section.appendChild(h('h2', { id: 'deleted-title' }, t('deletedMeetings')));
      if (!gone.length) section.appendChild(h('p', null, t('noneDeleted')));
      else section.appendChild(h('ul', { class: 'plain' }, gone.map(function (c) {
        var name = c.before && c.before.name ? c.before.name : '#' + c.entity_id;
        return h('li', null, name, ' — ', when(c.at), ' ',
          h('button', { type: 'button', onclick: function () { showHistory(Number(c.entity_id)); } }, t('history')));
      })));
      say('');
    }).catch(function (e) { say(t('failed', { detail: e.message }), true); });
  }

  /* ---- the meeting form ----------------------------------------------------------------------- */

  function openMeeting(id, notice) {
    api('GET', '/v1/meetings/' + id).then(function (res) { showForm(expect(res, [200]).data, notice); })
      .catch(function (e) { say(t('failed', { detail: e.message }), true); });
  }

  /* A labelled input named by its dotted path, with a place for the server's message about it. */
  function field(name, label, control, help) {
    var id = idFor(name);
    control.id = id;
    control.name = name;
    var described = [help ? id + '-help' : null, id + '-error'].filter(Boolean).join(' ');
    control.setAttribute('aria-describedby', described);
    return h('div', { class: 'field', 'data-field': name },
      h('label', { for: id }, label),
      control,
      help ? h('p', { class: 'help', id: id + '-help' }, help) : null,
      h('p', { class: 'error-text', id: id + '-error', hidden: true }));
  }

  function text(value, attrs) { return h('input', Object.assign({ type: 'text', value: value === null || value === undefined ? '' : String(value) }, attrs || {})); }

  /* Checkboxes sharing one dotted name, in a fieldset that carries the errors for that name. */
  function checkGroup(name, legend, options, checked) {
    var id = idFor(name);
    return h('fieldset', { class: 'checks', 'data-field': name, id: id, 'aria-describedby': id + '-error' },
      h('legend', null, legend),
      h('div', { class: 'check-row' }, options.map(function (o) {
        var box = h('input', { type: 'checkbox', name: name, value: String(o[0]), id: id + '-' + String(o[0]).replace(/[^A-Za-z0-9]/g, 'm'), checked: checked.indexOf(o[0]) >= 0, 'aria-describedby': id + '-error' });
        return h('label', { class: 'check' }, box, ' ', o[1]);
      })),
      h('p', { class: 'error-text', id: id + '-error', hidden: true }));
  }

  function checkbox(name, label, checked) {
    var id = idFor(name);
    return h('div', { class: 'field check-field', 'data-field': name },
      h('label', { class: 'check', for: id }, h('input', { type: 'checkbox', id: id, name: name, checked: checked, 'aria-describedby': id + '-error' }), ' ', label),
      h('p', { class: 'error-text', id: id + '-error', hidden: true }));
  }

  function blank() {
    var body = state.bodies.filter(function (b) { return String(b.id) === state.filters.body; })[0] || state.bodies[0] || {};
    return {
      name: '', slug: null, fellowship: body.fellowship || (state.fellowships[0] || {}).code, service_body_id: body.id, attendance: 'in_person',
      schedule: { days: [], start_time: '', duration_minutes: 60, time_zone: '', time_zone_derived: true, weeks_of_month: [] },
      location: null, online: null, types: [], languages: [], notes: null, group_name: null, website: null,
      closures: { dates: [], suspended_until: null }, contacts: [], published: true
    };
  }

  function showForm(meeting, notice) {
    var editing = meeting && meeting.id;
    var m = meeting || blank();
    var mayEdit = canPublish();
    var title = !editing ? t('newTitle') : mayEdit ? t('editTitle', { name: m.name }) : t('viewTitle', { name: m.name });
    // Re-rendered (a language switch) with what has been typed so far.
    var main = frame(function () {
      var typed = document.getElementById('meeting-form') ? readForm(form, m, byAppointment.checked).body : {};
      showForm(Object.assign({}, m, typed, { schedule: typed.schedule === undefined ? m.schedule : typed.schedule }));
    }, title);
    if (notice) say(notice);
    var s = m.schedule || { days: [], start_time: '', duration_minutes: 60, time_zone: '', time_zone_derived: true, weeks_of_month: [] };
    var loc = m.location || {};
    var online = m.online || {};
    var contacts = (m.contacts || []).slice();
    while (contacts.length < 2) contacts.push({});

    var summary = h('div', { id: 'error-summary', class: 'error-summary', tabindex: '-1', hidden: true });
    var conflict = h('div', { id: 'conflict', class: 'conflict', tabindex: '-1', hidden: true });
    var zoneHint = h('p', { id: 'zone-hint', class: 'help', 'aria-live': 'polite' }, s.time_zone_derived && s.time_zone ? t('zoneDerived', { zone: s.time_zone }) : '');

    var byAppointment = h('input', { type: 'checkbox', id: 'by-appointment', checked: !m.schedule });
    var latitude = text(loc.latitude, { inputmode: 'decimal', autocomplete: 'off' });
    var longitude = text(loc.longitude, { inputmode: 'decimal', autocomplete: 'off' });
    var checkZone = function () {
      var lat = latitude.value.trim(), lon = longitude.value.trim();
      if (!lat || !lon) { zoneHint.textContent = ''; return; }
      api('GET', '/v1/time-zone?lat=' + encodeURIComponent(lat) + '&lon=' + encodeURIComponent(lon)).then(function (res) {
        // A bad coordinate is the server's to name when saving; the hint stays quiet about it.
        zoneHint.textContent = res.status !== 200 ? '' : res.data.time_zone ? t('zoneAt', { zone: res.data.time_zone }) : t('zoneNone');
      }).catch(function () { zoneHint.textContent = ''; });
    };
    latitude.addEventListener('change', checkZone);
    longitude.addEventListener('change', checkZone);

    var placeInput = h('input', { type: 'search', id: 'place-q', autocomplete: 'off' });
    var placeResults = h('ul', { class: 'plain places', id: 'place-results', 'aria-live': 'polite' });
    var findPlace = function () {
      var q = placeInput.value.trim();
      if (!q) return;
      api('GET', '/v1/places?limit=5&q=' + encodeURIComponent(q)).then(function (res) {
        placeResults.textContent = '';
        if (res.status !== 200) { placeResults.appendChild(h('li', { class: 'error-text' }, detail(res))); return; }
        if (!res.data.results.length) placeResults.appendChild(h('li', null, t('placeNone')));
        res.data.results.forEach(function (p) {
          var label = p.name + ', ' + (p.admin1_code ? p.admin1_code + ', ' : '') + p.country;
          placeResults.appendChild(h('li', null, h('button', { type: 'button', onclick: function () {
            latitude.value = String(p.latitude);
            longitude.value = String(p.longitude);
            var formatted = form.elements['location.formatted_address'];
            if (!formatted.value) formatted.value = label;
            checkZone();
            latitude.focus();
          } }, t('usePlace', { place: label + (p.time_zone ? ' (' + p.time_zone + ')' : '') }))));
        });
      }).catch(function (e) { placeResults.textContent = ''; placeResults.appendChild(h('li', { class: 'error-text' }, e.message)); });
    };
    placeInput.addEventListener('keydown', function (event) { if (event.key === 'Enter') { event.preventDefault(); findPlace(); } });

    var bodyOptions = state.bodies.map(function (b) { return h('option', { value: String(b.id) }, '\u00a0'.repeat(b.depth * 2) + b.name); });
    if (!state.bodies.some(function (b) { return b.id === m.service_body_id; })) bodyOptions.push(h('option', { value: String(m.service_body_id) }, bodyName(m.service_body_id)));
    var bodySelect = h('select', null, bodyOptions);
    var fellowshipSelect = h('select', null, state.fellowships.map(function (x) { return h('option', { value: x.code }, x.name); }));
    var attendanceSelect = h('select', null, ATTENDANCE.map(function (a) { return h('option', { value: a }, t('att_' + a)); }));

    var form = h('form', { id: 'meeting-form', class: 'meeting-form', novalidate: true, onsubmit: function (event) { event.preventDefault(); save(); } },
      summary, conflict,
      h('fieldset', null, h('legend', null, t('basics')),
        field('name', t('name'), text(m.name, { autocomplete: 'off' })),
        field('slug', t('slug'), text(m.slug, { autocomplete: 'off' }), t('slugHelp')),
        field('external_id', t('externalId'), text(m.external_id, { autocomplete: 'off' })),
        field('fellowship', t('fellowship'), fellowshipSelect),
        field('service_body_id', t('serviceBody'), bodySelect),
        field('attendance', t('attendance'), attendanceSelect),
        checkbox('published', t('publishedLabel'), m.published !== false),
        field('group_name', t('groupName'), text(m.group_name)),
        field('website', t('website'), text(m.website, { inputmode: 'url' })),
        field('notes', t('notes'), h('textarea', { rows: '3' }, m.notes || '')),
        checkGroup('types', t('types'), state.types.map(function (x) { return [x.code, x.name + ' (' + x.code + ')']; }), m.types),
        field('languages', t('languages'), text(m.languages.join(', ')), t('languagesHelp'))),
      h('fieldset', null, h('legend', null, t('schedule')),
        h('div', { class: 'field check-field' }, h('label', { class: 'check', for: 'by-appointment' }, byAppointment, ' ', t('appointmentLabel'))),
        h('div', { id: 'schedule-fields', 'data-field': 'schedule' },
          h('p', { class: 'error-text', id: 'f-schedule-error', hidden: true }),
          checkGroup('schedule.days', t('days'), DAYS.map(function (d) { return [d, dayName(d)]; }), s.days),
          field('schedule.start_time', t('startTime'), text(s.start_time, { inputmode: 'numeric', autocomplete: 'off', placeholder: 'HH:MM' }), t('startHelp')),
          field('schedule.duration_minutes', t('duration'), text(s.duration_minutes, { inputmode: 'numeric' })),
          field('schedule.time_zone', t('timeZone'), text(s.time_zone_derived ? '' : s.time_zone, { autocomplete: 'off', placeholder: s.time_zone_derived ? s.time_zone : '' }), t('timeZoneHelp')),
          checkGroup('schedule.weeks_of_month', t('weeks'), WEEKS.map(function (w) { return [w, t('week_' + w)]; }), s.weeks_of_month))),
      h('fieldset', null, h('legend', null, t('closures')),
        field('closures.dates', t('closedDates'), text((m.closures.dates || []).join(', '), { autocomplete: 'off' }), t('closedHelp')),
        field('closures.suspended_until', t('suspendedUntil'), text(m.closures.suspended_until, { autocomplete: 'off', placeholder: 'YYYY-MM-DD' }), t('dateHelp'))),
      h('fieldset', { 'data-field': 'location' }, h('legend', null, t('location')),
        h('p', { class: 'error-text', id: 'f-location-error', hidden: true }),
        h('div', { class: 'field' }, h('label', { for: 'place-q' }, t('placeSearch')),
          h('span', { class: 'inline' }, placeInput, h('button', { type: 'button', id: 'place-find', onclick: findPlace }, t('find')))),
        placeResults,
        field('location.name', t('placeName'), text(loc.name)),
        field('location.street_address', t('street'), text(loc.street_address)),
        field('location.formatted_address', t('formatted'), text(loc.formatted_address)),
        h('div', { class: 'pair' }, field('location.latitude', t('latitude'), latitude), field('location.longitude', t('longitude'), longitude)),
        zoneHint,
        checkbox('location.approximate', t('approximate'), !!loc.approximate),
        field('location.notes', t('locationNotes'), text(loc.notes))),
      h('fieldset', { 'data-field': 'online' }, h('legend', null, t('online')),
        h('p', { class: 'error-text', id: 'f-online-error', hidden: true }),
        field('online.conference_url', t('conferenceUrl'), text(online.conference_url, { inputmode: 'url' })),
        field('online.conference_phone', t('conferencePhone'), text(online.conference_phone, { inputmode: 'tel' })),
        field('online.notes', t('onlineNotes'), text(online.notes))),
      h('fieldset', null, h('legend', null, t('contacts')), contacts.map(function (c, i) {
        var base = 'contacts[' + i + ']';
        return h('div', { class: 'contact', 'data-field': base }, h('p', { class: 'sub' }, t('contact', { n: i + 1 })),
          h('p', { class: 'error-text', id: idFor(base) + '-error', hidden: true }),
          field(base + '.name', t('name'), text(c.name)),
          field(base + '.email', t('email'), text(c.email, { inputmode: 'email' })),
          field(base + '.phone', t('phone'), text(c.phone, { inputmode: 'tel' })));
      })),
      h('div', { class: 'buttons' },
        mayEdit ? h('button', { type: 'submit', class: 'primary', id: 'save' }, t('save')) : h('p', { class: 'help' }, t('readOnly')),
        h('button', { type: 'button', onclick: showList }, t('back')),
        editing ? h('button', { type: 'button', onclick: function () { showHistory(m.id); } }, t('history')) : null,
        editing && mayEdit ? deleteButton(m, function (notice) { showHistory(m.id, notice); }) : null));

    fellowshipSelect.value = m.fellowship;
    bodySelect.value = String(m.service_body_id);
    attendanceSelect.value = m.attendance;
    var scheduleFields = form.querySelector('#schedule-fields');
    var toggleSchedule = function () { scheduleFields.hidden = byAppointment.checked; };
    byAppointment.addEventListener('change', toggleSchedule);
    toggleSchedule();
    if (!mayEdit) Array.prototype.forEach.call(form.querySelectorAll('fieldset'), function (fs) { fs.disabled = true; });
    main.appendChild(form);

    function save(overwriteVersion) {
      var read = readForm(form, m, byAppointment.checked);
      var sent = read.body;
      var button = form.querySelector('#save');
      button.disabled = true;
      say(t('saving'));
      var version = overwriteVersion || m.version;
      var request = editing
        ? api('PUT', '/v1/meetings/' + m.id, { body: sent, headers: { 'If-Match': '"' + version + '"' } })
        : api('POST', '/v1/meetings', { body: sent });
      request.then(function (res) {
        button.disabled = false;
        if (res.status === 200 || res.status === 201) {
          showForm(res.data, res.status === 201 ? t('created', { name: res.data.name, id: res.data.id }) : t('saved', { name: res.data.name, version: res.data.version }));
        } else if (res.status === 422 && res.data.errors) {
          var errors = {};
          Object.keys(res.data.errors).forEach(function (path) { errors[read.toForm(path)] = res.data.errors[path]; });
          showErrors(form, summary, errors);
          say(t('fixErrors'), true);
        } else if (res.status === 412) {
          showConflict(form, conflict, sent, m.id, save);
        } else {
          showErrors(form, summary, res.data && res.data.errors ? res.data.errors : {}, detail(res));
          say(t('problem', { detail: detail(res) }), true);
        }
      }).catch(function (e) { button.disabled = false; say(t('failed', { detail: e.message }), true); });
    }
  }

  function value(form, name) {
    var el = form.elements[name];
    return el ? el.value.trim() : '';
  }

  function orNull(s) { return s === '' ? null : s; }

  /* A number as typed: a plain decimal becomes a JSON number; anything else is sent as typed so
   * that the server names what is wrong with it. */
  function typedNumber(s) {
    if (s === '') return null;
    return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
  }

  function checked(form, name) {
    return Array.prototype.filter.call(form.querySelectorAll('input[type=checkbox][name="' + name + '"]'), function (b) { return b.checked; })
      .map(function (b) { return b.value; });
  }

  function list(s) { return s.split(/[\s,]+/).filter(Boolean); }

  /* The meeting as the form says it, on top of the loaded one (fields the form does not show,
   * such as external_id, travel back unchanged). */
  function readForm(form, base, byAppointment) {
    var m = JSON.parse(JSON.stringify(base));
    ['id', 'created_at', 'updated_at', 'version'].forEach(function (k) { delete m[k]; });
    m.name = value(form, 'name');
    m.slug = orNull(value(form, 'slug'));
    m.external_id = orNull(value(form, 'external_id'));
    m.fellowship = value(form, 'fellowship');
    m.service_body_id = typedNumber(value(form, 'service_body_id'));
    m.attendance = value(form, 'attendance');
    m.published = form.elements.published.checked;
    m.group_name = orNull(value(form, 'group_name'));
    m.website = orNull(value(form, 'website'));
    m.notes = orNull(value(form, 'notes'));
    m.types = checked(form, 'types');
    m.languages = list(value(form, 'languages'));
    if (byAppointment) {
      m.schedule = null;
    } else {
      var duration = value(form, 'schedule.duration_minutes');
      m.schedule = {
        days: checked(form, 'schedule.days'),
        start_time: value(form, 'schedule.start_time'),
        weeks_of_month: checked(form, 'schedule.weeks_of_month').map(Number)
      };
      if (duration !== '') m.schedule.duration_minutes = typedNumber(duration);
      var zone = value(form, 'schedule.time_zone');
      if (zone !== '') m.schedule.time_zone = zone;
    }
    m.closures = { dates: list(value(form, 'closures.dates')), suspended_until: orNull(value(form, 'closures.suspended_until')) };
    var location = {
      name: orNull(value(form, 'location.name')), street_address: orNull(value(form, 'location.street_address')),
      formatted_address: orNull(value(form, 'location.formatted_address')), latitude: typedNumber(value(form, 'location.latitude')),
      longitude: typedNumber(value(form, 'location.longitude')), notes: orNull(value(form, 'location.notes'))
    };
    var hasLocation = Object.keys(location).some(function (k) { return location[k] !== null; });
    location.approximate = form.elements['location.approximate'].checked;
    m.location = hasLocation || location.approximate ? location : null;
    var online = {
      conference_url: orNull(value(form, 'online.conference_url')), conference_phone: orNull(value(form, 'online.conference_phone')),
      notes: orNull(value(form, 'online.notes'))
    };
    m.online = Object.keys(online).some(function (k) { return online[k] !== null; }) ? online : null;
    var contacts = [];
    var slots = [];
    for (var i = 0; form.elements['contacts[' + i + '].name']; i++) {
      var c = { name: orNull(value(form, 'contacts[' + i + '].name')), email: orNull(value(form, 'contacts[' + i + '].email')), phone: orNull(value(form, 'contacts[' + i + '].phone')) };
      if (c.name !== null || c.email !== null || c.phone !== null) { contacts.push(c); slots.push(i); }
    }
    m.contacts = contacts;
    // Empty contact rows are not sent, so the server's `contacts[n]` is the n-th row sent.
    var toForm = function (path) {
      return path.replace(/^contacts\[(\d+)\]/, function (all, n) { return slots[Number(n)] === undefined ? all : 'contacts[' + slots[Number(n)] + ']'; });
    };
    return { body: m, toForm: toForm };
  }

  /* The element that shows the server's message for a dotted path: the field of that exact
   * name, else of the nearest enclosing path (`closures.dates[1]` → `closures.dates`). */
  function holderFor(form, path) {
    for (var p = path; p; p = p.replace(/(\[\d+\]|\.[^.[\]]*)$/, '')) {
      var holder = form.querySelector('[data-field="' + p.replace(/"/g, '') + '"]');
      if (holder) return { holder: holder, path: p };
      if (!/(\[\d+\]|\.[^.[\]]*)$/.test(p)) break;
    }
    return null;
  }

  function labelOf(holder, path) {
    var legend = holder.querySelector('legend, label');
    return legend ? legend.textContent.trim() : path;
  }

  function showErrors(form, summary, errors, headline) {
    Array.prototype.forEach.call(form.querySelectorAll('.error-text[id$="-error"]'), function (p) { p.textContent = ''; p.hidden = true; });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (el) { el.removeAttribute('aria-invalid'); });
    summary.textContent = '';
    var items = [];
    Object.keys(errors).forEach(function (path) {
      var message = errors[path].join(' ');
      var found = holderFor(form, path);
      var target = null;
      if (found) {
        var errorEl = form.querySelector('#' + idFor(found.path) + '-error');
        if (errorEl) {
          errorEl.textContent = (errorEl.textContent ? errorEl.textContent + ' ' : '') + message;
          errorEl.hidden = false;
        }
        target = form.querySelector('#' + idFor(found.path));
        if (!target || !/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) target = found.holder.querySelector('input, select, textarea');
        if (target) target.setAttribute('aria-invalid', 'true');
      }
      var label = found ? labelOf(found.holder, path) : path;
      items.push(h('li', null, target
        ? h('a', { href: '#' + target.id, onclick: function (event) { event.preventDefault(); target.focus(); } }, label + ': ' + message)
        : label + ': ' + message));
    });
    summary.appendChild(h('p', null, headline ? t('problem', { detail: headline }) : t('fixErrors')));
    summary.appendChild(h('ul', null, items));
    summary.hidden = false;
    summary.focus();
  }

  /* ---- 412: someone else saved first ---------------------------------------------------------- */

  var COMPARED = ['name', 'slug', 'external_id', 'fellowship', 'service_body_id', 'attendance', 'schedule', 'location', 'online', 'types', 'languages',
    'notes', 'group_name', 'website', 'closures', 'contacts', 'published'];

  /* JSON with object keys sorted and lists of plain values sorted: the same meeting compares equal
   * whichever order the form or the server wrote it in. */
  function canon(v) {
    if (Array.isArray(v)) {
      var items = v.map(canon);
      return items.every(function (x) { return typeof x !== 'object' || x === null; }) ? items.slice().sort() : items;
    }
    if (v && typeof v === 'object') {
      var out = {};
      Object.keys(v).sort().forEach(function (k) { out[k] = canon(v[k]); });
      return out;
    }
    if (typeof v === 'string') return v.replace(/\r\n/g, '\n');
    return v === undefined ? null : v;
  }

  function same(a, b) { return JSON.stringify(canon(a)) === JSON.stringify(canon(b)); }

  function shown(v) {
    if (v === null || v === undefined) return '—';
    return typeof v === 'object' ? JSON.stringify(v, null, 1) : String(v);
  }

  function differs(theirs, mine, key) {
    var a = theirs[key], b = mine[key];
    if (key === 'schedule' && a && b) {
      // The form sends no zone where the zone is derived: compare a derived zone as none, and an
      // explicit one (someone pinned it) as the value it is.
      a = Object.assign({}, a, { time_zone: a.time_zone_derived ? null : a.time_zone });
      delete a.time_zone_derived;
      b = Object.assign({ duration_minutes: 60 }, b, { time_zone: b.time_zone || null });
    }
    return !same(a, b);
  }

  function showConflict(form, panel, mine, id, save) {
    api('GET', '/v1/meetings/' + id).then(function (res) {
      var theirs = expect(res, [200]).data;
      var rows = COMPARED.filter(function (k) { return differs(theirs, mine, k); }).map(function (k) {
        return h('tr', { 'data-field': k }, h('th', { scope: 'row' }, fieldName(k)), h('td', null, h('pre', null, shown(theirs[k]))), h('td', null, h('pre', null, shown(mine[k]))));
      });
      panel.textContent = '';
      panel.appendChild(h('h2', null, t('conflict')));
      panel.appendChild(h('p', null, t('conflictHelp')));
      panel.appendChild(h('table', { class: 'diff' }, h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('field')), h('th', { scope: 'col' }, t('theirs')), h('th', { scope: 'col' }, t('yours')))), h('tbody', null, rows)));
      panel.appendChild(h('div', { class: 'buttons' },
        h('button', { type: 'button', id: 'load-theirs', onclick: function () { showForm(theirs); } }, t('loadTheirs')),
        h('button', { type: 'button', id: 'overwrite', class: 'danger', onclick: function () { panel.hidden = true; save(theirs.version); } }, t('overwrite'))));
      panel.hidden = false;
      panel.focus();
      say(t('conflict'), true);
    }).catch(function (e) { say(t('failed', { detail: e.message }), true); });
  }

  /* ---- history and restore -------------------------------------------------------------------- */

  function changedFields(before, after) {
    if (!before || !after) return [];
    return COMPARED.filter(function (k) { return !same(before[k], after[k]); });
  }

  function showHistory(id, notice) {
    api('GET', '/v1/meetings/' + id + '/history').then(function (res) {
      var changes = expect(res, [200]).data.results;
      var latest = changes[changes.length - 1];
      var name = (latest && (latest.after || latest.before) || {}).name || '#' + id;
      var main = frame(function () { showHistory(id); }, t('historyTitle', { name: name }));
      if (notice) say(notice);
      var isDeleted = latest && latest.change_kind === 'delete';
      var shownVersion = latest ? (latest.after || latest.before || {}).version : undefined;
      if (latest && !latest.after && latest.before) shownVersion = latest.before.version + 1; // a deletion moves the version on
      var restore = function (body) {
        var headers = shownVersion === undefined ? {} : { 'If-Match': '"' + shownVersion + '"' };
        api('POST', '/v1/meetings/' + id + '/restore', { body: body, headers: headers }).then(function (r) {
          if (r.status === 412) { showHistory(id, t('stale')); return; }
          expect(r, [200]);
          showHistory(id, t('restored', { name: r.data.name, version: r.data.version }));
        }).catch(function (e) { say(t('failed', { detail: e.message }), true); });
      };
      if (isDeleted) {
        main.appendChild(h('p', { class: 'notice' }, t('isDeleted'), ' ',
          canPublish() ? h('button', { type: 'button', id: 'undelete', class: 'primary', onclick: function () { restore({}); } }, t('restoreMeeting')) : null));
      }
      if (!changes.length) main.appendChild(h('p', null, t('noHistory')));
      main.appendChild(h('ol', { class: 'history', reversed: true }, changes.slice().reverse().map(function (c) {
        var fields = changedFields(c.before, c.after);
        var restorable = canPublish() && c.after && (c !== latest || isDeleted);
        return h('li', { 'data-seq': c.seq },
          h('p', null, h('strong', null, t('change_' + c.change_kind)), ' · ', when(c.at), c.actor ? [' · ', t('by', { actor: c.actor })] : null),
          fields.length ? h('p', null, t('changedFields', { fields: fields.map(function (k) { return fieldName(k); }).join(', ') })) : null,
          fields.length ? h('details', null, h('summary', null, t('details')), h('table', { class: 'diff' }, h('tbody', null, fields.map(function (k) {
            return h('tr', null, h('th', { scope: 'row' }, fieldName(k)), h('td', null, h('pre', null, shown(c.before[k]))), h('td', null, h('pre', null, shown(c.after[k]))));
          })))) : null,
          restorable ? h('button', { type: 'button', class: 'restore', onclick: function () { restore({ seq: c.seq }); } }, t('restoreThis')) : null);
      })));
      main.appendChild(h('div', { class: 'buttons' },
        isDeleted ? null : h('button', { type: 'button', onclick: function () { openMeeting(id); } }, canPublish() ? t('edit') : t('view')),
        h('button', { type: 'button', onclick: showList }, t('back'))));
    }).catch(function (e) { say(t('failed', { detail: e.message }), true); });
  }

  /* ---- import ------------------------------------------------------------------------------- */

  function showImport() {
    var main = frame(showImport, t('importTitle'));
    var publishable = state.bodies;
    var bodySelect = h('select', { id: 'import-body' }, publishable.map(function (b) { return h('option', { value: String(b.id) }, '\u00a0'.repeat(b.depth * 2) + b.name); }));
    if (state.filters.body) bodySelect.value = state.filters.body;
    var file = h('input', { type: 'file', id: 'import-file', accept: '.json,application/json' });
    var removeMissing = h('input', { type: 'checkbox', id: 'import-remove', checked: true });
    var zone = h('input', { type: 'text', id: 'import-zone', autocomplete: 'off' });
    var fellowship = h('select', { id: 'import-fellowship' }, [h('option', { value: '' }, t('bodyDefault'))].concat(state.fellowships.map(function (x) {
      return h('option', { value: x.code }, x.name);
    })));
    var result = h('section', { id: 'import-result', 'aria-live': 'polite' });
    var error = h('p', { class: 'error-text', role: 'alert', id: 'import-error' });
    var form = h('form', { class: 'card', onsubmit: function (event) { event.preventDefault(); run(true); } },
      h('div', { class: 'field' }, h('label', { for: 'import-body' }, t('serviceBody')), bodySelect),
      h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('feedFile')), file),
      h('div', { class: 'field check-field' }, h('label', { class: 'check', for: 'import-remove' }, removeMissing, ' ', t('removeMissing'))),
      h('div', { class: 'field' }, h('label', { for: 'import-zone' }, t('importZone')), zone),
      h('div', { class: 'field' }, h('label', { for: 'import-fellowship' }, t('importFellowship')), fellowship),
      error,
      h('button', { type: 'submit', class: 'primary', id: 'import-preview' }, t('preview')));
    [bodySelect, file, removeMissing, zone, fellowship].forEach(function (el) {
      el.addEventListener('change', function () { result.textContent = ''; });
    });
    main.appendChild(form);
    main.appendChild(result);

    function run(dryRun) {
      error.textContent = '';
      var chosen = file.files && file.files[0];
      if (!chosen) { error.textContent = t('chooseFile'); file.focus(); return; }
      chosen.text().then(function (body) {
        var query = new URLSearchParams({ dry_run: String(dryRun), remove_missing: String(removeMissing.checked) });
        if (zone.value.trim()) query.set('time_zone', zone.value.trim());
        if (fellowship.value) query.set('fellowship', fellowship.value);
        say(t('loading'));
        return api('POST', '/v1/service-bodies/' + bodySelect.value + '/imports/meeting-guide?' + query, { body: body });
      }).then(function (res) {
        if (res.status !== 200) {
          var named = res.data && res.data.errors ? ' (' + Object.keys(res.data.errors).map(function (k) { return k + ': ' + res.data.errors[k].join(' '); }).join('; ') + ')' : '';
          error.textContent = t('importProblem', { detail: detail(res) + named });
          say('');
          return;
        }
        renderDiff(result, res.data, function () { run(false); });
        say(res.data.dry_run ? t('previewTitle') : t('appliedTitle'));
      }).catch(function (e) { error.textContent = t('failed', { detail: e.message }); });
    }
  }

  function renderDiff(section, diff, apply) {
    section.textContent = '';
    var heading = h('h2', { id: 'import-result-title', tabindex: '-1' }, diff.dry_run ? t('previewTitle') : t('appliedTitle'));
    section.appendChild(heading);
    section.appendChild(h('dl', { class: 'counts' }, [['added', 'added'], ['updated', 'updatedCount'], ['unchanged', 'unchanged'], ['removed', 'removed'], ['rejected', 'rejected']].map(function (pair) {
      return h('div', { 'data-count': pair[0] }, h('dt', null, t(pair[1])), h('dd', null, String(diff[pair[0]])));
    })));
    if (diff.changes.length) {
      section.appendChild(h('h3', null, t('planned') + ' (' + diff.changes.length + ')'));
      section.appendChild(h('table', { class: 'diff', id: 'import-changes' }, h('thead', null, h('tr', null, [t('action'), t('name'), t('record'), t('fields')].map(function (c) { return h('th', { scope: 'col' }, c); }))),
        h('tbody', null, diff.changes.map(function (c) {
          return h('tr', { 'data-action': c.action }, h('td', null, t('action_' + c.action)),
            // A removed meeting is deleted: its history (where it can be restored) is where to go.
            h('td', null, c.meeting_id === null ? c.name : h('button', { type: 'button', class: 'link', onclick: function () {
              if (c.action === 'remove' && !diff.dry_run) showHistory(c.meeting_id); else openMeeting(c.meeting_id);
            } }, c.name)),
            h('td', null, c.external_id), h('td', null, c.fields.map(function (k) { return fieldName(k); }).join(', ')));
        }))));
    }
    if (diff.warnings.length) {
      section.appendChild(h('h3', null, t('warnings') + ' (' + diff.warnings.length + ')'));
      section.appendChild(h('table', { class: 'diff', id: 'import-warnings' }, h('thead', null, h('tr', null, [t('record'), t('field'), t('message')].map(function (c) { return h('th', { scope: 'col' }, c); }))),
        h('tbody', null, diff.warnings.map(function (w) { return h('tr', null, h('td', null, w.slug), h('td', null, w.field), h('td', null, w.message)); }))));
    }
    if (diff.rejections.length) {
      section.appendChild(h('h3', null, t('rejections') + ' (' + diff.rejections.length + ')'));
      section.appendChild(h('table', { class: 'diff', id: 'import-rejections' }, h('thead', null, h('tr', null, [t('record'), t('message')].map(function (c) { return h('th', { scope: 'col' }, c); }))),
        h('tbody', null, diff.rejections.map(function (r) {
          return h('tr', null, h('td', null, r.slug), h('td', null, Object.keys(r.errors).map(function (k) { return k + ': ' + r.errors[k].join(' '); }).join('; ')));
        }))));
    }
    if (diff.dry_run) section.appendChild(h('button', { type: 'button', class: 'primary', id: 'import-apply', onclick: apply }, t('apply')));
    heading.focus();
  }

  /* ---- followed sources (admins) -------------------------------------------------------------- */

  function showSources() {
    var main = frame(showSources, t('sourcesTitle'));
    api('GET', '/v1/sources').then(function (res) {
      var sources = expect(res, [200]).data.results;
      if (!sources.length) { main.appendChild(h('p', null, t('noSources'))); return; }
      main.appendChild(h('table', { class: 'meetings', id: 'sources' },
        h('thead', null, h('tr', null, [t('url'), t('kind'), t('serviceBody'), t('lastStatus'), t('lastSuccess'), t('nextPull'), t('lastError')].map(function (c) {
          return h('th', { scope: 'col' }, c);
        }))),
        h('tbody', null, sources.map(function (s) {
          return h('tr', null, h('th', { scope: 'row' }, s.url), h('td', { 'data-label': t('kind') }, s.kind),
            h('td', { 'data-label': t('serviceBody') }, bodyName(s.service_body_id)),
            h('td', { 'data-label': t('lastStatus') }, (s.last_status || t('never')) + (s.last_attempt_at ? ' · ' + when(s.last_attempt_at) : '')),
            h('td', { 'data-label': t('lastSuccess') }, when(s.last_success_at)),
            h('td', { 'data-label': t('nextPull') }, when(s.next_pull_at)),
            h('td', { 'data-label': t('lastError') }, s.last_error || '—'));
        }))));
    }).catch(function (e) { say(t('failed', { detail: e.message }), true); });
  }

  /* ---- start -------------------------------------------------------------------------------- */

  function start() {
    root = document.getElementById('console');
    root.textContent = '';
    state.lang = pickLanguage();
    document.documentElement.lang = state.lang;
    var saved = sessionStorage.getItem(KEY_SLOT);
    // A refused key is forgotten; an unreachable server is not a reason to forget it (reload retries).
    if (saved) signIn(saved).catch(function (e) { if (e.refused) sessionStorage.removeItem(KEY_SLOT); state.token = null; showSignIn(e.message); });
    else showSignIn('');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
