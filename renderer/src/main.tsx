/** Renderer entry: mounts the React app against the shell's SsroApi. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { api } from './api';
import { App } from './app';
import { ApiProvider } from './state/api-context';
import { ErrorsProvider } from './state/errors';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <ApiProvider api={api}>
      <ErrorsProvider>
        <App />
      </ErrorsProvider>
    </ApiProvider>
  </StrictMode>,
);
