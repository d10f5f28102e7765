// Drag a deal card onto another stage's column to move it there. Moving back asks for the
// reason the service requires. Without JavaScript the buttons on each card do the same.
// Also submits the owner filter as soon as it changes (the Content-Security-Policy forbids
// inline on*= handlers; without JavaScript the filter has its own button).
(function () {
  "use strict";
  const order = ["research", "development", "negotiation", "follow_up"];

  document.addEventListener("change", function (event) {
    const field = event.target.closest && event.target.closest("[data-submit-on-change]");
    if (field && field.form) field.form.submit();
  });

  function moveUrl(board, dealId) {
    return board.dataset.moveUrlTemplate.replace("/0/", "/" + dealId + "/");
  }

  document.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest(".deal-card");
    if (!card) return;
    event.dataTransfer.setData("text/plain", card.dataset.deal);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function (event) {
    const card = event.target.closest && event.target.closest(".deal-card");
    if (card) card.classList.remove("dragging");
  });

  document.addEventListener("dragover", function (event) {
    const column = event.target.closest && event.target.closest(".board-column");
    if (column && column.dataset.stage !== "follow_up") {
      event.preventDefault();
      column.classList.add("drop-target");
    }
  });

  document.addEventListener("dragleave", function (event) {
    const column = event.target.closest && event.target.closest(".board-column");
    if (column) column.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    const column = event.target.closest && event.target.closest(".board-column");
    const board = document.getElementById("board");
    if (!column || !board) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    const card = board.querySelector('.deal-card[data-deal="' + event.dataTransfer.getData("text/plain") + '"]');
    if (!card || card.dataset.stage === column.dataset.stage) return;
    // The owner filter travels with the move, so the board that comes back stays filtered.
    const values = { to_stage: column.dataset.stage, version: card.dataset.version, next: "board", owner: board.dataset.owner };
    if (order.indexOf(column.dataset.stage) < order.indexOf(card.dataset.stage)) {
      const reason = window.prompt(board.dataset.reasonPrompt || "Why does the deal move back?");
      if (!reason) return;
      values.reason = reason;
    }
    window.htmx.ajax("POST", moveUrl(board, card.dataset.deal), { target: "#board", swap: "outerHTML", values: values });
  });
})();
