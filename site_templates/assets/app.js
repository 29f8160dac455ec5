/* Playbill: theme toggle and keyboard shortcuts, on every page. No dependencies. */
(function () {
  "use strict";
  var html = document.documentElement;
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function currentTheme() {
    var set = html.getAttribute("data-theme");
    if (set === "dark" || set === "light") return set;
    return dark && dark.matches ? "dark" : "light";
  }

  /* A toggle button with a fixed name ("Dark theme") whose pressed state says whether
     the dark theme is on: the pattern screen readers announce best. */
  function showTheme(button) {
    button.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
  }

  function setUpTheme() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    showTheme(button);
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      html.setAttribute("data-theme", next);
      try { localStorage.setItem("playbill-theme", next); } catch (e) { /* private mode */ }
      showTheme(button);
    });
    if (dark && dark.addEventListener) {
      dark.addEventListener("change", function () { showTheme(button); });
    }
  }

  function isTyping(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function setUpShortcuts() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTyping(event.target)) return;
      var search = document.getElementById("search");
      if (!search) return;
      event.preventDefault();
      search.focus();
      if (search.select) search.select();
    });
  }

  setUpTheme();
  setUpShortcuts();
})();
