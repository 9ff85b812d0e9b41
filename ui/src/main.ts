import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { theme } from './lib/ui/theme.svelte';

// Start-up milestones, read by `make bench`: the bundle has run, the session is
// known (App), the home page has its figures (HomePage).
performance.mark('sportello:script');

theme.start();

const app = mount(App, { target: document.getElementById('app')! });

export default app;
