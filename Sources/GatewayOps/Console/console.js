// The console's one script: the playground streams a reply from the chat API's SSE
// (POST /console/playground/stream, the session's CSRF token in X-CSRF-Token).
'use strict';

function handle(name, json, reply, status) {
  if (name === 'delta') {
    reply.textContent += json.text || '';
  } else if (name === 'end') {
    status.textContent = 'Done' + (json.finish_reason ? ' (' + json.finish_reason + ')' : '') + '.';
  } else if (name === 'error') {
    status.textContent = 'Error: ' + (json.message || json.code || 'unknown');
  }
}

async function stream(form) {
  const reply = document.getElementById('reply');
  const status = document.getElementById('status');
  const data = new FormData(form);
  reply.textContent = '';
  status.textContent = 'Streaming…';
  const response = await fetch('/console/playground/stream', {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'Content-Type': 'application/json',
      'Accept': 'text/event-stream',
      'X-CSRF-Token': form.dataset.csrf,
    },
    body: JSON.stringify({ message: data.get('message'), bot: data.get('bot') }),
  });
  if (!response.ok) {
    status.textContent = 'Error ' + response.status;
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      let payload = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) payload += line.slice(6);
      }
      handle(name, payload ? JSON.parse(payload) : {}, reply, status);
    }
  }
}

const playground = document.getElementById('playground');
if (playground) {
  playground.addEventListener('submit', (event) => {
    event.preventDefault();
    stream(playground).catch((error) => {
      document.getElementById('status').textContent = 'Error: ' + error;
    });
  });
}
