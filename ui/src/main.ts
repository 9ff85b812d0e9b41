import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { theme } from './lib/ui/theme.svelte';

theme.start();

const app = mount(App, { target: document.getElementById('app')! });

export default app;
