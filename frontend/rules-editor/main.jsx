// The rules editor island: loads a pack version's JDM graph from the rules API, lets an analyst
// edit it with the GoRules JDM editor, saves the draft back and runs its saved test cases.
import './monaco.js';
import '@gorules/jdm-editor/dist/style.css';
import { DecisionGraph, JdmConfigProvider } from '@gorules/jdm-editor';
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './rules-editor.css';

const API = '/api/v1/rules';

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error((data && data.message) || response.statusText);
    error.code = data && data.code;
    // a refused graph lists each problem with its own code and node (rule_graph_refused)
    error.problems = (data && data.details && data.details.problems) || [];
    throw error;
  }
  return data;
}

function TestResults({ report, words }) {
  if (!report) return null;
  const passed = report.cases.filter((c) => c.passed).length;
  return (
    <section className="rules-tests" aria-label={words.results} data-testid="test-results">
      <h2>
        {words.results}: {passed}/{report.cases.length} {words.passed}
      </h2>
      {report.problems.length > 0 && (
        <ul className="rules-problems">
          {report.problems.map((p, i) => (
            <li key={i}>
              <code>{p.code}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      <ul className="rules-cases">
        {report.cases.map((c) => (
          <li key={c.name} className={c.passed ? 'pass' : 'fail'}>
            <strong>{c.passed ? words.pass : words.fail}</strong> {c.name}
            {!c.passed && (c.mismatches.length > 0 || c.error) && (
              <span className="rules-why"> — {c.error || c.mismatches.join('; ')}</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Editor({ versionId, words }) {
  const [version, setVersion] = useState(null);
  const [graph, setGraph] = useState(null);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState(null);
  const [report, setReport] = useState(null);
  // the editor may normalise a graph as it opens it (and say so through onChange): what it reports
  // before the analyst touches the canvas is the saved graph, not a change
  const baseline = useRef(null);
  const touched = useRef(false);
  // the editor keeps its own state (it is given the loaded graph once, as its default value); the
  // latest graph it reported is what is saved and tested
  const latest = useRef(null);
  const lastChange = useRef(0);
  // the editor reports a change about 200 ms after the keystroke (its table and its graph each
  // debounce by 100 ms): wait until it has been quiet for half a second before saving what it reported
  const settled = async () => {
    const quiet = 500;
    const started = performance.now();
    while (
      performance.now() - started < quiet ||
      performance.now() - lastChange.current < quiet
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return latest.current;
  };

  const load = useCallback(async () => {
    const found = await call('GET', `${API}/versions/${versionId}`);
    setVersion(found);
    setGraph(found.content);
    latest.current = found.content;
    baseline.current = JSON.stringify(found.content);
    touched.current = false;
    setDirty(false);
  }, [versionId]);

  useEffect(() => {
    load().catch((e) => setMessage({ kind: 'error', text: `${e.code || ''} ${e.message}` }));
  }, [load]);

  const act = (work) => async () => {
    setBusy(true);
    setMessage(null);
    try {
      await work();
    } catch (e) {
      setMessage({
        kind: 'error',
        text: `${e.code || 'error'}: ${e.message}`,
        problems: e.problems || [],
      });
    } finally {
      setBusy(false);
    }
  };

  const save = act(async () => {
    const current = await settled();
    const saved = await call('PUT', `${API}/versions/${versionId}/content`, current);
    setVersion(saved);
    baseline.current = JSON.stringify(current);
    setDirty(false);
    setReport(null);
    setMessage({ kind: 'ok', text: words.saved });
  });

  // the tests run on what the analyst sees: the draft is saved first, changed or not
  const runTests = act(async () => {
    const current = await settled();
    setVersion(await call('PUT', `${API}/versions/${versionId}/content`, current));
    baseline.current = JSON.stringify(current);
    setDirty(false);
    const result = await call('POST', `${API}/versions/${versionId}/tests`);
    setReport(result);
    setVersion(await call('GET', `${API}/versions/${versionId}`));
  });

  const step = (action, done) =>
    act(async () => {
      setVersion(await call('POST', `${API}/versions/${versionId}/${action}`));
      setMessage({ kind: 'ok', text: done });
    });
  const approve = step('approve', words.approved);
  const publish = step('publish', words.published);

  const newDraft = act(async () => {
    const draft = await call('POST', `${API}/versions/${versionId}/drafts`);
    window.location.assign(`/rules/${draft.pack_key}/${draft.version}`);
  });

  if (!version || !graph) {
    return <p role="status">{message ? message.text : words.loading}</p>;
  }
  const editable = version.status === 'DRAFT' || version.status === 'TESTED';
  return (
    <div className="rules-editor">
      <div className="rules-toolbar" role="toolbar" aria-label={words.toolbar}>
        <span className="rules-status" data-testid="version-status">
          {words.status[version.status] || version.status}
        </span>
        {editable && (
          <>
            <button type="button" onClick={save} disabled={busy || !dirty}>
              {words.save}
            </button>
            <button type="button" onClick={runTests} disabled={busy}>
              {words.runTests}
            </button>
          </>
        )}
        {version.status === 'TESTED' && !dirty && (
          <button type="button" onClick={approve} disabled={busy}>
            {words.approve}
          </button>
        )}
        {version.status === 'APPROVED' && (
          <button type="button" onClick={publish} disabled={busy}>
            {words.publish}
          </button>
        )}
        {!editable && (
          <button type="button" onClick={newDraft} disabled={busy}>
            {words.newDraft}
          </button>
        )}
        {dirty && <span className="rules-dirty">{words.unsaved}</span>}
        {message && (
          <span role={message.kind === 'error' ? 'alert' : 'status'} className={message.kind}>
            {message.text}
          </span>
        )}
      </div>
      {message && message.problems && message.problems.length > 0 && (
        <ul className="rules-problems" aria-label={words.problems} data-testid="save-problems">
          {message.problems.map((p, i) => (
            <li key={i}>
              <code>{p.code}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      <div
        className="rules-canvas"
        onPointerDownCapture={() => {
          touched.current = true;
        }}
        onKeyDownCapture={() => {
          touched.current = true;
        }}
      >
        <JdmConfigProvider>
          <DecisionGraph
            defaultValue={graph}
            disabled={!editable}
            onChange={(value) => {
              const text = JSON.stringify(value);
              if (!touched.current) baseline.current = text;
              latest.current = value;
              lastChange.current = performance.now();
              setDirty(text !== baseline.current);
            }}
          />
        </JdmConfigProvider>
      </div>
      <TestResults report={report} words={words} />
    </div>
  );
}

const mount = document.getElementById('rules-editor');
if (mount) {
  const words = JSON.parse(mount.dataset.words);
  createRoot(mount).render(<Editor versionId={mount.dataset.versionId} words={words} />);
}
