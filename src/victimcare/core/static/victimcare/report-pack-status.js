// The report pack's status page while the pack is being prepared: checks the page again
// every few seconds and, once the pack is ready (or has failed), shows what the page now
// says in place and moves focus to it. A meta refresh would reload the page under the
// reader, which WCAG 2.2.1 (timing adjustable) rules out; without JavaScript the page has
// its "Check again now" link.
const waiting = document.querySelector("[data-poll-seconds]");

if (waiting) {
  const seconds = Number(waiting.dataset.pollSeconds) || 5;
  const check = async () => {
    try {
      const response = await fetch(window.location.href, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (response.ok) {
        const next = new DOMParser().parseFromString(await response.text(), "text/html");
        if (!next.querySelector("[data-poll-seconds]")) {
          const main = document.getElementById("main-content");
          main.replaceChildren(...next.getElementById("main-content").childNodes);
          document.title = next.title;
          const status = document.getElementById("pack-status");
          if (status) {
            status.setAttribute("tabindex", "-1");
            status.focus();
          }
          return;
        }
      }
    } catch {
      // A network blip: the next check tries again.
    }
    window.setTimeout(check, seconds * 1000);
  };
  window.setTimeout(check, seconds * 1000);
}
