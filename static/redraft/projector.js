// Projector view: one comparison row at a time, moved with the keyboard.
// Without JavaScript every row stays visible, one under the other.
(function () {
  "use strict";
  const root = document.querySelector("[data-projector]");
  if (!root) return;
  const slides = Array.from(root.querySelectorAll(".slide"));
  if (!slides.length) return;
  let current = Math.max(0, slides.findIndex((s) => "#" + s.id === location.hash));
  root.classList.add("one-at-a-time");

  function show(index) {
    current = Math.min(Math.max(index, 0), slides.length - 1);
    slides.forEach((slide, i) => { slide.hidden = i !== current; });
    history.replaceState(null, "", "#" + slides[current].id);
    slides[current].focus({ preventScroll: true });
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea")) return;
    const moves = { ArrowRight: 1, PageDown: 1, " ": 1, ArrowLeft: -1, PageUp: -1 };
    if (event.key in moves) show(current + moves[event.key]);
    else if (event.key === "Home") show(0);
    else if (event.key === "End") show(slides.length - 1);
    else return;
    event.preventDefault();
  });
  show(current);
})();
