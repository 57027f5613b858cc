// htm bound to Preact: tagged templates instead of JSX, so the build needs no JSX transform, and
// every interpolated value is set as text or a property, never parsed as HTML.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
