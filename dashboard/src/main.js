// Entry point: the stylesheets (bundled into app.css) and the app.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { html } from './html.js';
import { App } from './app.js';

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
