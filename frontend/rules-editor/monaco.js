// Serve the code editor (Monaco, used by the JDM editor's function nodes) from the bundle with
// its worker, instead of letting it load itself from a public CDN. Imported before the JDM editor,
// which takes ``self.monaco`` when it is set.
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker?worker';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };
self.monaco = monaco;
loader.config({ monaco });
