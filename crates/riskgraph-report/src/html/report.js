// The register's filters and sorting, and the heat maps' cell filter. Plain JavaScript, no
// network: the report works opened from disk. Filters can be set from the address:
// report.html#level=high&category=cloud&cell=r:4:3 (r for residual, i for inherent), also
// #appetite=above, #overdue=yes, #owner=..., #frameworks=CC6.1, #text=....
(function () {
  'use strict';
  var table = document.getElementById('register-table');
  if (!table) {
    document.body.setAttribute('data-script', 'ran');
    return;
  }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var filters = {};
  var cell = null;
  var shown = document.getElementById('shown');
  var cellNote = document.getElementById('cell-filter');

  function natural(a, b) {
    return a.localeCompare(b, undefined, { numeric: true });
  }

  function matches(row) {
    for (var key in filters) {
      var want = filters[key];
      if (!want) continue;
      if (key === 'text') {
        if (row.textContent.toLowerCase().indexOf(want.toLowerCase()) < 0) return false;
        continue;
      }
      var have = row.getAttribute('data-' + key) || '';
      if (key === 'frameworks') {
        if ((' ' + have + ' ').indexOf(' ' + want + ' ') < 0) return false;
      } else if (have !== want) {
        return false;
      }
    }
    if (cell) {
      if (row.getAttribute('data-' + cell.side + 'l') !== cell.l) return false;
      if (row.getAttribute('data-' + cell.side + 'i') !== cell.i) return false;
    }
    return true;
  }

  function apply() {
    var count = 0;
    rows.forEach(function (row) {
      var ok = matches(row);
      row.hidden = !ok;
      if (ok) count += 1;
    });
    shown.textContent = String(count);
    var picked = document.querySelectorAll('.heat .cell');
    Array.prototype.forEach.call(picked, function (g) {
      var on = cell && g.getAttribute('data-side') === cell.side &&
        g.getAttribute('data-l') === cell.l && g.getAttribute('data-i') === cell.i;
      g.setAttribute('class', on ? 'cell picked' : 'cell');
    });
    if (cellNote) {
      cellNote.textContent = cell
        ? '(' + (cell.side === 'r' ? 'residual' : 'inherent') + ' likelihood ' + cell.l +
          ', impact ' + cell.i + ': click the cell again to clear)'
        : '';
    }
  }

  var controls = {};
  Array.prototype.forEach.call(document.querySelectorAll('[data-filter]'), function (control) {
    var key = control.getAttribute('data-filter');
    controls[key] = control;
    function update() {
      filters[key] = control.value;
      apply();
    }
    control.addEventListener('input', update);
    control.addEventListener('change', update);
  });

  Array.prototype.forEach.call(document.querySelectorAll('.heat .cell'), function (g) {
    function pick() {
      var c = { side: g.getAttribute('data-side'), l: g.getAttribute('data-l'), i: g.getAttribute('data-i') };
      var same = cell && cell.side === c.side && cell.l === c.l && cell.i === c.i;
      cell = same ? null : c;
      apply();
      if (cell) document.getElementById('register').scrollIntoView();
    }
    g.addEventListener('click', pick);
    g.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' || event.key === ' ' || event.key === 'Spacebar') {
        event.preventDefault();
        pick();
      }
    });
  });

  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (th, index) {
    th.addEventListener('click', function () {
      var numeric = th.getAttribute('data-sort') === 'number';
      var direction = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      Array.prototype.forEach.call(headers, function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', direction === 1 ? 'ascending' : 'descending');
      rows.sort(function (a, b) {
        var x = a.cells[index].getAttribute('data-value') || a.cells[index].textContent;
        var y = b.cells[index].getAttribute('data-value') || b.cells[index].textContent;
        var order = numeric ? parseFloat(x) - parseFloat(y) : natural(x, y);
        return order * direction || natural(a.getAttribute('data-id'), b.getAttribute('data-id'));
      });
      rows.forEach(function (row) { tbody.appendChild(row); });
    });
  });

  // Filters from the address. Unknown keys, undecodable text and values no option has are
  // ignored rather than hiding every row.
  function decode(text) {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch (e) {
      return null;
    }
  }
  function fromAddress() {
    filters = {};
    cell = null;
    Object.keys(controls).forEach(function (key) { controls[key].value = ''; });
    location.hash.replace(/^#/, '').split('&').forEach(fromPair);
    apply();
  }

  function fromPair(pair) {
    var at = pair.indexOf('=');
    if (at < 0) return;
    var key = decode(pair.slice(0, at));
    var value = decode(pair.slice(at + 1));
    if (key === null || value === null) return;
    if (key === 'cell') {
      var parts = value.split(':');
      if (parts.length === 3 && (parts[0] === 'r' || parts[0] === 'i')) {
        cell = { side: parts[0], l: parts[1], i: parts[2] };
      }
      return;
    }
    var control = Object.prototype.hasOwnProperty.call(controls, key) ? controls[key] : null;
    if (!control) return;
    if (control.tagName === 'SELECT') {
      var known = Array.prototype.some.call(control.options, function (o) { return o.value === value; });
      if (!known) return;
    }
    control.value = value;
    filters[key] = value;
  }
  window.addEventListener('hashchange', fromAddress);

  // Printing shows every collapsed tree.
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
  });

  fromAddress();
  document.body.setAttribute('data-script', 'ran');
})();
