// Tagged templates for Preact components (htm): no JSX, so no compile step beyond bundling.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
