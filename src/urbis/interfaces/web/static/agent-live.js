// The agent console's live notices (ADR 0072): a call ringing, a message or a chat line shows
// at once with a link to the customer's account; on that customer's account page it is also
// added to the timeline. Server-sent events from /agent/events; the browser reconnects itself.
(() => {
  const live = document.getElementById('live');
  if (!live || !window.EventSource) return;
  const spanish = document.documentElement.lang !== 'en';
  const closeWord = spanish ? 'Cerrar aviso' : 'Dismiss notice';
  const source = new EventSource('/agent/events');
  // the stream is open: what is logged from now on will show (tests wait for this)
  source.addEventListener('open', () => {
    live.dataset.connected = 'true';
  });
  source.addEventListener('error', () => {
    delete live.dataset.connected;
  });
  source.addEventListener('interaction', (message) => {
    const e = JSON.parse(message.data);
    const note = document.createElement('article');
    note.className = 'live-note';
    note.dataset.channel = e.channel;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'live-close';
    close.setAttribute('aria-label', closeWord);
    close.textContent = '×';
    close.addEventListener('click', () => note.remove());
    const title = document.createElement('h2');
    title.textContent = `${e.headline}: ${e.customer}`;
    const text = document.createElement('p');
    text.textContent = e.sender ? `${e.summary} · ${e.sender}` : e.summary;
    note.append(close, title, text);
    if (e.url) {
      const link = document.createElement('a');
      link.href = e.url;
      link.textContent = e.open;
      note.append(link);
    }
    live.prepend(note);
    while (live.children.length > 4) live.lastElementChild.remove();
    const timeline = document.querySelector('ol.timeline[data-party-id]');
    const shown = timeline && [...timeline.children].some((li) => li.dataset.ref === e.id);
    if (timeline && !shown && e.party_id && timeline.dataset.partyId === e.party_id) {
      // (a contact the agent logged on this page is on the timeline already: not twice)
      const line = document.createElement('li');
      line.className = 'live-line';
      line.dataset.ref = e.id;
      const at = document.createElement('time');
      at.dateTime = e.at;
      at.textContent = `${e.at.slice(0, 16).replace('T', ' ')} UTC`;
      line.append(at, ` · ${e.headline} — ${e.summary}`);
      timeline.prepend(line);
    }
  });
})();
