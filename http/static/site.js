// The phone menu: below the width in site.css the navigation folds behind
// the 菜单 button, which opens and closes it. Without this script the
// navigation stays open, each entry whole on its line.
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  var button = document.querySelector(".menu-toggle");
  var top = document.querySelector("header.top");
  if (!button || !top) return;
  button.addEventListener("click", function () {
    var open = top.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && top.classList.contains("open")) {
      top.classList.remove("open");
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
})();
