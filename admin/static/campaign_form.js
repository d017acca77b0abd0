// The campaign form (/staff/campaigns/new, …/edit): shows only the fields the chosen schedule,
// audience and gift need, and previews the message, its SMS parts, the audience and the cost as
// staff type. Without it the form still saves (the server knows the same fields).
"use strict";
(function () {
  const form = document.getElementById("campaign-form");
  const depends = JSON.parse(document.getElementById("campaign-depends").textContent);
  const questions = ["schedule", "audience", "gift_kind"];
  const vnd = (n) => n.toLocaleString("vi-VN") + " đ";
  let timer = null;
  let asked = 0;

  function showFields() {
    const answers = Object.fromEntries(questions.map((q) => [q, document.getElementById(q).value]));
    for (const box of form.querySelectorAll("[data-field]")) {
      const rule = depends[box.dataset.field];
      box.hidden = !rule || !questions.every((q) => rule[q].includes(answers[q]));
    }
  }

  function set(id, text) {
    document.getElementById(id).textContent = text;
  }

  function smsLine(sms) {
    if (sms.too_long) return "SMS: quá dài / too long — " + sms.too_long;
    return "SMS: " + sms.parts + " phần / part(s) (" + sms.encoding + "): " + sms.text;
  }

  async function refresh() {
    const mine = ++asked;
    const answer = await fetch("/staff/campaigns/preview", {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams(new FormData(form)),
    });
    if (mine !== asked) return; // a later preview is on its way
    const data = await answer.json();
    document.getElementById("preview").hidden = false;
    if (!answer.ok) {
      set("preview-error", data.detail || "Không xem trước được / no preview");
      return;
    }
    set("preview-error", data.error);
    set("sample-name", data.sample_name);
    for (const locale of ["vi", "en"]) {
      set("preview-title-" + locale, data.texts["title_" + locale]);
      set("preview-body-" + locale, data.texts["body_" + locale]);
      set("sms-" + locale, smsLine(data.sms[locale]));
    }
    set("audience-count", data.audience === null ? "—" : data.audience.toLocaleString("vi-VN"));
    const lines = document.getElementById("cost-lines");
    if (!data.cost) {
      set("cost-total", "—");
      lines.replaceChildren();
      set("cost-note", "");
      return;
    }
    set("cost-total", vnd(data.cost.total_vnd));
    lines.replaceChildren(
      ...data.cost.channels.map((line) => {
        const item = document.createElement("li");
        item.className = "cost-" + line.channel;
        item.textContent = line.label + ": " + line.members.toLocaleString("vi-VN") + " → " + vnd(line.vnd);
        return item;
      }),
    );
    const budget = data.cost.budget_vnd === null ? "" : " · ngân sách / budget " + vnd(data.cost.budget_vnd);
    const parts = data.sms.vi.parts && data.sms.vi.parts > 1 ? " · SMS tính 1 phần một tin / SMS counted as one part" : "";
    set("cost-note", "Không liên lạc được / unreached: " + data.cost.unreached + budget + parts);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  for (const q of questions) document.getElementById(q).addEventListener("change", showFields);
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  showFields();
  schedule();
})();
