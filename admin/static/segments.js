// The segment builder (/staff/segments/…): fits each row's operator and value to its field, adds
// and removes rows, and counts the audience as the rows change. Without it the form still saves.
"use strict";
(function () {
  const form = document.getElementById("segment-form");
  const fields = JSON.parse(document.getElementById("segment-fields").textContent);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const body = document.querySelector("#rows tbody");
  const LIST_OPS = ["in", "not_in"];
  let next = body.querySelectorAll("tr.row").length;
  let timer = null;
  let asked = 0;

  function indexOf(row) {
    return row.querySelector("select.field").name.split("_")[1];
  }

  function currentValues(row) {
    const input = row.querySelector(".value [name^=value_]");
    if (!input) return [];
    if (input.tagName === "SELECT") return [...input.selectedOptions].map((o) => o.value);
    return input.value.split(",").map((v) => v.trim()).filter((v) => v);
  }

  function fitOps(row) {
    const spec = byName.get(row.querySelector("select.field").value);
    const op = row.querySelector("select.op");
    const keep = op.value;
    const ops = spec ? spec.ops : [];
    op.replaceChildren(...ops.map((o) => new Option(o.label, o.op, false, o.op === keep)));
  }

  function fitValue(row) {
    const n = indexOf(row);
    const spec = byName.get(row.querySelector("select.field").value);
    const op = row.querySelector("select.op").value;
    const cell = row.querySelector("td.value");
    const values = currentValues(row);
    const list = LIST_OPS.includes(op);
    let input;
    if (spec && spec.input === "select") {
      input = document.createElement("select");
      input.multiple = list;
      for (const c of spec.choices) input.add(new Option(c.label, c.value, false, values.includes(c.value)));
    } else {
      input = document.createElement("input");
      if (spec && spec.input === "number" && !list) {
        input.type = "number";
        input.min = "0";
        input.step = "1";
      } else if (spec && spec.name === "city") {
        input.setAttribute("list", "cities");
      }
      input.value = list ? values.join(", ") : values[0] || "";
      if (list) input.placeholder = "a, b, c";
    }
    input.name = "value_" + n;
    input.className = "value-input";
    cell.replaceChildren(input);
    const high = row.querySelector("td.high input");
    high.hidden = op !== "between";
    if (spec && spec.input === "number") high.type = "number";
  }

  function wire(row) {
    const remove = row.querySelector("button.remove");
    remove.hidden = false;
    remove.addEventListener("click", () => {
      row.remove();
      schedule();
    });
    row.querySelector("select.field").addEventListener("change", () => {
      fitOps(row);
      fitValue(row);
    });
    row.querySelector("select.op").addEventListener("change", () => fitValue(row));
    if (row.querySelector("select.field").value) fitOps(row);
    fitValue(row);
  }

  function addRow() {
    const template = body.querySelector("tr.row");
    const row = template.cloneNode(true);
    const n = String(next++);
    for (const el of row.querySelectorAll("[name]")) el.name = el.name.replace(/_\d+$/, "_" + n);
    row.querySelector("select.field").value = "";
    row.querySelector("select.op").replaceChildren();
    row.querySelector("td.value").replaceChildren(document.createElement("input"));
    row.querySelector("td.value input").name = "value_" + n;
    row.querySelector("td.high input").value = "";
    row.querySelector("select.group").value = "";
    body.append(row);
    wire(row);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(count, 400);
  }

  async function count() {
    const mine = ++asked;
    const error = document.getElementById("count-error");
    const posted = new FormData(form);
    // Count the rows filled so far: a row whose value is still empty is left out until it has one.
    for (const row of body.querySelectorAll("tr.row")) {
      const n = indexOf(row);
      const values = posted.getAll("value_" + n).filter((v) => String(v).trim());
      const between = row.querySelector("select.op").value === "between";
      if (!values.length || (between && !row.querySelector("td.high input").value)) posted.delete("field_" + n);
    }
    const answer = await fetch("/staff/segments/count", {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams(posted),
    });
    if (mine !== asked) return; // a later count is on its way
    const data = await answer.json();
    if (!answer.ok) {
      error.textContent = data.detail || "Không đếm được / could not count";
      return;
    }
    error.textContent = "";
    document.getElementById("count").textContent = data.count.toLocaleString("vi-VN");
    document.getElementById("sample").replaceChildren(
      ...data.sample.map((s) => {
        const li = document.createElement("li");
        li.textContent = s.name + (s.phone ? " · " + s.phone : "");
        return li;
      }),
    );
  }

  body.querySelectorAll("tr.row").forEach(wire);
  const add = document.getElementById("add-row");
  add.hidden = false;
  add.addEventListener("click", addRow);
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  schedule();
})();
