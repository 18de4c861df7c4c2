/* Quick exit: leave for a neutral site and replace this page in the history, so "Back"
   does not return here. Works from the button and from the Escape key. Without
   JavaScript the button is a plain link. */
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  function leave(event) {
    if (event) { event.preventDefault(); }
    document.documentElement.classList.add("leaving");
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") { leave(event); }
  });
}());
