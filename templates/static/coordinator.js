// Fills a time zone field marked data-browser-zone with the browser's own
// zone (an IANA name such as Europe/Athens), unless the coordinator has
// already typed one. Without JavaScript the field keeps its default.
document.addEventListener("DOMContentLoaded", function () {
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) {
    return;
  }
  document.querySelectorAll("input[data-browser-zone]").forEach(function (input) {
    if (input.value === input.defaultValue) {
      input.value = zone;
    }
  });
});
