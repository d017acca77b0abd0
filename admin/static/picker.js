// A small picker for the staff forms: type a name, choose from the list, and the hidden input
// beside it holds the chosen id. Markup: .picker[data-source] > input.picker-text, input.picker-id,
// ul.picker-list; the source answers [{id, label}] to ?q=… (or ?phone=… with data-query="phone").
"use strict";
(function () {
  function wire(picker) {
    const text = picker.querySelector(".picker-text");
    const id = picker.querySelector(".picker-id");
    const list = picker.querySelector(".picker-list");
    const query = picker.dataset.query || "q";
    let timer = null;
    let asked = 0;

    function choose(choice) {
      clearTimeout(timer);
      asked++; // a search still on its way must not bring the list back
      text.value = choice.label;
      id.value = String(choice.id);
      list.replaceChildren();
      id.dispatchEvent(new Event("change", { bubbles: true }));
    }

    async function search() {
      const mine = ++asked;
      const url = picker.dataset.source + "?" + new URLSearchParams({ [query]: text.value });
      const answer = await fetch(url, { headers: { Accept: "application/json" } });
      if (mine !== asked || !answer.ok) return;
      const choices = await answer.json();
      list.replaceChildren(
        ...choices.map((choice) => {
          const item = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.className = "picker-choice";
          button.textContent = choice.label;
          button.addEventListener("click", () => choose(choice));
          item.append(button);
          return item;
        }),
      );
      if (!choices.length) {
        const none = document.createElement("li");
        none.textContent = "Không tìm thấy / nothing found";
        list.append(none);
      }
    }

    text.addEventListener("input", () => {
      id.value = ""; // a name typed but not chosen yet is no choice
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    text.addEventListener("focus", () => {
      if (!id.value) search();
    });
  }

  document.querySelectorAll(".picker").forEach(wire);
})();
