// Drag a deal card onto another stage's column to move it there. Moving back asks for the
// reason the service requires. Without JavaScript the buttons on each card do the same.
// Also submits the owner filter as soon as it changes (the Content-Security-Policy forbids
// inline on*= handlers; without JavaScript the filter has its own button).
// The stage order is the server's: the board renders one column a stage, in that order, and
// the last stage is entered only by signing, never by a drop.
(function () {
  "use strict";

  // Calls handler(event, element) for an event of `type` inside an element matching `selector`.
  function on(type, selector, handler) {
    document.addEventListener(type, function (event) {
      const element = event.target.closest && event.target.closest(selector);
      if (element) handler(event, element);
    });
  }

  function moveUrl(board, dealId) {
    return board.dataset.moveUrlTemplate.replace("/0/", "/" + dealId + "/");
  }

  // The stages in the order of the board's columns.
  function stageOrder(board) {
    return Array.from(board.querySelectorAll(".board-column"), function (column) {
      return column.dataset.stage;
    });
  }

  function isLastStage(column) {
    const board = column.closest("#board");
    const order = board ? stageOrder(board) : [];
    return order.indexOf(column.dataset.stage) === order.length - 1;
  }

  on("change", "[data-submit-on-change]", function (event, field) {
    if (field.form) field.form.submit();
  });

  on("dragstart", ".deal-card", function (event, card) {
    event.dataTransfer.setData("text/plain", card.dataset.deal);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });

  on("dragend", ".deal-card", function (event, card) {
    card.classList.remove("dragging");
  });

  on("dragover", ".board-column", function (event, column) {
    if (isLastStage(column)) return;
    event.preventDefault();
    column.classList.add("drop-target");
  });

  on("dragleave", ".board-column", function (event, column) {
    column.classList.remove("drop-target");
  });

  on("drop", ".board-column", function (event, column) {
    const board = document.getElementById("board");
    if (!board) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    const card = board.querySelector('.deal-card[data-deal="' + event.dataTransfer.getData("text/plain") + '"]');
    if (!card || card.dataset.stage === column.dataset.stage) return;
    // The owner filter travels with the move, so the board that comes back stays filtered.
    const values = { to_stage: column.dataset.stage, version: card.dataset.version, next: "board", owner: board.dataset.owner };
    const order = stageOrder(board);
    if (order.indexOf(column.dataset.stage) < order.indexOf(card.dataset.stage)) {
      const reason = window.prompt(board.dataset.reasonPrompt || "Why does the deal move back?");
      if (!reason) return;
      values.reason = reason;
    }
    window.htmx.ajax("POST", moveUrl(board, card.dataset.deal), { target: "#board", swap: "outerHTML", values: values });
  });
})();
