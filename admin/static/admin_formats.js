/* Thân Thiết: amounts, points and times in Piccolo Admin's grid and row pages, the Vietnamese way.
 *
 * Put into the admin's page by admin/cell_formats.py. Each column's schema property may carry a
 * hint (extra.display_format: vnd, points, local_time, day; extra.display_zone for times): a grid
 * cell showing the column's raw value gets the formatted text instead; on a row's page the input
 * keeps its raw value (what a save sends) and the formatted value is written beside it.
 * A cell whose text is not a raw value (already formatted, NULL, a link) is left alone, so the
 * script may run again and again as the page redraws itself.
 *
 * Piccolo Admin 1.14 names a table by its database name ("complaint categories") in the sidebar
 * and the headings; the page carries the Vietnamese names (#tt-table-names, from
 * admin/labels_vi.py) and the script writes those there instead. The addresses stay the same.
 */
(function () {
  "use strict";

  var schemas = {};

  function thousands(digits) {
    var negative = digits.charAt(0) === "-";
    var body = negative ? digits.slice(1) : digits;
    return (negative ? "-" : "") + body.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function localTime(text, zone) {
    var moment = new Date(text);
    if (isNaN(moment.getTime())) {
      return null;
    }
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone || "Asia/Ho_Chi_Minh",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23"
    }).formatToParts(moment).forEach(function (part) {
      parts[part.type] = part.value;
    });
    return parts.day + "/" + parts.month + "/" + parts.year + " " + parts.hour + ":" + parts.minute;
  }

  function shown(raw, extra) {
    var text = String(raw).trim();
    var day;
    switch (extra.display_format) {
      case "vnd":
        return /^-?\d+$/.test(text) ? thousands(text) + "\u00a0₫" : null;
      case "points":
        return /^-?\d+$/.test(text) ? thousands(text) : null;
      case "local_time":
        return /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(text) ? localTime(text, extra.display_zone) : null;
      case "day":
        day = /^(\d{4})-(\d\d)-(\d\d)$/.exec(text);
        return day ? day[3] + "/" + day[2] + "/" + day[1] : null;
      default:
        return null;
    }
  }

  function currentTable() {
    var found = /^#\/([a-z0-9_]+)\//.exec(window.location.hash);
    return found && found[1] !== "forms" ? found[1] : null;
  }

  function schemaOf(table) {
    if (!schemas[table]) {
      schemas[table] = fetch("./api/tables/" + table + "/schema/", { credentials: "same-origin" })
        .then(function (answer) {
          return answer.ok ? answer.json() : null;
        })
        .catch(function () {
          return null;
        });
    }
    return schemas[table];
  }

  function hinted(schema) {
    var byName = {};
    var properties = (schema && schema.properties) || {};
    Object.keys(properties).forEach(function (name) {
      var extra = properties[name].extra;
      if (extra && extra.display_format) {
        byName[name] = { title: properties[name].title, extra: extra };
      }
    });
    return byName;
  }

  function headerText(th) {
    var node = th.firstChild;
    return node && node.nodeType === Node.TEXT_NODE ? node.nodeValue.trim() : th.textContent.trim();
  }

  function formatGrid(byName) {
    var byTitle = {};
    Object.keys(byName).forEach(function (name) {
      byTitle[byName[name].title] = byName[name].extra;
    });
    document.querySelectorAll(".table_wrapper table").forEach(function (table) {
      var columns = [];
      table.querySelectorAll("thead th").forEach(function (th, index) {
        columns[index] = byTitle[headerText(th)] || null;
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          var extra = columns[index];
          var span = cell.firstElementChild;
          if (!extra || !span || span.tagName !== "SPAN" || span.children.length) {
            return;
          }
          var text = span.firstChild;
          if (!text || text.nodeType !== Node.TEXT_NODE) {
            return;
          }
          var formatted = shown(text.nodeValue, extra);
          if (formatted !== null && formatted !== text.nodeValue) {
            span.title = text.nodeValue.trim();
            text.nodeValue = formatted;
          }
        });
      });
    });
  }

  function formatRowPage(byName) {
    Object.keys(byName).forEach(function (name) {
      document.querySelectorAll("form [name='" + name + "']").forEach(function (input) {
        if (input.closest(".filter_sidebar, #filter_sidebar, .sidebar")) {
          return;
        }
        var box = input.parentNode;
        var beside = box.querySelector(":scope > .tt-shown");
        var formatted = shown(input.value, byName[name].extra) || "";
        if (!beside) {
          beside = document.createElement("small");
          beside.className = "tt-shown";
          beside.setAttribute("data-column", name);
          box.appendChild(beside);
          input.addEventListener("input", schedule);
        }
        if (beside.textContent !== formatted) {
          beside.textContent = formatted;
        }
      });
    });
  }

  var tableNames = null;
  function vietnameseNames() {
    if (tableNames === null) {
      var data = document.getElementById("tt-table-names");
      try {
        tableNames = data ? JSON.parse(data.textContent) : {};
      } catch (ignored) {
        tableNames = {};
      }
    }
    return tableNames;
  }

  function nameTables() {
    var names = vietnameseNames();
    Object.keys(names).forEach(function (table) {
      var english = table.split("_").join(" ");
      document.querySelectorAll("a[href='#/" + table + "/'] > span").forEach(function (label) {
        var node = label.firstChild;
        if (label.children.length === 0 && node && node.nodeValue.trim().toLowerCase() === english) {
          node.nodeValue = names[table];
          label.classList.add("tt-vi");
          label.style.textTransform = "none"; // the admin capitalises every word of a table's name
        }
      });
    });
    var table = currentTable();
    if (table && names[table]) {
      var own = table.split("_").join(" ");
      document.querySelectorAll("h1").forEach(function (heading) {
        Array.prototype.forEach.call(heading.childNodes, function (node) {
          if (node.nodeType !== Node.TEXT_NODE) {
            return;
          }
          var at = node.nodeValue.toLowerCase().indexOf(own);
          if (at !== -1) {
            node.nodeValue = node.nodeValue.slice(0, at) + names[table] + node.nodeValue.slice(at + own.length);
            heading.classList.add("tt-vi");
            heading.style.textTransform = "none";
          }
        });
      });
    }
  }

  function apply() {
    nameTables();
    var table = currentTable();
    if (!table) {
      return;
    }
    schemaOf(table).then(function (schema) {
      if (!schema || currentTable() !== table) {
        return;
      }
      var byName = hinted(schema);
      formatGrid(byName);
      formatRowPage(byName);
    });
  }

  var pending = null;
  function schedule() {
    if (pending === null) {
      pending = window.setTimeout(function () {
        pending = null;
        apply();
      }, 60);
    }
  }

  function start() {
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, characterData: true });
    window.addEventListener("hashchange", schedule);
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
